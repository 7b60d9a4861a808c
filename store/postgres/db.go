package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/licensorhq/licensor"
)

var _ licensor.Store = (*DB)(nil)

//go:embed migrations/*.sql
var migrations embed.FS

// MaxTxAttempts bounds how many times WithTx runs its function when the
// transaction fails with a deadlock, a serialization failure or a lost
// ClientToken race.
const MaxTxAttempts = 10

// DB is a licensor.Store backed by a PostgreSQL database. Create it with
// NewDB, then call Open; or use Open.
type DB struct {
	// URL is the connection string: a postgres:// URL or key=value pairs,
	// as pgxpool.ParseConfig reads them. Pool settings ride along in it,
	// e.g. pool_max_conns=16; so does the schema, e.g. search_path=licensor.
	URL string

	c  *conns   // shared by the DB and the copies WithTx hands out
	tx *txState // non-nil on a copy bound to a WithTx transaction
}

type conns struct {
	pool    *pgxpool.Pool
	commits *committer // runs WithTx transactions in batches
	closed  atomic.Bool
}

// txState is the transaction a DB copy is bound to.
type txState struct {
	tx querier // the batch's transaction (see committer)
	// failed is the first error that aborted the transaction on the
	// server: every later statement would fail, so methods return it
	// without a round trip.
	failed error
	// retry is set when the transaction lost a race that running it again
	// resolves: a deadlock, a serialization failure, or an idempotency
	// record committed by another transaction after this one looked.
	retry bool
}

// NewDB returns an unopened DB for the database at url.
func NewDB(url string) *DB { return &DB{URL: url} }

// Open connects to the database at url and migrates it.
func Open(ctx context.Context, url string) (*DB, error) {
	db := NewDB(url)
	if err := db.Open(ctx); err != nil {
		return nil, err
	}
	return db, nil
}

// Open creates the connection pool, checks that the database answers and
// applies pending migrations.
func (db *DB) Open(ctx context.Context) error {
	if db.c != nil {
		return errors.New("open postgres store: already open")
	}
	cfg, err := pgxpool.ParseConfig(db.URL)
	if err != nil {
		// The parse error may quote the URL, password included.
		return licensor.Errorf(licensor.EINVALID, "open postgres store: the connection string is not valid")
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("open postgres store: %w", formatError(err))
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return fmt.Errorf("open postgres store %s: %w", cfg.ConnConfig.Host, formatError(err))
	}
	if err := migrate(ctx, pool); err != nil {
		pool.Close()
		return fmt.Errorf("open postgres store %s: %w", cfg.ConnConfig.Host, err)
	}
	db.c = &conns{pool: pool}
	db.c.commits = newCommitter(db.c)
	return nil
}

// migrate applies the embedded migrations through goose, which needs a
// database/sql handle: one over the pool. A lock row in goose_lock (no
// advisory lock) lets nodes that start together migrate one at a time.
func migrate(ctx context.Context, pool *pgxpool.Pool) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	locker, err := lock.NewPostgresTableLocker(lock.WithTableLockTimeout(250*time.Millisecond, 1200))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	sqlDB := stdlib.OpenDBFromPool(pool)
	defer sqlDB.Close() // returns its connections to the pool, which stays open
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, fsys,
		goose.WithDisableGlobalRegistry(true), goose.WithLocker(locker))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", formatError(err))
	}
	return nil
}

// Close closes the connection pool, waiting for connections in use to be
// returned. On a Store handed to WithTx's function it does nothing.
func (db *DB) Close() error {
	if db.tx != nil || db.c == nil {
		return nil
	}
	if db.c.closed.CompareAndSwap(false, true) {
		db.c.commits.close()
		db.c.pool.Close()
	}
	return nil
}

var errClosed = licensor.WrapError(licensor.EUNAVAILABLE, errors.New("postgres store is closed"), "The store is not open.")

// WithTx runs fn in one READ COMMITTED transaction. The Store fn receives
// reads and writes inside that transaction; fn's writes commit when it
// returns nil and are undone otherwise, and fn's error is returned
// unchanged. Called on a Store already bound to a transaction, WithTx runs
// fn on that Store.
//
// Concurrent calls share transactions and commits (group commit, see
// committer): fn's writes are undone on their own when fn fails, and
// WithTx returns nil only after the commit that holds them. fn's
// statements run under a context of the batch, not ctx; fn does not run
// if ctx ends before its turn.
//
// When the transaction fails with a deadlock (40P01) or a serialization
// failure (40001, which READ COMMITTED does not raise but other isolation
// levels and PostgreSQL-compatible engines do), or fn failed after another
// transaction committed the idempotency record fn was about to write,
// fn's work is rolled back and fn runs again, up to MaxTxAttempts times:
// fn must be safe to run again. fn must not use the outer DB: its writes
// would not be part of fn's transaction, and could wait for locks fn's
// own transaction holds.
func (db *DB) WithTx(ctx context.Context, fn func(tx licensor.Store) error) error {
	if db.tx != nil {
		return fn(db)
	}
	if err := db.usable(); err != nil {
		return err
	}
	run := func(st *txState) error { return fn(&DB{URL: db.URL, c: db.c, tx: st}) }
	for attempt := 1; ; attempt++ {
		res := db.c.commits.do(ctx, run)
		if res.err == nil || !res.retry || attempt >= MaxTxAttempts {
			return res.err
		}
		// A short random pause, so that the transactions that collided do
		// not collide again in step.
		pause := time.Duration(attempt) * time.Millisecond
		pause += rand.N(pause + time.Millisecond)
		select {
		case <-ctx.Done():
			return formatError(ctx.Err())
		case <-time.After(pause):
		}
	}
}

