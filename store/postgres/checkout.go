package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

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
	q, err := db.q()
	if err != nil {
		return err
	}
	// The license row is locked as the foreign key check would lock it, so
	// a license purged meanwhile reads as missing instead of failing the
	// statement (and the caller's transaction).
	var licenses, inserted int64
	err = q.QueryRow(ctx, `
		WITH l AS (
			SELECT arn FROM licenses WHERE arn = $2 FOR KEY SHARE),
		c AS (
			INSERT INTO checkouts (token, license_arn, license_version, issuer_account, account_id, beneficiary,
				node_id, type, entitlements, issued_at, expiration, status)
			SELECT $1::text, arn, $3::integer, $4::text, $5::text, $6::text,
				$7::text, $8::text, $9::text, $10::timestamptz, $11::timestamptz, $12::text
			FROM l
			ON CONFLICT DO NOTHING
			RETURNING 1)
		SELECT (SELECT count(*) FROM l), (SELECT count(*) FROM c)`,
		c.Token, c.LicenseARN, c.LicenseVersion, c.IssuerAccount, c.AccountID, c.Beneficiary,
		c.NodeID, string(c.Type), ents, sqlutil.Truncate(c.IssuedAt), sqlutil.Truncate(c.Expiration),
		string(c.Status)).Scan(&licenses, &inserted)
	switch {
	case err != nil:
		return db.done(err)
	case licenses == 0:
		return licensor.NotFound("License", c.LicenseARN)
	case inserted == 0:
		return licensor.Errorf(licensor.ECONFLICT, "Checkout %s already exists.", c.Token)
	}
	return nil
}

const checkoutColumns = `token, license_arn, license_version, issuer_account, account_id, beneficiary,
	node_id, type, entitlements, issued_at, expiration, status`

func scanCheckout(s pgx.Row) (*licensor.Checkout, error) {
	var (
		c                  licensor.Checkout
		typ, ents, status  string
		issued, expiration time.Time
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
	c.IssuedAt, c.Expiration = issued.UTC(), expiration.UTC()
	return &c, nil
}

// FindCheckoutByToken returns a checkout. ENOTFOUND.
func (db *DB) FindCheckoutByToken(ctx context.Context, token string) (*licensor.Checkout, error) {
	q, err := db.q()
	if err != nil {
		return nil, err
	}
	c, err := scanCheckout(q.QueryRow(ctx, `SELECT `+checkoutColumns+` FROM checkouts WHERE token = $1`, token))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, licensor.Errorf(licensor.ENOTFOUND, "Checkout %s not found.", token)
	}
	return c, db.done(err)
}

// UpdateCheckout sets status and expiration if the status is still from:
// one conditional UPDATE, re-checked against the latest committed row, so
// of two nodes expiring the same checkout only one succeeds. ECONFLICT
// when the status is no longer from; ENOTFOUND.
func (db *DB) UpdateCheckout(ctx context.Context, token string, from, to licensor.CheckoutStatus, expiration time.Time) error {
	q, err := db.q()
	if err != nil {
		return err
	}
	tag, err := q.Exec(ctx, `UPDATE checkouts SET status = $1, expiration = $2 WHERE token = $3 AND status = $4`,
		string(to), sqlutil.Truncate(expiration), token, string(from))
	if err != nil {
		return db.done(err)
	}
	if tag.RowsAffected() == 1 {
		return nil
	}
	// Only explains the miss.
	return db.checkoutMiss(ctx, q, token, from)
}

// checkoutMiss explains why a conditional write of a checkout touched no
// row: ENOTFOUND, or ECONFLICT naming its status.
func (db *DB) checkoutMiss(ctx context.Context, q querier, token string, from licensor.CheckoutStatus) error {
	var status string
	err := q.QueryRow(ctx, `SELECT status FROM checkouts WHERE token = $1`, token).Scan(&status)
	if errors.Is(err, pgx.ErrNoRows) {
		return licensor.Errorf(licensor.ENOTFOUND, "Checkout %s not found.", token)
	}
	if err != nil {
		return db.done(err)
	}
	return licensor.Errorf(licensor.ECONFLICT, "Checkout %s is %s, not %s.", token, status, from)
}

// CheckInCheckout marks an ACTIVE checkout CHECKED_IN and returns it, in
// one statement. ECONFLICT if it is no longer ACTIVE; ENOTFOUND.
func (db *DB) CheckInCheckout(ctx context.Context, token string) (*licensor.Checkout, error) {
	q, err := db.q()
	if err != nil {
		return nil, err
	}
	c, err := scanCheckout(q.QueryRow(ctx, `UPDATE checkouts SET status = 'CHECKED_IN'
		WHERE token = $1 AND status = 'ACTIVE' RETURNING `+checkoutColumns, token))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, db.checkoutMiss(ctx, q, token, licensor.CheckoutActive)
	}
	if err != nil {
		return nil, db.done(err)
	}
	return c, nil
}

