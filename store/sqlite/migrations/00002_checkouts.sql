-- +goose Up
-- Consumption: counters per (license, entitlement), checkouts, the usage ledger.

CREATE TABLE counters (
    license_arn TEXT    NOT NULL REFERENCES licenses (arn) ON DELETE CASCADE,
    entitlement TEXT    NOT NULL,
    period      INTEGER NOT NULL,           -- renewal period the drawdown belongs to
    floating    INTEGER NOT NULL DEFAULT 0, -- units held by live provisional checkouts
    drawdown    INTEGER NOT NULL DEFAULT 0, -- units drawn down in this period
    PRIMARY KEY (license_arn, entitlement)
) WITHOUT ROWID;

-- Drawdown of finished periods, kept when a counter renews.
CREATE TABLE counter_periods (
    license_arn TEXT    NOT NULL REFERENCES licenses (arn) ON DELETE CASCADE,
    entitlement TEXT    NOT NULL,
    period      INTEGER NOT NULL,
    drawdown    INTEGER NOT NULL,
    PRIMARY KEY (license_arn, entitlement, period)
) WITHOUT ROWID;

CREATE TABLE checkouts (
    token           TEXT    PRIMARY KEY,
    license_arn     TEXT    NOT NULL REFERENCES licenses (arn) ON DELETE CASCADE,
    license_version INTEGER NOT NULL,
    issuer_account  TEXT    NOT NULL,
    account_id      TEXT    NOT NULL,
    beneficiary     TEXT    NOT NULL,
    node_id         TEXT    NOT NULL,
    type            TEXT    NOT NULL,
    entitlements    TEXT    NOT NULL, -- JSON
    issued_at       INTEGER NOT NULL,
    expiration      INTEGER NOT NULL,
    status          TEXT    NOT NULL
) WITHOUT ROWID;

-- The sweeper's and lazy expiry's scan: only live provisional checkouts. One
-- index serves both (lazy expiry filters on license_arn within it): every index
-- here is written twice per checkout, on the store's single writer.
CREATE INDEX checkouts_expiry ON checkouts (expiration, license_arn)
    WHERE status = 'ACTIVE' AND type = 'PROVISIONAL';

CREATE TABLE usage_records (
    seq            INTEGER PRIMARY KEY, -- rows are never deleted, so rowids only grow
    time           INTEGER NOT NULL,
    kind           TEXT    NOT NULL,
    issuer_account TEXT    NOT NULL,
    account_id     TEXT    NOT NULL,
    license_arn    TEXT    NOT NULL,
    beneficiary    TEXT    NOT NULL,
    node_id        TEXT    NOT NULL,
    token          TEXT    NOT NULL,
    checkout_type  TEXT    NOT NULL,
    entitlement    TEXT    NOT NULL,
    unit           TEXT    NOT NULL,
    quantity       INTEGER NOT NULL,
    overage        INTEGER NOT NULL,
    period         INTEGER NOT NULL
);
CREATE INDEX usage_records_license ON usage_records (license_arn, seq);
-- Queries by account go through the license; an (account_id, seq) index
-- belongs with the ledger API that needs it.

-- +goose Down
DROP TABLE usage_records;
DROP TABLE checkouts;
DROP TABLE counter_periods;
DROP TABLE counters;
