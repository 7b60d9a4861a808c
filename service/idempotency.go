package service

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"

	"github.com/licensorhq/licensor"
)

// idempotent runs do within tx unless (account, operation, clientToken)
// was seen before. A repeat of the same request replays the recorded
// answer into resp; a different request with the same token is ECONFLICT.
// Both the record and do's writes commit in tx, so a retry after a crash
// either finds the record or finds nothing written at all.
func (s *Service) idempotent(ctx context.Context, tx licensor.Store, accountID, op, clientToken string, req, resp any, do func() error) (replayed bool, err error) {
	reqJSON, err := json.Marshal(req)
	if err != nil {
		return false, err
	}
	sum := sha256.Sum256(reqJSON)
	rec, err := tx.FindIdempotencyRecord(ctx, accountID, op, clientToken)
	switch {
	case err == nil:
		if !bytes.Equal(rec.RequestHash, sum[:]) {
			return false, licensor.Errorf(licensor.ECONFLICT, "ClientToken %q was already used with a different %s request.", clientToken, op)
		}
		if err := json.Unmarshal(rec.Response, resp); err != nil {
			return false, err
		}
		return true, nil
	case !isCode(err, licensor.ENOTFOUND):
		return false, err
	}
	if err := do(); err != nil {
		return false, err
	}
	respJSON, err := json.Marshal(resp)
	if err != nil {
		return false, err
	}
	return false, tx.CreateIdempotencyRecord(ctx, &licensor.IdempotencyRecord{
		AccountID: accountID, Operation: op, ClientToken: clientToken,
		RequestHash: sum[:], Response: respJSON, CreatedAt: s.now(),
	})
}
