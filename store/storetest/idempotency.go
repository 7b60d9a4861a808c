package storetest

import (
	"testing"
	"time"

	"github.com/licensorhq/licensor"
)

func record(account int, op, token string, created time.Time) *licensor.IdempotencyRecord {
	return &licensor.IdempotencyRecord{
		AccountID: accountID(account), Operation: op, ClientToken: token,
		RequestHash: []byte{0xde, 0xad, 0, 0xbe, 0xef}, Response: []byte(`{"LicenseArn":"x"}`),
		CreatedAt: created,
	}
}

var idempotencyTests = map[string]func(t *testing.T, s licensor.Store){
	"CreateFind": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		r := record(1, "CreateLicense", "token-1", t0)
		must(t, s.CreateIdempotencyRecord(ctx, r))
		got, err := s.FindIdempotencyRecord(ctx, r.AccountID, r.Operation, r.ClientToken)
		must(t, err)
		want := *r
		want.CreatedAt = utc(t0)
		equal(t, "record", got, &want)
	},
	"NotFound": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		must(t, s.CreateIdempotencyRecord(ctx, record(1, "CreateLicense", "token-1", t0)))
		for _, k := range [][3]string{
			{accountID(2), "CreateLicense", "token-1"},
			{accountID(1), "CheckoutLicense", "token-1"},
			{accountID(1), "CreateLicense", "token-2"},
		} {
			_, err := s.FindIdempotencyRecord(ctx, k[0], k[1], k[2])
			wantCode(t, err, licensor.ENOTFOUND)
		}
	},
	"Conflict": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		must(t, s.CreateIdempotencyRecord(ctx, record(1, "CreateLicense", "token-1", t0)))
		other := record(1, "CreateLicense", "token-1", t0.Add(time.Hour))
		other.Response = []byte("other")
		wantCode(t, s.CreateIdempotencyRecord(ctx, other), licensor.ECONFLICT)
		got, err := s.FindIdempotencyRecord(ctx, accountID(1), "CreateLicense", "token-1")
		must(t, err)
		if string(got.Response) == "other" {
			t.Error("conflicting create overwrote the record")
		}
		// The same token is free for another account or operation.
		must(t, s.CreateIdempotencyRecord(ctx, record(2, "CreateLicense", "token-1", t0)))
		must(t, s.CreateIdempotencyRecord(ctx, record(1, "CheckoutLicense", "token-1", t0)))
	},
	"DeleteBefore": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		tokens := []string{"a", "b", "c", "d"}
		for i, tok := range tokens {
			must(t, s.CreateIdempotencyRecord(ctx, record(1, "CreateLicense", tok, t0.Add(time.Duration(i)*time.Hour))))
		}
		n, err := s.DeleteIdempotencyRecords(ctx, t0.Add(90*time.Minute))
		must(t, err)
		if n != 2 {
			t.Errorf("deleted %d records, want 2", n)
		}
		for i, tok := range tokens {
			_, err := s.FindIdempotencyRecord(ctx, accountID(1), "CreateLicense", tok)
			if i < 2 {
				wantCode(t, err, licensor.ENOTFOUND)
			} else {
				must(t, err)
			}
		}
		// Strictly before: the record created at exactly the cut-off stays.
		n, err = s.DeleteIdempotencyRecords(ctx, t0.Add(2*time.Hour))
		must(t, err)
		if n != 0 {
			t.Errorf("deleted %d records at the cut-off, want 0", n)
		}
	},
}
