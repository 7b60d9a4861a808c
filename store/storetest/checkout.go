package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/licensorhq/licensor"
)

// checkout returns an ACTIVE provisional checkout of the license arn with
// every field set: one entitlement without a Value, one with an empty
// Value and one with a Value.
func checkout(token, arn string, expiration time.Time) *licensor.Checkout {
	return &licensor.Checkout{
		Token:          token,
		LicenseARN:     arn,
		LicenseVersion: 3,
		IssuerAccount:  accountID(1),
		AccountID:      accountID(2),
		Beneficiary:    "customer-✓",
		NodeID:         "node-1",
		Type:           licensor.CheckoutProvisional,
		Entitlements: []licensor.CheckoutEntitlement{
			{Name: "seats", Unit: "Count", Quantity: 1 << 40, Period: 7},
			{Name: "tier", Unit: licensor.UnitNone, Value: ptr(""), Quantity: 0, Period: 0},
			{Name: "gb", Unit: "Gigabytes", Value: ptr("5"), Quantity: 5, Period: 202503},
		},
		IssuedAt:   t0,
		Expiration: expiration,
		Status:     licensor.CheckoutActive,
	}
}

// storedCheckout returns c as a store gives it back.
func storedCheckout(c *licensor.Checkout) *licensor.Checkout {
	s := *c
	s.IssuedAt, s.Expiration = utc(c.IssuedAt), utc(c.Expiration)
	return &s
}

func mustCreateCheckout(t *testing.T, s licensor.Store, c *licensor.Checkout) *licensor.Checkout {
	t.Helper()
	must(t, s.CreateCheckout(t.Context(), c))
	return c
}

func findCheckout(t *testing.T, s licensor.Store, token string) *licensor.Checkout {
	t.Helper()
	c, err := s.FindCheckoutByToken(t.Context(), token)
	must(t, err)
	return c
}

// tokens returns the tokens of cs in order.
func tokens(cs []*licensor.Checkout) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Token)
	}
	return out
}

