package licensor

import "time"

// IdempotencyRecord remembers the answer to a request that carried a
// ClientToken, so a retry gets the same answer and consumes nothing twice.
type IdempotencyRecord struct {
	AccountID   string
	Operation   string
	ClientToken string
	RequestHash []byte // SHA-256 of the canonical request
	Response    []byte // the answer, encoded by the service
	CreatedAt   time.Time
}

// IdempotencyWindow is how long a ClientToken is remembered.
const IdempotencyWindow = 7 * 24 * time.Hour
