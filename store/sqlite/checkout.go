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

// CreateCheckout inserts a checkout. ECONFLICT if the token exists;
// ENOTFOUND if the license does not.
func (db *DB) CreateCheckout(ctx context.Context, c *licensor.Checkout) error {
	ents, err := sqlutil.EncodeCheckoutEntitlements(c.Entitlements)
	if err != nil {
		return formatError(err)
	}
	return formatError(db.exec(ctx, `
		INSERT INTO checkouts (token, license_arn, license_version, issuer_account, account_id, beneficiary,
			node_id, type, entitlements, issued_at, expiration, status)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.Token, c.LicenseARN, c.LicenseVersion, c.IssuerAccount, c.AccountID, c.Beneficiary,
		c.NodeID, string(c.Type), ents, sqlutil.Micros(c.IssuedAt), sqlutil.Micros(c.Expiration), string(c.Status)))
}

const checkoutColumns = `token, license_arn, license_version, issuer_account, account_id, beneficiary,
	node_id, type, entitlements, issued_at, expiration, status`

func scanCheckout(s scanner) (*licensor.Checkout, error) {
	var (
		c                  licensor.Checkout
		typ, ents, status  string
		issued, expiration int64
	)
	if err := s.Scan(&c.Token, &c.LicenseARN, &c.LicenseVersion, &c.IssuerAccount, &c.AccountID, &c.Beneficiary,
		&c.NodeID, &typ, &ents, &issued, &expiration, &status); err != nil {
		return nil, err
	}
	var err error
	if c.Entitlements, err = sqlutil.DecodeCheckoutEntitlements(ents); err != nil {
		return nil, err
	}
	c.Type, c.Status = licensor.CheckoutType(typ), licensor.CheckoutStatus(status)
	c.IssuedAt, c.Expiration = sqlutil.Time(issued), sqlutil.Time(expiration)
	return &c, nil
}

// FindCheckoutByToken returns a checkout. ENOTFOUND.
func (db *DB) FindCheckoutByToken(ctx context.Context, token string) (*licensor.Checkout, error) {
	var c *licensor.Checkout
	err := db.read(ctx, func(q querier) error {
		var err error
		c, err = scanCheckout(q.QueryRowContext(ctx, `SELECT `+checkoutColumns+` FROM checkouts WHERE token = ?`, token))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, licensor.Errorf(licensor.ENOTFOUND, "Checkout %s not found.", token)
	}
	return c, formatError(err)
}

// UpdateCheckout sets status and expiration if the status is still from.
func (db *DB) UpdateCheckout(ctx context.Context, token string, from, to licensor.CheckoutStatus, expiration time.Time) error {
	// One writing statement (write1); the read after it only explains a miss.
	err := db.write1(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `UPDATE checkouts SET status = ?, expiration = ? WHERE token = ? AND status = ?`,
			string(to), sqlutil.Micros(expiration), token, string(from))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var status string
		err = q.QueryRowContext(ctx, `SELECT status FROM checkouts WHERE token = ?`, token).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return licensor.Errorf(licensor.ENOTFOUND, "Checkout %s not found.", token)
		}
		if err != nil {
			return err
		}
		return licensor.Errorf(licensor.ECONFLICT, "Checkout %s is %s, not %s.", token, status, from)
	})
	return formatError(err)
}

// CheckInCheckout marks an ACTIVE checkout CHECKED_IN and returns it, in
// one statement. ECONFLICT if it is no longer ACTIVE; ENOTFOUND.
func (db *DB) CheckInCheckout(ctx context.Context, token string) (*licensor.Checkout, error) {
	var c *licensor.Checkout
	err := db.write1(ctx, func(q querier) error {
		var err error
		c, err = scanCheckout(q.QueryRowContext(ctx, `UPDATE checkouts SET status = 'CHECKED_IN'
			WHERE token = ? AND status = 'ACTIVE' RETURNING `+checkoutColumns, token))
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var status string
		err = q.QueryRowContext(ctx, `SELECT status FROM checkouts WHERE token = ?`, token).Scan(&status)
		if errors.Is(err, sql.ErrNoRows) {
			return licensor.Errorf(licensor.ENOTFOUND, "Checkout %s not found.", token)
		}
		if err != nil {
			return err
		}
		return licensor.Errorf(licensor.ECONFLICT, "Checkout %s is %s, not ACTIVE.", token, status)
	})
	return c, formatError(err)
}

// FindExpiredCheckouts returns ACTIVE provisional checkouts expired at t.
func (db *DB) FindExpiredCheckouts(ctx context.Context, arn string, t time.Time, limit int) ([]*licensor.Checkout, error) {
	query := `SELECT ` + checkoutColumns + ` FROM checkouts
		WHERE status = 'ACTIVE' AND type <> 'PERPETUAL' AND expiration <= ?`
	args := []any{sqlutil.Micros(t)}
	if arn != "" {
		query += ` AND license_arn = ?`
		args = append(args, arn)
	}
	query += ` ORDER BY expiration LIMIT ?`
	args = append(args, sqlutil.Limit(limit))
	var out []*licensor.Checkout
	err := db.read(ctx, func(q querier) error {
		rows, err := q.QueryContext(ctx, query, args...)
		return each(rows, err, func(rows *sql.Rows) error {
			c, err := scanCheckout(rows)
			if err != nil {
				return err
			}
			out = append(out, c)
			return nil
		})
	})
	return out, formatError(err)
}

// CountActiveCheckouts counts the ACTIVE checkouts of a license.
func (db *DB) CountActiveCheckouts(ctx context.Context, arn string) (int, error) {
	var n int
	err := db.read(ctx, func(q querier) error {
		return q.QueryRowContext(ctx, `SELECT count(*) FROM checkouts WHERE license_arn = ? AND status = 'ACTIVE'`, arn).Scan(&n)
	})
	return n, formatError(err)
}

// Consume is one conditional UPDATE … RETURNING: the limit check and the
// write cannot be separated, on any number of connections or nodes. The
// limit applies to the total the write leaves, each part clamped at zero as
// written, so a negative delta cannot make room for a positive one.
func (db *DB) Consume(ctx context.Context, r licensor.ConsumeRequest) (licensor.Counter, bool, error) {
	c := licensor.Counter{CounterKey: r.CounterKey}
	var max any
	if r.Max != nil {
		max = *r.Max
	}
	err := db.write1(ctx, func(q querier) error {
		return q.QueryRowContext(ctx, `
			UPDATE counters SET floating = max(floating + ?1, 0), drawdown = max(drawdown + ?2, 0)
			WHERE license_arn = ?3 AND entitlement = ?4 AND period = ?5
			  AND (?6 IS NULL OR max(floating + ?1, 0) + max(drawdown + ?2, 0) <= ?6)
			RETURNING period, floating, drawdown`,
			r.Floating, r.Drawdown, r.LicenseARN, r.Entitlement, r.Period, max).Scan(&c.Period, &c.Floating, &c.Drawdown)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return c, false, nil
	}
	if err != nil {
		return c, false, formatError(err)
	}
	return c, true, nil
}

// Release subtracts floating units, never below zero.
func (db *DB) Release(ctx context.Context, k licensor.CounterKey, floating int64) error {
	return formatError(db.exec(ctx, `UPDATE counters SET floating = max(floating - ?, 0) WHERE license_arn = ? AND entitlement = ?`,
		floating, k.LicenseARN, k.Entitlement))
}

// FindCounters returns the counters of a license.
func (db *DB) FindCounters(ctx context.Context, arn string) ([]licensor.Counter, error) {
	var out []licensor.Counter
	err := db.read(ctx, func(q querier) error {
		rows, err := q.QueryContext(ctx, `SELECT entitlement, period, floating, drawdown FROM counters WHERE license_arn = ? ORDER BY entitlement`, arn)
		return each(rows, err, func(rows *sql.Rows) error {
			c := licensor.Counter{CounterKey: licensor.CounterKey{LicenseARN: arn}}
			if err := rows.Scan(&c.Entitlement, &c.Period, &c.Floating, &c.Drawdown); err != nil {
				return err
			}
			out = append(out, c)
			return nil
		})
	})
	return out, formatError(err)
}

// EnsureCounter creates a counter in period unless it exists. ENOTFOUND if
// the license does not exist.
func (db *DB) EnsureCounter(ctx context.Context, k licensor.CounterKey, period int64) error {
	return formatError(db.exec(ctx, `INSERT INTO counters (license_arn, entitlement, period) VALUES (?, ?, ?)
		ON CONFLICT (license_arn, entitlement) DO NOTHING`, k.LicenseARN, k.Entitlement, period))
}

// RenewCounter keeps the drawdown of the counter's period in the history
// and starts period with no drawdown; a counter already in period or later
// is left alone.
func (db *DB) RenewCounter(ctx context.Context, k licensor.CounterKey, period int64) error {
	err := db.write(ctx, func(q querier) error {
		if _, err := q.ExecContext(ctx, `
			INSERT INTO counter_periods (license_arn, entitlement, period, drawdown)
			SELECT license_arn, entitlement, period, drawdown FROM counters
			WHERE license_arn = ? AND entitlement = ? AND period < ?
			ON CONFLICT (license_arn, entitlement, period) DO UPDATE SET drawdown = excluded.drawdown`,
			k.LicenseARN, k.Entitlement, period); err != nil {
			return err
		}
		_, err := q.ExecContext(ctx, `UPDATE counters SET period = ?, drawdown = 0
			WHERE license_arn = ? AND entitlement = ? AND period < ?`, period, k.LicenseARN, k.Entitlement, period)
		return err
	})
	return formatError(err)
}

// CreateUsageRecords appends records, assigning Seq (inside a group
// commit's fast path, at its flush: see appends).
func (db *DB) CreateUsageRecords(ctx context.Context, rs []*licensor.UsageRecord) error {
	if len(rs) == 0 {
		return nil
	}
	if db.app != nil {
		db.app.usage = append(db.app.usage, rs...)
		return nil
	}
	// write, not write1: several chunks are several statements.
	return formatError(db.write(ctx, func(q querier) error { return insertUsageRecords(ctx, q, rs) }))
}

// FindUsageRecords pages through the ledger in Seq order.
func (db *DB) FindUsageRecords(ctx context.Context, f licensor.UsageFilter) ([]*licensor.UsageRecord, error) {
	where := []string{"seq > ?"}
	args := []any{f.After}
	for col, v := range map[string]string{"license_arn": f.LicenseARN, "issuer_account": f.IssuerAccount, "account_id": f.AccountID, "token": f.Token} {
		if v != "" {
			where = append(where, col+" = ?")
			args = append(args, v)
		}
	}
	args = append(args, sqlutil.Limit(f.Limit))
	var out []*licensor.UsageRecord
	err := db.read(ctx, func(q querier) error {
		if db.app != nil {
			if err := db.app.flush(ctx, q); err != nil {
				return err
			}
		}
		rows, err := q.QueryContext(ctx, `SELECT seq, time, kind, issuer_account, account_id, license_arn, beneficiary,
			node_id, token, checkout_type, entitlement, unit, quantity, overage, period FROM usage_records
			WHERE `+strings.Join(where, " AND ")+` ORDER BY seq LIMIT ?`, args...)
		return each(rows, err, func(rows *sql.Rows) error {
			var r licensor.UsageRecord
			var t int64
			var kind, typ, unit string
			if err := rows.Scan(&r.Seq, &t, &kind, &r.IssuerAccount, &r.AccountID, &r.LicenseARN, &r.Beneficiary,
				&r.NodeID, &r.Token, &typ, &r.Entitlement, &unit, &r.Quantity, &r.Overage, &r.Period); err != nil {
				return err
			}
			r.Time, r.Kind, r.CheckoutType, r.Unit = sqlutil.Time(t), licensor.UsageKind(kind), licensor.CheckoutType(typ), licensor.Unit(unit)
			out = append(out, &r)
			return nil
		})
	})
	return out, formatError(err)
}
