package service

import (
	"context"
	"strconv"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/token"
)

// checkoutResult is the answer to a checkout c of license l, with what its
// token is signed from.
func checkoutResult(l *licensor.License, c *licensor.Checkout) licensor.CheckoutResult {
	res := licensor.CheckoutResult{
		CheckoutType: c.Type, LicenseARN: l.ARN, ConsumptionToken: c.Token, NodeID: c.NodeID,
		IssuedAt: c.IssuedAt, Expiration: c.Expiration,
		LicenseVersion: l.Version, SignKey: l.Issuer.SignKey, KeyFingerprint: l.Issuer.KeyFingerprint,
		Beneficiary: c.Beneficiary,
	}
	for _, e := range c.Entitlements {
		res.EntitlementsAllowed = append(res.EntitlementsAllowed, licensor.EntitlementData{Name: e.Name, Unit: e.Unit, Value: e.Value})
	}
	return res
}

// signCheckout returns the SignedToken of a checkout (fast key) or borrow
// (RSA key, PS384) of a license issued by account issuer: a compact JWS
// whose claims are the answer's, see token.Claims.
func (s *Service) signCheckout(ctx context.Context, issuer string, res *licensor.CheckoutResult, borrow bool) (string, error) {
	sg, err := s.tokenSigner(ctx, issuer, res.SignKey, borrow)
	if err != nil {
		return "", err
	}
	c := token.Claims{
		Issuer:           res.KeyFingerprint,
		IssuedAt:         res.IssuedAt,
		Expiration:       res.Expiration,
		LicenseARN:       res.LicenseARN,
		NodeID:           res.NodeID,
		Beneficiary:      res.Beneficiary,
		CheckoutType:     string(res.CheckoutType),
		ConsumptionToken: res.ConsumptionToken,
	}
	if res.LicenseVersion > 0 {
		c.LicenseVersion = strconv.Itoa(res.LicenseVersion)
	}
	c.EntitlementsAllowed = make([]token.Entitlement, len(res.EntitlementsAllowed))
	for i, e := range res.EntitlementsAllowed {
		c.EntitlementsAllowed[i] = token.Entitlement{Name: e.Name, Unit: string(e.Unit), Value: e.Value}
	}
	if len(res.CheckoutMetadata) > 0 {
		c.CheckoutMetadata = make(map[string]string, len(res.CheckoutMetadata))
		for _, m := range res.CheckoutMetadata {
			c.CheckoutMetadata[m.Name] = m.Value
		}
	}
	t, err := sg.Sign(&c)
	if err != nil {
		return "", licensor.WrapError(licensor.EINTERNAL, err, "cannot sign the checkout token")
	}
	return t, nil
}
