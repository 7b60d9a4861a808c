package licensor_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/licensorhq/licensor"
)

func TestKeyFingerprint(t *testing.T) {
	for _, tt := range []struct {
		name, account, issuer, want string
	}{
		{"plain", "123456789012", "Acme", "aws:123456789012:Acme:issuer-fingerprint"},
		{"slash", "123456789012", "acme/licensing", "aws:123456789012:acme/licensing:issuer-fingerprint"},
		{"colon", "123456789012", "acme:prod", "aws:123456789012:acme:prod:issuer-fingerprint"},
		{"spaces", "000000000000", "Acme Corp Ltd", "aws:000000000000:Acme Corp Ltd:issuer-fingerprint"},
		{"suffix inside name", "123456789012", "x:issuer-fingerprint", "aws:123456789012:x:issuer-fingerprint:issuer-fingerprint"},
		{"only colon", "123456789012", ":", "aws:123456789012:::issuer-fingerprint"},
		{"unicode", "999999999999", "Émetteur 証明", "aws:999999999999:Émetteur 証明:issuer-fingerprint"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fp := licensor.KeyFingerprint(tt.account, tt.issuer)
			if fp != tt.want {
				t.Fatalf("KeyFingerprint = %q, want %q", fp, tt.want)
			}
			acct, name, ok := licensor.ParseKeyFingerprint(fp)
			if !ok || acct != tt.account || name != tt.issuer {
				t.Fatalf("ParseKeyFingerprint(%q) = %q, %q, %v; want %q, %q, true", fp, acct, name, ok, tt.account, tt.issuer)
			}
		})
	}
}

func TestParseKeyFingerprintRejects(t *testing.T) {
	for _, tt := range []struct{ name, in string }{
		{"empty", ""},
		{"prefix only", "aws:"},
		{"no name", "aws:123456789012::issuer-fingerprint"},
		{"no name or separator", "aws:123456789012:issuer-fingerprint"},
		{"no suffix", "aws:123456789012:Acme"},
		{"wrong suffix", "aws:123456789012:Acme:fingerprint"},
		{"suffix upper-case", "aws:123456789012:Acme:ISSUER-FINGERPRINT"},
		{"trailing space", "aws:123456789012:Acme:issuer-fingerprint "},
		{"wrong prefix", "arn:123456789012:Acme:issuer-fingerprint"},
		{"upper-case prefix", "AWS:123456789012:Acme:issuer-fingerprint"},
		{"leading space", " aws:123456789012:Acme:issuer-fingerprint"},
		{"11-digit account", "aws:12345678901:Acme:issuer-fingerprint"},
		{"13-digit account", "aws:1234567890123:Acme:issuer-fingerprint"},
		{"letter in account", "aws:12345678901a:Acme:issuer-fingerprint"},
		{"dashes in account", "aws:1234-5678-9012:Acme:issuer-fingerprint"},
		{"full-width digits", "aws:１２３４５６７８９０１２:Acme:issuer-fingerprint"},
		{"empty account", "aws::Acme:issuer-fingerprint"},
		{"account not followed by colon", "aws:123456789012/Acme:issuer-fingerprint"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if acct, name, ok := licensor.ParseKeyFingerprint(tt.in); ok || acct != "" || name != "" {
				t.Fatalf("ParseKeyFingerprint(%q) = %q, %q, %v; want rejected", tt.in, acct, name, ok)
			}
		})
	}
}

func TestLicenseARN(t *testing.T) {
	const hex = "0123456789abcdef0123456789abcdef"
	arn := licensor.LicenseARN("123456789012", hex)
	if want := "arn:aws:license-manager::123456789012:license:l-" + hex; arn != want {
		t.Fatalf("LicenseARN = %q, want %q", arn, want)
	}
	if err := licensor.ValidateARN("LicenseArn", arn); err != nil {
		t.Fatalf("LicenseARN output is not a valid ARN: %v", err)
	}
	for _, tt := range []struct {
		name, in, want string // want "" when rejected
	}{
		{"valid", arn, "123456789012"},
		{"root account", licensor.LicenseARN("000000000000", hex), "000000000000"},
		{"empty", "", ""},
		{"upper-case hex", licensor.LicenseARN("123456789012", strings.ToUpper(hex)), ""},
		{"31 hex", licensor.LicenseARN("123456789012", hex[1:]), ""},
		{"33 hex", licensor.LicenseARN("123456789012", hex+"0"), ""},
		{"non-hex", licensor.LicenseARN("123456789012", "g"+hex[1:]), ""},
		{"11-digit account", licensor.LicenseARN("12345678901", hex+"0"), ""},
		{"letter in account", licensor.LicenseARN("12345678901x", hex), ""},
		{"other partition", "arn:aws-cn:license-manager::123456789012:license:l-" + hex, ""},
		{"with region", "arn:aws:license-manager:us-east-1:123456789012:license:l-" + hex, ""},
		{"grant", "arn:aws:license-manager::123456789012:grant:g-" + hex, ""},
		{"wrong id prefix", "arn:aws:license-manager::123456789012:license:x-" + hex, ""},
		{"trailing newline", arn + "\n", ""},
		{"trailing slash", arn + "/", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			acct, ok := licensor.ParseLicenseARN(tt.in)
			if tt.want == "" {
				if ok || acct != "" {
					t.Fatalf("ParseLicenseARN(%q) = %q, %v; want rejected", tt.in, acct, ok)
				}
				return
			}
			if !ok || acct != tt.want {
				t.Fatalf("ParseLicenseARN(%q) = %q, %v; want %q, true", tt.in, acct, ok, tt.want)
			}
		})
	}
}

