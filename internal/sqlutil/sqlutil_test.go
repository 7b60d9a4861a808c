package sqlutil_test

import (
	"testing"
	"time"

	"github.com/licensorhq/licensor"
	"github.com/licensorhq/licensor/internal/sqlutil"
)

func TestCursor(t *testing.T) {
	for _, seq := range []int64{0, 1, 1 << 40} {
		got, err := sqlutil.ParseCursor(sqlutil.FormatCursor(seq))
		if err != nil || got != seq {
			t.Errorf("round trip of %d: %d, %v", seq, got, err)
		}
	}
	if got, err := sqlutil.ParseCursor(""); got != 0 || err != nil {
		t.Errorf(`ParseCursor("") = %d, %v`, got, err)
	}
	for _, bad := range []string{"x", "-1", "1.5", "99999999999999999999"} {
		if _, err := sqlutil.ParseCursor(bad); licensor.ErrorCode(err) != licensor.EINVALID {
			t.Errorf("ParseCursor(%q) = %v, want EINVALID", bad, err)
		}
	}
}

func TestTime(t *testing.T) {
	in := time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.FixedZone("X", -7*3600))
	got := sqlutil.Time(sqlutil.Micros(in))
	if want := sqlutil.Truncate(in); got != want || got.Location() != time.UTC {
		t.Errorf("round trip = %v, want %v in UTC", got, want)
	}
	if got.Nanosecond()%1000 != 0 || !got.Equal(in.Truncate(time.Microsecond)) {
		t.Errorf("round trip = %v", got)
	}
	if sqlutil.TimePtr(0, false) != nil {
		t.Error("TimePtr(invalid) != nil")
	}
	if sqlutil.Limit(0) != sqlutil.DefaultLimit || sqlutil.Limit(-3) != sqlutil.DefaultLimit || sqlutil.Limit(7) != 7 {
		t.Error("Limit")
	}
}
