package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
)

// seatsLicense creates a floating license with n seats and returns its ARN
// and fingerprint.
func seatsLicense(t *testing.T, lm *licensemanager.Client, sku string, n int64) (string, string) {
	t.Helper()
	ctx := context.Background()
	out, err := lm.CreateLicense(ctx, &licensemanager.CreateLicenseInput{
		LicenseName: aws.String("Floating"), ProductName: aws.String("Product"), ProductSKU: aws.String(sku),
		Issuer: &types.Issuer{Name: aws.String("Vendor")}, HomeRegion: aws.String("us-east-1"),
		Validity:    &types.DatetimeRange{Begin: aws.String("2020-01-01T00:00:00Z")},
		Beneficiary: aws.String("customer-1"),
		Entitlements: []types.Entitlement{
			{Name: aws.String("Seats"), Unit: types.EntitlementUnitCount, MaxCount: aws.Int64(n), AllowCheckIn: aws.Bool(true)},
			{Name: aws.String("PremiumTier"), Unit: types.EntitlementUnitNone},
		},
		ConsumptionConfiguration: &types.ConsumptionConfiguration{ProvisionalConfiguration: &types.ProvisionalConfiguration{MaxTimeToLiveInMinutes: aws.Int32(60)}},
		ClientToken:              aws.String("create-" + sku),
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := lm.GetLicense(ctx, &licensemanager.GetLicenseInput{LicenseArn: out.LicenseArn})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.LicenseArn), aws.ToString(got.License.Issuer.KeyFingerprint)
}

func TestCheckoutWithSDK(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	seller := s.createAccount("Vendor")
	lm := s.sdk(seller)
	arn, fp := seatsLicense(t, lm, "FLOAT", 10)
	co := func(token string, seats string) (*licensemanager.CheckoutLicenseOutput, error) {
		return lm.CheckoutLicense(ctx, &licensemanager.CheckoutLicenseInput{
			ProductSKU: aws.String("FLOAT"), CheckoutType: types.CheckoutTypeProvisional, KeyFingerprint: aws.String(fp),
			Entitlements: []types.EntitlementData{{Name: aws.String("Seats"), Unit: types.EntitlementDataUnitCount, Value: aws.String(seats)}},
			ClientToken:  aws.String(token), Beneficiary: aws.String("customer-1"), NodeId: aws.String("host-42"),
		})
	}
	var tokens []string
	for i := 0; i < 10; i++ {
		out, err := co(fmt.Sprint("seat-", i), "1")
		if err != nil {
			t.Fatalf("checkout %d: %v", i, err)
		}
		if aws.ToString(out.LicenseArn) != arn || aws.ToString(out.NodeId) != "host-42" || out.CheckoutType != types.CheckoutTypeProvisional ||
			aws.ToString(out.IssuedAt) == "" || aws.ToString(out.Expiration) == "" || len(out.EntitlementsAllowed) != 1 || len(aws.ToString(out.LicenseConsumptionToken)) != 32 {
			t.Fatalf("checkout answer = %+v", out)
		}
		tokens = append(tokens, aws.ToString(out.LicenseConsumptionToken))
	}
	var nea *types.NoEntitlementsAllowedException
	if _, err := co("seat-10", "1"); !errors.As(err, &nea) {
		t.Fatalf("11th seat: %v, want NoEntitlementsAllowedException", err)
	}
	usage, err := lm.GetLicenseUsage(ctx, &licensemanager.GetLicenseUsageInput{LicenseArn: aws.String(arn)})
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range usage.LicenseUsage.EntitlementUsages {
		if aws.ToString(u.Name) == "Seats" && (aws.ToString(u.ConsumedValue) != "10" || aws.ToString(u.MaxCount) != "10" || u.Unit != types.EntitlementDataUnitCount) {
			t.Fatalf("usage = %+v", u)
		}
	}
	if _, err := lm.CheckInLicense(ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: aws.String(tokens[0])}); err != nil {
		t.Fatalf("check-in: %v", err)
	}
	if _, err := co("seat-11", "1"); err != nil {
		t.Fatalf("checkout after check-in: %v", err)
	}
	ext, err := lm.ExtendLicenseConsumption(ctx, &licensemanager.ExtendLicenseConsumptionInput{LicenseConsumptionToken: aws.String(tokens[1])})
	if err != nil || aws.ToString(ext.LicenseConsumptionToken) != tokens[1] || aws.ToString(ext.Expiration) == "" {
		t.Fatalf("extend = %+v, %v", ext, err)
	}
	if _, err := lm.ExtendLicenseConsumption(ctx, &licensemanager.ExtendLicenseConsumptionInput{LicenseConsumptionToken: aws.String(tokens[0])}); err == nil {
		t.Fatal("extended a checked-in checkout")
	}
	var rnf *types.ResourceNotFoundException
	if _, err := lm.CheckInLicense(ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: aws.String("0123456789abcdef0123456789abcdef")}); !errors.As(err, &rnf) {
		t.Fatalf("unknown token: %v", err)
	}
	// Tiers: ask for all three, get the one held.
	tier, err := lm.CheckoutLicense(ctx, &licensemanager.CheckoutLicenseInput{
		ProductSKU: aws.String("FLOAT"), CheckoutType: types.CheckoutTypeProvisional, KeyFingerprint: aws.String(fp),
		Entitlements: []types.EntitlementData{
			{Name: aws.String("BasicTier"), Unit: types.EntitlementDataUnitNone},
			{Name: aws.String("IntermediateTier"), Unit: types.EntitlementDataUnitNone},
			{Name: aws.String("PremiumTier"), Unit: types.EntitlementDataUnitNone},
		},
		ClientToken: aws.String("tier"), Beneficiary: aws.String("customer-1"),
	})
	if err != nil || len(tier.EntitlementsAllowed) != 1 || aws.ToString(tier.EntitlementsAllowed[0].Name) != "PremiumTier" {
		t.Fatalf("tiers = %+v, %v", tier, err)
	}
	// A stranger finds nothing, and cannot read the usage.
	stranger := s.sdk(s.createAccount("Stranger"))
	if _, err := stranger.CheckoutLicense(ctx, &licensemanager.CheckoutLicenseInput{
		ProductSKU: aws.String("FLOAT"), CheckoutType: types.CheckoutTypeProvisional, KeyFingerprint: aws.String(fp),
		Entitlements: []types.EntitlementData{{Name: aws.String("Seats"), Unit: types.EntitlementDataUnitCount, Value: aws.String("1")}},
		ClientToken:  aws.String("x"), Beneficiary: aws.String("customer-1"),
	}); !errors.As(err, &rnf) {
		t.Fatalf("stranger checkout: %v", err)
	}
	if _, err := stranger.GetLicenseUsage(ctx, &licensemanager.GetLicenseUsageInput{LicenseArn: aws.String(arn)}); err == nil {
		t.Fatal("stranger read usage")
	}
	if _, err := stranger.CheckInLicense(ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: aws.String(tokens[2])}); !errors.As(err, &rnf) {
		t.Fatalf("stranger check-in: %v", err)
	}
}

