package licensor

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// LicenseStatus is the lifecycle state of a license.
type LicenseStatus string

// License statuses.
const (
	LicenseAvailable        LicenseStatus = "AVAILABLE"
	LicensePendingAvailable LicenseStatus = "PENDING_AVAILABLE"
	LicenseDeactivated      LicenseStatus = "DEACTIVATED"
	LicenseSuspended        LicenseStatus = "SUSPENDED"
	LicenseExpired          LicenseStatus = "EXPIRED"
	LicensePendingDelete    LicenseStatus = "PENDING_DELETE"
	LicenseDeleted          LicenseStatus = "DELETED"
)

// Valid reports whether s is one of the model's values.
func (s LicenseStatus) Valid() bool {
	switch s {
	case LicenseAvailable, LicensePendingAvailable, LicenseDeactivated, LicenseSuspended,
		LicenseExpired, LicensePendingDelete, LicenseDeleted:
		return true
	}
	return false
}

// Deleted reports whether the license is on its way out (read-only).
func (s LicenseStatus) Deleted() bool { return s == LicensePendingDelete || s == LicenseDeleted }

// RenewType is how often drawdown counters restart.
type RenewType string

// Renew types.
const (
	RenewNone    RenewType = "None"
	RenewWeekly  RenewType = "Weekly"
	RenewMonthly RenewType = "Monthly"
)

// LicenseRetention is how long a deleted license stays readable before the
// purge job removes it.
const LicenseRetention = 6 * 30 * 24 * time.Hour

// DefaultProvisionalTTL applies when a license has no ProvisionalConfiguration.
const DefaultProvisionalTTL = 60 * time.Minute

// Issuer names who issued a license. KeyFingerprint is derived, never sent.
type Issuer struct {
	Name           string
	SignKey        string
	KeyFingerprint string
}

// KeyFingerprint returns the fingerprint AWS writes for an issuer:
// aws:<issuer account>:<issuer name>:issuer-fingerprint.
func KeyFingerprint(accountID, issuerName string) string {
	return "aws:" + accountID + ":" + issuerName + ":issuer-fingerprint"
}

// ParseKeyFingerprint splits a fingerprint into account and issuer name.
func ParseKeyFingerprint(fp string) (accountID, issuerName string, ok bool) {
	rest, ok := strings.CutPrefix(fp, "aws:")
	if !ok || len(rest) < 13 || rest[12] != ':' || !ValidAccountID(rest[:12]) {
		return "", "", false
	}
	name, ok := strings.CutSuffix(rest[13:], ":issuer-fingerprint")
	if !ok || name == "" {
		return "", "", false
	}
	return rest[:12], name, true
}

// DatetimeRange is a license's validity. Begin and End are kept as the
// vendor wrote them so they are echoed exactly; BeginTime and EndTime parse.
type DatetimeRange struct {
	Begin string
	End   string // "" when the license never ends
}

// BeginTime returns the parsed Begin (zero if invalid; Validate rejects that).
func (r DatetimeRange) BeginTime() time.Time { t, _ := ParseTime(r.Begin); return t }

// EndTime returns the parsed End and whether there is one.
func (r DatetimeRange) EndTime() (time.Time, bool) {
	if r.End == "" {
		return time.Time{}, false
	}
	t, err := ParseTime(r.End)
	return t, err == nil
}

// ProvisionalConfiguration bounds floating checkouts.
type ProvisionalConfiguration struct {
	MaxTimeToLiveInMinutes int32
}

// BorrowConfiguration bounds offline borrowing.
type BorrowConfiguration struct {
	AllowEarlyCheckIn      bool
	MaxTimeToLiveInMinutes int32
}

// ConsumptionConfiguration is how a license may be consumed.
type ConsumptionConfiguration struct {
	RenewType   RenewType // "" when not given
	Provisional *ProvisionalConfiguration
	Borrow      *BorrowConfiguration
}

// ProvisionalTTL is how long a provisional checkout lives.
func (c ConsumptionConfiguration) ProvisionalTTL() time.Duration {
	if c.Provisional == nil || c.Provisional.MaxTimeToLiveInMinutes <= 0 {
		return DefaultProvisionalTTL
	}
	return time.Duration(c.Provisional.MaxTimeToLiveInMinutes) * time.Minute
}

// Metadata is a name/value pair attached to a license or checkout.
type Metadata struct {
	Name  string
	Value string
}

// Tag is a key/value label.
type Tag struct {
	Key   string
	Value string
}

