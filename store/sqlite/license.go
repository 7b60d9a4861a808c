package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/internal/sqlutil"
)

// CreateLicense inserts a new license whose first version is l. Returns
// EINVALID unless l.Version is 1 and ECONFLICT if the ARN exists.
func (db *DB) CreateLicense(ctx context.Context, l *licensor.License) error {
	if l.Version != 1 {
		return licensor.Errorf(licensor.EINVALID, "The first version of license %s must be 1, not %d.", l.ARN, l.Version)
	}
	doc, err := sqlutil.EncodeLicense(l)
	if err != nil {
		return err
	}
	err = db.write(ctx, func(q querier) error {
		if _, err := q.ExecContext(ctx, `
			INSERT INTO licenses (arn, account_id, current_version, product_sku, fingerprint, beneficiary, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			l.ARN, l.AccountID, l.Version, l.ProductSKU, l.Issuer.KeyFingerprint, l.Beneficiary,
			string(l.Status), sqlutil.Micros(l.CreateTime)); err != nil {
			return err
		}
		return insertVersion(ctx, q, l, doc)
	})
	if err = formatError(err); licensor.ErrorCode(err) == licensor.ECONFLICT {
		return licensor.WrapError(licensor.ECONFLICT, err, "License "+l.ARN+" already exists.")
	}
	return err
}

// CreateLicenseVersion appends version l.Version to an existing license and
// makes it current, updating the columns that filters read. Returns
// ECONFLICT if that version exists and ENOTFOUND if the license does not.
func (db *DB) CreateLicenseVersion(ctx context.Context, l *licensor.License) error {
	doc, err := sqlutil.EncodeLicense(l)
	if err != nil {
		return err
	}
	err = db.write(ctx, func(q querier) error {
		// Check, insert, then update: a failing statement leaves nothing
		// behind, even inside a caller's transaction.
		var one int
		err := q.QueryRowContext(ctx, `SELECT 1 FROM licenses WHERE arn = ?`, l.ARN).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return licensor.NotFound("License", l.ARN)
		} else if err != nil {
			return err
		}
		if err := insertVersion(ctx, q, l, doc); err != nil {
			return err
		}
		_, err = q.ExecContext(ctx, `
			UPDATE licenses SET current_version = ?, product_sku = ?, fingerprint = ?, beneficiary = ?,
				status = coalesce(lifecycle_status, ?)
			WHERE arn = ?`,
			l.Version, l.ProductSKU, l.Issuer.KeyFingerprint, l.Beneficiary, string(l.Status), l.ARN)
		return err
	})
	if err = formatError(err); licensor.ErrorCode(err) == licensor.ECONFLICT {
		return licensor.WrapError(licensor.ECONFLICT, err,
			fmt.Sprintf("Version %d of license %s already exists.", l.Version, l.ARN))
	}
	return err
}

func insertVersion(ctx context.Context, q querier, l *licensor.License, doc []byte) error {
	_, err := q.ExecContext(ctx,
		`INSERT INTO license_versions (arn, version, status, created_at, doc) VALUES (?, ?, ?, ?, ?)`,
		l.ARN, l.Version, string(l.Status), sqlutil.Micros(l.CreateTime), string(doc))
	return err
}

// licenseSelect reads a license version joined with its license, in the
// column order scanLicense expects.
const licenseSelect = `
	SELECT l.seq, l.arn, l.account_id, l.lifecycle_status, l.deletion_date,
		v.version, v.status, v.created_at, v.doc
	FROM licenses l JOIN license_versions v ON v.arn = l.arn`

// FindLicenseByARN returns the current version of a license with the
// license's lifecycle overlaid: Status is the lifecycle status when one is
// set, and DeletionDate is set when the license is deleted. Returns
// ENOTFOUND if there is no such license.
func (db *DB) FindLicenseByARN(ctx context.Context, arn string) (*licensor.License, error) {
	var l *licensor.License
	err := db.read(ctx, func(q querier) error {
		var err error
		_, l, err = scanLicense(q.QueryRowContext(ctx,
			licenseSelect+` AND v.version = l.current_version WHERE l.arn = ?`, arn), true)
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, licensor.NotFound("License", arn)
	}
	return l, formatError(err)
}

// FindLicenseHead returns the current version and effective status.
func (db *DB) FindLicenseHead(ctx context.Context, arn string) (int, licensor.LicenseStatus, error) {
	var version int
	var status string
	err := db.read(ctx, func(q querier) error {
		return q.QueryRowContext(ctx, `SELECT current_version, status FROM licenses WHERE arn = ?`, arn).Scan(&version, &status)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", licensor.NotFound("License", arn)
	}
	return version, licensor.LicenseStatus(status), formatError(err)
}

// FindLicenseVersion returns one version as it was written, its own Status
// included, with DeletionDate set if the license is deleted. Returns
// ENOTFOUND if the license or the version does not exist.
func (db *DB) FindLicenseVersion(ctx context.Context, arn string, version int) (*licensor.License, error) {
	var l *licensor.License
	err := db.read(ctx, func(q querier) error {
		var err error
		_, l, err = scanLicense(q.QueryRowContext(ctx,
			licenseSelect+` WHERE v.arn = ? AND v.version = ?`, arn, version), false)
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, licensor.Errorf(licensor.ENOTFOUND,
			"License %s with version %d does not exist or is not accessible to the caller.", arn, version)
	}
	return l, formatError(err)
}

// FindLicenses pages through the current versions (with lifecycle overlay)
// of f.AccountID's licenses in creation order. Each non-empty slice of f
// matches any of its values, and the slices combine with AND; Status
// matches the effective status. Returns the next cursor or "", and EINVALID
// when f.AccountID is empty or the cursor is malformed.
func (db *DB) FindLicenses(ctx context.Context, f licensor.LicenseFilter) ([]*licensor.License, string, error) {
	if f.AccountID == "" {
		return nil, "", licensor.Errorf(licensor.EINVALID, "Listing licenses needs an account.")
	}
	after, err := sqlutil.ParseCursor(f.After)
	if err != nil {
		return nil, "", err
	}
	limit := sqlutil.Limit(f.Limit)
	query := licenseSelect + ` AND v.version = l.current_version WHERE l.account_id = ? AND l.seq > ?`
	args := []any{f.AccountID, after}
	in := func(column string, values []string) {
		if len(values) == 0 {
			return
		}
		query += ` AND ` + column + ` IN (` + placeholders(len(values)) + `)`
		for _, v := range values {
			args = append(args, v)
		}
	}
	in("l.arn", f.ARNs)
	in("l.beneficiary", f.Beneficiary)
	in("l.product_sku", f.ProductSKU)
	in("l.fingerprint", f.Fingerprint)
	statuses := make([]string, len(f.Status))
	for i, s := range f.Status {
		statuses[i] = string(s)
	}
	in("l.status", statuses)
	query += ` ORDER BY l.seq LIMIT ?`
	args = append(args, limit+1)

	var (
		licenses []*licensor.License
		seqs     []int64
	)
	err = db.read(ctx, func(q querier) error {
		rows, err := q.QueryContext(ctx, query, args...)
		return each(rows, err, func(rows *sql.Rows) error {
			seq, l, err := scanLicense(rows, true)
			if err != nil {
				return err
			}
			licenses, seqs = append(licenses, l), append(seqs, seq)
			return nil
		})
	})
	if err != nil {
		return nil, "", formatError(err)
	}
	licenses, next := page(licenses, seqs, limit)
	return licenses, next, nil
}

// FindLicenseVersions pages through the versions of a license, oldest
// first, each as FindLicenseVersion returns it. Returns ENOTFOUND if the
// license does not exist and EINVALID for a malformed cursor.
func (db *DB) FindLicenseVersions(ctx context.Context, arn string, p licensor.Page) ([]*licensor.License, string, error) {
	after, err := sqlutil.ParseCursor(p.After)
	if err != nil {
		return nil, "", err
	}
	limit := sqlutil.Limit(p.Limit)
	var (
		versions []*licensor.License
		seqs     []int64
	)
	err = db.readTx(ctx, func(q querier) error {
		rows, err := q.QueryContext(ctx,
			licenseSelect+` WHERE v.arn = ? AND v.version > ? ORDER BY v.version LIMIT ?`,
			arn, after, limit+1)
		if err := each(rows, err, func(rows *sql.Rows) error {
			_, l, err := scanLicense(rows, false)
			if err != nil {
				return err
			}
			versions, seqs = append(versions, l), append(seqs, int64(l.Version))
			return nil
		}); err != nil {
			return err
		}
		if len(versions) > 0 {
			return nil
		}
		// No rows: past the last page, or no such license.
		var one int
		err = q.QueryRowContext(ctx, `SELECT 1 FROM licenses WHERE arn = ?`, arn).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return licensor.NotFound("License", arn)
		}
		return err
	})
	if err != nil {
		return nil, "", formatError(err)
	}
	versions, next := page(versions, seqs, limit)
	return versions, next, nil
}

// SetLicenseLifecycle sets the lifecycle status of a license (PENDING_DELETE
// or DELETED) and its deletion date without writing a version. Returns
// ENOTFOUND if there is no such license.
func (db *DB) SetLicenseLifecycle(ctx context.Context, arn string, status licensor.LicenseStatus, deletionDate time.Time) error {
	return db.execOne(ctx, licensor.NotFound("License", arn),
		`UPDATE licenses SET lifecycle_status = ?, status = ?, deletion_date = ? WHERE arn = ?`,
		string(status), string(status), sqlutil.Micros(deletionDate), arn)
}

// FindLicenseARNsByStatus returns up to limit ARNs (DefaultLimit when limit
// is not positive) of licenses in the lifecycle status whose deletion date
// is before deletedBefore, earliest deletion first.
func (db *DB) FindLicenseARNsByStatus(ctx context.Context, status licensor.LicenseStatus, deletedBefore time.Time, limit int) ([]string, error) {
	var arns []string
	err := db.read(ctx, func(q querier) error {
		rows, err := q.QueryContext(ctx, `
			SELECT arn FROM licenses
			WHERE lifecycle_status = ? AND deletion_date < ?
			ORDER BY deletion_date, seq LIMIT ?`,
			string(status), sqlutil.Micros(deletedBefore), sqlutil.Limit(limit))
		return each(rows, err, func(rows *sql.Rows) error {
			var arn string
			if err := rows.Scan(&arn); err != nil {
				return err
			}
			arns = append(arns, arn)
			return nil
		})
	})
	return arns, formatError(err)
}

// PurgeLicense removes a license, every version of it, its counters,
// checkouts and grants (with every grant version). The usage ledger is
// kept: it is the audit trail. Returns ENOTFOUND if there is no such
// license.
func (db *DB) PurgeLicense(ctx context.Context, arn string) error {
	err := db.write(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `DELETE FROM licenses WHERE arn = ?`, arn)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return licensor.NotFound("License", arn)
		}
		// Explicit as well as through ON DELETE CASCADE, so the purge is
		// complete even on a connection without foreign_keys.
		// Grant versions go before the grants that find them.
		for _, query := range []string{
			`DELETE FROM license_versions WHERE arn = ?`,
			`DELETE FROM counters WHERE license_arn = ?`,
			`DELETE FROM counter_periods WHERE license_arn = ?`,
			`DELETE FROM checkouts WHERE license_arn = ?`,
			`DELETE FROM grant_versions WHERE arn IN (SELECT arn FROM grants WHERE license_arn = ?)`,
			`DELETE FROM grants WHERE license_arn = ?`,
		} {
			if _, err := q.ExecContext(ctx, query, arn); err != nil {
				return err
			}
		}
		return nil
	})
	return formatError(err)
}

// scanLicense reads a row of licenseSelect. With overlay, Status is the
// lifecycle status when the license has one (the current-version view);
// without, it is the version's own.
func scanLicense(s scanner, overlay bool) (int64, *licensor.License, error) {
	var (
		seq, created int64
		lifecycle    sql.NullString
		deletion     sql.NullInt64
		status, doc  string
		l            licensor.License
	)
	if err := s.Scan(&seq, &l.ARN, &l.AccountID, &lifecycle, &deletion,
		&l.Version, &status, &created, &doc); err != nil {
		return 0, nil, err
	}
	if err := sqlutil.DecodeLicense([]byte(doc), &l); err != nil {
		return 0, nil, err
	}
	l.Status = licensor.LicenseStatus(status)
	if overlay && lifecycle.Valid {
		l.Status = licensor.LicenseStatus(lifecycle.String)
	}
	l.CreateTime = sqlutil.Time(created)
	l.DeletionDate = sqlutil.TimePtr(deletion.Int64, deletion.Valid)
	return seq, &l, nil
}
