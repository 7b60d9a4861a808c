package sqlutil

import (
	"encoding/json"

	"github.com/licensorhq/licensor"
)

// checkoutEntitlementDoc is the stored form of one checkout entitlement
// (checkouts.entitlements, a JSON array), the same in both stores.
type checkoutEntitlementDoc struct {
	Name      string  `json:"n"`
	Unit      string  `json:"u"`
	Value     *string `json:"v,omitempty"`
	Quantity  int64   `json:"q"`
	Period    int64   `json:"p"`
	NoCheckIn bool    `json:"x,omitempty"`
}

// EncodeCheckoutEntitlements returns the stored form of a checkout's entitlements.
func EncodeCheckoutEntitlements(es []licensor.CheckoutEntitlement) (string, error) {
	docs := make([]checkoutEntitlementDoc, len(es))
	for i, e := range es {
		docs[i] = checkoutEntitlementDoc{Name: e.Name, Unit: string(e.Unit), Value: e.Value, Quantity: e.Quantity, Period: e.Period, NoCheckIn: e.NoCheckIn}
	}
	b, err := json.Marshal(docs)
	return string(b), err
}

// DecodeCheckoutEntitlements reads what EncodeCheckoutEntitlements wrote.
func DecodeCheckoutEntitlements(s string) ([]licensor.CheckoutEntitlement, error) {
	var docs []checkoutEntitlementDoc
	if err := json.Unmarshal([]byte(s), &docs); err != nil {
		return nil, licensor.WrapError(licensor.EINTERNAL, err, "Internal error.")
	}
	out := make([]licensor.CheckoutEntitlement, len(docs))
	for i, d := range docs {
		out[i] = licensor.CheckoutEntitlement{Name: d.Name, Unit: licensor.Unit(d.Unit), Value: d.Value, Quantity: d.Quantity, Period: d.Period, NoCheckIn: d.NoCheckIn}
	}
	return out, nil
}
