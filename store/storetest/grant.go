package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/licensorhq/licensor"
)

// inTx runs fn on the grant store of a WithTx transaction. fn may run on
// another goroutine, so it must report through its error, never t.Fatal.
func inTx(t *testing.T, s licensor.Store, fn func(tx licensor.Store) error) error {
	t.Helper()
	return s.WithTx(t.Context(), fn)
}

// codeIs returns nil if err carries code and an error saying otherwise:
// the check for functions that must not call t.Fatal.
func codeIs(err error, code licensor.Code) error {
	if got := licensor.ErrorCode(err); got != code {
		return fmt.Errorf("error code = %q, want %q (err: %v)", got, code, err)
	}
	return nil
}

// grantARN returns the ARN of grant n made by the account numbered a.
func grantARN(a, n int) string {
	return licensor.GrantARN(accountID(a), fmt.Sprintf("%032x", n))
}

// fullGrant returns version 1 of grant n of license l, from its issuer to
// the account numbered grantee, with every field set.
func fullGrant(l *licensor.License, n, grantee int) *licensor.Grant {
	return &licensor.Grant{
		ARN:                 licensor.GrantARN(l.AccountID, fmt.Sprintf("%032x", n)),
		AccountID:           l.AccountID,
		Version:             1,
		Name:                fmt.Sprintf("Grant %d ✓", n),
		ParentARN:           l.ARN,
		LicenseARN:          l.ARN,
		GranteePrincipalARN: licensor.AccountPrincipal(accountID(grantee)),
		HomeRegion:          "eu-west-1",
		Status:              licensor.GrantPendingAccept,
		StatusReason:        "Awaiting acceptance — ünïcode",
		// Not in AllOperations order: the order written is kept.
		GrantedOperations: []licensor.AllowedOperation{licensor.OpCheckInLicense, licensor.OpCreateGrant, licensor.OpCheckoutLicense},
		Options:           &licensor.GrantOptions{ActivationOverrideBehavior: licensor.AllGrantsPermittedByIssuer},
		Tags:              []licensor.Tag{{Key: "team", Value: "x"}, {Key: "empty", Value: ""}},
		CreateTime:        t0,
	}
}

// minimalGrant returns version 1 of grant n of license l, from its issuer
// to the account numbered grantee, with every optional field absent.
func minimalGrant(l *licensor.License, n, grantee int) *licensor.Grant {
	return &licensor.Grant{
		ARN:                 licensor.GrantARN(l.AccountID, fmt.Sprintf("%032x", n)),
		AccountID:           l.AccountID,
		Version:             1,
		Name:                fmt.Sprintf("Grant %d", n),
		ParentARN:           l.ARN,
		LicenseARN:          l.ARN,
		GranteePrincipalARN: licensor.AccountPrincipal(accountID(grantee)),
		HomeRegion:          "us-east-1",
		Status:              licensor.GrantActive,
		GrantedOperations:   []licensor.AllowedOperation{licensor.OpCheckoutLicense},
		CreateTime:          t0,
	}
}

// storedGrant returns g as a store gives it back.
func storedGrant(g *licensor.Grant) *licensor.Grant {
	c := *g
	c.CreateTime = utc(g.CreateTime)
	return &c
}

// nextGrantVersion returns a copy of g as the following version, written
// an hour later.
func nextGrantVersion(g *licensor.Grant, status licensor.GrantStatus) *licensor.Grant {
	c := *g
	c.Version++
	c.Status = status
	c.Name = fmt.Sprintf("%s v%d", g.Name, c.Version)
	c.CreateTime = g.CreateTime.Add(time.Hour)
	return &c
}

func mustCreateGrant(t *testing.T, s licensor.Store, g *licensor.Grant) *licensor.Grant {
	t.Helper()
	must(t, s.CreateGrant(t.Context(), g))
	return g
}

func findGrant(t *testing.T, s licensor.Store, arn string) *licensor.Grant {
	t.Helper()
	g, err := s.FindGrantByARN(t.Context(), arn)
	must(t, err)
	return g
}

