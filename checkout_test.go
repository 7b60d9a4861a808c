package licensor_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/licensorhq/licensor"
)

func TestParseQuantity(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64 // 0: rejected
	}{
		{"1", 1},
		{"42", 42},
		{"9007199254740992", 1 << 53},
		{"9007199254740993", 0},
		{"9223372036854775807", 0},
		{"9223372036854775808", 0},
		{"0", 0},
		{"-1", 0},
		{"", 0},
		{"x", 0},
		{"1.5", 0},
		{"1e3", 0},
		{"0x10", 0},
		{" 1", 0},
		{"1 ", 0},
		{"1_000", 0},
	} {
		t.Run(tt.in, func(t *testing.T) {
			got, err := licensor.ParseQuantity(tt.in)
			if tt.want == 0 {
				if err == nil || got != 0 {
					t.Fatalf("ParseQuantity(%q) = %d, %v; want 0, error", tt.in, got, err)
				}
				if want := fmt.Sprintf("%q is not a quantity", tt.in); !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not contain %q", err, want)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseQuantity(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
			}
		})
	}
}

func validCheckout() licensor.CheckoutInput {
	return licensor.CheckoutInput{
		ProductSKU:     "SKU-1",
		CheckoutType:   licensor.CheckoutProvisional,
		KeyFingerprint: licensor.KeyFingerprint("123456789012", "Acme"),
		Entitlements: []licensor.EntitlementData{
			{Name: "Seats", Unit: "Count", Value: ptr("2")},
			{Name: "Tier", Unit: licensor.UnitNone, Value: ptr("gold")},
		},
		ClientToken: "token-1",
		Beneficiary: "user@example.com",
		NodeID:      "node-1",
	}
}

