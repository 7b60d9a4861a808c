package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// stmtCache keeps prepared statements by query text. Parsing SQL is the
// single largest cost of a short statement in SQLite, and database/sql
// prepares anew on every call unless a *sql.Stmt is reused. Queries built
// at run time (filters, multi-row inserts) have a bounded number of shapes;
// beyond maxCachedStmts a query simply runs unprepared.
//
// Preparing takes a connection of the pool. A caller inside a transaction
// already holds one (and the writer pool has only one), so inside a
// transaction the cache only looks up; a miss runs unprepared and is
// remembered, and the statement is prepared later at a safe point: by the
// committer between transactions, or by the next call outside one.
type stmtCache struct {
	db     *sql.DB
	mu     sync.Mutex
	m      map[string]*sql.Stmt
	wanted map[string]bool
}

const maxCachedStmts = 512

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: make(map[string]*sql.Stmt), wanted: make(map[string]bool)}
}

// lookup returns the cached statement for query without preparing it; a
// miss is remembered for prepareWanted.
func (c *stmtCache) lookup(query string) *sql.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	st, ok := c.m[query]
	if !ok && len(c.m)+len(c.wanted) < maxCachedStmts {
		c.wanted[query] = true
	}
	return st
}

// prepareWanted prepares the statements lookup missed. Call it only when no
// connection of the pool is held by the caller.
func (c *stmtCache) prepareWanted(ctx context.Context) {
	c.mu.Lock()
	var qs []string
	for q := range c.wanted {
		qs = append(qs, q)
	}
	clear(c.wanted)
	c.mu.Unlock()
	for _, q := range qs {
		c.get(ctx, q)
	}
}

// get returns the prepared statement for query, preparing it if needed, or
// nil when the cache is full or preparing failed (the caller then runs the
// query unprepared and gets the same error, if any, from there). Only for
// callers that hold no connection of the pool.
func (c *stmtCache) get(ctx context.Context, query string) *sql.Stmt {
	c.mu.Lock()
	st, ok := c.m[query]
	full := len(c.m) >= maxCachedStmts
	c.mu.Unlock()
	if ok || full {
		return st
	}
	st, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if prev, ok := c.m[query]; ok {
		st.Close()
		return prev
	}
	c.m[query] = st
	return st
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	clear(c.m)
}

// cachedQuerier runs statements through the cache, on a transaction when
// tx is set (tx.StmtContext reuses the statement already prepared on the
// transaction's connection) or on the pool otherwise.
type cachedQuerier struct {
	cache *stmtCache
	tx    *sql.Tx
	// detached runs statements without the caller's cancellation: set on
	// the committer's transaction, which outlives any one request (the
	// committer checks each request's context before running it). With a
	// cancellable context the driver and database/sql each start a
	// watcher goroutine per statement, several per checkout on the one
	// writer goroutine every request waits for.
	detached bool
}

// ctx returns the context statements run with.
func (q cachedQuerier) ctx(ctx context.Context) context.Context {
	if q.detached {
		return context.Background()
	}
	return ctx
}

func (q cachedQuerier) stmt(ctx context.Context, query string) *sql.Stmt {
	if q.tx == nil {
		return q.cache.get(ctx, query)
	}
	if st := q.cache.lookup(query); st != nil {
		return q.tx.StmtContext(ctx, st)
	}
	return nil
}

func (q cachedQuerier) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	ctx = q.ctx(ctx)
	if st := q.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	if q.tx != nil {
		return q.tx.ExecContext(ctx, query, args...)
	}
	return q.cache.db.ExecContext(ctx, query, args...)
}

func (q cachedQuerier) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	ctx = q.ctx(ctx)
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	if q.tx != nil {
		return q.tx.QueryContext(ctx, query, args...)
	}
	return q.cache.db.QueryContext(ctx, query, args...)
}

func (q cachedQuerier) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	ctx = q.ctx(ctx)
	if st := q.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	if q.tx != nil {
		return q.tx.QueryRowContext(ctx, query, args...)
	}
	return q.cache.db.QueryRowContext(ctx, query, args...)
}
