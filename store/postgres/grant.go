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

var _ licensor.GrantStore = (*DB)(nil)

// CreateGrant inserts a new grant whose first version is g. Returns
// EINVALID unless g.Version is 1, ECONFLICT if the ARN exists and ENOTFOUND
// if the license does not.
func (db *DB) CreateGrant(ctx context.Context, g *licensor.Grant) error {
	if g.Version != 1 {
		return licensor.Errorf(licensor.EINVALID, "The first version of grant %s must be 1, not %d.", g.ARN, g.Version)
	}
	docBytes, err := sqlutil.EncodeGrant(g)
	doc := string(docBytes)
	if err != nil {
		return err
	}
	q, err := db.q()
	if err != nil {
		return err
	}
	// One statement: the grant row and its first version, or neither. The
	// license row is locked as the foreign key check would lock it, so a
	// license purged meanwhile reads as missing instead of failing the
	// statement (and the caller's transaction).
	var licenses, inserted, existing int64
	err = q.QueryRow(ctx, `
		WITH l AS (
			SELECT arn FROM licenses WHERE arn = $3 FOR KEY SHARE),
		g AS (
			INSERT INTO grants (arn, account_id, license_arn, parent_arn, grantee_principal, status, current_version, created_at)
			SELECT $1::text, $2::text, arn, $4::text, $5::text, $6::text, $7::integer, $8::timestamptz FROM l
			ON CONFLICT DO NOTHING
			RETURNING arn, current_version, status, created_at),
		v AS (
			INSERT INTO grant_versions (arn, version, status, created_at, doc)
			SELECT arn, current_version, status, created_at, $9::text FROM g
			RETURNING 1)
		SELECT (SELECT count(*) FROM l), (SELECT count(*) FROM v),
			(SELECT count(*) FROM grants WHERE arn = $1)`,
		g.ARN, g.AccountID, g.LicenseARN, g.ParentARN, g.GranteePrincipalARN,
		string(g.Status), g.Version, sqlutil.Truncate(g.CreateTime), doc).Scan(&licenses, &inserted, &existing)
	switch {
	case err != nil:
		return db.done(err)
	case inserted == 1:
		return nil
	case licenses == 0 && existing == 0:
		// An existing ARN wins over a missing license, as on SQLite.
		return licensor.NotFound("License", g.LicenseARN)
	}
	return licensor.Errorf(licensor.ECONFLICT, "Grant %s already exists.", g.ARN)
}

// CreateGrantVersion appends version g.Version to an existing grant and
// makes it current. The granter, license, parent and grantee belong to the
// grant: EINVALID if g's differ from the first version's. Returns ECONFLICT
// if that version exists and ENOTFOUND if the grant does not.
func (db *DB) CreateGrantVersion(ctx context.Context, g *licensor.Grant) error {
	docBytes, err := sqlutil.EncodeGrant(g)
	doc := string(docBytes)
	if err != nil {
		return err
	}
	q, err := db.q()
	if err != nil {
		return err
	}
	// One statement, as CreateLicenseVersion: the version is inserted
	// unless the grant's identity differs or the version exists (a
	// concurrent writer that got there first makes this one wait for its
	// commit, then do nothing), and the grant moves to it only if it was.
	var found, same, updated int64
	err = q.QueryRow(ctx, `
		WITH cur AS (
			SELECT arn, account_id, license_arn, parent_arn, grantee_principal
			FROM grants WHERE arn = $1 FOR KEY SHARE),
		ok AS (
			SELECT arn FROM cur
			WHERE account_id = $6 AND license_arn = $7 AND parent_arn = $8 AND grantee_principal = $9),
		v AS (
			INSERT INTO grant_versions (arn, version, status, created_at, doc)
			SELECT arn, $2::integer, $3::text, $4::timestamptz, $5::text FROM ok
			ON CONFLICT DO NOTHING
			RETURNING arn),
		u AS (
			UPDATE grants SET current_version = $2, status = $3
			FROM v WHERE grants.arn = v.arn
			RETURNING 1)
		SELECT (SELECT count(*) FROM cur), (SELECT count(*) FROM ok), (SELECT count(*) FROM u)`,
		g.ARN, g.Version, string(g.Status), sqlutil.Truncate(g.CreateTime), doc,
		g.AccountID, g.LicenseARN, g.ParentARN, g.GranteePrincipalARN).Scan(&found, &same, &updated)
	switch {
	case err != nil:
		return db.done(err)
	case found == 0:
		return licensor.NotFound("Grant", g.ARN)
	case same == 0:
		return licensor.Errorf(licensor.EINVALID,
			"The granter, license, parent and grantee of grant %s cannot change between versions.", g.ARN)
	case updated == 0:
		return licensor.Errorf(licensor.ECONFLICT, "Version %d of grant %s already exists.", g.Version, g.ARN)
	}
	return nil
}

// grantSelect reads a grant version joined with its grant, in the column
// order scanGrant expects.
const grantSelect = `
	SELECT g.seq, g.arn, g.account_id, g.license_arn, g.parent_arn, g.grantee_principal,
		v.version, v.status, v.created_at, v.doc
	FROM grants g JOIN grant_versions v ON v.arn = g.arn`

