package storetest

import (
	"testing"
	"time"

	"github.com/licensorhq/licensor"
)

var accountTests = map[string]func(t *testing.T, s licensor.Store){
	"CreateFind": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		a := &licensor.Account{ID: accountID(1), Name: "Example Corp — ünïcode", CreatedAt: t0}
		must(t, s.CreateAccount(ctx, a))
		got, err := s.FindAccountByID(ctx, a.ID)
		must(t, err)
		equal(t, "account", got, &licensor.Account{ID: a.ID, Name: a.Name, CreatedAt: utc(t0)})
	},
	"CreateConflict": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		mustCreateAccount(t, s, 1)
		err := s.CreateAccount(ctx, &licensor.Account{ID: accountID(1), Name: "again", CreatedAt: t0})
		wantCode(t, err, licensor.ECONFLICT)
		got, err := s.FindAccountByID(ctx, accountID(1))
		must(t, err)
		if got.Name == "again" {
			t.Error("conflicting create overwrote the account")
		}
	},
	"FindNotFound": func(t *testing.T, s licensor.Store) {
		_, err := s.FindAccountByID(t.Context(), accountID(1))
		wantCode(t, err, licensor.ENOTFOUND)
	},
	"FindAccountsPaging": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		var all []string
		for i := range 7 {
			all = append(all, mustCreateAccount(t, s, 7-i).ID) // IDs out of creation order
		}
		for _, limit := range []int{1, 3, 7, 8, 0} {
			got := collectAccounts(t, s, licensor.AccountFilter{Limit: limit})
			equal(t, "accounts in creation order", got, all)
		}
		first, next, err := s.FindAccounts(ctx, licensor.AccountFilter{Limit: 3})
		must(t, err)
		if len(first) != 3 || next == "" {
			t.Fatalf("first page: %d accounts, next %q; want 3 and a cursor", len(first), next)
		}
		equal(t, "first account", first[0], &licensor.Account{ID: all[0], Name: "account " + all[0], CreatedAt: utc(t0)})
	},
	"FindAccountsByIDs": func(t *testing.T, s licensor.Store) {
		for i := range 5 {
			mustCreateAccount(t, s, i)
		}
		f := licensor.AccountFilter{IDs: []string{accountID(3), accountID(1), accountID(99)}}
		equal(t, "accounts", collectAccounts(t, s, f), []string{accountID(1), accountID(3)})
		f.Limit = 1
		equal(t, "accounts by one", collectAccounts(t, s, f), []string{accountID(1), accountID(3)})
	},
	"FindAccountsBadCursor": func(t *testing.T, s licensor.Store) {
		_, _, err := s.FindAccounts(t.Context(), licensor.AccountFilter{After: "not a cursor"})
		wantCode(t, err, licensor.EINVALID)
	},
}

func mustCreateAccount(t *testing.T, s licensor.Store, n int) *licensor.Account {
	t.Helper()
	a := &licensor.Account{ID: accountID(n), Name: "account " + accountID(n), CreatedAt: t0}
	must(t, s.CreateAccount(t.Context(), a))
	return a
}

// collectAccounts follows cursors to the end, failing on an empty page
// that has a cursor, and returns the IDs in order.
func collectAccounts(t *testing.T, s licensor.Store, f licensor.AccountFilter) []string {
	t.Helper()
	var ids []string
	for range 100 {
		page, next, err := s.FindAccounts(t.Context(), f)
		must(t, err)
		if f.Limit > 0 && len(page) > f.Limit {
			t.Fatalf("page of %d accounts, limit %d", len(page), f.Limit)
		}
		if next != "" && len(page) == 0 {
			t.Fatal("empty page with a next cursor")
		}
		for _, a := range page {
			ids = append(ids, a.ID)
		}
		if next == "" {
			return ids
		}
		f.After = next
	}
	t.Fatal("paging did not end")
	return nil
}

