package keys

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"strings"
)

// KeyManager resolves key URIs to signers.
//
// It belongs in the root package as licensor.KeyManager once the service
// consumes it; it is declared here until then.
type KeyManager interface {
	// Signer returns the signer of the key named by uri. Returns an error
	// wrapping ErrNotFound when the provider has no such key and
	// ErrUnsupported when it cannot use its type.
	Signer(ctx context.Context, uri string) (crypto.Signer, error)
	// PublicKey returns the public key of the key named by uri, with the
	// same errors as Signer.
	PublicKey(ctx context.Context, uri string) (crypto.PublicKey, error)
	// Close releases the provider's resources (sessions, cached keys).
	Close() error
}

// Creator is the optional ability of a KeyManager to generate a key that
// never leaves it (an HSM, a KMS). Find it by type assertion.
type Creator interface {
	// CreateKey generates a key of algorithm alg (EdDSA, ES256 or PS384)
	// named name and returns its URI and public key. Returns an error
	// wrapping ErrUnsupported if the provider cannot make that type.
	CreateKey(ctx context.Context, name, alg string) (uri string, pub crypto.PublicKey, err error)
}

// The signature algorithms of issuer keys, as JWS names them; each fixes a
// key type. They match the constants of package token.
const (
	EdDSA = "EdDSA" // Ed25519
	ES256 = "ES256" // ECDSA on P-256
	PS384 = "PS384" // RSA-3072, signing RSASSA-PSS with SHA-384
)

// RSABits is the size of the RSA keys licensor generates.
const RSABits = 3072

// Errors wrapped by providers.
var (
	// ErrNotFound: no key has the URI.
	ErrNotFound = errors.New("key not found")
	// ErrUnsupported: the scheme, key type or operation is not available
	// (including providers compiled out of this binary).
	ErrUnsupported = errors.New("unsupported")
	// ErrInvalidURI: the URI is not of the provider's form.
	ErrInvalidURI = errors.New("invalid key URI")
)

// OpenFunc opens a provider. uri configures it (for example
// pkcs11:token=licensor?module-path=/usr/lib/softhsm/libsofthsm2.so); for
// providers that need no configuration it is just the scheme and a colon.
type OpenFunc func(ctx context.Context, uri string) (KeyManager, error)

// Scheme returns the scheme of a key URI: "db" for "db:k-123", "file" for
// "file:///etc/licensor/issuer.pem".
func Scheme(uri string) (string, error) {
	scheme, _, ok := strings.Cut(uri, ":")
	if !ok || scheme == "" {
		return "", fmt.Errorf("keys: %w: %q has no scheme", ErrInvalidURI, uri)
	}
	for i, c := range scheme {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.')) {
			return "", fmt.Errorf("keys: %w: %q has no scheme", ErrInvalidURI, uri)
		}
	}
	return strings.ToLower(scheme), nil
}

// Open opens the provider that providers holds for uri's scheme.
func Open(ctx context.Context, uri string, providers map[string]OpenFunc) (KeyManager, error) {
	scheme, err := Scheme(uri)
	if err != nil {
		return nil, err
	}
	open, ok := providers[scheme]
	if !ok || open == nil {
		return nil, fmt.Errorf("keys: %w: no provider for scheme %q", ErrUnsupported, scheme)
	}
	km, err := open(ctx, uri)
	if err != nil {
		return nil, fmt.Errorf("keys: open %s: %w", scheme, err)
	}
	return km, nil
}

// Mux is a KeyManager that hands each URI to the KeyManager of its scheme,
// so keys of several providers can be used side by side.
type Mux map[string]KeyManager

var _ KeyManager = Mux(nil)

func (m Mux) route(uri string) (KeyManager, error) {
	scheme, err := Scheme(uri)
	if err != nil {
		return nil, err
	}
	km, ok := m[scheme]
	if !ok || km == nil {
		return nil, fmt.Errorf("keys: %w: no provider for scheme %q", ErrUnsupported, scheme)
	}
	return km, nil
}

// Signer implements KeyManager.
func (m Mux) Signer(ctx context.Context, uri string) (crypto.Signer, error) {
	km, err := m.route(uri)
	if err != nil {
		return nil, err
	}
	return km.Signer(ctx, uri)
}

// PublicKey implements KeyManager.
func (m Mux) PublicKey(ctx context.Context, uri string) (crypto.PublicKey, error) {
	km, err := m.route(uri)
	if err != nil {
		return nil, err
	}
	return km.PublicKey(ctx, uri)
}

// Close closes every KeyManager of m.
func (m Mux) Close() error {
	var errs []error
	for _, km := range m {
		if km != nil {
			errs = append(errs, km.Close())
		}
	}
	return errors.Join(errs...)
}
