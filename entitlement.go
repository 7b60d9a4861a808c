package licensor

import "fmt"

// Unit is an entitlement unit (the model's EntitlementUnit and
// EntitlementDataUnit, which have the same 27 values).
type Unit string

// UnitNone marks an unlimited entitlement: a feature or tier, not a count.
const UnitNone Unit = "None"

// Units lists every unit in the model's order.
var Units = []Unit{
	"Count", "None", "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes",
	"Megabytes", "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits",
	"Terabits", "Percent", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second",
	"Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second",
	"Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second",
}

// Valid reports whether u is one of the 27 units.
func (u Unit) Valid() bool {
	for _, v := range Units {
		if u == v {
			return true
		}
	}
	return false
}

// Entitlement is one right a license grants. Limited entitlements have a
// unit other than None and a MaxCount; unlimited ones (Unit None) are
// features or tiers and may carry a Value. Optional members are pointers so
// that what a vendor sent is echoed exactly, absent or not.
type Entitlement struct {
	Name         string
	Value        *string
	MaxCount     *int64
	Overage      *bool
	Unit         Unit
	AllowCheckIn *bool
}

// Limited reports whether the entitlement is counted.
func (e *Entitlement) Limited() bool { return e.Unit != UnitNone }

// OverageAllowed reports whether consumption may exceed MaxCount.
func (e *Entitlement) OverageAllowed() bool { return e.Overage != nil && *e.Overage }

// Limits on sizes the model leaves open; generous, but they keep one request
// from filling the store.
const (
	MaxEntitlements   = 100
	MaxMetadata       = 100
	MaxTags           = 50
	MaxNameLength     = 1024
	MaxValueLength    = 4096
	MaxTagKeyLength   = 128
	MaxTagValueLength = 256
)

func validateEntitlements(v *validator, field string, ents []Entitlement) {
	if len(ents) == 0 {
		v.add(field, "must contain at least one entitlement")
		return
	}
	if len(ents) > MaxEntitlements {
		v.add(field, fmt.Sprintf("must contain at most %d entitlements", MaxEntitlements))
		return
	}
	seen := make(map[string]bool, len(ents))
	for i := range ents {
		e := &ents[i]
		f := fmt.Sprintf("%s[%d]", field, i)
		v.name(f+".Name", e.Name, true)
		if seen[e.Name] && e.Name != "" {
			v.add(f+".Name", fmt.Sprintf("duplicate entitlement name %q", e.Name))
		}
		seen[e.Name] = true
		if e.Unit == "" {
			v.add(f+".Unit", "is required")
		} else if !e.Unit.Valid() {
			v.add(f+".Unit", fmt.Sprintf("%q is not a valid EntitlementUnit", e.Unit))
		}
		if e.Value != nil {
			v.length(f+".Value", *e.Value, MaxValueLength)
		}
		if e.Unit == UnitNone {
			if e.MaxCount != nil {
				v.add(f+".MaxCount", "must not be set when Unit is None")
			}
			if e.Overage != nil && *e.Overage {
				v.add(f+".Overage", "must not be true when Unit is None")
			}
		} else if e.Unit.Valid() {
			if e.MaxCount == nil {
				v.add(f+".MaxCount", "is required when Unit is not None")
			} else if *e.MaxCount < 0 {
				v.add(f+".MaxCount", "must not be negative")
			}
			if e.Value != nil {
				v.add(f+".Value", "may be set only when Unit is None")
			}
		}
	}
}

// EntitlementData is one entitlement named in a checkout request or answer.
// Value is a decimal quantity for limited entitlements.
type EntitlementData struct {
	Name  string
	Value *string
	Unit  Unit
}

// EntitlementUsage is the consumption of one entitlement, as GetLicenseUsage
// reports it.
type EntitlementUsage struct {
	Name          string
	ConsumedValue string
	MaxCount      *string
	Unit          Unit
}