func TestParseVersion(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int // 0: rejected
	}{
		{"1", 1},
		{"2", 2},
		{"42", 42},
		{"1000000", 1000000},
		{"0", 0},
		{"01", 0},
		{"-1", 0},
		{"+1", 0},
		{"x", 0},
		{"", 0},
		{" 1", 0},
		{"1 ", 0},
		{"1.0", 0},
		{"1e3", 0},
		{"0x10", 0},
		{"99999999999999999999999", 0},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := licensor.ParseVersion("SourceVersion", tt.in)
			if tt.want == 0 {
				if got != 0 {
					t.Errorf("ParseVersion(%q) = %d with its error, want 0", tt.in, got)
				}
				assertInvalid(t, err, 1, fmt.Sprintf("SourceVersion %q is not a valid version", tt.in))
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseVersion(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestDatetimeRange(t *testing.T) {
	r := licensor.DatetimeRange{Begin: "2024-01-01T01:00:00+01:00", End: "2025-01-01T00:00:00.5Z"}
	if got, want := r.BeginTime(), time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("BeginTime = %v, want %v", got, want)
	}
	if got, ok := r.EndTime(); !ok || !got.Equal(time.Date(2025, 1, 1, 0, 0, 0, 5e8, time.UTC)) {
		t.Errorf("EndTime = %v, %v", got, ok)
	}

	open := licensor.DatetimeRange{Begin: "2024-01-01T00:00:00Z"}
	if got, ok := open.EndTime(); ok || !got.IsZero() {
		t.Errorf("EndTime of open range = %v, %v; want zero, false", got, ok)
	}

	bad := licensor.DatetimeRange{Begin: "yesterday", End: "2024-01-01T00:00:00"}
	if got := bad.BeginTime(); !got.IsZero() {
		t.Errorf("BeginTime of invalid Begin = %v, want zero", got)
	}
	if got, ok := bad.EndTime(); ok || !got.IsZero() {
		t.Errorf("EndTime of invalid End = %v, %v; want zero, false", got, ok)
	}
}

func TestProvisionalTTL(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   licensor.ConsumptionConfiguration
		want time.Duration
	}{
		{"no configuration", licensor.ConsumptionConfiguration{}, 60 * time.Minute},
		{"borrow only", licensor.ConsumptionConfiguration{Borrow: &licensor.BorrowConfiguration{MaxTimeToLiveInMinutes: 5}}, 60 * time.Minute},
		{"zero", licensor.ConsumptionConfiguration{Provisional: &licensor.ProvisionalConfiguration{}}, 60 * time.Minute},
		{"negative", licensor.ConsumptionConfiguration{Provisional: &licensor.ProvisionalConfiguration{MaxTimeToLiveInMinutes: -5}}, 60 * time.Minute},
		{"one minute", licensor.ConsumptionConfiguration{Provisional: &licensor.ProvisionalConfiguration{MaxTimeToLiveInMinutes: 1}}, time.Minute},
		{"fifteen minutes", licensor.ConsumptionConfiguration{Provisional: &licensor.ProvisionalConfiguration{MaxTimeToLiveInMinutes: 15}}, 15 * time.Minute},
		{"a day", licensor.ConsumptionConfiguration{Provisional: &licensor.ProvisionalConfiguration{MaxTimeToLiveInMinutes: 1440}}, 24 * time.Hour},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.ProvisionalTTL(); got != tt.want {
				t.Fatalf("ProvisionalTTL = %v, want %v", got, tt.want)
			}
		})
	}
	if licensor.DefaultProvisionalTTL != 60*time.Minute {
		t.Errorf("DefaultProvisionalTTL = %v, want 60m", licensor.DefaultProvisionalTTL)
	}
}

// validLicenseFields returns fields that pass validation; cases change one
// thing each.
func validLicenseFields() licensor.LicenseFields {
	return licensor.LicenseFields{
		Name:        "Widget Pro",
		ProductName: "Widget",
		Issuer:      licensor.Issuer{Name: "Acme", SignKey: "file:///keys/acme.pem"},
		HomeRegion:  "us-east-1",
		Validity:    licensor.DatetimeRange{Begin: "2024-01-01T00:00:00Z", End: "2025-01-01T00:00:00Z"},
		Entitlements: []licensor.Entitlement{
			{Name: "Seats", Unit: "Count", MaxCount: ptr[int64](10), Overage: ptr(false), AllowCheckIn: ptr(true)},
			{Name: "Tier", Unit: licensor.UnitNone, Value: ptr("gold")},
		},
		ConsumptionConfiguration: licensor.ConsumptionConfiguration{
			RenewType:   licensor.RenewMonthly,
			Provisional: &licensor.ProvisionalConfiguration{MaxTimeToLiveInMinutes: 60},
		},
		Metadata: []licensor.Metadata{{Name: "edition", Value: "pro"}},
	}
}

