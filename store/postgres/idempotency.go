package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/internal/sqlutil"
)

// FindIdempotencyRecord returns the record of (account, operation, token).
// Returns ENOTFOUND if there is none.
func (db *DB) FindIdempotencyRecord(ctx context.Context, accountID, operation, clientToken string) (*licensor.IdempotencyRecord, error) {
	q, err := db.q()
	if err != nil {
		return nil, err
	}
	r := licensor.IdempotencyRecord{AccountID: accountID, Operation: operation, ClientToken: clientToken}
	var created time.Time
	err = q.QueryRow(ctx, `
		SELECT request_hash, response, created_at FROM idempotency
		WHERE account_id = $1 AND operation = $2 AND client_token = $3`,
		accountID, operation, clientToken).Scan(&r.RequestHash, &r.Response, &created)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, licensor.Errorf(licensor.ENOTFOUND, "No request with client token %s.", clientToken)
	}
	if err != nil {
		return nil, db.done(err)
	}
	r.CreatedAt = created.UTC()
	return &r, nil
}

// CreateIdempotencyRecord inserts a record. Returns ECONFLICT if one exists
// for the same account, operation and token.
//
// Inside WithTx, a conflict means that another transaction committed the
// record after this one looked for it (READ COMMITTED lets both look
// first; SERIALIZABLE would fail this one with 40001). WithTx then runs its
// function again, which now finds the record and replays the first answer,
// so a request retried on another node is still done once.
func (db *DB) CreateIdempotencyRecord(ctx context.Context, r *licensor.IdempotencyRecord) error {
	q, err := db.q()
	if err != nil {
		return err
	}
	tag, err := q.Exec(ctx, `
		INSERT INTO idempotency (account_id, operation, client_token, request_hash, response, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT DO NOTHING`,
		r.AccountID, r.Operation, r.ClientToken, nonNil(r.RequestHash), nonNil(r.Response),
		sqlutil.Truncate(r.CreatedAt))
	if err != nil {
		return db.done(err)
	}
	if tag.RowsAffected() == 0 {
		if db.tx != nil {
			db.tx.retry = true
		}
		return licensor.Errorf(licensor.ECONFLICT, "Client token %s was already used.", r.ClientToken)
	}
	return nil
}

// DeleteIdempotencyRecords removes the records created before t and
// returns how many there were.
func (db *DB) DeleteIdempotencyRecords(ctx context.Context, before time.Time) (int, error) {
	q, err := db.q()
	if err != nil {
		return 0, err
	}
	tag, err := q.Exec(ctx, `DELETE FROM idempotency WHERE created_at < $1`, sqlutil.Truncate(before))
	if err != nil {
		return 0, db.done(err)
	}
	return int(tag.RowsAffected()), nil
}
