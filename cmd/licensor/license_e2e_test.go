package main

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager"
	"github.com/aws/aws-sdk-go-v2/service/licensemanager/types"
	"github.com/aws/smithy-go"
)

// fullLicense is a CreateLicense request that sets every member the model has.
func fullLicense(token string) *licensemanager.CreateLicenseInput {
	in := &licensemanager.CreateLicenseInput{
		LicenseName: aws.String("Acme Pro"),
		ProductName: aws.String("Acme Analytics"),
		ProductSKU:  aws.String("ACME-PRO"),
		Issuer:      &types.Issuer{Name: aws.String("Acme Software")},
		HomeRegion:  aws.String("us-east-1"),
		Validity:    &types.DatetimeRange{Begin: aws.String("2026-01-01T00:00:00Z"), End: aws.String("2036-01-01T00:00:00.000+02:00")},
		Beneficiary: aws.String("customer@example.com"),
		ConsumptionConfiguration: &types.ConsumptionConfiguration{
			RenewType:                types.RenewTypeMonthly,
			ProvisionalConfiguration: &types.ProvisionalConfiguration{MaxTimeToLiveInMinutes: aws.Int32(90)},
			BorrowConfiguration:      &types.BorrowConfiguration{AllowEarlyCheckIn: aws.Bool(true), MaxTimeToLiveInMinutes: aws.Int32(4320)},
		},
		LicenseMetadata: []types.Metadata{
			{Name: aws.String("description"), Value: aws.String("Pro plan")},
			{Name: aws.String("agreement-url"), Value: aws.String("https://acme.example/eula")},
		},
		Tags:        []types.Tag{{Key: aws.String("team"), Value: aws.String("sales")}},
		ClientToken: aws.String(token),
	}
	for i, u := range types.EntitlementUnit("").Values() {
		e := types.Entitlement{Name: aws.String(fmt.Sprintf("E%02d-%s", i, u)), Unit: u}
		if u == types.EntitlementUnitNone {
			e.Value = aws.String("Enabled")
		} else {
			e.MaxCount = aws.Int64(int64(1000 + i))
			e.Overage = aws.Bool(i%2 == 0)
			e.AllowCheckIn = aws.Bool(i%3 == 0)
		}
		in.Entitlements = append(in.Entitlements, e)
	}
	return in
}

func awsErrorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func TestLicenseLifecycleWithSDK(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	seller := s.createAccount("Acme Software")
	lm := s.sdk(seller)

	if len(types.EntitlementUnit("").Values()) != 27 {
		t.Fatalf("the SDK lists %d units, want 27", len(types.EntitlementUnit("").Values()))
	}
	in := fullLicense("create-1")
	created, err := lm.CreateLicense(ctx, in)
	if err != nil {
		t.Fatalf("CreateLicense: %v", err)
	}
	arn := aws.ToString(created.LicenseArn)
	if !strings.HasPrefix(arn, "arn:aws:license-manager::"+seller.AccountId+":license:l-") || len(arn) != len("arn:aws:license-manager::123456789012:license:l-")+32 {
		t.Fatalf("LicenseArn = %q", arn)
	}
	if created.Status != types.LicenseStatusAvailable || aws.ToString(created.Version) != "1" {
		t.Fatalf("CreateLicense = %+v", created)
	}

	// Same ClientToken, same request: the same answer and still one license.
	again, err := lm.CreateLicense(ctx, fullLicense("create-1"))
	if err != nil || aws.ToString(again.LicenseArn) != arn {
		t.Fatalf("idempotent CreateLicense = %v, %v", again, err)
	}
	// Same ClientToken, different request: an error, never a second license.
	other := fullLicense("create-1")
	other.LicenseName = aws.String("Something else")
	if _, err := lm.CreateLicense(ctx, other); awsErrorCode(err) != "ValidationException" {
		t.Fatalf("reused ClientToken: %v", err)
	}
	list, err := lm.ListLicenses(ctx, &licensemanager.ListLicensesInput{})
	if err != nil || len(list.Licenses) != 1 {
		t.Fatalf("ListLicenses after retries = %d, %v", len(list.Licenses), err)
	}

	// GetLicense echoes every field exactly.
	got, err := lm.GetLicense(ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(arn)})
	if err != nil {
		t.Fatalf("GetLicense: %v", err)
	}
	l := got.License
	wantFP := "aws:" + seller.AccountId + ":Acme Software:issuer-fingerprint"
	if aws.ToString(l.Issuer.KeyFingerprint) != wantFP || aws.ToString(l.Issuer.Name) != "Acme Software" {
		t.Fatalf("Issuer = %+v, want fingerprint %s", l.Issuer, wantFP)
	}
	if !reflect.DeepEqual(l.Entitlements, in.Entitlements) {
		t.Fatalf("Entitlements differ:\n got %+v\nwant %+v", l.Entitlements, in.Entitlements)
	}
	if !reflect.DeepEqual(l.ConsumptionConfiguration, in.ConsumptionConfiguration) {
		t.Fatalf("ConsumptionConfiguration = %+v", l.ConsumptionConfiguration)
	}
	if !reflect.DeepEqual(l.LicenseMetadata, in.LicenseMetadata) || !reflect.DeepEqual(l.Validity, in.Validity) {
		t.Fatalf("metadata/validity = %+v %+v", l.LicenseMetadata, l.Validity)
	}
	for name, pair := range map[string][2]string{
		"LicenseName": {aws.ToString(l.LicenseName), "Acme Pro"},
		"ProductName": {aws.ToString(l.ProductName), "Acme Analytics"},
		"ProductSKU":  {aws.ToString(l.ProductSKU), "ACME-PRO"},
		"HomeRegion":  {aws.ToString(l.HomeRegion), "us-east-1"},
		"Beneficiary": {aws.ToString(l.Beneficiary), "customer@example.com"},
		"Status":      {string(l.Status), "AVAILABLE"},
		"Version":     {aws.ToString(l.Version), "1"},
		"LicenseArn":  {aws.ToString(l.LicenseArn), arn},
	} {
		if pair[0] != pair[1] {
			t.Errorf("%s = %q, want %q", name, pair[0], pair[1])
		}
	}
	if aws.ToString(l.CreateTime) == "" {
		t.Error("CreateTime is empty")
	}

	// CreateLicenseVersion: the current SourceVersion writes version 2.
	v2 := &licensemanager.CreateLicenseVersionInput{
		LicenseArn: aws.String(arn), LicenseName: aws.String("Acme Pro 2"), ProductName: in.ProductName,
		Issuer: in.Issuer, HomeRegion: in.HomeRegion, Validity: in.Validity,
		Entitlements:             []types.Entitlement{{Name: aws.String("Seats"), Unit: types.EntitlementUnitCount, MaxCount: aws.Int64(10)}},
		ConsumptionConfiguration: &types.ConsumptionConfiguration{RenewType: types.RenewTypeNone},
		Status:                   types.LicenseStatusDeactivated, SourceVersion: aws.String("1"), ClientToken: aws.String("v2"),
	}
	out, err := lm.CreateLicenseVersion(ctx, v2)
	if err != nil || aws.ToString(out.Version) != "2" || out.Status != types.LicenseStatusDeactivated {
		t.Fatalf("CreateLicenseVersion = %+v, %v", out, err)
	}
	stale := *v2
	stale.ClientToken = aws.String("v2-stale")
	var ce *types.ConflictException
	if _, err := lm.CreateLicenseVersion(ctx, &stale); !errors.As(err, &ce) {
		t.Fatalf("stale SourceVersion: %v, want ConflictException", err)
	}
	old, err := lm.GetLicense(ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(arn), Version: aws.String("1")})
	if err != nil || aws.ToString(old.License.LicenseName) != "Acme Pro" || len(old.License.Entitlements) != 27 || old.License.Status != types.LicenseStatusAvailable {
		t.Fatalf("version 1 changed: %+v %v", old, err)
	}
	cur, _ := lm.GetLicense(ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(arn)})
	if aws.ToString(cur.License.Version) != "2" || cur.License.Status != types.LicenseStatusDeactivated {
		t.Fatalf("current = %+v", cur.License)
	}
	// Reactivate through a new version.
	v3 := *v2
	v3.Status, v3.SourceVersion, v3.ClientToken = types.LicenseStatusAvailable, aws.String("2"), aws.String("v3")
	if out, err := lm.CreateLicenseVersion(ctx, &v3); err != nil || aws.ToString(out.Version) != "3" {
		t.Fatalf("v3: %v %v", out, err)
	}
	vers, err := lm.ListLicenseVersions(ctx, &licensemanager.ListLicenseVersionsInput{LicenseArn: aws.String(arn), MaxResults: aws.Int32(2)})
	if err != nil || len(vers.Licenses) != 2 || vers.NextToken == nil {
		t.Fatalf("ListLicenseVersions page 1: %v %v", vers, err)
	}
	vers2, err := lm.ListLicenseVersions(ctx, &licensemanager.ListLicenseVersionsInput{LicenseArn: aws.String(arn), MaxResults: aws.Int32(2), NextToken: vers.NextToken})
	if err != nil || len(vers2.Licenses) != 1 || vers2.NextToken != nil || aws.ToString(vers2.Licenses[0].Version) != "3" {
		t.Fatalf("ListLicenseVersions page 2: %v %v", vers2, err)
	}

	// Another account sees the same error as for a license that does not exist.
	stranger := s.sdk(s.createAccount("Stranger"))
	missing := "arn:aws:license-manager::" + seller.AccountId + ":license:l-00000000000000000000000000000000"
	_, errOther := stranger.GetLicense(ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(arn)})
	_, errMissing := lm.GetLicense(ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(missing)})
	if awsErrorCode(errOther) == "" || awsErrorCode(errOther) != awsErrorCode(errMissing) {
		t.Fatalf("stranger: %v; missing: %v", errOther, errMissing)
	}
	if strings.Contains(errOther.Error(), "another account") || strings.Replace(errOther.Error(), arn, missing, -1) != strings.Replace(errMissing.Error(), arn, missing, -1) {
		// Messages differ only by the ARN, never by what the caller may not see.
		a := strings.SplitN(errOther.Error(), "api error", 2)
		b := strings.SplitN(errMissing.Error(), "api error", 2)
		if len(a) == 2 && len(b) == 2 && strings.Replace(a[1], arn, missing, -1) != b[1] {
			t.Fatalf("errors reveal existence:\n%v\n%v", errOther, errMissing)
		}
	}
	if _, err := stranger.DeleteLicense(ctx, &licensemanager.DeleteLicenseInput{LicenseArn: aws.String(arn), SourceVersion: aws.String("3")}); err == nil {
		t.Fatal("stranger deleted the license")
	}
	if _, err := stranger.CreateLicenseVersion(ctx, &v3); err == nil {
		t.Fatal("stranger wrote a version")
	}
	if l, _ := stranger.ListLicenses(ctx, &licensemanager.ListLicensesInput{}); len(l.Licenses) != 0 {
		t.Fatalf("stranger lists %d licenses", len(l.Licenses))
	}

	// DeleteLicense: stale version conflicts; current one deletes; still readable.
	if _, err := lm.DeleteLicense(ctx, &licensemanager.DeleteLicenseInput{LicenseArn: aws.String(arn), SourceVersion: aws.String("2")}); !errors.As(err, &ce) {
		t.Fatalf("DeleteLicense stale: %v", err)
	}
	del, err := lm.DeleteLicense(ctx, &licensemanager.DeleteLicenseInput{LicenseArn: aws.String(arn), SourceVersion: aws.String("3")})
	if err != nil || del.Status != types.LicenseDeletionStatusPendingDelete || aws.ToString(del.DeletionDate) == "" {
		t.Fatalf("DeleteLicense = %+v, %v", del, err)
	}
	gone, err := lm.GetLicense(ctx, &licensemanager.GetLicenseInput{LicenseArn: aws.String(arn)})
	if err != nil || gone.License.Status != types.LicenseStatusPendingDelete {
		t.Fatalf("deleted license read = %+v, %v", gone, err)
	}
	if _, err := lm.CreateLicenseVersion(ctx, &licensemanager.CreateLicenseVersionInput{
		LicenseArn: aws.String(arn), LicenseName: v2.LicenseName, ProductName: v2.ProductName, Issuer: v2.Issuer,
		HomeRegion: v2.HomeRegion, Validity: v2.Validity, Entitlements: v2.Entitlements,
		ConsumptionConfiguration: v2.ConsumptionConfiguration, Status: types.LicenseStatusAvailable, ClientToken: aws.String("after-delete"),
	}); !errors.As(err, &ce) {
		t.Fatalf("new version of a deleted license: %v", err)
	}
	// The same SKU can be issued again.
	if _, err := lm.CreateLicense(ctx, fullLicense("create-2")); err != nil {
		t.Fatalf("recreate SKU: %v", err)
	}
}

