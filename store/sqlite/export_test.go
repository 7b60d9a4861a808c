package sqlite

import (
	"context"
	"testing"
)

// WriterPragma returns the value of a pragma on the writer connection.
func (db *DB) WriterPragma(ctx context.Context, tb testing.TB, name string) string {
	tb.Helper()
	var v string
	if err := db.conns.writer.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
		tb.Fatal(err)
	}
	return v
}

// ReaderPragma returns the value of a pragma on a read-pool connection.
func (db *DB) ReaderPragma(ctx context.Context, tb testing.TB, name string) string {
	tb.Helper()
	var v string
	if err := db.conns.reader.QueryRowContext(ctx, "PRAGMA "+name).Scan(&v); err != nil {
		tb.Fatal(err)
	}
	return v
}

// ExecOnReader runs a statement on the read pool.
func (db *DB) ExecOnReader(ctx context.Context, query string) error {
	_, err := db.conns.reader.ExecContext(ctx, query)
	return err
}

// SchemaVersion returns the highest applied migration.
func (db *DB) SchemaVersion(ctx context.Context, tb testing.TB) int64 {
	tb.Helper()
	var v int64
	if err := db.conns.writer.QueryRowContext(ctx,
		`SELECT max(version_id) FROM goose_db_version WHERE is_applied`).Scan(&v); err != nil {
		tb.Fatal(err)
	}
	return v
}
