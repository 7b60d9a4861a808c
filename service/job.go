package service

import (
	"context"
	"time"

	"github.com/licensorhq/licensor"
)

// SweepReport counts what one Sweep did.
type SweepReport struct {
	Expired     int // provisional checkouts whose TTL passed, units returned
	Deleted     int // PENDING_DELETE licenses that became DELETED
	Purged      int // licenses removed after their retention
	Idempotency int // expired ClientToken records removed
}

// Sweep runs the background jobs once: returns the units of provisional
// checkouts whose TTL passed, finishes deletions, purges licenses
// deleted more than licensor.LicenseRetention ago, and forgets ClientTokens
// older than licensor.IdempotencyWindow. Every step is a conditional,
// idempotent write, so many nodes may sweep the same store at once.
func (s *Service) Sweep(ctx context.Context) (SweepReport, error) {
	var r SweepReport
	now := s.now()
	const batch = 500

	// Expire in batches, each its own transaction, until none is left.
	for {
		var n int
		err := s.Store.WithTx(ctx, func(tx licensor.Store) error {
			var err error
			n, err = s.expireCheckouts(ctx, tx, "", now, batch)
			return err
		})
		if err != nil {
			return r, err
		}
		r.Expired += n
		if n < batch {
			break
		}
	}

	arns, err := s.Store.FindLicenseARNsByStatus(ctx, licensor.LicensePendingDelete, now.Add(time.Microsecond), batch)
	if err != nil {
		return r, err
	}
	for _, arn := range arns {
		done := false
		err := s.Store.WithTx(ctx, func(tx licensor.Store) error {
			done = false
			l, err := tx.FindLicenseByARN(ctx, arn)
			if err != nil || l.Status != licensor.LicensePendingDelete || l.DeletionDate == nil {
				return err
			}
			if err := tx.SetLicenseLifecycle(ctx, arn, licensor.LicenseDeleted, *l.DeletionDate); err != nil {
				return err
			}
			done = true
			return nil
		})
		if err != nil && !isCode(err, licensor.ENOTFOUND) {
			return r, err
		}
		if done {
			r.Deleted++
		}
	}

	arns, err = s.Store.FindLicenseARNsByStatus(ctx, licensor.LicenseDeleted, now.Add(-licensor.LicenseRetention), batch)
	if err != nil {
		return r, err
	}
	for _, arn := range arns {
		err := s.Store.PurgeLicense(ctx, arn)
		if isCode(err, licensor.ENOTFOUND) {
			continue // another node purged it
		}
		if err != nil {
			return r, err
		}
		s.Logger.InfoContext(ctx, "license purged", "license", arn)
		r.Purged++
	}

	if r.Idempotency, err = s.Store.DeleteIdempotencyRecords(ctx, now.Add(-licensor.IdempotencyWindow)); err != nil {
		return r, err
	}
	return r, nil
}

// RunJobs calls Sweep every interval until ctx is done. Errors are logged
// and the next tick tries again.
func (s *Service) RunJobs(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if r, err := s.Sweep(ctx); err != nil && ctx.Err() == nil {
			s.Logger.ErrorContext(ctx, "sweep failed", "err", err)
		} else if r != (SweepReport{}) {
			s.Logger.InfoContext(ctx, "sweep", "expired", r.Expired, "deleted", r.Deleted, "purged", r.Purged, "client_tokens", r.Idempotency)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
