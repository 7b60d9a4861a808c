package service

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/keys"
	"github.com/licensorhq/licensor/keys/dbkey"
	"github.com/licensorhq/licensor/token"
)

// Issuer keys (F6). Every seller account has signing keys: a fast one
// (Ed25519 by default, or ECDSA P-256) for the token of every checkout and
// an RSA-3072 one for borrow tokens (JWT_PS384). The newest ACTIVE key of
// an algorithm signs; rotation retires the others, which stay published so
// that what they signed keeps verifying until they are disabled.
//
// Keys live where their URI says (keys.KeyManager): db: keys are generated
// here and kept sealed in the store under the master key, so every node
// sharing the database signs with them; file: and pkcs11: keys are
// registered by the operator.

// keyChoiceTTL bounds how long a node keeps signing with a key that
// another node rotated or disabled.
const keyChoiceTTL = 5 * time.Second

// keyring is a node's cache of issuer keys: opened signers by key ID, the
// key chosen for each (account, SignKey, kind), and the JWKS document.
type keyring struct {
	now func() time.Time
	db  *dbkey.KeyManager
	mux keys.Mux

	mu      sync.Mutex
	signers map[string]*token.Signer
	choices map[keyChoice]keyChoiceEntry
	jwks    []byte
	jwksExp time.Time
	create  sync.Mutex // serializes creating an account's first keys on this node
}

type keyChoice struct {
	account, signKey string
	borrow           bool
}

type keyChoiceEntry struct {
	id      string
	expires time.Time
}

const keyringMax = 10000

func (s *Service) newKeyring() *keyring {
	db := dbkey.New(func(ctx context.Context, id string) ([]byte, error) {
		k, err := s.Store.FindIssuerKeyByID(ctx, id)
		if err != nil {
			return nil, err
		}
		if len(k.Sealed) == 0 {
			return nil, licensor.Errorf(licensor.ENOTFOUND, "Key %s is not a db: key.", id)
		}
		return k.Sealed, nil
	}, s.Sealer)
	return &keyring{
		now: s.Now, db: db, mux: keys.Mux{dbkey.Scheme: db},
		signers: map[string]*token.Signer{}, choices: map[keyChoice]keyChoiceEntry{},
	}
}

// UseKeyProvider makes issuer keys of a URI scheme ("file", "pkcs11")
// usable through km. The db: provider is built in.
func (s *Service) UseKeyProvider(scheme string, km keys.KeyManager) {
	r := s.ring
	r.mu.Lock()
	defer r.mu.Unlock()
	mux := maps.Clone(r.mux)
	if scheme != dbkey.Scheme && km != nil {
		mux[scheme] = km
	}
	r.mux = mux
}

// provider returns the key manager of a scheme.
func (r *keyring) provider(scheme string) (keys.KeyManager, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	km, ok := r.mux[scheme]
	return km, ok
}

// keyManager returns the key managers of every scheme.
func (r *keyring) keyManager() keys.Mux {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.mux
}

// chosen returns the cached choice for c and its opened signer.
func (r *keyring) chosen(c keyChoice) (*token.Signer, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	e, ok := r.choices[c]
	if !ok || !r.now().Before(e.expires) {
		return nil, false
	}
	sg, ok := r.signers[e.id]
	return sg, ok
}

func (r *keyring) remember(c keyChoice, sg *token.Signer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.choices) >= keyringMax {
		clear(r.choices)
	}
	if len(r.signers) >= keyringMax {
		clear(r.signers)
	}
	r.signers[sg.KeyID()] = sg
	r.choices[c] = keyChoiceEntry{id: sg.KeyID(), expires: r.now().Add(keyChoiceTTL)}
}

// changed drops what this node cached about an account's keys.
func (r *keyring) changed(account string, ids ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for c := range r.choices {
		if c.account == account {
			delete(r.choices, c)
		}
	}
	for _, id := range ids {
		delete(r.signers, id)
		r.db.Forget(id)
	}
	r.jwks = nil
}