func validCreateLicense() licensor.CreateLicenseInput {
	return licensor.CreateLicenseInput{
		LicenseFields: validLicenseFields(),
		ProductSKU:    "SKU-1",
		Beneficiary:   "111122223333",
		Tags:          []licensor.Tag{{Key: "env", Value: "prod"}},
		ClientToken:   "token-1",
	}
}

// licenseFieldCases are the rules of LicenseFields, shared by CreateLicense
// and CreateLicenseVersion. want "" means the change keeps the input valid.
var licenseFieldCases = []struct {
	name string
	mod  func(f *licensor.LicenseFields)
	want string
}{
	{"valid", func(f *licensor.LicenseFields) {}, ""},
	{"LicenseName required", func(f *licensor.LicenseFields) { f.Name = "" }, "LicenseName is required"},
	{"LicenseName 1024 runes", func(f *licensor.LicenseFields) { f.Name = strings.Repeat("é", 1024) }, ""},
	{"LicenseName 1025 runes", func(f *licensor.LicenseFields) { f.Name = strings.Repeat("é", 1025) }, "LicenseName must be at most 1024 characters"},
	{"LicenseName invalid UTF-8", func(f *licensor.LicenseFields) { f.Name = "a\xffb" }, "LicenseName must be valid UTF-8"},
	{"ProductName required", func(f *licensor.LicenseFields) { f.ProductName = "" }, "ProductName is required"},
	{"ProductName too long", func(f *licensor.LicenseFields) { f.ProductName = strings.Repeat("p", 1025) }, "ProductName must be at most 1024 characters"},
	{"Issuer.Name required", func(f *licensor.LicenseFields) { f.Issuer.Name = "" }, "Issuer.Name is required"},
	{"Issuer.Name too long", func(f *licensor.LicenseFields) { f.Issuer.Name = strings.Repeat("i", 1025) }, "Issuer.Name must be at most 1024 characters"},
	{"Issuer.SignKey optional", func(f *licensor.LicenseFields) { f.Issuer.SignKey = "" }, ""},
	{"Issuer.SignKey 2048", func(f *licensor.LicenseFields) { f.Issuer.SignKey = strings.Repeat("k", 2048) }, ""},
	{"Issuer.SignKey 2049", func(f *licensor.LicenseFields) { f.Issuer.SignKey = strings.Repeat("k", 2049) }, "Issuer.SignKey must be at most 2048 characters"},
	{"HomeRegion required", func(f *licensor.LicenseFields) { f.HomeRegion = "" }, "HomeRegion is required"},
	{"HomeRegion gov", func(f *licensor.LicenseFields) { f.HomeRegion = "us-gov-west-1" }, ""},
	{"HomeRegion two-digit", func(f *licensor.LicenseFields) { f.HomeRegion = "ap-southeast-10" }, ""},
	{"HomeRegion upper-case", func(f *licensor.LicenseFields) { f.HomeRegion = "US-EAST-1" }, `HomeRegion "US-EAST-1" is not a valid region name`},
	{"HomeRegion no number", func(f *licensor.LicenseFields) { f.HomeRegion = "us-east" }, `HomeRegion "us-east" is not a valid region name`},
	{"HomeRegion no dash", func(f *licensor.LicenseFields) { f.HomeRegion = "useast1" }, `HomeRegion "useast1" is not a valid region name`},
	{"HomeRegion three-digit", func(f *licensor.LicenseFields) { f.HomeRegion = "us-east-100" }, `HomeRegion "us-east-100" is not a valid region name`},
	{"HomeRegion trailing newline", func(f *licensor.LicenseFields) { f.HomeRegion = "us-east-1\n" }, `is not a valid region name`},
	{"Validity.Begin required", func(f *licensor.LicenseFields) { f.Validity.Begin = "" }, "Validity.Begin is required"},
	{"Validity.Begin no zone", func(f *licensor.LicenseFields) { f.Validity.Begin = "2024-01-01T00:00:00" }, `Validity.Begin "2024-01-01T00:00:00" is not an ISO 8601 date-time`},
	{"Validity.Begin impossible date", func(f *licensor.LicenseFields) { f.Validity.Begin = "2024-02-30T00:00:00Z" }, `Validity.Begin "2024-02-30T00:00:00Z" is not a valid date-time`},
	{"Validity.End optional", func(f *licensor.LicenseFields) { f.Validity.End = "" }, ""},
	{"Validity.End invalid", func(f *licensor.LicenseFields) { f.Validity.End = "2025-01-01" }, `Validity.End "2025-01-01" is not an ISO 8601 date-time`},
	{"Validity.End equal", func(f *licensor.LicenseFields) { f.Validity.End = f.Validity.Begin }, "Validity.End must be after Validity.Begin"},
	{"Validity.End equal in another zone", func(f *licensor.LicenseFields) { f.Validity.End = "2024-01-01T01:00:00+01:00" }, "Validity.End must be after Validity.Begin"},
	{"Validity.End before", func(f *licensor.LicenseFields) { f.Validity.End = "2023-12-31T23:59:59.999Z" }, "Validity.End must be after Validity.Begin"},
	{"Validity.End one millisecond after", func(f *licensor.LicenseFields) { f.Validity.End = "2024-01-01T00:00:00.001Z" }, ""},
	{"Entitlements required", func(f *licensor.LicenseFields) { f.Entitlements = nil }, "Entitlements must contain at least one entitlement"},
	{"Entitlements 100", func(f *licensor.LicenseFields) { f.Entitlements = manyEntitlements(100) }, ""},
	{"Entitlements 101", func(f *licensor.LicenseFields) { f.Entitlements = manyEntitlements(101) }, "Entitlements must contain at most 100 entitlements"},
	{"Entitlement name required", func(f *licensor.LicenseFields) { f.Entitlements[0].Name = "" }, "Entitlements[0].Name is required"},
	{"Entitlement name too long", func(f *licensor.LicenseFields) { f.Entitlements[1].Name = strings.Repeat("n", 1025) }, "Entitlements[1].Name must be at most 1024 characters"},
	{"Entitlement duplicate name", func(f *licensor.LicenseFields) { f.Entitlements[1].Name = "Seats" }, `Entitlements[1].Name duplicate entitlement name "Seats"`},
	{"Entitlement names are case-sensitive", func(f *licensor.LicenseFields) { f.Entitlements[1].Name = "seats" }, ""},
	{"Entitlement unit required", func(f *licensor.LicenseFields) { f.Entitlements[0].Unit = "" }, "Entitlements[0].Unit is required"},
	{"Entitlement unit lower-case", func(f *licensor.LicenseFields) { f.Entitlements[0].Unit = "count" }, `Entitlements[0].Unit "count" is not a valid EntitlementUnit`},
	{"Entitlement unit unknown", func(f *licensor.LicenseFields) { f.Entitlements[0].Unit = "Seats" }, `Entitlements[0].Unit "Seats" is not a valid EntitlementUnit`},
	{"None with MaxCount", func(f *licensor.LicenseFields) { f.Entitlements[1].MaxCount = ptr[int64](1) }, "Entitlements[1].MaxCount must not be set when Unit is None"},
	{"None with Overage true", func(f *licensor.LicenseFields) { f.Entitlements[1].Overage = ptr(true) }, "Entitlements[1].Overage must not be true when Unit is None"},
	{"None with Overage false", func(f *licensor.LicenseFields) { f.Entitlements[1].Overage = ptr(false) }, ""},
	{"None without Value", func(f *licensor.LicenseFields) { f.Entitlements[1].Value = nil }, ""},
	{"None Value 4096", func(f *licensor.LicenseFields) { f.Entitlements[1].Value = ptr(strings.Repeat("v", 4096)) }, ""},
	{"None Value 4097", func(f *licensor.LicenseFields) { f.Entitlements[1].Value = ptr(strings.Repeat("v", 4097)) }, "Entitlements[1].Value must be at most 4096 characters"},
	{"limited without MaxCount", func(f *licensor.LicenseFields) { f.Entitlements[0].MaxCount = nil }, "Entitlements[0].MaxCount is required when Unit is not None"},
	{"limited MaxCount zero", func(f *licensor.LicenseFields) { f.Entitlements[0].MaxCount = ptr[int64](0) }, ""},
	{"limited MaxCount negative", func(f *licensor.LicenseFields) { f.Entitlements[0].MaxCount = ptr[int64](-1) }, "Entitlements[0].MaxCount must not be negative"},
	{"limited with Value", func(f *licensor.LicenseFields) { f.Entitlements[0].Value = ptr("5") }, "Entitlements[0].Value may be set only when Unit is None"},
	{"limited with Overage", func(f *licensor.LicenseFields) { f.Entitlements[0].Overage = ptr(true) }, ""},
	{"RenewType None", func(f *licensor.LicenseFields) { f.ConsumptionConfiguration.RenewType = licensor.RenewNone }, ""},
	{"RenewType Weekly", func(f *licensor.LicenseFields) { f.ConsumptionConfiguration.RenewType = licensor.RenewWeekly }, ""},
	{"RenewType empty", func(f *licensor.LicenseFields) { f.ConsumptionConfiguration.RenewType = "" }, ""},
	{"RenewType unknown", func(f *licensor.LicenseFields) { f.ConsumptionConfiguration.RenewType = "Daily" }, `ConsumptionConfiguration.RenewType "Daily" is not one of None, Weekly, Monthly`},
	{"RenewType lower-case", func(f *licensor.LicenseFields) { f.ConsumptionConfiguration.RenewType = "monthly" }, `ConsumptionConfiguration.RenewType "monthly"`},
	{"Provisional nil", func(f *licensor.LicenseFields) { f.ConsumptionConfiguration.Provisional = nil }, ""},
	{"Provisional TTL 1", func(f *licensor.LicenseFields) { f.ConsumptionConfiguration.Provisional.MaxTimeToLiveInMinutes = 1 }, ""},
	{"Provisional TTL 0", func(f *licensor.LicenseFields) { f.ConsumptionConfiguration.Provisional.MaxTimeToLiveInMinutes = 0 }, "ConsumptionConfiguration.ProvisionalConfiguration.MaxTimeToLiveInMinutes must be at least 1"},
	{"Provisional TTL negative", func(f *licensor.LicenseFields) { f.ConsumptionConfiguration.Provisional.MaxTimeToLiveInMinutes = -1 }, "ConsumptionConfiguration.ProvisionalConfiguration.MaxTimeToLiveInMinutes must be at least 1"},
	{"Borrow TTL 1", func(f *licensor.LicenseFields) {
		f.ConsumptionConfiguration.Borrow = &licensor.BorrowConfiguration{AllowEarlyCheckIn: true, MaxTimeToLiveInMinutes: 1}
	}, ""},
	{"Borrow TTL 0", func(f *licensor.LicenseFields) { f.ConsumptionConfiguration.Borrow = &licensor.BorrowConfiguration{} }, "ConsumptionConfiguration.BorrowConfiguration.MaxTimeToLiveInMinutes must be at least 1"},
	{"Metadata 100", func(f *licensor.LicenseFields) { f.Metadata = manyMetadata(100) }, ""},
	{"Metadata 101", func(f *licensor.LicenseFields) { f.Metadata = manyMetadata(101) }, "LicenseMetadata must contain at most 100 entries"},
	{"Metadata name required", func(f *licensor.LicenseFields) { f.Metadata[0].Name = "" }, "LicenseMetadata[0].Name is required"},
	{"Metadata name too long", func(f *licensor.LicenseFields) { f.Metadata[0].Name = strings.Repeat("m", 1025) }, "LicenseMetadata[0].Name must be at most 1024 characters"},
	{"Metadata empty value", func(f *licensor.LicenseFields) { f.Metadata[0].Value = "" }, ""},
	{"Metadata value 4097", func(f *licensor.LicenseFields) { f.Metadata[0].Value = strings.Repeat("v", 4097) }, "LicenseMetadata[0].Value must be at most 4096 characters"},
	{"Metadata value invalid UTF-8", func(f *licensor.LicenseFields) { f.Metadata[0].Value = "\xc3" }, "LicenseMetadata[0].Value must be valid UTF-8"},
}

