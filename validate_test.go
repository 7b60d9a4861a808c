package licensor_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/licensorhq/licensor"
)

func ptr[T any](v T) *T { return &v }

// assertInvalid checks that err is EINVALID with exactly n violations and
// that its message names want (a "Field message" fragment).
func assertInvalid(tb testing.TB, err error, n int, want string) {
	tb.Helper()
	if err == nil {
		tb.Fatalf("err = nil, want EINVALID naming %q", want)
	}
	if code := licensor.ErrorCode(err); code != licensor.EINVALID {
		tb.Fatalf("code = %q, want %q (err %v)", code, licensor.EINVALID, err)
	}
	msg := licensor.ErrorMessage(err)
	if !strings.Contains(msg, want) {
		tb.Fatalf("message = %q, want it to contain %q", msg, want)
	}
	prefix := "1 validation error detected: "
	if n != 1 {
		prefix = strconv.Itoa(n) + " validation errors detected: "
	}
	if !strings.HasPrefix(msg, prefix) {
		tb.Fatalf("message = %q, want prefix %q", msg, prefix)
	}
}

func TestParseTime(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   string
		want time.Time // zero: rejected
	}{
		{"Z", "2024-03-05T06:07:08Z", time.Date(2024, 3, 5, 6, 7, 8, 0, time.UTC)},
		{"Z millis", "2024-03-05T06:07:08.123Z", time.Date(2024, 3, 5, 6, 7, 8, 123e6, time.UTC)},
		{"Z nanos", "2024-03-05T06:07:08.123456789Z", time.Date(2024, 3, 5, 6, 7, 8, 123456789, time.UTC)},
		{"one fractional digit", "2024-03-05T06:07:08.5Z", time.Date(2024, 3, 5, 6, 7, 8, 5e8, time.UTC)},
		{"more than nine fractional digits", "2024-03-05T06:07:08.1234567891Z", time.Date(2024, 3, 5, 6, 7, 8, 123456789, time.UTC)},
		{"plus offset", "2024-03-05T06:07:08+02:00", time.Date(2024, 3, 5, 4, 7, 8, 0, time.UTC)},
		{"minus offset", "2024-03-05T06:07:08-05:30", time.Date(2024, 3, 5, 11, 37, 8, 0, time.UTC)},
		{"minus zero offset", "2024-03-05T06:07:08-00:00", time.Date(2024, 3, 5, 6, 7, 8, 0, time.UTC)},
		{"max offset", "2024-03-05T06:07:08+23:59", time.Date(2024, 3, 4, 6, 8, 8, 0, time.UTC)},
		{"fraction and offset", "2024-03-05T06:07:08.250+01:00", time.Date(2024, 3, 5, 5, 7, 8, 25e7, time.UTC)},
		{"leap day", "2024-02-29T23:59:59Z", time.Date(2024, 2, 29, 23, 59, 59, 0, time.UTC)},
		{"year 0000", "0000-01-01T00:00:00Z", time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"year 9999", "9999-12-31T23:59:59.999Z", time.Date(9999, 12, 31, 23, 59, 59, 999e6, time.UTC)},
		{"50 chars", "2024-03-05T06:07:08." + strings.Repeat("1", 24) + "+01:00", time.Date(2024, 3, 5, 5, 7, 8, 111111111, time.UTC)},

		{"empty", "", time.Time{}},
		{"missing zone", "2024-03-05T06:07:08", time.Time{}},
		{"missing zone with fraction", "2024-03-05T06:07:08.123", time.Time{}},
		{"date only", "2024-03-05", time.Time{}},
		{"hour 24", "2024-03-05T24:00:00Z", time.Time{}},
		{"minute 60", "2024-03-05T23:60:00Z", time.Time{}},
		{"second 60", "2024-03-05T23:59:60Z", time.Time{}},
		{"month 13", "2024-13-05T00:00:00Z", time.Time{}},
		{"month 00", "2024-00-05T00:00:00Z", time.Time{}},
		{"day 32", "2024-01-32T00:00:00Z", time.Time{}},
		{"day 00", "2024-01-00T00:00:00Z", time.Time{}},
		{"Feb 30", "2024-02-30T00:00:00Z", time.Time{}},
		{"Feb 29 non leap", "2023-02-29T00:00:00Z", time.Time{}},
		{"offset hour 24", "2024-03-05T06:07:08+24:00", time.Time{}},
		{"offset minute 60", "2024-03-05T06:07:08+01:60", time.Time{}},
		{"offset without colon", "2024-03-05T06:07:08+0100", time.Time{}},
		{"offset hours only", "2024-03-05T06:07:08+01", time.Time{}},
		{"double zone", "2024-03-05T06:07:08ZZ", time.Time{}},
		{"Z then offset", "2024-03-05T06:07:08Z+01:00", time.Time{}},
		{"lower-case z", "2024-03-05T06:07:08z", time.Time{}},
		{"lower-case t", "2024-03-05t06:07:08Z", time.Time{}},
		{"space separator", "2024-03-05 06:07:08Z", time.Time{}},
		{"comma fraction", "2024-03-05T06:07:08,5Z", time.Time{}},
		{"empty fraction", "2024-03-05T06:07:08.Z", time.Time{}},
		{"leading space", " 2024-03-05T06:07:08Z", time.Time{}},
		{"trailing space", "2024-03-05T06:07:08Z ", time.Time{}},
		{"trailing newline", "2024-03-05T06:07:08Z\n", time.Time{}},
		{"single-digit hour", "2024-03-05T6:07:08Z", time.Time{}},
		{"five-digit year", "12024-03-05T06:07:08Z", time.Time{}},
		{"negative year", "-2024-03-05T06:07:08Z", time.Time{}},
		{"51 chars", "2024-03-05T06:07:08." + strings.Repeat("1", 25) + "+01:00", time.Time{}},
		{"very long", "2024-03-05T06:07:08." + strings.Repeat("1", 1000) + "Z", time.Time{}},
		{"unix seconds", "1709618828", time.Time{}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := licensor.ParseTime(tt.in)
			if tt.want.IsZero() {
				if err == nil {
					t.Fatalf("ParseTime(%q) = %v, want error", tt.in, got)
				}
				if !got.IsZero() {
					t.Errorf("ParseTime(%q) returned %v with its error, want zero time", tt.in, got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseTime(%q): %v", tt.in, err)
			}
			if !got.Equal(tt.want) {
				t.Errorf("ParseTime(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

// TestParseTimeOutOfRangeInUTC: dates whose UTC form has no four-digit
// year are rejected, since every date leaves the server in UTC.
func TestParseTimeOutOfRangeInUTC(t *testing.T) {
	for _, in := range []string{"0000-01-01T00:30:00+01:00", "9999-12-31T23:00:00-01:00"} {
		if _, err := licensor.ParseTime(in); err == nil {
			t.Errorf("ParseTime(%q) accepted a date outside years 0000-9999 in UTC", in)
		}
	}
}

// TestParseTimeFormatRoundTrip checks that every date ParseTime accepts
// leaves the server (FormatTime, in UTC) as a string ParseTime accepts
// again, including at the edges of the four-digit years.
func TestParseTimeFormatRoundTrip(t *testing.T) {
	for _, in := range []string{
		"2024-03-05T06:07:08.123456Z",
		"2024-12-31T23:30:00-01:00",
		"0000-01-01T00:00:00Z",
		"9999-12-31T23:59:59.999Z",
	} {
		t.Run(in, func(t *testing.T) {
			tm, err := licensor.ParseTime(in)
			if err != nil {
				t.Fatalf("ParseTime(%q): %v", in, err)
			}
			out := licensor.FormatTime(tm)
			back, err := licensor.ParseTime(out)
			if err != nil {
				t.Fatalf("ParseTime(FormatTime(ParseTime(%q))) = ParseTime(%q): %v", in, out, err)
			}
			if !back.Equal(tm.Truncate(time.Millisecond)) {
				t.Errorf("round trip of %q = %v, want %v", in, back, tm.Truncate(time.Millisecond))
			}
		})
	}
}

func TestFormatTime(t *testing.T) {
	for _, tt := range []struct {
		name string
		in   time.Time
		want string
	}{
		{"UTC", time.Date(2024, 3, 5, 6, 7, 8, 0, time.UTC), "2024-03-05T06:07:08.000Z"},
		{"millis", time.Date(2024, 3, 5, 6, 7, 8, 123e6, time.UTC), "2024-03-05T06:07:08.123Z"},
		{"truncates, never rounds", time.Date(2024, 3, 5, 6, 7, 8, 999999999, time.UTC), "2024-03-05T06:07:08.999Z"},
		{"sub-millisecond dropped", time.Date(2024, 3, 5, 6, 7, 8, 999999, time.UTC), "2024-03-05T06:07:08.000Z"},
		{"converted to UTC", time.Date(2024, 3, 5, 1, 0, 0, 0, time.FixedZone("", 2*3600)), "2024-03-04T23:00:00.000Z"},
		{"negative offset crosses year", time.Date(2024, 12, 31, 23, 0, 0, 0, time.FixedZone("", -3*3600)), "2025-01-01T02:00:00.000Z"},
		{"zero time", time.Time{}, "0001-01-01T00:00:00.000Z"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := licensor.FormatTime(tt.in)
			if got != tt.want {
				t.Fatalf("FormatTime(%v) = %q, want %q", tt.in, got, tt.want)
			}
			back, err := licensor.ParseTime(got)
			if err != nil {
				t.Fatalf("ParseTime(%q): %v", got, err)
			}
			if !back.Equal(tt.in.Truncate(time.Millisecond)) {
				t.Errorf("ParseTime(%q) = %v, want %v", got, back, tt.in.Truncate(time.Millisecond))
			}
		})
	}
}

func TestValidateARN(t *testing.T) {
	lic := "arn:aws:license-manager::123456789012:license:l-0123456789abcdef0123456789abcdef"
	for _, tt := range []struct {
		name string
		in   string
		want string // "" when valid
	}{
		{"license ARN", lic, ""},
		{"aws-cn partition", "arn:aws-cn:license-manager::123456789012:license:l-1", ""},
		{"aws-us-gov partition", "arn:aws-us-gov:license-manager:us-gov-west-1:123456789012:license:l-1", ""},
		{"region and account", "arn:aws:license-manager:us-east-1:123456789012:grant:g-1", ""},
		{"empty region and account", "arn:aws:iam:::role/x", ""},
		{"resource with colons and symbols", "arn:aws:s3:::bucket/a:b+c=d,e@f.g-h_i", ""},
		{"service 63 chars", "arn:aws:" + strings.Repeat("s", 63) + "::1:r", ""},
		{"region 63 chars", "arn:aws:s:" + strings.Repeat("r", 63) + ":1:r", ""},
		{"account 63 chars", "arn:aws:s::" + strings.Repeat("1", 63) + ":r", ""},
		{"resource 1024 chars", "arn:aws:s:::" + strings.Repeat("r", 1024), ""},
		{"2048 chars", "arn:aws:" + strings.Repeat("s", 63) + ":" + strings.Repeat("r", 63) + ":" + strings.Repeat("a", 63) + ":" + strings.Repeat("x", 1024), ""},

		{"empty", "", "LicenseArn is required"},
		{"not an ARN", "license-1", "LicenseArn is not a valid ARN"},
		{"wrong scheme", "urn:aws:s:::r", "LicenseArn is not a valid ARN"},
		{"upper-case scheme", "ARN:aws:s:::r", "LicenseArn is not a valid ARN"},
		{"wrong partition", "arn:gcp:s:::r", "LicenseArn is not a valid ARN"},
		{"empty service", "arn:aws::::r", "LicenseArn is not a valid ARN"},
		{"service starts with dash", "arn:aws:-s:::r", "LicenseArn is not a valid ARN"},
		{"service 64 chars", "arn:aws:" + strings.Repeat("s", 64) + "::1:r", "LicenseArn is not a valid ARN"},
		{"region 64 chars", "arn:aws:s:" + strings.Repeat("r", 64) + ":1:r", "LicenseArn is not a valid ARN"},
		{"account 64 chars", "arn:aws:s::" + strings.Repeat("1", 64) + ":r", "LicenseArn is not a valid ARN"},
		{"empty resource", "arn:aws:s:::", "LicenseArn is not a valid ARN"},
		{"resource starts with slash", "arn:aws:s:::/r", "LicenseArn is not a valid ARN"},
		{"resource 1025 chars", "arn:aws:s:::" + strings.Repeat("r", 1025), "LicenseArn is not a valid ARN"},
		{"space in resource", "arn:aws:s:::a b", "LicenseArn is not a valid ARN"},
		{"newline at end", lic + "\n", "LicenseArn is not a valid ARN"},
		{"non-ASCII resource", "arn:aws:s:::é", "LicenseArn is not a valid ARN"},
		{"too few parts", "arn:aws:s:r", "LicenseArn is not a valid ARN"},
		{"2049 chars", "arn:aws:" + strings.Repeat("s", 63) + ":" + strings.Repeat("r", 63) + ":" + strings.Repeat("a", 63) + ":" + strings.Repeat("x", 1025), "LicenseArn is not a valid ARN"},
		{"very long", "arn:aws:s:::" + strings.Repeat("r", 5000), "LicenseArn is not a valid ARN"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := licensor.ValidateARN("LicenseArn", tt.in)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("ValidateARN(%q): %v", tt.in, err)
				}
				return
			}
			assertInvalid(t, err, 1, tt.want)
		})
	}
}

func TestValidateMaxResults(t *testing.T) {
	for _, tt := range []struct {
		in    *int32
		valid bool
	}{
		{nil, true},
		{ptr[int32](1), true},
		{ptr[int32](50), true},
		{ptr[int32](100), true},
		{ptr[int32](0), false},
		{ptr[int32](-1), false},
		{ptr[int32](101), false},
		{ptr[int32](-2147483648), false},
		{ptr[int32](2147483647), false},
	} {
		name := "nil"
		if tt.in != nil {
			name = strconv.Itoa(int(*tt.in))
		}
		t.Run(name, func(t *testing.T) {
			err := licensor.ValidateMaxResults(tt.in)
			if tt.valid {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			assertInvalid(t, err, 1, "MaxResults must be between 1 and 100")
		})
	}
}

func FuzzParseTime(f *testing.F) {
	for _, s := range []string{
		"2024-03-05T06:07:08Z",
		"2024-03-05T06:07:08.123456789Z",
		"2024-03-05T06:07:08+02:00",
		"2024-03-05T06:07:08.5-11:30",
		"0000-01-01T00:00:00Z",
		"9999-12-31T23:59:59.999Z",
		"2024-02-29T00:00:00Z",
		"2024-03-05T24:00:00Z",
		"2024-03-05T06:07:08",
		"2024-03-05T06:07:08ZZ",
		"12024-03-05T06:07:08Z",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := licensor.ParseTime(s)
		if err != nil {
			if !tm.IsZero() {
				t.Fatalf("ParseTime(%q) returned %v with error %v", s, tm, err)
			}
			return
		}
		if len(s) > 50 {
			t.Fatalf("ParseTime accepted %d chars: %q", len(s), s)
		}
		out := licensor.FormatTime(tm)
		back, err := licensor.ParseTime(out)
		if err != nil {
			t.Fatalf("ParseTime(%q) ok, but its FormatTime %q does not parse: %v", s, out, err)
		}
		if !back.Equal(tm.Truncate(time.Millisecond)) {
			t.Fatalf("ParseTime(FormatTime(ParseTime(%q))) = %v, want %v", s, back, tm.Truncate(time.Millisecond))
		}
		if again := licensor.FormatTime(back); again != out {
			t.Fatalf("FormatTime not stable: %q then %q", out, again)
		}
	})
}