// open returns the token signer of a stored key.
func (r *keyring) open(ctx context.Context, k *licensor.IssuerKey) (*token.Signer, error) {
	r.mu.Lock()
	sg, ok := r.signers[k.ID]
	r.mu.Unlock()
	if ok {
		return sg, nil
	}
	cs, err := r.keyManager().Signer(ctx, k.URI)
	if err != nil {
		return nil, licensor.WrapError(licensor.EINTERNAL, err, "Issuer key "+k.ID+" cannot be used for signing.")
	}
	sg, err = token.NewSigner(cs, k.ID)
	if err != nil {
		return nil, licensor.WrapError(licensor.EINTERNAL, err, "Issuer key "+k.ID+" cannot be used for signing.")
	}
	return sg, nil
}

// keyAlgorithms returns the algorithms that sign a kind of token.
func keyAlgorithms(borrow bool) []string {
	if borrow {
		return []string{licensor.KeyAlgPS384}
	}
	return []string{licensor.KeyAlgEdDSA, licensor.KeyAlgES256}
}

// tokenSigner returns the signer of an account's tokens: checkout tokens
// (fast key) or borrow tokens (RSA). signKey is the license's
// Issuer.SignKey: when it names a key of the right kind, that key signs
// while it is ACTIVE, and after a rotation the newest active key of its
// algorithm does. With none, the account's newest active key of the kind
// signs, created on first need.
func (s *Service) tokenSigner(ctx context.Context, account, signKey string, borrow bool) (*token.Signer, error) {
	c := keyChoice{account: account, signKey: signKey, borrow: borrow}
	if sg, ok := s.ring.chosen(c); ok {
		return sg, nil
	}
	k, err := s.chooseKey(ctx, account, signKey, borrow)
	if err != nil {
		return nil, err
	}
	sg, err := s.ring.open(ctx, k)
	if err != nil {
		return nil, err
	}
	s.ring.remember(c, sg)
	return sg, nil
}

func (s *Service) chooseKey(ctx context.Context, account, signKey string, borrow bool) (*licensor.IssuerKey, error) {
	algs := keyAlgorithms(borrow)
	if signKey != "" {
		k, err := s.findKeyRef(ctx, s.Store, account, signKey)
		if err != nil && !isCode(err, licensor.ENOTFOUND) {
			return nil, err
		}
		if k != nil && slices.Contains(algs, k.Algorithm) {
			if k.Status == licensor.KeyActive {
				return k, nil
			}
			algs = []string{k.Algorithm}
		}
	}
	if k, err := s.newestActiveKey(ctx, s.Store, account, algs); err != nil || k != nil {
		return k, err
	}
	return s.ensureKey(ctx, account, algs)
}

// newestActiveKey returns the newest ACTIVE key of the account in one of
// algs, or nil.
func (s *Service) newestActiveKey(ctx context.Context, st licensor.Store, account string, algs []string) (*licensor.IssuerKey, error) {
	ks, err := st.FindIssuerKeys(ctx, licensor.KeyFilter{AccountID: account, Statuses: []licensor.KeyStatus{licensor.KeyActive}})
	if err != nil {
		return nil, err
	}
	for i := len(ks) - 1; i >= 0; i-- {
		if slices.Contains(algs, ks[i].Algorithm) {
			return ks[i], nil
		}
	}
	return nil, nil
}

// ensureKey returns the account's newest active key in algs, creating a
// db: key of algs[0] when there is none (the default keys, made on first
// need). Creation is serialized on this node; two nodes racing may each
// create one, which is harmless: the newest signs and both verify.
func (s *Service) ensureKey(ctx context.Context, account string, algs []string) (*licensor.IssuerKey, error) {
	s.ring.create.Lock()
	defer s.ring.create.Unlock()
	if k, err := s.newestActiveKey(ctx, s.Store, account, algs); err != nil || k != nil {
		return k, err
	}
	k, err := s.newDBKey(account, algs[0])
	if err != nil {
		return nil, err
	}
	if err := s.Store.CreateIssuerKey(ctx, k); err != nil {
		return nil, err
	}
	s.ring.changed(account)
	s.Logger.Info("created default issuer key", "account", account, "key", k.ID, "alg", k.Algorithm)
	return k, nil
}

