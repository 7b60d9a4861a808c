package postgres

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// Pipelined batches.
//
// Run one after the other, the requests of a batch wait for each of their
// statements' round trips in series: ~30 requests of ~4.5 statements are
// ~140 waits per batch. runPipelined runs the requests of a batch at once,
// each in its own goroutine, on the batch's one transaction: a request's
// statement goes to the committer's goroutine (the connection's driver),
// which waits until every running request has a statement for it (or
// gatherWait has passed, so a request busy elsewhere does not hold up the
// others) and sends them all as one pgx.Batch, pipelined: one wait per
// round, about as many rounds as the longest request has statements.
//
// Each request's statements still run in its order, and the batch still
// commits or rolls back as a whole. Statements of different requests
// interleave, as those of concurrent READ COMMITTED transactions on
// several connections do, except that a request sees the others' writes
// before they commit (and never waits on their row locks): each store
// method is one statement that decides on its own (conditional writes,
// ON CONFLICT, locking reads inside the statement), so this is the same
// as if those others had committed first. Since nothing commits unless
// every request succeeded, no answer is built on a write that is then
// undone: the first statement error or request error ends the pass, the
// transaction is rolled back, and the batch runs again in order with
// savepoints (runOnce); a deadlock or serialization failure fails the
// whole batch for WithTx to run again, as in runOnce.

// gatherWait bounds how long a round waits for requests that have not yet
// sent their next statement.
const gatherWait = time.Millisecond

// errPipelineAborted answers the statements of a pass that has already
// failed; nothing of that pass commits.
var errPipelineAborted = errors.New("pipelined batch aborted")

// pipeOp is one statement of a request, or one pgx.Batch of a request.
type pipeOp struct {
	sql   string
	args  []any
	batch *pgx.Batch
	reply chan pipeReply
}

func (op *pipeOp) count() int {
	if op.batch != nil {
		return len(op.batch.QueuedQueries)
	}
	return 1
}

type pipeReply struct {
	results []pipeResult // one per statement of the op
	err     error        // the pass failed; results is nil
}

// pipeResult is one statement's result, read to the end.
type pipeResult struct {
	fields []pgconn.FieldDescription
	rows   [][][]byte
	tag    pgconn.CommandTag
}

type pipeMsg struct {
	op  *pipeOp // a statement; or else the request i is done
	i   int
	err error
}

// typeMaps decode results in the requests' goroutines: a pgtype.Map is not
// safe for concurrent use, so they do not share the connection's.
var typeMaps = sync.Pool{New: func() any { return pgtype.NewMap() }}

// runPipelined runs the batch as one pipelined pass (see above). ok is
// false when the batch must run again in order, with nothing committed.
func (cm *committer) runPipelined(batch []*commitReq, results []commitResult) (_ []commitResult, ok bool) {
	fail := func(err error) []commitResult {
		res := commitResult{err: formatError(err), retry: retryable(err)}
		results = results[:0]
		for range batch {
			results = append(results, res)
		}
		return results
	}
	// BEGIN goes with the first round (Batch.BeginTx), saving its round
	// trip.
	conn, err := cm.c.pool.Acquire(batchCtx)
	if err != nil {
		return fail(err), true
	}
	var tx pgx.Tx
	defer func() {
		if tx != nil {
			tx.Rollback(batchCtx) // after Commit this does nothing
		}
		conn.Release()
	}()
	newBatch := func() *pgx.Batch {
		b := &pgx.Batch{}
		if tx == nil {
			b.BeginTx(pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
		}
		return b
	}
	send := func(b *pgx.Batch) pgx.BatchResults {
		if tx != nil {
			return tx.SendBatch(batchCtx, b)
		}
		br := conn.SendBatch(batchCtx, b)
		tx = br.Tx()
		return br
	}

	msgs := make(chan pipeMsg, len(batch))
	errs := make([]error, len(batch))
	live := 0
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			errs[i] = formatError(err)
			continue
		}
		live++
		go func() {
			m := typeMaps.Get().(*pgtype.Map)
			q := &pipeQuerier{msgs: msgs, reply: make(chan pipeReply, 1), m: m}
			err := errPipelineAborted // unless fn returns (runtime.Goexit)
			defer func() {
				typeMaps.Put(m)
				msgs <- pipeMsg{i: i, err: err}
			}()
			err = call(r.fn, &txState{tx: q})
			if err == nil && q.failed {
				err = errPipelineAborted
			}
		}()
	}
	if live == 0 {
		results = results[:0]
		for _, err := range errs {
			results = append(results, commitResult{err: err})
		}
		return results, true
	}

	var (
		pending []*pipeOp
		failed  bool  // a request or a statement failed: answer the rest at once
		stmtErr error // the first statement error
		timer   = time.NewTimer(time.Hour)
		expired bool
	)
	timer.Stop()
	defer timer.Stop()
	handle := func(m pipeMsg) {
		if m.op == nil {
			live--
			if m.err != nil {
				failed = true
			}
			return
		}
		if failed {
			m.op.reply <- pipeReply{err: errPipelineAborted}
			return
		}
		pending = append(pending, m.op)
		if len(pending) == 1 {
			timer.Reset(gatherWait)
			expired = false
		}
	}
	for live > 0 {
		if failed && len(pending) > 0 {
			for _, op := range pending {
				op.reply <- pipeReply{err: errPipelineAborted}
			}
			pending = pending[:0]
		}
		if len(pending) > 0 && (len(pending) == live || expired) {
			timer.Stop()
			if err := sendRound(newBatch, send, pending); err != nil {
				failed = true
				if stmtErr == nil {
					stmtErr = err
				}
			}
			pending = pending[:0]
			continue
		}
		if len(pending) == 0 {
			handle(<-msgs)
			continue
		}
		select {
		case m := <-msgs:
			handle(m)
		case <-timer.C:
			expired = true
		}
	}

	if stmtErr != nil && retryable(stmtErr) {
		return fail(stmtErr), true
	}
	if failed {
		return results[:0], false
	}
	results = results[:0]
	applied := 0
	for _, err := range errs {
		results = append(results, commitResult{err: err})
		if err == nil {
			applied++
		}
	}
	if applied == 0 || tx == nil {
		return results, true
	}
	if err := tx.Commit(batchCtx); err != nil {
		res := commitResult{err: formatError(err), retry: retryable(err)}
		for i := range results {
			if results[i].err == nil {
				results[i] = res
			}
		}
	}
	return results, true
}

