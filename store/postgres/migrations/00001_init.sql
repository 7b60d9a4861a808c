-- +goose Up
-- The same schema as store/sqlite's migration 1, in PostgreSQL's types.
-- Times are timestamptz (microsecond precision; the store writes UTC
-- truncated to the microsecond). seq columns are identities: they give a
-- stable creation order and the cursors of paged listings. The store never
-- relies on them being gap-free or assigned in commit order.

CREATE TABLE accounts (
	id         text        PRIMARY KEY,
	seq        bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
	name       text        NOT NULL,
	created_at timestamptz NOT NULL
);

CREATE TABLE access_keys (
	id            text        PRIMARY KEY,
	seq           bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
	account_id    text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	status        text        NOT NULL,
	sealed_secret bytea       NOT NULL,
	created_at    timestamptz NOT NULL
);
CREATE INDEX access_keys_account_id ON access_keys (account_id, seq);

-- One row per license: what listing and filtering need, the pointer to the
-- current version, and the lifecycle that applies to every version.
CREATE TABLE licenses (
	arn              text        PRIMARY KEY,
	seq              bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
	account_id       text        NOT NULL,
	current_version  integer     NOT NULL,
	product_sku      text        NOT NULL,
	fingerprint      text        NOT NULL,
	beneficiary      text        NOT NULL,
	status           text        NOT NULL, -- lifecycle_status if set, else the current version's
	lifecycle_status text,
	deletion_date    timestamptz,
	created_at       timestamptz NOT NULL
);
-- seq ends every index, so each also serves
-- "WHERE account_id = $1 AND x = ANY($2) AND seq > $3 ORDER BY seq".
CREATE INDEX licenses_account_id  ON licenses (account_id, seq);
CREATE INDEX licenses_product_sku ON licenses (account_id, product_sku, seq);
CREATE INDEX licenses_fingerprint ON licenses (account_id, fingerprint, seq);
CREATE INDEX licenses_beneficiary ON licenses (account_id, beneficiary, seq);
CREATE INDEX licenses_status      ON licenses (account_id, status, seq);
CREATE INDEX licenses_lifecycle   ON licenses (lifecycle_status, deletion_date, seq)
	WHERE lifecycle_status IS NOT NULL;

-- Immutable versions. doc is the JSON document of the version's content
-- (everything but the key columns, status and created_at), kept as text so
-- that it round-trips byte for byte.
CREATE TABLE license_versions (
	arn        text        NOT NULL REFERENCES licenses (arn) ON DELETE CASCADE,
	version    integer     NOT NULL,
	status     text        NOT NULL,
	created_at timestamptz NOT NULL,
	doc        text        NOT NULL,
	PRIMARY KEY (arn, version)
);

CREATE TABLE idempotency (
	account_id   text        NOT NULL,
	operation    text        NOT NULL,
	client_token text        NOT NULL,
	request_hash bytea       NOT NULL,
	response     bytea       NOT NULL,
	created_at   timestamptz NOT NULL,
	PRIMARY KEY (account_id, operation, client_token)
);
CREATE INDEX idempotency_created_at ON idempotency (created_at);

-- +goose Down
DROP TABLE idempotency;
DROP TABLE license_versions;
DROP TABLE licenses;
DROP TABLE access_keys;
DROP TABLE accounts;