// FindExpiredCheckouts returns ACTIVE provisional checkouts expired at t,
// earliest expiration first.
func (db *DB) FindExpiredCheckouts(ctx context.Context, arn string, t time.Time, limit int) ([]*licensor.Checkout, error) {
	var p params
	query := `SELECT ` + checkoutColumns + ` FROM checkouts
		WHERE status = 'ACTIVE' AND type <> 'PERPETUAL' AND expiration <= ` + p.add(sqlutil.Truncate(t))
	if arn != "" {
		query += ` AND license_arn = ` + p.add(arn)
	}
	query += ` ORDER BY expiration, token LIMIT ` + p.add(sqlutil.Limit(limit))
	q, err := db.q()
	if err != nil {
		return nil, err
	}
	var out []*licensor.Checkout
	err = func() error {
		rows, err := q.Query(ctx, query, p...)
		return each(rows, err, func(rows pgx.Rows) error {
			c, err := scanCheckout(rows)
			if err != nil {
				return err
			}
			out = append(out, c)
			return nil
		})
	}()
	if err != nil {
		return nil, db.done(err)
	}
	return out, nil
}

// CountActiveCheckouts counts the ACTIVE checkouts of a license.
func (db *DB) CountActiveCheckouts(ctx context.Context, arn string) (int, error) {
	q, err := db.q()
	if err != nil {
		return 0, err
	}
	var n int
	err = q.QueryRow(ctx, `SELECT count(*) FROM checkouts WHERE license_arn = $1 AND status = 'ACTIVE'`, arn).Scan(&n)
	if err != nil {
		return 0, db.done(err)
	}
	return n, nil
}

// Consume is one conditional UPDATE … RETURNING. At READ COMMITTED,
// PostgreSQL waits for a concurrent writer of the row and then evaluates
// the whole WHERE clause, limit included, against the row that writer
// committed: the check and the write cannot be separated, on any number of
// connections or nodes. The limit applies to the total the write leaves,
// each part clamped at zero as written, so a negative delta cannot make
// room for a positive one.
func (db *DB) Consume(ctx context.Context, r licensor.ConsumeRequest) (licensor.Counter, bool, error) {
	c := licensor.Counter{CounterKey: r.CounterKey}
	q, err := db.q()
	if err != nil {
		return c, false, err
	}
	err = q.QueryRow(ctx, `
		UPDATE counters SET floating = greatest(floating + $1, 0), drawdown = greatest(drawdown + $2, 0)
		WHERE license_arn = $3 AND entitlement = $4 AND period = $5
		  AND ($6::bigint IS NULL OR greatest(floating + $1, 0) + greatest(drawdown + $2, 0) <= $6::bigint)
		RETURNING period, floating, drawdown`,
		r.Floating, r.Drawdown, r.LicenseARN, r.Entitlement, r.Period, r.Max).Scan(&c.Period, &c.Floating, &c.Drawdown)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, false, nil
	}
	if err != nil {
		return c, false, db.done(err)
	}
	return c, true, nil
}

// Release subtracts floating units, never below zero.
func (db *DB) Release(ctx context.Context, k licensor.CounterKey, floating int64) error {
	q, err := db.q()
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, `UPDATE counters SET floating = greatest(floating - $1, 0) WHERE license_arn = $2 AND entitlement = $3`,
		floating, k.LicenseARN, k.Entitlement)
	return db.done(err)
}

// FindCounters returns the counters of a license in byte order of the
// entitlement name.
func (db *DB) FindCounters(ctx context.Context, arn string) ([]licensor.Counter, error) {
	q, err := db.q()
	if err != nil {
		return nil, err
	}
	var out []licensor.Counter
	err = func() error {
		rows, err := q.Query(ctx, `SELECT entitlement, period, floating, drawdown FROM counters WHERE license_arn = $1 ORDER BY entitlement`, arn)
		return each(rows, err, func(rows pgx.Rows) error {
			c := licensor.Counter{CounterKey: licensor.CounterKey{LicenseARN: arn}}
			if err := rows.Scan(&c.Entitlement, &c.Period, &c.Floating, &c.Drawdown); err != nil {
				return err
			}
			out = append(out, c)
			return nil
		})
	}()
	if err != nil {
		return nil, db.done(err)
	}
	return out, nil
}

// EnsureCounter creates a counter in period unless it exists. ENOTFOUND if
// the license does not exist.
func (db *DB) EnsureCounter(ctx context.Context, k licensor.CounterKey, period int64) error {
	q, err := db.q()
	if err != nil {
		return err
	}
	var licenses int64
	err = q.QueryRow(ctx, `
		WITH l AS (
			SELECT arn FROM licenses WHERE arn = $1 FOR KEY SHARE),
		c AS (
			INSERT INTO counters (license_arn, entitlement, period)
			SELECT arn, $2::text, $3::bigint FROM l
			ON CONFLICT (license_arn, entitlement) DO NOTHING)
		SELECT count(*) FROM l`,
		k.LicenseARN, k.Entitlement, period).Scan(&licenses)
	if err != nil {
		return db.done(err)
	}
	if licenses == 0 {
		return licensor.NotFound("License", k.LicenseARN)
	}
	return nil
}