func TestCheckoutInputValidate(t *testing.T) {
	manyData := func(n int) []licensor.EntitlementData {
		out := make([]licensor.EntitlementData, n)
		for i := range out {
			out[i] = licensor.EntitlementData{Name: fmt.Sprintf("e%d", i), Unit: "Count"}
		}
		return out
	}
	for _, tt := range []struct {
		name string
		mod  func(in *licensor.CheckoutInput)
		want string
	}{
		{"valid", func(in *licensor.CheckoutInput) {}, ""},
		{"PERPETUAL", func(in *licensor.CheckoutInput) { in.CheckoutType = licensor.CheckoutPerpetual }, ""},
		{"ProductSKU required", func(in *licensor.CheckoutInput) { in.ProductSKU = "" }, "ProductSKU is required"},
		{"ProductSKU too long", func(in *licensor.CheckoutInput) { in.ProductSKU = strings.Repeat("s", 1025) }, "ProductSKU must be at most 1024 characters"},
		{"CheckoutType required", func(in *licensor.CheckoutInput) { in.CheckoutType = "" }, "CheckoutType is required"},
		{"CheckoutType lower-case", func(in *licensor.CheckoutInput) { in.CheckoutType = "provisional" }, `CheckoutType "provisional" is not one of PROVISIONAL, PERPETUAL`},
		{"CheckoutType BORROW", func(in *licensor.CheckoutInput) { in.CheckoutType = "BORROW" }, `CheckoutType "BORROW" is not one of PROVISIONAL, PERPETUAL`},
		{"KeyFingerprint required", func(in *licensor.CheckoutInput) { in.KeyFingerprint = "" }, "KeyFingerprint is required"},
		{"KeyFingerprint too long", func(in *licensor.CheckoutInput) { in.KeyFingerprint = strings.Repeat("k", 1025) }, "KeyFingerprint must be at most 1024 characters"},
		{"Entitlements required", func(in *licensor.CheckoutInput) { in.Entitlements = nil }, "Entitlements must contain at least one entitlement"},
		{"Entitlements 100", func(in *licensor.CheckoutInput) { in.Entitlements = manyData(100) }, ""},
		{"Entitlements 101", func(in *licensor.CheckoutInput) { in.Entitlements = manyData(101) }, "Entitlements must contain at most 100 entitlements"},
		{"Entitlement name required", func(in *licensor.CheckoutInput) { in.Entitlements[0].Name = "" }, "Entitlements[0].Name is required"},
		{"Entitlement duplicate", func(in *licensor.CheckoutInput) { in.Entitlements[1].Name = "Seats" }, `Entitlements[1].Name duplicate entitlement name "Seats"`},
		{"Entitlement unit required", func(in *licensor.CheckoutInput) { in.Entitlements[0].Unit = "" }, "Entitlements[0].Unit is required"},
		{"Entitlement unit unknown", func(in *licensor.CheckoutInput) { in.Entitlements[0].Unit = "Seats" }, `Entitlements[0].Unit "Seats" is not a valid EntitlementDataUnit`},
		{"Entitlement without value", func(in *licensor.CheckoutInput) { in.Entitlements[0].Value = nil }, ""},
		{"Entitlement value max", func(in *licensor.CheckoutInput) { in.Entitlements[0].Value = ptr("9007199254740992") }, ""},
		{"Entitlement value zero", func(in *licensor.CheckoutInput) { in.Entitlements[0].Value = ptr("0") }, `Entitlements[0].Value "0" is not a quantity`},
		{"Entitlement value negative", func(in *licensor.CheckoutInput) { in.Entitlements[0].Value = ptr("-3") }, `Entitlements[0].Value "-3" is not a quantity`},
		{"Entitlement value decimal", func(in *licensor.CheckoutInput) { in.Entitlements[0].Value = ptr("1.5") }, `Entitlements[0].Value "1.5" is not a quantity`},
		{"Entitlement value too big", func(in *licensor.CheckoutInput) { in.Entitlements[0].Value = ptr("9007199254740993") }, `Entitlements[0].Value "9007199254740993" is not a quantity`},
		{"Entitlement None takes any value", func(in *licensor.CheckoutInput) { in.Entitlements[1].Value = ptr("not a number") }, ""},
		{"every unit", func(in *licensor.CheckoutInput) {
			in.Entitlements = nil
			for _, u := range licensor.Units {
				in.Entitlements = append(in.Entitlements, licensor.EntitlementData{Name: string(u), Unit: u, Value: ptr("1")})
			}
		}, ""},
		{"ClientToken required", func(in *licensor.CheckoutInput) { in.ClientToken = "" }, "ClientToken is required"},
		{"ClientToken whitespace", func(in *licensor.CheckoutInput) { in.ClientToken = "tok en" }, "ClientToken must be 1 to 2048 characters without whitespace"},
		{"ClientToken 2049", func(in *licensor.CheckoutInput) { in.ClientToken = strings.Repeat("t", 2049) }, "ClientToken must be 1 to 2048 characters without whitespace"},
		{"Beneficiary optional", func(in *licensor.CheckoutInput) { in.Beneficiary = "" }, ""},
		{"Beneficiary too long", func(in *licensor.CheckoutInput) { in.Beneficiary = strings.Repeat("b", 1025) }, "Beneficiary must be at most 1024 characters"},
		{"NodeId optional", func(in *licensor.CheckoutInput) { in.NodeID = "" }, ""},
		{"NodeId too long", func(in *licensor.CheckoutInput) { in.NodeID = strings.Repeat("n", 1025) }, "NodeId must be at most 1024 characters"},
		{"NodeId invalid UTF-8", func(in *licensor.CheckoutInput) { in.NodeID = "\xff" }, "NodeId must be valid UTF-8"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			in := validCheckout()
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

func TestCheckoutInputValidateReportsEveryError(t *testing.T) {
	var in licensor.CheckoutInput
	err := in.Validate()
	for _, want := range []string{"ProductSKU is required", "CheckoutType is required", "KeyFingerprint is required", "Entitlements must contain at least one entitlement", "ClientToken is required"} {
		assertInvalid(t, err, 5, want)
	}
}
