package service

import (
	"context"
	"fmt"
	"slices"

	"github.com/licensorhq/licensor"
)

// grantRef is what CreateGrant and CreateGrantVersion remember for a
// ClientToken.
type grantRef struct {
	ARN     string
	Version int
}

// principalsOf returns the principal ARNs a grant to the account may name:
// the account itself and the organization it belongs to, if any.
func principalsOf(ctx context.Context, tx licensor.Store, accountID string) ([]string, *licensor.Organization, error) {
	ps := []string{licensor.AccountPrincipal(accountID)}
	org, err := tx.FindOrganizationOfAccount(ctx, accountID)
	switch {
	case err == nil:
		ps = append(ps, org.Principal())
	case isCode(err, licensor.ENOTFOUND):
		org = nil
	default:
		return nil, nil, err
	}
	return ps, org, nil
}

// receivedGrants returns the current grants on a license whose grantee is
// the account or its organization.
func receivedGrants(ctx context.Context, tx licensor.Store, accountID, licenseARN string) ([]*licensor.Grant, error) {
	ps, _, err := principalsOf(ctx, tx, accountID)
	if err != nil {
		return nil, err
	}
	gs, _, err := tx.FindGrants(ctx, licensor.GrantFilter{GranteePrincipals: ps, LicenseARNs: []string{licenseARN}, Limit: 100})
	return gs, err
}

// grantAllowing returns an ACTIVE grant on the license to the account (or
// its organization) that allows op, or nil.
func grantAllowing(ctx context.Context, tx licensor.Store, accountID, licenseARN string, op licensor.AllowedOperation) (*licensor.Grant, error) {
	gs, err := receivedGrants(ctx, tx, accountID, licenseARN)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		if g.Allows(op) {
			return g, nil
		}
	}
	return nil, nil
}

// authorizeOnLicense decides whether the caller may perform op on a
// license: the issuer always may; a grantee needs an ACTIVE grant that
// allows op. A caller with no grant at all gets ENOTFOUND (the license's
// existence is not revealed); a grantee without the operation EFORBIDDEN.
func authorizeOnLicense(ctx context.Context, tx licensor.Store, p *licensor.Principal, l *licensor.License, op licensor.AllowedOperation) error {
	if l.AccountID == p.AccountID {
		return nil
	}
	gs, err := receivedGrants(ctx, tx, p.AccountID, l.ARN)
	if err != nil {
		return err
	}
	seen := false
	for _, g := range gs {
		if g.Status.Final() {
			continue
		}
		seen = true
		if g.Allows(op) {
			return nil
		}
	}
	if !seen {
		return licensor.NotFound("License", l.ARN)
	}
	return licensor.Errorf(licensor.EFORBIDDEN, "No active grant on license %s allows %s for this account.", l.ARN, op)
}

// readableLicense returns the current version of a license the caller
// issued or holds a live grant on (any status but REJECTED and DELETED, so
// a grantee can read what it is asked to accept).
func readableLicense(ctx context.Context, tx licensor.Store, p *licensor.Principal, arn string) (*licensor.License, error) {
	l, err := tx.FindLicenseByARN(ctx, arn)
	if isCode(err, licensor.ENOTFOUND) {
		return nil, licensor.NotFound("License", arn)
	}
	if err != nil || l.AccountID == p.AccountID {
		return l, err
	}
	gs, err := receivedGrants(ctx, tx, p.AccountID, arn)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		if !g.Status.Final() {
			return l, nil
		}
	}
	return nil, licensor.NotFound("License", arn)
}