// TestConcurrentCheckoutsOverHTTP races 200 SDK clients for 10 seats
// through the real server: exactly 10 are granted.
func TestConcurrentCheckoutsOverHTTP(t *testing.T) {
	s := startServer(t)
	seller := s.createAccount("Vendor")
	lm := s.sdk(seller)
	arn, fp := seatsLicense(t, lm, "RACE", 10)
	var wg sync.WaitGroup
	var mu sync.Mutex
	granted, refused := 0, 0
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := lm.CheckoutLicense(context.Background(), &licensemanager.CheckoutLicenseInput{
				ProductSKU: aws.String("RACE"), CheckoutType: types.CheckoutTypeProvisional, KeyFingerprint: aws.String(fp),
				Entitlements: []types.EntitlementData{{Name: aws.String("Seats"), Unit: types.EntitlementDataUnitCount, Value: aws.String("1")}},
				ClientToken:  aws.String(fmt.Sprint("race-", i)), Beneficiary: aws.String("customer-1"),
			})
			var nea *types.NoEntitlementsAllowedException
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				granted++
			case errors.As(err, &nea):
				refused++
			default:
				t.Errorf("checkout: %v", err)
			}
		}()
	}
	wg.Wait()
	if granted != 10 || refused != 190 {
		t.Fatalf("granted %d, refused %d; want 10 and 190", granted, refused)
	}
	usage, _ := lm.GetLicenseUsage(context.Background(), &licensemanager.GetLicenseUsageInput{LicenseArn: aws.String(arn)})
	if v := aws.ToString(usage.LicenseUsage.EntitlementUsages[0].ConsumedValue); v != "10" {
		t.Fatalf("ConsumedValue = %s", v)
	}
}

