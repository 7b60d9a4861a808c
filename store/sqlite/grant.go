package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

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
	doc, err := sqlutil.EncodeGrant(g)
	if err != nil {
		return err
	}
	err = db.write(ctx, func(q querier) error {
		if _, err := q.ExecContext(ctx, `
			INSERT INTO grants (arn, account_id, license_arn, parent_arn, grantee_principal, status, current_version, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			g.ARN, g.AccountID, g.LicenseARN, g.ParentARN, g.GranteePrincipalARN,
			string(g.Status), g.Version, sqlutil.Micros(g.CreateTime)); err != nil {
			return err
		}
		return insertGrantVersion(ctx, q, g, doc)
	})
	switch err = formatError(err); licensor.ErrorCode(err) {
	case licensor.ECONFLICT:
		return licensor.WrapError(licensor.ECONFLICT, err, "Grant "+g.ARN+" already exists.")
	case licensor.ENOTFOUND:
		return licensor.WrapError(licensor.ENOTFOUND, err, licensor.NotFound("License", g.LicenseARN).Message)
	}
	return err
}

// CreateGrantVersion appends version g.Version to an existing grant and
// makes it current. The granter, license, parent and grantee belong to the
// grant: EINVALID if g's differ from the first version's. Returns ECONFLICT
// if that version exists and ENOTFOUND if the grant does not.
func (db *DB) CreateGrantVersion(ctx context.Context, g *licensor.Grant) error {
	doc, err := sqlutil.EncodeGrant(g)
	if err != nil {
		return err
	}
	err = db.write(ctx, func(q querier) error {
		// Check, insert, then update: a failing statement leaves nothing
		// behind, even inside a caller's transaction.
		var account, license, parent, grantee string
		err := q.QueryRowContext(ctx,
			`SELECT account_id, license_arn, parent_arn, grantee_principal FROM grants WHERE arn = ?`, g.ARN).
			Scan(&account, &license, &parent, &grantee)
		if errors.Is(err, sql.ErrNoRows) {
			return licensor.NotFound("Grant", g.ARN)
		} else if err != nil {
			return err
		}
		if account != g.AccountID || license != g.LicenseARN || parent != g.ParentARN || grantee != g.GranteePrincipalARN {
			return licensor.Errorf(licensor.EINVALID,
				"The granter, license, parent and grantee of grant %s cannot change between versions.", g.ARN)
		}
		if err := insertGrantVersion(ctx, q, g, doc); err != nil {
			return err
		}
		_, err = q.ExecContext(ctx, `UPDATE grants SET current_version = ?, status = ? WHERE arn = ?`,
			g.Version, string(g.Status), g.ARN)
		return err
	})
	if err = formatError(err); licensor.ErrorCode(err) == licensor.ECONFLICT {
		return licensor.WrapError(licensor.ECONFLICT, err,
			fmt.Sprintf("Version %d of grant %s already exists.", g.Version, g.ARN))
	}
	return err
}

func insertGrantVersion(ctx context.Context, q querier, g *licensor.Grant, doc []byte) error {
	_, err := q.ExecContext(ctx,
		`INSERT INTO grant_versions (arn, version, status, created_at, doc) VALUES (?, ?, ?, ?, ?)`,
		g.ARN, g.Version, string(g.Status), sqlutil.Micros(g.CreateTime), string(doc))
	return err
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
	var g *licensor.Grant
	err := db.read(ctx, func(q querier) error {
		var err error
		_, g, err = scanGrant(q.QueryRowContext(ctx,
			grantSelect+` AND v.version = g.current_version WHERE g.arn = ?`, arn))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, licensor.NotFound("Grant", arn)
	}
	return g, formatError(err)
}

// FindGrantVersion returns one version as it was written. Returns
// ENOTFOUND if the grant or the version does not exist.
func (db *DB) FindGrantVersion(ctx context.Context, arn string, version int) (*licensor.Grant, error) {
	var g *licensor.Grant
	err := db.read(ctx, func(q querier) error {
		var err error
		_, g, err = scanGrant(q.QueryRowContext(ctx,
			grantSelect+` WHERE v.arn = ? AND v.version = ?`, arn, version))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, licensor.Errorf(licensor.ENOTFOUND,
			"Grant %s with version %d does not exist or is not accessible to the caller.", arn, version)
	}
	return g, formatError(err)
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
	var (
		where strings.Builder
		args  []any
	)
	where.WriteString(` WHERE g.seq > ?`)
	args = append(args, after)
	eq := func(column, value string) {
		if value != "" {
			where.WriteString(` AND ` + column + ` = ?`)
			args = append(args, value)
		}
	}
	// in adds "AND column IN (elem, elem, …)", one elem per value, each
	// holding one placeholder.
	in := func(column, elem string, values []string) {
		if len(values) == 0 {
			return
		}
		where.WriteString(` AND ` + column + ` IN (` + elem)
		args = append(args, values[0])
		for _, v := range values[1:] {
			where.WriteString(`, ` + elem)
			args = append(args, v)
		}
		where.WriteString(`)`)
	}
	statuses := make([]string, len(f.Statuses))
	for i, s := range f.Statuses {
		statuses[i] = string(s)
	}
	in("g.arn", "?", f.ARNs)
	eq("g.account_id", f.GranterAccountID)
	in("g.account_id", "?", f.GranterAccountIDs)
	in("g.grantee_principal", "?", f.GranteePrincipals)
	in("g.license_arn", "?", f.LicenseARNs)
	in("g.status", "?", statuses)
	eq("g.parent_arn", f.ParentARN)
	in("l.product_sku", "?", f.ProductSKUs)
	// The issuer's name is inside the license's fingerprint, which
	// licensor.KeyFingerprint builds from the license's account.
	in("l.fingerprint", `'aws:' || l.account_id || ':' || ? || ':issuer-fingerprint'`, f.LicenseIssuerNames)

	query := grantSelect + ` AND v.version = g.current_version`
	if len(f.ProductSKUs) > 0 || len(f.LicenseIssuerNames) > 0 {
		query += ` JOIN licenses l ON l.arn = g.license_arn`
	}
	query += where.String() + ` ORDER BY g.seq LIMIT ?`
	args = append(args, limit+1)

	var (
		grants []*licensor.Grant
		seqs   []int64
	)
	err = db.read(ctx, func(q querier) error {
		rows, err := q.QueryContext(ctx, query, args...)
		return each(rows, err, func(rows *sql.Rows) error {
			seq, g, err := scanGrant(rows)
			if err != nil {
				return err
			}
			grants, seqs = append(grants, g), append(seqs, seq)
			return nil
		})
	})
	if err != nil {
		return nil, "", formatError(err)
	}
	grants, next := page(grants, seqs, limit)
	return grants, next, nil
}

// CountGrants counts the grants of a license whose current version is not
// DELETED; a license without grants, or no license, has none.
func (db *DB) CountGrants(ctx context.Context, licenseARN string) (int, error) {
	var n int
	err := db.read(ctx, func(q querier) error {
		return q.QueryRowContext(ctx, `SELECT count(*) FROM grants WHERE license_arn = ? AND status <> ?`,
			licenseARN, string(licensor.GrantDeleted)).Scan(&n)
	})
	return n, formatError(err)
}

// scanGrant reads a row of grantSelect.
func scanGrant(s scanner) (int64, *licensor.Grant, error) {
	var (
		seq, created int64
		status, doc  string
		g            licensor.Grant
	)
	if err := s.Scan(&seq, &g.ARN, &g.AccountID, &g.LicenseARN, &g.ParentARN, &g.GranteePrincipalARN,
		&g.Version, &status, &created, &doc); err != nil {
		return 0, nil, err
	}
	if err := sqlutil.DecodeGrant([]byte(doc), &g); err != nil {
		return 0, nil, err
	}
	g.Status = licensor.GrantStatus(status)
	g.CreateTime = sqlutil.Time(created)
	return seq, &g, nil
}
