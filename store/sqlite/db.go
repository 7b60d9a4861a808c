package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/licensorhq/licensor"
)

var _ licensor.Store = (*DB)(nil)

//go:embed migrations/*.sql
var migrations embed.FS

// Defaults for the fields of DB left zero.
const (
	DefaultBusyTimeout = 5 * time.Second
	DefaultReadConns   = 4
)

// DB is a licensor.Store backed by one SQLite database file. Create it with
// NewDB, adjust the fields, then call Open; or use Open.
type DB struct {
	// Path is the database file, e.g. <data>/licensor.db. When empty, Open
	// creates the database in a new temporary directory that Close removes.
	Path string
	// ReadConns is the size of the read-only connection pool; zero means
	// the larger of DefaultReadConns and GOMAXPROCS.
	ReadConns int
	// BusyTimeout is how long a statement waits for a lock held by another
	// process before failing with EUNAVAILABLE; zero means
	// DefaultBusyTimeout.
	BusyTimeout time.Duration

	conns *conns   // shared by the DB and the copies WithTx hands out
	tx    *sql.Tx  // non-nil on a copy bound to a WithTx transaction
	app   *appends // the batch's deferred appends, when the committer defers them
}

type conns struct {
	writer *sql.DB // exactly one connection: all writes, BEGIN IMMEDIATE
	reader *sql.DB // query_only connections
	tmpDir string  // removed by Close when Path was empty

	wstmts, rstmts *stmtCache
	commits        *committer

	checkpointer    *sql.DB
	stopCheckpoints chan struct{}
	checkpointsDone chan struct{}

	lock *os.File // <path>.lock, flock'ed: one process per database
}

// checkpointInterval is how often the WAL is copied back into the
// database file (PASSIVE: never blocking the writer or readers).
const checkpointInterval = 500 * time.Millisecond

func (c *conns) checkpoints() {
	defer close(c.checkpointsDone)
	t := time.NewTicker(checkpointInterval)
	defer t.Stop()
	for {
		select {
		case <-c.stopCheckpoints:
			return
		case <-t.C:
			c.checkpointer.Exec(`PRAGMA wal_checkpoint(PASSIVE)`)
		}
	}
}

// NewDB returns an unopened DB for the database file at path.
func NewDB(path string) *DB { return &DB{Path: path} }

// Open opens (creating if needed) the database at path and migrates it.
func Open(ctx context.Context, path string) (*DB, error) {
	db := NewDB(path)
	if err := db.Open(ctx); err != nil {
		return nil, err
	}
	return db, nil
}

// Open opens the database file, sets its pragmas on every connection and
// applies pending migrations.
func (db *DB) Open(ctx context.Context) (err error) {
	if db.conns != nil {
		return errors.New("open sqlite store: already open")
	}
	c := &conns{}
	defer func() {
		if err != nil {
			c.close()
		}
	}()
	path := db.Path
	if path == "" {
		if c.tmpDir, err = os.MkdirTemp("", "licensor-sqlite-"); err != nil {
			return fmt.Errorf("open sqlite store: %w", err)
		}
		path = filepath.Join(c.tmpDir, "licensor.db")
	}
	if path, err = filepath.Abs(path); err != nil {
		return fmt.Errorf("open sqlite store: %w", err)
	}
	if c.lock, err = lockFile(path + ".lock"); err != nil {
		return fmt.Errorf("open sqlite store: %w", err)
	}

	busy := db.BusyTimeout
	if busy <= 0 {
		busy = DefaultBusyTimeout
	}
	busyPragma := "busy_timeout(" + strconv.FormatInt(busy.Milliseconds(), 10) + ")"

	// The writer sets the persistent journal mode, so it opens first and
	// the readers find the file in WAL mode.
	c.writer, err = sql.Open("sqlite", dsn(path, url.Values{
		"_pragma": {busyPragma, "foreign_keys(1)", "journal_mode(WAL)", "synchronous(FULL)", "temp_store(MEMORY)", "wal_autocheckpoint(0)"},
		"_txlock": {"immediate"},
	}))
	if err != nil {
		return fmt.Errorf("open sqlite store: %w", err)
	}
	c.writer.SetMaxOpenConns(1)
	c.writer.SetMaxIdleConns(1)
	c.writer.SetConnMaxLifetime(0)
	c.writer.SetConnMaxIdleTime(0)
	if err := c.writer.PingContext(ctx); err != nil {
		return fmt.Errorf("open sqlite store %s: %w", path, formatError(err))
	}
	if err := migrate(ctx, c.writer); err != nil {
		return fmt.Errorf("open sqlite store %s: %w", path, err)
	}

	n := db.ReadConns
	if n <= 0 {
		n = max(DefaultReadConns, runtime.GOMAXPROCS(0))
	}
	c.reader, err = sql.Open("sqlite", dsn(path, url.Values{
		"_pragma": {busyPragma, "foreign_keys(1)", "query_only(1)"},
	}))
	if err != nil {
		return fmt.Errorf("open sqlite store: %w", err)
	}
	c.reader.SetMaxOpenConns(n)
	c.reader.SetMaxIdleConns(n)
	c.reader.SetConnMaxLifetime(0)
	c.reader.SetConnMaxIdleTime(0)
	if err := c.reader.PingContext(ctx); err != nil {
		return fmt.Errorf("open sqlite store %s: %w", path, formatError(err))
	}
	// Checkpoints run beside the writer, on a connection of their own, so
	// that no commit pays for copying the WAL back into the database.
	c.checkpointer, err = sql.Open("sqlite", dsn(path, url.Values{
		"_pragma": {busyPragma, "synchronous(FULL)"},
	}))
	if err != nil {
		return fmt.Errorf("open sqlite store: %w", err)
	}
	c.checkpointer.SetMaxOpenConns(1)
	c.stopCheckpoints = make(chan struct{})
	c.checkpointsDone = make(chan struct{})
	go c.checkpoints()
	c.wstmts, c.rstmts = newStmtCache(c.writer), newStmtCache(c.reader)
	c.commits = newCommitter(c)
	db.conns = c
	return nil
}

