package service

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/licensorhq/licensor"
)

// CheckoutLicense finds a license the caller may consume by ProductSKU and
// KeyFingerprint and takes the requested entitlements from it, all or
// nothing, in one transaction: the count check and the write cannot be
// separated, so no interleaving of checkouts over-allocates.
func (s *Service) CheckoutLicense(ctx context.Context, in licensor.CheckoutInput) (*licensor.CheckoutResult, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	issuer, _, ok := licensor.ParseKeyFingerprint(in.KeyFingerprint)
	if !ok {
		return nil, licensor.Errorf(licensor.EINVALID, "1 validation error detected: KeyFingerprint %q is not of the form aws:<account>:<issuer name>:issuer-fingerprint.", in.KeyFingerprint)
	}
	res, err := s.consumeOnce(ctx, p, "CheckoutLicense", in.ClientToken, in, func(tx licensor.Store, token string, res *licensor.CheckoutResult) error {
		return s.checkout(ctx, tx, p, issuer, token, &in, res)
	})
	if err != nil {
		return nil, fmt.Errorf("checkout %s: %w", in.ProductSKU, err)
	}
	// Signing runs after the commit, off the store's writer. A replay signs
	// the recorded claims again: Ed25519 is deterministic, so the token is
	// the same unless the key was rotated meanwhile.
	if res.KeyFingerprint == "" { // recorded before tokens were signed
		res.KeyFingerprint, res.Beneficiary = in.KeyFingerprint, in.Beneficiary
	}
	if res.SignedToken, err = s.signCheckout(ctx, issuer, res, false); err != nil {
		return nil, fmt.Errorf("checkout %s: %w", in.ProductSKU, err)
	}
	return res, nil
}