var checkoutTests = map[string]func(t *testing.T, s licensor.Store){
	"CreateFind": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		c := mustCreateCheckout(t, s, checkout("tok-1", l.ARN, t0.Add(time.Hour)))
		equal(t, "checkout", findCheckout(t, s, c.Token), storedCheckout(c))

		p := checkout("tok-2", l.ARN, t0.Add(90*24*time.Hour))
		p.Type, p.Beneficiary, p.NodeID = licensor.CheckoutPerpetual, "", ""
		p.Entitlements = p.Entitlements[:1]
		mustCreateCheckout(t, s, p)
		got := findCheckout(t, s, p.Token)
		equal(t, "minimal perpetual checkout", got, storedCheckout(p))
		if got.IssuedAt.Location() != time.UTC || got.Expiration.Location() != time.UTC {
			t.Errorf("times not in UTC: %v, %v", got.IssuedAt, got.Expiration)
		}

		_, err := s.FindCheckoutByToken(ctx, "tok-3")
		wantCode(t, err, licensor.ENOTFOUND)
	},
	"CreateConflict": func(t *testing.T, s licensor.Store) {
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		l2 := mustCreateLicense(t, s, minimalLicense(1, 2))
		c := mustCreateCheckout(t, s, checkout("tok-1", l.ARN, t0.Add(time.Hour)))
		again := checkout("tok-1", l2.ARN, t0.Add(2*time.Hour))
		again.Status = licensor.CheckoutCheckedIn
		wantCode(t, s.CreateCheckout(t.Context(), again), licensor.ECONFLICT)
		equal(t, "checkout after conflict", findCheckout(t, s, c.Token), storedCheckout(c))
	},
	"CreateUnknownLicense": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		wantCode(t, s.CreateCheckout(ctx, checkout("tok-1", licenseARN(1, 1), t0)), licensor.ENOTFOUND)
		_, err := s.FindCheckoutByToken(ctx, "tok-1")
		wantCode(t, err, licensor.ENOTFOUND)
	},
	"UpdateCheckIn": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		c := mustCreateCheckout(t, s, checkout("tok-1", l.ARN, t0.Add(time.Hour)))
		other := mustCreateCheckout(t, s, checkout("tok-2", l.ARN, t0.Add(time.Hour)))
		at := t0.Add(time.Minute)
		must(t, s.UpdateCheckout(ctx, c.Token, licensor.CheckoutActive, licensor.CheckoutCheckedIn, at))
		want := storedCheckout(c)
		want.Status, want.Expiration = licensor.CheckoutCheckedIn, utc(at)
		equal(t, "checked in", findCheckout(t, s, c.Token), want)

		// The same transition again finds the checkout no longer ACTIVE.
		wantCode(t, s.UpdateCheckout(ctx, c.Token, licensor.CheckoutActive, licensor.CheckoutCheckedIn, at.Add(time.Minute)), licensor.ECONFLICT)
		wantCode(t, s.UpdateCheckout(ctx, c.Token, licensor.CheckoutActive, licensor.CheckoutExpired, at.Add(time.Minute)), licensor.ECONFLICT)
		equal(t, "after conflicts", findCheckout(t, s, c.Token), want)
		equal(t, "other checkout", findCheckout(t, s, other.Token), storedCheckout(other))

		wantCode(t, s.UpdateCheckout(ctx, "tok-3", licensor.CheckoutActive, licensor.CheckoutCheckedIn, at), licensor.ENOTFOUND)
	},
	"CheckInCheckout": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		c := mustCreateCheckout(t, s, checkout("tok-1", l.ARN, t0.Add(time.Hour)))
		other := mustCreateCheckout(t, s, checkout("tok-2", l.ARN, t0.Add(time.Hour)))
		got, err := s.CheckInCheckout(ctx, c.Token)
		must(t, err)
		want := storedCheckout(c)
		want.Status = licensor.CheckoutCheckedIn
		equal(t, "returned", got, want)
		equal(t, "stored", findCheckout(t, s, c.Token), want)
		_, err = s.CheckInCheckout(ctx, c.Token)
		wantCode(t, err, licensor.ECONFLICT)
		_, err = s.CheckInCheckout(ctx, "tok-3")
		wantCode(t, err, licensor.ENOTFOUND)
		equal(t, "other checkout", findCheckout(t, s, other.Token), storedCheckout(other))
	},
	"UpdateExtend": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		c := mustCreateCheckout(t, s, checkout("tok-1", l.ARN, t0.Add(time.Hour)))
		want := storedCheckout(c)
		for _, d := range []time.Duration{2 * time.Hour, 3 * time.Hour} {
			must(t, s.UpdateCheckout(ctx, c.Token, licensor.CheckoutActive, licensor.CheckoutActive, t0.Add(d)))
			want.Expiration = utc(t0.Add(d))
			equal(t, fmt.Sprintf("extended by %v", d), findCheckout(t, s, c.Token), want)
		}
		must(t, s.UpdateCheckout(ctx, c.Token, licensor.CheckoutActive, licensor.CheckoutExpired, t0.Add(3*time.Hour)))
		wantCode(t, s.UpdateCheckout(ctx, c.Token, licensor.CheckoutActive, licensor.CheckoutActive, t0.Add(4*time.Hour)), licensor.ECONFLICT)
		want.Status = licensor.CheckoutExpired
		equal(t, "expired, not extended", findCheckout(t, s, c.Token), want)
	},
	"FindExpired": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		a := mustCreateLicense(t, s, minimalLicense(1, 1))
		b := mustCreateLicense(t, s, minimalLicense(1, 2))
		now := t0.Add(5 * time.Minute)
		at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
		create := func(token, arn string, exp time.Time, typ licensor.CheckoutType, status licensor.CheckoutStatus) {
			c := checkout(token, arn, exp)
			c.Type, c.Status = typ, status
			mustCreateCheckout(t, s, c)
		}
		// Created out of expiration order.
		create("a-at-now", a.ARN, now, licensor.CheckoutProvisional, licensor.CheckoutActive)
		create("a-3", a.ARN, at(3), licensor.CheckoutProvisional, licensor.CheckoutActive)
		create("a-live", a.ARN, now.Add(time.Microsecond), licensor.CheckoutProvisional, licensor.CheckoutActive)
		create("a-1", a.ARN, at(1), licensor.CheckoutProvisional, licensor.CheckoutActive)
		create("a-checked-in", a.ARN, at(0), licensor.CheckoutProvisional, licensor.CheckoutCheckedIn)
		create("a-expired", a.ARN, at(0), licensor.CheckoutProvisional, licensor.CheckoutExpired)
		create("a-perpetual", a.ARN, at(0), licensor.CheckoutPerpetual, licensor.CheckoutActive)
		create("b-2", b.ARN, at(2), licensor.CheckoutProvisional, licensor.CheckoutActive)
		create("b-4", b.ARN, at(4), licensor.CheckoutProvisional, licensor.CheckoutActive)

		find := func(arn string, t1 time.Time, limit int) []string {
			t.Helper()
			cs, err := s.FindExpiredCheckouts(ctx, arn, t1, limit)
			must(t, err)
			return tokens(cs)
		}
		equal(t, "license a", find(a.ARN, now, 0), []string{"a-1", "a-3", "a-at-now"})
		equal(t, "license b", find(b.ARN, now, 10), []string{"b-2", "b-4"})
		equal(t, "every license", find("", now, 0), []string{"a-1", "b-2", "a-3", "b-4", "a-at-now"})
		equal(t, "every license, limit 2", find("", now, 2), []string{"a-1", "b-2"})
		equal(t, "license a, limit 1", find(a.ARN, now, 1), []string{"a-1"})
		equal(t, "before any", find("", at(1).Add(-time.Microsecond), 0), []string(nil))
		equal(t, "unknown license", find(licenseARN(1, 3), now, 0), []string(nil))

		cs, err := s.FindExpiredCheckouts(ctx, b.ARN, at(2), 0)
		must(t, err)
		want := checkout("b-2", b.ARN, at(2))
		equal(t, "whole checkout", cs, []*licensor.Checkout{storedCheckout(want)})
	},
	"CountActive": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		a := mustCreateLicense(t, s, minimalLicense(1, 1))
		b := mustCreateLicense(t, s, minimalLicense(1, 2))
		empty := mustCreateLicense(t, s, minimalLicense(1, 3))
		count := func(arn string) int {
			t.Helper()
			n, err := s.CountActiveCheckouts(ctx, arn)
			must(t, err)
			return n
		}
		for i, status := range []licensor.CheckoutStatus{licensor.CheckoutActive, licensor.CheckoutActive, licensor.CheckoutCheckedIn, licensor.CheckoutExpired} {
			c := checkout(fmt.Sprintf("a-%d", i), a.ARN, t0) // expired by time, still ACTIVE
			c.Status = status
			mustCreateCheckout(t, s, c)
		}
		p := checkout("a-perpetual", a.ARN, t0.Add(time.Hour))
		p.Type = licensor.CheckoutPerpetual
		mustCreateCheckout(t, s, p)
		mustCreateCheckout(t, s, checkout("b-0", b.ARN, t0.Add(time.Hour)))

		if n := count(a.ARN); n != 3 {
			t.Errorf("license a: %d active, want 3", n)
		}
		if n := count(b.ARN); n != 1 {
			t.Errorf("license b: %d active, want 1", n)
		}
		if n := count(empty.ARN); n != 0 {
			t.Errorf("license without checkouts: %d active", n)
		}
		must(t, s.UpdateCheckout(ctx, "a-0", licensor.CheckoutActive, licensor.CheckoutCheckedIn, t0))
		if n := count(a.ARN); n != 2 {
			t.Errorf("license a after a check-in: %d active, want 2", n)
		}
	},
	"Rollback": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		existing := mustCreateCheckout(t, s, checkout("tok-1", l.ARN, t0.Add(time.Hour)))
		k := licensor.CounterKey{LicenseARN: l.ARN, Entitlement: "seats"}
		must(t, s.EnsureCounter(ctx, k, 5))
		mustConsume(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 5, Floating: 3, Drawdown: 2})
		committed := usageRecords(l.ARN, "tok-1", 2)
		must(t, s.CreateUsageRecords(ctx, committed))
		before := findCounters(t, s, l.ARN)

		err := s.WithTx(ctx, func(tx licensor.Store) error {
			must(t, tx.CreateCheckout(ctx, checkout("tok-2", l.ARN, t0.Add(time.Hour))))
			must(t, tx.UpdateCheckout(ctx, existing.Token, licensor.CheckoutActive, licensor.CheckoutCheckedIn, t0))
			must(t, tx.EnsureCounter(ctx, licensor.CounterKey{LicenseARN: l.ARN, Entitlement: "other"}, 5))
			mustConsume(t, tx, licensor.ConsumeRequest{CounterKey: k, Period: 5, Floating: 1, Drawdown: 1})
			must(t, tx.Release(ctx, k, 2))
			must(t, tx.RenewCounter(ctx, k, 6))
			must(t, tx.CreateUsageRecords(ctx, usageRecords(l.ARN, "tok-2", 3)))

			// Inside the transaction its writes are visible.
			if c, err := tx.FindCheckoutByToken(ctx, "tok-2"); err != nil || c == nil {
				t.Errorf("new checkout inside the transaction: %v", err)
			}
			if c := findCheckout(t, tx, existing.Token); c.Status != licensor.CheckoutCheckedIn {
				t.Errorf("updated checkout inside the transaction is %s", c.Status)
			}
			equal(t, "counters inside the transaction", findCounters(t, tx, l.ARN), []licensor.Counter{
				{CounterKey: licensor.CounterKey{LicenseARN: l.ARN, Entitlement: "other"}, Period: 5},
				{CounterKey: k, Period: 6, Floating: 2},
			})
			if rs := findUsage(t, tx, licensor.UsageFilter{LicenseARN: l.ARN}); len(rs) != 5 {
				t.Errorf("%d usage records inside the transaction, want 5", len(rs))
			}
			return fmt.Errorf("wrapped: %w", errRollback)
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("WithTx returned %v, want fn's error", err)
		}
		_, err = s.FindCheckoutByToken(ctx, "tok-2")
		wantCode(t, err, licensor.ENOTFOUND)
		equal(t, "checkout untouched", findCheckout(t, s, existing.Token), storedCheckout(existing))
		equal(t, "counters untouched", findCounters(t, s, l.ARN), before)
		equal(t, "usage records", findUsage(t, s, licensor.UsageFilter{}), storedUsage(committed))

		// Records written after the rollback still come after the committed ones.
		later := usageRecords(l.ARN, "tok-3", 1)
		must(t, s.CreateUsageRecords(ctx, later))
		if later[0].Seq <= committed[len(committed)-1].Seq {
			t.Errorf("seq %d after rollback, not after %d", later[0].Seq, committed[len(committed)-1].Seq)
		}
	},
	"Purge": func(t *testing.T, s licensor.Store) {
		// Purging a license removes its counters and checkouts and keeps its
		// usage records: the ledger is the audit trail.
		ctx := t.Context()
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		keep := mustCreateLicense(t, s, minimalLicense(1, 2))
		var records []*licensor.UsageRecord
		for _, arn := range []string{l.ARN, keep.ARN} {
			k := licensor.CounterKey{LicenseARN: arn, Entitlement: "seats"}
			must(t, s.EnsureCounter(ctx, k, 5))
			mustConsume(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 5, Floating: 1, Drawdown: 4})
			must(t, s.RenewCounter(ctx, k, 6)) // leaves a period in the history
			mustConsume(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 6, Drawdown: 2})
			mustCreateCheckout(t, s, checkout(arn+"/tok", arn, t0))
			rs := usageRecords(arn, arn+"/tok", 2)
			must(t, s.CreateUsageRecords(ctx, rs))
			records = append(records, rs...)
		}
		keptCounters := findCounters(t, s, keep.ARN)
		keptCheckout := findCheckout(t, s, keep.ARN+"/tok")

		must(t, s.PurgeLicense(ctx, l.ARN))

		equal(t, "counters", findCounters(t, s, l.ARN), []licensor.Counter(nil))
		_, err := s.FindCheckoutByToken(ctx, l.ARN+"/tok")
		wantCode(t, err, licensor.ENOTFOUND)
		if n, err := s.CountActiveCheckouts(ctx, l.ARN); err != nil || n != 0 {
			t.Errorf("CountActiveCheckouts = %d, %v", n, err)
		}
		expired, err := s.FindExpiredCheckouts(ctx, "", t0.Add(time.Hour), 0)
		must(t, err)
		equal(t, "expired checkouts", tokens(expired), []string{keep.ARN + "/tok"})
		equal(t, "usage records of the purged license", findUsage(t, s, licensor.UsageFilter{LicenseARN: l.ARN}), storedUsage(records[:2]))
		equal(t, "every usage record", findUsage(t, s, licensor.UsageFilter{}), storedUsage(records))
		equal(t, "other license's counters", findCounters(t, s, keep.ARN), keptCounters)
		equal(t, "other license's checkout", findCheckout(t, s, keep.ARN+"/tok"), keptCheckout)

		// Nothing is left behind to collide with a license of the same ARN.
		mustCreateLicense(t, s, minimalLicense(1, 1))
		k := licensor.CounterKey{LicenseARN: l.ARN, Entitlement: "seats"}
		must(t, s.EnsureCounter(ctx, k, 5))
		equal(t, "fresh counter", findCounters(t, s, l.ARN), []licensor.Counter{{CounterKey: k, Period: 5}})
		must(t, s.RenewCounter(ctx, k, 6))
		equal(t, "renewed fresh counter", findCounters(t, s, l.ARN), []licensor.Counter{{CounterKey: k, Period: 6}})
		c := mustCreateCheckout(t, s, checkout(l.ARN+"/tok", l.ARN, t0.Add(time.Hour)))
		equal(t, "recreated checkout", findCheckout(t, s, c.Token), storedCheckout(c))
	},
}

