package licensor

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// CheckoutType says whether checked-out units come back.
type CheckoutType string

// Checkout types.
const (
	// CheckoutProvisional floats: units return on check-in or when the
	// checkout's TTL passes.
	CheckoutProvisional CheckoutType = "PROVISIONAL"
	// CheckoutPerpetual draws down: units are consumed for good.
	CheckoutPerpetual CheckoutType = "PERPETUAL"
	// CheckoutBorrow is a CheckoutBorrowLicense: it floats like a
	// provisional checkout, for the license's BorrowConfiguration TTL, and
	// cannot be extended. Not an AWS CheckoutType value: it never reaches
	// the wire as one.
	CheckoutBorrow CheckoutType = "BORROW"
)

// Floats reports whether a checkout's units come back (on check-in or
// expiry).
func (t CheckoutType) Floats() bool { return t == CheckoutProvisional || t == CheckoutBorrow }

// CheckoutStatus is the state of one checkout.
type CheckoutStatus string

// Checkout statuses.
const (
	CheckoutActive    CheckoutStatus = "ACTIVE"
	CheckoutCheckedIn CheckoutStatus = "CHECKED_IN"
	CheckoutExpired   CheckoutStatus = "EXPIRED"
)

// MaxQuantity bounds one requested quantity (2^53, exact in every JSON
// reader).
const MaxQuantity = 1 << 53

// Checkout is one consumption: what was taken, by whom, until when.
type Checkout struct {
	Token          string // the LicenseConsumptionToken
	LicenseARN     string
	LicenseVersion int
	IssuerAccount  string // the account that issued the license
	AccountID      string // the account that checked out
	Beneficiary    string
	NodeID         string
	Type           CheckoutType
	Entitlements   []CheckoutEntitlement
	IssuedAt       time.Time
	Expiration     time.Time
	Status         CheckoutStatus
}

// CheckoutEntitlement is one entitlement of a checkout with its quantity
// (0 for unlimited entitlements) and the consumption period it counted in.
type CheckoutEntitlement struct {
	Name     string
	Unit     Unit
	Value    *string // as echoed to the caller
	Quantity int64
	Period   int64
	// NoCheckIn is set when the license version checked out from says
	// AllowCheckIn false: the units return only when the checkout expires.
	NoCheckIn bool
}

// CheckoutInput is a CheckoutLicense request.
type CheckoutInput struct {
	ProductSKU     string
	CheckoutType   CheckoutType
	KeyFingerprint string
	Entitlements   []EntitlementData
	ClientToken    string
	Beneficiary    string
	NodeID         string
}

// Validate checks the request's constraints.
func (in *CheckoutInput) Validate() error {
	v := &validator{}
	v.name("ProductSKU", in.ProductSKU, true)
	switch in.CheckoutType {
	case "":
		v.add("CheckoutType", "is required")
	case CheckoutProvisional, CheckoutPerpetual:
	default:
		v.add("CheckoutType", fmt.Sprintf("%q is not one of PROVISIONAL, PERPETUAL", in.CheckoutType))
	}
	v.name("KeyFingerprint", in.KeyFingerprint, true)
	validateEntitlementData(v, in.Entitlements)
	v.clientToken("ClientToken", in.ClientToken)
	v.name("Beneficiary", in.Beneficiary, false)
	v.name("NodeId", in.NodeID, false)
	return v.err()
}

func validateEntitlementData(v *validator, ents []EntitlementData) {
	if len(ents) == 0 {
		v.add("Entitlements", "must contain at least one entitlement")
		return
	}
	if len(ents) > MaxEntitlements {
		v.add("Entitlements", fmt.Sprintf("must contain at most %d entitlements", MaxEntitlements))
		return
	}
	seen := map[string]bool{}
	for i, e := range ents {
		f := fmt.Sprintf("Entitlements[%d]", i)
		v.name(f+".Name", e.Name, true)
		if seen[e.Name] && e.Name != "" {
			v.add(f+".Name", fmt.Sprintf("duplicate entitlement name %q", e.Name))
		}
		seen[e.Name] = true
		if e.Unit == "" {
			v.add(f+".Unit", "is required")
		} else if !e.Unit.Valid() {
			v.add(f+".Unit", fmt.Sprintf("%q is not a valid EntitlementDataUnit", e.Unit))
		}
		if e.Value != nil && e.Unit != UnitNone {
			if _, err := ParseQuantity(*e.Value); err != nil {
				v.add(f+".Value", err.Error())
			}
		}
	}
}

