package postgres

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/internal/sqlutil"
)

var _ licensor.KeyStore = (*DB)(nil)

// CreateIssuerKey inserts an issuer key, with its sealed private key when
// it has one. Returns ECONFLICT if the ID exists and ENOTFOUND if the
// account does not.
func (db *DB) CreateIssuerKey(ctx context.Context, k *licensor.IssuerKey) error {
	q, err := db.q()
	if err != nil {
		return err
	}
	// One statement. The account row is locked as the foreign key check
	// would lock it, so an account deleted meanwhile reads as missing
	// instead of failing the statement (and the caller's transaction).
	var accounts, inserted, existing int64
	err = q.QueryRow(ctx, `
		WITH a AS (
			SELECT id FROM accounts WHERE id = $2 FOR KEY SHARE),
		k AS (
			INSERT INTO issuer_keys (id, account_id, algorithm, uri, public_key, sealed, status, created_at, updated_at)
			SELECT $1::text, id, $3::text, $4::text, $5::bytea, $6::bytea, $7::text, $8::timestamptz, $9::timestamptz
			FROM a
			ON CONFLICT DO NOTHING
			RETURNING 1)
		SELECT (SELECT count(*) FROM a), (SELECT count(*) FROM k),
			(SELECT count(*) FROM issuer_keys WHERE id = $1)`,
		k.ID, k.AccountID, k.Algorithm, k.URI, nonNil(k.PublicKey), k.Sealed, string(k.Status),
		sqlutil.Truncate(k.CreatedAt), sqlutil.Truncate(k.UpdatedAt)).Scan(&accounts, &inserted, &existing)
	switch {
	case err != nil:
		return db.done(err)
	case inserted == 1:
		return nil
	case accounts == 0 && existing == 0:
		// An existing ID wins over a missing account, as on SQLite.
		return licensor.NotFound("Account", k.AccountID)
	}
	return licensor.Errorf(licensor.ECONFLICT, "Issuer key %s already exists.", k.ID)
}

// issuerKeyColumns are the columns scanIssuerKey reads; listings read NULL
// in place of the sealed private key.
const (
	issuerKeyColumns     = `id, account_id, algorithm, uri, public_key, sealed, status, created_at, updated_at`
	issuerKeyListColumns = `id, account_id, algorithm, uri, public_key, NULL::bytea, status, created_at, updated_at`
)

// FindIssuerKeyByID returns a key with its sealed private key. Returns
// ENOTFOUND if there is none.
func (db *DB) FindIssuerKeyByID(ctx context.Context, id string) (*licensor.IssuerKey, error) {
	q, err := db.q()
	if err != nil {
		return nil, err
	}
	k, err := scanIssuerKey(q.QueryRow(ctx, `SELECT `+issuerKeyColumns+` FROM issuer_keys WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, licensor.NotFound("Issuer key", id)
	}
	return k, db.done(err)
}

// FindIssuerKeys lists the keys matching f, oldest first (ties by ID, in
// byte order), without their sealed private keys. Statuses matches any of
// its values; the filters combine with AND, and zero ones match
// everything.
func (db *DB) FindIssuerKeys(ctx context.Context, f licensor.KeyFilter) ([]*licensor.IssuerKey, error) {
	var (
		p     params
		conds []string
	)
	if f.AccountID != "" {
		conds = append(conds, `account_id = `+p.add(f.AccountID))
	}
	if f.Algorithm != "" {
		conds = append(conds, `algorithm = `+p.add(f.Algorithm))
	}
	if len(f.Statuses) > 0 {
		// = ANY of one array parameter: one statement shape whatever the
		// number of statuses.
		conds = append(conds, `status = ANY(`+p.add(keyStatuses(f.Statuses))+`::text[])`)
	}
	query := `SELECT ` + issuerKeyListColumns + ` FROM issuer_keys`
	if len(conds) > 0 {
		query += ` WHERE ` + where(conds)
	}
	query += ` ORDER BY created_at, id`

	q, err := db.q()
	if err != nil {
		return nil, err
	}
	var keys []*licensor.IssuerKey
	err = func() error {
		rows, err := q.Query(ctx, query, p...)
		return each(rows, err, func(rows pgx.Rows) error {
			k, err := scanIssuerKey(rows)
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

// UpdateIssuerKeyStatus moves a key to status to, stamping it with at,
// only if its status is one of from: one conditional UPDATE, re-checked
// against the latest committed row, so of two nodes moving the same key
// only one succeeds. Returns ECONFLICT when the status is not one of from
// and ENOTFOUND if there is no such key.
func (db *DB) UpdateIssuerKeyStatus(ctx context.Context, id string, from []licensor.KeyStatus, to licensor.KeyStatus, at time.Time) error {
	q, err := db.q()
	if err != nil {
		return err
	}
	// One statement: the update, and the key as the statement's snapshot
	// saw it, which explains a miss (keys are never deleted but with their
	// account).
	var (
		updated int64
		status  *string
	)
	err = q.QueryRow(ctx, `
		WITH u AS (
			UPDATE issuer_keys SET status = $2, updated_at = $3
			WHERE id = $1 AND status = ANY($4::text[])
			RETURNING 1)
		SELECT (SELECT count(*) FROM u), (SELECT status FROM issuer_keys WHERE id = $1)`,
		id, string(to), sqlutil.Truncate(at), keyStatuses(from)).Scan(&updated, &status)
	switch {
	case err != nil:
		return db.done(err)
	case updated == 1:
		return nil
	case status == nil:
		return licensor.NotFound("Issuer key", id)
	}
	return keyStatusConflict(id, licensor.KeyStatus(*status), from)
}

// keyStatusConflict is the ECONFLICT of a status update that found the key
// in a status not among from.
func keyStatusConflict(id string, status licensor.KeyStatus, from []licensor.KeyStatus) error {
	if len(from) == 0 {
		return licensor.Errorf(licensor.ECONFLICT, "Issuer key %s is %s.", id, status)
	}
	want := strings.Join(keyStatuses(from), " or ")
	if slices.Contains(from, status) {
		// The snapshot saw a status of from; a concurrent update that
		// committed after it moved the key away.
		return licensor.Errorf(licensor.ECONFLICT, "Issuer key %s is no longer %s.", id, want)
	}
	return licensor.Errorf(licensor.ECONFLICT, "Issuer key %s is %s, not %s.", id, status, want)
}

// keyStatuses returns statuses as strings, the parameter of a text[].
func keyStatuses(statuses []licensor.KeyStatus) []string {
	s := make([]string, len(statuses))
	for i, st := range statuses {
		s[i] = string(st)
	}
	return s
}

func scanIssuerKey(s pgx.Row) (*licensor.IssuerKey, error) {
	var (
		k                licensor.IssuerKey
		status           string
		created, updated time.Time
	)
	if err := s.Scan(&k.ID, &k.AccountID, &k.Algorithm, &k.URI, &k.PublicKey, &k.Sealed, &status,
		&created, &updated); err != nil {
		return nil, err
	}
	k.Status = licensor.KeyStatus(status)
	k.CreatedAt, k.UpdatedAt = created.UTC(), updated.UTC()
	return &k, nil
}
