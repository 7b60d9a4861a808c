-- +goose Up
-- Issuer keys: the signing keys of seller accounts. Each key's ID is the
-- JWS "kid" of the tokens it signs; its private half lives where uri says,
-- sealed in this table (db:) or outside the database (file:, pkcs11:).

CREATE TABLE issuer_keys (
	id         TEXT    NOT NULL PRIMARY KEY, -- k-<32 hex>
	account_id TEXT    NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	algorithm  TEXT    NOT NULL,
	uri        TEXT    NOT NULL,
	public_key BLOB    NOT NULL, -- PKIX DER
	sealed     BLOB,             -- the sealed private key of a db: key; NULL for other providers
	status     TEXT    NOT NULL,
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL  -- last status change
);
-- Listings are per account, oldest first (ties by ID); the index also
-- serves the cascade from accounts.
CREATE INDEX issuer_keys_account ON issuer_keys (account_id, created_at, id);

-- +goose Down
DROP TABLE issuer_keys;
