package licensor

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"time"
)

// GrantStatus is the state of a grant.
type GrantStatus string

// Grant statuses (the model's GrantStatus).
const (
	GrantPendingWorkflow   GrantStatus = "PENDING_WORKFLOW"
	GrantPendingAccept     GrantStatus = "PENDING_ACCEPT"
	GrantRejected          GrantStatus = "REJECTED"
	GrantActive            GrantStatus = "ACTIVE"
	GrantFailedWorkflow    GrantStatus = "FAILED_WORKFLOW"
	GrantDeleted           GrantStatus = "DELETED"
	GrantPendingDelete     GrantStatus = "PENDING_DELETE"
	GrantDisabled          GrantStatus = "DISABLED"
	GrantWorkflowCompleted GrantStatus = "WORKFLOW_COMPLETED"
)

// Valid reports whether s is one of the model's values.
func (s GrantStatus) Valid() bool {
	switch s {
	case GrantPendingWorkflow, GrantPendingAccept, GrantRejected, GrantActive, GrantFailedWorkflow,
		GrantDeleted, GrantPendingDelete, GrantDisabled, GrantWorkflowCompleted:
		return true
	}
	return false
}

// Final reports whether the grant can never change again.
func (s GrantStatus) Final() bool {
	return s == GrantRejected || s == GrantDeleted || s == GrantPendingDelete
}

// AllowedOperation is an operation a grant lets its grantee perform.
type AllowedOperation string

// Allowed operations (the model's AllowedOperation, plus the value one AWS
// reference page lists and the newest model's list length allows).
const (
	OpCreateGrant                    AllowedOperation = "CreateGrant"
	OpCheckoutLicense                AllowedOperation = "CheckoutLicense"
	OpCheckoutBorrowLicense          AllowedOperation = "CheckoutBorrowLicense"
	OpCheckInLicense                 AllowedOperation = "CheckInLicense"
	OpExtendConsumptionLicense       AllowedOperation = "ExtendConsumptionLicense"
	OpListPurchasedLicenses          AllowedOperation = "ListPurchasedLicenses"
	OpCreateToken                    AllowedOperation = "CreateToken"
	OpBatchCreateLicenseUsageRecords AllowedOperation = "BatchCreateLicenseUsageRecords"
)

// AllOperations is everything a license's issuer may grant.
var AllOperations = []AllowedOperation{
	OpCreateGrant, OpCheckoutLicense, OpCheckoutBorrowLicense, OpCheckInLicense,
	OpExtendConsumptionLicense, OpListPurchasedLicenses, OpCreateToken, OpBatchCreateLicenseUsageRecords,
}

// Valid reports whether op is a known operation.
func (op AllowedOperation) Valid() bool { return slices.Contains(AllOperations, op) }

// ActivationOverrideBehavior is the model's Options.ActivationOverrideBehavior.
type ActivationOverrideBehavior string

// Activation override behaviors.
const (
	DistributedGrantsOnly      ActivationOverrideBehavior = "DISTRIBUTED_GRANTS_ONLY"
	AllGrantsPermittedByIssuer ActivationOverrideBehavior = "ALL_GRANTS_PERMITTED_BY_ISSUER"
)

// GrantOptions are the model's grant Options.
type GrantOptions struct {
	ActivationOverrideBehavior ActivationOverrideBehavior
}

// MaxGrantsPerLicense is AWS's limit.
const MaxGrantsPerLicense = 2000

// Grant is one immutable version of a grant: the right of one principal
// (an account or an organization) to perform some operations on a license.
type Grant struct {
	ARN                 string
	AccountID           string // the granting account
	Version             int
	Name                string
	ParentARN           string // the license, or the grant this one redistributes
	LicenseARN          string
	GranteePrincipalARN string
	HomeRegion          string
	Status              GrantStatus
	StatusReason        string
	GrantedOperations   []AllowedOperation
	Options             *GrantOptions
	Tags                []Tag
	CreateTime          time.Time
}

// VersionString is the wire form of Version.
func (g *Grant) VersionString() string { return strconv.Itoa(g.Version) }

// Allows reports whether the grant lets its grantee perform op now.
func (g *Grant) Allows(op AllowedOperation) bool {
	return g.Status == GrantActive && slices.Contains(g.GrantedOperations, op)
}

// GrantARN builds a grant ARN.
func GrantARN(accountID, hexID string) string {
	return "arn:aws:license-manager::" + accountID + ":grant:g-" + hexID
}

// AccountPrincipal is the principal ARN of an account.
func AccountPrincipal(accountID string) string { return "arn:aws:iam::" + accountID + ":root" }

var (
	accountPrincipalRe = regexp.MustCompile(`^arn:aws:iam::([0-9]{12}):root$`)
	orgPrincipalRe     = regexp.MustCompile(`^arn:aws:organizations::([0-9]{12}):organization/(o-[a-z0-9]{10,32})$`)
)

