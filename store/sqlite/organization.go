package sqlite

import (
	"context"
	"database/sql"
	"errors"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/internal/sqlutil"
)

var _ licensor.OrganizationStore = (*DB)(nil)

// CreateOrganization inserts an organization and makes its management
// account a member. Returns ECONFLICT if the ID exists or the management
// account already belongs to an organization (managing one included), and
// ENOTFOUND if the account does not exist.
func (db *DB) CreateOrganization(ctx context.Context, o *licensor.Organization) error {
	err := db.write(ctx, func(q querier) error {
		if _, err := q.ExecContext(ctx,
			`INSERT INTO organizations (id, name, management_account_id, created_at) VALUES (?, ?, ?, ?)`,
			o.ID, o.Name, o.ManagementAccountID, sqlutil.Micros(o.CreatedAt)); err != nil {
			return err
		}
		_, err := q.ExecContext(ctx,
			`INSERT INTO organization_members (org_id, account_id) VALUES (?, ?)`, o.ID, o.ManagementAccountID)
		return err
	})
	switch err = formatError(err); licensor.ErrorCode(err) {
	case licensor.ECONFLICT:
		return licensor.WrapError(licensor.ECONFLICT, err,
			"Organization "+o.ID+" already exists, or account "+o.ManagementAccountID+" already belongs to an organization.")
	case licensor.ENOTFOUND:
		return licensor.WrapError(licensor.ENOTFOUND, err, licensor.NotFound("Account", o.ManagementAccountID).Message)
	}
	return err
}

const organizationColumns = `o.seq, o.id, o.name, o.management_account_id, o.created_at`

// FindOrganizationByID returns an organization. Returns ENOTFOUND if there
// is none.
func (db *DB) FindOrganizationByID(ctx context.Context, id string) (*licensor.Organization, error) {
	var o *licensor.Organization
	err := db.read(ctx, func(q querier) error {
		var err error
		_, o, err = scanOrganization(q.QueryRowContext(ctx,
			`SELECT `+organizationColumns+` FROM organizations o WHERE o.id = ?`, id))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, licensor.NotFound("Organization", id)
	}
	return o, formatError(err)
}

// FindOrganizations lists every organization in creation order.
func (db *DB) FindOrganizations(ctx context.Context) ([]*licensor.Organization, error) {
	var orgs []*licensor.Organization
	err := db.read(ctx, func(q querier) error {
		rows, err := q.QueryContext(ctx, `SELECT `+organizationColumns+` FROM organizations o ORDER BY o.seq`)
		return each(rows, err, func(rows *sql.Rows) error {
			_, o, err := scanOrganization(rows)
			if err != nil {
				return err
			}
			orgs = append(orgs, o)
			return nil
		})
	})
	return orgs, formatError(err)
}

// AddOrganizationMember adds an account to an organization. Returns
// ECONFLICT if the account belongs to an organization already, this one
// included, and ENOTFOUND if the organization or the account does not
// exist.
func (db *DB) AddOrganizationMember(ctx context.Context, orgID, accountID string) error {
	err := db.exec(ctx, `INSERT INTO organization_members (org_id, account_id) VALUES (?, ?)`, orgID, accountID)
	switch err = formatError(err); licensor.ErrorCode(err) {
	case licensor.ECONFLICT:
		return licensor.WrapError(licensor.ECONFLICT, err, "Account "+accountID+" already belongs to an organization.")
	case licensor.ENOTFOUND:
		return licensor.WrapError(licensor.ENOTFOUND, err,
			"Organization "+orgID+" or account "+accountID+" does not exist or is not accessible to the caller.")
	}
	return err
}

// RemoveOrganizationMember removes an account from an organization.
// Returns EINVALID for the management account and ENOTFOUND if the account
// is not a member (or there is no such organization).
func (db *DB) RemoveOrganizationMember(ctx context.Context, orgID, accountID string) error {
	// One writing statement (write1); the read after it only explains a miss.
	err := db.write1(ctx, func(q querier) error {
		res, err := q.ExecContext(ctx, `
			DELETE FROM organization_members
			WHERE org_id = ?1 AND account_id = ?2
			  AND account_id NOT IN (SELECT management_account_id FROM organizations WHERE id = ?1)`,
			orgID, accountID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		var management string
		err = q.QueryRowContext(ctx, `SELECT management_account_id FROM organizations WHERE id = ?`, orgID).Scan(&management)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if err == nil && management == accountID {
			return licensor.Errorf(licensor.EINVALID,
				"Account %s manages organization %s and cannot leave it.", accountID, orgID)
		}
		return licensor.Errorf(licensor.ENOTFOUND, "Account %s is not a member of organization %s.", accountID, orgID)
	})
	return formatError(err)
}

// FindOrganizationMembers lists the member account IDs of an organization,
// sorted; an unknown organization has none.
func (db *DB) FindOrganizationMembers(ctx context.Context, orgID string) ([]string, error) {
	var ids []string
	err := db.read(ctx, func(q querier) error {
		rows, err := q.QueryContext(ctx,
			`SELECT account_id FROM organization_members WHERE org_id = ? ORDER BY account_id`, orgID)
		return each(rows, err, func(rows *sql.Rows) error {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
			return nil
		})
	})
	return ids, formatError(err)
}

// FindOrganizationOfAccount returns the organization an account belongs
// to. Returns ENOTFOUND if it belongs to none.
func (db *DB) FindOrganizationOfAccount(ctx context.Context, accountID string) (*licensor.Organization, error) {
	var o *licensor.Organization
	err := db.read(ctx, func(q querier) error {
		var err error
		_, o, err = scanOrganization(q.QueryRowContext(ctx, `
			SELECT `+organizationColumns+`
			FROM organization_members m JOIN organizations o ON o.id = m.org_id
			WHERE m.account_id = ?`, accountID))
		return err
	})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, licensor.Errorf(licensor.ENOTFOUND, "Account %s does not belong to an organization.", accountID)
	}
	return o, formatError(err)
}

func scanOrganization(s scanner) (int64, *licensor.Organization, error) {
	var (
		seq, created int64
		o            licensor.Organization
	)
	if err := s.Scan(&seq, &o.ID, &o.Name, &o.ManagementAccountID, &created); err != nil {
		return 0, nil, err
	}
	o.CreatedAt = sqlutil.Time(created)
	return seq, &o, nil
}