// License is one immutable version of a license. The lifecycle fields
// (Status of a deleted license, DeletionDate) belong to the license as a
// whole and are overlaid on the version read.
type License struct {
	ARN                      string
	AccountID                string // the issuing (seller) account
	Version                  int
	Name                     string
	ProductName              string
	ProductSKU               string
	Issuer                   Issuer
	HomeRegion               string
	Status                   LicenseStatus
	Validity                 DatetimeRange
	Beneficiary              string
	Entitlements             []Entitlement
	ConsumptionConfiguration ConsumptionConfiguration
	Metadata                 []Metadata
	Tags                     []Tag
	CreateTime               time.Time // when this version was written
	DeletionDate             *time.Time
}

// VersionString is the wire form of Version.
func (l *License) VersionString() string { return strconv.Itoa(l.Version) }

// Entitlement returns the entitlement with the given name, or nil.
func (l *License) Entitlement(name string) *Entitlement {
	for i := range l.Entitlements {
		if l.Entitlements[i].Name == name {
			return &l.Entitlements[i]
		}
	}
	return nil
}

// ParseVersion parses a wire version ("1", "2", …).
func ParseVersion(field, s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || strconv.Itoa(n) != s {
		return 0, Errorf(EINVALID, "1 validation error detected: %s %q is not a valid version.", field, s)
	}
	return n, nil
}

// LicenseARN builds a license ARN.
func LicenseARN(accountID, hexID string) string {
	return "arn:aws:license-manager::" + accountID + ":license:l-" + hexID
}

// ParseLicenseARN returns the account of a license ARN.
func ParseLicenseARN(arn string) (accountID string, ok bool) {
	rest, ok := strings.CutPrefix(arn, "arn:aws:license-manager::")
	if !ok || len(rest) != 12+len(":license:l-")+32 || !ValidAccountID(rest[:12]) {
		return "", false
	}
	id, ok := strings.CutPrefix(rest[12:], ":license:l-")
	if !ok || !isLowerHex(id) {
		return "", false
	}
	return rest[:12], true
}

func isLowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// LicenseFields are the vendor-supplied fields shared by CreateLicense and
// CreateLicenseVersion.
type LicenseFields struct {
	Name                     string
	ProductName              string
	Issuer                   Issuer
	HomeRegion               string
	Validity                 DatetimeRange
	Entitlements             []Entitlement
	ConsumptionConfiguration ConsumptionConfiguration
	Metadata                 []Metadata
}

func (f *LicenseFields) validate(v *validator) {
	v.name("LicenseName", f.Name, true)
	v.name("ProductName", f.ProductName, true)
	v.name("Issuer.Name", f.Issuer.Name, true)
	if f.Issuer.SignKey != "" {
		v.length("Issuer.SignKey", f.Issuer.SignKey, 2048)
	}
	v.region("HomeRegion", f.HomeRegion)
	if v.required("Validity.Begin", f.Validity.Begin) {
		begin, ok := v.time("Validity.Begin", f.Validity.Begin)
		if f.Validity.End != "" {
			if end, ok2 := v.time("Validity.End", f.Validity.End); ok && ok2 && !begin.Before(end) {
				v.add("Validity.End", "must be after Validity.Begin")
			}
		}
	}
	validateEntitlements(v, "Entitlements", f.Entitlements)
	cc := f.ConsumptionConfiguration
	if cc.RenewType != "" && cc.RenewType != RenewNone && cc.RenewType != RenewWeekly && cc.RenewType != RenewMonthly {
		v.add("ConsumptionConfiguration.RenewType", fmt.Sprintf("%q is not one of None, Weekly, Monthly", cc.RenewType))
	}
	if cc.Provisional != nil && cc.Provisional.MaxTimeToLiveInMinutes < 1 {
		v.add("ConsumptionConfiguration.ProvisionalConfiguration.MaxTimeToLiveInMinutes", "must be at least 1")
	}
	if cc.Borrow != nil && cc.Borrow.MaxTimeToLiveInMinutes < 1 {
		v.add("ConsumptionConfiguration.BorrowConfiguration.MaxTimeToLiveInMinutes", "must be at least 1")
	}
	if len(f.Metadata) > MaxMetadata {
		v.add("LicenseMetadata", fmt.Sprintf("must contain at most %d entries", MaxMetadata))
	}
	for i, m := range f.Metadata {
		v.name(fmt.Sprintf("LicenseMetadata[%d].Name", i), m.Name, true)
		v.length(fmt.Sprintf("LicenseMetadata[%d].Value", i), m.Value, MaxValueLength)
	}
}