// CreateGrant grants a license to one principal (PENDING_ACCEPT). The
// issuer may grant any operations; a grantee holding CreateGrant may
// redistribute to accounts of its own organization, never more operations
// than it holds.
func (s *Service) CreateGrant(ctx context.Context, in licensor.CreateGrantInput) (*licensor.Grant, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	hash, err := requestHash(in)
	if err != nil {
		return nil, err
	}
	id, err := s.hexID()
	if err != nil {
		return nil, err
	}
	var g *licensor.Grant
	var ref grantRef
	err = s.Store.WithTx(ctx, func(tx licensor.Store) error {
		replayed, err := s.idempotent(ctx, tx, p.AccountID, "CreateGrant", in.ClientToken, hash, &ref, func() error {
			var err error
			g, err = s.newGrant(ctx, tx, p, id, &in)
			if err != nil {
				return err
			}
			ref = grantRef{ARN: g.ARN, Version: 1}
			return tx.CreateGrant(ctx, g)
		})
		if err != nil || !replayed {
			return err
		}
		g, err = tx.FindGrantVersion(ctx, ref.ARN, ref.Version)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create grant: %w", err)
	}
	s.licenses.clear()
	return g, nil
}

func (s *Service) newGrant(ctx context.Context, tx licensor.Store, p *licensor.Principal, id string, in *licensor.CreateGrantInput) (*licensor.Grant, error) {
	l, err := tx.FindLicenseByARN(ctx, in.LicenseARN)
	if isCode(err, licensor.ENOTFOUND) {
		return nil, licensor.NotFound("License", in.LicenseARN)
	}
	if err != nil {
		return nil, err
	}
	principal := in.Principals[0]
	granteeAccount, granteeOrg, _ := licensor.ParsePrincipal(principal)
	parent, held := l.ARN, licensor.AllOperations
	if l.AccountID != p.AccountID {
		if err := authorizeOnLicense(ctx, tx, p, l, licensor.OpCreateGrant); err != nil {
			return nil, err
		}
		g, err := grantAllowing(ctx, tx, p.AccountID, l.ARN, licensor.OpCreateGrant)
		if err != nil {
			return nil, err
		}
		parent, held = g.ARN, g.GrantedOperations
		org, err := tx.FindOrganizationOfAccount(ctx, p.AccountID)
		if isCode(err, licensor.ENOTFOUND) {
			return nil, licensor.Errorf(licensor.EFORBIDDEN, "A received license can be redistributed only to accounts of the caller's organization, and the caller belongs to none.")
		}
		if err != nil {
			return nil, err
		}
		members, err := tx.FindOrganizationMembers(ctx, org.ID)
		if err != nil {
			return nil, err
		}
		if granteeAccount == "" || !slices.Contains(members, granteeAccount) {
			return nil, licensor.Errorf(licensor.EFORBIDDEN, "A received license can be redistributed only to member accounts of organization %s.", org.ID)
		}
	}
	if l.Status.Deleted() {
		return nil, licensor.Errorf(licensor.ESTATE, "License %s is deleted; it cannot be granted.", l.ARN)
	}
	for _, op := range in.AllowedOperations {
		if !slices.Contains(held, op) {
			return nil, licensor.Errorf(licensor.EINVALID, "1 validation error detected: AllowedOperations includes %s, which the granter does not hold.", op)
		}
	}
	switch {
	case granteeAccount == p.AccountID:
		return nil, licensor.Errorf(licensor.EINVALID, "1 validation error detected: Principals names the caller itself.")
	case granteeAccount != "":
		if _, err := tx.FindAccountByID(ctx, granteeAccount); isCode(err, licensor.ENOTFOUND) {
			return nil, licensor.Errorf(licensor.EINVALID, "1 validation error detected: Principals names account %s, which does not exist.", granteeAccount)
		} else if err != nil {
			return nil, err
		}
	default:
		org, err := tx.FindOrganizationByID(ctx, granteeOrg)
		if isCode(err, licensor.ENOTFOUND) || err == nil && org.Principal() != principal {
			return nil, licensor.Errorf(licensor.EINVALID, "1 validation error detected: Principals names organization %s, which does not exist.", granteeOrg)
		} else if err != nil {
			return nil, err
		}
	}
	n, err := tx.CountGrants(ctx, l.ARN)
	if err != nil {
		return nil, err
	}
	if n >= licensor.MaxGrantsPerLicense {
		return nil, licensor.Errorf(licensor.ELIMIT, "License %s already has %d grants, the most it may have.", l.ARN, licensor.MaxGrantsPerLicense)
	}
	return &licensor.Grant{
		ARN: licensor.GrantARN(p.AccountID, id), AccountID: p.AccountID, Version: 1, Name: in.GrantName,
		ParentARN: parent, LicenseARN: l.ARN, GranteePrincipalARN: principal, HomeRegion: in.HomeRegion,
		Status: licensor.GrantPendingAccept, GrantedOperations: slices.Clone(in.AllowedOperations),
		Tags: slices.Clone(in.Tags), CreateTime: s.now(),
	}, nil
}

// isGrantee reports whether the account acts as the grantee of g: the
// account it names, or the management account of the organization it names.
func isGrantee(ctx context.Context, tx licensor.Store, accountID string, g *licensor.Grant) (bool, error) {
	acct, orgID, _ := licensor.ParsePrincipal(g.GranteePrincipalARN)
	if acct != "" {
		return acct == accountID, nil
	}
	org, err := tx.FindOrganizationByID(ctx, orgID)
	if isCode(err, licensor.ENOTFOUND) {
		return false, nil
	}
	return err == nil && org.ManagementAccountID == accountID, err
}

// canSee reports whether the account may read g: its granter, its
// grantee, or a member of the organization it names.
func canSee(ctx context.Context, tx licensor.Store, accountID string, g *licensor.Grant) (bool, error) {
	if g.AccountID == accountID {
		return true, nil
	}
	ps, _, err := principalsOf(ctx, tx, accountID)
	return slices.Contains(ps, g.GranteePrincipalARN), err
}

// visibleGrant reads the current version of a grant the caller may see.
func visibleGrant(ctx context.Context, tx licensor.Store, p *licensor.Principal, arn string) (*licensor.Grant, error) {
	g, err := tx.FindGrantByARN(ctx, arn)
	if isCode(err, licensor.ENOTFOUND) {
		return nil, licensor.NotFound("Grant", arn)
	}
	if err != nil {
		return nil, err
	}
	ok, err := canSee(ctx, tx, p.AccountID, g)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, licensor.NotFound("Grant", arn)
	}
	return g, nil
}