// RenewCounter keeps the drawdown of the counter's period in the history
// and starts period with no drawdown; a counter already in period or later
// is left alone. One statement: the counter row is locked and read (the
// latest committed version), moved, and its old period recorded, so two
// nodes renewing at once record it once.
func (db *DB) RenewCounter(ctx context.Context, k licensor.CounterKey, period int64) error {
	q, err := db.q()
	if err != nil {
		return err
	}
	_, err = q.Exec(ctx, `
		WITH old AS (
			SELECT license_arn, entitlement, period, drawdown FROM counters
			WHERE license_arn = $1 AND entitlement = $2 AND period < $3
			FOR UPDATE),
		renewed AS (
			UPDATE counters c SET period = $3, drawdown = 0
			FROM old WHERE c.license_arn = old.license_arn AND c.entitlement = old.entitlement
			RETURNING old.license_arn, old.entitlement, old.period, old.drawdown)
		INSERT INTO counter_periods (license_arn, entitlement, period, drawdown)
		SELECT license_arn, entitlement, period, drawdown FROM renewed
		ON CONFLICT (license_arn, entitlement, period) DO UPDATE SET drawdown = excluded.drawdown`,
		k.LicenseARN, k.Entitlement, period)
	return db.done(err)
}

const usageInsert = `INSERT INTO usage_records (time, kind, issuer_account, account_id, license_arn, beneficiary,
	node_id, token, checkout_type, entitlement, unit, quantity, overage, period)
	VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
	RETURNING seq`

// CreateUsageRecords appends records, assigning Seq in the order of rs.
// Each record is its own INSERT … RETURNING seq, because PostgreSQL
// promises no order for the rows a multi-row INSERT returns; the
// statements go as one pipelined batch (one round trip), which outside a
// transaction is also one implicit transaction: all records or none.
func (db *DB) CreateUsageRecords(ctx context.Context, rs []*licensor.UsageRecord) error {
	if len(rs) == 0 {
		return nil
	}
	q, err := db.q()
	if err != nil {
		return err
	}
	seqs := make([]int64, len(rs))
	b := &pgx.Batch{}
	for i, r := range rs {
		b.Queue(usageInsert, sqlutil.Truncate(r.Time), string(r.Kind), r.IssuerAccount, r.AccountID, r.LicenseARN,
			r.Beneficiary, r.NodeID, r.Token, string(r.CheckoutType), r.Entitlement, string(r.Unit),
			r.Quantity, r.Overage, r.Period).QueryRow(func(row pgx.Row) error {
			return row.Scan(&seqs[i])
		})
	}
	if err := q.SendBatch(ctx, b).Close(); err != nil {
		return db.done(err)
	}
	for i, r := range rs {
		r.Seq = seqs[i]
	}
	return nil
}

// FindUsageRecords pages through the ledger in Seq order.
func (db *DB) FindUsageRecords(ctx context.Context, f licensor.UsageFilter) ([]*licensor.UsageRecord, error) {
	var p params
	conds := []string{"seq > " + p.add(f.After)}
	for _, c := range []struct{ column, value string }{
		{"license_arn", f.LicenseARN}, {"issuer_account", f.IssuerAccount}, {"account_id", f.AccountID}, {"token", f.Token},
	} {
		if c.value != "" {
			conds = append(conds, c.column+" = "+p.add(c.value))
		}
	}
	query := `SELECT seq, time, kind, issuer_account, account_id, license_arn, beneficiary,
		node_id, token, checkout_type, entitlement, unit, quantity, overage, period FROM usage_records
		WHERE ` + where(conds) + ` ORDER BY seq LIMIT ` + p.add(sqlutil.Limit(f.Limit))
	q, err := db.q()
	if err != nil {
		return nil, err
	}
	var out []*licensor.UsageRecord
	err = func() error {
		rows, err := q.Query(ctx, query, p...)
		return each(rows, err, func(rows pgx.Rows) error {
			var r licensor.UsageRecord
			var t time.Time
			var kind, typ, unit string
			if err := rows.Scan(&r.Seq, &t, &kind, &r.IssuerAccount, &r.AccountID, &r.LicenseARN, &r.Beneficiary,
				&r.NodeID, &r.Token, &typ, &r.Entitlement, &unit, &r.Quantity, &r.Overage, &r.Period); err != nil {
				return err
			}
			r.Time, r.Kind, r.CheckoutType, r.Unit = t.UTC(), licensor.UsageKind(kind), licensor.CheckoutType(typ), licensor.Unit(unit)
			out = append(out, &r)
			return nil
		})
	}()
	if err != nil {
		return nil, db.done(err)
	}
	return out, nil
}