var accessKeyTests = map[string]func(t *testing.T, s licensor.Store){
	"CreateFind": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		mustCreateAccount(t, s, 1)
		k := &licensor.AccessKey{
			ID: "AKIAEXAMPLE000000001", AccountID: accountID(1), Status: licensor.AccessKeyActive,
			SealedSecret: []byte{0, 1, 2, 0xff, 0}, CreatedAt: t0, SecretAccessKey: "plaintext",
		}
		must(t, s.CreateAccessKey(ctx, k))
		got, err := s.FindAccessKeyByID(ctx, k.ID)
		must(t, err)
		equal(t, "access key (the plaintext secret is never stored)", got, &licensor.AccessKey{
			ID: k.ID, AccountID: k.AccountID, Status: licensor.AccessKeyActive,
			SealedSecret: []byte{0, 1, 2, 0xff, 0}, CreatedAt: utc(t0),
		})
	},
	"CreateConflict": func(t *testing.T, s licensor.Store) {
		mustCreateAccount(t, s, 1)
		mustCreateAccount(t, s, 2)
		mustCreateAccessKey(t, s, 1, "AKIA1")
		err := s.CreateAccessKey(t.Context(), &licensor.AccessKey{
			ID: "AKIA1", AccountID: accountID(2), Status: licensor.AccessKeyActive,
			SealedSecret: []byte("x"), CreatedAt: t0,
		})
		wantCode(t, err, licensor.ECONFLICT)
	},
	"CreateUnknownAccount": func(t *testing.T, s licensor.Store) {
		err := s.CreateAccessKey(t.Context(), &licensor.AccessKey{
			ID: "AKIA1", AccountID: accountID(1), Status: licensor.AccessKeyActive,
			SealedSecret: []byte("x"), CreatedAt: t0,
		})
		wantCode(t, err, licensor.ENOTFOUND)
		_, err = s.FindAccessKeyByID(t.Context(), "AKIA1")
		wantCode(t, err, licensor.ENOTFOUND)
	},
	"FindNotFound": func(t *testing.T, s licensor.Store) {
		_, err := s.FindAccessKeyByID(t.Context(), "AKIANONE")
		wantCode(t, err, licensor.ENOTFOUND)
	},
	"FindAccessKeys": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		mustCreateAccount(t, s, 1)
		mustCreateAccount(t, s, 2)
		mustCreateAccessKey(t, s, 1, "AKIAZ")
		mustCreateAccessKey(t, s, 2, "AKIAB")
		mustCreateAccessKey(t, s, 1, "AKIAA")
		keys, err := s.FindAccessKeys(ctx, accountID(1))
		must(t, err)
		var ids []string
		for _, k := range keys {
			ids = append(ids, k.ID)
			if k.AccountID != accountID(1) || string(k.SealedSecret) != "sealed "+k.ID {
				t.Errorf("key %s: account %s, sealed %q", k.ID, k.AccountID, k.SealedSecret)
			}
		}
		equal(t, "keys oldest first", ids, []string{"AKIAZ", "AKIAA"})
		keys, err = s.FindAccessKeys(ctx, accountID(3))
		must(t, err)
		if len(keys) != 0 {
			t.Errorf("unknown account has %d keys", len(keys))
		}
	},
	"UpdateStatus": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		mustCreateAccount(t, s, 1)
		mustCreateAccessKey(t, s, 1, "AKIA1")
		mustCreateAccessKey(t, s, 1, "AKIA2")
		must(t, s.UpdateAccessKeyStatus(ctx, "AKIA1", licensor.AccessKeyInactive))
		for id, want := range map[string]licensor.AccessKeyStatus{"AKIA1": licensor.AccessKeyInactive, "AKIA2": licensor.AccessKeyActive} {
			k, err := s.FindAccessKeyByID(ctx, id)
			must(t, err)
			if k.Status != want {
				t.Errorf("%s status = %s, want %s", id, k.Status, want)
			}
		}
		must(t, s.UpdateAccessKeyStatus(ctx, "AKIA1", licensor.AccessKeyActive))
		wantCode(t, s.UpdateAccessKeyStatus(ctx, "AKIANONE", licensor.AccessKeyInactive), licensor.ENOTFOUND)
	},
	"Delete": func(t *testing.T, s licensor.Store) {
		ctx := t.Context()
		mustCreateAccount(t, s, 1)
		mustCreateAccessKey(t, s, 1, "AKIA1")
		mustCreateAccessKey(t, s, 1, "AKIA2")
		must(t, s.DeleteAccessKey(ctx, "AKIA1"))
		_, err := s.FindAccessKeyByID(ctx, "AKIA1")
		wantCode(t, err, licensor.ENOTFOUND)
		wantCode(t, s.DeleteAccessKey(ctx, "AKIA1"), licensor.ENOTFOUND)
		keys, err := s.FindAccessKeys(ctx, accountID(1))
		must(t, err)
		if len(keys) != 1 || keys[0].ID != "AKIA2" {
			t.Errorf("remaining keys: %s", dump(keys))
		}
	},
}

func mustCreateAccessKey(t *testing.T, s licensor.Store, account int, id string) {
	t.Helper()
	must(t, s.CreateAccessKey(t.Context(), &licensor.AccessKey{
		ID: id, AccountID: accountID(account), Status: licensor.AccessKeyActive,
		SealedSecret: []byte("sealed " + id), CreatedAt: t0.Add(time.Second),
	}))
}
