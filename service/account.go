package service

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/licensorhq/licensor"
)

// CreateAccount creates an account and its first access key.
func (s *Service) CreateAccount(ctx context.Context, name string) (*licensor.Account, *licensor.AccessKey, error) {
	if _, err := rootCaller(ctx); err != nil {
		return nil, nil, err
	}
	if err := licensor.ValidateAccountName(name); err != nil {
		return nil, nil, err
	}
	var acct *licensor.Account
	var key *licensor.AccessKey
	err := s.Store.WithTx(ctx, func(tx licensor.Store) error {
		for attempt := 0; ; attempt++ {
			id, err := s.accountID()
			if err != nil {
				return err
			}
			acct = &licensor.Account{ID: id, Name: name, CreatedAt: s.now()}
			err = tx.CreateAccount(ctx, acct)
			if err == nil {
				break
			}
			if !isCode(err, licensor.ECONFLICT) || attempt > 5 {
				return err
			}
		}
		var err error
		key, err = s.newAccessKey(ctx, tx, acct.ID, "", "")
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("create account: %w", err)
	}
	s.Logger.InfoContext(ctx, "account created", "account", acct.ID, "access_key", key.ID)
	return acct, key, nil
}

// newAccessKey creates a key for account; id and secret are generated when empty.
func (s *Service) newAccessKey(ctx context.Context, st licensor.Store, accountID, id, secret string) (*licensor.AccessKey, error) {
	var err error
	if id == "" {
		if id, err = s.accessKeyID(); err != nil {
			return nil, err
		}
	}
	if secret == "" {
		if secret, err = s.secretAccessKey(); err != nil {
			return nil, err
		}
	}
	sealed, err := s.Sealer.Seal([]byte(secret), []byte(id))
	if err != nil {
		return nil, err
	}
	k := &licensor.AccessKey{ID: id, AccountID: accountID, Status: licensor.AccessKeyActive, SealedSecret: sealed, CreatedAt: s.now()}
	if err := st.CreateAccessKey(ctx, k); err != nil {
		return nil, err
	}
	k.SecretAccessKey = secret
	return k, nil
}

// ListAccounts pages through accounts.
func (s *Service) ListAccounts(ctx context.Context, f licensor.AccountFilter) ([]*licensor.Account, string, error) {
	if _, err := rootCaller(ctx); err != nil {
		return nil, "", err
	}
	after, err := decodeToken("accounts", f.After)
	if err != nil {
		return nil, "", err
	}
	f.After = after
	accts, next, err := s.Store.FindAccounts(ctx, f)
	if err != nil {
		return nil, "", err
	}
	return accts, encodeToken("accounts", next), nil
}

// CreateAccessKey adds a key to an account.
func (s *Service) CreateAccessKey(ctx context.Context, accountID string) (*licensor.AccessKey, error) {
	if _, err := rootCaller(ctx); err != nil {
		return nil, err
	}
	var key *licensor.AccessKey
	err := s.Store.WithTx(ctx, func(tx licensor.Store) error {
		if _, err := tx.FindAccountByID(ctx, accountID); err != nil {
			return err
		}
		var err error
		key, err = s.newAccessKey(ctx, tx, accountID, "", "")
		return err
	})
	if err != nil {
		return nil, err
	}
	s.Logger.InfoContext(ctx, "access key created", "account", accountID, "access_key", key.ID)
	return key, nil
}

// ListAccessKeys lists an account's keys, without secrets.
func (s *Service) ListAccessKeys(ctx context.Context, accountID string) ([]*licensor.AccessKey, error) {
	if _, err := rootCaller(ctx); err != nil {
		return nil, err
	}
	if _, err := s.Store.FindAccountByID(ctx, accountID); err != nil {
		return nil, err
	}
	keys, err := s.Store.FindAccessKeys(ctx, accountID)
	for _, k := range keys {
		k.SealedSecret = nil
	}
	return keys, err
}

// UpdateAccessKey activates or deactivates a key.
func (s *Service) UpdateAccessKey(ctx context.Context, id string, status licensor.AccessKeyStatus) (*licensor.AccessKey, error) {
	p, err := rootCaller(ctx)
	if err != nil {
		return nil, err
	}
	if status != licensor.AccessKeyActive && status != licensor.AccessKeyInactive {
		return nil, licensor.Errorf(licensor.EINVALID, "1 validation error detected: Status must be Active or Inactive.")
	}
	var key *licensor.AccessKey
	err = s.Store.WithTx(ctx, func(tx licensor.Store) error {
		k, err := tx.FindAccessKeyByID(ctx, id)
		if err != nil {
			return err
		}
		if status == licensor.AccessKeyInactive && k.ID == p.AccessKeyID {
			return licensor.Errorf(licensor.EINVALID, "An access key cannot deactivate itself.")
		}
		if err := tx.UpdateAccessKeyStatus(ctx, id, status); err != nil {
			return err
		}
		k.Status, k.SealedSecret = status, nil
		key = k
		return nil
	})
	s.keys.forget(id)
	if err != nil {
		return nil, err
	}
	s.Logger.InfoContext(ctx, "access key updated", "access_key", id, "status", string(status))
	return key, nil
}

// DeleteAccessKey removes a key. The key that signs the call cannot delete
// itself, so the operator cannot lock themselves out by accident.
func (s *Service) DeleteAccessKey(ctx context.Context, id string) error {
	p, err := rootCaller(ctx)
	if err != nil {
		return err
	}
	if id == p.AccessKeyID {
		return licensor.Errorf(licensor.EINVALID, "An access key cannot delete itself.")
	}
	err = s.Store.DeleteAccessKey(ctx, id)
	s.keys.forget(id)
	if err != nil {
		return err
	}
	s.Logger.InfoContext(ctx, "access key deleted", "access_key", id)
	return nil
}

// Bootstrap creates the root account and its access key when the store has
// none. id and secret are used when both are set, generated otherwise. It
// returns the new key (with its secret) or nil when root already existed.
func (s *Service) Bootstrap(ctx context.Context, id, secret string) (*licensor.AccessKey, error) {
	var key *licensor.AccessKey
	if (id == "") != (secret == "") {
		return nil, licensor.Errorf(licensor.EINVALID, "LICENSOR_ROOT_ACCESS_KEY_ID and LICENSOR_ROOT_SECRET_ACCESS_KEY must be set together.")
	}
	err := s.Store.WithTx(ctx, func(tx licensor.Store) error {
		_, err := tx.FindAccountByID(ctx, licensor.RootAccountID)
		if err == nil {
			return nil
		}
		if !isCode(err, licensor.ENOTFOUND) {
			return err
		}
		if err := tx.CreateAccount(ctx, &licensor.Account{ID: licensor.RootAccountID, Name: "root", CreatedAt: s.now()}); err != nil {
			return err
		}
		if len(id) > 128 || len(secret) > 128 {
			return licensor.Errorf(licensor.EINVALID, "root credentials must be at most 128 characters.")
		}
		key, err = s.newAccessKey(ctx, tx, licensor.RootAccountID, id, secret)
		return err
	})
	if isCode(err, licensor.ECONFLICT) {
		// Another node sharing the database bootstrapped at the same moment.
		return nil, nil
	}
	return key, err
}

// LookupAccessKey returns the secret and principal of an active access key.
// Answers are cached for a few seconds (keyCacheTTL); changes made through
// this Service take effect at once, changes made on another node within
// the TTL.
func (s *Service) LookupAccessKey(ctx context.Context, id string) (string, *licensor.Principal, error) {
	if e, ok := s.keys.get(id); ok {
		return e.secret, e.principal, nil
	}
	k, err := s.Store.FindAccessKeyByID(ctx, id)
	if isCode(err, licensor.ENOTFOUND) {
		return "", nil, licensor.Errorf(licensor.EUNAUTHENTICATED, "The security token included in the request is invalid.")
	}
	if err != nil {
		return "", nil, err
	}
	if k.Status != licensor.AccessKeyActive {
		return "", nil, licensor.Errorf(licensor.EUNAUTHENTICATED, "The security token included in the request is invalid.")
	}
	secret, err := s.Sealer.Open(k.SealedSecret, []byte(k.ID))
	if err != nil {
		return "", nil, licensor.WrapError(licensor.EINTERNAL, err, "cannot open access key secret")
	}
	p := &licensor.Principal{AccountID: k.AccountID, AccessKeyID: k.ID}
	s.keys.put(id, string(secret), p)
	return string(secret), p, nil
}

// keyCacheTTL bounds how long another node's key deactivation may take to
// be seen here.
const keyCacheTTL = 5 * time.Second

type keyCacheEntry struct {
	secret    string
	principal *licensor.Principal
	expires   time.Time
}

// keyCache keeps opened access key secrets so the checkout path does not
// read the store and decrypt on every request. Bounded: when full it is
// cleared, which costs one store read per key.
type keyCache struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[string]keyCacheEntry
}

const keyCacheMax = 10000

func newKeyCache(now func() time.Time) *keyCache {
	return &keyCache{now: now, m: make(map[string]keyCacheEntry)}
}

func (c *keyCache) get(id string) (keyCacheEntry, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || !c.now().Before(e.expires) {
		return keyCacheEntry{}, false
	}
	return e, true
}

func (c *keyCache) put(id, secret string, p *licensor.Principal) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= keyCacheMax {
		clear(c.m)
	}
	c.m[id] = keyCacheEntry{secret: secret, principal: p, expires: c.now().Add(keyCacheTTL)}
}

func (c *keyCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, id)
}
