//go:build awskms

package awskms

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/licensorhq/licensor/keys"
)

// Supported reports whether this binary can use AWS KMS keys.
const Supported = true

// SignTimeout bounds one KMS Sign call; crypto.Signer passes no context.
const SignTimeout = 10 * time.Second

// Client is the part of the KMS API the provider uses. It returns an
// error wrapping keys.ErrNotFound for an unknown key.
type Client interface {
	// GetPublicKey returns the DER SubjectPublicKeyInfo of a key
	// (kms:GetPublicKey).
	GetPublicKey(ctx context.Context, keyID string) ([]byte, error)
	// Sign signs a digest (kms:Sign, MessageType DIGEST) with a KMS
	// signing algorithm: ECDSA_SHA_256 or RSASSA_PSS_SHA_384.
	Sign(ctx context.Context, keyID string, digest []byte, algorithm string) ([]byte, error)
}

// KeyManager signs with KMS keys through a Client.
type KeyManager struct {
	client Client

	mu      sync.Mutex
	signers map[string]*signer
}

var _ keys.KeyManager = (*KeyManager)(nil)

// New returns a KeyManager using client.
func New(client Client) *KeyManager {
	return &KeyManager{client: client, signers: map[string]*signer{}}
}

// Provider returns the keys.OpenFunc of the awskms provider.
func Provider(client Client) keys.OpenFunc {
	return func(_ context.Context, uri string) (keys.KeyManager, error) {
		if s, err := keys.Scheme(uri); err != nil || s != Scheme {
			return nil, fmt.Errorf("awskms: %w: not an awskms: URI", keys.ErrInvalidURI)
		}
		return New(client), nil
	}
}

// KeyID returns the key-id of an awskms:key-id=… URI.
func KeyID(uri string) (string, error) {
	rest, ok := strings.CutPrefix(uri, Scheme+":")
	id, ok2 := strings.CutPrefix(rest, "key-id=")
	if !ok || !ok2 || id == "" || strings.ContainsAny(id, ";?& \t\n") {
		return "", fmt.Errorf("awskms: %w: %q (want awskms:key-id=<id, ARN or alias>)", keys.ErrInvalidURI, uri)
	}
	return id, nil
}

// Signer returns the KMS key of uri; its public key is fetched once.
func (m *KeyManager) Signer(ctx context.Context, uri string) (crypto.Signer, error) {
	id, err := KeyID(uri)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	s, ok := m.signers[id]
	m.mu.Unlock()
	if ok {
		return s, nil
	}
	der, err := m.client.GetPublicKey(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("awskms: key %s: %w", id, err)
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, fmt.Errorf("awskms: key %s: public key is not a DER SubjectPublicKeyInfo", id)
	}
	alg, err := keys.Algorithm(pub)
	if err != nil {
		return nil, fmt.Errorf("awskms: key %s: %w", id, err)
	}
	if alg == keys.EdDSA {
		return nil, fmt.Errorf("awskms: key %s: %w: Ed25519", id, keys.ErrUnsupported)
	}
	s = &signer{client: m.client, id: id, pub: pub}
	m.mu.Lock()
	m.signers[id] = s
	m.mu.Unlock()
	return s, nil
}

// PublicKey returns the public key of uri.
func (m *KeyManager) PublicKey(ctx context.Context, uri string) (crypto.PublicKey, error) {
	s, err := m.Signer(ctx, uri)
	if err != nil {
		return nil, err
	}
	return s.Public(), nil
}

// Close forgets the keys.
func (m *KeyManager) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.signers = map[string]*signer{}
	return nil
}

type signer struct {
	client Client
	id     string
	pub    crypto.PublicKey
}

func (s *signer) Public() crypto.PublicKey { return s.pub }

// Sign signs a digest: ECDSA P-256 with SHA-256 (DER out, as KMS returns
// it) or RSA PSS with SHA-384 and a salt as long as the hash, the only
// salt KMS uses.
func (s *signer) Sign(_ io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	var alg string
	switch s.pub.(type) {
	case *ecdsa.PublicKey:
		if opts.HashFunc() == crypto.SHA256 {
			alg = "ECDSA_SHA_256"
		}
	case *rsa.PublicKey:
		pss, ok := opts.(*rsa.PSSOptions)
		if ok && opts.HashFunc() == crypto.SHA384 &&
			(pss.SaltLength == rsa.PSSSaltLengthEqualsHash || pss.SaltLength == crypto.SHA384.Size()) {
			alg = "RSASSA_PSS_SHA_384"
		}
	}
	if alg == "" || len(digest) != opts.HashFunc().Size() {
		return nil, fmt.Errorf("awskms: %w: signing options for this key", keys.ErrUnsupported)
	}
	ctx, cancel := context.WithTimeout(context.Background(), SignTimeout)
	defer cancel()
	sig, err := s.client.Sign(ctx, s.id, digest, alg)
	if err != nil {
		return nil, fmt.Errorf("awskms: sign with %s: %w", s.id, err)
	}
	return sig, nil
}