// usageRecords returns n records of one checkout with every field set,
// each for its own entitlement.
func usageRecords(arn, token string, n int) []*licensor.UsageRecord {
	var rs []*licensor.UsageRecord
	for i := range n {
		rs = append(rs, &licensor.UsageRecord{
			Time:          t0.Add(time.Duration(i) * time.Second),
			Kind:          licensor.UsageCheckout,
			IssuerAccount: accountID(1),
			AccountID:     accountID(2),
			LicenseARN:    arn,
			Beneficiary:   "customer-✓",
			NodeID:        "node-1",
			Token:         token,
			CheckoutType:  licensor.CheckoutProvisional,
			Entitlement:   fmt.Sprintf("ent-%d", i),
			Unit:          "Count",
			Quantity:      1<<40 + int64(i),
			Overage:       int64(i),
			Period:        202503,
		})
	}
	return rs
}

// storedUsage returns rs as a store gives them back.
func storedUsage(rs []*licensor.UsageRecord) []*licensor.UsageRecord {
	out := make([]*licensor.UsageRecord, len(rs))
	for i, r := range rs {
		c := *r
		c.Time = utc(r.Time)
		out[i] = &c
	}
	return out
}

func findUsage(t *testing.T, s licensor.Store, f licensor.UsageFilter) []*licensor.UsageRecord {
	t.Helper()
	rs, err := s.FindUsageRecords(t.Context(), f)
	must(t, err)
	return rs
}