// ParsePrincipal returns the account ID of an account principal, or the
// organization ID of an organization principal.
func ParsePrincipal(arn string) (accountID, orgID string, ok bool) {
	if m := accountPrincipalRe.FindStringSubmatch(arn); m != nil {
		return m[1], "", true
	}
	if m := orgPrincipalRe.FindStringSubmatch(arn); m != nil {
		return "", m[2], true
	}
	return "", "", false
}

// OrganizationPrincipal is the principal ARN of an organization.
func OrganizationPrincipal(managementAccountID, orgID string) string {
	return "arn:aws:organizations::" + managementAccountID + ":organization/" + orgID
}

func validateOperations(v *validator, field string, ops []AllowedOperation) {
	if len(ops) == 0 || len(ops) > len(AllOperations) {
		v.add(field, fmt.Sprintf("must list 1 to %d operations", len(AllOperations)))
		return
	}
	seen := map[AllowedOperation]bool{}
	for i, op := range ops {
		if !op.Valid() {
			v.add(fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("%q is not an AllowedOperation", op))
		} else if seen[op] {
			v.add(fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("duplicate operation %s", op))
		}
		seen[op] = true
	}
}

// CreateGrantInput is a request to grant a license (or redistribute a
// received grant) to one principal.
type CreateGrantInput struct {
	ClientToken       string
	GrantName         string
	LicenseARN        string
	Principals        []string
	HomeRegion        string
	AllowedOperations []AllowedOperation
	Tags              []Tag
}

// Validate checks every constraint of the request.
func (in *CreateGrantInput) Validate() error {
	v := &validator{}
	v.clientToken("ClientToken", in.ClientToken)
	v.name("GrantName", in.GrantName, true)
	v.arn("LicenseArn", in.LicenseARN)
	if len(in.Principals) != 1 {
		v.add("Principals", "must contain exactly one principal")
	} else if _, _, ok := ParsePrincipal(in.Principals[0]); !ok {
		v.add("Principals[0]", "must be an account (arn:aws:iam::<account>:root) or an organization (arn:aws:organizations::<account>:organization/o-…)")
	}
	v.region("HomeRegion", in.HomeRegion)
	validateOperations(v, "AllowedOperations", in.AllowedOperations)
	validateTags(v, in.Tags)
	return v.err()
}

// CreateGrantVersionInput is a request to write a grant's next version.
// Empty fields keep the current version's values.
type CreateGrantVersionInput struct {
	ClientToken       string
	GrantARN          string
	GrantName         string
	AllowedOperations []AllowedOperation
	Status            GrantStatus
	StatusReason      string
	SourceVersion     string
	Options           *GrantOptions
}

// Validate checks every constraint of the request.
func (in *CreateGrantVersionInput) Validate() error {
	v := &validator{}
	v.clientToken("ClientToken", in.ClientToken)
	v.arn("GrantArn", in.GrantARN)
	if in.GrantName != "" {
		v.name("GrantName", in.GrantName, false)
	}
	if in.AllowedOperations != nil {
		validateOperations(v, "AllowedOperations", in.AllowedOperations)
	}
	if in.Status != "" && !in.Status.Valid() {
		v.add("Status", fmt.Sprintf("%q is not a valid GrantStatus", in.Status))
	}
	if len([]rune(in.StatusReason)) > 400 {
		v.add("StatusReason", "must be at most 400 characters")
	}
	if in.SourceVersion != "" {
		if _, err := ParseVersion("SourceVersion", in.SourceVersion); err != nil {
			v.add("SourceVersion", fmt.Sprintf("%q is not a valid version", in.SourceVersion))
		}
	}
	if in.Options != nil {
		switch in.Options.ActivationOverrideBehavior {
		case "", DistributedGrantsOnly, AllGrantsPermittedByIssuer:
		default:
			v.add("Options.ActivationOverrideBehavior", fmt.Sprintf("%q is not valid", in.Options.ActivationOverrideBehavior))
		}
	}
	return v.err()
}

// GrantFilter selects grants.
type GrantFilter struct {
	ARNs               []string
	GranterAccountID   string   // grants made by this account
	GranteePrincipals  []string // grants to any of these principals
	LicenseARNs        []string
	Statuses           []GrantStatus
	ParentARN          string
	ProductSKUs        []string // of the license
	LicenseIssuerNames []string // of the license
	GranterAccountIDs  []string // ListReceivedGrants' GranterAccountId filter
	After              string
	Limit              int
}

// ReceivedMetadata is what a grantee sees of its grant on a license.
type ReceivedMetadata struct {
	ReceivedStatus       GrantStatus
	ReceivedStatusReason string
	AllowedOperations    []AllowedOperation
}

// GrantedLicense is a license as its grantee lists it.
type GrantedLicense struct {
	License
	Received ReceivedMetadata
}

