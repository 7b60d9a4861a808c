package licensor

import (
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
