package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/internal/sqlutil"
)

var _ licensor.KeyStore = (*DB)(nil)

// CreateIssuerKey inserts an issuer key, with its sealed private key when
// it has one. Returns ECONFLICT if the ID exists and ENOTFOUND if the
// account does not.
func (db *DB) CreateIssuerKey(ctx context.Context, k *licensor.IssuerKey) error {
	err := db.exec(ctx, `
		INSERT INTO issuer_keys (id, account_id, algorithm, uri, public_key, sealed, status, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		k.ID, k.AccountID, k.Algorithm, k.URI, nonNil(k.PublicKey), k.Sealed, string(k.Status),
		sqlutil.Micros(k.CreatedAt), sqlutil.Micros(k.UpdatedAt))
	switch err = formatError(err); licensor.ErrorCode(err) {
	case licensor.ECONFLICT:
		return licensor.WrapError(licensor.ECONFLICT, err, "Issuer key "+k.ID+" already exists.")
	case licensor.ENOTFOUND:
		return licensor.WrapError(licensor.ENOTFOUND, err, licensor.NotFound("Account", k.AccountID).Message)
	}
	return err
}

// issuerKeyColumns are the columns scanIssuerKey reads; listings read NULL
// in place of the sealed private key.
const (
	issuerKeyColumns     = `id, account_id, algorithm, uri, public_key, sealed, status, created_at, updated_at`
	issuerKeyListColumns = `id, account_id, algorithm, uri, public_key, NULL, status, created_at, updated_at`
)

// FindIssuerKeyByID returns a key with its sealed private key. Returns
// ENOTFOUND if there is none.
func (db *DB) FindIssuerKeyByID(ctx context.Context, id string) (*licensor.IssuerKey, error) {
	var k *licensor.IssuerKey
	err := db.read(ctx, func(q querier) error {
		var err error
		k, err = scanIssuerKey(q.QueryRowContext(ctx,
			`SELECT `+issuerKeyColumns+` FROM issuer_keys WHERE id = ?`, id))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, licensor.NotFound("Issuer key", id)
	}
	return k, formatError(err)
}

// FindIssuerKeys lists the keys matching f, oldest first (ties by ID),
// without their sealed private keys. Statuses matches any of its values;
// the filters combine with AND, and zero ones match everything.
func (db *DB) FindIssuerKeys(ctx context.Context, f licensor.KeyFilter) ([]*licensor.IssuerKey, error) {
	var (
		conds []string
		args  []any
	)
	if f.AccountID != "" {
		conds, args = append(conds, `account_id = ?`), append(args, f.AccountID)
	}
	if f.Algorithm != "" {
		conds, args = append(conds, `algorithm = ?`), append(args, f.Algorithm)
	}
	if len(f.Statuses) > 0 {
		conds = append(conds, `status IN (`+placeholders(len(f.Statuses))+`)`)
		for _, s := range f.Statuses {
			args = append(args, string(s))
		}
	}
	query := `SELECT ` + issuerKeyListColumns + ` FROM issuer_keys`
	if len(conds) > 0 {
		query += ` WHERE ` + strings.Join(conds, ` AND `)
	}
	query += ` ORDER BY created_at, id`

	var keys []*licensor.IssuerKey
	err := db.read(ctx, func(q querier) error {
		rows, err := q.QueryContext(ctx, query, args...)
		return each(rows, err, func(rows *sql.Rows) error {
			k, err := scanIssuerKey(rows)
			if err != nil {
				return err
			}
			keys = append(keys, k)
			return nil
		})
	})
	return keys, formatError(err)
}

// UpdateIssuerKeyStatus moves a key to status to, stamping it with at,
// only if its status is one of from. Returns ECONFLICT when it is not and
// ENOTFOUND if there is no such key.
func (db *DB) UpdateIssuerKeyStatus(ctx context.Context, id string, from []licensor.KeyStatus, to licensor.KeyStatus, at time.Time) error {
	args := []any{string(to), sqlutil.Micros(at), id}
	for _, s := range from {
		args = append(args, string(s))
	}
	// One writing statement (write1); the read after it only explains a miss.
	err := db.write1(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx,
			`UPDATE issuer_keys SET status = ?, updated_at = ? WHERE id = ? AND status IN (`+placeholders(len(from))+`)`,
			args...)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var status string
		err = q.QueryRowContext(ctx, `SELECT status FROM issuer_keys WHERE id = ?`, id).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return licensor.NotFound("Issuer key", id)
		}
		if err != nil {
			return err
		}
		return keyStatusConflict(id, licensor.KeyStatus(status), from)
	})
	return formatError(err)
}

// keyStatusConflict is the ECONFLICT of a status update that found the key
// in a status not among from.
func keyStatusConflict(id string, status licensor.KeyStatus, from []licensor.KeyStatus) error {
	names := make([]string, len(from))
	for i, s := range from {
		names[i] = string(s)
	}
	if len(names) == 0 {
		return licensor.Errorf(licensor.ECONFLICT, "Issuer key %s is %s.", id, status)
	}
	return licensor.Errorf(licensor.ECONFLICT, "Issuer key %s is %s, not %s.", id, status, strings.Join(names, " or "))
}

func scanIssuerKey(s scanner) (*licensor.IssuerKey, error) {
	var (
		k                licensor.IssuerKey
		status           string
		created, updated int64
	)
	if err := s.Scan(&k.ID, &k.AccountID, &k.Algorithm, &k.URI, &k.PublicKey, &k.Sealed, &status,
		&created, &updated); err != nil {
		return nil, err
	}
	k.Status = licensor.KeyStatus(status)
	k.CreatedAt, k.UpdatedAt = sqlutil.Time(created), sqlutil.Time(updated)
	return &k, nil
}
