package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/internal/pgtest"
	"github.com/licensorhq/licensor/store/postgres"
	"github.com/licensorhq/licensor/store/storetest"
)

func TestStore(t *testing.T) {
	pgtest.URL(t) // once, not in each of the suite's subtests
	storetest.Run(t, func(t *testing.T) licensor.Store { return MustOpenDB(t) })
}

// MustOpenDB opens a store in a new, empty schema that is dropped when the
// test ends.
func MustOpenDB(tb testing.TB) *postgres.DB {
	tb.Helper()
	return mustOpenURL(tb, pgtest.Schema(tb))
}

// mustOpenNodes opens two stores on one new schema, as two nodes would:
// each has its own committer, so their transactions run concurrently (on
// one store, concurrent WithTx calls share a batch and run in turn).
func mustOpenNodes(tb testing.TB) (*postgres.DB, *postgres.DB) {
	tb.Helper()
	u := pgtest.Schema(tb)
	return mustOpenURL(tb, u), mustOpenURL(tb, u)
}

func mustOpenURL(tb testing.TB, u string) *postgres.DB {
	tb.Helper()
	db, err := postgres.Open(context.Background(), u)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

func wantCode(t *testing.T, err error, code licensor.Code) {
	t.Helper()
	if got := licensor.ErrorCode(err); got != code {
		t.Fatalf("error code %q, want %q (err: %v)", got, code, err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var t0 = time.Date(2025, 3, 14, 15, 9, 26, 535897000, time.UTC)

func license(n int) *licensor.License {
	return &licensor.License{
		ARN: licensor.LicenseARN("100000000001", strings.Repeat("0", 31)+string(rune('0'+n))), AccountID: "100000000001",
		Version: 1, Name: "L", ProductName: "P", ProductSKU: "sku", Status: licensor.LicenseAvailable,
		Issuer:       licensor.Issuer{Name: "I", KeyFingerprint: licensor.KeyFingerprint("100000000001", "I")},
		Validity:     licensor.DatetimeRange{Begin: "2025-01-01T00:00:00Z"},
		Entitlements: []licensor.Entitlement{{Name: "seats", Unit: "Count"}},
		CreateTime:   t0,
	}
}

func checkout(token, arn string) *licensor.Checkout {
	return &licensor.Checkout{
		Token: token, LicenseARN: arn, LicenseVersion: 1, IssuerAccount: "100000000001", AccountID: "100000000002",
		Type: licensor.CheckoutProvisional, Entitlements: []licensor.CheckoutEntitlement{{Name: "seats", Unit: "Count", Quantity: 1}},
		IssuedAt: t0, Expiration: t0.Add(time.Hour), Status: licensor.CheckoutActive,
	}
}

func TestReopen(t *testing.T) {
	ctx := t.Context()
	u := pgtest.Schema(t)
	db, err := postgres.Open(ctx, u)
	must(t, err)
	a := &licensor.Account{ID: "123456789012", Name: "kept", CreatedAt: t0}
	must(t, db.CreateAccount(ctx, a))
	must(t, db.Close())

	// Reopening applies no migration twice and keeps the data.
	db = mustOpenURL(t, u)
	got, err := db.FindAccountByID(ctx, a.ID)
	must(t, err)
	if *got != *a {
		t.Errorf("after reopen: %+v, want %+v", got, a)
	}
}

func TestConcurrentOpen(t *testing.T) {
	// Nodes that start together on an empty database migrate it once.
	u := pgtest.Schema(t)
	var wg sync.WaitGroup
	dbs := make([]*postgres.DB, 4)
	errs := make([]error, len(dbs))
	for i := range dbs {
		wg.Go(func() { dbs[i], errs[i] = postgres.Open(t.Context(), u) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("open %d: %v", i, err)
			continue
		}
		defer dbs[i].Close()
	}
	if t.Failed() {
		return
	}
	must(t, dbs[0].CreateAccount(t.Context(), &licensor.Account{ID: "123456789012", Name: "a", CreatedAt: t0}))
	_, err := dbs[len(dbs)-1].FindAccountByID(t.Context(), "123456789012")
	must(t, err)
}

func TestClosed(t *testing.T) {
	db, err := postgres.Open(t.Context(), pgtest.Schema(t))
	must(t, err)
	must(t, db.Close())
	must(t, db.Close())
	_, err = db.FindAccountByID(t.Context(), "123456789012")
	wantCode(t, err, licensor.EUNAVAILABLE)
	wantCode(t, db.WithTx(t.Context(), func(licensor.Store) error { return nil }), licensor.EUNAVAILABLE)
}

func TestBadURL(t *testing.T) {
	_, err := postgres.Open(t.Context(), "postgres://user:secret@[::1:5432/x")
	wantCode(t, err, licensor.EINVALID)
	if strings.Contains(err.Error(), "secret") {
		t.Errorf("the error shows the password: %v", err)
	}
}

func TestTxGoesOnAfterFailures(t *testing.T) {
	// A store method that fails with a domain error inside a transaction
	// leaves it usable: the service tries another account ID after
	// ECONFLICT, and skips a checkout another node expired.
	ctx := t.Context()
	db := MustOpenDB(t)
	l := license(1)
	must(t, db.CreateLicense(ctx, l))
	must(t, db.CreateAccount(ctx, &licensor.Account{ID: "100000000001", Name: "a", CreatedAt: t0}))
	must(t, db.CreateCheckout(ctx, checkout("tok-1", l.ARN)))
	must(t, db.UpdateCheckout(ctx, "tok-1", licensor.CheckoutActive, licensor.CheckoutExpired, t0))
	k := licensor.CounterKey{LicenseARN: l.ARN, Entitlement: "seats"}
	must(t, db.EnsureCounter(ctx, k, 1))

	must(t, db.WithTx(ctx, func(tx licensor.Store) error {
		wantCode(t, tx.CreateAccount(ctx, &licensor.Account{ID: "100000000001", Name: "again", CreatedAt: t0}), licensor.ECONFLICT)
		wantCode(t, tx.CreateLicense(ctx, license(1)), licensor.ECONFLICT)
		v2 := license(1)
		v2.Version = 2
		must(t, tx.CreateLicenseVersion(ctx, v2))
		wantCode(t, tx.CreateLicenseVersion(ctx, v2), licensor.ECONFLICT)
		wantCode(t, tx.CreateLicenseVersion(ctx, license(9)), licensor.ENOTFOUND)
		wantCode(t, tx.CreateAccessKey(ctx, &licensor.AccessKey{ID: "AKIA1", AccountID: "100000000009", Status: licensor.AccessKeyActive, SealedSecret: []byte("s"), CreatedAt: t0}), licensor.ENOTFOUND)
		must(t, tx.CreateAccessKey(ctx, &licensor.AccessKey{ID: "AKIA1", AccountID: "100000000001", Status: licensor.AccessKeyActive, SealedSecret: []byte("s"), CreatedAt: t0}))
		wantCode(t, tx.CreateAccessKey(ctx, &licensor.AccessKey{ID: "AKIA1", AccountID: "100000000001", Status: licensor.AccessKeyActive, SealedSecret: []byte("s"), CreatedAt: t0}), licensor.ECONFLICT)
		wantCode(t, tx.CreateCheckout(ctx, checkout("tok-1", l.ARN)), licensor.ECONFLICT)
		wantCode(t, tx.CreateCheckout(ctx, checkout("tok-2", license(9).ARN)), licensor.ENOTFOUND)
		wantCode(t, tx.UpdateCheckout(ctx, "tok-1", licensor.CheckoutActive, licensor.CheckoutExpired, t0), licensor.ECONFLICT)
		_, err := tx.CheckInCheckout(ctx, "tok-1")
		wantCode(t, err, licensor.ECONFLICT)
		wantCode(t, tx.EnsureCounter(ctx, licensor.CounterKey{LicenseARN: license(9).ARN, Entitlement: "seats"}, 1), licensor.ENOTFOUND)
		wantCode(t, tx.SetLicenseLifecycle(ctx, license(9).ARN, licensor.LicenseDeleted, t0), licensor.ENOTFOUND)
		wantCode(t, tx.PurgeLicense(ctx, license(9).ARN), licensor.ENOTFOUND)
		_, _, err = tx.FindLicenseHead(ctx, license(9).ARN)
		wantCode(t, err, licensor.ENOTFOUND)
		if _, ok, err := tx.Consume(ctx, licensor.ConsumeRequest{CounterKey: k, Period: 1, Floating: 2, Max: new(int64(1))}); ok || err != nil {
			t.Fatalf("Consume over the limit: applied %v, %v", ok, err)
		}
		// The transaction still writes, and commits.
		must(t, tx.CreateAccount(ctx, &licensor.Account{ID: "100000000002", Name: "b", CreatedAt: t0}))
		must(t, tx.CreateCheckout(ctx, checkout("tok-3", l.ARN)))
		_, ok, err := tx.Consume(ctx, licensor.ConsumeRequest{CounterKey: k, Period: 1, Floating: 1, Max: new(int64(1))})
		if !ok || err != nil {
			t.Fatalf("Consume: applied %v, %v", ok, err)
		}
		return nil
	}))
	for _, id := range []string{"100000000001", "100000000002"} {
		_, err := db.FindAccountByID(ctx, id)
		must(t, err)
	}
	_, err := db.FindCheckoutByToken(ctx, "tok-3")
	must(t, err)
	if v, _, err := db.FindLicenseHead(ctx, l.ARN); err != nil || v != 2 {
		t.Errorf("head: version %d, %v", v, err)
	}
}

func TestTxAbortedByServerError(t *testing.T) {
	// An error the server raises aborts the transaction: later methods
	// return it without running, and WithTx commits nothing.
	ctx := t.Context()
	db := MustOpenDB(t)
	err := db.WithTx(ctx, func(tx licensor.Store) error {
		must(t, tx.CreateAccount(ctx, &licensor.Account{ID: "100000000001", Name: "a", CreatedAt: t0}))
		err := tx.CreateAccount(ctx, &licensor.Account{ID: "100000000002", Name: "nul \x00 byte", CreatedAt: t0})
		wantCode(t, err, licensor.EINTERNAL)
		_, err2 := tx.FindAccountByID(ctx, "100000000001")
		if !errors.Is(err2, errors.Unwrap(err)) {
			t.Errorf("after the error: %v, want %v", err2, err)
		}
		return nil // as if fn ignored the error
	})
	wantCode(t, err, licensor.EINTERNAL)
	_, err = db.FindAccountByID(ctx, "100000000001")
	wantCode(t, err, licensor.ENOTFOUND)
}

func TestUsageRecordsAllOrNothing(t *testing.T) {
	// Outside a transaction the records of one call are one implicit
	// transaction.
	ctx := t.Context()
	db := MustOpenDB(t)
	rs := []*licensor.UsageRecord{
		{Time: t0, Kind: licensor.UsageCheckout, LicenseARN: "a", Token: "ok"},
		{Time: t0, Kind: licensor.UsageCheckout, LicenseARN: "a", Token: "nul \x00"},
	}
	if err := db.CreateUsageRecords(ctx, rs); err == nil {
		t.Fatal("no error")
	}
	got, err := db.FindUsageRecords(ctx, licensor.UsageFilter{})
	must(t, err)
	if len(got) != 0 {
		t.Errorf("%d records kept", len(got))
	}
}

func TestDeadlockRetried(t *testing.T) {
	// Two transactions take two counters in opposite orders. PostgreSQL
	// breaks the deadlock by failing one; WithTx runs it again.
	ctx := t.Context()
	db, db2 := mustOpenNodes(t)
	l := license(1)
	must(t, db.CreateLicense(ctx, l))
	a := licensor.CounterKey{LicenseARN: l.ARN, Entitlement: "a"}
	b := licensor.CounterKey{LicenseARN: l.ARN, Entitlement: "b"}
	must(t, db.EnsureCounter(ctx, a, 1))
	must(t, db.EnsureCounter(ctx, b, 1))

	var ready sync.WaitGroup
	ready.Add(2)
	var runs atomic.Int32
	run := func(db *postgres.DB, first, second licensor.CounterKey) error {
		attempt := 0
		return db.WithTx(ctx, func(tx licensor.Store) error {
			attempt++
			runs.Add(1)
			if _, _, err := tx.Consume(ctx, licensor.ConsumeRequest{CounterKey: first, Period: 1, Floating: 1}); err != nil {
				return err
			}
			if attempt == 1 {
				ready.Done()
				ready.Wait() // both hold their first row
			}
			_, _, err := tx.Consume(ctx, licensor.ConsumeRequest{CounterKey: second, Period: 1, Floating: 1})
			return err
		})
	}
	errs := make(chan error, 2)
	go func() { errs <- run(db, a, b) }()
	go func() { errs <- run(db2, b, a) }()
	for range 2 {
		must(t, <-errs)
	}
	if n := runs.Load(); n != 3 {
		t.Errorf("%d runs, want 3 (one retried)", n)
	}
	cs, err := db.FindCounters(ctx, l.ARN)
	must(t, err)
	for _, c := range cs {
		if c.Floating != 2 {
			t.Errorf("counter %s: %d floating, want 2", c.Entitlement, c.Floating)
		}
	}
}

func TestIdempotencyRaceReplays(t *testing.T) {
	// Two transactions carry the same ClientToken. The second looks before
	// the first commits, so both do the work; its insert of the record then
	// waits for the first and conflicts, and WithTx runs it again: it finds
	// the record and replays, and only the first's work is kept.
	ctx := t.Context()
	db, db2 := mustOpenNodes(t)
	rec := &licensor.IdempotencyRecord{AccountID: "100000000001", Operation: "Op", ClientToken: "t", RequestHash: []byte("h"), Response: []byte("r"), CreatedAt: t0}
	firstWrote, secondLooked, firstInserted := make(chan struct{}), make(chan struct{}), make(chan struct{})
	var replayed atomic.Bool
	idempotent := func(tx licensor.Store, name string, do func() error) error {
		_, err := tx.FindIdempotencyRecord(ctx, rec.AccountID, rec.Operation, rec.ClientToken)
		if err == nil {
			replayed.Store(true)
			return nil
		}
		if licensor.ErrorCode(err) != licensor.ENOTFOUND {
			return err
		}
		if err := do(); err != nil {
			return err
		}
		if err := tx.CreateAccount(ctx, &licensor.Account{ID: name, Name: name, CreatedAt: t0}); err != nil {
			return err
		}
		return tx.CreateIdempotencyRecord(ctx, rec)
	}
	errs := make(chan error, 2)
	go func() {
		errs <- db.WithTx(ctx, func(tx licensor.Store) error {
			err := idempotent(tx, "100000000001", func() error {
				close(firstWrote)
				<-secondLooked
				return nil
			})
			close(firstInserted)
			time.Sleep(50 * time.Millisecond) // the second's insert waits for this commit
			return err
		})
	}()
	go func() {
		first := true
		errs <- db2.WithTx(ctx, func(tx licensor.Store) error {
			if first {
				<-firstWrote
			}
			return idempotent(tx, "100000000002", func() error {
				if first {
					first = false
					close(secondLooked)
					<-firstInserted
				}
				return nil
			})
		})
	}()
	for range 2 {
		must(t, <-errs)
	}
	if !replayed.Load() {
		t.Error("the second transaction did not replay")
	}
	_, err := db.FindAccountByID(ctx, "100000000001")
	must(t, err)
	_, err = db.FindAccountByID(ctx, "100000000002")
	wantCode(t, err, licensor.ENOTFOUND)
}

func TestOrganizationRaces(t *testing.T) {
	// A transaction whose organization write collides with another's
	// uncommitted one waits for it, then reads ECONFLICT from the result
	// rather than from a unique violation: it stays usable and commits.
	ctx := t.Context()
	db, db2 := mustOpenNodes(t)
	for i := 1; i <= 4; i++ {
		must(t, db.CreateAccount(ctx, &licensor.Account{ID: "10000000000" + string(rune('0'+i)), Name: "a", CreatedAt: t0}))
	}
	org := func(id, management string) *licensor.Organization {
		return &licensor.Organization{ID: id, Name: id, ManagementAccountID: management, CreatedAt: t0}
	}
	for _, tt := range []struct {
		name          string
		first, second func(tx licensor.Store) error
	}{
		{"same ID",
			func(tx licensor.Store) error { return tx.CreateOrganization(ctx, org("o-0000000001", "100000000001")) },
			func(tx licensor.Store) error { return tx.CreateOrganization(ctx, org("o-0000000001", "100000000002")) }},
		{"management account joins another",
			func(tx licensor.Store) error { return tx.AddOrganizationMember(ctx, "o-0000000001", "100000000003") },
			func(tx licensor.Store) error { return tx.CreateOrganization(ctx, org("o-0000000003", "100000000003")) }},
		{"account joins two",
			func(tx licensor.Store) error { return tx.AddOrganizationMember(ctx, "o-0000000001", "100000000004") },
			func(tx licensor.Store) error {
				if err := tx.CreateOrganization(ctx, org("o-0000000002", "100000000002")); err != nil {
					return err
				}
				return tx.AddOrganizationMember(ctx, "o-0000000002", "100000000004")
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			firstWrote := make(chan struct{})
			errs := make(chan error, 2)
			go func() {
				errs <- db.WithTx(ctx, func(tx licensor.Store) error {
					if err := tt.first(tx); err != nil {
						return err
					}
					close(firstWrote)
					time.Sleep(100 * time.Millisecond) // the second waits for this commit
					return nil
				})
			}()
			go func() {
				<-firstWrote
				errs <- db2.WithTx(ctx, func(tx licensor.Store) error {
					if err := tt.second(tx); licensor.ErrorCode(err) != licensor.ECONFLICT {
						return fmt.Errorf("second: %v, want ECONFLICT", err)
					}
					// Still usable.
					_, err := tx.FindAccountByID(ctx, "100000000001")
					return err
				})
			}()
			for range 2 {
				must(t, <-errs)
			}
		})
	}
	members, err := db.FindOrganizationMembers(ctx, "o-0000000001")
	must(t, err)
	if want := []string{"100000000001", "100000000003", "100000000004"}; !slices.Equal(members, want) {
		t.Errorf("members %v, want %v", members, want)
	}
	members, err = db.FindOrganizationMembers(ctx, "o-0000000002")
	must(t, err)
	if want := []string{"100000000002"}; !slices.Equal(members, want) {
		t.Errorf("o-0000000002 members %v, want %v", members, want)
	}
}

func TestConcurrentTxsInOneBatch(t *testing.T) {
	// Many concurrent WithTx calls on one store share batches, whose
	// statements are pipelined: each call must get its own results, see
	// its own writes, and commit all or nothing, including when some calls
	// fail (the batch then runs again in order).
	ctx := t.Context()
	db := MustOpenDB(t)
	l := license(1)
	must(t, db.CreateLicense(ctx, l))
	k := licensor.CounterKey{LicenseARN: l.ARN, Entitlement: "seats"}
	must(t, db.EnsureCounter(ctx, k, 1))
	const n, limit = 120, int64(70)
	max := limit
	errFail := licensor.Errorf(licensor.EINVALID, "fails on purpose")
	errFull := licensor.Errorf(licensor.ECONFLICT, "full")
	var wg sync.WaitGroup
	errs := make([]error, n)
	seqs := make([][]int64, n)
	for i := range n {
		wg.Go(func() {
			token := fmt.Sprintf("t%03d", i)
			errs[i] = db.WithTx(ctx, func(tx licensor.Store) error {
				got, err := tx.FindLicenseByARN(ctx, l.ARN)
				if err != nil {
					return err
				}
				if got.ARN != l.ARN {
					return fmt.Errorf("license %s, want %s", got.ARN, l.ARN)
				}
				if _, ok, err := tx.Consume(ctx, licensor.ConsumeRequest{CounterKey: k, Period: 1, Floating: 1, Max: &max}); err != nil {
					return err
				} else if !ok {
					return errFull
				}
				if err := tx.CreateCheckout(ctx, checkout(token, l.ARN)); err != nil {
					return err
				}
				rs := []*licensor.UsageRecord{
					{Time: t0, Kind: licensor.UsageCheckout, LicenseARN: l.ARN, Token: token, Quantity: 1},
					{Time: t0, Kind: licensor.UsageCheckout, LicenseARN: l.ARN, Token: token, Quantity: 2},
				}
				if err := tx.CreateUsageRecords(ctx, rs); err != nil {
					return err
				}
				c, err := tx.FindCheckoutByToken(ctx, token)
				if err != nil {
					return err
				}
				if c.Token != token {
					return fmt.Errorf("checkout %s, want %s", c.Token, token)
				}
				if _, err := tx.FindCheckoutByToken(ctx, token+"-none"); licensor.ErrorCode(err) != licensor.ENOTFOUND {
					return fmt.Errorf("missing checkout: %v", err)
				}
				if i%17 == 5 {
					return errFail
				}
				seqs[i] = []int64{rs[0].Seq, rs[1].Seq}
				return nil
			})
		})
	}
	wg.Wait()
	ok := 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
			if seqs[i][1] <= seqs[i][0] {
				t.Errorf("%d: seqs %v", i, seqs[i])
			}
		case errors.Is(err, errFail) && i%17 == 5, errors.Is(err, errFull):
		default:
			t.Errorf("%d: %v", i, err)
		}
	}
	if int64(ok) > limit {
		t.Errorf("%d succeeded, limit %d", ok, limit)
	}
	cs, err := db.FindCounters(ctx, l.ARN)
	must(t, err)
	if len(cs) != 1 || cs[0].Floating != int64(ok) {
		t.Errorf("counters %+v, want %d floating", cs, ok)
	}
	active, err := db.CountActiveCheckouts(ctx, l.ARN)
	must(t, err)
	if active != ok {
		t.Errorf("%d checkouts, want %d", active, ok)
	}
	us, err := db.FindUsageRecords(ctx, licensor.UsageFilter{Limit: 1000})
	must(t, err)
	if len(us) != 2*ok {
		t.Errorf("%d usage records, want %d", len(us), 2*ok)
	}
	for _, u := range us {
		var i int
		if _, err := fmt.Sscanf(u.Token, "t%03d", &i); err != nil || errs[i] != nil {
			t.Errorf("record of failed %s kept", u.Token)
		}
	}
}
