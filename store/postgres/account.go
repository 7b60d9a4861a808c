package postgres

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/internal/sqlutil"
)

// CreateAccount inserts an account. Returns ECONFLICT if the ID exists,
// without aborting the caller's transaction, so a caller may try another ID.
func (db *DB) CreateAccount(ctx context.Context, a *licensor.Account) error {
	q, err := db.q()
	if err != nil {
		return err
	}
	tag, err := q.Exec(ctx,
		`INSERT INTO accounts (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		a.ID, a.Name, sqlutil.Truncate(a.CreatedAt))
	if err != nil {
		return db.done(err)
	}
	if tag.RowsAffected() == 0 {
		return licensor.Errorf(licensor.ECONFLICT, "Account %s already exists.", a.ID)
	}
	return nil
}

// FindAccountByID returns an account. Returns ENOTFOUND if there is none.
func (db *DB) FindAccountByID(ctx context.Context, id string) (*licensor.Account, error) {
	q, err := db.q()
	if err != nil {
		return nil, err
	}
	_, a, err := scanAccount(q.QueryRow(ctx, `SELECT seq, id, name, created_at FROM accounts WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, licensor.NotFound("Account", id)
	}
	return a, db.done(err)
}

// FindAccounts pages through accounts in creation order, restricted to
// f.IDs when it is not empty. The second result is the cursor of the next
// page, "" after the last. Returns EINVALID for a malformed cursor.
func (db *DB) FindAccounts(ctx context.Context, f licensor.AccountFilter) ([]*licensor.Account, string, error) {
	after, err := sqlutil.ParseCursor(f.After)
	if err != nil {
		return nil, "", err
	}
	limit := sqlutil.Limit(f.Limit)
	var p params
	query := `SELECT seq, id, name, created_at FROM accounts WHERE seq > ` + p.add(after)
	if len(f.IDs) > 0 {
		query += ` AND id = ANY(` + p.add(f.IDs) + `::text[])`
	}
	query += ` ORDER BY seq LIMIT ` + p.add(limit+1)

	q, err := db.q()
	if err != nil {
		return nil, "", err
	}
	var (
		accounts []*licensor.Account
		seqs     []int64
	)
	err = func() error {
		rows, err := q.Query(ctx, query, p...)
		return each(rows, err, func(rows pgx.Rows) error {
			seq, a, err := scanAccount(rows)
			if err != nil {
				return err
			}
			accounts, seqs = append(accounts, a), append(seqs, seq)
			return nil
		})
	}()
	if err != nil {
		return nil, "", db.done(err)
	}
	accounts, next := page(accounts, seqs, limit)
	return accounts, next, nil
}

func scanAccount(s pgx.Row) (int64, *licensor.Account, error) {
	var (
		seq     int64
		created time.Time
		a       licensor.Account
	)
	if err := s.Scan(&seq, &a.ID, &a.Name, &created); err != nil {
		return 0, nil, err
	}
	a.CreatedAt = created.UTC()
	return seq, &a, nil
}

// CreateAccessKey inserts an access key with its sealed secret; the
// plaintext SecretAccessKey is never stored. Returns ENOTFOUND if the
// account does not exist and ECONFLICT if the key ID does.
func (db *DB) CreateAccessKey(ctx context.Context, k *licensor.AccessKey) error {
	q, err := db.q()
	if err != nil {
		return err
	}
	// The account row is locked as the foreign key check would lock it, so
	// an account deleted meanwhile reads as missing instead of failing the
	// statement (and the caller's transaction).
	var accounts, inserted int64
	err = q.QueryRow(ctx, `
		WITH a AS (
			SELECT id FROM accounts WHERE id = $2 FOR KEY SHARE),
		k AS (
			INSERT INTO access_keys (id, account_id, status, sealed_secret, created_at)
			SELECT $1::text, id, $3::text, $4::bytea, $5::timestamptz FROM a
			ON CONFLICT DO NOTHING
			RETURNING 1)
		SELECT (SELECT count(*) FROM a), (SELECT count(*) FROM k)`,
		k.ID, k.AccountID, string(k.Status), nonNil(k.SealedSecret), sqlutil.Truncate(k.CreatedAt)).Scan(&accounts, &inserted)
	switch {
	case err != nil:
		return db.done(err)
	case accounts == 0:
		return licensor.NotFound("Account", k.AccountID)
	case inserted == 0:
		return licensor.Errorf(licensor.ECONFLICT, "Access key %s already exists.", k.ID)
	}
	return nil
}

const accessKeyColumns = `id, account_id, status, sealed_secret, created_at`

// FindAccessKeyByID returns a key with its sealed secret. Returns ENOTFOUND
// if there is none.
func (db *DB) FindAccessKeyByID(ctx context.Context, id string) (*licensor.AccessKey, error) {
	q, err := db.q()
	if err != nil {
		return nil, err
	}
	k, err := scanAccessKey(q.QueryRow(ctx, `SELECT `+accessKeyColumns+` FROM access_keys WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, licensor.NotFound("Access key", id)
	}
	return k, db.done(err)
}

// FindAccessKeys lists the keys of an account, oldest first; none is an
// empty list, not an error.
func (db *DB) FindAccessKeys(ctx context.Context, accountID string) ([]*licensor.AccessKey, error) {
	q, err := db.q()
	if err != nil {
		return nil, err
	}
	var keys []*licensor.AccessKey
	err = func() error {
		rows, err := q.Query(ctx, `SELECT `+accessKeyColumns+` FROM access_keys WHERE account_id = $1 ORDER BY seq`, accountID)
		return each(rows, err, func(rows pgx.Rows) error {
			k, err := scanAccessKey(rows)
			if err != nil {
				return err
			}
			keys = append(keys, k)
			return nil
		})
	}()
	if err != nil {
		return nil, db.done(err)
	}
	return keys, nil
}

func scanAccessKey(s pgx.Row) (*licensor.AccessKey, error) {
	var (
		k       licensor.AccessKey
		status  string
		created time.Time
	)
	if err := s.Scan(&k.ID, &k.AccountID, &status, &k.SealedSecret, &created); err != nil {
		return nil, err
	}
	k.Status = licensor.AccessKeyStatus(status)
	k.CreatedAt = created.UTC()
	return &k, nil
}

// UpdateAccessKeyStatus sets a key's status. Returns ENOTFOUND if there is
// no such key.
func (db *DB) UpdateAccessKeyStatus(ctx context.Context, id string, status licensor.AccessKeyStatus) error {
	return db.execOne(ctx, licensor.NotFound("Access key", id),
		`UPDATE access_keys SET status = $1 WHERE id = $2`, string(status), id)
}

// DeleteAccessKey removes a key. Returns ENOTFOUND if there is no such key.
func (db *DB) DeleteAccessKey(ctx context.Context, id string) error {
	return db.execOne(ctx, licensor.NotFound("Access key", id),
		`DELETE FROM access_keys WHERE id = $1`, id)
}

// nonNil returns b, or an empty slice for nil, since the driver would bind
// nil as NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// where joins conditions with AND.
func where(conds []string) string { return strings.Join(conds, " AND ") }