var usageTests = map[string]func(t *testing.T, s licensor.Store){
	"CreateFind": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		must(t, s.CreateUsageRecords(ctx, nil))
		rs := usageRecords(licenseARN(1, 1), "tok-1", 3)
		rs[1].Kind, rs[1].CheckoutType, rs[1].Unit = licensor.UsageCheckIn, licensor.CheckoutPerpetual, licensor.UnitNone
		rs[2].Kind, rs[2].Beneficiary, rs[2].NodeID, rs[2].Quantity, rs[2].Overage, rs[2].Period = licensor.UsageExpire, "", "", 0, 0, 0
		must(t, s.CreateUsageRecords(ctx, rs))
		more := usageRecords(licenseARN(1, 1), "tok-2", 2)
		more[0].Kind = licensor.UsageExtend
		must(t, s.CreateUsageRecords(ctx, more))

		all := slices.Concat(rs, more)
		for i, r := range all {
			if r.Seq <= 0 || i > 0 && r.Seq <= all[i-1].Seq {
				t.Fatalf("record %d has seq %d, after %d", i, r.Seq, all[max(i-1, 0)].Seq)
			}
		}
		got := findUsage(t, s, licensor.UsageFilter{})
		equal(t, "records", got, storedUsage(all))
		for _, r := range got {
			if r.Time.Location() != time.UTC {
				t.Errorf("time %v not in UTC", r.Time)
			}
		}
	},
	"Filter": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		var all []*licensor.UsageRecord
		add := func(license, issuer, account int, token string) []*licensor.UsageRecord {
			rs := usageRecords(licenseARN(license, license), token, 2)
			for _, r := range rs {
				r.IssuerAccount, r.AccountID = accountID(issuer), accountID(account)
			}
			must(t, s.CreateUsageRecords(ctx, rs))
			all = append(all, rs...)
			return storedUsage(rs)
		}
		a := add(1, 1, 3, "tok-a")
		b := add(2, 2, 3, "tok-b")
		c := add(1, 1, 4, "tok-c")
		d := add(2, 2, 4, "tok-d")
		cat := func(rss ...[]*licensor.UsageRecord) []*licensor.UsageRecord {
			var out []*licensor.UsageRecord
			for _, rs := range rss {
				out = append(out, rs...)
			}
			return out
		}
		for _, tc := range []struct {
			name string
			f    licensor.UsageFilter
			want []*licensor.UsageRecord
		}{
			{"all", licensor.UsageFilter{}, cat(a, b, c, d)},
			{"license", licensor.UsageFilter{LicenseARN: licenseARN(1, 1)}, cat(a, c)},
			{"issuer", licensor.UsageFilter{IssuerAccount: accountID(2)}, cat(b, d)},
			{"account", licensor.UsageFilter{AccountID: accountID(4)}, cat(c, d)},
			{"token", licensor.UsageFilter{Token: "tok-b"}, b},
			{"license and account", licensor.UsageFilter{LicenseARN: licenseARN(2, 2), AccountID: accountID(3)}, b},
			{"issuer and token", licensor.UsageFilter{IssuerAccount: accountID(1), Token: "tok-d"}, nil},
			{"unknown account", licensor.UsageFilter{AccountID: accountID(5)}, nil},
			{"after", licensor.UsageFilter{After: all[2].Seq}, cat(b[1:], c, d)},
			{"after, by account", licensor.UsageFilter{AccountID: accountID(3), After: all[0].Seq}, cat(a[1:], b)},
			{"after the last", licensor.UsageFilter{After: all[len(all)-1].Seq}, nil},
			{"limit", licensor.UsageFilter{Limit: 3}, cat(a, b[:1])},
			{"after and limit, by license", licensor.UsageFilter{LicenseARN: licenseARN(2, 2), After: all[3].Seq, Limit: 2}, d},
		} {
			equal(t, tc.name, findUsage(t, s, tc.f), tc.want)
		}
	},
	"Paging": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		var want []*licensor.UsageRecord
		for i := range 7 {
			rs := usageRecords(licenseARN(1, 1), fmt.Sprintf("tok-%d", i), 1+i%3)
			must(t, s.CreateUsageRecords(ctx, rs))
			want = append(want, storedUsage(rs)...)
		}
		must(t, s.CreateUsageRecords(ctx, usageRecords(licenseARN(1, 2), "other", 3))) // not listed
		for _, limit := range []int{1, 2, 5, len(want), len(want) + 1} {
			var got []*licensor.UsageRecord
			f := licensor.UsageFilter{LicenseARN: licenseARN(1, 1), Limit: limit}
			for range 100 {
				page := findUsage(t, s, f)
				if len(page) > limit {
					t.Fatalf("limit %d: page of %d", limit, len(page))
				}
				if len(page) == 0 {
					break
				}
				got = append(got, page...)
				f.After = page[len(page)-1].Seq
			}
			equal(t, fmt.Sprintf("records, limit %d", limit), got, want)
		}
	},
}
