package main

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
)

func principal(acct testAccount) []string {
	return []string{"arn:aws:iam::" + acct.AccountId + ":root"}
}

func ops(names ...types.AllowedOperation) []types.AllowedOperation { return names }

// grantTo creates a grant and returns its ARN.
func grantTo(t *testing.T, lm *licensemanager.Client, licenseARN string, principals []string, allowed []types.AllowedOperation, token string) string {
	t.Helper()
	out, err := lm.CreateGrant(context.Background(), &licensemanager.CreateGrantInput{
		ClientToken: aws.String(token), GrantName: aws.String("grant " + token), LicenseArn: aws.String(licenseARN),
		Principals: principals, HomeRegion: aws.String("us-east-1"), AllowedOperations: allowed,
	})
	if err != nil {
		t.Fatalf("CreateGrant %s: %v", token, err)
	}
	if out.Status != types.GrantStatusPendingAccept || aws.ToString(out.Version) != "1" {
		t.Fatalf("CreateGrant = %+v", out)
	}
	return aws.ToString(out.GrantArn)
}

// acceptAndActivate runs the grantee's side of the AWS grant flow.
func acceptAndActivate(t *testing.T, lm *licensemanager.Client, grantARN string) {
	t.Helper()
	ctx := context.Background()
	acc, err := lm.AcceptGrant(ctx, &licensemanager.AcceptGrantInput{GrantArn: aws.String(grantARN)})
	if err != nil || acc.Status != types.GrantStatusDisabled {
		t.Fatalf("AcceptGrant = %+v, %v", acc, err)
	}
	act, err := lm.CreateGrantVersion(ctx, &licensemanager.CreateGrantVersionInput{
		GrantArn: aws.String(grantARN), Status: types.GrantStatusActive, ClientToken: aws.String("activate-" + grantARN),
	})
	if err != nil || act.Status != types.GrantStatusActive {
		t.Fatalf("activate = %+v, %v", act, err)
	}
}

func checkoutSeats(lm *licensemanager.Client, sku, fp, token, beneficiary string, n int) (*licensemanager.CheckoutLicenseOutput, error) {
	in := &licensemanager.CheckoutLicenseInput{
		ProductSKU: aws.String(sku), CheckoutType: types.CheckoutTypeProvisional, KeyFingerprint: aws.String(fp),
		Entitlements: []types.EntitlementData{{Name: aws.String("Seats"), Unit: types.EntitlementDataUnitCount, Value: aws.String(fmt.Sprint(n))}},
		ClientToken:  aws.String(token), NodeId: aws.String("buyer-host"),
	}
	if beneficiary != "" {
		in.Beneficiary = aws.String(beneficiary)
	}
	return lm.CheckoutLicense(context.Background(), in)
}