var grantTests = map[string]func(t *testing.T, s licensor.Store){
	"CreateFindFull": func(t *testing.T, s licensor.Store) {
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		g := mustCreateGrant(t, s, fullGrant(l, 1, 2))
		equal(t, "grant", findGrant(t, s, g.ARN), storedGrant(g))
		got, err := s.FindGrantVersion(t.Context(), g.ARN, 1)
		must(t, err)
		equal(t, "version 1", got, storedGrant(g))
	},
	"CreateFindMinimal": func(t *testing.T, s licensor.Store) {
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		g := mustCreateGrant(t, s, minimalGrant(l, 1, 2))
		got := findGrant(t, s, g.ARN)
		equal(t, "grant", got, storedGrant(g))
		if got.Options != nil || got.Tags != nil {
			t.Errorf("absent Options and Tags came back as %+v, %#v", got.Options, got.Tags)
		}
	},
	"ZeroOptions": func(t *testing.T, s licensor.Store) {
		// Options set to their zero value are set, not absent.
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		g := minimalGrant(l, 1, 2)
		g.Options = &licensor.GrantOptions{}
		mustCreateGrant(t, s, g)
		equal(t, "grant", findGrant(t, s, g.ARN), storedGrant(g))
	},
	"Redistribution": func(t *testing.T, s licensor.Store) {
		// A grant of a received grant: the grantee account grants on,
		// with the grant as parent and an organization as grantee.
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		parent := mustCreateGrant(t, s, minimalGrant(l, 1, 2))
		g := fullGrant(l, 2, 0)
		g.ARN, g.AccountID, g.ParentARN = grantARN(2, 2), accountID(2), parent.ARN
		g.GranteePrincipalARN = licensor.OrganizationPrincipal(accountID(2), "o-abcdefghij")
		mustCreateGrant(t, s, g)
		equal(t, "grant", findGrant(t, s, g.ARN), storedGrant(g))
	},
	"CreateConflict": func(t *testing.T, s licensor.Store) {
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		g := mustCreateGrant(t, s, fullGrant(l, 1, 2))
		wantCode(t, s.CreateGrant(t.Context(), minimalGrant(l, 1, 3)), licensor.ECONFLICT)
		equal(t, "grant after conflict", findGrant(t, s, g.ARN), storedGrant(g))
		_, err := s.FindGrantVersion(t.Context(), g.ARN, 2)
		wantCode(t, err, licensor.ENOTFOUND)
	},
	"CreateNotVersionOne": func(t *testing.T, s licensor.Store) {
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		g := minimalGrant(l, 1, 2)
		g.Version = 2
		wantCode(t, s.CreateGrant(t.Context(), g), licensor.EINVALID)
		_, err := s.FindGrantByARN(t.Context(), g.ARN)
		wantCode(t, err, licensor.ENOTFOUND)
	},
	"CreateUnknownLicense": func(t *testing.T, s licensor.Store) {
		g := minimalGrant(minimalLicense(1, 1), 1, 2)
		wantCode(t, s.CreateGrant(t.Context(), g), licensor.ENOTFOUND)
		_, err := s.FindGrantByARN(t.Context(), g.ARN)
		wantCode(t, err, licensor.ENOTFOUND)
		_, err = s.FindGrantVersion(t.Context(), g.ARN, 1)
		wantCode(t, err, licensor.ENOTFOUND)
	},
	"FindNotFound": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		_, err := s.FindGrantByARN(ctx, grantARN(1, 1))
		wantCode(t, err, licensor.ENOTFOUND)
		_, err = s.FindGrantVersion(ctx, grantARN(1, 1), 1)
		wantCode(t, err, licensor.ENOTFOUND)
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		g := mustCreateGrant(t, s, minimalGrant(l, 1, 2))
		for _, v := range []int{0, 2} {
			_, err = s.FindGrantVersion(ctx, g.ARN, v)
			wantCode(t, err, licensor.ENOTFOUND)
		}
	},
	"Versions": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		v1 := mustCreateGrant(t, s, fullGrant(l, 1, 2))
		other := mustCreateGrant(t, s, minimalGrant(l, 2, 3))
		v2 := nextGrantVersion(v1, licensor.GrantActive)
		v2.StatusReason, v2.Options, v2.Tags = "", nil, nil
		v2.GrantedOperations = []licensor.AllowedOperation{licensor.OpCreateToken, licensor.OpCheckoutBorrowLicense}
		must(t, s.CreateGrantVersion(ctx, v2))
		v3 := nextGrantVersion(v2, licensor.GrantDisabled)
		v3.Options = &licensor.GrantOptions{ActivationOverrideBehavior: licensor.DistributedGrantsOnly}
		must(t, s.CreateGrantVersion(ctx, v3))

		equal(t, "current version", findGrant(t, s, v1.ARN), storedGrant(v3))
		for _, want := range []*licensor.Grant{v1, v2, v3} {
			got, err := s.FindGrantVersion(ctx, v1.ARN, want.Version)
			must(t, err)
			equal(t, fmt.Sprintf("version %d", want.Version), got, storedGrant(want))
		}
		equal(t, "other grant", findGrant(t, s, other.ARN), storedGrant(other))

		dup := nextGrantVersion(v1, licensor.GrantDeleted) // version 2 again
		wantCode(t, s.CreateGrantVersion(ctx, dup), licensor.ECONFLICT)
		equal(t, "current version after conflict", findGrant(t, s, v1.ARN), storedGrant(v3))

		// The status filters read follows the current version.
		equal(t, "by new status", findGrantARNs(t, s, licensor.GrantFilter{Statuses: []licensor.GrantStatus{licensor.GrantDisabled}}), []string{v1.ARN})
		equal(t, "by old status", findGrantARNs(t, s, licensor.GrantFilter{Statuses: []licensor.GrantStatus{licensor.GrantPendingAccept}}), []string(nil))
	},
	"VersionOfUnknownGrant": func(t *testing.T, s licensor.Store) {
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		g := nextGrantVersion(minimalGrant(l, 1, 2), licensor.GrantActive)
		wantCode(t, s.CreateGrantVersion(t.Context(), g), licensor.ENOTFOUND)
		_, err := s.FindGrantVersion(t.Context(), g.ARN, 2)
		wantCode(t, err, licensor.ENOTFOUND)
	},
	"VersionKeepsIdentity": func(t *testing.T, s licensor.Store) {
		// Granter, license, parent and grantee belong to the grant.
		ctx := t.Context()
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		l2 := mustCreateLicense(t, s, minimalLicense(1, 2))
		g := mustCreateGrant(t, s, minimalGrant(l, 1, 2))
		for name, change := range map[string]func(g *licensor.Grant){
			"granter": func(g *licensor.Grant) { g.AccountID = accountID(9) },
			"license": func(g *licensor.Grant) { g.LicenseARN = l2.ARN },
			"parent":  func(g *licensor.Grant) { g.ParentARN = l2.ARN },
			"grantee": func(g *licensor.Grant) { g.GranteePrincipalARN = licensor.AccountPrincipal(accountID(3)) },
		} {
			v2 := nextGrantVersion(g, licensor.GrantActive)
			change(v2)
			if err := s.CreateGrantVersion(ctx, v2); licensor.ErrorCode(err) != licensor.EINVALID {
				t.Errorf("%s changed: error %v, want EINVALID", name, err)
			}
		}
		equal(t, "grant", findGrant(t, s, g.ARN), storedGrant(g))
	},
	"Count": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		l2 := mustCreateLicense(t, s, minimalLicense(1, 2))
		count := func(arn string) int {
			t.Helper()
			n, err := s.CountGrants(ctx, arn)
			must(t, err)
			return n
		}
		if n := count(l.ARN); n != 0 {
			t.Errorf("no grants: %d", n)
		}
		var grants []*licensor.Grant
		for i, status := range []licensor.GrantStatus{licensor.GrantActive, licensor.GrantPendingAccept,
			licensor.GrantRejected, licensor.GrantDisabled, licensor.GrantPendingDelete} {
			g := minimalGrant(l, i+1, i+2)
			g.Status = status
			grants = append(grants, mustCreateGrant(t, s, g))
		}
		mustCreateGrant(t, s, minimalGrant(l2, 10, 2))
		if n := count(l.ARN); n != 5 {
			t.Errorf("5 grants: %d", n)
		}
		must(t, s.CreateGrantVersion(ctx, nextGrantVersion(grants[0], licensor.GrantDeleted)))
		must(t, s.CreateGrantVersion(ctx, nextGrantVersion(grants[4], licensor.GrantDeleted)))
		if n := count(l.ARN); n != 3 {
			t.Errorf("after deleting 2 of 5: %d", n)
		}
		if n := count(l2.ARN); n != 1 {
			t.Errorf("other license: %d", n)
		}
		if n := count(licenseARN(1, 3)); n != 0 {
			t.Errorf("unknown license: %d", n)
		}
	},
	"Purge": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		keep := mustCreateLicense(t, s, minimalLicense(1, 2))
		g1 := mustCreateGrant(t, s, fullGrant(l, 1, 2))
		must(t, s.CreateGrantVersion(ctx, nextGrantVersion(g1, licensor.GrantActive)))
		g2 := minimalGrant(l, 2, 3) // a redistribution of g1
		g2.ARN, g2.AccountID, g2.ParentARN = grantARN(2, 2), accountID(2), g1.ARN
		mustCreateGrant(t, s, g2)
		kept := mustCreateGrant(t, s, minimalGrant(keep, 3, 2))

		must(t, s.PurgeLicense(ctx, l.ARN))
		for _, g := range []*licensor.Grant{g1, g2} {
			_, err := s.FindGrantByARN(ctx, g.ARN)
			wantCode(t, err, licensor.ENOTFOUND)
			for v := 1; v <= 2; v++ {
				_, err = s.FindGrantVersion(ctx, g.ARN, v)
				wantCode(t, err, licensor.ENOTFOUND)
			}
		}
		equal(t, "listed", findGrantARNs(t, s, licensor.GrantFilter{}), []string{kept.ARN})
		if n, err := s.CountGrants(ctx, l.ARN); err != nil || n != 0 {
			t.Errorf("CountGrants after purge = %d, %v", n, err)
		}

		// Nothing is left behind to collide with grants of the same ARN.
		again := mustCreateLicense(t, s, minimalLicense(1, 1))
		g := mustCreateGrant(t, s, minimalGrant(again, 1, 2))
		equal(t, "recreated", findGrant(t, s, g.ARN), storedGrant(g))
		_, err := s.FindGrantVersion(ctx, g.ARN, 2)
		wantCode(t, err, licensor.ENOTFOUND)
	},
	"Tx": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		existing := mustCreateGrant(t, s, minimalGrant(l, 1, 2))
		g := minimalGrant(l, 2, 3)

		// A failed call leaves the transaction usable; fn's error undoes all.
		err := inTx(t, s, func(tx licensor.Store) error {
			if err := tx.CreateGrant(ctx, g); err != nil {
				return err
			}
			if err := codeIs(tx.CreateGrant(ctx, minimalGrant(l, 1, 4)), licensor.ECONFLICT); err != nil {
				return err
			}
			if err := tx.CreateGrantVersion(ctx, nextGrantVersion(existing, licensor.GrantDisabled)); err != nil {
				return err
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("WithTx returned %v, want fn's error", err)
		}
		_, err = s.FindGrantByARN(ctx, g.ARN)
		wantCode(t, err, licensor.ENOTFOUND)
		equal(t, "existing after rollback", findGrant(t, s, existing.ARN), storedGrant(existing))

		v2 := nextGrantVersion(existing, licensor.GrantDisabled)
		must(t, inTx(t, s, func(tx licensor.Store) error {
			if err := tx.CreateGrant(ctx, g); err != nil {
				return err
			}
			dup := nextGrantVersion(g, licensor.GrantActive)
			dup.Version = 1
			if err := codeIs(tx.CreateGrantVersion(ctx, dup), licensor.ECONFLICT); err != nil {
				return err
			}
			if err := tx.CreateGrantVersion(ctx, v2); err != nil {
				return err
			}
			// Reads inside see the writes.
			got, err := tx.FindGrantByARN(ctx, existing.ARN)
			if err != nil {
				return err
			}
			if got.Version != 2 {
				return fmt.Errorf("inside the transaction: version %d, want 2", got.Version)
			}
			return nil
		}))
		equal(t, "committed grant", findGrant(t, s, g.ARN), storedGrant(g))
		equal(t, "committed version", findGrant(t, s, existing.ARN), storedGrant(v2))
	},
	"BadCursor": func(t *testing.T, s licensor.Store) {
		_, _, err := s.FindGrants(t.Context(), licensor.GrantFilter{After: "?"})
		wantCode(t, err, licensor.EINVALID)
		_, _, err = s.FindGrants(t.Context(), licensor.GrantFilter{After: "-1"})
		wantCode(t, err, licensor.EINVALID)
	},
}

