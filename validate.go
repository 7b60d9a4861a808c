package licensor

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// validator collects every constraint violation of one request, so a
// caller learns all of them at once, in AWS's "N validation errors
// detected" style.
type validator struct {
	errs []string
}

func (v *validator) add(field, msg string) {
	v.errs = append(v.errs, fmt.Sprintf("%s %s", field, msg))
}

func (v *validator) required(field, s string) bool {
	if s == "" {
		v.add(field, "is required")
		return false
	}
	return true
}

func (v *validator) length(field, s string, max int) {
	if !utf8.ValidString(s) {
		v.add(field, "must be valid UTF-8")
	} else if utf8.RuneCountInString(s) > max {
		v.add(field, fmt.Sprintf("must be at most %d characters", max))
	}
}

func (v *validator) name(field, s string, required bool) {
	if required && !v.required(field, s) {
		return
	}
	v.length(field, s, MaxNameLength)
}

func (v *validator) err() error {
	switch len(v.errs) {
	case 0:
		return nil
	case 1:
		return Errorf(EINVALID, "1 validation error detected: %s.", v.errs[0])
	default:
		return Errorf(EINVALID, "%d validation errors detected: %s.", len(v.errs), strings.Join(v.errs, "; "))
	}
}

var (
	// The model's ISO8601DateTime pattern (with its stray space kept out).
	iso8601Re = regexp.MustCompile(`^(-?(?:[1-9][0-9]*)?[0-9]{4})-(1[0-2]|0[1-9])-(3[0-1]|0[1-9]|[1-2][0-9])T(2[0-3]|[0-1][0-9]):([0-5][0-9]):([0-5][0-9])(\.[0-9]+)?(Z|[+-](?:2[0-3]|[0-1][0-9]):[0-5][0-9])+$`)
	arnRe     = regexp.MustCompile(`^arn:aws[a-zA-Z-]*:[A-Za-z0-9][A-Za-z0-9_/.-]{0,62}:[A-Za-z0-9_/.-]{0,63}:[A-Za-z0-9_/.-]{0,63}:([A-Za-z0-9][A-Za-z0-9:_/+=,@.-]*)$`) // resource part ≤1024, checked in code
	regionRe  = regexp.MustCompile(`^[a-z]{2,4}(-[a-z]+)+-[0-9]{1,2}$`)
)

// ParseTime parses an ISO8601DateTime as the model constrains it.
func ParseTime(s string) (time.Time, error) {
	if len(s) > 50 || !iso8601Re.MatchString(s) {
		return time.Time{}, fmt.Errorf("%q is not an ISO 8601 date-time with a time zone", s)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a valid date-time", s)
	}
	// Every date leaves the server in UTC; keep it within four-digit years
	// there, so FormatTime writes what ParseTime reads.
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return time.Time{}, fmt.Errorf("%q is out of range (years 0000 to 9999 in UTC)", s)
	}
	return t, nil
}

// FormatTime formats t the way every date leaves the server: UTC with
// millisecond precision.
func FormatTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func (v *validator) time(field, s string) (time.Time, bool) {
	t, err := ParseTime(s)
	if err != nil {
		v.add(field, err.Error())
		return time.Time{}, false
	}
	return t, true
}

func (v *validator) arn(field, s string) bool {
	if !v.required(field, s) {
		return false
	}
	if m := arnRe.FindStringSubmatch(s); len(s) > 2048 || m == nil || len(m[1]) > 1024 {
		v.add(field, "is not a valid ARN")
		return false
	}
	return true
}

func (v *validator) clientToken(field, s string) {
	if !v.required(field, s) {
		return
	}
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > 2048 || strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		v.add(field, "must be 1 to 2048 characters without whitespace")
	}
}

func (v *validator) region(field, s string) {
	if v.required(field, s) && !regionRe.MatchString(s) {
		v.add(field, fmt.Sprintf("%q is not a valid region name", s))
	}
}

// ValidateMaxResults checks a page size: nil means unset, otherwise 1..100.
func ValidateMaxResults(n *int32) error {
	if n != nil && (*n < 1 || *n > 100) {
		return Errorf(EINVALID, "1 validation error detected: MaxResults must be between 1 and 100.")
	}
	return nil
}

// ValidateARN checks that s is a well-formed ARN.
func ValidateARN(field, s string) error {
	v := &validator{}
	v.arn(field, s)
	return v.err()
}