func manyEntitlements(n int) []licensor.Entitlement {
	out := make([]licensor.Entitlement, n)
	for i := range out {
		out[i] = licensor.Entitlement{Name: fmt.Sprintf("e%d", i), Unit: licensor.UnitNone}
	}
	return out
}

func manyMetadata(n int) []licensor.Metadata {
	out := make([]licensor.Metadata, n)
	for i := range out {
		out[i] = licensor.Metadata{Name: fmt.Sprintf("m%d", i), Value: "v"}
	}
	return out
}

func manyTags(n int) []licensor.Tag {
	out := make([]licensor.Tag, n)
	for i := range out {
		out[i] = licensor.Tag{Key: fmt.Sprintf("k%d", i), Value: "v"}
	}
	return out
}

func TestCreateLicenseInputValidate(t *testing.T) {
	for _, tt := range licenseFieldCases {
		t.Run(tt.name, func(t *testing.T) {
			in := validCreateLicense()
			tt.mod(&in.LicenseFields)
			err := in.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			assertInvalid(t, err, 1, tt.want)
		})
	}
	for _, tt := range []struct {
		name string
		mod  func(in *licensor.CreateLicenseInput)
		want string
	}{
		{"ProductSKU required", func(in *licensor.CreateLicenseInput) { in.ProductSKU = "" }, "ProductSKU is required"},
		{"ProductSKU too long", func(in *licensor.CreateLicenseInput) { in.ProductSKU = strings.Repeat("s", 1025) }, "ProductSKU must be at most 1024 characters"},
		{"Beneficiary required", func(in *licensor.CreateLicenseInput) { in.Beneficiary = "" }, "Beneficiary is required"},
		{"Beneficiary too long", func(in *licensor.CreateLicenseInput) { in.Beneficiary = strings.Repeat("b", 1025) }, "Beneficiary must be at most 1024 characters"},
		{"Tags optional", func(in *licensor.CreateLicenseInput) { in.Tags = nil }, ""},
		{"Tags 50", func(in *licensor.CreateLicenseInput) { in.Tags = manyTags(50) }, ""},
		{"Tags 51", func(in *licensor.CreateLicenseInput) { in.Tags = manyTags(51) }, "Tags must contain at most 50 tags"},
		{"Tag key required", func(in *licensor.CreateLicenseInput) { in.Tags[0].Key = "" }, "Tags[0].Key is required"},
		{"Tag key 128", func(in *licensor.CreateLicenseInput) { in.Tags[0].Key = strings.Repeat("k", 128) }, ""},
		{"Tag key 129", func(in *licensor.CreateLicenseInput) { in.Tags[0].Key = strings.Repeat("k", 129) }, "Tags[0].Key must be at most 128 characters"},
		{"Tag empty value", func(in *licensor.CreateLicenseInput) { in.Tags[0].Value = "" }, ""},
		{"Tag value 256", func(in *licensor.CreateLicenseInput) { in.Tags[0].Value = strings.Repeat("v", 256) }, ""},
		{"Tag value 257", func(in *licensor.CreateLicenseInput) { in.Tags[0].Value = strings.Repeat("v", 257) }, "Tags[0].Value must be at most 256 characters"},
		{"Tag duplicate key", func(in *licensor.CreateLicenseInput) {
			in.Tags = []licensor.Tag{{Key: "env", Value: "a"}, {Key: "env", Value: "b"}}
		}, `Tags[1].Key duplicate tag key "env"`},
		{"ClientToken required", func(in *licensor.CreateLicenseInput) { in.ClientToken = "" }, "ClientToken is required"},
		{"ClientToken 2048", func(in *licensor.CreateLicenseInput) { in.ClientToken = strings.Repeat("t", 2048) }, ""},
		{"ClientToken 2049", func(in *licensor.CreateLicenseInput) { in.ClientToken = strings.Repeat("t", 2049) }, "ClientToken must be 1 to 2048 characters without whitespace"},
		{"ClientToken space", func(in *licensor.CreateLicenseInput) { in.ClientToken = "a b" }, "ClientToken must be 1 to 2048 characters without whitespace"},
		{"ClientToken tab", func(in *licensor.CreateLicenseInput) { in.ClientToken = "\t" }, "ClientToken must be 1 to 2048 characters without whitespace"},
		{"ClientToken trailing newline", func(in *licensor.CreateLicenseInput) { in.ClientToken = "tok\n" }, "ClientToken must be 1 to 2048 characters without whitespace"},
		{"ClientToken symbols", func(in *licensor.CreateLicenseInput) { in.ClientToken = "a-b_c.d:e/f=g+h" }, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := validCreateLicense()
			tt.mod(&in)
			err := in.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			assertInvalid(t, err, 1, tt.want)
		})
	}
}