// ParseQuantity parses a requested quantity: a positive decimal integer.
func ParseQuantity(s string) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 1 || n > MaxQuantity {
		return 0, fmt.Errorf("%q is not a quantity (a whole number from 1 to %d)", s, int64(MaxQuantity))
	}
	return n, nil
}

// CheckoutResult is the answer to CheckoutLicense.
type CheckoutResult struct {
	CheckoutType        CheckoutType
	LicenseARN          string
	ConsumptionToken    string
	EntitlementsAllowed []EntitlementData
	NodeID              string
	IssuedAt            time.Time
	Expiration          time.Time
	SignedToken         string
	CheckoutMetadata    []Metadata // borrow only

	// LicenseVersion and SignKey are what the token is signed from; they
	// are kept with the answer so a replay signs the same claims. Not on
	// the wire.
	LicenseVersion int
	SignKey        string
	KeyFingerprint string
	Beneficiary    string
}

// DigitalSignatureJWTPS384 is the only DigitalSignatureMethod of
// CheckoutBorrowLicense: a JWS signed PS384 with the issuer's RSA key.
const DigitalSignatureJWTPS384 = "JWT_PS384"

// MaxCheckoutMetadata bounds CheckoutBorrowLicense's CheckoutMetadata.
const MaxCheckoutMetadata = 50

// BorrowInput is a CheckoutBorrowLicense request.
type BorrowInput struct {
	LicenseARN             string
	Entitlements           []EntitlementData
	DigitalSignatureMethod string
	NodeID                 string
	CheckoutMetadata       []Metadata
	ClientToken            string
}

// Validate checks the request's constraints. An unknown
// DigitalSignatureMethod is EUNSUPPORTED, reported after the other checks.
func (in *BorrowInput) Validate() error {
	v := &validator{}
	v.arn("LicenseArn", in.LicenseARN)
	validateEntitlementData(v, in.Entitlements)
	if in.DigitalSignatureMethod == "" {
		v.add("DigitalSignatureMethod", "is required")
	}
	v.clientToken("ClientToken", in.ClientToken)
	v.name("NodeId", in.NodeID, false)
	if len(in.CheckoutMetadata) > MaxCheckoutMetadata {
		v.add("CheckoutMetadata", fmt.Sprintf("must contain at most %d entries", MaxCheckoutMetadata))
	}
	seen := map[string]bool{}
	for i, m := range in.CheckoutMetadata {
		f := fmt.Sprintf("CheckoutMetadata[%d]", i)
		v.name(f+".Name", m.Name, true)
		v.length(f+".Value", m.Value, 1024)
		if seen[m.Name] {
			v.add(f+".Name", fmt.Sprintf("duplicate name %q", m.Name))
		}
		seen[m.Name] = true
	}
	if err := v.err(); err != nil {
		return err
	}
	if in.DigitalSignatureMethod != DigitalSignatureJWTPS384 {
		return Errorf(EUNSUPPORTED, "DigitalSignatureMethod %q is not supported; the only method is JWT_PS384.", in.DigitalSignatureMethod)
	}
	return nil
}

// ExtendResult is the answer to ExtendLicenseConsumption.
type ExtendResult struct {
	ConsumptionToken string
	Expiration       time.Time
}

// UsageKind is what happened to a checkout.
type UsageKind string

// Usage kinds.
const (
	UsageCheckout UsageKind = "CHECKOUT"
	UsageExtend   UsageKind = "EXTEND"
	UsageCheckIn  UsageKind = "CHECKIN"
	UsageExpire   UsageKind = "EXPIRE"
)

// UsageRecord is one immutable line of the usage ledger: one entitlement
// of one event of one checkout.
type UsageRecord struct {
	Seq           int64 // assigned by the store, increasing
	Time          time.Time
	Kind          UsageKind
	IssuerAccount string
	AccountID     string
	LicenseARN    string
	Beneficiary   string
	NodeID        string
	Token         string
	CheckoutType  CheckoutType
	Entitlement   string
	Unit          Unit
	Quantity      int64 // units taken (checkout) or returned (check-in, expiry)
	Overage       int64 // units of this event beyond MaxCount
	Period        int64
}

// UsageFilter selects usage records.
type UsageFilter struct {
	LicenseARN    string
	IssuerAccount string
	AccountID     string
	Token         string
	After         int64 // Seq
	Limit         int
}

// CounterKey names one entitlement's counter.
type CounterKey struct {
	LicenseARN  string
	Entitlement string
}

// Counter is the consumption of one entitlement: units held by live
// provisional checkouts (Floating, never renewed) and units drawn down by
// perpetual checkouts in the current period (Drawdown, reset at each
// renewal).
type Counter struct {
	CounterKey
	Period   int64
	Floating int64
	Drawdown int64
}

