package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/licensorhq/licensor"
)

var errRollback = errors.New("storetest: roll back")

var txTests = map[string]func(t *testing.T, s licensor.Store){
	"Commit": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		l := fullLicense(1, 1)
		must(t, s.WithTx(ctx, func(tx licensor.Store) error {
			if err := tx.CreateAccount(ctx, &licensor.Account{ID: accountID(1), Name: "a", CreatedAt: t0}); err != nil {
				return err
			}
			if err := tx.CreateLicense(ctx, l); err != nil {
				return err
			}
			return tx.CreateLicenseVersion(ctx, nextVersion(l, licensor.LicenseAvailable))
		}))
		_, err := s.FindAccountByID(ctx, accountID(1))
		must(t, err)
		got, err := s.FindLicenseByARN(ctx, l.ARN)
		must(t, err)
		if got.Version != 2 {
			t.Errorf("current version %d, want 2", got.Version)
		}
	},
	"Rollback": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		existing := mustCreateLicense(t, s, minimalLicense(1, 1))
		err := s.WithTx(ctx, func(tx licensor.Store) error {
			steps := []error{
				tx.CreateAccount(ctx, &licensor.Account{ID: accountID(1), Name: "a", CreatedAt: t0}),
				tx.CreateLicense(ctx, fullLicense(1, 2)),
				tx.CreateLicenseVersion(ctx, nextVersion(existing, licensor.LicenseSuspended)),
				tx.SetLicenseLifecycle(ctx, existing.ARN, licensor.LicenseDeleted, t0),
				tx.CreateIdempotencyRecord(ctx, record(1, "CreateLicense", "t", t0)),
			}
			if err := errors.Join(steps...); err != nil {
				return err
			}
			return fmt.Errorf("wrapped: %w", errRollback)
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("WithTx returned %v, want fn's error", err)
		}
		_, err = s.FindAccountByID(ctx, accountID(1))
		wantCode(t, err, licensor.ENOTFOUND)
		_, err = s.FindLicenseByARN(ctx, licenseARN(1, 2))
		wantCode(t, err, licensor.ENOTFOUND)
		got, err := s.FindLicenseByARN(ctx, existing.ARN)
		must(t, err)
		equal(t, "license untouched", got, stored(existing))
		_, err = s.FindLicenseVersion(ctx, existing.ARN, 2)
		wantCode(t, err, licensor.ENOTFOUND)
		_, err = s.FindIdempotencyRecord(ctx, accountID(1), "CreateLicense", "t")
		wantCode(t, err, licensor.ENOTFOUND)
	},
	"ReadOwnWrites": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		l := fullLicense(1, 1)
		must(t, s.WithTx(ctx, func(tx licensor.Store) error {
			must(t, tx.CreateAccount(ctx, &licensor.Account{ID: accountID(1), Name: "a", CreatedAt: t0}))
			must(t, tx.CreateAccessKey(ctx, &licensor.AccessKey{ID: "AKIA1", AccountID: accountID(1), Status: licensor.AccessKeyActive, SealedSecret: []byte("s"), CreatedAt: t0}))
			must(t, tx.CreateLicense(ctx, l))
			v2 := nextVersion(l, licensor.LicenseSuspended)
			must(t, tx.CreateLicenseVersion(ctx, v2))
			must(t, tx.CreateIdempotencyRecord(ctx, record(1, "CreateLicense", "t", t0)))

			_, err := tx.FindAccountByID(ctx, accountID(1))
			must(t, err)
			accounts, _, err := tx.FindAccounts(ctx, licensor.AccountFilter{})
			must(t, err)
			keys, err := tx.FindAccessKeys(ctx, accountID(1))
			must(t, err)
			got, err := tx.FindLicenseByARN(ctx, l.ARN)
			must(t, err)
			equal(t, "current version", got, stored(v2))
			versions, _, err := tx.FindLicenseVersions(ctx, l.ARN, licensor.Page{})
			must(t, err)
			listed, _, err := tx.FindLicenses(ctx, licensor.LicenseFilter{AccountID: accountID(1), Status: []licensor.LicenseStatus{licensor.LicenseSuspended}})
			must(t, err)
			_, err = tx.FindIdempotencyRecord(ctx, accountID(1), "CreateLicense", "t")
			must(t, err)
			if len(accounts) != 1 || len(keys) != 1 || len(versions) != 2 || len(listed) != 1 {
				t.Errorf("inside the transaction: %d accounts, %d keys, %d versions, %d listed", len(accounts), len(keys), len(versions), len(listed))
			}

			// Outside the transaction nothing is visible yet.
			_, err = s.FindLicenseByARN(ctx, l.ARN)
			wantCode(t, err, licensor.ENOTFOUND)
			return nil
		}))
	},
	"Nested": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		err := s.WithTx(ctx, func(tx licensor.Store) error {
			must(t, tx.WithTx(ctx, func(inner licensor.Store) error {
				return inner.CreateAccount(ctx, &licensor.Account{ID: accountID(1), Name: "a", CreatedAt: t0})
			}))
			if _, err := tx.FindAccountByID(ctx, accountID(1)); err != nil {
				t.Errorf("outer transaction does not see the nested write: %v", err)
			}
			return errRollback
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("WithTx returned %v", err)
		}
		_, err = s.FindAccountByID(ctx, accountID(1))
		wantCode(t, err, licensor.ENOTFOUND)
	},
	"ConcurrentWriters": func(t *testing.T, s licensor.Store) {
		// Each writer reads the current version and writes the next one,
		// retrying when another writer got there first. With real
		// isolation no write is lost and no version is skipped.
		ctx := t.Context()
		l := mustCreateLicense(t, s, minimalLicense(1, 1))
		const writers = 50
		var wg sync.WaitGroup
		errs := make(chan error, writers)
		for w := range writers {
			wg.Go(func() {
				for attempt := 0; ; attempt++ {
					err := s.WithTx(ctx, func(tx licensor.Store) error {
						cur, err := tx.FindLicenseByARN(ctx, l.ARN)
						if err != nil {
							return err
						}
						next := nextVersion(cur, licensor.LicenseAvailable)
						next.Metadata = []licensor.Metadata{{Name: "writer", Value: fmt.Sprint(w)}}
						return tx.CreateLicenseVersion(ctx, next)
					})
					switch licensor.ErrorCode(err) {
					case "":
						return
					case licensor.ECONFLICT, licensor.EUNAVAILABLE:
						if attempt < 1000 {
							continue
						}
					}
					errs <- fmt.Errorf("writer %d: %w", w, err)
					return
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		versions, next, err := s.FindLicenseVersions(ctx, l.ARN, licensor.Page{Limit: writers + 1})
		must(t, err)
		if len(versions) != writers+1 || next != "" {
			t.Fatalf("%d versions, next %q; want %d", len(versions), next, writers+1)
		}
		var seen []string
		for i, v := range versions {
			if v.Version != i+1 {
				t.Fatalf("version %d at position %d", v.Version, i)
			}
			if i > 0 {
				seen = append(seen, v.Metadata[0].Value)
			}
		}
		slices.Sort(seen)
		if seen = slices.Compact(seen); len(seen) != writers {
			t.Errorf("%d distinct writers recorded, want %d", len(seen), writers)
		}
		cur, err := s.FindLicenseByARN(ctx, l.ARN)
		must(t, err)
		if cur.Version != writers+1 {
			t.Errorf("current version %d, want %d", cur.Version, writers+1)
		}
	},
	"ConcurrentCreates": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		const n = 50
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				if err := s.CreateAccount(ctx, &licensor.Account{ID: accountID(i), Name: "a", CreatedAt: t0}); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		ids := collectAccounts(t, s, licensor.AccountFilter{Limit: 7})
		if len(ids) != n {
			t.Errorf("%d accounts, want %d", len(ids), n)
		}
	},
}