// GetGrant returns the current version, or the given one, of a grant the
// caller made, received, or sees through its organization.
func (s *Service) GetGrant(ctx context.Context, arn, version string) (*licensor.Grant, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := licensor.ValidateARN("GrantArn", arn); err != nil {
		return nil, err
	}
	g, err := visibleGrant(ctx, s.Store, p, arn)
	if err != nil {
		return nil, err
	}
	return atVersion(ctx, "Grant", arn, version, g, g.Version, s.Store.FindGrantVersion)
}

// nextGrantVersion writes version N+1 of g with the changes applied by
// change, and cascades: a grant that stops being ACTIVE disables the
// grants redistributed from it (sub-grants go with their parent).
func (s *Service) nextGrantVersion(ctx context.Context, tx licensor.Store, cur *licensor.Grant, change func(g *licensor.Grant)) (*licensor.Grant, error) {
	g := *cur
	g.Version++
	g.CreateTime = s.now()
	g.GrantedOperations = slices.Clone(cur.GrantedOperations)
	change(&g)
	if err := tx.CreateGrantVersion(ctx, &g); err != nil {
		return nil, err
	}
	if cur.Status == licensor.GrantActive && g.Status != licensor.GrantActive {
		if err := s.disableChildren(ctx, tx, g.ARN, "The grant it was redistributed from is "+string(g.Status)+"."); err != nil {
			return nil, err
		}
	}
	s.licenses.clear()
	return &g, nil
}

