package service

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"

	"github.com/licensorhq/licensor"
)

// idempotent runs do within tx unless (account, operation, clientToken)
// was seen before. A repeat of the same request (same hash, see
// requestHash, computed by the caller before its transaction so the store's
// writer does not wait on it) replays the recorded answer into resp; a
// different request with the same token is ECONFLICT. Both the record and
// do's writes commit in tx, so a retry after a crash either finds the
// record or finds nothing written at all.
func (s *Service) idempotent(ctx context.Context, tx licensor.Store, accountID, op, clientToken string, hash []byte, resp any, do func() error) (replayed bool, err error) {
	rec, err := tx.FindIdempotencyRecord(ctx, accountID, op, clientToken)
	switch {
	case err == nil:
		return true, replay(rec, hash, op, resp)
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
		RequestHash: hash, Response: respJSON, CreatedAt: s.now(),
	})
}

// requestHash fingerprints a request for ClientToken comparison.
func requestHash(req any) ([]byte, error) {
	b, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(b)
	return sum[:], nil
}

// replay decodes a recorded answer into resp, or returns ECONFLICT when the
// token was used for a different request.
func replay(rec *licensor.IdempotencyRecord, hash []byte, op string, resp any) error {
	if !bytes.Equal(rec.RequestHash, hash) {
		return licensor.Errorf(licensor.ECONFLICT, "ClientToken %q was already used with a different %s request.", rec.ClientToken, op)
	}
	return json.Unmarshal(rec.Response, resp)
}
