package postgres

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/internal/sqlutil"
)

var _ licensor.OrganizationStore = (*DB)(nil)

// CreateOrganization inserts an organization and makes its management
// account a member. Returns ECONFLICT if the ID exists or the management
// account already belongs to an organization (managing one included), and
// ENOTFOUND if the account does not exist.
func (db *DB) CreateOrganization(ctx context.Context, o *licensor.Organization) error {
	q, err := db.q()
	if err != nil {
		return err
	}
	// One statement. The management member goes in first: its insert meets
	// both conflicts, an organization with this ID (which has a management
	// member, organization_members_management) and an account that belongs
	// to one already (UNIQUE account_id), through ON CONFLICT DO NOTHING,
	// also against a concurrent writer that has not committed yet; the
	// organization follows only if the member went in. The account row is
	// locked as the foreign key check would lock it, so an account removed
	// meanwhile reads as missing instead of failing the statement.
	var accounts, inserted, existing int64
	err = q.QueryRow(ctx, `
		WITH a AS (
			SELECT id FROM accounts WHERE id = $3 FOR KEY SHARE),
		m AS (
			INSERT INTO organization_members (org_id, account_id, management)
			SELECT $1::text, id, true FROM a
			ON CONFLICT DO NOTHING
			RETURNING org_id, account_id),
		o AS (
			INSERT INTO organizations (id, name, management_account_id, created_at)
			SELECT org_id, $2::text, account_id, $4::timestamptz FROM m
			RETURNING 1)
		SELECT (SELECT count(*) FROM a), (SELECT count(*) FROM o),
			(SELECT count(*) FROM organizations WHERE id = $1)`,
		o.ID, o.Name, o.ManagementAccountID, sqlutil.Truncate(o.CreatedAt)).Scan(&accounts, &inserted, &existing)
	switch {
	case err != nil:
		return db.done(err)
	case inserted == 1:
		return nil
	case accounts == 0 && existing == 0:
		// An existing ID wins over a missing account, as on SQLite.
		return licensor.NotFound("Account", o.ManagementAccountID)
	}
	return licensor.Errorf(licensor.ECONFLICT,
		"Organization %s already exists, or account %s already belongs to an organization.", o.ID, o.ManagementAccountID)
}

const organizationColumns = `o.seq, o.id, o.name, o.management_account_id, o.created_at`

