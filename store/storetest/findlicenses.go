package storetest

import (
	"fmt"
	"testing"

	"github.com/licensorhq/licensor"
)

var findLicensesTests = map[string]func(t *testing.T, s licensor.Store){
	"Filters": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		fp := func(name string) string { return licensor.KeyFingerprint(accountID(1), name) }
		mk := func(n int, sku, issuer, beneficiary string) *licensor.License {
			l := minimalLicense(1, n)
			l.ProductSKU, l.Beneficiary = sku, beneficiary
			l.Issuer = licensor.Issuer{Name: issuer, KeyFingerprint: fp(issuer)}
			return mustCreateLicense(t, s, l)
		}
		l1 := mk(1, "S1", "F1", "B1")
		l2 := mk(2, "S2", "F1", "B2")
		l3 := mk(3, "S1", "F1", "B1")
		l4 := mk(4, "S3", "F2", "B3")
		other := minimalLicense(2, 5) // another account, matching everything
		other.ProductSKU, other.Beneficiary, other.Issuer.KeyFingerprint = "S1", "B1", fp("F1")
		mustCreateLicense(t, s, other)

		// l3's second version moves it to issuer F2 and DEACTIVATED.
		v2 := nextVersion(l3, licensor.LicenseDeactivated)
		v2.Issuer = licensor.Issuer{Name: "F2", KeyFingerprint: fp("F2")}
		must(t, s.CreateLicenseVersion(ctx, v2))
		must(t, s.SetLicenseLifecycle(ctx, l4.ARN, licensor.LicenseDeleted, t0))

		a1, a2, a3, a4 := l1.ARN, l2.ARN, l3.ARN, l4.ARN
		type st = []licensor.LicenseStatus
		for _, tt := range []struct {
			name string
			f    licensor.LicenseFilter
			want []string
		}{
			{"account only", licensor.LicenseFilter{}, []string{a1, a2, a3, a4}},
			{"ARNs", licensor.LicenseFilter{ARNs: []string{a4, a2, other.ARN, licenseARN(1, 99)}}, []string{a2, a4}},
			{"one SKU", licensor.LicenseFilter{ProductSKU: []string{"S1"}}, []string{a1, a3}},
			{"SKUs", licensor.LicenseFilter{ProductSKU: []string{"S1", "S3", "S9"}}, []string{a1, a3, a4}},
			{"fingerprint of current version", licensor.LicenseFilter{Fingerprint: []string{fp("F2")}}, []string{a3, a4}},
			{"old fingerprint", licensor.LicenseFilter{Fingerprint: []string{fp("F1")}}, []string{a1, a2}},
			{"beneficiaries", licensor.LicenseFilter{Beneficiary: []string{"B1", "B2"}}, []string{a1, a2, a3}},
			{"status", licensor.LicenseFilter{Status: st{licensor.LicenseAvailable}}, []string{a1, a2}},
			{"lifecycle status", licensor.LicenseFilter{Status: st{licensor.LicenseDeleted}}, []string{a4}},
			{"statuses", licensor.LicenseFilter{Status: st{licensor.LicenseDeactivated, licensor.LicenseDeleted}}, []string{a3, a4}},
			{"SKU and fingerprint", licensor.LicenseFilter{ProductSKU: []string{"S1"}, Fingerprint: []string{fp("F1")}}, []string{a1}},
			{"SKU and status", licensor.LicenseFilter{ProductSKU: []string{"S1"}, Status: st{licensor.LicenseDeactivated}}, []string{a3}},
			{"SKU and beneficiary, disjoint", licensor.LicenseFilter{ProductSKU: []string{"S1"}, Beneficiary: []string{"B2"}}, nil},
			{"all filters", licensor.LicenseFilter{
				ARNs: []string{a1, a3, a4}, ProductSKU: []string{"S1", "S3"}, Fingerprint: []string{fp("F2")},
				Beneficiary: []string{"B1", "B3"}, Status: st{licensor.LicenseDeactivated, licensor.LicenseAvailable},
			}, []string{a3}},
			{"no match", licensor.LicenseFilter{Beneficiary: []string{"nobody"}}, nil},
		} {
			t.Run(tt.name, func(t *testing.T) {
				tt.f.AccountID = accountID(1)
				equal(t, "ARNs", findARNs(t, s, tt.f), tt.want)
				tt.f.Limit = 1
				equal(t, "ARNs one by one", findARNs(t, s, tt.f), tt.want)
			})
		}
		equal(t, "other account", findARNs(t, s, licensor.LicenseFilter{AccountID: accountID(2)}), []string{other.ARN})
		equal(t, "unknown account", findARNs(t, s, licensor.LicenseFilter{AccountID: accountID(3)}), []string(nil))

		// Listed licenses are the current versions with their lifecycle.
		ls, _, err := s.FindLicenses(ctx, licensor.LicenseFilter{AccountID: accountID(1), ARNs: []string{a3, a4}})
		must(t, err)
		want4 := stored(l4)
		want4.Status, want4.DeletionDate = licensor.LicenseDeleted, ptr(utc(t0))
		equal(t, "listed", ls, []*licensor.License{stored(v2), want4})
	},
	"Paging": func(t *testing.T, s licensor.Store) {
		var all, odd []string
		for i := range 25 {
			if i%5 == 4 { // interleave another account's licenses
				mustCreateLicense(t, s, minimalLicense(2, i))
				continue
			}
			l := minimalLicense(1, i)
			if i%2 == 1 {
				l.ProductSKU = "odd"
				odd = append(odd, l.ARN)
			}
			all = append(all, mustCreateLicense(t, s, l).ARN)
		}
		for _, limit := range []int{1, 3, 5, 7, 20, 21, 0} {
			f := licensor.LicenseFilter{AccountID: accountID(1), Limit: limit}
			equal(t, fmt.Sprintf("limit %d", limit), findARNs(t, s, f), all)
			f.ProductSKU = []string{"odd"}
			equal(t, fmt.Sprintf("odd, limit %d", limit), findARNs(t, s, f), odd)
		}
		ls, next, err := s.FindLicenses(t.Context(), licensor.LicenseFilter{AccountID: accountID(1), Limit: 20})
		must(t, err)
		if len(ls) != 20 || next != "" {
			t.Errorf("exactly one full page: %d licenses, next %q", len(ls), next)
		}
	},
	"DefaultLimit": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		must(t, s.WithTx(ctx, func(tx licensor.Store) error {
			for i := range 105 {
				if err := tx.CreateLicense(ctx, minimalLicense(1, i)); err != nil {
					return err
				}
			}
			return nil
		}))
		ls, next, err := s.FindLicenses(ctx, licensor.LicenseFilter{AccountID: accountID(1)})
		must(t, err)
		if len(ls) != 100 || next == "" {
			t.Fatalf("default page: %d licenses, next %q; want 100 and a cursor", len(ls), next)
		}
		ls, next, err = s.FindLicenses(ctx, licensor.LicenseFilter{AccountID: accountID(1), After: next, Limit: -1})
		must(t, err)
		if len(ls) != 5 || next != "" {
			t.Fatalf("second page: %d licenses, next %q; want 5 and none", len(ls), next)
		}
	},
	"RequiresAccount": func(t *testing.T, s licensor.Store) {
		mustCreateLicense(t, s, minimalLicense(1, 1))
		_, _, err := s.FindLicenses(t.Context(), licensor.LicenseFilter{})
		wantCode(t, err, licensor.EINVALID)
	},
	"BadCursor": func(t *testing.T, s licensor.Store) {
		_, _, err := s.FindLicenses(t.Context(), licensor.LicenseFilter{AccountID: accountID(1), After: "?"})
		wantCode(t, err, licensor.EINVALID)
		mustCreateLicense(t, s, minimalLicense(1, 1))
		_, _, err = s.FindLicenseVersions(t.Context(), licenseARN(1, 1), licensor.Page{After: "x"})
		wantCode(t, err, licensor.EINVALID)
	},
}