// disableChildren disables every live grant redistributed from parent.
func (s *Service) disableChildren(ctx context.Context, tx licensor.Store, parent, reason string) error {
	after := ""
	for {
		gs, next, err := tx.FindGrants(ctx, licensor.GrantFilter{ParentARN: parent, After: after, Limit: 100})
		if err != nil {
			return err
		}
		for _, c := range gs {
			if c.Status.Final() || c.Status == licensor.GrantDisabled {
				continue
			}
			if _, err := s.nextGrantVersion(ctx, tx, c, func(g *licensor.Grant) {
				g.Status, g.StatusReason = licensor.GrantDisabled, reason
			}); err != nil {
				return err
			}
		}
		if after = next; after == "" {
			return nil
		}
	}
}

// CreateGrantVersion writes a grant's next version. The granter may rename
// it, change its operations (within what it holds) and disable it; the
// grantee activates an accepted grant (DISABLED → ACTIVE) or deactivates it.
func (s *Service) CreateGrantVersion(ctx context.Context, in licensor.CreateGrantVersionInput) (*licensor.Grant, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	hash, err := requestHash(in)
	if err != nil {
		return nil, err
	}
	var g *licensor.Grant
	var ref grantRef
	err = s.Store.WithTx(ctx, func(tx licensor.Store) error {
		replayed, err := s.idempotent(ctx, tx, p.AccountID, "CreateGrantVersion", in.ClientToken, hash, &ref, func() error {
			cur, err := visibleGrant(ctx, tx, p, in.GrantARN)
			if err != nil {
				return err
			}
			if in.SourceVersion != "" && in.SourceVersion != cur.VersionString() {
				return licensor.Errorf(licensor.ECONFLICT, "SourceVersion %s is not the current version of the grant (%s).", in.SourceVersion, cur.VersionString())
			}
			if cur.Status.Final() {
				return licensor.Errorf(licensor.ESTATE, "Grant %s is %s; it cannot change.", cur.ARN, cur.Status)
			}
			grantee, err := isGrantee(ctx, tx, p.AccountID, cur)
			if err != nil {
				return err
			}
			granter := cur.AccountID == p.AccountID
			if !granter && !grantee {
				return licensor.Errorf(licensor.EFORBIDDEN, "Only the granter or the grantee may change grant %s.", cur.ARN)
			}
			if !granter && (in.GrantName != "" || in.AllowedOperations != nil) {
				return licensor.Errorf(licensor.EFORBIDDEN, "Only the granter may change the name or the operations of grant %s.", cur.ARN)
			}
			if in.AllowedOperations != nil {
				held := licensor.AllOperations
				if cur.ParentARN != cur.LicenseARN {
					parent, err := tx.FindGrantByARN(ctx, cur.ParentARN)
					if err != nil {
						return err
					}
					held = parent.GrantedOperations
				}
				for _, op := range in.AllowedOperations {
					if !slices.Contains(held, op) {
						return licensor.Errorf(licensor.EINVALID, "1 validation error detected: AllowedOperations includes %s, which the granter does not hold.", op)
					}
				}
			}
			if err := checkGrantTransition(cur.Status, in.Status, granter, grantee); err != nil {
				return err
			}
			g, err = s.nextGrantVersion(ctx, tx, cur, func(g *licensor.Grant) {
				if in.GrantName != "" {
					g.Name = in.GrantName
				}
				if in.AllowedOperations != nil {
					g.GrantedOperations = slices.Clone(in.AllowedOperations)
				}
				if in.Status != "" {
					g.Status = in.Status
				}
				if in.StatusReason != "" || in.Status != "" {
					g.StatusReason = in.StatusReason
				}
				if in.Options != nil {
					o := *in.Options
					g.Options = &o
				}
			})
			if err != nil {
				return err
			}
			ref = grantRef{ARN: g.ARN, Version: g.Version}
			return nil
		})
		if err != nil || !replayed {
			return err
		}
		g, err = tx.FindGrantVersion(ctx, ref.ARN, ref.Version)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("create grant version: %w", err)
	}
	return g, nil
}

// checkGrantTransition enforces the grant flow: PENDING_ACCEPT →
// (AcceptGrant) DISABLED → (grantee) ACTIVE ⇄ DISABLED; the granter may
// only disable. Acceptance and rejection have their own operations.
func checkGrantTransition(from, to licensor.GrantStatus, granter, grantee bool) error {
	if to == "" || to == from {
		return nil
	}
	switch {
	case to == licensor.GrantActive && grantee && from == licensor.GrantDisabled:
		return nil
	case to == licensor.GrantDisabled && (grantee && from == licensor.GrantActive || granter && from != licensor.GrantPendingAccept):
		return nil
	case to == licensor.GrantActive && from == licensor.GrantPendingAccept:
		return licensor.Errorf(licensor.ESTATE, "The grant must be accepted (AcceptGrant) before it is activated.")
	}
	return licensor.Errorf(licensor.ESTATE, "A grant cannot move from %s to %s this way.", from, to)
}

// AcceptGrant accepts a grant received by the caller: PENDING_ACCEPT →
// DISABLED, to be activated with CreateGrantVersion(Status ACTIVE).
func (s *Service) AcceptGrant(ctx context.Context, arn string) (*licensor.Grant, error) {
	return s.answerGrant(ctx, arn, licensor.GrantDisabled)
}

// RejectGrant rejects a grant received by the caller, for good.
func (s *Service) RejectGrant(ctx context.Context, arn string) (*licensor.Grant, error) {
	return s.answerGrant(ctx, arn, licensor.GrantRejected)
}

func (s *Service) answerGrant(ctx context.Context, arn string, to licensor.GrantStatus) (*licensor.Grant, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := licensor.ValidateARN("GrantArn", arn); err != nil {
		return nil, err
	}
	var g *licensor.Grant
	err = s.Store.WithTx(ctx, func(tx licensor.Store) error {
		cur, err := visibleGrant(ctx, tx, p, arn)
		if err != nil {
			return err
		}
		grantee, err := isGrantee(ctx, tx, p.AccountID, cur)
		if err != nil {
			return err
		}
		if !grantee {
			return licensor.Errorf(licensor.EFORBIDDEN, "Only the grantee may accept or reject grant %s.", arn)
		}
		if cur.Status == to {
			g = cur // a retry answers with the state it asked for
			return nil
		}
		if cur.Status != licensor.GrantPendingAccept && !(to == licensor.GrantRejected && cur.Status == licensor.GrantDisabled) {
			return licensor.Errorf(licensor.ESTATE, "Grant %s is %s; only a pending grant can be accepted or rejected.", arn, cur.Status)
		}
		g, err = s.nextGrantVersion(ctx, tx, cur, func(g *licensor.Grant) { g.Status, g.StatusReason = to, "" })
		return err
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// DeleteGrant deletes a grant the caller made; grants redistributed from it
// are disabled. Version must be the current version.
func (s *Service) DeleteGrant(ctx context.Context, arn, version, reason string) (*licensor.Grant, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := licensor.ValidateARN("GrantArn", arn); err != nil {
		return nil, err
	}
	if version == "" {
		return nil, licensor.Errorf(licensor.EINVALID, "1 validation error detected: Version is required.")
	}
	if len([]rune(reason)) > 400 {
		return nil, licensor.Errorf(licensor.EINVALID, "1 validation error detected: StatusReason must be at most 400 characters.")
	}
	var g *licensor.Grant
	err = s.Store.WithTx(ctx, func(tx licensor.Store) error {
		cur, err := visibleGrant(ctx, tx, p, arn)
		if err != nil {
			return err
		}
		if cur.AccountID != p.AccountID {
			return licensor.Errorf(licensor.EFORBIDDEN, "Only the granter may delete grant %s.", arn)
		}
		if version != cur.VersionString() {
			return licensor.Errorf(licensor.ECONFLICT, "Version %s is not the current version of the grant (%s).", version, cur.VersionString())
		}
		if cur.Status == licensor.GrantDeleted {
			g = cur
			return nil
		}
		g, err = s.nextGrantVersion(ctx, tx, cur, func(g *licensor.Grant) { g.Status, g.StatusReason = licensor.GrantDeleted, reason })
		if err != nil {
			return err
		}
		if cur.Status != licensor.GrantActive { // nextGrantVersion cascades only from ACTIVE
			return s.disableChildren(ctx, tx, arn, "The grant it was redistributed from was deleted.")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return g, nil
}

// ListDistributedGrants pages through the grants the caller made.
func (s *Service) ListDistributedGrants(ctx context.Context, f licensor.GrantFilter, nextToken string) ([]*licensor.Grant, string, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, "", err
	}
	if f.After, err = decodeToken("distributed", nextToken); err != nil {
		return nil, "", err
	}
	f.GranterAccountID = p.AccountID
	f.Limit = pageLimit(f.Limit)
	gs, next, err := s.Store.FindGrants(ctx, f)
	if err != nil {
		return nil, "", err
	}
	return gs, encodeToken("distributed", next), nil
}

// ListReceivedGrants pages through the grants to the caller's account and
// to its organization.
func (s *Service) ListReceivedGrants(ctx context.Context, f licensor.GrantFilter, nextToken string) ([]*licensor.Grant, string, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, "", err
	}
	if f.After, err = decodeToken("received", nextToken); err != nil {
		return nil, "", err
	}
	if f.GranteePrincipals, _, err = principalsOf(ctx, s.Store, p.AccountID); err != nil {
		return nil, "", err
	}
	f.Limit = pageLimit(f.Limit)
	gs, next, err := s.Store.FindGrants(ctx, f)
	if err != nil {
		return nil, "", err
	}
	return gs, encodeToken("received", next), nil
}

// managedOrganization returns the organization the caller manages, or
// EFORBIDDEN.
func managedOrganization(ctx context.Context, st licensor.Store, p *licensor.Principal) (*licensor.Organization, error) {
	org, err := st.FindOrganizationOfAccount(ctx, p.AccountID)
	if isCode(err, licensor.ENOTFOUND) || err == nil && org.ManagementAccountID != p.AccountID {
		return nil, licensor.Errorf(licensor.EFORBIDDEN, "Only the management account of an organization may list what the organization received.")
	}
	return org, err
}

// orgPrincipals returns every principal of an organization: the
// organization and each member account.
func orgPrincipals(ctx context.Context, st licensor.Store, org *licensor.Organization) ([]string, error) {
	members, err := st.FindOrganizationMembers(ctx, org.ID)
	if err != nil {
		return nil, err
	}
	ps := []string{org.Principal()}
	for _, m := range members {
		ps = append(ps, licensor.AccountPrincipal(m))
	}
	return ps, nil
}

// ListReceivedGrantsForOrganization pages through the grants of a license
// received by the caller's organization or any of its accounts (management
// account only).
func (s *Service) ListReceivedGrantsForOrganization(ctx context.Context, licenseARN string, f licensor.GrantFilter, nextToken string) ([]*licensor.Grant, string, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, "", err
	}
	if err := licensor.ValidateARN("LicenseArn", licenseARN); err != nil {
		return nil, "", err
	}
	org, err := managedOrganization(ctx, s.Store, p)
	if err != nil {
		return nil, "", err
	}
	if f.After, err = decodeToken("org-grants:"+licenseARN, nextToken); err != nil {
		return nil, "", err
	}
	ps, err := orgPrincipals(ctx, s.Store, org)
	if err != nil {
		return nil, "", err
	}
	if len(f.GranteePrincipals) > 0 {
		var keep []string
		for _, g := range f.GranteePrincipals {
			if slices.Contains(ps, g) {
				keep = append(keep, g)
			}
		}
		if len(keep) == 0 {
			return nil, "", nil
		}
		ps = keep
	}
	f.GranteePrincipals, f.LicenseARNs, f.Limit = ps, []string{licenseARN}, pageLimit(f.Limit)
	gs, next, err := s.Store.FindGrants(ctx, f)
	if err != nil {
		return nil, "", err
	}
	return gs, encodeToken("org-grants:"+licenseARN, next), nil
}

// ListReceivedLicenses pages through the licenses granted to the caller
// (or its organization) whose grant allows ListPurchasedLicenses, each
// with the grant's status as ReceivedMetadata.
func (s *Service) ListReceivedLicenses(ctx context.Context, f licensor.ReceivedLicenseFilter, nextToken string) ([]*licensor.GrantedLicense, string, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, "", err
	}
	ps, _, err := principalsOf(ctx, s.Store, p.AccountID)
	if err != nil {
		return nil, "", err
	}
	return s.receivedLicenses(ctx, "received-licenses", ps, f, nextToken)
}

// ListReceivedLicensesForOrganization is ListReceivedLicenses for every
// account of the caller's organization (management account only).
func (s *Service) ListReceivedLicensesForOrganization(ctx context.Context, f licensor.ReceivedLicenseFilter, nextToken string) ([]*licensor.GrantedLicense, string, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, "", err
	}
	org, err := managedOrganization(ctx, s.Store, p)
	if err != nil {
		return nil, "", err
	}
	ps, err := orgPrincipals(ctx, s.Store, org)
	if err != nil {
		return nil, "", err
	}
	return s.receivedLicenses(ctx, "org-licenses", ps, f, nextToken)
}

// receivedLicenses pages over the grants to principals, one license per
// grant, filtered on the license's current version. It asks the store for
// no more grants than the page still has room for, so a page never holds
// more than MaxResults and the cursor never skips a grant.
func (s *Service) receivedLicenses(ctx context.Context, kind string, principals []string, f licensor.ReceivedLicenseFilter, nextToken string) ([]*licensor.GrantedLicense, string, error) {
	after, err := decodeToken(kind, nextToken)
	if err != nil {
		return nil, "", err
	}
	limit := pageLimit(f.Limit)
	var out []*licensor.GrantedLicense
	for {
		gs, next, err := s.Store.FindGrants(ctx, licensor.GrantFilter{
			GranteePrincipals: principals, LicenseARNs: f.ARNs, ProductSKUs: f.ProductSKUs,
			LicenseIssuerNames: f.IssuerNames, After: after, Limit: limit - len(out),
		})
		if err != nil {
			return nil, "", err
		}
		for _, g := range gs {
			if g.Status == licensor.GrantDeleted || !slices.Contains(g.GrantedOperations, licensor.OpListPurchasedLicenses) {
				continue
			}
			l, err := s.Store.FindLicenseByARN(ctx, g.LicenseARN)
			if isCode(err, licensor.ENOTFOUND) {
				continue
			}
			if err != nil {
				return nil, "", err
			}
			if !matches(l, f) {
				continue
			}
			out = append(out, &licensor.GrantedLicense{License: *l, Received: licensor.ReceivedMetadata{
				ReceivedStatus: g.Status, ReceivedStatusReason: g.StatusReason, AllowedOperations: g.GrantedOperations,
			}})
		}
		after = next
		if after == "" || len(out) >= limit {
			return out, encodeToken(kind, after), nil
		}
	}
}

func matches(l *licensor.License, f licensor.ReceivedLicenseFilter) bool {
	in := func(vals []string, v string) bool { return len(vals) == 0 || slices.Contains(vals, v) }
	st := make([]string, len(f.Statuses))
	for i, s := range f.Statuses {
		st[i] = string(s)
	}
	return in(f.Fingerprints, l.Issuer.KeyFingerprint) && in(f.Beneficiaries, l.Beneficiary) && in(st, string(l.Status)) &&
		in(f.ProductSKUs, l.ProductSKU) && in(f.IssuerNames, l.Issuer.Name)
}
