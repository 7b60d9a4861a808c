package licensor

import (
	"context"
	"regexp"
	"time"
	"unicode/utf8"
)

// RootAccountID is the account of the operator. Only it may call the
// administrative operations (accounts, access keys).
const RootAccountID = "000000000000"

// Account is a tenant: a seller, a buyer, or both. IDs are 12 digits, as AWS
// account IDs are.
type Account struct {
	ID        string
	Name      string
	CreatedAt time.Time
}

// AccessKeyStatus is Active or Inactive.
type AccessKeyStatus string

// Access key statuses.
const (
	AccessKeyActive   AccessKeyStatus = "Active"
	AccessKeyInactive AccessKeyStatus = "Inactive"
)

// AccessKey is a SigV4 credential of an account. The secret is kept only
// sealed under the master key; SecretAccessKey is filled in exactly once,
// in the answer to the call that created the key.
type AccessKey struct {
	ID              string
	AccountID       string
	Status          AccessKeyStatus
	SealedSecret    []byte
	CreatedAt       time.Time
	SecretAccessKey string `json:"-"`
}

// AccountFilter selects accounts.
type AccountFilter struct {
	IDs   []string
	After string // cursor from a previous page
	Limit int
}

var accountIDRe = regexp.MustCompile(`^[0-9]{12}$`)

// ValidAccountID reports whether id has the form of an account ID.
func ValidAccountID(id string) bool { return accountIDRe.MatchString(id) }

// ValidateAccountName checks an account's display name.
func ValidateAccountName(name string) error {
	if name == "" {
		return Errorf(EINVALID, "Name is required.")
	}
	if utf8.RuneCountInString(name) > 256 || !utf8.ValidString(name) {
		return Errorf(EINVALID, "Name must be valid UTF-8 of at most 256 characters.")
	}
	return nil
}

// AccountService is the operator's administrative API: accounts and their
// access keys. Every method returns EFORBIDDEN unless the caller is root.
type AccountService interface {
	// CreateAccount creates an account with one active access key, whose
	// secret is returned in the key's SecretAccessKey this one time.
	CreateAccount(ctx context.Context, name string) (*Account, *AccessKey, error)
	// ListAccounts pages through accounts.
	ListAccounts(ctx context.Context, f AccountFilter) ([]*Account, string, error)
	// CreateAccessKey adds an access key to an account. ENOTFOUND if the account does not exist.
	CreateAccessKey(ctx context.Context, accountID string) (*AccessKey, error)
	// ListAccessKeys lists the keys of an account without their secrets.
	ListAccessKeys(ctx context.Context, accountID string) ([]*AccessKey, error)
	// UpdateAccessKey sets a key Active or Inactive. ENOTFOUND if unknown.
	UpdateAccessKey(ctx context.Context, accessKeyID string, status AccessKeyStatus) (*AccessKey, error)
	// DeleteAccessKey removes a key. ENOTFOUND if unknown; EINVALID if it is the last root key.
	DeleteAccessKey(ctx context.Context, accessKeyID string) error
}

// Authenticator resolves the secret of an access key for SigV4 verification.
type Authenticator interface {
	// LookupAccessKey returns the plaintext secret and the principal of an
	// active key. EUNAUTHENTICATED if the key is unknown or inactive.
	LookupAccessKey(ctx context.Context, accessKeyID string) (secret string, p *Principal, err error)
}

// Sealer encrypts secrets at rest (AEAD under the master key). The
// associated data binds a ciphertext to its owner so it cannot be moved.
type Sealer interface {
	Seal(plaintext, associatedData []byte) ([]byte, error)
	Open(ciphertext, associatedData []byte) ([]byte, error)
}