// Total is what counts against MaxCount.
func (c Counter) Total() int64 { return c.Floating + c.Drawdown }

// ConsumeRequest asks the store to add units to a counter if, and only if,
// the counter is in Period and the new total stays within Max (nil: no
// limit).
type ConsumeRequest struct {
	CounterKey
	Period   int64
	Floating int64
	Drawdown int64
	Max      *int64
}

// LicenseUsage is the answer to GetLicenseUsage.
type LicenseUsage struct {
	EntitlementUsages []EntitlementUsage
}

// CheckoutService is the consumption API (F2–F4).
type CheckoutService interface {
	// CheckoutLicense takes entitlements of a license found by ProductSKU
	// and KeyFingerprint. ENOTFOUND when no license matches; ENOENTITLEMENT
	// when none can satisfy the request.
	CheckoutLicense(ctx context.Context, in CheckoutInput) (*CheckoutResult, error)
	// CheckInLicense returns a checkout's units (provisional only).
	// ENOTFOUND for an unknown token.
	CheckInLicense(ctx context.Context, token, beneficiary string) error
	// ExtendLicenseConsumption pushes a live provisional checkout's
	// expiration to one TTL from now. ESTATE when it expired or was checked in.
	ExtendLicenseConsumption(ctx context.Context, token string, dryRun bool) (*ExtendResult, error)
	// CheckoutBorrowLicense takes entitlements of a license with a
	// BorrowConfiguration for offline use, all or nothing, and returns a
	// PS384 token signed with the issuer's RSA key. EINVALID when the
	// license does not allow borrowing; EUNSUPPORTED for any signature
	// method but JWT_PS384.
	CheckoutBorrowLicense(ctx context.Context, in BorrowInput) (*CheckoutResult, error)
	// GetLicenseUsage reports consumption per entitlement.
	GetLicenseUsage(ctx context.Context, arn string) (*LicenseUsage, error)
}

// CheckoutStore persists checkouts, counters and the usage ledger.
type CheckoutStore interface {
	// CreateCheckout inserts a checkout. ECONFLICT if the token exists.
	CreateCheckout(ctx context.Context, c *Checkout) error
	// FindCheckoutByToken returns a checkout. ENOTFOUND.
	FindCheckoutByToken(ctx context.Context, token string) (*Checkout, error)
	// UpdateCheckout sets a checkout's status and expiration, only if its
	// status is still from. ECONFLICT when it is not; ENOTFOUND.
	UpdateCheckout(ctx context.Context, token string, from, to CheckoutStatus, expiration time.Time) error
	// CheckInCheckout marks an ACTIVE checkout CHECKED_IN and returns it
	// (one conditional write, so only one caller ever checks a checkout
	// in). ECONFLICT when it is no longer ACTIVE; ENOTFOUND.
	CheckInCheckout(ctx context.Context, token string) (*Checkout, error)
	// FindExpiredCheckouts returns up to limit ACTIVE provisional checkouts
	// whose expiration is at or before t; arn "" means every license.
	FindExpiredCheckouts(ctx context.Context, arn string, t time.Time, limit int) ([]*Checkout, error)
	// CountActiveCheckouts counts the ACTIVE checkouts of a license.
	CountActiveCheckouts(ctx context.Context, arn string) (int, error)

	// Consume applies a ConsumeRequest atomically (one conditional write)
	// and returns the counter after it; applied is false, and nothing is
	// written, when the counter is missing, in another period, or the
	// limit would be exceeded.
	Consume(ctx context.Context, r ConsumeRequest) (c Counter, applied bool, err error)
	// Release subtracts floating units from a counter (never below zero).
	Release(ctx context.Context, k CounterKey, floating int64) error
	// FindCounters returns the counters of a license.
	FindCounters(ctx context.Context, arn string) ([]Counter, error)
	// EnsureCounter creates a counter in period if it does not exist.
	EnsureCounter(ctx context.Context, k CounterKey, period int64) error
	// RenewCounter moves a counter whose period is before period into
	// period: its drawdown is kept in the period history and reset to 0.
	RenewCounter(ctx context.Context, k CounterKey, period int64) error

	// CreateUsageRecords appends records to the ledger, assigning Seq.
	CreateUsageRecords(ctx context.Context, rs []*UsageRecord) error
	// FindUsageRecords pages through the ledger in Seq order.
	FindUsageRecords(ctx context.Context, f UsageFilter) ([]*UsageRecord, error)
}