// sendRound sends the statements of ops as one pipelined batch, reads
// every result and answers each op. On an error every op of the round is
// answered with it, and it is returned.
func sendRound(newBatch func() *pgx.Batch, send func(*pgx.Batch) pgx.BatchResults, ops []*pipeOp) error {
	b := newBatch()
	skip := len(b.QueuedQueries)
	n := 0
	for _, op := range ops {
		if op.batch != nil {
			for _, qq := range op.batch.QueuedQueries {
				b.Queue(qq.SQL, qq.Arguments...)
			}
		} else {
			b.Queue(op.sql, op.args...)
		}
		n += op.count()
	}
	all := make([]pipeResult, n)
	br := send(b)
	var err error
	if skip > 0 {
		_, err = br.Exec() // BEGIN (Batch.BeginTx): the first result
	}
	for i := 0; err == nil && i < len(all); i++ {
		if err = readResult(br, &all[i]); err != nil {
			break
		}
	}
	if cerr := br.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		for _, op := range ops {
			op.reply <- pipeReply{err: err}
		}
		return err
	}
	for _, op := range ops {
		k := op.count()
		op.reply <- pipeReply{results: all[:k:k]}
		all = all[k:]
	}
	return nil
}

func readResult(br pgx.BatchResults, res *pipeResult) error {
	rows, err := br.Query()
	if err != nil {
		if rows != nil {
			rows.Close()
		}
		return err
	}
	defer rows.Close()
	for rows.Next() {
		raw := rows.RawValues()
		row := make([][]byte, len(raw))
		for i, v := range raw {
			if v != nil {
				row[i] = append(make([]byte, 0, len(v)), v...)
			}
		}
		res.rows = append(res.rows, row)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	res.fields = rows.FieldDescriptions()
	if res.fields != nil {
		res.fields = append([]pgconn.FieldDescription(nil), res.fields...)
	}
	res.tag = rows.CommandTag()
	return nil
}

// pipeQuerier is a request's querier in a pipelined pass: each statement
// goes to the committer's goroutine and waits for its round.
type pipeQuerier struct {
	msgs   chan<- pipeMsg
	reply  chan pipeReply
	m      *pgtype.Map
	failed bool // a statement was answered with an error
}

func (q *pipeQuerier) roundTrip(op *pipeOp) ([]pipeResult, error) {
	op.reply = q.reply
	q.msgs <- pipeMsg{op: op}
	r := <-q.reply
	if r.err != nil {
		q.failed = true
	}
	return r.results, r.err
}

func (q *pipeQuerier) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	res, err := q.roundTrip(&pipeOp{sql: sql, args: args})
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	return res[0].tag, nil
}

func (q *pipeQuerier) Query(_ context.Context, sql string, args ...any) (pgx.Rows, error) {
	res, err := q.roundTrip(&pipeOp{sql: sql, args: args})
	if err != nil {
		return &memRows{err: err, m: q.m, closed: true}, err
	}
	return &memRows{res: res[0], m: q.m, i: -1}, nil
}

func (q *pipeQuerier) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	rows, _ := q.Query(ctx, sql, args...)
	return memRow{rows.(*memRows)}
}

