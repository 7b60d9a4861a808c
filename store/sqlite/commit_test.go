package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/store/sqlite"
)

// TestGroupCommitIsolatesFailures runs many transactions at once, so they
// share commits, half of which write and then fail: every successful one's
// write is kept, no failed one's write is, and each caller gets its own
// outcome.
func TestGroupCommitIsolatesFailures(t *testing.T) {
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	errBoom := errors.New("boom")
	const n = 200
	var wg sync.WaitGroup
	results := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = db.WithTx(ctx, func(tx licensor.Store) error {
				a := &licensor.Account{ID: fmt.Sprintf("%012d", 100000+i), Name: fmt.Sprint("a", i), CreatedAt: time.Unix(1, 0)}
				if err := tx.CreateAccount(ctx, a); err != nil {
					return err
				}
				if i%2 == 1 {
					return errBoom
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for i, err := range results {
		_, ferr := db.FindAccountByID(ctx, fmt.Sprintf("%012d", 100000+i))
		switch {
		case i%2 == 0 && (err != nil || ferr != nil):
			t.Fatalf("tx %d: %v, find: %v", i, err, ferr)
		case i%2 == 1 && (!errors.Is(err, errBoom) || licensor.ErrorCode(ferr) != licensor.ENOTFOUND):
			t.Fatalf("failed tx %d: %v, its write: %v", i, err, ferr)
		}
	}
	// A panic inside one transaction is an error for that caller only.
	var wg2 sync.WaitGroup
	var panicErr, okErr error
	wg2.Add(2)
	go func() {
		defer wg2.Done()
		panicErr = db.WithTx(ctx, func(tx licensor.Store) error { panic("bad request") })
	}()
	go func() {
		defer wg2.Done()
		okErr = db.WithTx(ctx, func(tx licensor.Store) error {
			return tx.CreateAccount(ctx, &licensor.Account{ID: "999999999999", Name: "after", CreatedAt: time.Unix(1, 0)})
		})
	}()
	wg2.Wait()
	if panicErr == nil || okErr != nil {
		t.Fatalf("panic: %v; other: %v", panicErr, okErr)
	}
	if _, err := db.FindAccountByID(ctx, "999999999999"); err != nil {
		t.Fatal(err)
	}
}

// TestBackgroundCheckpoint: commits do not copy the WAL back into the
// database file; the checkpointer does, within a second.
func TestBackgroundCheckpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "test.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	size := func() int64 {
		st, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	time.Sleep(700 * time.Millisecond) // let the migrations be checkpointed
	before := size()
	for i := 0; i < 500; i++ {
		if err := db.CreateAccount(ctx, &licensor.Account{ID: fmt.Sprintf("%012d", 200000+i), Name: fmt.Sprintf("account %d with a longer name to fill pages", i), CreatedAt: time.Unix(1, 0)}); err != nil {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(3 * time.Second)
	for size() <= before {
		if time.Now().After(deadline) {
			t.Fatalf("database file still %d bytes: the WAL was not checkpointed", size())
		}
		time.Sleep(50 * time.Millisecond)
	}
}
