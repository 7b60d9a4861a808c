package sqlite_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/licensorhq/licensor/store/sqlite"
)

// TestOneProcessPerDatabase: a second Open of a database in use fails with
// a clear error (the service trusts its caches because only it writes),
// and the database opens again once the first is closed.
func TestOneProcessPerDatabase(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "licensor.db")
	first, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if !first.Exclusive() {
		t.Fatal("Exclusive() = false")
	}
	if _, err := sqlite.Open(ctx, path); err == nil || !strings.Contains(err.Error(), "in use by another licensor process") {
		t.Fatalf("second Open: %v", err)
	}
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := sqlite.Open(ctx, path)
	if err != nil {
		t.Fatalf("Open after Close: %v", err)
	}
	again.Close()
}