// dsn builds a modernc.org/sqlite data source name: a file: URI, so any
// character in the path is escaped, with driver parameters in its query.
// _pragma values run on every new connection of the pool.
func dsn(path string, q url.Values) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	return u.String()
}

func migrate(ctx context.Context, db *sql.DB) error {
	fsys, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, fsys, goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	// Provider.Close would close db; there is nothing else to release.
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Exclusive reports that the database belongs to this process alone: Open
// takes an exclusive lock on <path>.lock that it keeps until Close, so a
// second process (or a second Open) fails instead of sharing the file. The
// service relies on it to trust its in-process caches.
func (db *DB) Exclusive() bool { return true }

// lockFile creates and flocks path, failing at once if another open file
// holds the lock.
func lockFile(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s is in use by another licensor process (one process per SQLite database; use PostgreSQL for many nodes)", strings.TrimSuffix(path, ".lock"))
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}

// Close closes every connection. On a Store handed to WithTx's function it
// does nothing.
func (db *DB) Close() error {
	if db.tx != nil || db.conns == nil {
		return nil
	}
	err := db.conns.close()
	db.conns = nil
	return err
}

func (c *conns) close() error {
	var errs []error
	if c.commits != nil {
		c.commits.close()
	}
	if c.checkpointer != nil {
		close(c.stopCheckpoints)
		<-c.checkpointsDone
		errs = append(errs, c.checkpointer.Close())
	}
	if c.wstmts != nil {
		c.wstmts.close()
		c.rstmts.close()
	}
	// Readers first: the last connection to close checkpoints the WAL.
	if c.reader != nil {
		errs = append(errs, c.reader.Close())
	}
	if c.writer != nil {
		errs = append(errs, c.writer.Close())
	}
	if c.lock != nil {
		errs = append(errs, c.lock.Close()) // releases the flock
	}
	if c.tmpDir != "" {
		errs = append(errs, os.RemoveAll(c.tmpDir))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close sqlite store: %w", err)
	}
	return nil
}

// WithTx runs fn in one write transaction. The Store fn receives reads
// and writes inside that transaction; fn's writes commit when it returns
// nil and are undone otherwise, and fn's error is returned unchanged.
// Called on a Store that is already bound to a transaction, WithTx runs fn
// on that Store. fn must not use the outer DB: with one writer connection
// that would wait forever.
//
// Concurrent calls share commits (group commit, see committer): WithTx
// returns only after the commit that holds fn's writes is durable.
func (db *DB) WithTx(ctx context.Context, fn func(tx licensor.Store) error) error {
	if db.tx != nil {
		return fn(db)
	}
	if db.conns == nil {
		return errClosed
	}
	return db.conns.commits.do(ctx, func(st *txState) error {
		return fn(&DB{Path: db.Path, conns: db.conns, tx: st.tx, app: st.app})
	})
}

var errClosed = licensor.WrapError(licensor.EUNAVAILABLE, errors.New("sqlite store is closed"), "The store is not open.")

// querier is what *sql.DB, *sql.Conn and *sql.Tx have in common; every
// statement runs through one.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// read runs fn on the transaction the DB is bound to, or else on the
// read-only pool. Use it for methods that issue one statement.
func (db *DB) read(ctx context.Context, fn func(q querier) error) error {
	if db.tx != nil {
		return fn(db.txq())
	}
	if db.conns == nil {
		return errClosed
	}
	return fn(cachedQuerier{cache: db.conns.rstmts})
}

// txq is the querier of the transaction the DB is bound to.
func (db *DB) txq() querier { return cachedQuerier{cache: db.conns.wstmts, tx: db.tx, detached: true} }

// readTx runs fn in one read transaction, so that several statements see
// one snapshot.
func (db *DB) readTx(ctx context.Context, fn func(q querier) error) error {
	if db.tx != nil {
		return fn(db.txq())
	}
	if db.conns == nil {
		return errClosed
	}
	tx, err := db.conns.reader.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(cachedQuerier{cache: db.conns.rstmts, tx: tx}); err != nil {
		return err
	}
	return tx.Commit()
}

// write runs fn in a new write transaction that commits when fn returns
// nil. On a DB bound to a transaction, fn runs inside a savepoint instead,
// so a method that fails leaves none of its statements behind and the
// caller may go on with the transaction.
func (db *DB) write(ctx context.Context, fn func(q querier) error) error {
	if db.tx != nil {
		q := db.txq()
		if _, err := q.ExecContext(ctx, `SAVEPOINT store_write`); err != nil {
			return err
		}
		if err := fn(q); err != nil {
			// Even when ctx is done: the savepoint must not outlive the call.
			ctx := context.WithoutCancel(ctx)
			q.ExecContext(ctx, `ROLLBACK TO store_write`)
			q.ExecContext(ctx, `RELEASE store_write`)
			return err
		}
		_, err := q.ExecContext(ctx, `RELEASE store_write`)
		return err
	}
	if db.conns == nil {
		return errClosed
	}
	return db.conns.commits.do(ctx, func(st *txState) error {
		return fn(cachedQuerier{cache: db.conns.wstmts, tx: st.tx, detached: true})
	})
}

// write1 runs fn, which must issue exactly one writing statement. A single
// statement is atomic in SQLite (a failing one leaves nothing behind), so
// inside a transaction no savepoint is needed: this keeps the checkout path
// at one statement per store call.
func (db *DB) write1(ctx context.Context, fn func(q querier) error) error {
	if db.tx != nil {
		return fn(db.txq())
	}
	return db.write(ctx, fn)
}

// exec runs one writing statement (see write1).
func (db *DB) exec(ctx context.Context, query string, args ...any) error {
	return db.write1(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, query, args...)
		return err
	})
}

