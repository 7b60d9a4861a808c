-- +goose Up
-- The same schema as store/sqlite's migration 4, in PostgreSQL's types.
-- Issuer keys: the signing keys of seller accounts. Each key's ID is the
-- JWS "kid" of the tokens it signs; its private half lives where uri says,
-- sealed in this table (db:) or outside the database (file:, pkcs11:).
-- id is ordered in byte order, as SQLite does.

CREATE TABLE issuer_keys (
	id         text        COLLATE "C" PRIMARY KEY, -- k-<32 hex>
	account_id text        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
	algorithm  text        NOT NULL,
	uri        text        NOT NULL,
	public_key bytea       NOT NULL, -- PKIX DER
	sealed     bytea,                -- the sealed private key of a db: key; NULL for other providers
	status     text        NOT NULL,
	created_at timestamptz NOT NULL,
	updated_at timestamptz NOT NULL  -- last status change
);
-- Listings are per account, oldest first (ties by ID); the index also
-- serves the cascade from accounts.
CREATE INDEX issuer_keys_account ON issuer_keys (account_id, created_at, id);

-- +goose Down
DROP TABLE issuer_keys;
