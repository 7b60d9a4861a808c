package sqlite_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/store/sqlite"
	"github.com/licensorhq/licensor/store/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) licensor.Store { return MustOpenDB(t) })
}

// MustOpenDB opens a fresh database in t's temporary directory and closes
// it when the test ends.
func MustOpenDB(tb testing.TB) *sqlite.DB {
	tb.Helper()
	return mustOpenPath(tb, filepath.Join(tb.TempDir(), "licensor.db"))
}

func mustOpenPath(tb testing.TB, path string) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Error(err)
		}
	})
	return db
}

func TestPragmas(t *testing.T) {
	db := MustOpenDB(t)
	ctx := t.Context()
	for _, tt := range []struct {
		pragma string
		want   string
	}{
		{"journal_mode", "wal"},
		{"synchronous", "2"}, // FULL
		{"foreign_keys", "1"},
		{"busy_timeout", "5000"},
		{"query_only", "0"},
	} {
		t.Run(tt.pragma, func(t *testing.T) {
			if got := db.WriterPragma(ctx, t, tt.pragma); got != tt.want {
				t.Errorf("writer: pragma %s = %s, want %s", tt.pragma, got, tt.want)
			}
		})
	}
	if got := db.ReaderPragma(ctx, t, "query_only"); got != "1" {
		t.Errorf("reader: query_only = %s, want 1", got)
	}
	if got := db.ReaderPragma(ctx, t, "journal_mode"); got != "wal" {
		t.Errorf("reader: journal_mode = %s, want wal", got)
	}
}

func TestReopen(t *testing.T) {
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "licensor.db")
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	a := &licensor.Account{ID: "123456789012", Name: "kept", CreatedAt: time.Unix(1, 0).UTC()}
	if err := db.CreateAccount(ctx, a); err != nil {
		t.Fatal(err)
	}
	version := db.SchemaVersion(ctx, t)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	// Reopening applies no migration twice and keeps the data.
	db = mustOpenPath(t, path)
	if got := db.SchemaVersion(ctx, t); got != version || got < 1 {
		t.Errorf("schema version after reopen = %d, before %d", got, version)
	}
	got, err := db.FindAccountByID(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if *got != *a {
		t.Errorf("after reopen: %+v, want %+v", got, a)
	}
}

func TestTemporary(t *testing.T) {
	db, err := sqlite.Open(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAccount(t.Context(), &licensor.Account{ID: "123456789012", Name: "a"}); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = db.FindAccountByID(t.Context(), "123456789012")
	if code := licensor.ErrorCode(err); code != licensor.EUNAVAILABLE {
		t.Errorf("after Close: code %q (%v), want %q", code, err, licensor.EUNAVAILABLE)
	}
}

func TestReadOnlyPool(t *testing.T) {
	// A write that slipped onto the read pool would fail, not succeed.
	db := MustOpenDB(t)
	if err := db.ExecOnReader(t.Context(), `CREATE TABLE x (y)`); err == nil {
		t.Fatal("the read pool accepted a write")
	}
}

func TestBusyIsUnavailable(t *testing.T) {
	// Another process holding the write lock past BusyTimeout (a backup
	// tool, the sqlite3 shell: a second licensor cannot open the database
	// at all) makes a write fail with EUNAVAILABLE, which callers may retry.
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "licensor.db")
	db := sqlite.NewDB(path)
	db.BusyTimeout = 50 * time.Millisecond
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	other, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	conn, err := other.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `BEGIN IMMEDIATE`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `INSERT INTO accounts (id, name, created_at) VALUES ('000000000001', 'a', 0)`); err != nil {
		t.Fatal(err)
	}
	err = db.CreateAccount(ctx, &licensor.Account{ID: "000000000002", Name: "b"})
	if code := licensor.ErrorCode(err); code != licensor.EUNAVAILABLE {
		t.Errorf("write while locked: code %q (%v), want %q", code, err, licensor.EUNAVAILABLE)
	}
	if _, err := conn.ExecContext(ctx, `COMMIT`); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAccount(ctx, &licensor.Account{ID: "000000000002", Name: "b"}); err != nil {
		t.Fatalf("write after the lock is released: %v", err)
	}
}
