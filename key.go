package licensor

import (
	"context"
	"regexp"
	"time"
)

// KeyStatus is the lifecycle state of an issuer key.
type KeyStatus string

// Key statuses. A key moves ACTIVE → RETIRED (rotated out) → DISABLED, or
// straight to DISABLED; never back.
const (
	// KeyActive: signs new tokens and is published.
	KeyActive KeyStatus = "ACTIVE"
	// KeyRetired: rotated out. Still published, so what it signed keeps
	// verifying, but it signs nothing new.
	KeyRetired KeyStatus = "RETIRED"
	// KeyDisabled: withdrawn. Neither published nor used.
	KeyDisabled KeyStatus = "DISABLED"
)

// Valid reports whether s is a known status.
func (s KeyStatus) Valid() bool {
	return s == KeyActive || s == KeyRetired || s == KeyDisabled
}

// The signature algorithms of issuer keys, as JWS names them. Each fixes
// the key type.
const (
	KeyAlgEdDSA = "EdDSA" // Ed25519: the default, fast key of checkout tokens
	KeyAlgES256 = "ES256" // ECDSA P-256: the other fast key
	KeyAlgPS384 = "PS384" // RSA-3072, RSASSA-PSS with SHA-384: borrow tokens (JWT_PS384)
)

// ValidKeyAlgorithm reports whether alg is one of the key algorithms.
func ValidKeyAlgorithm(alg string) bool {
	return alg == KeyAlgEdDSA || alg == KeyAlgES256 || alg == KeyAlgPS384
}

// MaxKeysPerAccount bounds the issuer keys of one account, disabled ones
// included.
const MaxKeysPerAccount = 100

// IssuerKey is a signing key of a seller account. Its ID is the JWS "kid"
// of every token it signs. The private key stays where URI says: sealed
// in the store (db:), in a PEM file (file:) or in an HSM (pkcs11:).
type IssuerKey struct {
	ID        string // k-<32 hex>
	AccountID string
	Algorithm string // KeyAlgEdDSA, KeyAlgES256 or KeyAlgPS384
	// URI names the private key for the key manager: db:<ID>,
	// file:///path.pem or pkcs11:….
	URI string
	// PublicKey is the public key, PKIX DER.
	PublicKey []byte
	// Sealed is the private key of a db: key, sealed under the master key
	// and bound to ID. Nil for other providers. Never leaves the service.
	Sealed    []byte `json:"-"`
	Status    KeyStatus
	CreatedAt time.Time
	UpdatedAt time.Time // last status change
}

var keyIDRe = regexp.MustCompile(`^k-[0-9a-f]{32}$`)

// ValidKeyID reports whether id has the form of an issuer key ID.
func ValidKeyID(id string) bool { return keyIDRe.MatchString(id) }

// KeyFilter selects issuer keys. Zero fields select everything.
type KeyFilter struct {
	AccountID string
	Algorithm string
	Statuses  []KeyStatus
}

// KeyStore persists issuer keys.
type KeyStore interface {
	// CreateIssuerKey inserts a key. ECONFLICT if the ID exists.
	CreateIssuerKey(ctx context.Context, k *IssuerKey) error
	// FindIssuerKeyByID returns a key with its sealed private part.
	// ENOTFOUND.
	FindIssuerKeyByID(ctx context.Context, id string) (*IssuerKey, error)
	// FindIssuerKeys returns the keys matching f, oldest first (ties by
	// ID), without their sealed private parts.
	FindIssuerKeys(ctx context.Context, f KeyFilter) ([]*IssuerKey, error)
	// UpdateIssuerKeyStatus moves a key to status at time at, only if its
	// current status is one of from. ECONFLICT when it is not; ENOTFOUND.
	UpdateIssuerKeyStatus(ctx context.Context, id string, from []KeyStatus, to KeyStatus, at time.Time) error
}

// CreateKeyInput asks for a new issuer key.
type CreateKeyInput struct {
	// AccountID is the owner; "" means the caller. Only root may name
	// another account.
	AccountID string
	// Algorithm is KeyAlgEdDSA (default), KeyAlgES256 or KeyAlgPS384.
	Algorithm string
	// URI, when set, registers an existing key held by the file: or
	// pkcs11: provider (root only: it names something on the server). When
	// empty, a new key is generated and sealed in the store (db:), or, with
	// Provider "pkcs11", generated inside the HSM.
	URI      string
	Provider string
}

// KeyService manages issuer keys and publishes their public halves.
type KeyService interface {
	// CreateKey adds an ACTIVE key to an account; the newest active key of
	// an algorithm is the one that signs.
	CreateKey(ctx context.Context, in CreateKeyInput) (*IssuerKey, error)
	// ListKeys lists an account's keys ("" means the caller's).
	ListKeys(ctx context.Context, accountID string) ([]*IssuerKey, error)
	// RotateKey creates a new active key as CreateKey does and retires
	// every other active key of its algorithm in the same transaction.
	RotateKey(ctx context.Context, in CreateKeyInput) (*IssuerKey, error)
	// DisableKey withdraws a key: it neither signs nor is published.
	DisableKey(ctx context.Context, id string) (*IssuerKey, error)
	// JWKS returns the JSON Web Key Set of every published issuer key
	// (ACTIVE and RETIRED, every account).
	JWKS(ctx context.Context) ([]byte, error)
}
