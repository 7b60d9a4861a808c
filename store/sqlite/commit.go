package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/licensorhq/licensor/internal/sqlutil"
)

// committer runs every write transaction of the store on one goroutine
// and lets concurrent transactions share a commit (group commit). The
// functions it runs must be safe to run again: a batch in which one fails
// is rolled back and replayed (see run).
//
// SQLite has one writer at a time, and with synchronous=FULL each commit
// waits for an fsync of the WAL. Instead of one fsync per transaction, the
// committer takes every request that queued while the previous commit was
// syncing, runs each in its own savepoint of one transaction — a request
// whose function fails is rolled back to its savepoint and leaves nothing
// behind — and commits once. Each caller is answered only after that commit
// is durable, so "acknowledged means durable" holds, and under no load a
// request is committed alone, with no added wait.
type committer struct {
	c         *conns
	app       appends // the fast path's deferred appends, reused per batch
	reqs      chan *commitReq
	quit      chan struct{}
	done      chan struct{}
	closeOnce sync.Once
}

type commitReq struct {
	ctx  context.Context
	fn   func(st *txState) error
	done chan error
}

// txState is what a request's function runs on: the batch's transaction
// and, on the fast path, the batch's deferred appends (nil while each
// request runs in its own savepoint).
type txState struct {
	tx  *sql.Tx
	app *appends
}

// maxBatch bounds one group commit, so one commit's latency stays bounded
// under a flood of requests.
const maxBatch = 512

func newCommitter(c *conns) *committer {
	cm := &committer{c: c, reqs: make(chan *commitReq), quit: make(chan struct{}), done: make(chan struct{})}
	go cm.loop()
	return cm
}

var reqPool = sync.Pool{New: func() any { return &commitReq{done: make(chan error, 1)} }}

// do runs fn in a transaction and returns once its writes are durable (nil)
// or undone (fn's error, or the commit's).
func (cm *committer) do(ctx context.Context, fn func(st *txState) error) error {
	r := reqPool.Get().(*commitReq)
	r.ctx, r.fn = ctx, fn
	select {
	case cm.reqs <- r:
	case <-ctx.Done():
		r.ctx, r.fn = nil, nil
		reqPool.Put(r)
		return formatError(ctx.Err())
	case <-cm.quit:
		return errClosed
	}
	err := <-r.done // always answered, even after ctx ends: fn may be running
	r.ctx, r.fn = nil, nil
	reqPool.Put(r)
	return err
}

func (cm *committer) loop() {
	defer close(cm.done)
	batch := make([]*commitReq, 0, maxBatch)
	results := make([]error, 0, maxBatch)
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
		// The writer connection is free: prepare what the batch ran unprepared.
		cm.c.wstmts.prepareWanted(context.Background())
	}
}

// run executes one batch in one transaction and returns each request's
// outcome. It first runs the batch without savepoints, the common case
// where every request succeeds, deferring the batch's appends to the
// ledger and the ClientToken records to a few multi-row INSERTs before the
// commit (see appends); when a request or that flush fails, the
// transaction is rolled back and the batch runs again with a savepoint
// around each request and no deferral, so the failed one leaves nothing
// behind and the others still commit.
func (cm *committer) run(batch []*commitReq, results []error) []error {
	if res, ok := cm.runOnce(batch, results, false); ok {
		return res
	}
	res, _ := cm.runOnce(batch, results[:0], true)
	return res
}

// runOnce runs the batch in one transaction. Without savepoints it gives
// up (ok false, nothing committed) at the first request that fails.
func (cm *committer) runOnce(batch []*commitReq, results []error, savepoints bool) (_ []error, ok bool) {
	ctx := context.Background() // the transaction outlives any one request
	tx, err := cm.c.writer.BeginTx(ctx, nil)
	if err != nil {
		err = formatError(err)
		for range batch {
			results = append(results, err)
		}
		return results, true
	}
	q := cachedQuerier{cache: cm.c.wstmts, tx: tx, detached: true}
	st := txState{tx: tx}
	if !savepoints {
		cm.app.reset()
		st.app = &cm.app
	}
	applied := 0
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			results = append(results, formatError(err))
			continue
		}
		if !savepoints {
			err := call(r.fn, &st)
			if st.app.failed {
				tx.Rollback()
				return results[:0], false
			}
			if err != nil && len(batch) > 1 {
				tx.Rollback()
				return results[:0], false
			}
			results = append(results, err)
			if err == nil {
				applied++
			}
			continue
		}
		if _, err := q.ExecContext(ctx, `SAVEPOINT batch_item`); err != nil {
			results = append(results, formatError(err))
			continue
		}
		if err := call(r.fn, &st); err != nil {
			q.ExecContext(ctx, `ROLLBACK TO batch_item`)
			q.ExecContext(ctx, `RELEASE batch_item`)
			results = append(results, err)
			continue
		}
		if _, err := q.ExecContext(ctx, `RELEASE batch_item`); err != nil {
			results = append(results, formatError(err))
			continue
		}
		results = append(results, nil)
		applied++
	}
	if applied == 0 {
		tx.Rollback()
		return results, true
	}
	if st.app != nil {
		if err := st.app.flush(ctx, q); err != nil {
			tx.Rollback()
			return results[:0], false
		}
	}
	if err := tx.Commit(); err != nil {
		err = formatError(err)
		for i := range results {
			if results[i] == nil {
				results[i] = err
			}
		}
	}
	return results, true
}

// call runs fn, turning a panic into an error so that one bad request
// cannot take down the writer goroutine or leave its transaction open.
func call(fn func(st *txState) error, st *txState) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = formatError(fmt.Errorf("panic in transaction: %v", v))
		}
	}()
	return fn(st)
}

func (cm *committer) close() {
	cm.closeOnce.Do(func() { close(cm.quit) })
	<-cm.done
}