// newDBKey generates a key sealed for the store. RSA generation takes a
// while: never call it inside a transaction.
func (s *Service) newDBKey(account, alg string) (*licensor.IssuerKey, error) {
	hex, err := s.hexID()
	if err != nil {
		return nil, err
	}
	id := "k-" + hex
	sealed, pub, err := dbkey.GenerateSealed(s.Sealer, id, alg)
	if err != nil {
		return nil, licensor.WrapError(licensor.EINTERNAL, err, "cannot generate an issuer key")
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, licensor.WrapError(licensor.EINTERNAL, err, "cannot encode an issuer key")
	}
	now := s.now()
	return &licensor.IssuerKey{
		ID: id, AccountID: account, Algorithm: alg, URI: dbkey.URI(id), PublicKey: der, Sealed: sealed,
		Status: licensor.KeyActive, CreatedAt: now, UpdatedAt: now,
	}, nil
}

// findKeyRef resolves a reference to a key of the account: its ID or its
// URI. ENOTFOUND when the account has no such key.
func (s *Service) findKeyRef(ctx context.Context, st licensor.Store, account, ref string) (*licensor.IssuerKey, error) {
	if licensor.ValidKeyID(ref) {
		k, err := st.FindIssuerKeyByID(ctx, ref)
		if err == nil && k.AccountID == account {
			k.Sealed = nil
			return k, nil
		}
		if err != nil && !isCode(err, licensor.ENOTFOUND) {
			return nil, err
		}
		return nil, licensor.NotFound("Key", ref)
	}
	ks, err := st.FindIssuerKeys(ctx, licensor.KeyFilter{AccountID: account})
	if err != nil {
		return nil, err
	}
	for i := len(ks) - 1; i >= 0; i-- {
		if ks[i].URI == ref {
			return ks[i], nil
		}
	}
	return nil, licensor.NotFound("Key", ref)
}

// checkSignKey validates a license's Issuer.SignKey: it must name a key of
// the account that is not disabled.
func (s *Service) checkSignKey(ctx context.Context, account, ref string) error {
	if ref == "" {
		return nil
	}
	k, err := s.findKeyRef(ctx, s.Store, account, ref)
	if isCode(err, licensor.ENOTFOUND) || err == nil && k.Status == licensor.KeyDisabled {
		return licensor.Errorf(licensor.EINVALID, "Issuer.SignKey %q is not an enabled key of account %s (see licensor key list).", ref, account)
	}
	return err
}

// keyOwner returns the account a key operation acts on: the caller's, or,
// for root only, the one named.
func keyOwner(p *licensor.Principal, accountID string) (string, error) {
	if accountID == "" || accountID == p.AccountID {
		return p.AccountID, nil
	}
	if !p.IsRoot() {
		return "", licensor.Errorf(licensor.EFORBIDDEN, "Only the root account may manage the keys of another account.")
	}
	if !licensor.ValidAccountID(accountID) {
		return "", licensor.Errorf(licensor.EINVALID, "1 validation error detected: AccountId %q is not a 12-digit account ID.", accountID)
	}
	return accountID, nil
}

// CreateKey adds an active issuer key.
func (s *Service) CreateKey(ctx context.Context, in licensor.CreateKeyInput) (*licensor.IssuerKey, error) {
	k, err := s.prepareKey(ctx, in)
	if err != nil {
		return nil, err
	}
	err = s.Store.WithTx(ctx, func(tx licensor.Store) error {
		if err := s.checkKeyLimit(ctx, tx, k.AccountID); err != nil {
			return err
		}
		return tx.CreateIssuerKey(ctx, k)
	})
	if err != nil {
		return nil, fmt.Errorf("create key: %w", err)
	}
	s.ring.changed(k.AccountID)
	k.Sealed = nil
	return k, nil
}

