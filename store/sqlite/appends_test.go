package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/licensorhq/licensor"
)

func usage(token string, n int) []*licensor.UsageRecord {
	rs := make([]*licensor.UsageRecord, n)
	for i := range rs {
		rs[i] = &licensor.UsageRecord{
			Time: time.Unix(1700000000, 0), Kind: licensor.UsageCheckout, IssuerAccount: "111111111111",
			AccountID: "222222222222", LicenseARN: "arn:aws:license-manager::111111111111:license:l-0123456789abcdef0123456789abcdef",
			Token: token, CheckoutType: licensor.CheckoutProvisional, Entitlement: fmt.Sprint("e", i), Unit: licensor.Unit("Count"), Quantity: 1,
		}
	}
	return rs
}

func idem(token string) *licensor.IdempotencyRecord {
	return &licensor.IdempotencyRecord{AccountID: "222222222222", Operation: "CheckoutLicense", ClientToken: token,
		RequestHash: []byte("hash-" + token), Response: []byte(`{"token":"` + token + `"}`), CreatedAt: time.Unix(1700000000, 0)}
}

// TestDeferredAppends drives the group commit's deferred ledger and
// ClientToken inserts (appends.go) with concurrent transactions, so they
// share batches, and checks that deferring changes no outcome.
func TestDeferredAppends(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)

	// 0. A record committed before the batches below.
	if err := db.CreateIdempotencyRecord(ctx, idem("committed")); err != nil {
		t.Fatal(err)
	}

	const n = 300
	errBoom := errors.New("boom")
	type outcome struct {
		err      error
		replayed bool
		records  []*licensor.UsageRecord
	}
	out := make([]outcome, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			token := fmt.Sprint("t", i)
			switch i % 5 {
			case 1:
				token = "shared" // 60 requests, one ClientToken: exactly one may consume
			case 2:
				token = "committed" // a duplicate of a committed record, written without a find
			}
			rs := usage(token, 1+i%3)
			out[i].err = db.WithTx(ctx, func(tx licensor.Store) error {
				if i%5 != 2 {
					_, err := tx.FindIdempotencyRecord(ctx, "222222222222", "CheckoutLicense", token)
					if err == nil {
						out[i].replayed = true
						return nil
					}
					if licensor.ErrorCode(err) != licensor.ENOTFOUND {
						return err
					}
				}
				if err := tx.CreateUsageRecords(ctx, rs); err != nil {
					return err
				}
				if err := tx.CreateIdempotencyRecord(ctx, idem(token)); err != nil {
					return err
				}
				if i%5 == 3 {
					return errBoom // written, then failed: nothing of it may stay
				}
				return nil
			})
			if out[i].err == nil && !out[i].replayed {
				out[i].records = rs
			}
		}()
	}
	wg.Wait()

	shared, want := 0, map[int64]*licensor.UsageRecord{}
	for i, o := range out {
		switch i % 5 {
		case 1:
			if o.err != nil {
				t.Fatalf("request %d: %v", i, o.err)
			}
			if !o.replayed {
				shared++
			}
		case 2:
			if licensor.ErrorCode(o.err) != licensor.ECONFLICT {
				t.Fatalf("request %d, duplicate of a committed ClientToken: %v, want ECONFLICT", i, o.err)
			}
		case 3:
			if !errors.Is(o.err, errBoom) {
				t.Fatalf("request %d: %v, want its own error", i, o.err)
			}
		default:
			if o.err != nil || o.replayed {
				t.Fatalf("request %d: %v (replayed %v)", i, o.err, o.replayed)
			}
		}
		for _, r := range o.records {
			if r.Seq <= 0 || want[r.Seq] != nil {
				t.Fatalf("request %d: seq %d not assigned or not unique", i, r.Seq)
			}
			want[r.Seq] = r
		}
	}
	if shared != 1 {
		t.Fatalf("%d transactions consumed the shared ClientToken, want 1", shared)
	}

	all, err := db.FindUsageRecords(ctx, licensor.UsageFilter{Limit: 10000})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != len(want) {
		t.Fatalf("ledger holds %d records, want %d", len(all), len(want))
	}
	for i, r := range all {
		w := want[r.Seq]
		if w == nil || w.Token != r.Token || w.Entitlement != r.Entitlement {
			t.Fatalf("ledger record seq %d = %+v, want %+v", r.Seq, r, w)
		}
		if i > 0 && r.Seq <= all[i-1].Seq {
			t.Fatalf("seq out of order at %d", i)
		}
		if r.Token == "t3" || r.Token == "committed" {
			t.Fatalf("a failed transaction's record stayed: %+v", r)
		}
	}
	for i := 0; i < n; i++ {
		_, err := db.FindIdempotencyRecord(ctx, "222222222222", "CheckoutLicense", fmt.Sprint("t", i))
		switch i % 5 {
		case 0, 4:
			if err != nil {
				t.Fatalf("record t%d: %v", i, err)
			}
		case 3:
			if licensor.ErrorCode(err) != licensor.ENOTFOUND {
				t.Fatalf("record t%d of a failed transaction: %v", i, err)
			}
		}
	}
}

