package sqlite

import (
	"context"
	"strings"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/internal/sqlutil"
)

// appends holds the rows that the requests of one group commit add to the
// two append-only tables, the usage ledger and the ClientToken records, so
// that the committer writes them as a few multi-row INSERTs just before
// the commit instead of two or three single-row statements per request.
// Every checkout and check-in appends to both; on the single writer each
// statement saved is time every queued request waits less.
//
// Only the committer's fast path defers (see committer.runOnce): a batch
// that runs without savepoints is undone whole when anything in it fails,
// the flush included, and replayed with a savepoint per request and no
// deferral, where every insert runs at once and reports its own error. So
// deferring changes no outcome:
//   - a ClientToken record is found by the batch's later requests (find
//     looks here before the table), and a duplicate within the batch is
//     ECONFLICT at once; a duplicate of a committed record fails the flush,
//     and the replay reports it to its request;
//   - a read of either table inside the batch flushes first;
//   - Seq is assigned at the flush, before WithTx returns.
type appends struct {
	usage []*licensor.UsageRecord
	idem  []*licensor.IdempotencyRecord
	keys  map[idemKey]*licensor.IdempotencyRecord
	// failed is set when a flush fails: its statements may have applied
	// in part, so the batch must be replayed (the committer checks it).
	failed bool
}

type idemKey struct{ account, operation, token string }

func (a *appends) reset() {
	clear(a.usage)
	a.usage = a.usage[:0]
	clear(a.idem)
	a.idem = a.idem[:0]
	clear(a.keys)
	a.failed = false
}

func (a *appends) findIdempotency(k idemKey) (*licensor.IdempotencyRecord, bool) {
	r, ok := a.keys[k]
	return r, ok
}

// addIdempotency defers r; ECONFLICT when the batch already holds its key.
func (a *appends) addIdempotency(r *licensor.IdempotencyRecord) error {
	k := idemKey{r.AccountID, r.Operation, r.ClientToken}
	if _, ok := a.keys[k]; ok {
		return licensor.Errorf(licensor.ECONFLICT, "Client token %s was already used.", r.ClientToken)
	}
	if a.keys == nil {
		a.keys = make(map[idemKey]*licensor.IdempotencyRecord)
	}
	cp := *r
	a.keys[k] = &cp
	a.idem = append(a.idem, &cp)
	return nil
}

// flush writes what is deferred, in the order it was added. Call it
// outside any savepoint: what it writes belongs to the whole batch.
func (a *appends) flush(ctx context.Context, q querier) error {
	if a.failed {
		return errFlushFailed
	}
	err := insertUsageRecords(ctx, q, a.usage)
	if err == nil {
		err = insertIdempotencyRecords(ctx, q, a.idem)
	}
	if err != nil {
		a.failed = true
		return err
	}
	a.reset()
	return nil
}

var errFlushFailed = licensor.Errorf(licensor.EUNAVAILABLE, "The batch's deferred writes failed; retry.")

// maxInsertRows bounds one multi-row INSERT. Rows go in chunks of a power
// of two up to it, so an insert of any length uses at most 7 statement
// shapes per table, all of which stay prepared.
const maxInsertRows = 64

func chunk(n int) int {
	c := maxInsertRows
	for c > n {
		c >>= 1
	}
	return c
}

// insertRows inserts n rows in chunks: head is the INSERT up to VALUES,
// row one row's placeholders, args(i, dst) appends row i's values.
func insertRows(ctx context.Context, q querier, n int, head, row string, args func(i int, dst []any) []any, inserted func(from, to int, lastID int64)) error {
	var buf []any
	for from := 0; from < n; {
		c := chunk(n - from)
		var sb strings.Builder
		sb.Grow(len(head) + c*(len(row)+2))
		sb.WriteString(head)
		buf = buf[:0]
		for i := 0; i < c; i++ {
			if i > 0 {
				sb.WriteString(", ")
			}
			sb.WriteString(row)
			buf = args(from+i, buf)
		}
		res, err := q.ExecContext(ctx, sb.String(), buf...)
		if err != nil {
			return err
		}
		if inserted != nil {
			last, err := res.LastInsertId()
			if err != nil {
				return err
			}
			inserted(from, from+c, last)
		}
		from += c
	}
	return nil
}

// insertUsageRecords appends rs to the ledger and sets their Seq: one
// statement's rows get consecutive seqs (rowids above the largest, one
// writer, no deletes), so the last one's ID gives them all.
func insertUsageRecords(ctx context.Context, q querier, rs []*licensor.UsageRecord) error {
	return insertRows(ctx, q, len(rs), `INSERT INTO usage_records (time, kind, issuer_account, account_id, license_arn, beneficiary,
		node_id, token, checkout_type, entitlement, unit, quantity, overage, period) VALUES `,
		"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		func(i int, dst []any) []any {
			r := rs[i]
			return append(dst, sqlutil.Micros(r.Time), string(r.Kind), r.IssuerAccount, r.AccountID, r.LicenseARN, r.Beneficiary,
				r.NodeID, r.Token, string(r.CheckoutType), r.Entitlement, string(r.Unit), r.Quantity, r.Overage, r.Period)
		},
		func(from, to int, last int64) {
			for i := from; i < to; i++ {
				rs[i].Seq = last - int64(to-1-i)
			}
		})
}

func insertIdempotencyRecords(ctx context.Context, q querier, rs []*licensor.IdempotencyRecord) error {
	return insertRows(ctx, q, len(rs), `INSERT INTO idempotency (account_id, operation, client_token, request_hash, response, created_at) VALUES `,
		"(?, ?, ?, ?, ?, ?)",
		func(i int, dst []any) []any {
			r := rs[i]
			return append(dst, r.AccountID, r.Operation, r.ClientToken, nonNil(r.RequestHash), nonNil(r.Response), sqlutil.Micros(r.CreatedAt))
		}, nil)
}