// TestGrantFlowWithSDK is the seed documents' flow, end to end: the seller
// creates a license with 10 floating seats and grants it; the buyer accepts
// and activates; the buyer's software checks out 10 seats, the 11th fails, a
// check-in frees one; the seller sees the usage; a new version reaches the
// buyer without any action; deleting the grant stops checkouts at once.
func TestGrantFlowWithSDK(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	seller, buyer := s.createAccount("Acme Software"), s.createAccount("Buyer Corp")
	slm, blm := s.sdk(seller), s.sdk(buyer)
	arn, fp := seatsLicense(t, slm, "FLOW", 10)

	g := grantTo(t, slm, arn, principal(buyer), ops(types.AllowedOperationCheckoutLicense, types.AllowedOperationCheckInLicense,
		types.AllowedOperationExtendConsumptionLicense, types.AllowedOperationListPurchasedLicenses), "flow")
	recv, err := blm.ListReceivedGrants(ctx, &licensemanager.ListReceivedGrantsInput{})
	if err != nil || len(recv.Grants) != 1 || recv.Grants[0].GrantStatus != types.GrantStatusPendingAccept || aws.ToString(recv.Grants[0].ParentArn) != arn {
		t.Fatalf("ListReceivedGrants = %+v, %v", recv, err)
	}
	if _, err := checkoutSeats(blm, "FLOW", fp, "early", "", 1); err == nil {
		t.Fatal("checkout before the grant is active")
	}
	acceptAndActivate(t, blm, g)
	rl, err := blm.ListReceivedLicenses(ctx, &licensemanager.ListReceivedLicensesInput{})
	if err != nil || len(rl.Licenses) != 1 || rl.Licenses[0].ReceivedMetadata.ReceivedStatus != types.ReceivedStatusActive ||
		aws.ToString(rl.Licenses[0].LicenseArn) != arn || len(rl.Licenses[0].ReceivedMetadata.AllowedOperations) != 4 {
		t.Fatalf("ListReceivedLicenses = %+v, %v", rl, err)
	}
	var tokens []string
	for i := 0; i < 10; i++ {
		out, err := checkoutSeats(blm, "FLOW", fp, fmt.Sprint("seat-", i), "", 1)
		if err != nil {
			t.Fatalf("buyer seat %d: %v", i, err)
		}
		tokens = append(tokens, aws.ToString(out.LicenseConsumptionToken))
	}
	var nea *types.NoEntitlementsAllowedException
	if _, err := checkoutSeats(blm, "FLOW", fp, "seat-10", "", 1); !errors.As(err, &nea) {
		t.Fatalf("11th seat: %v", err)
	}
	if _, err := blm.CheckInLicense(ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: aws.String(tokens[0])}); err != nil {
		t.Fatal(err)
	}
	if _, err := checkoutSeats(blm, "FLOW", fp, "seat-11", "", 1); err != nil {
		t.Fatalf("checkout after check-in: %v", err)
	}
	usage, err := slm.GetLicenseUsage(ctx, &licensemanager.GetLicenseUsageInput{LicenseArn: aws.String(arn)})
	if err != nil || aws.ToString(usage.LicenseUsage.EntitlementUsages[0].ConsumedValue) != "10" {
		t.Fatalf("seller's usage = %+v, %v", usage, err)
	}
	// A renewal with 15 seats reaches the buyer with no action on its side.
	cur, _ := slm.GetLicense(ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(arn)})
	l := cur.License
	l.Entitlements[0].MaxCount = aws.Int64(15)
	if _, err := slm.CreateLicenseVersion(ctx, &licensemanager.CreateLicenseVersionInput{
		LicenseArn: aws.String(arn), LicenseName: l.LicenseName, ProductName: l.ProductName,
		Issuer: &types.Issuer{Name: l.Issuer.Name}, HomeRegion: l.HomeRegion, Validity: l.Validity,
		Entitlements: l.Entitlements, ConsumptionConfiguration: l.ConsumptionConfiguration,
		Status: types.LicenseStatusAvailable, SourceVersion: l.Version, ClientToken: aws.String("renewal"),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := checkoutSeats(blm, "FLOW", fp, "after-renewal", "", 5); err != nil {
		t.Fatalf("checkout of the renewal's seats: %v", err)
	}
	// Deleting the grant stops new checkouts at once.
	gv, _ := slm.GetGrant(ctx, &licensemanager.GetGrantInput{GrantArn: aws.String(g)})
	if _, err := slm.DeleteGrant(ctx, &licensemanager.DeleteGrantInput{GrantArn: aws.String(g), Version: gv.Grant.Version}); err != nil {
		t.Fatal(err)
	}
	if _, err := blm.CheckInLicense(ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: aws.String(tokens[1])}); err == nil {
		t.Fatal("check-in allowed after the grant was deleted")
	}
	var rnf *types.ResourceNotFoundException
	if _, err := checkoutSeats(blm, "FLOW", fp, "after-delete", "", 1); !errors.As(err, &rnf) {
		t.Fatalf("checkout after the grant was deleted: %v", err)
	}
}

