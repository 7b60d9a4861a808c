package service

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/licensorhq/licensor"
)

// CheckoutBorrowLicense takes entitlements of a license for offline use
// (F5): all or nothing, for the license's BorrowConfiguration TTL, counted
// against the pool like a provisional checkout until it expires or, when
// the license allows early check-in, is checked in. The answer carries a
// PS384 token signed with the issuer's RSA key, verifiable offline.
func (s *Service) CheckoutBorrowLicense(ctx context.Context, in licensor.BorrowInput) (*licensor.CheckoutResult, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	res, err := s.consumeOnce(ctx, p, "CheckoutBorrowLicense", in.ClientToken, in, func(tx licensor.Store, token string, res *licensor.CheckoutResult) error {
		return s.borrow(ctx, tx, p, token, &in, res)
	})
	if err != nil {
		return nil, fmt.Errorf("borrow %s: %w", in.LicenseARN, err)
	}
	issuer, _ := licensor.ParseLicenseARN(res.LicenseARN)
	if res.SignedToken, err = s.signCheckout(ctx, issuer, res, true); err != nil {
		return nil, fmt.Errorf("borrow %s: %w", in.LicenseARN, err)
	}
	return res, nil
}

func (s *Service) borrow(ctx context.Context, tx licensor.Store, p *licensor.Principal, token string, in *licensor.BorrowInput, res *licensor.CheckoutResult) error {
	l, err := tx.FindLicenseByARN(ctx, in.LicenseARN)
	if isCode(err, licensor.ENOTFOUND) {
		return licensor.NotFound("License", in.LicenseARN)
	}
	if err != nil {
		return err
	}
	if err := authorizeBorrow(ctx, tx, p, l); err != nil {
		return err
	}
	bc := l.ConsumptionConfiguration.Borrow
	if bc == nil || bc.MaxTimeToLiveInMinutes <= 0 {
		return licensor.Errorf(licensor.EINVALID, "License %s does not allow borrowing: its ConsumptionConfiguration has no BorrowConfiguration.", l.ARN)
	}
	now := s.now()
	if err := usable(l, now); err != nil {
		return err
	}
	items, err := planBorrow(l, in.Entitlements)
	if err != nil {
		return err
	}
	c := &licensor.Checkout{
		Token: token, LicenseARN: l.ARN, LicenseVersion: l.Version, IssuerAccount: l.AccountID,
		AccountID: p.AccountID, NodeID: in.NodeID, Type: licensor.CheckoutBorrow,
		IssuedAt: now, Expiration: now.Add(time.Duration(bc.MaxTimeToLiveInMinutes) * time.Minute),
		Status: licensor.CheckoutActive,
	}
	records, ok, err := s.consume(ctx, tx, l, c, items, now)
	if err != nil {
		return err
	}
	if !ok {
		return licensor.Errorf(licensor.ENOENTITLEMENT, "No entitlements allowed: the maximum count of license %s is reached.", l.ARN)
	}
	for i := range c.Entitlements {
		c.Entitlements[i].NoCheckIn = !bc.AllowEarlyCheckIn
	}
	if err := tx.CreateCheckout(ctx, c); err != nil {
		return err
	}
	for _, r := range records {
		r.Token = c.Token
	}
	if err := tx.CreateUsageRecords(ctx, records); err != nil {
		return err
	}
	*res = checkoutResult(l, c)
	res.CheckoutType = ""
	res.CheckoutMetadata = slices.Clone(in.CheckoutMetadata)
	return nil
}

// authorizeBorrow lets the issuer borrow its own license, and a grantee
// holding an ACTIVE grant that allows CheckoutBorrowLicense.
func authorizeBorrow(ctx context.Context, tx licensor.Store, p *licensor.Principal, l *licensor.License) error {
	if l.AccountID == p.AccountID {
		return nil
	}
	gs, err := receivedGrants(ctx, tx, p.AccountID, l.ARN)
	if err != nil {
		return err
	}
	live := false
	for _, g := range gs {
		if g.Status.Final() {
			continue
		}
		live = true
		if g.Status == licensor.GrantActive && g.Allows(licensor.OpCheckoutBorrowLicense) {
			return nil
		}
	}
	if !live {
		return licensor.NotFound("License", l.ARN)
	}
	return licensor.Errorf(licensor.EFORBIDDEN, "No active grant on license %s allows CheckoutBorrowLicense for this account.", l.ARN)
}

// planBorrow matches a borrow request against a license: partial
// checkouts are not supported, so every requested entitlement must be
// held, in its unit.
func planBorrow(l *licensor.License, req []licensor.EntitlementData) ([]planned, error) {
	out := make([]planned, 0, len(req))
	for _, r := range req {
		e := l.Entitlement(r.Name)
		if e == nil || e.Unit != r.Unit {
			return nil, licensor.Errorf(licensor.ENOTALLOWED, "Entitlement %s in %s is not allowed: license %s does not hold it, and partial borrows are not supported.", r.Name, r.Unit, l.ARN)
		}
		out = append(out, planItem(e, r))
	}
	return out, nil
}
