package service_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/internal/testutil"
	"github.com/licensorhq/licensor/seal"
	"github.com/licensorhq/licensor/service"
	"github.com/licensorhq/licensor/store/sqlite"
)

// newService returns a Service on a fresh SQLite store with a fake clock,
// and a context for a new seller account.
func newService(t *testing.T) (*service.Service, *testutil.Clock, context.Context) {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	box, err := seal.New(make([]byte, 32), nil)
	if err != nil {
		t.Fatal(err)
	}
	clock := testutil.NewClock(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
	svc := service.New(db, box, "us-east-1")
	svc.Now = clock.Now
	if _, err := svc.Bootstrap(context.Background(), "", ""); err != nil {
		t.Fatal(err)
	}
	root := licensor.NewContextWithPrincipal(context.Background(), &licensor.Principal{AccountID: licensor.RootAccountID})
	acct, _, err := svc.CreateAccount(root, "Seller")
	if err != nil {
		t.Fatal(err)
	}
	return svc, clock, licensor.NewContextWithPrincipal(context.Background(), &licensor.Principal{AccountID: acct.ID})
}

func licenseInput(token string) licensor.CreateLicenseInput {
	max := int64(10)
	return licensor.CreateLicenseInput{
		LicenseFields: licensor.LicenseFields{
			Name: "L", ProductName: "P", Issuer: licensor.Issuer{Name: "I"}, HomeRegion: "us-east-1",
			Validity:     licensor.DatetimeRange{Begin: "2026-01-01T00:00:00Z"},
			Entitlements: []licensor.Entitlement{{Name: "Seats", Unit: "Count", MaxCount: &max}},
		},
		ProductSKU: "SKU", Beneficiary: "b", ClientToken: token,
	}
}

// TestDeletedLicensePurgedAfterSixMonths drives the lifecycle with a fake
// clock: PENDING_DELETE → DELETED at the next sweep, readable until the
// retention ends, then purged.
func TestDeletedLicensePurgedAfterSixMonths(t *testing.T) {
	svc, clock, ctx := newService(t)
	l, err := svc.CreateLicense(ctx, licenseInput("t1"))
	if err != nil {
		t.Fatal(err)
	}
	keep, err := svc.CreateLicense(ctx, licenseInput("t2"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := svc.DeleteLicense(ctx, l.ARN, "1")
	if err != nil || res.Status != licensor.LicensePendingDelete || !res.DeletionDate.Equal(clock.Now()) {
		t.Fatalf("DeleteLicense = %+v, %v", res, err)
	}
	r, err := svc.Sweep(context.Background())
	if err != nil || r.Deleted != 1 || r.Purged != 0 {
		t.Fatalf("first sweep = %+v, %v", r, err)
	}
	got, err := svc.GetLicense(ctx, l.ARN, "")
	if err != nil || got.Status != licensor.LicenseDeleted || got.DeletionDate == nil {
		t.Fatalf("after sweep: %+v, %v", got, err)
	}
	clock.Advance(licensor.LicenseRetention - time.Minute)
	if r, _ := svc.Sweep(context.Background()); r.Purged != 0 {
		t.Fatalf("purged before six months: %+v", r)
	}
	if _, err := svc.GetLicense(ctx, l.ARN, "1"); err != nil {
		t.Fatalf("deleted license unreadable before six months: %v", err)
	}
	clock.Advance(2 * time.Minute)
	if r, err := svc.Sweep(context.Background()); err != nil || r.Purged != 1 {
		t.Fatalf("sweep after six months = %+v, %v", r, err)
	}
	if _, err := svc.GetLicense(ctx, l.ARN, ""); licensor.ErrorCode(err) != licensor.ENOTFOUND {
		t.Fatalf("purged license: %v", err)
	}
	if _, err := svc.GetLicense(ctx, keep.ARN, ""); err != nil {
		t.Fatalf("the other license was touched: %v", err)
	}
	// A second sweep, as another node would run it, finds nothing to do.
	if r, err := svc.Sweep(context.Background()); err != nil || r.Purged != 0 || r.Deleted != 0 {
		t.Fatalf("repeat sweep = %+v, %v", r, err)
	}
}

func TestClientTokensExpire(t *testing.T) {
	svc, clock, ctx := newService(t)
	a, err := svc.CreateLicense(ctx, licenseInput("tok"))
	if err != nil {
		t.Fatal(err)
	}
	b, err := svc.CreateLicense(ctx, licenseInput("tok"))
	if err != nil || b.ARN != a.ARN {
		t.Fatalf("replay = %v, %v", b, err)
	}
	clock.Advance(licensor.IdempotencyWindow + time.Hour)
	if r, err := svc.Sweep(context.Background()); err != nil || r.Idempotency != 1 {
		t.Fatalf("sweep = %+v, %v", r, err)
	}
	c, err := svc.CreateLicense(ctx, licenseInput("tok"))
	if err != nil || c.ARN == a.ARN {
		t.Fatalf("token remembered past its window: %v %v", c, err)
	}
}

func TestAccessKeys(t *testing.T) {
	svc, _, _ := newService(t)
	root := licensor.NewContextWithPrincipal(context.Background(), &licensor.Principal{AccountID: licensor.RootAccountID, AccessKeyID: "self"})
	acct, key, err := svc.CreateAccount(root, "Buyer")
	if err != nil {
		t.Fatal(err)
	}
	secret, p, err := svc.LookupAccessKey(context.Background(), key.ID)
	if err != nil || secret != key.SecretAccessKey || p.AccountID != acct.ID {
		t.Fatalf("lookup = %q %v %v", secret, p, err)
	}
	keys, err := svc.ListAccessKeys(root, acct.ID)
	if err != nil || len(keys) != 1 || keys[0].SecretAccessKey != "" || keys[0].SealedSecret != nil {
		t.Fatalf("list exposes secrets or is wrong: %+v %v", keys, err)
	}
	if _, err := svc.UpdateAccessKey(root, key.ID, licensor.AccessKeyInactive); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.LookupAccessKey(context.Background(), key.ID); licensor.ErrorCode(err) != licensor.EUNAUTHENTICATED {
		t.Fatalf("inactive key authenticates (cache not invalidated?): %v", err)
	}
	if err := svc.DeleteAccessKey(root, key.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.LookupAccessKey(context.Background(), key.ID); licensor.ErrorCode(err) != licensor.EUNAUTHENTICATED {
		t.Fatalf("deleted key: %v", err)
	}
	seller := licensor.NewContextWithPrincipal(context.Background(), &licensor.Principal{AccountID: acct.ID})
	if _, _, err := svc.CreateAccount(seller, "x"); licensor.ErrorCode(err) != licensor.EFORBIDDEN {
		t.Fatalf("non-root CreateAccount: %v", err)
	}
	if _, err := svc.CreateAccessKey(root, "999999999999"); licensor.ErrorCode(err) != licensor.ENOTFOUND {
		t.Fatalf("key for missing account: %v", err)
	}
	if err := svc.DeleteAccessKey(root, "self"); licensor.ErrorCode(err) != licensor.EINVALID {
		t.Fatalf("self delete: %v", err)
	}
}