// consumeOnce runs take in one transaction, idempotent on the caller's
// ClientToken for op: a repeat of the request replays the recorded answer
// and consumes nothing. The request hash and the new consumption token are
// made before the transaction, so the store's single writer does not wait
// on them.
func (s *Service) consumeOnce(ctx context.Context, p *licensor.Principal, op, clientToken string, req any, take func(tx licensor.Store, token string, res *licensor.CheckoutResult) error) (*licensor.CheckoutResult, error) {
	hash, err := requestHash(req)
	if err != nil {
		return nil, err
	}
	token, err := s.consumptionToken()
	if err != nil {
		return nil, err
	}
	var res licensor.CheckoutResult
	err = s.Store.WithTx(ctx, func(tx licensor.Store) error {
		_, err := s.idempotent(ctx, tx, p.AccountID, op, clientToken, hash, &res, func() error {
			return take(tx, token, &res)
		})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// candidates returns the current versions of the licenses the caller may
// consume for this request, newest first, from the cache when it has
// them (cached reports which). A seller consumes its own licenses by
// naming their Beneficiary (on behalf of a customer).
func (s *Service) candidates(ctx context.Context, tx licensor.Store, p *licensor.Principal, issuer string, in *licensor.CheckoutInput, useCache bool) (ls []*licensor.License, cached bool, err error) {
	if issuer != p.AccountID {
		ls, err := grantedCandidates(ctx, tx, p, issuer, in)
		return ls, false, err
	}
	if in.Beneficiary == "" {
		return nil, false, nil
	}
	key := candidateKey{issuer: issuer, sku: in.ProductSKU, fingerprint: in.KeyFingerprint, beneficiary: in.Beneficiary}
	if useCache {
		if ls, ok := s.licenses.get(key); ok {
			return ls, true, nil
		}
	}
	ls, _, err = tx.FindLicenses(ctx, licensor.LicenseFilter{
		AccountID:   issuer,
		ProductSKU:  []string{in.ProductSKU},
		Fingerprint: []string{in.KeyFingerprint},
		Beneficiary: []string{in.Beneficiary},
		Limit:       100,
	})
	if err != nil {
		return nil, false, err
	}
	slices.Reverse(ls)
	if len(ls) > 0 {
		s.licenses.put(key, ls)
	} else {
		s.licenses.forget(key)
	}
	return ls, false, nil
}

// grantedCandidates returns the licenses of the issuer that the caller (or
// its organization) holds an ACTIVE grant allowing CheckoutLicense on,
// newest grant first. They are read inside the transaction, never cached,
// so a grant disabled or deleted a moment ago stops checkouts at once.
func grantedCandidates(ctx context.Context, tx licensor.Store, p *licensor.Principal, issuer string, in *licensor.CheckoutInput) ([]*licensor.License, error) {
	ps, _, err := principalsOf(ctx, tx, p.AccountID)
	if err != nil {
		return nil, err
	}
	gs, _, err := tx.FindGrants(ctx, licensor.GrantFilter{
		GranteePrincipals: ps, Statuses: []licensor.GrantStatus{licensor.GrantActive},
		ProductSKUs: []string{in.ProductSKU}, Limit: 100,
	})
	if err != nil {
		return nil, err
	}
	var out []*licensor.License
	seen := map[string]bool{}
	for i := len(gs) - 1; i >= 0; i-- {
		g := gs[i]
		if seen[g.LicenseARN] || !g.Allows(licensor.OpCheckoutLicense) {
			continue
		}
		l, err := tx.FindLicenseByARN(ctx, g.LicenseARN)
		if isCode(err, licensor.ENOTFOUND) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if l.AccountID == issuer && l.Issuer.KeyFingerprint == in.KeyFingerprint {
			seen[l.ARN] = true
			out = append(out, l)
		}
	}
	return out, nil
}

// usable reports why a license cannot be consumed now, or nil.
func usable(l *licensor.License, now time.Time) error {
	if l.Status != licensor.LicenseAvailable {
		return licensor.Errorf(licensor.ENOENTITLEMENT, "No entitlements allowed: license %s is %s.", l.ARN, l.Status)
	}
	if now.Before(l.Validity.BeginTime()) {
		return licensor.Errorf(licensor.ENOENTITLEMENT, "No entitlements allowed: license %s is not valid before %s.", l.ARN, l.Validity.Begin)
	}
	if end, ok := l.Validity.EndTime(); ok && !now.Before(end) {
		return licensor.Errorf(licensor.ENOENTITLEMENT, "No entitlements allowed: license %s expired at %s.", l.ARN, l.Validity.End)
	}
	return nil
}

// planned is one entitlement a checkout will take.
type planned struct {
	ent      *licensor.Entitlement
	quantity int64
	value    *string
}

// plan matches the requested entitlements against a license: every limited
// one must be held (all or nothing); unlimited ones are tiers, of which only
// those the license holds are granted.
func plan(l *licensor.License, req []licensor.EntitlementData) ([]planned, error) {
	var out []planned
	for _, r := range req {
		e := l.Entitlement(r.Name)
		if e == nil || e.Unit != r.Unit {
			if r.Unit == licensor.UnitNone {
				continue
			}
			return nil, licensor.Errorf(licensor.ENOENTITLEMENT, "No entitlements allowed: license %s has no entitlement %s in %s.", l.ARN, r.Name, r.Unit)
		}
		out = append(out, planItem(e, r))
	}
	if len(out) == 0 {
		return nil, licensor.Errorf(licensor.ENOENTITLEMENT, "No entitlements allowed: license %s holds none of the requested entitlements.", l.ARN)
	}
	return out, nil
}

// planItem is what a request r takes of a held entitlement e: one unit of
// an unlimited one (echoing its value), the requested quantity (default 1)
// of a limited one.
func planItem(e *licensor.Entitlement, r licensor.EntitlementData) planned {
	if !e.Limited() {
		v := e.Value
		if v == nil {
			v = r.Value
		}
		return planned{ent: e, quantity: 1, value: v}
	}
	q := int64(1)
	if r.Value != nil {
		q, _ = licensor.ParseQuantity(*r.Value) // validated
	}
	v := strconv.FormatInt(q, 10)
	return planned{ent: e, quantity: q, value: &v}
}

func (s *Service) checkout(ctx context.Context, tx licensor.Store, p *licensor.Principal, issuer, token string, in *licensor.CheckoutInput, res *licensor.CheckoutResult) error {
	ls, cached, err := s.candidates(ctx, tx, p, issuer, in, true)
	if err != nil {
		return err
	}
	if len(ls) == 0 {
		return licensor.Errorf(licensor.ENOTFOUND, "No license with ProductSKU %s and KeyFingerprint %s is available to the caller.", in.ProductSKU, in.KeyFingerprint)
	}
	now := s.now()
	var lastErr error
	for i := 0; i < len(ls); i++ {
		l := ls[i]
		if cached && !s.exclusive {
			// A cached version must still be the current one; if not,
			// search the store again and start over. (A store of this
			// process alone changes only through it, and every change
			// clears the cache inside its transaction.)
			version, status, err := tx.FindLicenseHead(ctx, l.ARN)
			if err != nil && !isCode(err, licensor.ENOTFOUND) {
				return err
			}
			if err != nil || version != l.Version || status != l.Status {
				if ls, cached, err = s.candidates(ctx, tx, p, issuer, in, false); err != nil {
					return err
				}
				i, lastErr = -1, licensor.Errorf(licensor.ENOTFOUND, "No license with ProductSKU %s and KeyFingerprint %s is available to the caller.", in.ProductSKU, in.KeyFingerprint)
				continue
			}
		}
		if lastErr = usable(l, now); lastErr != nil {
			continue
		}
		var items []planned
		if items, lastErr = plan(l, in.Entitlements); lastErr != nil {
			continue
		}
		c := &licensor.Checkout{
			LicenseARN: l.ARN, LicenseVersion: l.Version, IssuerAccount: l.AccountID,
			AccountID: p.AccountID, Beneficiary: in.Beneficiary, NodeID: in.NodeID,
			Type: in.CheckoutType, IssuedAt: now, Expiration: now.Add(l.ConsumptionConfiguration.ProvisionalTTL()),
			Status: licensor.CheckoutActive,
		}
		records, ok, err := s.consume(ctx, tx, l, c, items, now)
		if err != nil {
			return err
		}
		if !ok {
			lastErr = licensor.Errorf(licensor.ENOENTITLEMENT, "No entitlements allowed: the maximum count of license %s is reached.", l.ARN)
			continue
		}
		c.Token = token
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
		return nil
	}
	return lastErr
}

// consume takes every planned entitlement from the license's counters, or
// none: when one cannot be taken, those already taken are given back. It
// fills c.Entitlements and returns the usage records to write.
func (s *Service) consume(ctx context.Context, tx licensor.Store, l *licensor.License, c *licensor.Checkout, items []planned, now time.Time) ([]*licensor.UsageRecord, bool, error) {
	period := consumptionPeriod(l, now)
	var done []licensor.ConsumeRequest
	undo := func() error {
		for _, r := range done {
			r.Floating, r.Drawdown, r.Max = -r.Floating, -r.Drawdown, nil
			if _, _, err := tx.Consume(ctx, r); err != nil {
				return err
			}
		}
		return nil
	}
	var records []*licensor.UsageRecord
	expired := false
	for _, it := range items {
		r := licensor.ConsumeRequest{CounterKey: licensor.CounterKey{LicenseARN: l.ARN, Entitlement: it.ent.Name}, Period: period}
		if c.Type.Floats() {
			r.Floating = it.quantity
		} else {
			r.Drawdown = it.quantity
		}
		if it.ent.Limited() && !it.ent.OverageAllowed() {
			r.Max = it.ent.MaxCount
		}
		counter, ok, err := s.consumeOne(ctx, tx, &r, &expired, now)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			return nil, false, undo()
		}
		done = append(done, r)
		var overage int64
		if it.ent.Limited() && it.ent.MaxCount != nil {
			max := *it.ent.MaxCount
			overage = max64(0, counter.Total()-max) - max64(0, counter.Total()-it.quantity-max)
		}
		c.Entitlements = append(c.Entitlements, licensor.CheckoutEntitlement{
			Name: it.ent.Name, Unit: it.ent.Unit, Value: it.value, Quantity: it.quantity, Period: r.Period,
			NoCheckIn: it.ent.AllowCheckIn != nil && !*it.ent.AllowCheckIn,
		})
		records = append(records, &licensor.UsageRecord{
			Time: now, Kind: licensor.UsageCheckout, IssuerAccount: l.AccountID, AccountID: c.AccountID,
			LicenseARN: l.ARN, Beneficiary: c.Beneficiary, NodeID: c.NodeID, CheckoutType: c.Type,
			Entitlement: it.ent.Name, Unit: it.ent.Unit, Quantity: it.quantity, Overage: overage, Period: r.Period,
		})
	}
	return records, true, nil
}

// consumeOne applies one request. The common case is one conditional
// write; the counter is created, renewed into the current period, or freed
// of expired checkouts only when that write does not apply.
func (s *Service) consumeOne(ctx context.Context, tx licensor.Store, r *licensor.ConsumeRequest, expired *bool, now time.Time) (licensor.Counter, bool, error) {
	for attempt := 0; attempt < 6; attempt++ {
		counter, ok, err := tx.Consume(ctx, *r)
		if err != nil || ok {
			return counter, ok, err
		}
		cur, found, err := findCounter(ctx, tx, r.CounterKey)
		if err != nil {
			return licensor.Counter{}, false, err
		}
		switch {
		case !found:
			err = tx.EnsureCounter(ctx, r.CounterKey, r.Period)
		case cur.Period < r.Period:
			err = tx.RenewCounter(ctx, r.CounterKey, r.Period)
		case cur.Period > r.Period:
			r.Period = cur.Period // another node's clock already renewed it
		case !*expired:
			*expired = true
			_, err = s.expireCheckouts(ctx, tx, r.LicenseARN, now, 1000)
		default:
			return cur, false, nil
		}
		if err != nil {
			return licensor.Counter{}, false, err
		}
	}
	return licensor.Counter{}, false, licensor.Errorf(licensor.EUNAVAILABLE, "The entitlement counter is changing; retry.")
}

func findCounter(ctx context.Context, tx licensor.Store, k licensor.CounterKey) (licensor.Counter, bool, error) {
	cs, err := tx.FindCounters(ctx, k.LicenseARN)
	if err != nil {
		return licensor.Counter{}, false, err
	}
	for _, c := range cs {
		if c.Entitlement == k.Entitlement {
			return c, true, nil
		}
	}
	return licensor.Counter{}, false, nil
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

// ownCheckout reads a checkout of the caller; anyone else's token is the
// same ENOTFOUND as an unknown one.
func ownCheckout(ctx context.Context, tx licensor.Store, p *licensor.Principal, token string) (*licensor.Checkout, error) {
	c, err := tx.FindCheckoutByToken(ctx, token)
	if isCode(err, licensor.ENOTFOUND) || err == nil && c.AccountID != p.AccountID {
		return nil, licensor.Errorf(licensor.ENOTFOUND, "License consumption token %s does not exist or is not accessible to the caller.", token)
	}
	return c, err
}

// CheckInLicense ends a checkout. A provisional checkout's units go back
// to the pool; a perpetual one's never do. Checking in twice, or after
// expiry, succeeds and returns nothing twice.
func (s *Service) CheckInLicense(ctx context.Context, token, beneficiary string) error {
	p, err := caller(ctx)
	if err != nil {
		return err
	}
	if token == "" {
		return licensor.Errorf(licensor.EINVALID, "1 validation error detected: LicenseConsumptionToken is required.")
	}
	now := s.now()
	notFound := licensor.Errorf(licensor.ENOTFOUND, "License consumption token %s does not exist or is not accessible to the caller.", token)
	return s.Store.WithTx(ctx, func(tx licensor.Store) error {
		// The common case is one statement: the conditional status change
		// returns the checkout. Anything unusual undoes it by failing.
		c, err := tx.CheckInCheckout(ctx, token)
		switch {
		case isCode(err, licensor.ECONFLICT):
			c, err = ownCheckout(ctx, tx, p, token)
			if err == nil && beneficiary != "" && beneficiary != c.Beneficiary {
				return notFound
			}
			return err // checked in or expired already: its units are back
		case isCode(err, licensor.ENOTFOUND):
			return notFound
		case err != nil:
			return err
		}
		if c.AccountID != p.AccountID || beneficiary != "" && beneficiary != c.Beneficiary {
			return notFound
		}
		if err := authorizeOnLicense(ctx, tx, p, &licensor.License{ARN: c.LicenseARN, AccountID: c.IssuerAccount}, licensor.OpCheckInLicense); err != nil {
			return err
		}
		if c.Type.Floats() {
			for _, e := range c.Entitlements {
				if e.NoCheckIn && c.Type == licensor.CheckoutBorrow {
					return licensor.Errorf(licensor.ECONFLICT, "License %s does not allow early check-in of borrowed entitlements; they return when the borrow expires at %s.", c.LicenseARN, licensor.FormatTime(c.Expiration))
				}
				if e.NoCheckIn {
					return licensor.Errorf(licensor.ECONFLICT, "Entitlement %s of license %s does not allow check-in; its units return when the checkout expires at %s.", e.Name, c.LicenseARN, licensor.FormatTime(c.Expiration))
				}
			}
		}
		return s.release(ctx, tx, c, licensor.UsageCheckIn, now)
	})
}

// release returns a checkout's floating units and records the event.
func (s *Service) release(ctx context.Context, tx licensor.Store, c *licensor.Checkout, kind licensor.UsageKind, at time.Time) error {
	records := make([]*licensor.UsageRecord, 0, len(c.Entitlements))
	for _, e := range c.Entitlements {
		var q int64
		if c.Type.Floats() {
			q = e.Quantity
			if err := tx.Release(ctx, licensor.CounterKey{LicenseARN: c.LicenseARN, Entitlement: e.Name}, q); err != nil {
				return err
			}
		}
		records = append(records, &licensor.UsageRecord{
			Time: at, Kind: kind, IssuerAccount: c.IssuerAccount, AccountID: c.AccountID, LicenseARN: c.LicenseARN,
			Beneficiary: c.Beneficiary, NodeID: c.NodeID, Token: c.Token, CheckoutType: c.Type,
			Entitlement: e.Name, Unit: e.Unit, Quantity: q, Period: e.Period,
		})
	}
	return tx.CreateUsageRecords(ctx, records)
}

// expireCheckouts ends provisional checkouts whose TTL has passed (arn ""
// for every license) and returns their units. The status change is
// conditional, so two nodes expiring the same checkout return its units
// once.
func (s *Service) expireCheckouts(ctx context.Context, tx licensor.Store, arn string, now time.Time, limit int) (int, error) {
	cs, err := tx.FindExpiredCheckouts(ctx, arn, now, limit)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, c := range cs {
		err := tx.UpdateCheckout(ctx, c.Token, licensor.CheckoutActive, licensor.CheckoutExpired, c.Expiration)
		if isCode(err, licensor.ECONFLICT) || isCode(err, licensor.ENOTFOUND) {
			continue // another node expired it, checked it in, or purged its license
		}
		if err != nil {
			return n, err
		}
		if err := s.release(ctx, tx, c, licensor.UsageExpire, c.Expiration); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// ExtendLicenseConsumption keeps a live provisional checkout alive for one
// more TTL, counted from now.
func (s *Service) ExtendLicenseConsumption(ctx context.Context, token string, dryRun bool) (*licensor.ExtendResult, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if token == "" {
		return nil, licensor.Errorf(licensor.EINVALID, "1 validation error detected: LicenseConsumptionToken is required.")
	}
	now := s.now()
	var res licensor.ExtendResult
	err = s.Store.WithTx(ctx, func(tx licensor.Store) error {
		c, err := ownCheckout(ctx, tx, p, token)
		if err != nil {
			return err
		}
		if err := authorizeOnLicense(ctx, tx, p, &licensor.License{ARN: c.LicenseARN, AccountID: c.IssuerAccount}, licensor.OpExtendConsumptionLicense); err != nil {
			return err
		}
		if c.Type != licensor.CheckoutProvisional {
			if c.Type == licensor.CheckoutBorrow {
				return licensor.Errorf(licensor.ESTATE, "Borrowed checkouts cannot be extended: their signed token fixes the expiration. Borrow again.")
			}
			return licensor.Errorf(licensor.ESTATE, "Only provisional checkouts can be extended; %s is %s.", token, c.Type)
		}
		if c.Status != licensor.CheckoutActive || !now.Before(c.Expiration) {
			return licensor.Errorf(licensor.ESTATE, "License consumption token %s has expired or was checked in; check out again.", token)
		}
		res = licensor.ExtendResult{ConsumptionToken: token, Expiration: c.Expiration}
		if dryRun {
			return nil
		}
		l, err := tx.FindLicenseByARN(ctx, c.LicenseARN)
		if err != nil {
			return err
		}
		if err := usable(l, now); err != nil {
			return licensor.Errorf(licensor.ESTATE, "License %s can no longer be consumed: %s", l.ARN, licensor.ErrorMessage(err))
		}
		res.Expiration = now.Add(l.ConsumptionConfiguration.ProvisionalTTL())
		if err := tx.UpdateCheckout(ctx, token, licensor.CheckoutActive, licensor.CheckoutActive, res.Expiration); err != nil {
			return err
		}
		records := make([]*licensor.UsageRecord, len(c.Entitlements))
		for i, e := range c.Entitlements {
			records[i] = &licensor.UsageRecord{
				Time: now, Kind: licensor.UsageExtend, IssuerAccount: c.IssuerAccount, AccountID: c.AccountID,
				LicenseARN: c.LicenseARN, Beneficiary: c.Beneficiary, NodeID: c.NodeID, Token: token,
				CheckoutType: c.Type, Entitlement: e.Name, Unit: e.Unit, Period: e.Period,
			}
		}
		return tx.CreateUsageRecords(ctx, records)
	})
	if err != nil {
		return nil, fmt.Errorf("extend %s: %w", token, err)
	}
	return &res, nil
}

// GetLicenseUsage reports, per entitlement of the current version, the
// units in use (live provisional checkouts plus this period's drawdown)
// and MaxCount. Expired checkouts are returned first, so the figures are
// exact at the time of the call.
func (s *Service) GetLicenseUsage(ctx context.Context, arn string) (*licensor.LicenseUsage, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := licensor.ValidateARN("LicenseArn", arn); err != nil {
		return nil, err
	}
	now := s.now()
	var usage licensor.LicenseUsage
	err = s.Store.WithTx(ctx, func(tx licensor.Store) error {
		l, err := readableLicense(ctx, tx, p, arn)
		if err != nil {
			return err
		}
		if _, err := s.expireCheckouts(ctx, tx, arn, now, 10000); err != nil {
			return err
		}
		cs, err := tx.FindCounters(ctx, arn)
		if err != nil {
			return err
		}
		period := consumptionPeriod(l, now)
		usage.EntitlementUsages = make([]licensor.EntitlementUsage, 0, len(l.Entitlements))
		for _, e := range l.Entitlements {
			var used int64
			for _, c := range cs {
				if c.Entitlement == e.Name {
					used = c.Floating
					if c.Period >= period {
						used += c.Drawdown
					}
				}
			}
			u := licensor.EntitlementUsage{Name: e.Name, ConsumedValue: strconv.FormatInt(used, 10), Unit: e.Unit}
			if e.MaxCount != nil {
				m := strconv.FormatInt(*e.MaxCount, 10)
				u.MaxCount = &m
			}
			usage.EntitlementUsages = append(usage.EntitlementUsages, u)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &usage, nil
}
