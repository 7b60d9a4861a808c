package bench

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // the same driver and settings as the store
)

// Baseline is the raw store's rate of the smallest durable checkout-like
// transaction.
type Baseline struct {
	Transactions int64
	Duration     time.Duration
	PerSecond    float64
	Shape        string // who ran the transactions
}

func (b Baseline) String() string {
	return fmt.Sprintf("transactions=%d duration=%s tx/s=%.0f (one durable transaction: 1 counter UPDATE + 1 row INSERT, %s)",
		b.Transactions, b.Duration.Round(time.Millisecond), b.PerSecond, b.Shape)
}

// SQLiteBaseline runs, for d, single-writer transactions of one counter
// UPDATE plus one INSERT on a fresh SQLite database in dir, with the
// store's durability settings (WAL, synchronous=FULL).
func SQLiteBaseline(ctx context.Context, dir string, d time.Duration) (Baseline, error) {
	path := filepath.Join(dir, fmt.Sprintf("baseline-%d.db", time.Now().UnixNano()))
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: url.Values{
		"_pragma": {"busy_timeout(5000)", "journal_mode(WAL)", "synchronous(FULL)"},
		"_txlock": {"immediate"},
	}.Encode()}
	db, err := sql.Open("sqlite", u.String())
	if err != nil {
		return Baseline{}, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	for _, q := range []string{
		`CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)`,
		`CREATE TABLE rows (seq INTEGER PRIMARY KEY AUTOINCREMENT, token TEXT NOT NULL, at INTEGER NOT NULL)`,
		`INSERT INTO counter (id, n) VALUES (1, 0)`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			return Baseline{}, err
		}
	}
	return runBaseline(ctx, d, func(i int64) error {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, `UPDATE counter SET n = n + 1 WHERE id = 1`); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO rows (token, at) VALUES (?, ?)`, fmt.Sprint("t", i), time.Now().UnixMicro()); err != nil {
			return err
		}
		return tx.Commit()
	})
}

func runBaseline(ctx context.Context, d time.Duration, one func(i int64) error) (Baseline, error) {
	start := time.Now()
	var n int64
	for time.Since(start) < d {
		if err := one(n); err != nil {
			return Baseline{}, err
		}
		n++
	}
	el := time.Since(start)
	return Baseline{Transactions: n, Duration: el, PerSecond: float64(n) / el.Seconds(), Shape: "single writer"}, nil
}
