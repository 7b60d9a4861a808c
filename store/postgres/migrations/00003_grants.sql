-- +goose Up
-- The same schema as store/sqlite's migration 3, in PostgreSQL's types:
-- grants of licenses with their immutable versions, and the organizations
-- whose accounts a grant to an organization reaches.

-- One row per grant: what listing and filtering need and the pointer to
-- the current version. The granter (account_id), the license, the parent
-- and the grantee never change between versions.
CREATE TABLE grants (
	arn               text        PRIMARY KEY,
	seq               bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
	account_id        text        NOT NULL, -- the granting account
	license_arn       text        NOT NULL REFERENCES licenses (arn) ON DELETE CASCADE,
	parent_arn        text        NOT NULL, -- the license, or the grant this one redistributes
	grantee_principal text        NOT NULL,
	status            text        NOT NULL, -- the current version's
	current_version   integer     NOT NULL,
	created_at        timestamptz NOT NULL
);
-- seq ends every index, so each also serves "WHERE x = $1 AND seq > $2
-- ORDER BY seq". grants_license also serves CountGrants and the cascade
-- from licenses.
CREATE INDEX grants_account_id ON grants (account_id, seq);
CREATE INDEX grants_grantee    ON grants (grantee_principal, seq);
CREATE INDEX grants_license    ON grants (license_arn, seq);
CREATE INDEX grants_parent_arn ON grants (parent_arn, seq);
CREATE INDEX grants_status     ON grants (status, seq);

-- Immutable versions. doc is the JSON document of the version's content
-- (everything but the grant's columns, status and created_at), kept as
-- text so that it round-trips byte for byte.
CREATE TABLE grant_versions (
	arn        text        NOT NULL REFERENCES grants (arn) ON DELETE CASCADE,
	version    integer     NOT NULL,
	status     text        NOT NULL,
	created_at timestamptz NOT NULL,
	doc        text        NOT NULL,
	PRIMARY KEY (arn, version)
);

CREATE TABLE organizations (
	id                    text        PRIMARY KEY,
	seq                   bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
	name                  text        NOT NULL,
	management_account_id text        NOT NULL UNIQUE REFERENCES accounts (id),
	created_at            timestamptz NOT NULL
);

-- The management account is a member too, the one with management set,
-- written in the same statement as its organization and never removed.
-- UNIQUE (account_id): an account belongs to at most one organization.
-- organization_members_management: an organization has one management
-- member, so that CreateOrganization's first insert, into this table,
-- meets both of its conflicts (the ID exists, the account is a member
-- already) through one ON CONFLICT DO NOTHING. account_id is listed in
-- byte order, as SQLite does.
CREATE TABLE organization_members (
	org_id     text    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
	account_id text    COLLATE "C" NOT NULL UNIQUE REFERENCES accounts (id),
	management boolean NOT NULL DEFAULT false,
	PRIMARY KEY (org_id, account_id)
);
CREATE UNIQUE INDEX organization_members_management ON organization_members (org_id) WHERE management;

-- +goose Down
DROP TABLE organization_members;
DROP TABLE organizations;
DROP TABLE grant_versions;
DROP TABLE grants;