// findGrantARNs lists every grant matching f, following cursors, and
// returns the ARNs in order; it fails on duplicates, on a page over the
// limit and on an empty page that has a cursor.
func findGrantARNs(t *testing.T, s licensor.Store, f licensor.GrantFilter) []string {
	t.Helper()
	var arns []string
	seen := map[string]bool{}
	for range 1000 {
		page, next, err := s.FindGrants(t.Context(), f)
		must(t, err)
		if f.Limit > 0 && len(page) > f.Limit {
			t.Fatalf("page of %d grants, limit %d", len(page), f.Limit)
		}
		if next != "" && len(page) == 0 {
			t.Fatal("empty page with a next cursor")
		}
		for _, g := range page {
			if seen[g.ARN] {
				t.Fatalf("%s listed twice", g.ARN)
			}
			seen[g.ARN] = true
			arns = append(arns, g.ARN)
		}
		if next == "" {
			return arns
		}
		f.After = next
	}
	t.Fatal("paging did not end")
	return nil
}

var findGrantsTests = map[string]func(t *testing.T, s licensor.Store){
	"Filters": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		mk := func(account, n int, sku, issuer string) *licensor.License {
			l := minimalLicense(account, n)
			l.ProductSKU = sku
			l.Issuer = licensor.Issuer{Name: issuer, KeyFingerprint: licensor.KeyFingerprint(l.AccountID, issuer)}
			return mustCreateLicense(t, s, l)
		}
		lA := mk(1, 1, "S1", "I1")
		lB := mk(1, 2, "S2", "I2")
		lC := mk(2, 3, "S1", "I1") // the same issuer name, of another account
		// lB's second version moves it to S3 and issuer I3.
		lB2 := nextVersion(lB, licensor.LicenseAvailable)
		lB2.ProductSKU, lB2.Issuer = "S3", licensor.Issuer{Name: "I3", KeyFingerprint: licensor.KeyFingerprint(lB.AccountID, "I3")}
		must(t, s.CreateLicenseVersion(ctx, lB2))

		p10, p11, p12 := licensor.AccountPrincipal(accountID(10)), licensor.AccountPrincipal(accountID(11)), licensor.AccountPrincipal(accountID(12))
		org := licensor.OrganizationPrincipal(accountID(2), "o-abcdefghij")
		mg := func(l *licensor.License, n int, grantee string, status licensor.GrantStatus) *licensor.Grant {
			g := minimalGrant(l, n, 0)
			g.GranteePrincipalARN, g.Status = grantee, status
			return mustCreateGrant(t, s, g)
		}
		g1 := mg(lA, 1, p10, licensor.GrantActive)
		g2 := mg(lA, 2, p11, licensor.GrantPendingAccept)
		g3 := mg(lB, 3, p10, licensor.GrantActive)
		g4 := mg(lC, 4, org, licensor.GrantActive)
		g5 := minimalGrant(lA, 5, 12) // account 10 redistributes g1
		g5.ARN, g5.AccountID, g5.ParentARN = grantARN(10, 5), accountID(10), g1.ARN
		mustCreateGrant(t, s, g5)
		g6 := mg(lA, 6, p10, licensor.GrantActive)
		g3v2 := nextGrantVersion(g3, licensor.GrantDisabled)
		must(t, s.CreateGrantVersion(ctx, g3v2))
		g6v2 := nextGrantVersion(g6, licensor.GrantDeleted)
		must(t, s.CreateGrantVersion(ctx, g6v2))

		a1, a2, a3, a4, a5, a6 := g1.ARN, g2.ARN, g3.ARN, g4.ARN, g5.ARN, g6.ARN
		type st = []licensor.GrantStatus
		type ss = []string
		for _, tt := range []struct {
			name string
			f    licensor.GrantFilter
			want []string
		}{
			{"none", licensor.GrantFilter{}, ss{a1, a2, a3, a4, a5, a6}},
			{"ARNs", licensor.GrantFilter{ARNs: ss{a5, a2, grantARN(1, 99)}}, ss{a2, a5}},
			{"granter", licensor.GrantFilter{GranterAccountID: accountID(1)}, ss{a1, a2, a3, a6}},
			{"granters", licensor.GrantFilter{GranterAccountIDs: ss{accountID(2), accountID(10), accountID(99)}}, ss{a4, a5}},
			{"granter and granters", licensor.GrantFilter{GranterAccountID: accountID(1), GranterAccountIDs: ss{accountID(1), accountID(2)}}, ss{a1, a2, a3, a6}},
			{"granter and granters, disjoint", licensor.GrantFilter{GranterAccountID: accountID(1), GranterAccountIDs: ss{accountID(2)}}, nil},
			{"grantee", licensor.GrantFilter{GranteePrincipals: ss{p10}}, ss{a1, a3, a6}},
			{"grantees", licensor.GrantFilter{GranteePrincipals: ss{org, p12, licensor.AccountPrincipal(accountID(99))}}, ss{a4, a5}},
			{"license", licensor.GrantFilter{LicenseARNs: ss{lA.ARN}}, ss{a1, a2, a5, a6}},
			{"licenses", licensor.GrantFilter{LicenseARNs: ss{lC.ARN, lB.ARN, licenseARN(1, 99)}}, ss{a3, a4}},
			{"status of current version", licensor.GrantFilter{Statuses: st{licensor.GrantActive}}, ss{a1, a4, a5}},
			{"statuses", licensor.GrantFilter{Statuses: st{licensor.GrantDisabled, licensor.GrantDeleted}}, ss{a3, a6}},
			{"parent license", licensor.GrantFilter{ParentARN: lA.ARN}, ss{a1, a2, a6}},
			{"parent grant", licensor.GrantFilter{ParentARN: a1}, ss{a5}},
			{"SKU", licensor.GrantFilter{ProductSKUs: ss{"S1"}}, ss{a1, a2, a4, a5, a6}},
			{"SKU of an old license version", licensor.GrantFilter{ProductSKUs: ss{"S2"}}, nil},
			{"SKUs", licensor.GrantFilter{ProductSKUs: ss{"S3", "S9"}}, ss{a3}},
			{"issuer, of both accounts", licensor.GrantFilter{LicenseIssuerNames: ss{"I1"}}, ss{a1, a2, a4, a5, a6}},
			{"issuer of an old license version", licensor.GrantFilter{LicenseIssuerNames: ss{"I2"}}, nil},
			{"issuers", licensor.GrantFilter{LicenseIssuerNames: ss{"I9", "I3"}}, ss{a3}},
			{"issuer is a name, not a fingerprint", licensor.GrantFilter{LicenseIssuerNames: ss{lA.Issuer.KeyFingerprint}}, nil},
			{"granter and status", licensor.GrantFilter{GranterAccountID: accountID(1), Statuses: st{licensor.GrantActive}}, ss{a1}},
			{"grantee, license and statuses", licensor.GrantFilter{
				GranteePrincipals: ss{p10}, LicenseARNs: ss{lA.ARN}, Statuses: st{licensor.GrantActive, licensor.GrantDeleted},
			}, ss{a1, a6}},
			{"SKU, issuer and granters", licensor.GrantFilter{ProductSKUs: ss{"S1"}, LicenseIssuerNames: ss{"I1"}, GranterAccountIDs: ss{accountID(2)}}, ss{a4}},
			{"SKU and issuer, disjoint", licensor.GrantFilter{ProductSKUs: ss{"S3"}, LicenseIssuerNames: ss{"I1"}}, nil},
			{"all filters", licensor.GrantFilter{
				ARNs: ss{a1, a3, a5, a6}, GranterAccountID: accountID(1), GranterAccountIDs: ss{accountID(1)},
				GranteePrincipals: ss{p10, p12}, LicenseARNs: ss{lA.ARN, lB.ARN}, Statuses: st{licensor.GrantActive, licensor.GrantDeleted},
				ParentARN: lA.ARN, ProductSKUs: ss{"S1"}, LicenseIssuerNames: ss{"I1"},
			}, ss{a1, a6}},
			{"no match", licensor.GrantFilter{GranteePrincipals: ss{"nobody"}}, nil},
		} {
			t.Run(tt.name, func(t *testing.T) {
				for _, limit := range []int{0, 1, 2} {
					tt.f.Limit = limit
					equal(t, fmt.Sprintf("ARNs, limit %d", limit), findGrantARNs(t, s, tt.f), tt.want)
				}
			})
		}

		// Listed grants are current versions.
		gs, next, err := s.FindGrants(ctx, licensor.GrantFilter{ARNs: []string{a6, a3, a2}})
		must(t, err)
		equal(t, "listed", gs, []*licensor.Grant{storedGrant(g2), storedGrant(g3v2), storedGrant(g6v2)})
		if next != "" {
			t.Errorf("next = %q after the only page", next)
		}
	},
	"Paging": func(t *testing.T, s licensor.Store) {
		l1 := mustCreateLicense(t, s, minimalLicense(1, 1))
		l2 := minimalLicense(1, 2)
		l2.ProductSKU = "other"
		mustCreateLicense(t, s, l2)
		var all, odd []string
		for i := range 25 {
			if i%5 == 4 { // interleave another license's grants
				mustCreateGrant(t, s, minimalGrant(l2, i, 2))
				continue
			}
			g := minimalGrant(l1, i, 2)
			if i%2 == 1 {
				g.Status = licensor.GrantDisabled
				odd = append(odd, g.ARN)
			}
			all = append(all, mustCreateGrant(t, s, g).ARN)
		}
		for _, limit := range []int{1, 3, 5, 7, 20, 21, 0} {
			f := licensor.GrantFilter{LicenseARNs: []string{l1.ARN}, Limit: limit}
			equal(t, fmt.Sprintf("limit %d", limit), findGrantARNs(t, s, f), all)
			f.Statuses = []licensor.GrantStatus{licensor.GrantDisabled}
			equal(t, fmt.Sprintf("odd, limit %d", limit), findGrantARNs(t, s, f), odd)
			f = licensor.GrantFilter{ProductSKUs: []string{l1.ProductSKU}, Limit: limit}
			equal(t, fmt.Sprintf("by SKU, limit %d", limit), findGrantARNs(t, s, f), all)
		}
		gs, next, err := s.FindGrants(t.Context(), licensor.GrantFilter{LicenseARNs: []string{l1.ARN}, Limit: 20})
		must(t, err)
		if len(gs) != 20 || next != "" {
			t.Errorf("exactly one full page: %d grants, next %q", len(gs), next)
		}
	},
	"DefaultLimit": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		must(t, inTx(t, s, func(tx licensor.Store) error {
			for i := range 105 {
				if err := tx.CreateGrant(ctx, minimalGrant(l, i, 2)); err != nil {
					return err
				}
			}
			return nil
		}))
		gs, next, err := s.FindGrants(ctx, licensor.GrantFilter{})
		must(t, err)
		if len(gs) != 100 || next == "" {
			t.Fatalf("default page: %d grants, next %q; want 100 and a cursor", len(gs), next)
		}
		gs, next, err = s.FindGrants(ctx, licensor.GrantFilter{After: next, Limit: -1})
		must(t, err)
		if len(gs) != 5 || next != "" {
			t.Fatalf("second page: %d grants, next %q; want 5 and none", len(gs), next)
		}
	},
}
