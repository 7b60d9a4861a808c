// Package pgtest gives tests a PostgreSQL database of their own: a fresh
// schema on the server named by LICENSOR_TEST_POSTGRES, dropped when the
// test ends. Without the variable the tests skip, unless
// LICENSOR_REQUIRE_POSTGRES is set (CI), which makes them fail.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// The PostgreSQL tests run against the server named by this variable, e.g.
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable, each test in a
// schema of its own. Without it they skip, unless RequireEnv is set (CI),
// which turns the skip into a failure.
const (
	// URLEnv names the server.
	URLEnv = "LICENSOR_TEST_POSTGRES"
	// RequireEnv, when set, turns a skip into a failure.
	RequireEnv = "LICENSOR_REQUIRE_POSTGRES"
)

// Schema creates a uniquely named schema, registers its removal
// with tb.Cleanup, and returns a connection string whose connections use
// it (search_path) through a small pool: the suite opens a store per
// subtest, and the server's max_connections is shared by them all.
func Schema(tb testing.TB) string {
	tb.Helper()
	base := URL(tb)
	var b [8]byte
	rand.Read(b[:])
	schema := "licensor_test_" + hex.EncodeToString(b[:])
	Admin(tb, base, `CREATE SCHEMA `+schema)
	tb.Cleanup(func() { Admin(tb, base, `DROP SCHEMA `+schema+` CASCADE`) })
	return WithParams(tb, base, map[string]string{"search_path": schema, "pool_max_conns": "4"})
}

// URL returns the server's connection string, or skips tb
// when there is none (fails it when RequireEnv is set).
func URL(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(URLEnv)
	if base == "" {
		if os.Getenv(RequireEnv) != "" {
			tb.Fatalf("%s is set but %s is not: the PostgreSQL tests must run", RequireEnv, URLEnv)
		}
		tb.Skipf("PostgreSQL tests skipped: set %s to a connection string, e.g. %s=postgres://postgres@127.0.0.1:5432/test?sslmode=disable",
			URLEnv, URLEnv)
	}
	return base
}

// Admin runs one statement on a connection of its own.
func Admin(tb testing.TB, base, sql string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		tb.Fatalf("connect to %s: %v", URLEnv, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		tb.Fatalf("%s: %v", sql, err)
	}
}

// WithParams adds connection parameters to a postgres:// URL or to a
// key=value connection string.
func WithParams(tb testing.TB, base string, params map[string]string) string {
	tb.Helper()
	if strings.HasPrefix(base, "postgres://") || strings.HasPrefix(base, "postgresql://") {
		u, err := url.Parse(base)
		if err != nil {
			tb.Fatalf("%s: %v", URLEnv, err)
		}
		q := u.Query()
		for k, v := range params {
			q.Set(k, v)
		}
		u.RawQuery = q.Encode()
		return u.String()
	}
	for k, v := range params {
		base += " " + k + "=" + v
	}
	return base
}