// FindOrganizationByID returns an organization. Returns ENOTFOUND if there
// is none.
func (db *DB) FindOrganizationByID(ctx context.Context, id string) (*licensor.Organization, error) {
	q, err := db.q()
	if err != nil {
		return nil, err
	}
	_, o, err := scanOrganization(q.QueryRow(ctx,
		`SELECT `+organizationColumns+` FROM organizations o WHERE o.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, licensor.NotFound("Organization", id)
	}
	return o, db.done(err)
}

// FindOrganizations lists every organization in creation order.
func (db *DB) FindOrganizations(ctx context.Context) ([]*licensor.Organization, error) {
	q, err := db.q()
	if err != nil {
		return nil, err
	}
	var orgs []*licensor.Organization
	err = func() error {
		rows, err := q.Query(ctx, `SELECT `+organizationColumns+` FROM organizations o ORDER BY o.seq`)
		return each(rows, err, func(rows pgx.Rows) error {
			_, o, err := scanOrganization(rows)
			if err != nil {
				return err
			}
			orgs = append(orgs, o)
			return nil
		})
	}()
	if err != nil {
		return nil, db.done(err)
	}
	return orgs, nil
}

// AddOrganizationMember adds an account to an organization. Returns
// ECONFLICT if the account belongs to an organization already, this one
// included, and ENOTFOUND if the organization or the account does not
// exist.
func (db *DB) AddOrganizationMember(ctx context.Context, orgID, accountID string) error {
	q, err := db.q()
	if err != nil {
		return err
	}
	// One statement; the organization and account rows are locked as the
	// foreign key checks would lock them.
	var orgs, accounts, inserted, member int64
	err = q.QueryRow(ctx, `
		WITH o AS (
			SELECT id FROM organizations WHERE id = $1 FOR KEY SHARE),
		a AS (
			SELECT id FROM accounts WHERE id = $2 FOR KEY SHARE),
		m AS (
			INSERT INTO organization_members (org_id, account_id)
			SELECT o.id, a.id FROM o, a
			ON CONFLICT DO NOTHING
			RETURNING 1)
		SELECT (SELECT count(*) FROM o), (SELECT count(*) FROM a), (SELECT count(*) FROM m),
			(SELECT count(*) FROM organization_members WHERE account_id = $2)`,
		orgID, accountID).Scan(&orgs, &accounts, &inserted, &member)
	switch {
	case err != nil:
		return db.done(err)
	case inserted == 1:
		return nil
	case (orgs == 0 || accounts == 0) && member == 0:
		// Membership elsewhere wins over a missing organization, as on
		// SQLite.
		return licensor.Errorf(licensor.ENOTFOUND,
			"Organization %s or account %s does not exist or is not accessible to the caller.", orgID, accountID)
	}
	return licensor.Errorf(licensor.ECONFLICT, "Account %s already belongs to an organization.", accountID)
}

// RemoveOrganizationMember removes an account from an organization.
// Returns EINVALID for the management account and ENOTFOUND if the account
// is not a member (or there is no such organization).
func (db *DB) RemoveOrganizationMember(ctx context.Context, orgID, accountID string) error {
	q, err := db.q()
	if err != nil {
		return err
	}
	// The management member is never deleted, so the snapshot's view of it
	// explains a miss.
	var deleted, management int64
	err = q.QueryRow(ctx, `
		WITH d AS (
			DELETE FROM organization_members
			WHERE org_id = $1 AND account_id = $2 AND NOT management
			RETURNING 1)
		SELECT (SELECT count(*) FROM d),
			(SELECT count(*) FROM organization_members WHERE org_id = $1 AND account_id = $2 AND management)`,
		orgID, accountID).Scan(&deleted, &management)
	switch {
	case err != nil:
		return db.done(err)
	case deleted == 1:
		return nil
	case management == 1:
		return licensor.Errorf(licensor.EINVALID,
			"Account %s manages organization %s and cannot leave it.", accountID, orgID)
	}
	return licensor.Errorf(licensor.ENOTFOUND, "Account %s is not a member of organization %s.", accountID, orgID)
}

// FindOrganizationMembers lists the member account IDs of an organization,
// sorted in byte order; an unknown organization has none.
func (db *DB) FindOrganizationMembers(ctx context.Context, orgID string) ([]string, error) {
	q, err := db.q()
	if err != nil {
		return nil, err
	}
	var ids []string
	err = func() error {
		rows, err := q.Query(ctx,
			`SELECT account_id FROM organization_members WHERE org_id = $1 ORDER BY account_id`, orgID)
		return each(rows, err, func(rows pgx.Rows) error {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
			return nil
		})
	}()
	if err != nil {
		return nil, db.done(err)
	}
	return ids, nil
}

// FindOrganizationOfAccount returns the organization an account belongs
// to. Returns ENOTFOUND if it belongs to none.
func (db *DB) FindOrganizationOfAccount(ctx context.Context, accountID string) (*licensor.Organization, error) {
	q, err := db.q()
	if err != nil {
		return nil, err
	}
	_, o, err := scanOrganization(q.QueryRow(ctx, `
		SELECT `+organizationColumns+`
		FROM organization_members m JOIN organizations o ON o.id = m.org_id
		WHERE m.account_id = $1`, accountID))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, licensor.Errorf(licensor.ENOTFOUND, "Account %s does not belong to an organization.", accountID)
	}
	return o, db.done(err)
}

func scanOrganization(s pgx.Row) (int64, *licensor.Organization, error) {
	var (
		seq     int64
		created time.Time
		o       licensor.Organization
	)
	if err := s.Scan(&seq, &o.ID, &o.Name, &o.ManagementAccountID, &created); err != nil {
		return 0, nil, err
	}
	o.CreatedAt = created.UTC()
	return seq, &o, nil
}