// TestClientTokenModel pins ClientToken to the model: at most 2048
// characters (Smithy lengths count characters, not bytes) matching \S+,
// where \s includes \v in ECMA-262 (Smithy's dialect) and in Java alike.
func TestClientTokenModel(t *testing.T) {
	for _, tt := range []struct {
		name, token string
		valid       bool
	}{
		{"2048 two-byte characters", strings.Repeat("é", 2048), true},
		{"vertical tab", "a\vb", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := validCreateLicense()
			in.ClientToken = tt.token
			err := in.Validate()
			if tt.valid {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			assertInvalid(t, err, 1, "ClientToken must be 1 to 2048 characters without whitespace")
		})
	}
}

func TestCreateLicenseInputValidateAllUnits(t *testing.T) {
	if len(licensor.Units) != 27 {
		t.Fatalf("len(Units) = %d, want 27", len(licensor.Units))
	}
	for _, u := range licensor.Units {
		t.Run(string(u), func(t *testing.T) {
			in := validCreateLicense()
			e := licensor.Entitlement{Name: "X", Unit: u, MaxCount: ptr[int64](1)}
			if u == licensor.UnitNone {
				e = licensor.Entitlement{Name: "X", Unit: u, Value: ptr("on")}
			}
			in.Entitlements = []licensor.Entitlement{e}
			if err := in.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestCreateLicenseInputValidateReportsEveryError(t *testing.T) {
	var in licensor.CreateLicenseInput
	err := in.Validate()
	for _, field := range []string{
		"LicenseName is required", "ProductName is required", "Issuer.Name is required",
		"HomeRegion is required", "Validity.Begin is required",
		"Entitlements must contain at least one entitlement", "ProductSKU is required",
		"Beneficiary is required", "ClientToken is required",
	} {
		assertInvalid(t, err, 9, field)
	}
	if msg := licensor.ErrorMessage(err); !strings.HasSuffix(msg, ".") || strings.Count(msg, "; ") != 8 {
		t.Errorf("message = %q, want 9 violations joined by \"; \" ending in \".\"", msg)
	}
}

func TestCreateLicenseVersionInputValidate(t *testing.T) {
	valid := func() licensor.CreateLicenseVersionInput {
		return licensor.CreateLicenseVersionInput{
			LicenseFields: validLicenseFields(),
			LicenseARN:    licensor.LicenseARN("123456789012", "0123456789abcdef0123456789abcdef"),
			Status:        licensor.LicenseAvailable,
			SourceVersion: "1",
			ClientToken:   "token-2",
		}
	}
	for _, tt := range licenseFieldCases {
		t.Run(tt.name, func(t *testing.T) {
			in := valid()
			tt.mod(&in.LicenseFields)
			err := in.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			assertInvalid(t, err, 1, tt.want)
		})
	}
	for _, tt := range []struct {
		name string
		mod  func(in *licensor.CreateLicenseVersionInput)
		want string
	}{
		{"LicenseArn required", func(in *licensor.CreateLicenseVersionInput) { in.LicenseARN = "" }, "LicenseArn is required"},
		{"LicenseArn invalid", func(in *licensor.CreateLicenseVersionInput) { in.LicenseARN = "l-123" }, "LicenseArn is not a valid ARN"},
		{"LicenseArn any ARN", func(in *licensor.CreateLicenseVersionInput) { in.LicenseARN = "arn:aws:license-manager::1:license:l-x" }, ""},
		{"Status required", func(in *licensor.CreateLicenseVersionInput) { in.Status = "" }, "Status is required"},
		{"Status unknown", func(in *licensor.CreateLicenseVersionInput) { in.Status = "ACTIVE" }, `Status "ACTIVE" is not a valid LicenseStatus`},
		{"Status lower-case", func(in *licensor.CreateLicenseVersionInput) { in.Status = "available" }, `Status "available" is not a valid LicenseStatus`},
		{"Status PENDING_AVAILABLE", func(in *licensor.CreateLicenseVersionInput) { in.Status = licensor.LicensePendingAvailable }, ""},
		{"Status DEACTIVATED", func(in *licensor.CreateLicenseVersionInput) { in.Status = licensor.LicenseDeactivated }, ""},
		{"Status SUSPENDED", func(in *licensor.CreateLicenseVersionInput) { in.Status = licensor.LicenseSuspended }, ""},
		{"Status EXPIRED", func(in *licensor.CreateLicenseVersionInput) { in.Status = licensor.LicenseExpired }, "Status EXPIRED cannot be set by a new version"},
		{"Status PENDING_DELETE", func(in *licensor.CreateLicenseVersionInput) { in.Status = licensor.LicensePendingDelete }, "Status PENDING_DELETE cannot be set by a new version"},
		{"Status DELETED", func(in *licensor.CreateLicenseVersionInput) { in.Status = licensor.LicenseDeleted }, "Status DELETED cannot be set by a new version"},
		{"SourceVersion optional", func(in *licensor.CreateLicenseVersionInput) { in.SourceVersion = "" }, ""},
		{"SourceVersion 12", func(in *licensor.CreateLicenseVersionInput) { in.SourceVersion = "12" }, ""},
		{"SourceVersion letters", func(in *licensor.CreateLicenseVersionInput) { in.SourceVersion = "x" }, `SourceVersion "x" is not a valid version`},
		{"SourceVersion decimal", func(in *licensor.CreateLicenseVersionInput) { in.SourceVersion = "1.0" }, `SourceVersion "1.0" is not a valid version`},
		// The same versions ParseVersion rejects.
		{"SourceVersion zero", func(in *licensor.CreateLicenseVersionInput) { in.SourceVersion = "0" }, `SourceVersion "0" is not a valid version`},
		{"SourceVersion negative", func(in *licensor.CreateLicenseVersionInput) { in.SourceVersion = "-1" }, `SourceVersion "-1" is not a valid version`},
		{"SourceVersion leading zero", func(in *licensor.CreateLicenseVersionInput) { in.SourceVersion = "01" }, `SourceVersion "01" is not a valid version`},
		{"SourceVersion plus sign", func(in *licensor.CreateLicenseVersionInput) { in.SourceVersion = "+1" }, `SourceVersion "+1" is not a valid version`},
		{"ClientToken required", func(in *licensor.CreateLicenseVersionInput) { in.ClientToken = "" }, "ClientToken is required"},
		{"ClientToken whitespace", func(in *licensor.CreateLicenseVersionInput) { in.ClientToken = " " }, "ClientToken must be 1 to 2048 characters without whitespace"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := valid()
			tt.mod(&in)
			err := in.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			assertInvalid(t, err, 1, tt.want)
		})
	}
}

func FuzzParseKeyFingerprint(f *testing.F) {
	for _, s := range []string{
		"aws:123456789012:Acme:issuer-fingerprint",
		"aws:123456789012:a/b:c d:issuer-fingerprint",
		"aws:123456789012::issuer-fingerprint",
		"aws:123456789012:issuer-fingerprint",
		"aws:123456789012:x:issuer-fingerprint:issuer-fingerprint",
		"aws:12345678901:Acme:issuer-fingerprint",
		"aws:111122223333:issuer:fp",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		acct, name, ok := licensor.ParseKeyFingerprint(s)
		if !ok {
			if acct != "" || name != "" {
				t.Fatalf("rejected %q but returned %q, %q", s, acct, name)
			}
			return
		}
		if !licensor.ValidAccountID(acct) || name == "" {
			t.Fatalf("ParseKeyFingerprint(%q) = %q, %q", s, acct, name)
		}
		if fp := licensor.KeyFingerprint(acct, name); fp != s {
			t.Fatalf("KeyFingerprint(ParseKeyFingerprint(%q)) = %q", s, fp)
		}
	})
}

func FuzzParseLicenseARN(f *testing.F) {
	for _, s := range []string{
		licensor.LicenseARN("123456789012", "0123456789abcdef0123456789abcdef"),
		licensor.LicenseARN("123456789012", "0123456789ABCDEF0123456789abcdef"),
		licensor.LicenseARN("12345678901", "0123456789abcdef0123456789abcdef0"),
		"arn:aws:license-manager::123456789012:grant:g-0123456789abcdef0123456789abcdef",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		acct, ok := licensor.ParseLicenseARN(s)
		if !ok {
			if acct != "" {
				t.Fatalf("rejected %q but returned %q", s, acct)
			}
			return
		}
		if !licensor.ValidAccountID(acct) {
			t.Fatalf("ParseLicenseARN(%q) account = %q", s, acct)
		}
		if arn := licensor.LicenseARN(acct, s[len(s)-32:]); arn != s {
			t.Fatalf("LicenseARN(ParseLicenseARN(%q)) = %q", s, arn)
		}
		if err := licensor.ValidateARN("LicenseArn", s); err != nil {
			t.Fatalf("ParseLicenseARN accepted %q but ValidateARN rejects it: %v", s, err)
		}
	})
}

func FuzzCreateLicenseValidate(f *testing.F) {
	f.Add("Widget Pro", "Widget", "SKU-1", "Acme", "us-east-1", "2024-01-01T00:00:00Z", "2025-01-01T00:00:00Z",
		"Seats", "Count", "", int64(10), "Monthly", int32(60), "edition", "env", "token-1")
	f.Add("", "", "", "", "", "", "", "", "", "", int64(0), "", int32(0), "", "", "")
	f.Add("a\xff", "b", "c", "d", "US-EAST-1", "2024-01-01T24:00:00Z", "2024", "x", "None", "gold", int64(-1), "Daily", int32(-1), "", "", " ")
	f.Fuzz(func(t *testing.T, name, product, sku, issuer, region, begin, end, entName, unit, value string,
		maxCount int64, renew string, ttl int32, metaName, tagKey, token string) {
		e := licensor.Entitlement{Name: entName, Unit: licensor.Unit(unit), MaxCount: &maxCount}
		if value != "" {
			e.Value = &value
			e.MaxCount = nil
		}
		in := licensor.CreateLicenseInput{
			LicenseFields: licensor.LicenseFields{
				Name:         name,
				ProductName:  product,
				Issuer:       licensor.Issuer{Name: issuer, SignKey: value},
				HomeRegion:   region,
				Validity:     licensor.DatetimeRange{Begin: begin, End: end},
				Entitlements: []licensor.Entitlement{e, {Name: entName + "2", Unit: licensor.UnitNone}},
				ConsumptionConfiguration: licensor.ConsumptionConfiguration{
					RenewType:   licensor.RenewType(renew),
					Provisional: &licensor.ProvisionalConfiguration{MaxTimeToLiveInMinutes: ttl},
					Borrow:      &licensor.BorrowConfiguration{MaxTimeToLiveInMinutes: ttl},
				},
				Metadata: []licensor.Metadata{{Name: metaName, Value: value}},
			},
			ProductSKU:  sku,
			Beneficiary: name,
			Tags:        []licensor.Tag{{Key: tagKey, Value: value}},
			ClientToken: token,
		}
		err := in.Validate()
		if err != nil {
			if code := licensor.ErrorCode(err); code != licensor.EINVALID {
				t.Fatalf("Validate: code %q, want EINVALID: %v", code, err)
			}
			if !strings.Contains(licensor.ErrorMessage(err), "validation error") {
				t.Fatalf("Validate message %q", licensor.ErrorMessage(err))
			}
			return
		}
		// Accepted: what the service relies on must hold.
		b, err := licensor.ParseTime(begin)
		if err != nil {
			t.Fatalf("accepted Begin %q: %v", begin, err)
		}
		if end != "" {
			if e, ok := in.Validity.EndTime(); !ok || !b.Before(e) {
				t.Fatalf("accepted Validity %q..%q", begin, end)
			}
		}
		if !licensor.Unit(unit).Valid() || ttl < 1 {
			t.Fatalf("accepted unit %q, ttl %d", unit, ttl)
		}
		vc := licensor.CreateLicenseVersionInput{LicenseFields: in.LicenseFields, LicenseARN: sku, Status: licensor.LicenseStatus(product), SourceVersion: name, ClientToken: token}
		if err := vc.Validate(); err != nil && licensor.ErrorCode(err) != licensor.EINVALID {
			t.Fatalf("CreateLicenseVersionInput.Validate: code %q", licensor.ErrorCode(err))
		}
	})
}
