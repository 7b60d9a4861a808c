package storetest

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/licensorhq/licensor"
)

func findCounters(t *testing.T, s licensor.Store, arn string) []licensor.Counter {
	t.Helper()
	cs, err := s.FindCounters(t.Context(), arn)
	must(t, err)
	return cs
}

// mustConsume applies r and fails the test unless it applied.
func mustConsume(t *testing.T, s licensor.Store, r licensor.ConsumeRequest) licensor.Counter {
	t.Helper()
	c, ok, err := s.Consume(t.Context(), r)
	must(t, err)
	if !ok {
		t.Fatalf("Consume(%s) did not apply", dump(r))
	}
	return c
}

// refuse asks for r and fails the test if it applied.
func refuse(t *testing.T, s licensor.Store, r licensor.ConsumeRequest) {
	t.Helper()
	c, ok, err := s.Consume(t.Context(), r)
	must(t, err)
	if ok {
		t.Errorf("Consume(%s) applied, giving %s", dump(r), dump(c))
	}
}

// retry runs fn until it succeeds or fails with an error other than the
// transient ECONFLICT and EUNAVAILABLE a serializable store may return
// under contention.
func retry(fn func() error) error {
	for attempt := 0; ; attempt++ {
		err := fn()
		switch licensor.ErrorCode(err) {
		case licensor.ECONFLICT, licensor.EUNAVAILABLE:
			if attempt < 1000 {
				continue
			}
		}
		return err
	}
}

