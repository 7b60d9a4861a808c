-- +goose Up
-- Times are INTEGER microseconds since the Unix epoch, UTC.
-- seq columns are rowid aliases: they give stable creation order and the
-- cursors of paged listings.

CREATE TABLE accounts (
	seq        INTEGER PRIMARY KEY,
	id         TEXT    NOT NULL UNIQUE,
	name       TEXT    NOT NULL,
	created_at INTEGER NOT NULL
);

CREATE TABLE access_keys (
	seq           INTEGER PRIMARY KEY,
	id            TEXT    NOT NULL UNIQUE,
	account_id    TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	status        TEXT    NOT NULL,
	sealed_secret BLOB    NOT NULL,
	created_at    INTEGER NOT NULL
);
CREATE INDEX access_keys_account_id ON access_keys (account_id);

-- One row per license: what listing and filtering need, the pointer to the
-- current version, and the lifecycle that applies to every version.
CREATE TABLE licenses (
	seq              INTEGER PRIMARY KEY,
	arn              TEXT    NOT NULL UNIQUE,
	account_id       TEXT    NOT NULL,
	current_version  INTEGER NOT NULL,
	product_sku      TEXT    NOT NULL,
	fingerprint      TEXT    NOT NULL,
	beneficiary      TEXT    NOT NULL,
	status           TEXT    NOT NULL, -- lifecycle_status if set, else the current version's
	lifecycle_status TEXT,
	deletion_date    INTEGER,
	created_at       INTEGER NOT NULL
);
-- The rowid (seq) ends every index, so each of these also serves
-- "WHERE account_id = ? AND x = ? ORDER BY seq".
CREATE INDEX licenses_account_id  ON licenses (account_id);
CREATE INDEX licenses_product_sku ON licenses (account_id, product_sku);
CREATE INDEX licenses_fingerprint ON licenses (account_id, fingerprint);
CREATE INDEX licenses_beneficiary ON licenses (account_id, beneficiary);
CREATE INDEX licenses_status      ON licenses (account_id, status);
CREATE INDEX licenses_lifecycle   ON licenses (lifecycle_status, deletion_date)
	WHERE lifecycle_status IS NOT NULL;

-- Immutable versions. doc is a JSON document holding the version's content
-- (everything but the key columns, status and created_at).
CREATE TABLE license_versions (
	arn        TEXT    NOT NULL REFERENCES licenses (arn) ON DELETE CASCADE,
	version    INTEGER NOT NULL,
	status     TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	doc        TEXT    NOT NULL,
	PRIMARY KEY (arn, version)
);

CREATE TABLE idempotency (
	account_id   TEXT    NOT NULL,
	operation    TEXT    NOT NULL,
	client_token TEXT    NOT NULL,
	request_hash BLOB    NOT NULL,
	response     BLOB    NOT NULL,
	created_at   INTEGER NOT NULL,
	PRIMARY KEY (account_id, operation, client_token)
);
CREATE INDEX idempotency_created_at ON idempotency (created_at);

-- +goose Down
DROP TABLE idempotency;
DROP TABLE license_versions;
DROP TABLE licenses;
DROP TABLE access_keys;
DROP TABLE accounts;
