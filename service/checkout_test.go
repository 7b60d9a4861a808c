package service_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/service"
)

func ptr[T any](v T) *T { return &v }

// seatLicense creates a license with the given entitlements, valid from
// 2026-01-01, TTL 60 minutes, and returns it.
func seatLicense(t *testing.T, svc *service.Service, ctx context.Context, token string, renew licensor.RenewType, ents ...licensor.Entitlement) *licensor.License {
	t.Helper()
	in := licenseInput(token)
	in.ProductSKU = "SKU-" + token
	in.Entitlements = ents
	in.ConsumptionConfiguration = licensor.ConsumptionConfiguration{RenewType: renew, Provisional: &licensor.ProvisionalConfiguration{MaxTimeToLiveInMinutes: 60}}
	l, err := svc.CreateLicense(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func checkout(svc *service.Service, ctx context.Context, l *licensor.License, typ licensor.CheckoutType, token string, ents ...licensor.EntitlementData) (*licensor.CheckoutResult, error) {
	return svc.CheckoutLicense(ctx, licensor.CheckoutInput{
		ProductSKU: l.ProductSKU, CheckoutType: typ, KeyFingerprint: l.Issuer.KeyFingerprint,
		Entitlements: ents, ClientToken: token, Beneficiary: l.Beneficiary, NodeID: "node-1",
	})
}

func seats(n int) licensor.EntitlementData {
	return licensor.EntitlementData{Name: "Seats", Unit: "Count", Value: ptr(strconv.Itoa(n))}
}

func usageOf(t *testing.T, svc *service.Service, ctx context.Context, arn, name string) string {
	t.Helper()
	u, err := svc.GetLicenseUsage(ctx, arn)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range u.EntitlementUsages {
		if e.Name == name {
			return e.ConsumedValue
		}
	}
	t.Fatalf("no usage for %s", name)
	return ""
}

func TestProvisionalTTLExpiry(t *testing.T) {
	svc, clock, ctx := newService(t)
	l := seatLicense(t, svc, ctx, "l", "", licensor.Entitlement{Name: "Seats", Unit: "Count", MaxCount: ptr(int64(3)), AllowCheckIn: ptr(true)})
	var tokens []string
	for i := 0; i < 3; i++ {
		res, err := checkout(svc, ctx, l, licensor.CheckoutProvisional, fmt.Sprint("c", i), seats(1))
		if err != nil {
			t.Fatal(err)
		}
		if !res.Expiration.Equal(clock.Now().Add(time.Hour)) {
			t.Fatalf("Expiration = %v, want now+60m", res.Expiration)
		}
		tokens = append(tokens, res.ConsumptionToken)
		clock.Advance(10 * time.Minute)
	}
	if _, err := checkout(svc, ctx, l, licensor.CheckoutProvisional, "c3", seats(1)); licensor.ErrorCode(err) != licensor.ENOENTITLEMENT {
		t.Fatalf("4th seat: %v", err)
	}
	// Extending pushes the first checkout's expiry to one TTL from now.
	ext, err := svc.ExtendLicenseConsumption(ctx, tokens[0], false)
	if err != nil || !ext.Expiration.Equal(clock.Now().Add(time.Hour)) {
		t.Fatalf("extend = %+v, %v", ext, err)
	}
	// 61 minutes after the 2nd checkout: it has expired; the 1st was extended.
	clock.Advance(41 * time.Minute) // t = 71m: c1 (issued 10m) expired at 70m
	// Lazily at the next checkout: the expired seat comes back without a sweep.
	if _, err := checkout(svc, ctx, l, licensor.CheckoutProvisional, "c4", seats(1)); err != nil {
		t.Fatalf("lazy expiry: %v", err)
	}
	if _, err := svc.ExtendLicenseConsumption(ctx, tokens[1], false); licensor.ErrorCode(err) != licensor.ESTATE {
		t.Fatalf("extend an expired checkout: %v", err)
	}
	// The sweeper returns the rest.
	clock.Advance(2 * time.Hour)
	r, err := svc.Sweep(context.Background())
	if err != nil || r.Expired != 3 {
		t.Fatalf("sweep = %+v, %v", r, err)
	}
	if got := usageOf(t, svc, ctx, l.ARN, "Seats"); got != "0" {
		t.Fatalf("usage after expiry = %s", got)
	}
	// A second sweep (another node) returns nothing twice.
	if r, _ := svc.Sweep(context.Background()); r.Expired != 0 {
		t.Fatalf("double expiry: %+v", r)
	}
	recs, err := svc.Store.FindUsageRecords(context.Background(), licensor.UsageFilter{LicenseARN: l.ARN})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[licensor.UsageKind]int{}
	for _, r := range recs {
		kinds[r.Kind]++
	}
	if kinds[licensor.UsageCheckout] != 4 || kinds[licensor.UsageExpire] != 4 || kinds[licensor.UsageExtend] != 1 {
		t.Fatalf("usage records by kind = %v", kinds)
	}
}

func TestCheckInAndExtendRules(t *testing.T) {
	svc, clock, ctx := newService(t)
	l := seatLicense(t, svc, ctx, "l", "", licensor.Entitlement{Name: "Seats", Unit: "Count", MaxCount: ptr(int64(2))})
	res, err := checkout(svc, ctx, l, licensor.CheckoutProvisional, "a", seats(2))
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.CheckInLicense(ctx, res.ConsumptionToken, ""); err != nil {
		t.Fatal(err)
	}
	if err := svc.CheckInLicense(ctx, res.ConsumptionToken, ""); err != nil {
		t.Fatalf("second check-in: %v", err)
	}
	if got := usageOf(t, svc, ctx, l.ARN, "Seats"); got != "0" {
		t.Fatalf("usage after check-in = %s (double release?)", got)
	}
	if _, err := svc.ExtendLicenseConsumption(ctx, res.ConsumptionToken, false); licensor.ErrorCode(err) != licensor.ESTATE {
		t.Fatalf("extend after check-in: %v", err)
	}
	if err := svc.CheckInLicense(ctx, "nope", ""); licensor.ErrorCode(err) != licensor.ENOTFOUND {
		t.Fatalf("unknown token: %v", err)
	}
	// Another account cannot check in or extend my checkout.
	res, _ = checkout(svc, ctx, l, licensor.CheckoutProvisional, "b", seats(1))
	root := licensor.NewContextWithPrincipal(context.Background(), &licensor.Principal{AccountID: licensor.RootAccountID})
	other, _, _ := svc.CreateAccount(root, "Other")
	octx := licensor.NewContextWithPrincipal(context.Background(), &licensor.Principal{AccountID: other.ID})
	if err := svc.CheckInLicense(octx, res.ConsumptionToken, ""); licensor.ErrorCode(err) != licensor.ENOTFOUND {
		t.Fatalf("stranger check-in: %v", err)
	}
	if _, err := svc.ExtendLicenseConsumption(octx, res.ConsumptionToken, false); licensor.ErrorCode(err) != licensor.ENOTFOUND {
		t.Fatalf("stranger extend: %v", err)
	}
	// DryRun changes nothing.
	clock.Advance(time.Minute)
	dry, err := svc.ExtendLicenseConsumption(ctx, res.ConsumptionToken, true)
	if err != nil || !dry.Expiration.Equal(res.Expiration) {
		t.Fatalf("dry run = %+v, %v", dry, err)
	}
	// AllowCheckIn false: the units stay out until the TTL.
	l2 := seatLicense(t, svc, ctx, "l2", "", licensor.Entitlement{Name: "Seats", Unit: "Count", MaxCount: ptr(int64(2)), AllowCheckIn: ptr(false)})
	res2, err := checkout(svc, ctx, l2, licensor.CheckoutProvisional, "c", seats(1))
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.CheckInLicense(ctx, res2.ConsumptionToken, ""); licensor.ErrorCode(err) != licensor.ECONFLICT {
		t.Fatalf("check-in against AllowCheckIn=false: %v", err)
	}
}

func TestDrawdownAndRenewal(t *testing.T) {
	svc, clock, ctx := newService(t)
	l := seatLicense(t, svc, ctx, "l", licensor.RenewWeekly, licensor.Entitlement{Name: "Units", Unit: "Count", MaxCount: ptr(int64(1024))})
	units := func(n int) licensor.EntitlementData {
		return licensor.EntitlementData{Name: "Units", Unit: "Count", Value: ptr(strconv.Itoa(n))}
	}
	ok := 0
	var first string
	for i := 0; i < 103; i++ {
		res, err := checkout(svc, ctx, l, licensor.CheckoutPerpetual, fmt.Sprint("d", i), units(10))
		if err == nil {
			ok++
			if first == "" {
				first = res.ConsumptionToken
			}
		} else if licensor.ErrorCode(err) != licensor.ENOENTITLEMENT {
			t.Fatal(err)
		}
	}
	if ok != 102 {
		t.Fatalf("%d drawdowns of 10 from 1024 succeeded, want 102", ok)
	}
	// Checking in a perpetual checkout gives nothing back.
	if err := svc.CheckInLicense(ctx, first, ""); err != nil {
		t.Fatal(err)
	}
	if got := usageOf(t, svc, ctx, l.ARN, "Units"); got != "1020" {
		t.Fatalf("usage = %s, want 1020", got)
	}
	// Weekly renewal, counted from Validity.Begin (2026-01-01, a Thursday).
	// The clock is at 2026-03-01 12:00 (period 8); period 9 starts 2026-03-05.
	clock.Set(time.Date(2026, 3, 5, 0, 0, 1, 0, time.UTC))
	if got := usageOf(t, svc, ctx, l.ARN, "Units"); got != "0" {
		t.Fatalf("usage after renewal = %s, want 0", got)
	}
	if _, err := checkout(svc, ctx, l, licensor.CheckoutPerpetual, "after-renewal", units(1000)); err != nil {
		t.Fatalf("drawdown after renewal: %v", err)
	}
	if got := usageOf(t, svc, ctx, l.ARN, "Units"); got != "1000" {
		t.Fatalf("usage = %s", got)
	}
	// RenewType None never renews.
	l2 := seatLicense(t, svc, ctx, "l2", licensor.RenewNone, licensor.Entitlement{Name: "Units", Unit: "Count", MaxCount: ptr(int64(10))})
	if _, err := checkout(svc, ctx, l2, licensor.CheckoutPerpetual, "n1", units(10)); err != nil {
		t.Fatal(err)
	}
	clock.Advance(400 * 24 * time.Hour)
	if _, err := checkout(svc, ctx, l2, licensor.CheckoutPerpetual, "n2", units(1)); licensor.ErrorCode(err) != licensor.ENOENTITLEMENT {
		t.Fatalf("RenewType None renewed: %v", err)
	}
}

func TestTiersOverageAndAllOrNothing(t *testing.T) {
	svc, _, ctx := newService(t)
	l := seatLicense(t, svc, ctx, "l", "",
		licensor.Entitlement{Name: "PremiumTier", Unit: "None", Value: ptr("Enabled")},
		licensor.Entitlement{Name: "Seats", Unit: "Count", MaxCount: ptr(int64(5)), Overage: ptr(true)},
		licensor.Entitlement{Name: "Storage", Unit: "Gigabytes", MaxCount: ptr(int64(100))},
	)
	tiers := []licensor.EntitlementData{{Name: "BasicTier", Unit: "None"}, {Name: "IntermediateTier", Unit: "None"}, {Name: "PremiumTier", Unit: "None"}}
	res, err := checkout(svc, ctx, l, licensor.CheckoutProvisional, "tier", tiers...)
	if err != nil || len(res.EntitlementsAllowed) != 1 || res.EntitlementsAllowed[0].Name != "PremiumTier" {
		t.Fatalf("tiers = %+v, %v", res, err)
	}
	if res.NodeID != "node-1" || res.LicenseARN != l.ARN {
		t.Fatalf("NodeId/LicenseArn not echoed: %+v", res)
	}
	if _, err := checkout(svc, ctx, l, licensor.CheckoutProvisional, "none", tiers[:2]...); licensor.ErrorCode(err) != licensor.ENOENTITLEMENT {
		t.Fatalf("no held tier: %v", err)
	}
	// Overage: 7 of 5 is allowed and reported.
	if _, err := checkout(svc, ctx, l, licensor.CheckoutProvisional, "over", seats(7)); err != nil {
		t.Fatalf("overage: %v", err)
	}
	u, _ := svc.GetLicenseUsage(ctx, l.ARN)
	for _, e := range u.EntitlementUsages {
		if e.Name == "Seats" && (e.ConsumedValue != "7" || *e.MaxCount != "5") {
			t.Fatalf("Seats usage = %+v", e)
		}
	}
	recs, _ := svc.Store.FindUsageRecords(context.Background(), licensor.UsageFilter{LicenseARN: l.ARN})
	var over int64
	for _, r := range recs {
		over += r.Overage
	}
	if over != 2 {
		t.Fatalf("recorded overage = %d, want 2", over)
	}
	// All or nothing: Storage 101 fails, and Seats taken in the same request are not kept.
	_, err = checkout(svc, ctx, l, licensor.CheckoutProvisional, "aon", seats(1), licensor.EntitlementData{Name: "Storage", Unit: "Gigabytes", Value: ptr("101")})
	if licensor.ErrorCode(err) != licensor.ENOENTITLEMENT {
		t.Fatalf("over Storage: %v", err)
	}
	if got := usageOf(t, svc, ctx, l.ARN, "Seats"); got != "7" {
		t.Fatalf("Seats = %s after a failed all-or-nothing checkout", got)
	}
	// An entitlement the license does not have fails the whole request.
	if _, err := checkout(svc, ctx, l, licensor.CheckoutProvisional, "x", seats(1), licensor.EntitlementData{Name: "Cores", Unit: "Count", Value: ptr("1")}); licensor.ErrorCode(err) != licensor.ENOENTITLEMENT {
		t.Fatalf("unknown entitlement: %v", err)
	}
}

func TestValidityAndStatusEnforced(t *testing.T) {
	svc, clock, ctx := newService(t)
	in := licenseInput("future")
	in.Validity = licensor.DatetimeRange{Begin: "2026-06-01T00:00:00Z", End: "2026-07-01T00:00:00Z"}
	l, err := svc.CreateLicense(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := checkout(svc, ctx, l, licensor.CheckoutProvisional, "early", seats(1)); licensor.ErrorCode(err) != licensor.ENOENTITLEMENT {
		t.Fatalf("before Begin: %v", err)
	}
	clock.Set(time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC))
	if _, err := checkout(svc, ctx, l, licensor.CheckoutProvisional, "ok", seats(1)); err != nil {
		t.Fatalf("within validity: %v", err)
	}
	clock.Set(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC))
	if _, err := checkout(svc, ctx, l, licensor.CheckoutProvisional, "late", seats(1)); licensor.ErrorCode(err) != licensor.ENOENTITLEMENT {
		t.Fatalf("at End: %v", err)
	}
	clock.Set(time.Date(2026, 6, 15, 0, 0, 0, 0, time.UTC))
	v := licensor.CreateLicenseVersionInput{LicenseFields: in.LicenseFields, LicenseARN: l.ARN, Status: licensor.LicenseDeactivated, ClientToken: "deact"}
	if _, err := svc.CreateLicenseVersion(ctx, v); err != nil {
		t.Fatal(err)
	}
	if _, err := checkout(svc, ctx, l, licensor.CheckoutProvisional, "deactivated", seats(1)); licensor.ErrorCode(err) != licensor.ENOENTITLEMENT {
		t.Fatalf("DEACTIVATED: %v", err)
	}
	if _, err := svc.CheckoutLicense(ctx, licensor.CheckoutInput{ProductSKU: "nope", CheckoutType: "PROVISIONAL", KeyFingerprint: l.Issuer.KeyFingerprint, Entitlements: []licensor.EntitlementData{seats(1)}, ClientToken: "x", Beneficiary: "b"}); licensor.ErrorCode(err) != licensor.ENOTFOUND {
		t.Fatalf("unknown SKU: %v", err)
	}
}

// TestChoosesSatisfyingLicense: two licenses match; the newest is full, so
// the checkout comes from the older one.
func TestChoosesSatisfyingLicense(t *testing.T) {
	svc, _, ctx := newService(t)
	create := func(token string, max int64) *licensor.License {
		in := licenseInput(token)
		in.Entitlements = []licensor.Entitlement{{Name: "Seats", Unit: "Count", MaxCount: ptr(max)}}
		l, err := svc.CreateLicense(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	old := create("old", 5)
	newer := create("new", 1)
	res, err := checkout(svc, ctx, newer, licensor.CheckoutProvisional, "1", seats(1))
	if err != nil || res.LicenseARN != newer.ARN {
		t.Fatalf("first = %+v %v", res, err)
	}
	res, err = checkout(svc, ctx, newer, licensor.CheckoutProvisional, "2", seats(1))
	if err != nil || res.LicenseARN != old.ARN {
		t.Fatalf("second = %+v %v, want the older license", res, err)
	}
}

func TestCheckoutIdempotent(t *testing.T) {
	svc, _, ctx := newService(t)
	l := seatLicense(t, svc, ctx, "l", "", licensor.Entitlement{Name: "Seats", Unit: "Count", MaxCount: ptr(int64(5))})
	a, err := checkout(svc, ctx, l, licensor.CheckoutProvisional, "same", seats(2))
	if err != nil {
		t.Fatal(err)
	}
	b, err := checkout(svc, ctx, l, licensor.CheckoutProvisional, "same", seats(2))
	if err != nil || b.ConsumptionToken != a.ConsumptionToken || !b.IssuedAt.Equal(a.IssuedAt) {
		t.Fatalf("replay = %+v, %v", b, err)
	}
	if got := usageOf(t, svc, ctx, l.ARN, "Seats"); got != "2" {
		t.Fatalf("consumed %s, want 2 (once)", got)
	}
	if _, err := checkout(svc, ctx, l, licensor.CheckoutProvisional, "same", seats(3)); licensor.ErrorCode(err) != licensor.ECONFLICT {
		t.Fatalf("same token, other request: %v", err)
	}
}

// TestNoOverAllocation races 200 checkouts for 10 seats.
func TestNoOverAllocation(t *testing.T) {
	svc, _, ctx := newService(t)
	l := seatLicense(t, svc, ctx, "l", "", licensor.Entitlement{Name: "Seats", Unit: "Count", MaxCount: ptr(int64(10))})
	var wg sync.WaitGroup
	var mu sync.Mutex
	granted, refused := 0, 0
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := checkout(svc, ctx, l, licensor.CheckoutProvisional, fmt.Sprint("r", i), seats(1))
			mu.Lock()
			defer mu.Unlock()
			switch licensor.ErrorCode(err) {
			case "":
				granted++
			case licensor.ENOENTITLEMENT:
				refused++
			default:
				t.Errorf("checkout: %v", err)
			}
		}()
	}
	wg.Wait()
	if granted != 10 || refused != 190 {
		t.Fatalf("granted %d, refused %d", granted, refused)
	}
	if got := usageOf(t, svc, ctx, l.ARN, "Seats"); got != "10" {
		t.Fatalf("usage %s", got)
	}
}
