package postgres

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/licensorhq/licensor"
)

func TestFormatError(t *testing.T) {
	pg := func(code string) error {
		return fmt.Errorf("exec: %w", &pgconn.PgError{Code: code, Message: "secret detail"})
	}
	domain := licensor.Errorf(licensor.ESTATE, "kept")
	for _, tt := range []struct {
		err   error
		code  licensor.Code
		retry bool
	}{
		{pg("23505"), licensor.ECONFLICT, false},
		{pg("23503"), licensor.ENOTFOUND, false},
		{pg("40001"), licensor.EUNAVAILABLE, true},
		{pg("40P01"), licensor.EUNAVAILABLE, true},
		{pg("55P03"), licensor.EUNAVAILABLE, false},
		{pg("57014"), licensor.EUNAVAILABLE, false},
		{pg("57P01"), licensor.EUNAVAILABLE, false},
		{pg("08006"), licensor.EUNAVAILABLE, false},
		{pg("53300"), licensor.EUNAVAILABLE, false},
		{pg("25006"), licensor.EUNAVAILABLE, false},
		{pg("22021"), licensor.EINTERNAL, false},
		{pg("42P01"), licensor.EINTERNAL, false},
		{pgx.ErrNoRows, licensor.ENOTFOUND, false},
		{fmt.Errorf("query: %w", context.Canceled), licensor.EUNAVAILABLE, false},
		{context.DeadlineExceeded, licensor.EUNAVAILABLE, false},
		{errors.New("boom"), licensor.EINTERNAL, false},
		{domain, licensor.ESTATE, false},
	} {
		t.Run(tt.err.Error(), func(t *testing.T) {
			err := formatError(tt.err)
			if got := licensor.ErrorCode(err); got != tt.code {
				t.Errorf("code %q, want %q", got, tt.code)
			}
			if !errors.Is(err, tt.err) && !errors.Is(err, errors.Unwrap(tt.err)) {
				t.Errorf("cause lost: %v", err)
			}
			if msg := licensor.ErrorMessage(err); tt.err != domain && (msg == "" || msg == tt.err.Error()) {
				t.Errorf("message %q leaks or is empty", msg)
			}
			if got := retryable(tt.err); got != tt.retry {
				t.Errorf("retryable = %v, want %v", got, tt.retry)
			}
		})
	}
	if formatError(nil) != nil {
		t.Error("formatError(nil) != nil")
	}
}
