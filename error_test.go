package licensor_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/licensorhq/licensor"
)

func TestErrorCodeAndMessage(t *testing.T) {
	cause := errors.New("dial tcp 10.0.0.7:5432: password=hunter2")
	for _, tt := range []struct {
		name     string
		err      error
		wantCode licensor.Code
		wantMsg  string
	}{
		{"nil", nil, "", ""},
		{"plain error", cause, licensor.EINTERNAL, "Internal error."},
		{"wrapped plain error", fmt.Errorf("find license: %w", cause), licensor.EINTERNAL, "Internal error."},
		{"Errorf", licensor.Errorf(licensor.ENOTFOUND, "License %s not found.", "x"), licensor.ENOTFOUND, "License x not found."},
		{"wrapped Error", fmt.Errorf("checkout %s: %w", "arn", licensor.Errorf(licensor.ECONFLICT, "busy")), licensor.ECONFLICT, "busy"},
		{"doubly wrapped", fmt.Errorf("a: %w", fmt.Errorf("b: %w", licensor.Errorf(licensor.ERATELIMIT, "slow down"))), licensor.ERATELIMIT, "slow down"},
		{"joined", errors.Join(cause, licensor.Errorf(licensor.EFORBIDDEN, "no")), licensor.EFORBIDDEN, "no"},
		{"WrapError keeps the message, hides the cause", licensor.WrapError(licensor.EINVALID, cause, "bad input"), licensor.EINVALID, "bad input"},
		{"EINTERNAL message is hidden", licensor.Errorf(licensor.EINTERNAL, "store: %v", cause), licensor.EINTERNAL, "Internal error."},
		{"EINTERNAL WrapError is hidden", licensor.WrapError(licensor.EINTERNAL, cause, "sql: syntax error near SELECT"), licensor.EINTERNAL, "Internal error."},
		{"wrapped EINTERNAL is hidden", fmt.Errorf("op: %w", licensor.WrapError(licensor.EINTERNAL, cause, "x")), licensor.EINTERNAL, "Internal error."},
		{"NotFound", licensor.NotFound("License", "arn:x"), licensor.ENOTFOUND, "License arn:x does not exist or is not accessible to the caller."},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := licensor.ErrorCode(tt.err); got != tt.wantCode {
				t.Errorf("ErrorCode = %q, want %q", got, tt.wantCode)
			}
			msg := licensor.ErrorMessage(tt.err)
			if msg != tt.wantMsg {
				t.Errorf("ErrorMessage = %q, want %q", msg, tt.wantMsg)
			}
			if strings.Contains(msg, "hunter2") || strings.Contains(msg, "10.0.0.7") {
				t.Errorf("ErrorMessage leaks the cause: %q", msg)
			}
		})
	}
}

func TestWrapError(t *testing.T) {
	cause := errors.New("disk full")
	err := licensor.WrapError(licensor.EUNAVAILABLE, cause, "Try again.")
	if !errors.Is(err, cause) {
		t.Error("errors.Is(WrapError(…, cause, …), cause) = false")
	}
	if got, want := err.Error(), "unavailable: Try again.: disk full"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := licensor.Errorf(licensor.EINVALID, "n=%d", 3).Error(), "invalid: n=3"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestUnits(t *testing.T) {
	// The model's EntitlementUnit enum, in its order.
	model := []licensor.Unit{
		"Count", "None", "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes",
		"Megabytes", "Gigabytes", "Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits",
		"Terabits", "Percent", "Bytes/Second", "Kilobytes/Second", "Megabytes/Second",
		"Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second",
		"Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second",
	}
	if fmt.Sprint(licensor.Units) != fmt.Sprint(model) {
		t.Fatalf("Units = %v, want %v", licensor.Units, model)
	}
	for _, u := range model {
		if !u.Valid() {
			t.Errorf("%q.Valid() = false", u)
		}
	}
	for _, u := range []licensor.Unit{"", "count", "COUNT", "Count ", "Count/second", "Seats", "Bytes/Sec"} {
		if u.Valid() {
			t.Errorf("%q.Valid() = true", u)
		}
	}
	if (&licensor.Entitlement{Unit: licensor.UnitNone}).Limited() {
		t.Error("None is limited")
	}
	if !(&licensor.Entitlement{Unit: "Count"}).Limited() {
		t.Error("Count is not limited")
	}
}
