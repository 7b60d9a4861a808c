package service

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/licensorhq/licensor"
)

// organizationID returns "o-" and 10 random lowercase letters or digits.
func (s *Service) organizationID() (string, error) {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b, err := s.randomBytes(10)
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	sb.WriteString("o-")
	for _, c := range b {
		sb.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return sb.String(), nil
}

// CreateOrganization creates an organization managed by an account. Root
// may create one for any account; an account only for itself.
func (s *Service) CreateOrganization(ctx context.Context, managementAccountID, name string) (*licensor.Organization, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if !licensor.ValidAccountID(managementAccountID) {
		return nil, licensor.Errorf(licensor.EINVALID, "1 validation error detected: ManagementAccountId must be a 12-digit account ID.")
	}
	if !p.IsRoot() && p.AccountID != managementAccountID {
		return nil, licensor.Errorf(licensor.EFORBIDDEN, "An account may create only the organization it manages.")
	}
	if name == "" {
		name = managementAccountID
	}
	if err := licensor.ValidateAccountName(name); err != nil {
		return nil, err
	}
	var org *licensor.Organization
	for attempt := 0; ; attempt++ {
		id, err := s.organizationID()
		if err != nil {
			return nil, err
		}
		org = &licensor.Organization{ID: id, Name: name, ManagementAccountID: managementAccountID, CreatedAt: s.now()}
		err = s.Store.CreateOrganization(ctx, org)
		if err == nil {
			break
		}
		if isCode(err, licensor.ECONFLICT) {
			if _, ferr := s.Store.FindOrganizationOfAccount(ctx, managementAccountID); ferr == nil {
				return nil, licensor.Errorf(licensor.ECONFLICT, "Account %s already belongs to an organization.", managementAccountID)
			}
			if attempt < 5 {
				continue // an ID collision
			}
		}
		if isCode(err, licensor.ENOTFOUND) {
			return nil, licensor.Errorf(licensor.EINVALID, "1 validation error detected: account %s does not exist.", managementAccountID)
		}
		return nil, fmt.Errorf("create organization: %w", err)
	}
	s.Logger.InfoContext(ctx, "organization created", "organization", org.ID, "management_account", managementAccountID)
	return org, nil
}

// managedBy returns the organization if the caller is root or its
// management account. ENOTFOUND otherwise, as for an unknown organization.
func (s *Service) managedBy(ctx context.Context, p *licensor.Principal, orgID string) (*licensor.Organization, error) {
	if !licensor.ValidOrganizationID(orgID) {
		return nil, licensor.Errorf(licensor.EINVALID, "1 validation error detected: OrganizationId %q is not an organization ID.", orgID)
	}
	org, err := s.Store.FindOrganizationByID(ctx, orgID)
	if isCode(err, licensor.ENOTFOUND) || err == nil && !p.IsRoot() && org.ManagementAccountID != p.AccountID {
		return nil, licensor.NotFound("Organization", orgID)
	}
	return org, err
}

// AddOrganizationMember adds an account to an organization.
func (s *Service) AddOrganizationMember(ctx context.Context, orgID, accountID string) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	if _, err := s.managedBy(ctx, p, orgID); err != nil {
		return err
	}
	if !licensor.ValidAccountID(accountID) {
		return licensor.Errorf(licensor.EINVALID, "1 validation error detected: AccountId must be a 12-digit account ID.")
	}
	err = s.Store.AddOrganizationMember(ctx, orgID, accountID)
	switch {
	case isCode(err, licensor.ECONFLICT):
		return licensor.Errorf(licensor.ECONFLICT, "Account %s already belongs to an organization.", accountID)
	case isCode(err, licensor.ENOTFOUND):
		return licensor.Errorf(licensor.EINVALID, "1 validation error detected: account %s does not exist.", accountID)
	}
	return err
}

// RemoveOrganizationMember removes an account from an organization.
func (s *Service) RemoveOrganizationMember(ctx context.Context, orgID, accountID string) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	if _, err := s.managedBy(ctx, p, orgID); err != nil {
		return err
	}
	return s.Store.RemoveOrganizationMember(ctx, orgID, accountID)
}

// DescribeOrganization returns an organization and its members, to root,
// its management account and its members.
func (s *Service) DescribeOrganization(ctx context.Context, orgID string) (*licensor.Organization, []string, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !licensor.ValidOrganizationID(orgID) {
		return nil, nil, licensor.Errorf(licensor.EINVALID, "1 validation error detected: OrganizationId %q is not an organization ID.", orgID)
	}
	org, err := s.Store.FindOrganizationByID(ctx, orgID)
	if isCode(err, licensor.ENOTFOUND) {
		return nil, nil, licensor.NotFound("Organization", orgID)
	}
	if err != nil {
		return nil, nil, err
	}
	members, err := s.Store.FindOrganizationMembers(ctx, orgID)
	if err != nil {
		return nil, nil, err
	}
	if !p.IsRoot() && !slices.Contains(members, p.AccountID) {
		return nil, nil, licensor.NotFound("Organization", orgID)
	}
	return org, members, nil
}

// ListOrganizations lists every organization for root, or the caller's.
func (s *Service) ListOrganizations(ctx context.Context) ([]*licensor.Organization, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if p.IsRoot() {
		return s.Store.FindOrganizations(ctx)
	}
	org, err := s.Store.FindOrganizationOfAccount(ctx, p.AccountID)
	if isCode(err, licensor.ENOTFOUND) {
		return []*licensor.Organization{}, nil
	}
	if err != nil {
		return nil, err
	}
	return []*licensor.Organization{org}, nil
}
