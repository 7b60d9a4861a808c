package licensor

import (
	"context"
	"regexp"
	"time"
)

// Organization groups accounts under a management account. A grant to an
// organization reaches its members, and a member holding CreateGrant may
// redistribute to the organization's accounts only.
type Organization struct {
	ID                  string // o- and 10 lowercase letters or digits
	Name                string
	ManagementAccountID string
	CreatedAt           time.Time
}

// Principal is the organization's principal ARN.
func (o *Organization) Principal() string { return OrganizationPrincipal(o.ManagementAccountID, o.ID) }

var orgIDRe = regexp.MustCompile(`^o-[a-z0-9]{10,32}$`)

// ValidOrganizationID reports whether id has the form of an organization ID.
func ValidOrganizationID(id string) bool { return orgIDRe.MatchString(id) }

// OrganizationService manages organizations. The root account may manage
// any; an account may create the organization it manages and add or remove
// its members.
type OrganizationService interface {
	// CreateOrganization creates an organization managed by
	// managementAccountID. EFORBIDDEN unless the caller is root or that
	// account; ECONFLICT if the account already belongs to one.
	CreateOrganization(ctx context.Context, managementAccountID, name string) (*Organization, error)
	// AddOrganizationMember adds an account. ECONFLICT if it belongs to an
	// organization already.
	AddOrganizationMember(ctx context.Context, orgID, accountID string) error
	// RemoveOrganizationMember removes an account (not the management one).
	RemoveOrganizationMember(ctx context.Context, orgID, accountID string) error
	// DescribeOrganization returns an organization and its members.
	DescribeOrganization(ctx context.Context, orgID string) (*Organization, []string, error)
	// ListOrganizations lists every organization (root) or the caller's.
	ListOrganizations(ctx context.Context) ([]*Organization, error)
}