// FindGrantByARN returns the current version of a grant. Returns ENOTFOUND
// if there is no such grant.
func (db *DB) FindGrantByARN(ctx context.Context, arn string) (*licensor.Grant, error) {
	q, err := db.q()
	if err != nil {
		return nil, err
	}
	_, g, err := scanGrant(q.QueryRow(ctx,
		grantSelect+` AND v.version = g.current_version WHERE g.arn = $1`, arn))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, licensor.NotFound("Grant", arn)
	}
	return g, db.done(err)
}

// FindGrantVersion returns one version as it was written. Returns
// ENOTFOUND if the grant or the version does not exist.
func (db *DB) FindGrantVersion(ctx context.Context, arn string, version int) (*licensor.Grant, error) {
	q, err := db.q()
	if err != nil {
		return nil, err
	}
	_, g, err := scanGrant(q.QueryRow(ctx,
		grantSelect+` WHERE v.arn = $1 AND v.version = $2`, arn, version))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, licensor.Errorf(licensor.ENOTFOUND,
			"Grant %s with version %d does not exist or is not accessible to the caller.", arn, version)
	}
	return g, db.done(err)
}

// FindGrants pages through the current versions of the grants matching f,
// in creation order. Each non-empty slice of f matches any of its values,
// and the filters combine with AND; Statuses matches the current version's
// status, and ProductSKUs and LicenseIssuerNames the granted license's
// current version. Returns the next cursor or "", and EINVALID for a
// malformed cursor.
func (db *DB) FindGrants(ctx context.Context, f licensor.GrantFilter) ([]*licensor.Grant, string, error) {
	after, err := sqlutil.ParseCursor(f.After)
	if err != nil {
		return nil, "", err
	}
	limit := sqlutil.Limit(f.Limit)
	var p params
	var sb strings.Builder
	sb.WriteString(grantSelect)
	sb.WriteString(` AND v.version = g.current_version`)
	if len(f.ProductSKUs) > 0 || len(f.LicenseIssuerNames) > 0 {
		sb.WriteString(` JOIN licenses l ON l.arn = g.license_arn`)
	}
	sb.WriteString(` WHERE g.seq > ` + p.add(after))
	eq := func(column, value string) {
		if value != "" {
			sb.WriteString(` AND ` + column + ` = ` + p.add(value))
		}
	}
	// = ANY of one array parameter: one statement shape per combination of
	// filters, whatever the number of values.
	in := func(column string, values []string) {
		if len(values) > 0 {
			sb.WriteString(` AND ` + column + ` = ANY(` + p.add(values) + `::text[])`)
		}
	}
	statuses := make([]string, len(f.Statuses))
	for i, s := range f.Statuses {
		statuses[i] = string(s)
	}
	in("g.arn", f.ARNs)
	eq("g.account_id", f.GranterAccountID)
	in("g.account_id", f.GranterAccountIDs)
	in("g.grantee_principal", f.GranteePrincipals)
	in("g.license_arn", f.LicenseARNs)
	in("g.status", statuses)
	eq("g.parent_arn", f.ParentARN)
	in("l.product_sku", f.ProductSKUs)
	if len(f.LicenseIssuerNames) > 0 {
		// The issuer's name is inside the license's fingerprint, which
		// licensor.KeyFingerprint builds from the license's account.
		sb.WriteString(` AND l.fingerprint IN (SELECT 'aws:' || l.account_id || ':' || n || ':issuer-fingerprint' FROM unnest(` +
			p.add(f.LicenseIssuerNames) + `::text[]) AS n)`)
	}
	sb.WriteString(` ORDER BY g.seq LIMIT ` + p.add(limit+1))

	q, err := db.q()
	if err != nil {
		return nil, "", err
	}
	var (
		grants []*licensor.Grant
		seqs   []int64
	)
	err = func() error {
		rows, err := q.Query(ctx, sb.String(), p...)
		return each(rows, err, func(rows pgx.Rows) error {
			seq, g, err := scanGrant(rows)
			if err != nil {
				return err
			}
			grants, seqs = append(grants, g), append(seqs, seq)
			return nil
		})
	}()
	if err != nil {
		return nil, "", db.done(err)
	}
	grants, next := page(grants, seqs, limit)
	return grants, next, nil
}

// CountGrants counts the grants of a license whose current version is not
// DELETED; a license without grants, or no license, has none.
func (db *DB) CountGrants(ctx context.Context, licenseARN string) (int, error) {
	q, err := db.q()
	if err != nil {
		return 0, err
	}
	var n int
	err = q.QueryRow(ctx, `SELECT count(*) FROM grants WHERE license_arn = $1 AND status <> $2`,
		licenseARN, string(licensor.GrantDeleted)).Scan(&n)
	if err != nil {
		return 0, db.done(err)
	}
	return n, nil
}

// scanGrant reads a row of grantSelect.
func scanGrant(s pgx.Row) (int64, *licensor.Grant, error) {
	var (
		seq         int64
		created     time.Time
		status, doc string
		g           licensor.Grant
	)
	if err := s.Scan(&seq, &g.ARN, &g.AccountID, &g.LicenseARN, &g.ParentARN, &g.GranteePrincipalARN,
		&g.Version, &status, &created, &doc); err != nil {
		return 0, nil, err
	}
	if err := sqlutil.DecodeGrant([]byte(doc), &g); err != nil {
		return 0, nil, err
	}
	g.Status = licensor.GrantStatus(status)
	g.CreateTime = created.UTC()
	return seq, &g, nil
}