// Extended result codes (https://sqlite.org/rescode.html) the store
// translates.
const (
	codeConstraintForeignKey = sqlite3.SQLITE_CONSTRAINT | 3<<8 // 787
	codeConstraintPrimaryKey = sqlite3.SQLITE_CONSTRAINT | 6<<8 // 1555
	codeConstraintUnique     = sqlite3.SQLITE_CONSTRAINT | 8<<8 // 2067
)

// formatError translates an error from the driver into a licensor error,
// by result code, never by message. Errors that already carry a code pass
// through. Anything unexpected becomes EINTERNAL with the cause kept in Err,
// out of the caller-visible message.
func formatError(err error) error {
	if err == nil {
		return nil
	}
	var le *licensor.Error
	if errors.As(err, &le) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return licensor.WrapError(licensor.ENOTFOUND, err, "Resource not found.")
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return licensor.WrapError(licensor.EUNAVAILABLE, err, "The request was canceled or timed out.")
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch code := se.Code(); {
		case code == codeConstraintPrimaryKey, code == codeConstraintUnique:
			return licensor.WrapError(licensor.ECONFLICT, err, "Resource already exists.")
		case code == codeConstraintForeignKey:
			return licensor.WrapError(licensor.ENOTFOUND, err, "A referenced resource does not exist.")
		case code&0xff == sqlite3.SQLITE_BUSY, code&0xff == sqlite3.SQLITE_LOCKED:
			return licensor.WrapError(licensor.EUNAVAILABLE, err, "The store is busy; retry.")
		}
	}
	return licensor.WrapError(licensor.EINTERNAL, err, "Internal error.")
}

// each calls fn for every row of a query's result (rows, err as the query
// returned them) and closes it: the loop of every multi-row read.
func each(rows *sql.Rows, err error, fn func(*sql.Rows) error) error {
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
