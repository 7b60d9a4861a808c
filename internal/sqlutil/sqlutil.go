// Package sqlutil holds the small helpers that every SQL store shares:
// page sizes, cursors and the storage form of times. Keeping them in one
// place keeps cursors and timestamps identical across backends, which the
// conformance suite and replication between them rely on.
package sqlutil

import (
	"strconv"
	"time"

	"github.com/licensorhq/licensor"
)

// DefaultLimit is the page size used when a filter asks for none.
const DefaultLimit = 100

// Limit returns n, or DefaultLimit when n is zero or negative.
func Limit(n int) int {
	if n <= 0 {
		return DefaultLimit
	}
	return n
}

// FormatCursor encodes the sequence number of the last row of a page as the
// cursor of the next one.
func FormatCursor(seq int64) string { return strconv.FormatInt(seq, 10) }

// ParseCursor decodes a cursor made by FormatCursor; "" is the first page
// (0). Returns EINVALID for anything else.
func ParseCursor(s string) (int64, error) {
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, licensor.Errorf(licensor.EINVALID, "Invalid pagination token.")
	}
	return n, nil
}

// Micros returns t as the integer stores keep: microseconds since the Unix
// epoch. Precision below a microsecond is dropped.
func Micros(t time.Time) int64 { return t.UnixMicro() }

// Time is the inverse of Micros: the instant in UTC.
func Time(us int64) time.Time { return time.UnixMicro(us).UTC() }

// NullMicros returns the storage form of an optional time: nil or Micros.
func NullMicros(t *time.Time) any {
	if t == nil {
		return nil
	}
	return Micros(*t)
}

// TimePtr returns the optional time stored as us, nil when valid is false.
func TimePtr(us int64, valid bool) *time.Time {
	if !valid {
		return nil
	}
	t := Time(us)
	return &t
}

// Truncate returns t as a store gives it back: UTC, microsecond precision.
func Truncate(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