// RotateKey adds an active key and retires the other active keys of its
// algorithm, in one transaction.
func (s *Service) RotateKey(ctx context.Context, in licensor.CreateKeyInput) (*licensor.IssuerKey, error) {
	k, err := s.prepareKey(ctx, in)
	if err != nil {
		return nil, err
	}
	var retired []string
	err = s.Store.WithTx(ctx, func(tx licensor.Store) error {
		retired = retired[:0]
		if err := s.checkKeyLimit(ctx, tx, k.AccountID); err != nil {
			return err
		}
		old, err := tx.FindIssuerKeys(ctx, licensor.KeyFilter{AccountID: k.AccountID, Algorithm: k.Algorithm, Statuses: []licensor.KeyStatus{licensor.KeyActive}})
		if err != nil {
			return err
		}
		if err := tx.CreateIssuerKey(ctx, k); err != nil {
			return err
		}
		for _, o := range old {
			err := tx.UpdateIssuerKeyStatus(ctx, o.ID, []licensor.KeyStatus{licensor.KeyActive}, licensor.KeyRetired, k.CreatedAt)
			if err != nil && !isCode(err, licensor.ECONFLICT) { // disabled meanwhile: nothing to retire
				return err
			}
			retired = append(retired, o.ID)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rotate key: %w", err)
	}
	s.ring.changed(k.AccountID, retired...)
	s.Logger.Info("rotated issuer key", "account", k.AccountID, "key", k.ID, "alg", k.Algorithm, "retired", retired)
	k.Sealed = nil
	return k, nil
}

func (s *Service) checkKeyLimit(ctx context.Context, tx licensor.Store, account string) error {
	ks, err := tx.FindIssuerKeys(ctx, licensor.KeyFilter{AccountID: account})
	if err != nil {
		return err
	}
	if len(ks) >= licensor.MaxKeysPerAccount {
		return licensor.Errorf(licensor.ELIMIT, "Account %s has %d issuer keys, the most allowed.", account, len(ks))
	}
	return nil
}

// prepareKey validates a CreateKeyInput and makes the key: generated and
// sealed (db:), generated in the HSM (Provider pkcs11) or read from an
// existing key (URI). Nothing is stored.
func (s *Service) prepareKey(ctx context.Context, in licensor.CreateKeyInput) (*licensor.IssuerKey, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	account, err := keyOwner(p, in.AccountID)
	if err != nil {
		return nil, err
	}
	if in.Algorithm != "" && !licensor.ValidKeyAlgorithm(in.Algorithm) {
		return nil, licensor.Errorf(licensor.EINVALID, "1 validation error detected: Algorithm %q is not one of EdDSA, ES256, PS384.", in.Algorithm)
	}
	if _, err := s.Store.FindAccountByID(ctx, account); err != nil {
		return nil, err
	}
	switch {
	case in.URI != "" && in.Provider != "":
		return nil, licensor.Errorf(licensor.EINVALID, "Give either KeyUri (an existing key) or Provider (a new key), not both.")
	case in.URI != "":
		return s.registerKey(ctx, p, account, in)
	case in.Provider == "" || in.Provider == dbkey.Scheme:
		alg := in.Algorithm
		if alg == "" {
			alg = licensor.KeyAlgEdDSA
		}
		return s.newDBKey(account, alg)
	case in.Provider == "pkcs11":
		return s.newHSMKey(ctx, p, account, in)
	}
	return nil, licensor.Errorf(licensor.EINVALID, "1 validation error detected: Provider %q is not one of db, pkcs11.", in.Provider)
}

// registerKey makes an IssuerKey of a key the operator already holds in a
// file or an HSM. Root only: the URI names something on the server.
func (s *Service) registerKey(ctx context.Context, p *licensor.Principal, account string, in licensor.CreateKeyInput) (*licensor.IssuerKey, error) {
	if !p.IsRoot() {
		return nil, licensor.Errorf(licensor.EFORBIDDEN, "Only the root account may register keys held outside the store (KeyUri).")
	}
	if len(in.URI) > 2048 {
		return nil, licensor.Errorf(licensor.EINVALID, "1 validation error detected: KeyUri must be at most 2048 characters.")
	}
	scheme, err := keys.Scheme(in.URI)
	if err != nil || scheme == dbkey.Scheme {
		return nil, licensor.Errorf(licensor.EINVALID, "KeyUri must be a file: or pkcs11: URI; db: keys are generated by the server (omit KeyUri).")
	}
	lower := strings.ToLower(in.URI)
	if strings.Contains(lower, "pin-value") || strings.Contains(lower, "pin-source") {
		return nil, licensor.Errorf(licensor.EINVALID, "KeyUri must not carry a PIN: the PIN belongs in the server's --pkcs11 setting.")
	}
	if _, ok := s.ring.provider(scheme); !ok {
		return nil, licensor.Errorf(licensor.EINVALID, "This server has no %s: key provider configured (see licensor serve --help).", scheme)
	}
	pub, err := s.ring.keyManager().PublicKey(ctx, in.URI)
	if err != nil {
		// Provider errors name the key, never its contents.
		return nil, licensor.WrapError(licensor.EINVALID, err, "KeyUri cannot be used: "+providerReason(err))
	}
	return s.describeKey(account, in.Algorithm, in.URI, pub)
}

// newHSMKey generates a key inside the HSM. Root only: it spends the
// operator's HSM.
func (s *Service) newHSMKey(ctx context.Context, p *licensor.Principal, account string, in licensor.CreateKeyInput) (*licensor.IssuerKey, error) {
	if !p.IsRoot() {
		return nil, licensor.Errorf(licensor.EFORBIDDEN, "Only the root account may create keys in the HSM.")
	}
	km, ok := s.ring.provider("pkcs11")
	if !ok {
		return nil, licensor.Errorf(licensor.EINVALID, "This server has no pkcs11: key provider configured (see licensor serve --pkcs11).")
	}
	creator, ok := km.(keys.Creator)
	if !ok {
		return nil, licensor.Errorf(licensor.EINVALID, "The pkcs11: provider of this server cannot create keys.")
	}
	alg := in.Algorithm
	if alg == "" {
		alg = licensor.KeyAlgEdDSA
	}
	hex, err := s.hexID()
	if err != nil {
		return nil, err
	}
	uri, pub, err := creator.CreateKey(ctx, "licensor-"+account+"-"+hex[:12], alg)
	if err != nil {
		return nil, licensor.WrapError(licensor.EINVALID, err, "The HSM cannot create the key: "+providerReason(err))
	}
	return s.describeKey(account, alg, uri, pub)
}

func (s *Service) describeKey(account, alg, uri string, pub crypto.PublicKey) (*licensor.IssuerKey, error) {
	got, err := token.Algorithm(pub)
	if err != nil {
		return nil, licensor.Errorf(licensor.EINVALID, "The key cannot sign licensor tokens: %s.", strings.TrimPrefix(err.Error(), "token: "))
	}
	if alg != "" && alg != got {
		return nil, licensor.Errorf(licensor.EINVALID, "Algorithm is %s but the key signs %s.", alg, got)
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, licensor.WrapError(licensor.EINVALID, err, "The key's public half cannot be encoded.")
	}
	hex, err := s.hexID()
	if err != nil {
		return nil, err
	}
	now := s.now()
	return &licensor.IssuerKey{
		ID: "k-" + hex, AccountID: account, Algorithm: got, URI: uri, PublicKey: der,
		Status: licensor.KeyActive, CreatedAt: now, UpdatedAt: now,
	}, nil
}

// providerReason says why a key provider refused, in words safe to return.
func providerReason(err error) string {
	switch {
	case errors.Is(err, keys.ErrNotFound):
		return "no such key."
	case errors.Is(err, keys.ErrInvalidURI):
		return "the URI is not of the provider's form."
	case errors.Is(err, keys.ErrUnsupported):
		return "the provider does not support it."
	}
	return "the provider refused it."
}

// ListKeys lists an account's issuer keys, oldest first.
func (s *Service) ListKeys(ctx context.Context, accountID string) ([]*licensor.IssuerKey, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	account, err := keyOwner(p, accountID)
	if err != nil {
		return nil, err
	}
	return s.Store.FindIssuerKeys(ctx, licensor.KeyFilter{AccountID: account})
}

// DisableKey withdraws a key. Disabling a disabled key returns it as is.
func (s *Service) DisableKey(ctx context.Context, id string) (*licensor.IssuerKey, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if !licensor.ValidKeyID(id) {
		return nil, licensor.Errorf(licensor.EINVALID, "1 validation error detected: KeyId %q is not of the form k-<32 hex>.", id)
	}
	var k *licensor.IssuerKey
	err = s.Store.WithTx(ctx, func(tx licensor.Store) error {
		var err error
		if k, err = tx.FindIssuerKeyByID(ctx, id); err != nil {
			return err
		}
		if k.AccountID != p.AccountID && !p.IsRoot() {
			return licensor.NotFound("Key", id)
		}
		if k.Status == licensor.KeyDisabled {
			return nil
		}
		now := s.now()
		if err := tx.UpdateIssuerKeyStatus(ctx, id, []licensor.KeyStatus{licensor.KeyActive, licensor.KeyRetired}, licensor.KeyDisabled, now); err != nil {
			return err
		}
		k.Status, k.UpdatedAt = licensor.KeyDisabled, now
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("disable key: %w", err)
	}
	s.ring.changed(k.AccountID, k.ID)
	s.Logger.Info("disabled issuer key", "account", k.AccountID, "key", k.ID)
	k.Sealed = nil
	return k, nil
}

// jwksTTL is how long a node serves its JWKS document before reading the
// keys again; changes made on this node are served at once.
const jwksTTL = 5 * time.Second

// JWKS returns the JSON Web Key Set of every ACTIVE and RETIRED issuer key
// of every account: public halves only, each with its kid, alg, use and
// the account it signs for.
func (s *Service) JWKS(ctx context.Context) ([]byte, error) {
	s.ring.mu.Lock()
	doc, exp := s.ring.jwks, s.ring.jwksExp
	s.ring.mu.Unlock()
	if doc != nil && s.Now().Before(exp) {
		return doc, nil
	}
	ks, err := s.Store.FindIssuerKeys(ctx, licensor.KeyFilter{Statuses: []licensor.KeyStatus{licensor.KeyActive, licensor.KeyRetired}})
	if err != nil {
		return nil, err
	}
	pubs := make([]token.PublicKey, 0, len(ks))
	for _, k := range ks {
		pub, err := x509.ParsePKIXPublicKey(k.PublicKey)
		if err != nil {
			s.Logger.Error("issuer key has an unreadable public key; not published", "key", k.ID, "err", err)
			continue
		}
		pubs = append(pubs, token.PublicKey{KeyID: k.ID, Algorithm: k.Algorithm, Key: pub, Account: k.AccountID})
	}
	doc, err = token.JWKS(pubs)
	if err != nil {
		return nil, licensor.WrapError(licensor.EINTERNAL, err, "cannot build the JWKS")
	}
	s.ring.mu.Lock()
	s.ring.jwks, s.ring.jwksExp = doc, s.Now().Add(jwksTTL)
	s.ring.mu.Unlock()
	return doc, nil
}