// querier is what *pgxpool.Pool and pgx.Tx have in common; every statement
// runs through one.
type querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
}

// usable returns an error when the store cannot run statements.
func (db *DB) usable() error {
	if db.c == nil || db.c.closed.Load() {
		return errClosed
	}
	return nil
}

// q returns where a method runs its statements: the transaction the DB is
// bound to, or else the pool, where each statement (or batch) is a
// transaction of its own.
func (db *DB) q() (querier, error) {
	if err := db.usable(); err != nil {
		return nil, err
	}
	if db.tx != nil {
		if db.tx.failed != nil {
			return nil, formatError(db.tx.failed)
		}
		return db.tx.tx, nil
	}
	return db.c.pool, nil
}

// readTx runs fn on one snapshot: inside the bound transaction, or else in
// a read-only REPEATABLE READ transaction of its own. For reads of more
// than one statement.
func (db *DB) readTx(ctx context.Context, fn func(q querier) error) error {
	if db.tx != nil {
		q, err := db.q()
		if err != nil {
			return err
		}
		return fn(q)
	}
	if err := db.usable(); err != nil {
		return err
	}
	tx, err := db.c.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return err
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// done translates err for the caller of a method (see formatError). Inside
// a transaction it also notes an error that came from the database: the
// server has aborted the transaction, so later statements are answered
// with this error, and WithTx retries when the error says so.
func (db *DB) done(err error) error {
	if err == nil {
		return nil
	}
	if st := db.tx; st != nil && st.failed == nil && abortsTx(err) {
		st.failed = err
		st.retry = st.retry || retryable(err)
	}
	return formatError(err)
}

// abortsTx reports whether err left the transaction unusable: anything but
// the errors the store makes itself and an empty result.
func abortsTx(err error) bool {
	var le *licensor.Error
	return !errors.As(err, &le) && !errors.Is(err, pgx.ErrNoRows)
}

// SQLSTATE codes (https://www.postgresql.org/docs/current/errcodes-appendix.html)
// the store translates.
const (
	codeUniqueViolation      = "23505"
	codeForeignKeyViolation  = "23503"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
	codeLockNotAvailable     = "55P03"
	codeQueryCanceled        = "57014" // statement_timeout, lock_timeout, pg_cancel_backend
	codeAdminShutdown        = "57P01"
	codeCrashShutdown        = "57P02"
	codeCannotConnectNow     = "57P03"
	codeReadOnlyTransaction  = "25006" // a hot standby or a read-only default_transaction
)

// retryable reports whether running the same transaction again may
// succeed.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == codeSerializationFailure || pe.Code == codeDeadlockDetected
	}
	return false
}

// formatError translates an error from the driver into a licensor error,
// by SQLSTATE, never by message. Errors that already carry a code pass
// through. Anything unexpected becomes EINTERNAL with the cause kept in
// Err, out of the caller-visible message.
func formatError(err error) error {
	if err == nil {
		return nil
	}
	var le *licensor.Error
	if errors.As(err, &le) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return licensor.WrapError(licensor.ENOTFOUND, err, "Resource not found.")
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return licensor.WrapError(licensor.EUNAVAILABLE, err, "The request was canceled or timed out.")
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch code := pe.Code; {
		case code == codeUniqueViolation:
			return licensor.WrapError(licensor.ECONFLICT, err, "Resource already exists.")
		case code == codeForeignKeyViolation:
			return licensor.WrapError(licensor.ENOTFOUND, err, "A referenced resource does not exist.")
		case code == codeSerializationFailure, code == codeDeadlockDetected, code == codeLockNotAvailable,
			code == codeQueryCanceled:
			return licensor.WrapError(licensor.EUNAVAILABLE, err, "The store is busy; retry.")
		case code == codeAdminShutdown, code == codeCrashShutdown, code == codeCannotConnectNow,
			code == codeReadOnlyTransaction,
			len(code) == 5 && (code[:2] == "08" || code[:2] == "53"): // connection exception, insufficient resources
			return licensor.WrapError(licensor.EUNAVAILABLE, err, "The store is unavailable; retry.")
		}
		return licensor.WrapError(licensor.EINTERNAL, err, "Internal error.")
	}
	if pgconn.Timeout(err) || isConnectError(err) {
		return licensor.WrapError(licensor.EUNAVAILABLE, err, "The store is unavailable; retry.")
	}
	return licensor.WrapError(licensor.EINTERNAL, err, "Internal error.")
}

func isConnectError(err error) bool {
	var ce *pgconn.ConnectError
	return errors.As(err, &ce)
}

// params collects the arguments of a statement built at run time and
// returns the placeholder of each.
type params []any

func (p *params) add(v any) string {
	*p = append(*p, v)
	return "$" + strconv.Itoa(len(*p))
}

// each calls fn for every row of a query's result (rows, err as the query
// returned them) and closes it: the loop of every multi-row read.
func each(rows pgx.Rows, err error, fn func(pgx.Rows) error) error {
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
