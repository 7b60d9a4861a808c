package licensor

import (
	"context"
	"time"
)

// Store is persistence only: no business rules. Every method is one
// transaction unless called on the Store handed to WithTx's function. Times
// are stored in UTC with microsecond precision.
type Store interface {
	AccountStore
	LicenseStore
	IdempotencyStore
	CheckoutStore
	GrantStore
	OrganizationStore
	KeyStore

	// WithTx runs fn in one serializable write transaction. fn's Store
	// sees and writes inside that transaction; when fn returns an error
	// nothing it wrote is kept. Nested WithTx calls join the outer
	// transaction.
	WithTx(ctx context.Context, fn func(tx Store) error) error

	// Close releases the store's resources.
	Close() error
}

// AccountStore persists accounts and access keys.
type AccountStore interface {
	// CreateAccount inserts an account. ECONFLICT if the ID exists.
	CreateAccount(ctx context.Context, a *Account) error
	// FindAccountByID returns an account. ENOTFOUND.
	FindAccountByID(ctx context.Context, id string) (*Account, error)
	// FindAccounts pages through accounts ordered by creation; the second
	// result is the cursor of the next page, "" at the end.
	FindAccounts(ctx context.Context, f AccountFilter) ([]*Account, string, error)

	// CreateAccessKey inserts a key. ECONFLICT if the ID exists; ENOTFOUND
	// if the account does not.
	CreateAccessKey(ctx context.Context, k *AccessKey) error
	// FindAccessKeyByID returns a key with its sealed secret. ENOTFOUND.
	FindAccessKeyByID(ctx context.Context, id string) (*AccessKey, error)
	// FindAccessKeys lists the keys of an account, oldest first.
	FindAccessKeys(ctx context.Context, accountID string) ([]*AccessKey, error)
	// UpdateAccessKeyStatus sets a key's status. ENOTFOUND.
	UpdateAccessKeyStatus(ctx context.Context, id string, status AccessKeyStatus) error
	// DeleteAccessKey removes a key. ENOTFOUND.
	DeleteAccessKey(ctx context.Context, id string) error
}

// LicenseStore persists licenses and their immutable versions.
type LicenseStore interface {
	// CreateLicense inserts a new license whose first version is l
	// (l.Version must be 1). ECONFLICT if the ARN exists.
	CreateLicense(ctx context.Context, l *License) error
	// CreateLicenseVersion appends version l.Version to an existing license
	// and makes it current. ECONFLICT if that version already exists (a
	// concurrent writer won); ENOTFOUND if the license does not exist.
	CreateLicenseVersion(ctx context.Context, l *License) error
	// FindLicenseByARN returns the current version, with the license's
	// lifecycle (Status when deleted, DeletionDate) overlaid. ENOTFOUND.
	FindLicenseByARN(ctx context.Context, arn string) (*License, error)
	// FindLicenseHead returns the current version number and the effective
	// status of a license without reading the version document: what the
	// checkout path needs to confirm a cached license is still current.
	// ENOTFOUND.
	FindLicenseHead(ctx context.Context, arn string) (version int, status LicenseStatus, err error)
	// FindLicenseVersion returns one version as it was written, with
	// DeletionDate set if the license is deleted. ENOTFOUND.
	FindLicenseVersion(ctx context.Context, arn string, version int) (*License, error)
	// FindLicenses pages through current versions matching f, ordered by
	// creation; returns the next cursor or "".
	FindLicenses(ctx context.Context, f LicenseFilter) ([]*License, string, error)
	// FindLicenseVersions pages through the versions of a license, oldest first.
	FindLicenseVersions(ctx context.Context, arn string, p Page) ([]*License, string, error)
	// SetLicenseLifecycle sets the status of a license (PENDING_DELETE or
	// DELETED) and its deletion date, without writing a version. ENOTFOUND.
	SetLicenseLifecycle(ctx context.Context, arn string, status LicenseStatus, deletionDate time.Time) error
	// FindLicenseARNsByStatus returns up to limit ARNs of licenses in a
	// lifecycle status whose deletion date is before the given time.
	FindLicenseARNsByStatus(ctx context.Context, status LicenseStatus, deletedBefore time.Time, limit int) ([]string, error)
	// PurgeLicense removes a license, every version and everything that
	// hangs off it. ENOTFOUND.
	PurgeLicense(ctx context.Context, arn string) error
}

// IdempotencyStore persists the answers to requests carrying a ClientToken.
type IdempotencyStore interface {
	// FindIdempotencyRecord returns the record of (account, operation,
	// token). ENOTFOUND.
	FindIdempotencyRecord(ctx context.Context, accountID, operation, clientToken string) (*IdempotencyRecord, error)
	// CreateIdempotencyRecord inserts a record. ECONFLICT if one exists.
	CreateIdempotencyRecord(ctx context.Context, r *IdempotencyRecord) error
	// DeleteIdempotencyRecords removes records created before t and returns
	// how many.
	DeleteIdempotencyRecords(ctx context.Context, before time.Time) (int, error)
}
