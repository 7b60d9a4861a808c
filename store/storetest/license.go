package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/licensorhq/licensor"
)

// fullLicense returns version 1 of a license with every field set: all 27
// units, each optional entitlement member both set (to zero values too)
// and absent, metadata, tags and both consumption sub-configurations.
func fullLicense(account, n int) *licensor.License {
	var ents []licensor.Entitlement
	for i, u := range licensor.Units {
		e := licensor.Entitlement{Name: fmt.Sprintf("ent-%02d", i), Unit: u}
		switch i % 3 {
		case 0: // every member set, to zero values
			e.Value, e.MaxCount, e.Overage, e.AllowCheckIn = ptr(""), ptr(int64(0)), ptr(false), ptr(false)
		case 1: // every member set
			e.Value, e.MaxCount, e.Overage, e.AllowCheckIn = ptr("v"), ptr(int64(1)<<40), ptr(true), ptr(true)
		}
		ents = append(ents, e)
	}
	return &licensor.License{
		ARN:         licenseARN(account, n),
		AccountID:   accountID(account),
		Version:     1,
		Name:        fmt.Sprintf("License %d", n),
		ProductName: "Product ✓",
		ProductSKU:  "sku-1",
		Issuer: licensor.Issuer{
			Name:           "Issuer",
			SignKey:        "file:///keys/issuer.pem",
			KeyFingerprint: licensor.KeyFingerprint(accountID(account), "Issuer"),
		},
		HomeRegion:   "us-east-1",
		Status:       licensor.LicenseAvailable,
		Validity:     licensor.DatetimeRange{Begin: "2025-01-01T00:00:00+01:00", End: "2026-01-01T00:00:00.123Z"},
		Beneficiary:  "customer-1",
		Entitlements: ents,
		ConsumptionConfiguration: licensor.ConsumptionConfiguration{
			RenewType:   licensor.RenewMonthly,
			Provisional: &licensor.ProvisionalConfiguration{MaxTimeToLiveInMinutes: 60},
			Borrow:      &licensor.BorrowConfiguration{AllowEarlyCheckIn: true, MaxTimeToLiveInMinutes: 1440},
		},
		Metadata:   []licensor.Metadata{{Name: "b", Value: "2"}, {Name: "a", Value: ""}},
		Tags:       []licensor.Tag{{Key: "team", Value: "x"}, {Key: "empty", Value: ""}},
		CreateTime: t0,
	}
}

// minimalLicense returns version 1 of a license with every optional field
// absent.
func minimalLicense(account, n int) *licensor.License {
	return &licensor.License{
		ARN:          licenseARN(account, n),
		AccountID:    accountID(account),
		Version:      1,
		Name:         fmt.Sprintf("License %d", n),
		ProductName:  "Product",
		ProductSKU:   "sku-1",
		Issuer:       licensor.Issuer{Name: "Issuer", KeyFingerprint: licensor.KeyFingerprint(accountID(account), "Issuer")},
		HomeRegion:   "us-east-1",
		Status:       licensor.LicenseAvailable,
		Validity:     licensor.DatetimeRange{Begin: "2025-01-01T00:00:00Z"},
		Beneficiary:  "customer-1",
		Entitlements: []licensor.Entitlement{{Name: "seats", Unit: "Count"}},
		CreateTime:   t0,
	}
}

// stored returns l as a store gives it back.
func stored(l *licensor.License) *licensor.License {
	c := *l
	c.CreateTime = utc(l.CreateTime)
	if l.DeletionDate != nil {
		c.DeletionDate = ptr(utc(*l.DeletionDate))
	}
	return &c
}

// nextVersion returns a copy of l as the following version, written an
// hour later.
func nextVersion(l *licensor.License, status licensor.LicenseStatus) *licensor.License {
	c := *l
	c.Version++
	c.Status = status
	c.Name = fmt.Sprintf("%s v%d", l.Name, c.Version)
	c.CreateTime = l.CreateTime.Add(time.Hour)
	c.DeletionDate = nil
	return &c
}

func mustCreateLicense(t *testing.T, s licensor.Store, l *licensor.License) *licensor.License {
	t.Helper()
	must(t, s.CreateLicense(t.Context(), l))
	return l
}