func TestListLicensesFiltersAndPaging(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	seller := s.createAccount("Seller")
	lm := s.sdk(seller)
	var arns []string
	for i := 0; i < 7; i++ {
		in := fullLicense(fmt.Sprintf("tok-%d", i))
		in.ProductSKU = aws.String([]string{"SKU-A", "SKU-B"}[i%2])
		in.Beneficiary = aws.String(fmt.Sprintf("cust-%d", i%3))
		in.Issuer = &types.Issuer{Name: aws.String([]string{"Issuer One", "Issuer Two"}[i%2])}
		out, err := lm.CreateLicense(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		arns = append(arns, aws.ToString(out.LicenseArn))
	}
	if _, err := lm.DeleteLicense(ctx, &licensemanager.DeleteLicenseInput{LicenseArn: aws.String(arns[6]), SourceVersion: aws.String("1")}); err != nil {
		t.Fatal(err)
	}
	count := func(filters []types.Filter, arnList []string) int {
		t.Helper()
		n := 0
		var token *string
		for {
			out, err := lm.ListLicenses(ctx, &licensemanager.ListLicensesInput{Filters: filters, LicenseArns: arnList, MaxResults: aws.Int32(2), NextToken: token})
			if err != nil {
				t.Fatalf("ListLicenses(%v): %v", filters, err)
			}
			if len(out.Licenses) > 2 {
				t.Fatalf("page of %d > MaxResults 2", len(out.Licenses))
			}
			n += len(out.Licenses)
			if token = out.NextToken; token == nil {
				return n
			}
		}
	}
	f := func(name string, values ...string) types.Filter {
		return types.Filter{Name: aws.String(name), Values: values}
	}
	for _, tc := range []struct {
		filters []types.Filter
		arns    []string
		want    int
	}{
		{nil, nil, 7},
		{[]types.Filter{f("ProductSKU", "SKU-A")}, nil, 4},
		{[]types.Filter{f("ProductSKU", "SKU-B")}, nil, 3},
		{[]types.Filter{f("Beneficiary", "cust-0")}, nil, 3},
		{[]types.Filter{f("Fingerprint", "aws:"+seller.AccountId+":Issuer Two:issuer-fingerprint")}, nil, 3},
		{[]types.Filter{f("Status", "AVAILABLE")}, nil, 6},
		{[]types.Filter{f("Status", "PENDING_DELETE")}, nil, 1},
		{[]types.Filter{f("ProductSKU", "SKU-A"), f("Beneficiary", "cust-0")}, nil, 2},
		{nil, arns[:3], 3},
	} {
		if got := count(tc.filters, tc.arns); got != tc.want {
			t.Errorf("filters %v arns %d: %d licenses, want %d", tc.filters, len(tc.arns), got, tc.want)
		}
	}
	for _, bad := range []*licensemanager.ListLicensesInput{
		{Filters: []types.Filter{f("Color", "red")}},
		{Filters: []types.Filter{f("Status", "SHINY")}},
		{MaxResults: aws.Int32(0)},
		{MaxResults: aws.Int32(101)},
		{NextToken: aws.String("garbage")},
		{LicenseArns: []string{"not-an-arn"}},
	} {
		_, err := lm.ListLicenses(ctx, bad)
		if code := awsErrorCode(err); code != "ValidationException" && code != "InvalidParameterValueException" {
			t.Errorf("ListLicenses(%+v) = %v, want a validation error", bad, err)
		}
	}
}
