// Package dbkey is the db: key provider, the default: keys that licensor
// generates and keeps in its store sealed under the master key, so that
// every node sharing the database can sign. A key is named db:<id>, and its
// sealed form is bound to <id> (the AEAD's associated data), so a sealed
// key copied onto another key's row does not open.
//
// The store is not imported: the caller passes a Lookup that reads a
// sealed key by id.
package dbkey

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/keys"
)

// Scheme is the URI scheme of database keys.
const Scheme = "db"

// maxIDLength bounds a key id.
const maxIDLength = 256

// URI returns the URI of the key with the given id.
func URI(id string) string { return Scheme + ":" + id }

// ID returns the id of a db: URI.
func ID(uri string) (string, error) {
	id, ok := strings.CutPrefix(uri, Scheme+":")
	if !ok || id == "" || len(id) > maxIDLength || strings.IndexFunc(id, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar
	}) >= 0 {
		return "", fmt.Errorf("dbkey: %w: %q (want db:<key id>)", keys.ErrInvalidURI, uri)
	}
	return id, nil
}

// Generate makes a new private key for alg (keys.EdDSA: Ed25519,
// keys.ES256: ECDSA P-256, keys.PS384: RSA-3072) and returns it as PKCS#8
// PEM, to be sealed, with its public key. Prefer GenerateSealed, which
// never lets the plaintext out.
func Generate(alg string) (privatePEM []byte, pub crypto.PublicKey, err error) {
	var key crypto.Signer
	switch alg {
	case keys.EdDSA:
		_, key, err = ed25519.GenerateKey(rand.Reader)
	case keys.ES256:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case keys.PS384:
		key, err = rsa.GenerateKey(rand.Reader, keys.RSABits)
	default:
		return nil, nil, fmt.Errorf("dbkey: %w: algorithm %q (want EdDSA, ES256 or PS384)", keys.ErrUnsupported, alg)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("dbkey: generate %s key: %w", alg, err)
	}
	privatePEM, err = keys.MarshalPrivateKeyPEM(key)
	if err != nil {
		return nil, nil, err
	}
	return privatePEM, key.Public(), nil
}

// GenerateSealed makes a new key for alg and returns it sealed for the key
// id, ready for the store, with its public key.
func GenerateSealed(sealer licensor.Sealer, id, alg string) (sealed []byte, pub crypto.PublicKey, err error) {
	if _, err := ID(URI(id)); err != nil {
		return nil, nil, err
	}
	pemBytes, pub, err := Generate(alg)
	if err != nil {
		return nil, nil, err
	}
	defer clear(pemBytes)
	sealed, err = sealer.Seal(pemBytes, []byte(id))
	if err != nil {
		return nil, nil, fmt.Errorf("dbkey: seal key %q: %w", id, err)
	}
	return sealed, pub, nil
}

// Lookup returns the sealed private key stored under id. It should return
// an error with code licensor.ENOTFOUND when there is none.
type Lookup func(ctx context.Context, id string) (sealed []byte, err error)

// KeyManager opens sealed keys read through a Lookup. Opened keys are kept
// in memory, so signing costs one store read per key per process.
type KeyManager struct {
	lookup Lookup
	sealer licensor.Sealer

	mu      sync.Mutex
	signers map[string]crypto.Signer
}

var _ keys.KeyManager = (*KeyManager)(nil)

// New returns a KeyManager reading keys with lookup and opening them with
// sealer.
func New(lookup Lookup, sealer licensor.Sealer) *KeyManager {
	return &KeyManager{lookup: lookup, sealer: sealer, signers: map[string]crypto.Signer{}}
}

// Provider returns the keys.OpenFunc of the db provider.
func Provider(lookup Lookup, sealer licensor.Sealer) keys.OpenFunc {
	return func(_ context.Context, uri string) (keys.KeyManager, error) {
		if s, err := keys.Scheme(uri); err != nil || s != Scheme {
			return nil, fmt.Errorf("dbkey: %w: %q is not a db: URI", keys.ErrInvalidURI, uri)
		}
		if lookup == nil || sealer == nil {
			return nil, errors.New("dbkey: a lookup and a sealer are required")
		}
		return New(lookup, sealer), nil
	}
}

// Signer returns the key of a db: URI. The error wraps keys.ErrNotFound
// (and the lookup's ENOTFOUND) when the store has no such key; it never
// includes key material.
func (m *KeyManager) Signer(ctx context.Context, uri string) (crypto.Signer, error) {
	id, err := ID(uri)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	s, ok := m.signers[id]
	m.mu.Unlock()
	if ok {
		return s, nil
	}

	sealed, err := m.lookup(ctx, id)
	if err != nil {
		if licensor.ErrorCode(err) == licensor.ENOTFOUND {
			return nil, fmt.Errorf("dbkey: key %q: %w: %w", id, keys.ErrNotFound, err)
		}
		return nil, fmt.Errorf("dbkey: key %q: %w", id, err)
	}
	plain, err := m.sealer.Open(sealed, []byte(id))
	if err != nil {
		return nil, fmt.Errorf("dbkey: key %q: cannot open the sealed key (wrong master key, or the key was stored under another id): %w", id, err)
	}
	s, err = keys.ParsePrivateKeyPEM(plain)
	clear(plain)
	if err != nil {
		return nil, fmt.Errorf("dbkey: key %q: %w", id, err)
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	if prev, ok := m.signers[id]; ok {
		return prev, nil
	}
	if m.signers == nil {
		m.signers = map[string]crypto.Signer{}
	}
	m.signers[id] = s
	return s, nil
}

// PublicKey returns the public key of a db: URI.
func (m *KeyManager) PublicKey(ctx context.Context, uri string) (crypto.PublicKey, error) {
	s, err := m.Signer(ctx, uri)
	if err != nil {
		return nil, err
	}
	return s.Public(), nil
}

// Forget drops a key from memory, for when it is disabled or deleted.
func (m *KeyManager) Forget(id string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.signers, id)
}

// Close forgets every key.
func (m *KeyManager) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.signers = nil
	return nil
}