// GrantStore persists grants and their immutable versions.
type GrantStore interface {
	// CreateGrant inserts a new grant whose first version is g (g.Version
	// must be 1). ECONFLICT if the ARN exists; ENOTFOUND if the license does
	// not.
	CreateGrant(ctx context.Context, g *Grant) error
	// CreateGrantVersion appends version g.Version to an existing grant and
	// makes it current. ECONFLICT if that version exists; ENOTFOUND if the
	// grant does not.
	CreateGrantVersion(ctx context.Context, g *Grant) error
	// FindGrantByARN returns the current version of a grant. ENOTFOUND.
	FindGrantByARN(ctx context.Context, arn string) (*Grant, error)
	// FindGrantVersion returns one version as it was written. ENOTFOUND.
	FindGrantVersion(ctx context.Context, arn string, version int) (*Grant, error)
	// FindGrants pages through current versions matching f in creation
	// order (every non-empty slice is an OR over its values; filters AND
	// together; ProductSKUs and LicenseIssuerNames match the granted
	// license's current version); returns the next cursor or "".
	// EINVALID for a malformed cursor.
	FindGrants(ctx context.Context, f GrantFilter) ([]*Grant, string, error)
	// CountGrants counts the grants of a license that are not DELETED.
	CountGrants(ctx context.Context, licenseARN string) (int, error)
}

// OrganizationStore persists organizations and their members.
type OrganizationStore interface {
	// CreateOrganization inserts an organization; its management account
	// becomes a member. ECONFLICT if the ID exists or the management account
	// already manages one; ENOTFOUND if the account does not exist.
	CreateOrganization(ctx context.Context, o *Organization) error
	// FindOrganizationByID returns an organization. ENOTFOUND.
	FindOrganizationByID(ctx context.Context, id string) (*Organization, error)
	// FindOrganizations lists organizations in creation order.
	FindOrganizations(ctx context.Context) ([]*Organization, error)
	// AddOrganizationMember adds an account. ECONFLICT if it is a member of
	// any organization already (an account belongs to at most one);
	// ENOTFOUND if the organization or the account does not exist.
	AddOrganizationMember(ctx context.Context, orgID, accountID string) error
	// RemoveOrganizationMember removes an account. ENOTFOUND if it is not a
	// member; EINVALID for the management account.
	RemoveOrganizationMember(ctx context.Context, orgID, accountID string) error
	// FindOrganizationMembers lists the member account IDs, sorted.
	FindOrganizationMembers(ctx context.Context, orgID string) ([]string, error)
	// FindOrganizationOfAccount returns the organization an account belongs
	// to. ENOTFOUND if none.
	FindOrganizationOfAccount(ctx context.Context, accountID string) (*Organization, error)
}

// ReceivedLicenseFilter selects received licenses (ListReceivedLicenses).
type ReceivedLicenseFilter struct {
	ARNs          []string
	ProductSKUs   []string
	Fingerprints  []string
	IssuerNames   []string
	Beneficiaries []string
	Statuses      []LicenseStatus
	Limit         int
}

// GrantService is the grant API (F7): sellers grant licenses, buyers
// accept, activate, reject and redistribute them.
type GrantService interface {
	// CreateGrant grants a license to one principal (PENDING_ACCEPT).
	// ENOTFOUND for a license the caller can neither issue nor redistribute;
	// EFORBIDDEN for redistribution outside the caller's organization or
	// without CreateGrant; ELIMIT past MaxGrantsPerLicense.
	CreateGrant(ctx context.Context, in CreateGrantInput) (*Grant, error)
	// CreateGrantVersion writes a grant's next version. ECONFLICT for a
	// stale SourceVersion; ESTATE for a transition the flow forbids.
	CreateGrantVersion(ctx context.Context, in CreateGrantVersionInput) (*Grant, error)
	// GetGrant returns a version ("" for the current one). ENOTFOUND.
	GetGrant(ctx context.Context, arn, version string) (*Grant, error)
	// DeleteGrant deletes a grant (version must be current); grants
	// redistributed from it are disabled.
	DeleteGrant(ctx context.Context, arn, version, reason string) (*Grant, error)
	// AcceptGrant moves a received grant from PENDING_ACCEPT to DISABLED.
	AcceptGrant(ctx context.Context, arn string) (*Grant, error)
	// RejectGrant moves a received grant to REJECTED, for good.
	RejectGrant(ctx context.Context, arn string) (*Grant, error)
	// ListDistributedGrants pages through the grants the caller made.
	ListDistributedGrants(ctx context.Context, f GrantFilter, nextToken string) ([]*Grant, string, error)
	// ListReceivedGrants pages through the grants the caller received.
	ListReceivedGrants(ctx context.Context, f GrantFilter, nextToken string) ([]*Grant, string, error)
	// ListReceivedGrantsForOrganization pages through the grants of a
	// license received by the caller's organization (management account).
	ListReceivedGrantsForOrganization(ctx context.Context, licenseARN string, f GrantFilter, nextToken string) ([]*Grant, string, error)
	// ListReceivedLicenses pages through the licenses granted to the caller.
	ListReceivedLicenses(ctx context.Context, f ReceivedLicenseFilter, nextToken string) ([]*GrantedLicense, string, error)
	// ListReceivedLicensesForOrganization is ListReceivedLicenses for the
	// caller's whole organization (management account).
	ListReceivedLicensesForOrganization(ctx context.Context, f ReceivedLicenseFilter, nextToken string) ([]*GrantedLicense, string, error)
}
