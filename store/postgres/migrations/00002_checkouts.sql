-- +goose Up
-- Consumption: counters per (license, entitlement), checkouts, the usage ledger.

CREATE TABLE counters (
	license_arn text    NOT NULL REFERENCES licenses (arn) ON DELETE CASCADE,
	entitlement text    COLLATE "C" NOT NULL, -- listed in byte order, as SQLite does
	period      bigint  NOT NULL,           -- renewal period the drawdown belongs to
	floating    bigint  NOT NULL DEFAULT 0, -- units held by live provisional checkouts
	drawdown    bigint  NOT NULL DEFAULT 0, -- units drawn down in this period
	PRIMARY KEY (license_arn, entitlement)
);

-- Drawdown of finished periods, kept when a counter renews.
CREATE TABLE counter_periods (
	license_arn text   NOT NULL REFERENCES licenses (arn) ON DELETE CASCADE,
	entitlement text   NOT NULL,
	period      bigint NOT NULL,
	drawdown    bigint NOT NULL,
	PRIMARY KEY (license_arn, entitlement, period)
);

CREATE TABLE checkouts (
	token           text        COLLATE "C" PRIMARY KEY,
	license_arn     text        NOT NULL REFERENCES licenses (arn) ON DELETE CASCADE,
	license_version integer     NOT NULL,
	issuer_account  text        NOT NULL,
	account_id      text        NOT NULL,
	beneficiary     text        NOT NULL,
	node_id         text        NOT NULL,
	type            text        NOT NULL,
	entitlements    text        NOT NULL, -- JSON
	issued_at       timestamptz NOT NULL,
	expiration      timestamptz NOT NULL,
	status          text        NOT NULL
);
-- Purge and CountActiveCheckouts find a license's checkouts.
CREATE INDEX checkouts_license ON checkouts (license_arn, status);
-- The sweeper's and lazy expiry's scan: only live provisional checkouts.
CREATE INDEX checkouts_expiry ON checkouts (expiration, license_arn)
	WHERE status = 'ACTIVE' AND type = 'PROVISIONAL';
CREATE INDEX checkouts_license_expiry ON checkouts (license_arn, expiration)
	WHERE status = 'ACTIVE' AND type = 'PROVISIONAL';

CREATE TABLE usage_records (
	seq            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	time           timestamptz NOT NULL,
	kind           text        NOT NULL,
	issuer_account text        NOT NULL,
	account_id     text        NOT NULL,
	license_arn    text        NOT NULL, -- no foreign key: the ledger outlives purged licenses
	beneficiary    text        NOT NULL,
	node_id        text        NOT NULL,
	token          text        NOT NULL,
	checkout_type  text        NOT NULL,
	entitlement    text        NOT NULL,
	unit           text        NOT NULL,
	quantity       bigint      NOT NULL,
	overage        bigint      NOT NULL,
	period         bigint      NOT NULL
);
CREATE INDEX usage_records_license ON usage_records (license_arn, seq);
CREATE INDEX usage_records_account ON usage_records (account_id, seq);

-- +goose Down
DROP TABLE usage_records;
DROP TABLE checkouts;
DROP TABLE counter_periods;
DROP TABLE counters;
