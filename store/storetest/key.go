package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/licensorhq/licensor"
)

// keyID returns the issuer key ID numbered n.
func keyID(n int) string { return fmt.Sprintf("k-%032x", n) }

// issuerKey returns an ACTIVE EdDSA key n of the account numbered account,
// sealed in the store, created n minutes after t0.
func issuerKey(n, account int) *licensor.IssuerKey {
	at := t0.Add(time.Duration(n) * time.Minute)
	return &licensor.IssuerKey{
		ID:        keyID(n),
		AccountID: accountID(account),
		Algorithm: licensor.KeyAlgEdDSA,
		URI:       "db:" + keyID(n),
		PublicKey: []byte{0x30, 0x2a, 0, byte(n), 0xff, 0},
		Sealed:    []byte{0, 0xff, byte(n), 's', 0},
		Status:    licensor.KeyActive,
		CreatedAt: at,
		UpdatedAt: at,
	}
}

// storedKey returns k as FindIssuerKeyByID gives it back.
func storedKey(k *licensor.IssuerKey) *licensor.IssuerKey {
	c := *k
	c.CreatedAt, c.UpdatedAt = utc(k.CreatedAt), utc(k.UpdatedAt)
	return &c
}

// listedKey returns k as FindIssuerKeys gives it back: without its sealed
// private key.
func listedKey(k *licensor.IssuerKey) *licensor.IssuerKey {
	c := storedKey(k)
	c.Sealed = nil
	return c
}

func mustCreateIssuerKey(t *testing.T, s licensor.Store, k *licensor.IssuerKey) *licensor.IssuerKey {
	t.Helper()
	must(t, s.CreateIssuerKey(t.Context(), k))
	return k
}

// wantIssuerKey checks that the key with k's ID reads back as k.
func wantIssuerKey(t *testing.T, s licensor.Store, what string, k *licensor.IssuerKey) {
	t.Helper()
	got, err := s.FindIssuerKeyByID(t.Context(), k.ID)
	must(t, err)
	equal(t, what, got, storedKey(k))
}

// keyIDs returns the IDs of keys, in order.
func keyIDs(keys []*licensor.IssuerKey) []string {
	ids := []string{}
	for _, k := range keys {
		ids = append(ids, k.ID)
	}
	return ids
}