// TestDeferredAppendsFlushConflict: a ClientToken record that duplicates a
// committed one, written without a find, fails only at the batch's flush;
// the batch is replayed, that request gets ECONFLICT and the others commit.
func TestDeferredAppendsFlushConflict(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	if err := db.CreateIdempotencyRecord(ctx, idem("committed")); err != nil {
		t.Fatal(err)
	}
	// Alone: a batch of one.
	err := db.WithTx(ctx, func(tx licensor.Store) error { return tx.CreateIdempotencyRecord(ctx, idem("committed")) })
	if licensor.ErrorCode(err) != licensor.ECONFLICT {
		t.Fatalf("alone: %v, want ECONFLICT", err)
	}
	// Among successful requests.
	const n = 200
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			token := fmt.Sprint("f", i)
			if i%40 == 0 {
				token = "committed"
			}
			errs[i] = db.WithTx(ctx, func(tx licensor.Store) error {
				if err := tx.CreateUsageRecords(ctx, usage(token, 1)); err != nil {
					return err
				}
				return tx.CreateIdempotencyRecord(ctx, idem(token))
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if i%40 == 0 {
			if licensor.ErrorCode(err) != licensor.ECONFLICT {
				t.Fatalf("request %d: %v, want ECONFLICT", i, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if _, err := db.FindIdempotencyRecord(ctx, "222222222222", "CheckoutLicense", fmt.Sprint("f", i)); err != nil {
			t.Fatalf("request %d's record: %v", i, err)
		}
	}
	if rs, err := db.FindUsageRecords(ctx, licensor.UsageFilter{Token: "committed", Limit: 100}); err != nil || len(rs) != 0 {
		t.Fatalf("the conflicting requests' ledger records: %d, %v", len(rs), err)
	}
}

// TestDeferredAppendsInOneTx: inside one transaction the deferred rows are
// seen by the reads that follow, a duplicate is ECONFLICT at once, and a
// long append goes in chunks with consecutive seqs.
func TestDeferredAppendsInOneTx(t *testing.T) {
	ctx := context.Background()
	db := MustOpenDB(t)
	rs := usage("long", 150) // chunks of 64, 64, 16, 4, 2
	err := db.WithTx(ctx, func(tx licensor.Store) error {
		if err := tx.CreateIdempotencyRecord(ctx, idem("a")); err != nil {
			return err
		}
		got, err := tx.FindIdempotencyRecord(ctx, "222222222222", "CheckoutLicense", "a")
		if err != nil || string(got.RequestHash) != "hash-a" {
			return fmt.Errorf("find in the same transaction: %+v, %v", got, err)
		}
		if err := tx.CreateIdempotencyRecord(ctx, idem("a")); licensor.ErrorCode(err) != licensor.ECONFLICT {
			return fmt.Errorf("second create: %v, want ECONFLICT", err)
		}
		if err := tx.CreateUsageRecords(ctx, rs); err != nil {
			return err
		}
		seen, err := tx.FindUsageRecords(ctx, licensor.UsageFilter{Token: "long", Limit: 1000})
		if err != nil || len(seen) != len(rs) {
			return fmt.Errorf("read in the same transaction: %d records, %v", len(seen), err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		if r.Seq != rs[0].Seq+int64(i) {
			t.Fatalf("record %d has seq %d, first %d", i, r.Seq, rs[0].Seq)
		}
	}
	all, err := db.FindUsageRecords(ctx, licensor.UsageFilter{Token: "long", Limit: 1000})
	if err != nil || len(all) != len(rs) {
		t.Fatalf("%d records after commit, %v", len(all), err)
	}
	for i, r := range all {
		if r.Seq != rs[i].Seq || r.Entitlement != rs[i].Entitlement {
			t.Fatalf("record %d: %+v, want %+v", i, r, rs[i])
		}
	}
}
