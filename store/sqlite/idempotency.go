package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/internal/sqlutil"
)

// FindIdempotencyRecord returns the record of (account, operation, token).
// Returns ENOTFOUND if there is none.
func (db *DB) FindIdempotencyRecord(ctx context.Context, accountID, operation, clientToken string) (*licensor.IdempotencyRecord, error) {
	if db.app != nil {
		if r, ok := db.app.findIdempotency(idemKey{accountID, operation, clientToken}); ok {
			cp := *r
			return &cp, nil
		}
	}
	r := licensor.IdempotencyRecord{AccountID: accountID, Operation: operation, ClientToken: clientToken}
	err := db.read(ctx, func(q querier) error {
		var created int64
		err := q.QueryRowContext(ctx, `
			SELECT request_hash, response, created_at FROM idempotency
			WHERE account_id = ? AND operation = ? AND client_token = ?`,
			accountID, operation, clientToken).Scan(&r.RequestHash, &r.Response, &created)
		r.CreatedAt = sqlutil.Time(created)
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, licensor.Errorf(licensor.ENOTFOUND, "No request with client token %s.", clientToken)
	}
	if err != nil {
		return nil, formatError(err)
	}
	return &r, nil
}

// CreateIdempotencyRecord inserts a record. Returns ECONFLICT if one exists
// for the same account, operation and token.
func (db *DB) CreateIdempotencyRecord(ctx context.Context, r *licensor.IdempotencyRecord) error {
	if db.app != nil {
		return db.app.addIdempotency(r)
	}
	err := db.write1(ctx, func(q querier) error {
		_, err := q.ExecContext(ctx, `
			INSERT INTO idempotency (account_id, operation, client_token, request_hash, response, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`,
			r.AccountID, r.Operation, r.ClientToken, nonNil(r.RequestHash), nonNil(r.Response),
			sqlutil.Micros(r.CreatedAt))
		return err
	})
	if err = formatError(err); licensor.ErrorCode(err) == licensor.ECONFLICT {
		return licensor.WrapError(licensor.ECONFLICT, err, "Client token "+r.ClientToken+" was already used.")
	}
	return err
}

// DeleteIdempotencyRecords removes the records created before t and
// returns how many there were.
func (db *DB) DeleteIdempotencyRecords(ctx context.Context, before time.Time) (int, error) {
	var n int64
	if db.app != nil { // outside write's savepoint: see appends.flush
		if err := db.app.flush(ctx, db.txq()); err != nil {
			return 0, formatError(err)
		}
	}
	err := db.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `DELETE FROM idempotency WHERE created_at < ?`, sqlutil.Micros(before))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), formatError(err)
}