var counterTests = map[string]func(t *testing.T, s licensor.Store){
	"ConsumeMissing": func(t *testing.T, s licensor.Store) {
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		k := licensor.CounterKey{LicenseARN: l.ARN, Entitlement: "seats"}
		refuse(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 1, Floating: 1})
		refuse(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 1, Drawdown: 1, Max: ptr(int64(10))})
		refuse(t, s, licensor.ConsumeRequest{CounterKey: licensor.CounterKey{LicenseARN: licenseARN(1, 2), Entitlement: "seats"}, Period: 1, Floating: 1})
		equal(t, "counters", findCounters(t, s, l.ARN), []licensor.Counter(nil))
	},
	"EnsureConsume": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		k := licensor.CounterKey{LicenseARN: l.ARN, Entitlement: "seats"}
		must(t, s.EnsureCounter(ctx, k, 5))
		equal(t, "new counter", findCounters(t, s, l.ARN), []licensor.Counter{{CounterKey: k, Period: 5}})
		equal(t, "after floating", mustConsume(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 5, Floating: 2, Max: ptr(int64(10))}),
			licensor.Counter{CounterKey: k, Period: 5, Floating: 2})
		equal(t, "after drawdown", mustConsume(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 5, Drawdown: 3}),
			licensor.Counter{CounterKey: k, Period: 5, Floating: 2, Drawdown: 3})
		equal(t, "after both", mustConsume(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 5, Floating: 1, Drawdown: 1, Max: ptr(int64(10))}),
			licensor.Counter{CounterKey: k, Period: 5, Floating: 3, Drawdown: 4})
		equal(t, "stored", findCounters(t, s, l.ARN), []licensor.Counter{{CounterKey: k, Period: 5, Floating: 3, Drawdown: 4}})
	},
	"EnsureUnknownLicense": func(t *testing.T, s licensor.Store) {
		wantCode(t, s.EnsureCounter(t.Context(), licensor.CounterKey{LicenseARN: licenseARN(1, 1), Entitlement: "seats"}, 5), licensor.ENOTFOUND)
	},
	"Max": func(t *testing.T, s licensor.Store) {
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		k := licensor.CounterKey{LicenseARN: l.ARN, Entitlement: "seats"}
		must(t, s.EnsureCounter(t.Context(), k, 5))
		max := ptr(int64(10))
		mustConsume(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 5, Floating: 4, Drawdown: 5, Max: max})
		refuse(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 5, Floating: 2, Max: max})
		refuse(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 5, Drawdown: 2, Max: max})
		refuse(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 5, Floating: 1, Drawdown: 1, Max: max})
		equal(t, "after refusals", findCounters(t, s, l.ARN), []licensor.Counter{{CounterKey: k, Period: 5, Floating: 4, Drawdown: 5}})
		equal(t, "up to the limit", mustConsume(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 5, Drawdown: 1, Max: max}),
			licensor.Counter{CounterKey: k, Period: 5, Floating: 4, Drawdown: 6})
		refuse(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 5, Floating: 1, Max: max})
		refuse(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 5, Floating: 1, Max: ptr(int64(0))})
		// A zero request fits exactly.
		mustConsume(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 5, Max: max})
		equal(t, "at the limit", findCounters(t, s, l.ARN), []licensor.Counter{{CounterKey: k, Period: 5, Floating: 4, Drawdown: 6}})

		// No limit.
		big := int64(licensor.MaxQuantity)
		equal(t, "unlimited", mustConsume(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 5, Floating: big, Drawdown: big}),
			licensor.Counter{CounterKey: k, Period: 5, Floating: 4 + big, Drawdown: 6 + big})
	},
	"MaxOnNewTotal": func(t *testing.T, s licensor.Store) {
		// The limit applies to the total after the write, with each part
		// kept at zero or above: -3 floating that is not there does not
		// make room for +3 drawdown.
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		k := licensor.CounterKey{LicenseARN: l.ARN, Entitlement: "seats"}
		must(t, s.EnsureCounter(t.Context(), k, 5))
		max := ptr(int64(10))
		mustConsume(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 5, Drawdown: 10, Max: max})
		refuse(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 5, Floating: -3, Drawdown: 3, Max: max})
		equal(t, "counter", findCounters(t, s, l.ARN), []licensor.Counter{{CounterKey: k, Period: 5, Drawdown: 10}})
	},
	"WrongPeriod": func(t *testing.T, s licensor.Store) {
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		k := licensor.CounterKey{LicenseARN: l.ARN, Entitlement: "seats"}
		must(t, s.EnsureCounter(t.Context(), k, 5))
		mustConsume(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 5, Floating: 1, Drawdown: 1})
		for _, p := range []int64{0, 4, 6} {
			refuse(t, s, licensor.ConsumeRequest{CounterKey: k, Period: p, Floating: 1})
			refuse(t, s, licensor.ConsumeRequest{CounterKey: k, Period: p, Drawdown: -1})
		}
		equal(t, "counter", findCounters(t, s, l.ARN), []licensor.Counter{{CounterKey: k, Period: 5, Floating: 1, Drawdown: 1}})
	},
	"NegativeDeltas": func(t *testing.T, s licensor.Store) {
		// Undoing a consumption subtracts, never below zero.
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		k := licensor.CounterKey{LicenseARN: l.ARN, Entitlement: "seats"}
		must(t, s.EnsureCounter(t.Context(), k, 5))
		mustConsume(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 5, Floating: 5, Drawdown: 4})
		equal(t, "undo 2 floating", mustConsume(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 5, Floating: -2}),
			licensor.Counter{CounterKey: k, Period: 5, Floating: 3, Drawdown: 4})
		equal(t, "undo 1 drawdown within a limit", mustConsume(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 5, Drawdown: -1, Max: ptr(int64(10))}),
			licensor.Counter{CounterKey: k, Period: 5, Floating: 3, Drawdown: 3})
		equal(t, "undo too much floating", mustConsume(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 5, Floating: -7}),
			licensor.Counter{CounterKey: k, Period: 5, Floating: 0, Drawdown: 3})
		equal(t, "undo too much of both", mustConsume(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 5, Floating: -1, Drawdown: -9}),
			licensor.Counter{CounterKey: k, Period: 5})
		equal(t, "stored", findCounters(t, s, l.ARN), []licensor.Counter{{CounterKey: k, Period: 5}})
	},
	"Release": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		k := licensor.CounterKey{LicenseARN: l.ARN, Entitlement: "seats"}
		other := licensor.CounterKey{LicenseARN: l.ARN, Entitlement: "tier"}
		for _, k := range []licensor.CounterKey{k, other} {
			must(t, s.EnsureCounter(ctx, k, 5))
			mustConsume(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 5, Floating: 3, Drawdown: 2})
		}
		must(t, s.Release(ctx, k, 2))
		equal(t, "released 2", findCounters(t, s, l.ARN), []licensor.Counter{
			{CounterKey: k, Period: 5, Floating: 1, Drawdown: 2},
			{CounterKey: other, Period: 5, Floating: 3, Drawdown: 2},
		})
		must(t, s.Release(ctx, k, 5))
		equal(t, "released too much", findCounters(t, s, l.ARN), []licensor.Counter{
			{CounterKey: k, Period: 5, Floating: 0, Drawdown: 2},
			{CounterKey: other, Period: 5, Floating: 3, Drawdown: 2},
		})
		must(t, s.Release(ctx, k, 1))
		equal(t, "released from zero", findCounters(t, s, l.ARN)[0], licensor.Counter{CounterKey: k, Period: 5, Drawdown: 2})
	},
	"EnsureIdempotent": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		k := licensor.CounterKey{LicenseARN: l.ARN, Entitlement: "seats"}
		must(t, s.EnsureCounter(ctx, k, 5))
		mustConsume(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 5, Floating: 3, Drawdown: 2})
		for _, p := range []int64{5, 4, 6} {
			must(t, s.EnsureCounter(ctx, k, p))
		}
		equal(t, "counter", findCounters(t, s, l.ARN), []licensor.Counter{{CounterKey: k, Period: 5, Floating: 3, Drawdown: 2}})
	},
	"Renew": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		k := licensor.CounterKey{LicenseARN: l.ARN, Entitlement: "seats"}
		other := licensor.CounterKey{LicenseARN: l.ARN, Entitlement: "tier"}
		for _, k := range []licensor.CounterKey{k, other} {
			must(t, s.EnsureCounter(ctx, k, 5))
			mustConsume(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 5, Floating: 3, Drawdown: 2})
		}
		must(t, s.RenewCounter(ctx, k, 6))
		equal(t, "renewed", findCounters(t, s, l.ARN), []licensor.Counter{
			{CounterKey: k, Period: 6, Floating: 3},
			{CounterKey: other, Period: 5, Floating: 3, Drawdown: 2},
		})
		refuse(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 5, Drawdown: 1})
		mustConsume(t, s, licensor.ConsumeRequest{CounterKey: k, Period: 6, Drawdown: 4})

		// A counter already in the period, or a later one, is left alone.
		for _, p := range []int64{6, 5, 0} {
			must(t, s.RenewCounter(ctx, k, p))
		}
		equal(t, "not renewed again", findCounters(t, s, l.ARN)[0], licensor.Counter{CounterKey: k, Period: 6, Floating: 3, Drawdown: 4})

		// Periods may be skipped.
		must(t, s.RenewCounter(ctx, k, 9))
		equal(t, "renewed across periods", findCounters(t, s, l.ARN)[0], licensor.Counter{CounterKey: k, Period: 9, Floating: 3})
	},
	"FindCounters": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		a := mustCreateLicense(t, s, minimalLicense(1, 1))
		b := mustCreateLicense(t, s, minimalLicense(1, 2))
		empty := mustCreateLicense(t, s, minimalLicense(1, 3))
		var want []licensor.Counter
		for i, name := range []string{"zeta", "alpha", "mid", "beta"} {
			k := licensor.CounterKey{LicenseARN: a.ARN, Entitlement: name}
			must(t, s.EnsureCounter(ctx, k, int64(i)))
			mustConsume(t, s, licensor.ConsumeRequest{CounterKey: k, Period: int64(i), Floating: int64(i), Drawdown: 10 * int64(i)})
			want = append(want, licensor.Counter{CounterKey: k, Period: int64(i), Floating: int64(i), Drawdown: 10 * int64(i)})
		}
		must(t, s.EnsureCounter(ctx, licensor.CounterKey{LicenseARN: b.ARN, Entitlement: "alpha"}, 1))
		want = []licensor.Counter{want[1], want[3], want[2], want[0]}
		equal(t, "license a", findCounters(t, s, a.ARN), want)
		equal(t, "license b", findCounters(t, s, b.ARN), []licensor.Counter{{CounterKey: licensor.CounterKey{LicenseARN: b.ARN, Entitlement: "alpha"}, Period: 1}})
		equal(t, "no counters", findCounters(t, s, empty.ARN), []licensor.Counter(nil))
	},
	"ConcurrentConsume": func(t *testing.T, s licensor.Store) {
		// Many transactions race for the last units: the limit holds
		// exactly, on any number of connections.
		ctx := t.Context()
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		k := licensor.CounterKey{LicenseARN: l.ARN, Entitlement: "seats"}
		must(t, s.EnsureCounter(ctx, k, 5))
		const workers, limit = 200, 10
		var applied atomic.Int64
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				var ok bool
				err := retry(func() error {
					return s.WithTx(ctx, func(tx licensor.Store) error {
						var c licensor.Counter
						var err error
						c, ok, err = tx.Consume(ctx, licensor.ConsumeRequest{CounterKey: k, Period: 5, Floating: 1, Max: ptr(int64(limit))})
						if ok && c.Total() > limit {
							t.Errorf("worker %d: counter after consume %s", w, dump(c))
						}
						return err
					})
				})
				if err != nil {
					t.Errorf("worker %d: %v", w, err)
				} else if ok {
					applied.Add(1)
				}
			})
		}
		wg.Wait()
		if n := applied.Load(); n != limit {
			t.Errorf("%d consumes applied, want %d", n, limit)
		}
		equal(t, "counter", findCounters(t, s, l.ARN), []licensor.Counter{{CounterKey: k, Period: 5, Floating: limit}})
	},
	"ConcurrentConsumeRelease": func(t *testing.T, s licensor.Store) {
		// Consumes and releases interleave; every applied consume sees the
		// limit kept, and the counter ends at what was taken minus what
		// was given back. Only a worker whose consume applied releases,
		// so no release is clipped at zero.
		ctx := t.Context()
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		k := licensor.CounterKey{LicenseARN: l.ARN, Entitlement: "seats"}
		must(t, s.EnsureCounter(ctx, k, 5))
		const workers, limit = 100, 10
		var applied, released atomic.Int64
		done := make(chan struct{})
		var observer sync.WaitGroup
		observer.Go(func() {
			for {
				select {
				case <-done:
					return
				default:
				}
				cs, err := s.FindCounters(ctx, l.ARN)
				if err != nil {
					t.Errorf("observer: %v", err)
					return
				}
				if len(cs) != 1 || cs[0].Total() > limit || cs[0].Floating < 0 {
					t.Errorf("observed %s", dump(cs))
					return
				}
			}
		})
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				var ok bool
				err := retry(func() error {
					return s.WithTx(ctx, func(tx licensor.Store) error {
						var c licensor.Counter
						var err error
						c, ok, err = tx.Consume(ctx, licensor.ConsumeRequest{CounterKey: k, Period: 5, Floating: 1, Max: ptr(int64(limit))})
						if ok && (c.Total() > limit || c.Floating < 1) {
							t.Errorf("worker %d: counter after consume %s", w, dump(c))
						}
						return err
					})
				})
				if err != nil {
					t.Errorf("worker %d consume: %v", w, err)
					return
				}
				if !ok {
					return
				}
				applied.Add(1)
				if w%2 == 1 {
					return
				}
				if err := retry(func() error { return s.Release(ctx, k, 1) }); err != nil {
					t.Errorf("worker %d release: %v", w, err)
					return
				}
				released.Add(1)
			})
		}
		wg.Wait()
		close(done)
		observer.Wait()
		a, r := applied.Load(), released.Load()
		if a < limit || a-r > limit {
			t.Errorf("%d consumes applied, %d released", a, r)
		}
		equal(t, fmt.Sprintf("counter after %d consumes and %d releases", a, r), findCounters(t, s, l.ARN),
			[]licensor.Counter{{CounterKey: k, Period: 5, Floating: a - r}})
	},
}
