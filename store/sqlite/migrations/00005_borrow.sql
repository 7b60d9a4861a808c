-- +goose Up
-- Borrowed checkouts (type BORROW) float and expire like provisional ones,
-- so the expiry scan covers every type but PERPETUAL.
DROP INDEX checkouts_expiry;
CREATE INDEX checkouts_expiry ON checkouts (expiration, license_arn)
    WHERE status = 'ACTIVE' AND type <> 'PERPETUAL';

-- +goose Down
DROP INDEX checkouts_expiry;
CREATE INDEX checkouts_expiry ON checkouts (expiration, license_arn)
    WHERE status = 'ACTIVE' AND type = 'PROVISIONAL';
