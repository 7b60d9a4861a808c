-- +goose Up
-- Borrowed checkouts (type BORROW) float and expire like provisional ones,
-- so the expiry scans cover every type but PERPETUAL.
DROP INDEX checkouts_expiry;
DROP INDEX checkouts_license_expiry;
CREATE INDEX checkouts_expiry ON checkouts (expiration, license_arn)
	WHERE status = 'ACTIVE' AND type <> 'PERPETUAL';
CREATE INDEX checkouts_license_expiry ON checkouts (license_arn, expiration)
	WHERE status = 'ACTIVE' AND type <> 'PERPETUAL';

-- +goose Down
DROP INDEX checkouts_expiry;
DROP INDEX checkouts_license_expiry;
CREATE INDEX checkouts_expiry ON checkouts (expiration, license_arn)
	WHERE status = 'ACTIVE' AND type = 'PROVISIONAL';
CREATE INDEX checkouts_license_expiry ON checkouts (license_arn, expiration)
	WHERE status = 'ACTIVE' AND type = 'PROVISIONAL';