var keyTests = map[string]func(t *testing.T, s licensor.Store){
	"CreateFind": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		mustCreateAccount(t, s, 1)
		k := issuerKey(1, 1)
		k.UpdatedAt = t0.Add(time.Hour + time.Nanosecond)
		mustCreateIssuerKey(t, s, k)
		got, err := s.FindIssuerKeyByID(ctx, k.ID)
		must(t, err)
		equal(t, "key (times in UTC, µs)", got, &licensor.IssuerKey{
			ID: k.ID, AccountID: accountID(1), Algorithm: licensor.KeyAlgEdDSA, URI: "db:" + k.ID,
			PublicKey: []byte{0x30, 0x2a, 0, 1, 0xff, 0}, Sealed: []byte{0, 0xff, 1, 's', 0},
			Status: licensor.KeyActive, CreatedAt: utc(t0.Add(time.Minute)), UpdatedAt: utc(t0.Add(time.Hour)),
		})
		if got.CreatedAt.Location() != time.UTC || got.UpdatedAt.Location() != time.UTC {
			t.Errorf("times not in UTC: %v, %v", got.CreatedAt.Location(), got.UpdatedAt.Location())
		}
	},
	"CreateFindWithoutSealed": func(t *testing.T, s licensor.Store) {
		mustCreateAccount(t, s, 1)
		k := issuerKey(1, 1)
		k.Algorithm, k.URI, k.Sealed = licensor.KeyAlgPS384, "file:///var/lib/licensor/keys/issuer.pem", nil
		mustCreateIssuerKey(t, s, k)
		wantIssuerKey(t, s, "file: key, nothing sealed", k)
	},
	"CreateConflict": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		mustCreateAccount(t, s, 1)
		mustCreateAccount(t, s, 2)
		k := mustCreateIssuerKey(t, s, issuerKey(1, 1))
		again := issuerKey(1, 2)
		again.Algorithm, again.URI, again.Sealed = licensor.KeyAlgES256, "pkcs11:object=again", nil
		wantCode(t, s.CreateIssuerKey(ctx, again), licensor.ECONFLICT)
		// An existing ID wins over a missing account.
		wantCode(t, s.CreateIssuerKey(ctx, issuerKey(1, 3)), licensor.ECONFLICT)
		wantIssuerKey(t, s, "key after conflicts", k)
	},
	"CreateUnknownAccount": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		wantCode(t, s.CreateIssuerKey(ctx, issuerKey(1, 1)), licensor.ENOTFOUND)
		_, err := s.FindIssuerKeyByID(ctx, keyID(1))
		wantCode(t, err, licensor.ENOTFOUND)
	},
	"FindNotFound": func(t *testing.T, s licensor.Store) {
		_, err := s.FindIssuerKeyByID(t.Context(), keyID(1))
		wantCode(t, err, licensor.ENOTFOUND)
	},
	"FindIssuerKeys": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		mustCreateAccount(t, s, 1)
		mustCreateAccount(t, s, 2)
		// Created out of ID order; keys 4 and 5 at one time, 5 first, so
		// that their tie goes by ID.
		k3 := mustCreateIssuerKey(t, s, issuerKey(3, 1))
		k1 := issuerKey(1, 2)
		k1.CreatedAt = t0.Add(10 * time.Minute)
		mustCreateIssuerKey(t, s, k1)
		k5 := issuerKey(5, 1)
		k5.Algorithm, k5.Status = licensor.KeyAlgES256, licensor.KeyRetired
		k5.CreatedAt = t0.Add(4 * time.Minute)
		mustCreateIssuerKey(t, s, k5)
		k4 := issuerKey(4, 1)
		k4.Algorithm, k4.Status = licensor.KeyAlgES256, licensor.KeyDisabled
		mustCreateIssuerKey(t, s, k4)
		k2 := issuerKey(2, 1)
		k2.URI, k2.Sealed = "file:///keys/2.pem", nil
		k2.Status = licensor.KeyRetired
		mustCreateIssuerKey(t, s, k2)

		for _, tt := range []struct {
			name string
			f    licensor.KeyFilter
			want []*licensor.IssuerKey
		}{
			{"all", licensor.KeyFilter{}, []*licensor.IssuerKey{k2, k3, k4, k5, k1}},
			{"account", licensor.KeyFilter{AccountID: accountID(1)}, []*licensor.IssuerKey{k2, k3, k4, k5}},
			{"other account", licensor.KeyFilter{AccountID: accountID(2)}, []*licensor.IssuerKey{k1}},
			{"unknown account", licensor.KeyFilter{AccountID: accountID(3)}, nil},
			{"algorithm", licensor.KeyFilter{Algorithm: licensor.KeyAlgES256}, []*licensor.IssuerKey{k4, k5}},
			{"no such algorithm", licensor.KeyFilter{Algorithm: licensor.KeyAlgPS384}, nil},
			{"status", licensor.KeyFilter{Statuses: []licensor.KeyStatus{licensor.KeyActive}}, []*licensor.IssuerKey{k3, k1}},
			{"published", licensor.KeyFilter{Statuses: []licensor.KeyStatus{licensor.KeyRetired, licensor.KeyActive}},
				[]*licensor.IssuerKey{k2, k3, k5, k1}},
			{"account, algorithm, statuses", licensor.KeyFilter{
				AccountID: accountID(1), Algorithm: licensor.KeyAlgES256,
				Statuses: []licensor.KeyStatus{licensor.KeyActive, licensor.KeyRetired},
			}, []*licensor.IssuerKey{k5}},
			{"account and algorithm", licensor.KeyFilter{AccountID: accountID(2), Algorithm: licensor.KeyAlgEdDSA},
				[]*licensor.IssuerKey{k1}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				got, err := s.FindIssuerKeys(ctx, tt.f)
				must(t, err)
				want := []*licensor.IssuerKey{}
				for _, k := range tt.want {
					want = append(want, listedKey(k))
				}
				equal(t, "key IDs, oldest first", keyIDs(got), keyIDs(want))
				if len(got) == len(want) {
					for i := range got {
						// listedKey: the sealed private key never leaves in a listing.
						equal(t, "key "+got[i].ID, got[i], want[i])
					}
				}
			})
		}
	},
	"UpdateStatus": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		mustCreateAccount(t, s, 1)
		k := mustCreateIssuerKey(t, s, issuerKey(1, 1))
		other := mustCreateIssuerKey(t, s, issuerKey(2, 1))
		at := t0.Add(24*time.Hour + 999*time.Nanosecond)
		must(t, s.UpdateIssuerKeyStatus(ctx, k.ID, []licensor.KeyStatus{licensor.KeyActive}, licensor.KeyRetired, at))
		want := *k
		want.Status, want.UpdatedAt = licensor.KeyRetired, at
		wantIssuerKey(t, s, "retired key", &want)
		wantIssuerKey(t, s, "other key untouched", other)

		at = at.Add(time.Hour)
		must(t, s.UpdateIssuerKeyStatus(ctx, k.ID,
			[]licensor.KeyStatus{licensor.KeyActive, licensor.KeyRetired}, licensor.KeyDisabled, at))
		want.Status, want.UpdatedAt = licensor.KeyDisabled, at
		wantIssuerKey(t, s, "disabled key", &want)
	},
	"UpdateStatusConflict": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		mustCreateAccount(t, s, 1)
		k := issuerKey(1, 1)
		k.Status = licensor.KeyRetired
		mustCreateIssuerKey(t, s, k)
		at := t0.Add(24 * time.Hour)
		for _, from := range [][]licensor.KeyStatus{
			{licensor.KeyActive},
			{licensor.KeyActive, licensor.KeyDisabled},
			{},
		} {
			err := s.UpdateIssuerKeyStatus(ctx, k.ID, from, licensor.KeyDisabled, at)
			wantCode(t, err, licensor.ECONFLICT)
		}
		wantIssuerKey(t, s, "key unchanged", k)
	},
	"UpdateStatusNotFound": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		mustCreateAccount(t, s, 1)
		mustCreateIssuerKey(t, s, issuerKey(1, 1))
		err := s.UpdateIssuerKeyStatus(ctx, keyID(2), []licensor.KeyStatus{licensor.KeyActive}, licensor.KeyRetired, t0)
		wantCode(t, err, licensor.ENOTFOUND)
	},
	"TxCommit": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		k := issuerKey(1, 1)
		at := t0.Add(time.Hour)
		must(t, s.WithTx(ctx, func(tx licensor.Store) error {
			if err := tx.CreateAccount(ctx, &licensor.Account{ID: accountID(1), Name: "a", CreatedAt: t0}); err != nil {
				return err
			}
			if err := tx.CreateIssuerKey(ctx, k); err != nil {
				return err
			}
			return tx.UpdateIssuerKeyStatus(ctx, k.ID, []licensor.KeyStatus{licensor.KeyActive}, licensor.KeyRetired, at)
		}))
		want := *k
		want.Status, want.UpdatedAt = licensor.KeyRetired, at
		wantIssuerKey(t, s, "committed key", &want)
	},
	"TxRollback": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		mustCreateAccount(t, s, 1)
		k := mustCreateIssuerKey(t, s, issuerKey(1, 1))
		at := t0.Add(time.Hour)
		err := s.WithTx(ctx, func(tx licensor.Store) error {
			must(t, tx.UpdateIssuerKeyStatus(ctx, k.ID, []licensor.KeyStatus{licensor.KeyActive}, licensor.KeyRetired, at))
			must(t, tx.CreateIssuerKey(ctx, issuerKey(2, 1)))
			// Expected failures leave the transaction usable.
			wantCode(t, tx.UpdateIssuerKeyStatus(ctx, k.ID, []licensor.KeyStatus{licensor.KeyActive}, licensor.KeyDisabled, at),
				licensor.ECONFLICT)
			wantCode(t, tx.UpdateIssuerKeyStatus(ctx, keyID(3), []licensor.KeyStatus{licensor.KeyActive}, licensor.KeyDisabled, at),
				licensor.ENOTFOUND)
			wantCode(t, tx.CreateIssuerKey(ctx, issuerKey(2, 1)), licensor.ECONFLICT)
			wantCode(t, tx.CreateIssuerKey(ctx, issuerKey(4, 2)), licensor.ENOTFOUND)

			got, err := tx.FindIssuerKeyByID(ctx, k.ID)
			must(t, err)
			if got.Status != licensor.KeyRetired || !got.UpdatedAt.Equal(utc(at)) {
				t.Errorf("inside the transaction: status %s, updated %v; want RETIRED, %v", got.Status, got.UpdatedAt, utc(at))
			}
			keys, err := tx.FindIssuerKeys(ctx, licensor.KeyFilter{AccountID: accountID(1)})
			must(t, err)
			equal(t, "keys inside the transaction", keyIDs(keys), []string{keyID(1), keyID(2)})
			return fmt.Errorf("wrapped: %w", errRollback)
		})
		if !errors.Is(err, errRollback) {
			t.Fatalf("WithTx returned %v, want fn's error", err)
		}
		wantIssuerKey(t, s, "key untouched", k)
		_, err = s.FindIssuerKeyByID(ctx, keyID(2))
		wantCode(t, err, licensor.ENOTFOUND)
	},
}
