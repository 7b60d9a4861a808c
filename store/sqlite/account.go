package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/internal/sqlutil"
)

// CreateAccount inserts an account. Returns ECONFLICT if the ID exists.
func (db *DB) CreateAccount(ctx context.Context, a *licensor.Account) error {
	err := db.write(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx,
			`INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)`,
			a.ID, a.Name, sqlutil.Micros(a.CreatedAt))
		return err
	})
	if err = formatError(err); licensor.ErrorCode(err) == licensor.ECONFLICT {
		return licensor.WrapError(licensor.ECONFLICT, err, "Account "+a.ID+" already exists.")
	}
	return err
}

// FindAccountByID returns an account. Returns ENOTFOUND if there is none.
func (db *DB) FindAccountByID(ctx context.Context, id string) (*licensor.Account, error) {
	var a *licensor.Account
	err := db.read(ctx, func(q querier) error {
		var err error
		_, a, err = scanAccount(q.QueryRowContext(ctx,
			`SELECT seq, id, name, created_at FROM accounts WHERE id = ?`, id))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, licensor.NotFound("Account", id)
	}
	return a, formatError(err)
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
	query := `SELECT seq, id, name, created_at FROM accounts WHERE seq > ?`
	args := []any{after}
	if len(f.IDs) > 0 {
		query += ` AND id IN (` + placeholders(len(f.IDs)) + `)`
		for _, id := range f.IDs {
			args = append(args, id)
		}
	}
	query += ` ORDER BY seq LIMIT ?`
	args = append(args, limit+1)

	var (
		accounts []*licensor.Account
		seqs     []int64
	)
	err = db.read(ctx, func(q querier) error {
		rows, err := q.QueryContext(ctx, query, args...)
		return each(rows, err, func(rows *sql.Rows) error {
			seq, a, err := scanAccount(rows)
			if err != nil {
				return err
			}
			accounts, seqs = append(accounts, a), append(seqs, seq)
			return nil
		})
	})
	if err != nil {
		return nil, "", formatError(err)
	}
	accounts, next := page(accounts, seqs, limit)
	return accounts, next, nil
}

func scanAccount(s scanner) (int64, *licensor.Account, error) {
	var (
		seq, created int64
		a            licensor.Account
	)
	if err := s.Scan(&seq, &a.ID, &a.Name, &created); err != nil {
		return 0, nil, err
	}
	a.CreatedAt = sqlutil.Time(created)
	return seq, &a, nil
}

// CreateAccessKey inserts an access key with its sealed secret; the
// plaintext SecretAccessKey is never stored. Returns ECONFLICT if the key
// ID exists and ENOTFOUND if the account does not.
func (db *DB) CreateAccessKey(ctx context.Context, k *licensor.AccessKey) error {
	err := db.write(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx,
			`INSERT INTO access_keys (id, account_id, status, sealed_secret, created_at) VALUES (?, ?, ?, ?, ?)`,
			k.ID, k.AccountID, string(k.Status), nonNil(k.SealedSecret), sqlutil.Micros(k.CreatedAt))
		return err
	})
	switch err = formatError(err); licensor.ErrorCode(err) {
	case licensor.ECONFLICT:
		return licensor.WrapError(licensor.ECONFLICT, err, "Access key "+k.ID+" already exists.")
	case licensor.ENOTFOUND:
		return licensor.WrapError(licensor.ENOTFOUND, err, licensor.NotFound("Account", k.AccountID).Message)
	}
	return err
}

const accessKeyColumns = `id, account_id, status, sealed_secret, created_at`

// FindAccessKeyByID returns a key with its sealed secret. Returns ENOTFOUND
// if there is none.
func (db *DB) FindAccessKeyByID(ctx context.Context, id string) (*licensor.AccessKey, error) {
	var k *licensor.AccessKey
	err := db.read(ctx, func(q querier) error {
		var err error
		k, err = scanAccessKey(q.QueryRowContext(ctx,
			`SELECT `+accessKeyColumns+` FROM access_keys WHERE id = ?`, id))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, licensor.NotFound("Access key", id)
	}
	return k, formatError(err)
}

// FindAccessKeys lists the keys of an account, oldest first; none is an
// empty list, not an error.
func (db *DB) FindAccessKeys(ctx context.Context, accountID string) ([]*licensor.AccessKey, error) {
	var keys []*licensor.AccessKey
	err := db.read(ctx, func(q querier) error {
		rows, err := q.QueryContext(ctx,
			`SELECT `+accessKeyColumns+` FROM access_keys WHERE account_id = ? ORDER BY seq`, accountID)
		return each(rows, err, func(rows *sql.Rows) error {
			k, err := scanAccessKey(rows)
			if err != nil {
				return err
			}
			keys = append(keys, k)
			return nil
		})
	})
	return keys, formatError(err)
}

func scanAccessKey(s scanner) (*licensor.AccessKey, error) {
	var (
		k       licensor.AccessKey
		status  string
		created int64
	)
	if err := s.Scan(&k.ID, &k.AccountID, &status, &k.SealedSecret, &created); err != nil {
		return nil, err
	}
	k.Status = licensor.AccessKeyStatus(status)
	k.CreatedAt = sqlutil.Time(created)
	return &k, nil
}

// UpdateAccessKeyStatus sets a key's status. Returns ENOTFOUND if there is
// no such key.
func (db *DB) UpdateAccessKeyStatus(ctx context.Context, id string, status licensor.AccessKeyStatus) error {
	return db.execOne(ctx, licensor.NotFound("Access key", id),
		`UPDATE access_keys SET status = ? WHERE id = ?`, string(status), id)
}

// DeleteAccessKey removes a key. Returns ENOTFOUND if there is no such key.
func (db *DB) DeleteAccessKey(ctx context.Context, id string) error {
	return db.execOne(ctx, licensor.NotFound("Access key", id),
		`DELETE FROM access_keys WHERE id = ?`, id)
}

// execOne runs a write statement that must touch a row, returning notFound
// when it touched none.
func (db *DB) execOne(ctx context.Context, notFound error, query string, args ...any) error {
	err := db.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, query, args...)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return notFound
		}
		return nil
	})
	return formatError(err)
}

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// placeholders returns "?, ?, …" with n marks.
func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// page trims a result fetched with limit+1 rows to limit and returns the
// cursor of the next page, "" when the extra row shows there is none.
func page[T any](items []T, seqs []int64, limit int) ([]T, string) {
	if len(items) <= limit {
		return items, ""
	}
	return items[:limit], sqlutil.FormatCursor(seqs[limit-1])
}

// nonNil returns b, or an empty slice for nil, since the driver would bind
// nil as NULL.
func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}
