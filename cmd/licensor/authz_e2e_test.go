package main

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
)

// TestAuthorizationMatrix drives every license, grant and consumption
// operation as each kind of caller, through the SDK against a real server,
// and checks the exact outcome: allowed, or the AWS error.
func TestAuthorizationMatrix(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	acct := map[string]testAccount{}
	for _, role := range []string{"issuer", "active", "pending", "rejected", "lacking", "orgmgmt", "orgmember", "stranger"} {
		acct[role] = s.createAccount(role)
	}
	target := s.createAccount("grant target") // receives the CreateGrant row's grants
	lm := map[string]*licensemanager.Client{}
	for role, a := range acct {
		lm[role] = s.sdk(a)
	}
	arn, fp := seatsLicense(t, lm["issuer"], "MATRIX", 1000)
	all := ops(types.AllowedOperationCheckoutLicense, types.AllowedOperationCheckInLicense,
		types.AllowedOperationExtendConsumptionLicense, types.AllowedOperationListPurchasedLicenses)
	grants := map[string]string{
		"active":   grantTo(t, lm["issuer"], arn, principal(acct["active"]), all, "g-active"),
		"pending":  grantTo(t, lm["issuer"], arn, principal(acct["pending"]), all, "g-pending"),
		"rejected": grantTo(t, lm["issuer"], arn, principal(acct["rejected"]), all, "g-rejected"),
		"lacking":  grantTo(t, lm["issuer"], arn, principal(acct["lacking"]), ops(types.AllowedOperationCheckoutLicense), "g-lacking"),
	}
	acceptAndActivate(t, lm["active"], grants["active"])
	acceptAndActivate(t, lm["lacking"], grants["lacking"])
	if _, err := lm["rejected"].RejectGrant(ctx, &licensemanager.RejectGrantInput{GrantArn: aws.String(grants["rejected"])}); err != nil {
		t.Fatal(err)
	}
	var org struct {
		Organization struct{ OrganizationId, PrincipalArn string }
	}
	if err := s.rootClient().Call(ctx, "Licensor.CreateOrganization", map[string]string{"ManagementAccountId": acct["orgmgmt"].AccountId}, &org); err != nil {
		t.Fatal(err)
	}
	if err := s.rootClient().Call(ctx, "Licensor.AddOrganizationMember", map[string]string{"OrganizationId": org.Organization.OrganizationId, "AccountId": acct["orgmember"].AccountId}, nil); err != nil {
		t.Fatal(err)
	}
	grants["orgmgmt"] = grantTo(t, lm["issuer"], arn, []string{org.Organization.PrincipalArn}, all, "g-org")
	acceptAndActivate(t, lm["orgmgmt"], grants["orgmgmt"])

	// Each caller that may check out holds one checkout for the check-in and extend rows.
	tokens := map[string]string{}
	for _, role := range []string{"issuer", "active", "lacking", "orgmember"} {
		ben := ""
		if role == "issuer" {
			ben = "customer-1"
		}
		out, err := checkoutSeats(lm[role], "MATRIX", fp, "held-"+role, ben, 1)
		if err != nil {
			t.Fatalf("%s checkout: %v", role, err)
		}
		tokens[role] = aws.ToString(out.LicenseConsumptionToken)
	}

	const ok = ""
	type op func(role string) error
	n := 0
	operations := []struct {
		name string
		call op
		want map[string]string // role → error code ("" allowed)
	}{
		{"GetLicense", func(r string) error {
			_, err := lm[r].GetLicense(ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(arn)})
			return err
		}, map[string]string{"issuer": ok, "active": ok, "pending": ok, "rejected": "InvalidParameterValueException", "lacking": ok,
			"orgmgmt": ok, "orgmember": ok, "stranger": "InvalidParameterValueException"}},
		{"CheckoutLicense", func(r string) error {
			n++
			ben := ""
			if r == "issuer" {
				ben = "customer-1"
			}
			_, err := checkoutSeats(lm[r], "MATRIX", fp, fmt.Sprint("m-", r, n), ben, 1)
			return err
		}, map[string]string{"issuer": ok, "active": ok, "pending": "ResourceNotFoundException", "rejected": "ResourceNotFoundException",
			"lacking": ok, "orgmgmt": ok, "orgmember": ok, "stranger": "ResourceNotFoundException"}},
		{"ExtendLicenseConsumption", func(r string) error {
			tok, has := tokens[r]
			if !has {
				tok = tokens["active"] // someone else's checkout
			}
			_, err := lm[r].ExtendLicenseConsumption(ctx, &licensemanager.ExtendLicenseConsumptionInput{LicenseConsumptionToken: aws.String(tok)})
			return err
		}, map[string]string{"issuer": ok, "active": ok, "pending": "ResourceNotFoundException", "rejected": "ResourceNotFoundException",
			"lacking": "AccessDeniedException", "orgmgmt": "ResourceNotFoundException", "orgmember": ok, "stranger": "ResourceNotFoundException"}},
		{"CheckInLicense", func(r string) error {
			tok, has := tokens[r]
			if !has {
				tok = tokens["active"]
			}
			_, err := lm[r].CheckInLicense(ctx, &licensemanager.CheckInLicenseInput{LicenseConsumptionToken: aws.String(tok)})
			return err
		}, map[string]string{"issuer": ok, "pending": "ResourceNotFoundException", "rejected": "ResourceNotFoundException",
			"lacking": "AccessDeniedException", "orgmgmt": "ResourceNotFoundException", "orgmember": ok, "stranger": "ResourceNotFoundException",
			"active": ok}},
		{"GetLicenseUsage", func(r string) error {
			_, err := lm[r].GetLicenseUsage(ctx, &licensemanager.GetLicenseUsageInput{LicenseArn: aws.String(arn)})
			return err
		}, map[string]string{"issuer": ok, "active": ok, "pending": ok, "rejected": "InvalidParameterValueException", "lacking": ok,
			"orgmgmt": ok, "orgmember": ok, "stranger": "InvalidParameterValueException"}},
		{"CreateLicenseVersion", func(r string) error {
			_, err := lm[r].CreateLicenseVersion(ctx, &licensemanager.CreateLicenseVersionInput{
				LicenseArn: aws.String(arn), LicenseName: aws.String("x"), ProductName: aws.String("x"), Issuer: &types.Issuer{Name: aws.String("Vendor")},
				HomeRegion: aws.String("us-east-1"), Validity: &types.DatetimeRange{Begin: aws.String("2020-01-01T00:00:00Z")},
				Entitlements:             []types.Entitlement{{Name: aws.String("Seats"), Unit: types.EntitlementUnitCount, MaxCount: aws.Int64(1000), AllowCheckIn: aws.Bool(true)}},
				ConsumptionConfiguration: &types.ConsumptionConfiguration{}, Status: types.LicenseStatusAvailable, ClientToken: aws.String("v-" + r),
			})
			return err
		}, map[string]string{"issuer": ok, "active": "ResourceNotFoundException", "pending": "ResourceNotFoundException", "rejected": "ResourceNotFoundException",
			"lacking": "ResourceNotFoundException", "orgmgmt": "ResourceNotFoundException", "orgmember": "ResourceNotFoundException", "stranger": "ResourceNotFoundException"}},
		{"ListReceivedLicenses has the license", func(r string) error {
			out, err := lm[r].ListReceivedLicenses(ctx, &licensemanager.ListReceivedLicensesInput{})
			if err != nil {
				return err
			}
			for _, l := range out.Licenses {
				if aws.ToString(l.LicenseArn) == arn {
					return nil
				}
			}
			return fmt.Errorf("absent")
		}, map[string]string{"issuer": "absent", "active": ok, "pending": ok, "rejected": ok, "lacking": "absent",
			"orgmgmt": ok, "orgmember": ok, "stranger": "absent"}},
		{"GetGrant of the active grant", func(r string) error {
			_, err := lm[r].GetGrant(ctx, &licensemanager.GetGrantInput{GrantArn: aws.String(grants["active"])})
			return err
		}, map[string]string{"issuer": ok, "active": ok, "pending": "InvalidParameterValueException", "rejected": "InvalidParameterValueException",
			"lacking": "InvalidParameterValueException", "orgmgmt": "InvalidParameterValueException", "orgmember": "InvalidParameterValueException",
			"stranger": "InvalidParameterValueException"}},
		{"AcceptGrant of the pending grant", func(r string) error {
			_, err := lm[r].AcceptGrant(ctx, &licensemanager.AcceptGrantInput{GrantArn: aws.String(grants["pending"])})
			return err
		}, map[string]string{"issuer": "AccessDeniedException", "active": "InvalidParameterValueException", "rejected": "InvalidParameterValueException",
			"lacking": "InvalidParameterValueException", "orgmgmt": "InvalidParameterValueException", "orgmember": "InvalidParameterValueException",
			"stranger": "InvalidParameterValueException", "pending": ok}},
		{"CreateGrant", func(r string) error {
			_, err := lm[r].CreateGrant(ctx, &licensemanager.CreateGrantInput{ClientToken: aws.String("cg-" + r), GrantName: aws.String("x"),
				LicenseArn: aws.String(arn), Principals: principal(target), HomeRegion: aws.String("us-east-1"),
				AllowedOperations: ops(types.AllowedOperationCheckoutLicense)})
			return err
		}, map[string]string{"issuer": ok, "active": "AccessDeniedException", "pending": "AccessDeniedException", "rejected": "InvalidParameterValueException",
			"lacking": "AccessDeniedException", "orgmgmt": "AccessDeniedException", "orgmember": "AccessDeniedException", "stranger": "InvalidParameterValueException"}},
		{"DeleteLicense", func(r string) error {
			_, err := lm[r].DeleteLicense(ctx, &licensemanager.DeleteLicenseInput{LicenseArn: aws.String(arn), SourceVersion: aws.String("999")})
			return err
		}, map[string]string{"issuer": "ConflictException", "active": "InvalidParameterValueException", "pending": "InvalidParameterValueException",
			"rejected": "InvalidParameterValueException", "lacking": "InvalidParameterValueException", "orgmgmt": "InvalidParameterValueException",
			"orgmember": "InvalidParameterValueException", "stranger": "InvalidParameterValueException"}},
	}
	for _, o := range operations {
		for _, role := range []string{"issuer", "active", "pending", "rejected", "lacking", "orgmgmt", "orgmember", "stranger"} {
			want, listed := o.want[role]
			if !listed {
				t.Fatalf("%s: no expectation for %s", o.name, role)
			}
			err := o.call(role)
			got := ""
			if err != nil {
				if got = awsErrorCode(err); got == "" {
					got = err.Error()
				}
			}
			if got != want {
				t.Errorf("%-36s as %-9s: got %q, want %q (%v)", o.name, role, got, want, err)
			}
		}
	}
}
