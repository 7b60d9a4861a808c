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
	q, err := db.q()
	if err != nil {
		return err
	}
	// One statement: the license row and its first version, or neither.
	tag, err := q.Exec(ctx, `
		WITH l AS (
			INSERT INTO licenses (arn, account_id, current_version, product_sku, fingerprint, beneficiary, status, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
			ON CONFLICT DO NOTHING
			RETURNING arn, current_version, status, created_at)
		INSERT INTO license_versions (arn, version, status, created_at, doc)
		SELECT arn, current_version, status, created_at, $9::text FROM l`,
		l.ARN, l.AccountID, l.Version, l.ProductSKU, l.Issuer.KeyFingerprint, l.Beneficiary,
		string(l.Status), sqlutil.Truncate(l.CreateTime), string(doc))
	if err != nil {
		return db.done(err)
	}
	if tag.RowsAffected() == 0 {
		return licensor.Errorf(licensor.ECONFLICT, "License %s already exists.", l.ARN)
	}
	return nil
}

// CreateLicenseVersion appends version l.Version to an existing license and
// makes it current, updating the columns that filters read. Returns
// ECONFLICT if that version exists and ENOTFOUND if the license does not.
func (db *DB) CreateLicenseVersion(ctx context.Context, l *licensor.License) error {
	doc, err := sqlutil.EncodeLicense(l)
	if err != nil {
		return err
	}
	q, err := db.q()
	if err != nil {
		return err
	}
	// One statement: the version is inserted unless it exists (a
	// concurrent writer that got there first makes this one wait for its
	// commit, then do nothing), and the license moves to it only if it was.
	var found, updated int64
	err = q.QueryRow(ctx, `
		WITH cur AS (
			SELECT arn FROM licenses WHERE arn = $1 FOR KEY SHARE),
		v AS (
			INSERT INTO license_versions (arn, version, status, created_at, doc)
			SELECT arn, $2::integer, $3::text, $4::timestamptz, $5::text FROM cur
			ON CONFLICT DO NOTHING
			RETURNING arn),
		u AS (
			UPDATE licenses SET current_version = $2, product_sku = $6, fingerprint = $7, beneficiary = $8,
				status = coalesce(lifecycle_status, $3)
			FROM v WHERE licenses.arn = v.arn
			RETURNING 1)
		SELECT (SELECT count(*) FROM cur), (SELECT count(*) FROM u)`,
		l.ARN, l.Version, string(l.Status), sqlutil.Truncate(l.CreateTime), string(doc),
		l.ProductSKU, l.Issuer.KeyFingerprint, l.Beneficiary).Scan(&found, &updated)
	switch {
	case err != nil:
		return db.done(err)
	case found == 0:
		return licensor.NotFound("License", l.ARN)
	case updated == 0:
		return licensor.Errorf(licensor.ECONFLICT, "Version %d of license %s already exists.", l.Version, l.ARN)
	}
	return nil
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
	q, err := db.q()
	if err != nil {
		return nil, err
	}
	_, l, err := scanLicense(q.QueryRow(ctx,
		licenseSelect+` AND v.version = l.current_version WHERE l.arn = $1`, arn), true)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, licensor.NotFound("License", arn)
	}
	return l, db.done(err)
}

// FindLicenseHead returns the current version and effective status.
// Returns ENOTFOUND if there is no such license.
func (db *DB) FindLicenseHead(ctx context.Context, arn string) (int, licensor.LicenseStatus, error) {
	q, err := db.q()
	if err != nil {
		return 0, "", err
	}
	var version int
	var status string
	err = q.QueryRow(ctx, `SELECT current_version, status FROM licenses WHERE arn = $1`, arn).Scan(&version, &status)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, "", licensor.NotFound("License", arn)
	}
	if err != nil {
		return 0, "", db.done(err)
	}
	return version, licensor.LicenseStatus(status), nil
}

