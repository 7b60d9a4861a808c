package awsapi

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/licensorhq/licensor"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// golden compares got (compact JSON) with testdata/name, stored indented;
// with -update it rewrites the file instead.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Indent(&buf, got, "", "  "); err != nil {
		t.Fatalf("indent: %v", err)
	}
	buf.WriteByte('\n')
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(buf.Bytes(), want) {
		t.Errorf("%s differs (run go test -update after checking the change):\ngot:\n%s\nwant:\n%s", path, buf.Bytes(), want)
	}
}

func TestLicenseToWireGolden(t *testing.T) {
	deleted := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	l := &licensor.License{
		ARN:         licensor.LicenseARN("123456789012", "0123456789abcdef0123456789abcdef"),
		AccountID:   "123456789012",
		Version:     3,
		Name:        "Widget Pro <EU> & \"friends\"",
		ProductName: "Widget",
		ProductSKU:  "SKU-1",
		Issuer: licensor.Issuer{
			Name:           "Acme Corp/licensing",
			SignKey:        "file:///var/lib/licensor/keys/acme.pem",
			KeyFingerprint: licensor.KeyFingerprint("123456789012", "Acme Corp/licensing"),
		},
		HomeRegion:  "eu-west-1",
		Status:      licensor.LicenseSuspended,
		Validity:    licensor.DatetimeRange{Begin: "2024-01-01T01:00:00+01:00", End: "2025-01-01T00:00:00.5Z"},
		Beneficiary: "111122223333",
		Entitlements: []licensor.Entitlement{
			{Name: "Seats", MaxCount: ptr[int64](10), Overage: ptr(true), Unit: "Count", AllowCheckIn: ptr(true)},
			{Name: "Tier", Value: ptr("gold"), Unit: licensor.UnitNone, AllowCheckIn: ptr(false)},
			{Name: "Throughput", MaxCount: ptr[int64](0), Overage: ptr(false), Unit: "Megabits/Second"},
			{Name: "Huge", MaxCount: ptr[int64](1 << 53), Unit: "Bytes"},
			{Name: "Empty", Value: ptr(""), Unit: licensor.UnitNone},
		},
		ConsumptionConfiguration: licensor.ConsumptionConfiguration{
			RenewType:   licensor.RenewMonthly,
			Provisional: &licensor.ProvisionalConfiguration{MaxTimeToLiveInMinutes: 30},
			Borrow:      &licensor.BorrowConfiguration{AllowEarlyCheckIn: false, MaxTimeToLiveInMinutes: 0},
		},
		Metadata:     []licensor.Metadata{{Name: "edition", Value: "pro"}, {Name: "blank", Value: ""}},
		Tags:         []licensor.Tag{{Key: "env", Value: "prod"}}, // not a member of the wire License
		CreateTime:   time.Date(2024, 6, 1, 12, 30, 45, 678901234, time.FixedZone("", 2*3600)),
		DeletionDate: &deleted, // not a member of the wire License
	}
	got, err := json.Marshal(licenseToWire(l))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "license.golden.json", got)
}

func TestLicenseToWireOmitsUnset(t *testing.T) {
	l := &licensor.License{
		ARN:          "arn:aws:license-manager::123456789012:license:l-0123456789abcdef0123456789abcdef",
		Version:      1,
		Name:         "n",
		ProductName:  "p",
		ProductSKU:   "s",
		Issuer:       licensor.Issuer{Name: "Acme"},
		HomeRegion:   "us-east-1",
		Status:       licensor.LicenseAvailable,
		Validity:     licensor.DatetimeRange{Begin: "2024-01-01T00:00:00Z"},
		Beneficiary:  "b",
		Entitlements: []licensor.Entitlement{{Name: "Tier", Unit: licensor.UnitNone}},
		CreateTime:   time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
	}
	got, err := json.Marshal(licenseToWire(l))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"LicenseArn":"arn:aws:license-manager::123456789012:license:l-0123456789abcdef0123456789abcdef",` +
		`"LicenseName":"n","ProductName":"p","ProductSKU":"s","Issuer":{"Name":"Acme"},"HomeRegion":"us-east-1",` +
		`"Status":"AVAILABLE","Validity":{"Begin":"2024-01-01T00:00:00Z"},"Beneficiary":"b",` +
		`"Entitlements":[{"Name":"Tier","Unit":"None"}],"ConsumptionConfiguration":{},` +
		`"CreateTime":"2024-01-01T00:00:00.000Z","Version":"1"}`
	if string(got) != want {
		t.Errorf("licenseToWire:\ngot  %s\nwant %s", got, want)
	}
}

// TestLicenseToWireListEmpty checks that an empty page is [], not null.
func TestLicenseToWireListEmpty(t *testing.T) {
	got, err := json.Marshal(listLicensesResponse{Licenses: licensesToWire(nil)})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"Licenses":[]}`; string(got) != want {
		t.Errorf("empty ListLicenses = %s, want %s", got, want)
	}
}
