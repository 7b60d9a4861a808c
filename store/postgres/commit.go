package postgres

import (
	"context"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/licensorhq/licensor/internal/sqlutil"
)

// committer runs the WithTx transactions of one DB (one node) and lets
// concurrent ones share a PostgreSQL transaction and its commit (group
// commit), as the SQLite store does.
//
// With one hot counter row, every checkout takes that row's lock and holds
// it until its commit's WAL flush: one transaction per request serializes
// the node's requests on the row lock and pays one fsync each. The
// committer takes every request that queued while the previous batch ran,
// runs them one after the other in one READ COMMITTED transaction and
// commits once: the row lock is taken once per batch and the fsync is
// shared. Under no load a request runs alone, with no added wait.
//
// The batch first runs without savepoints, the common case where every
// request succeeds. When one fails, the transaction is rolled back and the
// batch runs again with a savepoint around each request, so the failed one
// leaves nothing behind and gets its own error while the others commit. A
// request that lost a ClientToken race (see CreateIdempotencyRecord) is
// rolled back to its savepoint and run again in the same transaction,
// whose next statements see the record the other transaction committed.
// A deadlock or serialization failure fails the whole batch: it is rolled
// back and each request is queued again by WithTx (see MaxTxAttempts).
//
// Each caller is answered only after COMMIT returns, so acknowledged means
// durable. Exactness across nodes does not come from the batching: each
// batch still takes each counter through the conditional UPDATE.
//
// One committer per DB: all of a node's write transactions run in one
// sequence, so they cannot deadlock with each other, only with other nodes'
// transactions and with single statements run on the pool.
type committer struct {
	c         *conns
	reqs      chan *commitReq
	quit      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

type commitReq struct {
	ctx  context.Context
	fn   func(st *txState) error
	done chan commitResult
}

type commitResult struct {
	err   error
	retry bool // nothing of the request was applied and running it again may succeed
}

// maxBatch bounds one group commit, so one commit's latency stays bounded
// under a flood of requests.
const maxBatch = 256

func newCommitter(c *conns) *committer {
	cm := &committer{c: c, reqs: make(chan *commitReq), quit: make(chan struct{}), done: make(chan struct{})}
	go cm.loop()
	return cm
}

var reqPool = sync.Pool{New: func() any { return &commitReq{done: make(chan commitResult, 1)} }}

// do runs fn in a batch and returns once the batch committed or fn's work
// was undone.
func (cm *committer) do(ctx context.Context, fn func(st *txState) error) commitResult {
	r := reqPool.Get().(*commitReq)
	r.ctx, r.fn = ctx, fn
	select {
	case cm.reqs <- r:
	case <-ctx.Done():
		r.ctx, r.fn = nil, nil
		reqPool.Put(r)
		return commitResult{err: formatError(ctx.Err())}
	case <-cm.quit:
		return commitResult{err: errClosed}
	}
	res := <-r.done // always answered, even after ctx ends: fn may be running
	r.ctx, r.fn = nil, nil
	reqPool.Put(r)
	return res
}

func (cm *committer) loop() {
	defer close(cm.done)
	batch := make([]*commitReq, 0, maxBatch)
	results := make([]commitResult, 0, maxBatch)
	for {
		var ok bool
		if batch, ok = sqlutil.NextBatch(cm.reqs, cm.quit, batch, maxBatch); !ok {
			return
		}
		results = cm.run(batch, results[:0])
		for i, r := range batch {
			r.done <- results[i]
			batch[i] = nil
		}
	}
}

// run executes one batch in one transaction and returns each request's
// outcome: a batch of several requests first as one pipelined pass (see
// runPipelined), and on any failure again in order with savepoints.
func (cm *committer) run(batch []*commitReq, results []commitResult) []commitResult {
	if len(batch) > 1 {
		if res, ok := cm.runPipelined(batch, results); ok {
			return res
		}
	} else if res, ok := cm.runOnce(batch, results, false); ok {
		return res
	}
	res, _ := cm.runOnce(batch, results[:0], true)
	return res
}

// batchCtx is the context of every statement of a batch: the transaction
// outlives any one request, so a request whose context ends must not
// cancel a statement (which could break the connection) under the others.
// A request whose context has ended before its turn is not run.
var batchCtx = context.Background()

// runOnce runs the batch in one transaction. Without savepoints it gives
// up (ok false, nothing committed) at the first request that fails, unless
// the batch has one request.
func (cm *committer) runOnce(batch []*commitReq, results []commitResult, savepoints bool) (_ []commitResult, ok bool) {
	fail := func(err error) []commitResult {
		res := commitResult{err: formatError(err), retry: retryable(err)}
		results = results[:0]
		for range batch {
			results = append(results, res)
		}
		return results
	}
	tx, err := cm.c.pool.BeginTx(batchCtx, pgx.TxOptions{IsoLevel: pgx.ReadCommitted})
	if err != nil {
		return fail(err), true
	}
	// After Commit this does nothing.
	defer tx.Rollback(batchCtx)
	q := batchQuerier{tx}
	applied := 0
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results = append(results, commitResult{err: formatError(err)})
			continue
		}
		if !savepoints {
			st := &txState{tx: q}
			err := call(r.fn, st)
			if err == nil {
				results = append(results, commitResult{})
				applied++
				continue
			}
			if st.failed != nil && retryable(st.failed) {
				// A deadlock or serialization failure: the whole
				// transaction is lost.
				return fail(st.failed), true
			}
			if len(batch) > 1 {
				return results[:0], false
			}
			results = append(results, commitResult{err: err, retry: st.retry})
			continue
		}
		if _, err := tx.Exec(batchCtx, `SAVEPOINT batch_item`); err != nil {
			return fail(err), true
		}
		var res commitResult
		for attempt := 1; ; attempt++ {
			st := &txState{tx: q}
			err := call(r.fn, st)
			if err == nil {
				break
			}
			if st.failed != nil && retryable(st.failed) {
				return fail(st.failed), true
			}
			if _, err := tx.Exec(batchCtx, `ROLLBACK TO SAVEPOINT batch_item`); err != nil {
				return fail(err), true
			}
			if !st.retry || attempt >= MaxTxAttempts || r.ctx.Err() != nil {
				res = commitResult{err: err, retry: st.retry}
				break
			}
			// Lost a ClientToken race: run again in the same transaction,
			// whose next statements see the other's committed record.
		}
		if _, err := tx.Exec(batchCtx, `RELEASE SAVEPOINT batch_item`); err != nil {
			return fail(err), true
		}
		results = append(results, res)
		if res.err == nil {
			applied++
		}
	}
	if applied == 0 {
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

// call runs fn, turning a panic into an error so that one bad request
// cannot take down the committer or leave its transaction open.
func call(fn func(st *txState) error, st *txState) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = formatError(fmt.Errorf("panic in transaction: %v", v))
		}
	}()
	if err := fn(st); err != nil {
		return err
	}
	if st.failed != nil {
		// fn went on after an error that aborted the transaction.
		return formatError(st.failed)
	}
	return nil
}

func (cm *committer) close() {
	cm.closeOnce.Do(func() { close(cm.quit) })
	<-cm.done
}

// batchQuerier runs a request's statements in the batch's transaction,
// under batchCtx whatever context the request passes.
type batchQuerier struct{ tx pgx.Tx }

func (q batchQuerier) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return q.tx.Exec(batchCtx, sql, args...)
}

func (q batchQuerier) Query(_ context.Context, sql string, args ...any) (pgx.Rows, error) {
	return q.tx.Query(batchCtx, sql, args...)
}

func (q batchQuerier) QueryRow(_ context.Context, sql string, args ...any) pgx.Row {
	return q.tx.QueryRow(batchCtx, sql, args...)
}

func (q batchQuerier) SendBatch(_ context.Context, b *pgx.Batch) pgx.BatchResults {
	return q.tx.SendBatch(batchCtx, b)
}