// FindLicenseVersion returns one version as it was written, its own Status
// included, with DeletionDate set if the license is deleted. Returns
// ENOTFOUND if the license or the version does not exist.
func (db *DB) FindLicenseVersion(ctx context.Context, arn string, version int) (*licensor.License, error) {
	q, err := db.q()
	if err != nil {
		return nil, err
	}
	_, l, err := scanLicense(q.QueryRow(ctx,
		licenseSelect+` WHERE v.arn = $1 AND v.version = $2`, arn, version), false)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, licensor.Errorf(licensor.ENOTFOUND,
			"License %s with version %d does not exist or is not accessible to the caller.", arn, version)
	}
	return l, db.done(err)
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
	var p params
	var sb strings.Builder
	sb.WriteString(licenseSelect)
	sb.WriteString(` AND v.version = l.current_version WHERE l.account_id = ` + p.add(f.AccountID) + ` AND l.seq > ` + p.add(after))
	// = ANY of one array parameter: one statement shape per combination of
	// filters, whatever the number of values.
	in := func(column string, values []string) {
		if len(values) > 0 {
			sb.WriteString(` AND ` + column + ` = ANY(` + p.add(values) + `::text[])`)
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
	sb.WriteString(` ORDER BY l.seq LIMIT ` + p.add(limit+1))

	q, err := db.q()
	if err != nil {
		return nil, "", err
	}
	var (
		licenses []*licensor.License
		seqs     []int64
	)
	err = func() error {
		rows, err := q.Query(ctx, sb.String(), p...)
		return each(rows, err, func(rows pgx.Rows) error {
			seq, l, err := scanLicense(rows, true)
			if err != nil {
				return err
			}
			licenses, seqs = append(licenses, l), append(seqs, seq)
			return nil
		})
	}()
	if err != nil {
		return nil, "", db.done(err)
	}
	licenses, next := page(licenses, seqs, limit)
	return licenses, next, nil
}

// FindLicenseVersions pages through the versions of a license, oldest
// first, each as FindLicenseVersion returns it. Returns ENOTFOUND if the
// license does not exist and EINVALID for a malformed cursor.
func (db *DB) FindLicenseVersions(ctx context.Context, arn string, pg licensor.Page) ([]*licensor.License, string, error) {
	after, err := sqlutil.ParseCursor(pg.After)
	if err != nil {
		return nil, "", err
	}
	limit := sqlutil.Limit(pg.Limit)
	var (
		versions []*licensor.License
		seqs     []int64
	)
	err = db.readTx(ctx, func(q querier) error {
		rows, err := q.Query(ctx,
			licenseSelect+` WHERE v.arn = $1 AND v.version > $2 ORDER BY v.version LIMIT $3`,
			arn, after, limit+1)
		if err := each(rows, err, func(rows pgx.Rows) error {
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
		err = q.QueryRow(ctx, `SELECT 1 FROM licenses WHERE arn = $1`, arn).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			return licensor.NotFound("License", arn)
		}
		return err
	})
	if err != nil {
		return nil, "", db.done(err)
	}
	versions, next := page(versions, seqs, limit)
	return versions, next, nil
}

// SetLicenseLifecycle sets the lifecycle status of a license (PENDING_DELETE
// or DELETED) and its deletion date without writing a version. Returns
// ENOTFOUND if there is no such license.
func (db *DB) SetLicenseLifecycle(ctx context.Context, arn string, status licensor.LicenseStatus, deletionDate time.Time) error {
	return db.execOne(ctx, licensor.NotFound("License", arn),
		`UPDATE licenses SET lifecycle_status = $1, status = $1, deletion_date = $2 WHERE arn = $3`,
		string(status), sqlutil.Truncate(deletionDate), arn)
}

// FindLicenseARNsByStatus returns up to limit ARNs (DefaultLimit when limit
// is not positive) of licenses in the lifecycle status whose deletion date
// is before deletedBefore, earliest deletion first.
func (db *DB) FindLicenseARNsByStatus(ctx context.Context, status licensor.LicenseStatus, deletedBefore time.Time, limit int) ([]string, error) {
	q, err := db.q()
	if err != nil {
		return nil, err
	}
	var arns []string
	err = func() error {
		rows, err := q.Query(ctx, `
			SELECT arn FROM licenses
			WHERE lifecycle_status = $1 AND deletion_date < $2
			ORDER BY deletion_date, seq LIMIT $3`,
			string(status), sqlutil.Truncate(deletedBefore), sqlutil.Limit(limit))
		return each(rows, err, func(rows pgx.Rows) error {
			var arn string
			if err := rows.Scan(&arn); err != nil {
				return err
			}
			arns = append(arns, arn)
			return nil
		})
	}()
	if err != nil {
		return nil, db.done(err)
	}
	return arns, nil
}

// PurgeLicense removes a license and, through ON DELETE CASCADE in the same
// statement, every version of it, its counters, checkouts and grants (the
// grants cascade to every grant version; a redistribution is a grant of
// the same license, so it goes too). The usage ledger is kept: it is the
// audit trail. Returns ENOTFOUND if there is no such license.
func (db *DB) PurgeLicense(ctx context.Context, arn string) error {
	return db.execOne(ctx, licensor.NotFound("License", arn), `DELETE FROM licenses WHERE arn = $1`, arn)
}

// scanLicense reads a row of licenseSelect. With overlay, Status is the
// lifecycle status when the license has one (the current-version view);
// without, it is the version's own.
func scanLicense(s pgx.Row, overlay bool) (int64, *licensor.License, error) {
	var (
		seq         int64
		lifecycle   *string
		deletion    *time.Time
		created     time.Time
		status, doc string
		l           licensor.License
	)
	if err := s.Scan(&seq, &l.ARN, &l.AccountID, &lifecycle, &deletion,
		&l.Version, &status, &created, &doc); err != nil {
		return 0, nil, err
	}
	if err := sqlutil.DecodeLicense([]byte(doc), &l); err != nil {
		return 0, nil, err
	}
	l.Status = licensor.LicenseStatus(status)
	if overlay && lifecycle != nil {
		l.Status = licensor.LicenseStatus(*lifecycle)
	}
	l.CreateTime = created.UTC()
	if deletion != nil {
		d := deletion.UTC()
		l.DeletionDate = &d
	}
	return seq, &l, nil
}

// execOne runs a write statement that must touch a row, returning notFound
// when it touched none.
func (db *DB) execOne(ctx context.Context, notFound error, query string, args ...any) error {
	q, err := db.q()
	if err != nil {
		return err
	}
	tag, err := q.Exec(ctx, query, args...)
	if err != nil {
		return db.done(err)
	}
	if tag.RowsAffected() == 0 {
		return notFound
	}
	return nil
}

// page trims a result fetched with limit+1 rows to limit and returns the
// cursor of the next page, "" when the extra row shows there is none.
func page[T any](items []T, seqs []int64, limit int) ([]T, string) {
	if len(items) <= limit {
		return items, ""
	}
	return items[:limit], sqlutil.FormatCursor(seqs[limit-1])
}