// TestDrawdownWithSDK: 1024 units checked out 10 at a time, PERPETUAL:
// 102 succeed, the 103rd fails.
func TestDrawdownWithSDK(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	lm := s.sdk(s.createAccount("Vendor"))
	out, err := lm.CreateLicense(ctx, &licensemanager.CreateLicenseInput{
		LicenseName: aws.String("Drawdown"), ProductName: aws.String("API"), ProductSKU: aws.String("DD"),
		Issuer: &types.Issuer{Name: aws.String("Vendor")}, HomeRegion: aws.String("us-east-1"),
		Validity:                 &types.DatetimeRange{Begin: aws.String("2020-01-01T00:00:00Z")},
		Beneficiary:              aws.String("b"),
		Entitlements:             []types.Entitlement{{Name: aws.String("ApiCalls"), Unit: types.EntitlementUnitCount, MaxCount: aws.Int64(1024)}},
		ConsumptionConfiguration: &types.ConsumptionConfiguration{RenewType: types.RenewTypeNone},
		ClientToken:              aws.String("dd"),
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := lm.GetLicense(ctx, &licensemanager.GetLicenseInput{LicenseArn: out.LicenseArn})
	ok := 0
	var first string
	for i := 0; i < 103; i++ {
		res, err := lm.CheckoutLicense(ctx, &licensemanager.CheckoutLicenseInput{
			ProductSKU: aws.String("DD"), CheckoutType: types.CheckoutTypePerpetual, KeyFingerprint: got.License.Issuer.KeyFingerprint,
			Entitlements: []types.EntitlementData{{Name: aws.String("ApiCalls"), Unit: types.EntitlementDataUnitCount, Value: aws.String("10")}},
			ClientToken:  aws.String(fmt.Sprint("dd-", i)), Beneficiary: aws.String("b"),
		})
		var nea *types.NoEntitlementsAllowedException
		switch {
		case err == nil:
			ok++
			if first == "" {
				first = aws.ToString(res.LicenseConsumptionToken)
			}
		case errors.As(err, &nea) && i == 102:
		default:
			t.Fatalf("checkout %d: %v", i, err)
		}
	}
	if ok != 102 {
		t.Fatalf("%d succeeded, want 102", ok)
	}
	if _, err := lm.CheckInLicense(ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: aws.String(first)}); err != nil {
		t.Fatal(err)
	}
	usage, _ := lm.GetLicenseUsage(ctx, &licensemanager.GetLicenseUsageInput{LicenseArn: out.LicenseArn})
	if v := aws.ToString(usage.LicenseUsage.EntitlementUsages[0].ConsumedValue); v != "1020" {
		t.Fatalf("ConsumedValue after checking in a perpetual checkout = %s, want 1020", v)
	}
}

func TestCheckoutWithAWSCLI(t *testing.T) {
	s := startServer(t)
	acct := s.createAccount("Vendor")
	_, fp := seatsLicense(t, s.sdk(acct), "CLI", 1)
	args := []string{"license-manager", "checkout-license", "--product-sku", "CLI", "--checkout-type", "PROVISIONAL",
		"--key-fingerprint", fp, "--entitlements", "Name=Seats,Value=1,Unit=Count", "--beneficiary", "customer-1"}
	out, stderr, code := s.awsCLI(acct, append(args, "--client-token", "cli-1")...)
	if code != 0 || out["LicenseConsumptionToken"] == nil {
		t.Fatalf("checkout-license: %d %s %v", code, stderr, out)
	}
	_, stderr, code = s.awsCLI(acct, append(args, "--client-token", "cli-2")...)
	if code == 0 || !strings.Contains(stderr, "NoEntitlementsAllowedException") {
		t.Fatalf("2nd seat of 1: %d %s", code, stderr)
	}
	_, stderr, code = s.awsCLI(acct, "license-manager", "check-in-license", "--license-consumption-token", out["LicenseConsumptionToken"].(string))
	if code != 0 {
		t.Fatalf("check-in-license: %s", stderr)
	}
}