// CreateLicenseInput is a request to issue a new license.
type CreateLicenseInput struct {
	LicenseFields
	ProductSKU  string
	Beneficiary string
	Tags        []Tag
	ClientToken string
}

// Validate checks every constraint of the request.
func (in *CreateLicenseInput) Validate() error {
	v := &validator{}
	in.LicenseFields.validate(v)
	v.name("ProductSKU", in.ProductSKU, true)
	v.name("Beneficiary", in.Beneficiary, true)
	validateTags(v, in.Tags)
	v.clientToken("ClientToken", in.ClientToken)
	return v.err()
}

func validateTags(v *validator, tags []Tag) {
	if len(tags) > MaxTags {
		v.add("Tags", fmt.Sprintf("must contain at most %d tags", MaxTags))
	}
	seen := map[string]bool{}
	for i, t := range tags {
		f := fmt.Sprintf("Tags[%d]", i)
		if v.required(f+".Key", t.Key) {
			v.length(f+".Key", t.Key, MaxTagKeyLength)
		}
		v.length(f+".Value", t.Value, MaxTagValueLength)
		if seen[t.Key] {
			v.add(f+".Key", fmt.Sprintf("duplicate tag key %q", t.Key))
		}
		seen[t.Key] = true
	}
}

// CreateLicenseVersionInput is a request to write the next version.
type CreateLicenseVersionInput struct {
	LicenseFields
	LicenseARN    string
	Status        LicenseStatus
	SourceVersion string // optional; when set it must be the current version
	ClientToken   string
}

// Validate checks every constraint of the request.
func (in *CreateLicenseVersionInput) Validate() error {
	v := &validator{}
	v.arn("LicenseArn", in.LicenseARN)
	in.LicenseFields.validate(v)
	switch {
	case in.Status == "":
		v.add("Status", "is required")
	case !in.Status.Valid():
		v.add("Status", fmt.Sprintf("%q is not a valid LicenseStatus", in.Status))
	case in.Status == LicenseExpired || in.Status.Deleted():
		v.add("Status", fmt.Sprintf("%s cannot be set by a new version (use DeleteLicense to delete)", in.Status))
	}
	if in.SourceVersion != "" {
		if _, err := ParseVersion("SourceVersion", in.SourceVersion); err != nil {
			v.add("SourceVersion", fmt.Sprintf("%q is not a valid version", in.SourceVersion))
		}
	}
	v.clientToken("ClientToken", in.ClientToken)
	return v.err()
}

// LicenseFilter selects a seller's licenses (ListLicenses).
type LicenseFilter struct {
	AccountID   string
	ARNs        []string
	Beneficiary []string
	ProductSKU  []string
	Fingerprint []string
	Status      []LicenseStatus
	After       string // store cursor
	Limit       int
}

// Page is a cursor and a size for listing.
type Page struct {
	After string
	Limit int
}

// DeleteLicenseResult is the answer to DeleteLicense.
type DeleteLicenseResult struct {
	Status       LicenseStatus
	DeletionDate time.Time
}

// LicenseService is the seller's license API (F1).
type LicenseService interface {
	// CreateLicense issues version 1 of a license. EINVALID on a bad
	// request; ECONFLICT when ClientToken was used for a different request.
	CreateLicense(ctx context.Context, in CreateLicenseInput) (*License, error)
	// CreateLicenseVersion writes the next version. ENOTFOUND for a license
	// the caller does not own; ECONFLICT for a stale SourceVersion or a
	// deleted license.
	CreateLicenseVersion(ctx context.Context, in CreateLicenseVersionInput) (*License, error)
	// GetLicense returns a version ("" for the current one). ENOTFOUND.
	GetLicense(ctx context.Context, arn, version string) (*License, error)
	// ListLicenses pages through the caller's licenses.
	ListLicenses(ctx context.Context, f LicenseFilter, nextToken string) ([]*License, string, error)
	// ListLicenseVersions pages through every version of a license.
	ListLicenseVersions(ctx context.Context, arn string, nextToken string, limit int) ([]*License, string, error)
	// DeleteLicense deletes a license; ECONFLICT for a stale SourceVersion.
	DeleteLicense(ctx context.Context, arn, sourceVersion string) (*DeleteLicenseResult, error)
}