// TestRedistributionInOrganization: a buyer holding CreateGrant
// redistributes to a member of its organization, never more operations
// than it holds and never outside it; deleting its grant disables the
// sub-grant.
func TestRedistributionInOrganization(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	seller, buyer, member, outsider := s.createAccount("Seller"), s.createAccount("Buyer"), s.createAccount("Member"), s.createAccount("Outsider")
	slm, blm, mlm := s.sdk(seller), s.sdk(buyer), s.sdk(member)
	arn, fp := seatsLicense(t, slm, "ORG", 10)
	var org struct {
		Organization struct{ OrganizationId string }
	}
	if err := s.rootClient().Call(ctx, "Licensor.CreateOrganization", map[string]string{"ManagementAccountId": buyer.AccountId, "Name": "Buyer org"}, &org); err != nil {
		t.Fatal(err)
	}
	if err := s.rootClient().Call(ctx, "Licensor.AddOrganizationMember", map[string]string{"OrganizationId": org.Organization.OrganizationId, "AccountId": member.AccountId}, nil); err != nil {
		t.Fatal(err)
	}
	parent := grantTo(t, slm, arn, principal(buyer), ops(types.AllowedOperationCreateGrant, types.AllowedOperationCheckoutLicense,
		types.AllowedOperationCheckInLicense, types.AllowedOperationListPurchasedLicenses), "parent")
	acceptAndActivate(t, blm, parent)

	if _, err := blm.CreateGrant(ctx, &licensemanager.CreateGrantInput{ClientToken: aws.String("outside"), GrantName: aws.String("x"),
		LicenseArn: aws.String(arn), Principals: principal(outsider), HomeRegion: aws.String("us-east-1"),
		AllowedOperations: ops(types.AllowedOperationCheckoutLicense)}); awsErrorCode(err) != "AccessDeniedException" {
		t.Fatalf("redistribution outside the organization: %v", err)
	}
	if _, err := blm.CreateGrant(ctx, &licensemanager.CreateGrantInput{ClientToken: aws.String("more"), GrantName: aws.String("x"),
		LicenseArn: aws.String(arn), Principals: principal(member), HomeRegion: aws.String("us-east-1"),
		AllowedOperations: ops(types.AllowedOperationCheckoutBorrowLicense)}); awsErrorCode(err) != "ValidationException" {
		t.Fatalf("redistribution of an operation not held: %v", err)
	}
	sub := grantTo(t, blm, arn, principal(member), ops(types.AllowedOperationCheckoutLicense, types.AllowedOperationCheckInLicense), "sub")
	got, err := mlm.GetGrant(ctx, &licensemanager.GetGrantInput{GrantArn: aws.String(sub)})
	if err != nil || aws.ToString(got.Grant.ParentArn) != parent {
		t.Fatalf("sub-grant = %+v, %v", got, err)
	}
	acceptAndActivate(t, mlm, sub)
	if _, err := checkoutSeats(mlm, "ORG", fp, "member-1", "", 1); err != nil {
		t.Fatalf("member checkout through the sub-grant: %v", err)
	}
	// Deleting the parent disables the sub-grant: the member's next checkout fails.
	pv, _ := slm.GetGrant(ctx, &licensemanager.GetGrantInput{GrantArn: aws.String(parent)})
	if _, err := slm.DeleteGrant(ctx, &licensemanager.DeleteGrantInput{GrantArn: aws.String(parent), Version: pv.Grant.Version}); err != nil {
		t.Fatal(err)
	}
	got, _ = mlm.GetGrant(ctx, &licensemanager.GetGrantInput{GrantArn: aws.String(sub)})
	if got.Grant.GrantStatus != types.GrantStatusDisabled {
		t.Fatalf("sub-grant after the parent was deleted: %s", got.Grant.GrantStatus)
	}
	if _, err := checkoutSeats(mlm, "ORG", fp, "member-2", "", 1); err == nil {
		t.Fatal("member checkout after the parent grant was deleted")
	}
}
