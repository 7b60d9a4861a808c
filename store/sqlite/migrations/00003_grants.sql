-- +goose Up
-- Grants of licenses, with their immutable versions, and the organizations
-- whose accounts a grant to an organization reaches.

-- One row per grant: what listing and filtering need and the pointer to
-- the current version. The granter (account_id), the license, the parent
-- and the grantee never change between versions.
CREATE TABLE grants (
	seq               INTEGER PRIMARY KEY,
	arn               TEXT    NOT NULL UNIQUE,
	account_id        TEXT    NOT NULL, -- the granting account
	license_arn       TEXT    NOT NULL REFERENCES licenses (arn) ON DELETE CASCADE,
	parent_arn        TEXT    NOT NULL, -- the license, or the grant this one redistributes
	grantee_principal TEXT    NOT NULL,
	status            TEXT    NOT NULL, -- the current version's
	current_version   INTEGER NOT NULL,
	created_at        INTEGER NOT NULL
);
-- The rowid (seq) ends every index, so each of these also serves
-- "WHERE x = ? ORDER BY seq". grants_license_arn also serves CountGrants
-- and the cascade from licenses.
CREATE INDEX grants_account_id ON grants (account_id);
CREATE INDEX grants_grantee    ON grants (grantee_principal);
CREATE INDEX grants_license    ON grants (license_arn, status);
CREATE INDEX grants_parent_arn ON grants (parent_arn);
CREATE INDEX grants_status     ON grants (status);

-- Immutable versions. doc is a JSON document holding the version's content
-- (everything but the grant's columns, status and created_at).
CREATE TABLE grant_versions (
	arn        TEXT    NOT NULL REFERENCES grants (arn) ON DELETE CASCADE,
	version    INTEGER NOT NULL,
	status     TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	doc        TEXT    NOT NULL,
	PRIMARY KEY (arn, version)
);

CREATE TABLE organizations (
	seq                   INTEGER PRIMARY KEY,
	id                    TEXT    NOT NULL UNIQUE,
	name                  TEXT    NOT NULL,
	management_account_id TEXT    NOT NULL UNIQUE REFERENCES accounts (id),
	created_at            INTEGER NOT NULL
);

-- The management account is a member too. UNIQUE (account_id): an account
-- belongs to at most one organization.
CREATE TABLE organization_members (
	org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	account_id TEXT NOT NULL UNIQUE REFERENCES accounts (id),
	PRIMARY KEY (org_id, account_id)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE organization_members;
DROP TABLE organizations;
DROP TABLE grant_versions;
DROP TABLE grants;