var licenseTests = map[string]func(t *testing.T, s licensor.Store){
	"CreateFindFull": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		l := mustCreateLicense(t, s, fullLicense(1, 1))
		got, err := s.FindLicenseByARN(ctx, l.ARN)
		must(t, err)
		equal(t, "license", got, stored(l))
		got, err = s.FindLicenseVersion(ctx, l.ARN, 1)
		must(t, err)
		equal(t, "version 1", got, stored(l))
	},
	"CreateFindMinimal": func(t *testing.T, s licensor.Store) {
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		got, err := s.FindLicenseByARN(t.Context(), l.ARN)
		must(t, err)
		equal(t, "license", got, stored(l))
	},
	"CreateConflict": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		l := mustCreateLicense(t, s, fullLicense(1, 1))
		again := minimalLicense(1, 1)
		wantCode(t, s.CreateLicense(ctx, again), licensor.ECONFLICT)
		got, err := s.FindLicenseByARN(ctx, l.ARN)
		must(t, err)
		equal(t, "license after conflict", got, stored(l))
	},
	"CreateNotVersionOne": func(t *testing.T, s licensor.Store) {
		l := minimalLicense(1, 1)
		l.Version = 2
		wantCode(t, s.CreateLicense(t.Context(), l), licensor.EINVALID)
	},
	"FindNotFound": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		_, err := s.FindLicenseByARN(ctx, licenseARN(1, 1))
		wantCode(t, err, licensor.ENOTFOUND)
		_, err = s.FindLicenseVersion(ctx, licenseARN(1, 1), 1)
		wantCode(t, err, licensor.ENOTFOUND)
		_, _, err = s.FindLicenseVersions(ctx, licenseARN(1, 1), licensor.Page{})
		wantCode(t, err, licensor.ENOTFOUND)
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		_, err = s.FindLicenseVersion(ctx, l.ARN, 2)
		wantCode(t, err, licensor.ENOTFOUND)
	},
	"Versions": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		v1 := mustCreateLicense(t, s, fullLicense(1, 1))
		v2 := nextVersion(v1, licensor.LicenseSuspended)
		v2.Issuer.Name = "Renamed"
		v2.Issuer.KeyFingerprint = licensor.KeyFingerprint(v1.AccountID, "Renamed")
		v2.Entitlements = v2.Entitlements[:1]
		v2.ConsumptionConfiguration = licensor.ConsumptionConfiguration{}
		v2.Metadata, v2.Tags = nil, nil
		must(t, s.CreateLicenseVersion(ctx, v2))

		got, err := s.FindLicenseByARN(ctx, v1.ARN)
		must(t, err)
		equal(t, "current version", got, stored(v2))
		got, err = s.FindLicenseVersion(ctx, v1.ARN, 1)
		must(t, err)
		equal(t, "version 1, unchanged", got, stored(v1))
		got, err = s.FindLicenseVersion(ctx, v1.ARN, 2)
		must(t, err)
		equal(t, "version 2", got, stored(v2))

		dup := nextVersion(v1, licensor.LicenseDeactivated) // version 2 again
		wantCode(t, s.CreateLicenseVersion(ctx, dup), licensor.ECONFLICT)
		got, err = s.FindLicenseByARN(ctx, v1.ARN)
		must(t, err)
		equal(t, "current version after conflict", got, stored(v2))

		// The listing columns follow the current version.
		ls, _, err := s.FindLicenses(ctx, licensor.LicenseFilter{AccountID: v1.AccountID, Fingerprint: []string{v2.Issuer.KeyFingerprint}})
		must(t, err)
		if len(ls) != 1 || ls[0].Version != 2 {
			t.Errorf("by new fingerprint: %s", dump(ls))
		}
		ls, _, err = s.FindLicenses(ctx, licensor.LicenseFilter{AccountID: v1.AccountID, Fingerprint: []string{v1.Issuer.KeyFingerprint}})
		must(t, err)
		if len(ls) != 0 {
			t.Errorf("by old fingerprint: %d licenses", len(ls))
		}
		ls, _, err = s.FindLicenses(ctx, licensor.LicenseFilter{AccountID: v1.AccountID, Status: []licensor.LicenseStatus{licensor.LicenseSuspended}})
		must(t, err)
		if len(ls) != 1 {
			t.Errorf("by new status: %d licenses", len(ls))
		}
	},
	"VersionOfUnknownLicense": func(t *testing.T, s licensor.Store) {
		l := minimalLicense(1, 1)
		l.Version = 2
		wantCode(t, s.CreateLicenseVersion(t.Context(), l), licensor.ENOTFOUND)
	},
	"FindLicenseVersionsPaging": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		want := []*licensor.License{stored(l)}
		for range 4 {
			l = nextVersion(l, licensor.LicenseAvailable)
			must(t, s.CreateLicenseVersion(ctx, l))
			want = append(want, stored(l))
		}
		mustCreateLicense(t, s, minimalLicense(1, 2)) // not listed
		for _, limit := range []int{1, 2, 5, 6, 0} {
			var got []*licensor.License
			p := licensor.Page{Limit: limit}
			for range 10 {
				page, next, err := s.FindLicenseVersions(ctx, l.ARN, p)
				must(t, err)
				if limit > 0 && len(page) > limit || next != "" && len(page) == 0 {
					t.Fatalf("limit %d: page of %d, next %q", limit, len(page), next)
				}
				got = append(got, page...)
				if p.After = next; next == "" {
					break
				}
			}
			equal(t, fmt.Sprintf("versions, limit %d", limit), got, want)
		}
	},
	"Head": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		v1 := mustCreateLicense(t, s, minimalLicense(1, 1))
		head := func() (int, licensor.LicenseStatus) {
			t.Helper()
			v, st, err := s.FindLicenseHead(ctx, v1.ARN)
			must(t, err)
			return v, st
		}
		if v, st := head(); v != 1 || st != licensor.LicenseAvailable {
			t.Fatalf("head = %d %s", v, st)
		}
		must(t, s.CreateLicenseVersion(ctx, nextVersion(v1, licensor.LicenseSuspended)))
		if v, st := head(); v != 2 || st != licensor.LicenseSuspended {
			t.Fatalf("head after v2 = %d %s", v, st)
		}
		must(t, s.SetLicenseLifecycle(ctx, v1.ARN, licensor.LicensePendingDelete, t0))
		if v, st := head(); v != 2 || st != licensor.LicensePendingDelete {
			t.Fatalf("head after delete = %d %s", v, st)
		}
		_, _, err := s.FindLicenseHead(ctx, licenseARN(9, 9))
		wantCode(t, err, licensor.ENOTFOUND)
	},
	"Lifecycle": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		v1 := mustCreateLicense(t, s, minimalLicense(1, 1))
		v2 := nextVersion(v1, licensor.LicenseSuspended)
		must(t, s.CreateLicenseVersion(ctx, v2))
		other := mustCreateLicense(t, s, minimalLicense(1, 2))

		deletion := t0.Add(24 * time.Hour)
		for _, status := range []licensor.LicenseStatus{licensor.LicensePendingDelete, licensor.LicenseDeleted} {
			must(t, s.SetLicenseLifecycle(ctx, v1.ARN, status, deletion))

			want := stored(v2)
			want.Status, want.DeletionDate = status, ptr(utc(deletion))
			got, err := s.FindLicenseByARN(ctx, v1.ARN)
			must(t, err)
			equal(t, "current version with lifecycle", got, want)

			want = stored(v1)
			want.DeletionDate = ptr(utc(deletion))
			got, err = s.FindLicenseVersion(ctx, v1.ARN, 1)
			must(t, err)
			equal(t, "version 1 keeps its status", got, want)

			versions, _, err := s.FindLicenseVersions(ctx, v1.ARN, licensor.Page{})
			must(t, err)
			if len(versions) != 2 || versions[0].Status != licensor.LicenseAvailable || versions[1].Status != licensor.LicenseSuspended ||
				versions[0].DeletionDate == nil || versions[1].DeletionDate == nil {
				t.Errorf("versions: %s", dump(versions))
			}

			ls, _, err := s.FindLicenses(ctx, licensor.LicenseFilter{AccountID: v1.AccountID})
			must(t, err)
			if len(ls) != 2 || ls[0].Status != status || ls[0].DeletionDate == nil || ls[1].DeletionDate != nil {
				t.Errorf("listed: %s", dump(ls))
			}
			equal(t, "by lifecycle status", findARNs(t, s, licensor.LicenseFilter{AccountID: v1.AccountID, Status: []licensor.LicenseStatus{status}}), []string{v1.ARN})
			equal(t, "by hidden version status", findARNs(t, s, licensor.LicenseFilter{AccountID: v1.AccountID, Status: []licensor.LicenseStatus{licensor.LicenseSuspended}}), []string(nil))
		}

		got, err := s.FindLicenseByARN(ctx, other.ARN)
		must(t, err)
		equal(t, "untouched license", got, stored(other))
		wantCode(t, s.SetLicenseLifecycle(ctx, licenseARN(1, 3), licensor.LicenseDeleted, deletion), licensor.ENOTFOUND)
	},
	"FindLicenseARNsByStatus": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		set := func(n int, status licensor.LicenseStatus, d time.Duration) string {
			l := mustCreateLicense(t, s, minimalLicense(n%2+1, n))
			if status != "" {
				must(t, s.SetLicenseLifecycle(ctx, l.ARN, status, t0.Add(d)))
			}
			return l.ARN
		}
		a := set(1, licensor.LicenseDeleted, 2*time.Hour)
		b := set(2, licensor.LicenseDeleted, 0)
		set(3, licensor.LicenseDeleted, 4*time.Hour)
		p := set(4, licensor.LicensePendingDelete, 0)
		set(5, "", 0)

		find := func(status licensor.LicenseStatus, before time.Time, limit int) []string {
			t.Helper()
			arns, err := s.FindLicenseARNsByStatus(ctx, status, before, limit)
			must(t, err)
			slices.Sort(arns)
			return arns
		}
		sorted := func(arns ...string) []string { slices.Sort(arns); return arns }
		equal(t, "deleted before +3h", find(licensor.LicenseDeleted, t0.Add(3*time.Hour), 0), sorted(a, b))
		equal(t, "deleted before t0 (exclusive)", find(licensor.LicenseDeleted, t0, 0), []string(nil))
		equal(t, "pending before +1µs", find(licensor.LicensePendingDelete, t0.Add(time.Microsecond), 10), []string{p})
		equal(t, "available", find(licensor.LicenseAvailable, t0.Add(time.Hour), 0), []string(nil))
		if got := find(licensor.LicenseDeleted, t0.Add(5*time.Hour), 2); len(got) != 2 {
			t.Errorf("limit 2 gave %d", len(got))
		}
	},
	"Purge": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		l := mustCreateLicense(t, s, fullLicense(1, 1))
		for range 2 {
			l = nextVersion(l, licensor.LicenseAvailable)
			must(t, s.CreateLicenseVersion(ctx, l))
		}
		keep := mustCreateLicense(t, s, minimalLicense(1, 2))
		must(t, s.SetLicenseLifecycle(ctx, l.ARN, licensor.LicenseDeleted, t0))
		must(t, s.PurgeLicense(ctx, l.ARN))

		_, err := s.FindLicenseByARN(ctx, l.ARN)
		wantCode(t, err, licensor.ENOTFOUND)
		for v := 1; v <= 3; v++ {
			_, err = s.FindLicenseVersion(ctx, l.ARN, v)
			wantCode(t, err, licensor.ENOTFOUND)
		}
		_, _, err = s.FindLicenseVersions(ctx, l.ARN, licensor.Page{})
		wantCode(t, err, licensor.ENOTFOUND)
		equal(t, "listed", findARNs(t, s, licensor.LicenseFilter{AccountID: accountID(1)}), []string{keep.ARN})
		arns, err := s.FindLicenseARNsByStatus(ctx, licensor.LicenseDeleted, t0.Add(time.Hour), 0)
		must(t, err)
		equal(t, "deleted ARNs", arns, []string(nil))
		wantCode(t, s.PurgeLicense(ctx, l.ARN), licensor.ENOTFOUND)

		// Nothing is left behind to collide with a license of the same ARN.
		again := mustCreateLicense(t, s, minimalLicense(1, 1))
		got, err := s.FindLicenseByARN(ctx, again.ARN)
		must(t, err)
		equal(t, "recreated", got, stored(again))
		vs, _, err := s.FindLicenseVersions(ctx, again.ARN, licensor.Page{})
		must(t, err)
		if len(vs) != 1 {
			t.Errorf("recreated license has %d versions", len(vs))
		}
	},
}

// findARNs lists every license matching f, following cursors, and returns
// the ARNs in order; it fails on duplicates and on an empty page that has a
// cursor.
func findARNs(t *testing.T, s licensor.Store, f licensor.LicenseFilter) []string {
	t.Helper()
	var arns []string
	seen := map[string]bool{}
	for range 1000 {
		page, next, err := s.FindLicenses(t.Context(), f)
		must(t, err)
		if f.Limit > 0 && len(page) > f.Limit {
			t.Fatalf("page of %d licenses, limit %d", len(page), f.Limit)
		}
		if next != "" && len(page) == 0 {
			t.Fatal("empty page with a next cursor")
		}
		for _, l := range page {
			if seen[l.ARN] {
				t.Fatalf("%s listed twice", l.ARN)
			}
			seen[l.ARN] = true
			arns = append(arns, l.ARN)
		}
		if next == "" {
			return arns
		}
		f.After = next
	}
	t.Fatal("paging did not end")
	return nil
}