func (q *pipeQuerier) SendBatch(_ context.Context, b *pgx.Batch) pgx.BatchResults {
	res, err := q.roundTrip(&pipeOp{batch: b})
	return &memBatchResults{b: b, res: res, err: err, m: q.m}
}

// memRows is a pgx.Rows over a result read in full.
type memRows struct {
	res    pipeResult
	m      *pgtype.Map
	i      int
	err    error
	closed bool
}

func (r *memRows) Close()                                       { r.closed = true }
func (r *memRows) Err() error                                   { return r.err }
func (r *memRows) CommandTag() pgconn.CommandTag                { return r.res.tag }
func (r *memRows) FieldDescriptions() []pgconn.FieldDescription { return r.res.fields }
func (r *memRows) Conn() *pgx.Conn                              { return nil }
func (r *memRows) TypeMap() *pgtype.Map                         { return r.m }

func (r *memRows) Next() bool {
	if r.closed || r.err != nil {
		return false
	}
	r.i++
	if r.i >= len(r.res.rows) {
		r.closed = true
		return false
	}
	return true
}

func (r *memRows) RawValues() [][]byte {
	if r.i < 0 || r.i >= len(r.res.rows) {
		return nil
	}
	return r.res.rows[r.i]
}

func (r *memRows) Scan(dest ...any) error {
	values := r.RawValues()
	if values == nil {
		return errors.New("scan without a current row")
	}
	if len(dest) == 1 {
		if rs, ok := dest[0].(pgx.RowScanner); ok {
			if err := rs.ScanRow(r); err != nil {
				r.fatal(err)
				return err
			}
			return nil
		}
	}
	if err := pgx.ScanRow(r.m, r.res.fields, values, dest...); err != nil {
		r.fatal(err)
		return err
	}
	return nil
}

func (r *memRows) fatal(err error) {
	if r.err == nil {
		r.err = err
	}
	r.closed = true
}

func (r *memRows) Values() ([]any, error) {
	values := r.RawValues()
	if values == nil {
		return nil, errors.New("no current row")
	}
	out := make([]any, 0, len(values))
	for i, buf := range values {
		if buf == nil {
			out = append(out, nil)
			continue
		}
		fd := r.res.fields[i]
		if dt, ok := r.m.TypeForOID(fd.DataTypeOID); ok {
			v, err := dt.Codec.DecodeValue(r.m, fd.DataTypeOID, fd.Format, buf)
			if err != nil {
				r.fatal(err)
				return nil, err
			}
			out = append(out, v)
			continue
		}
		if fd.Format == pgx.TextFormatCode {
			out = append(out, string(buf))
		} else {
			out = append(out, append([]byte(nil), buf...))
		}
	}
	return out, nil
}

// memRow is what QueryRow returns: pgx.ErrNoRows on no row.
type memRow struct{ rows *memRows }

func (r memRow) Scan(dest ...any) error {
	rows := r.rows
	if rows.err != nil {
		return rows.err
	}
	if !rows.Next() {
		if rows.err != nil {
			return rows.err
		}
		return pgx.ErrNoRows
	}
	err := rows.Scan(dest...)
	rows.Close()
	return err
}

// memBatchResults is a pgx.BatchResults over results read in full.
type memBatchResults struct {
	b      *pgx.Batch
	res    []pipeResult
	m      *pgtype.Map
	err    error
	next   int
	closed bool
}

func (br *memBatchResults) nextResult() (*memRows, error) {
	if br.err != nil {
		return &memRows{err: br.err, m: br.m, closed: true}, br.err
	}
	if br.closed || br.next >= len(br.res) {
		err := errors.New("no more results in batch")
		return &memRows{err: err, m: br.m, closed: true}, err
	}
	br.next++
	return &memRows{res: br.res[br.next-1], m: br.m, i: -1}, nil
}

func (br *memBatchResults) Exec() (pgconn.CommandTag, error) {
	rows, err := br.nextResult()
	if err != nil {
		return pgconn.CommandTag{}, err
	}
	return rows.res.tag, nil
}

func (br *memBatchResults) Query() (pgx.Rows, error) { return br.nextResult() }

func (br *memBatchResults) QueryRow() pgx.Row {
	rows, _ := br.nextResult()
	return memRow{rows}
}

func (br *memBatchResults) Close() error {
	if br.closed {
		return br.err
	}
	for br.err == nil && br.next < len(br.res) {
		next := br.next
		if fn := br.b.QueuedQueries[br.next].Fn; fn != nil {
			if err := fn(br); err != nil {
				br.err = err
			}
		}
		if br.next == next {
			br.Exec()
		}
	}
	br.closed = true
	return br.err
}

func (br *memBatchResults) Tx() pgx.Tx { return nil }
