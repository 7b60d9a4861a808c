// Package storetest is the conformance suite of licensor.Store: every
// behaviour a store promises, written once and run against each backend,
// so that SQLite and PostgreSQL answer alike. It knows nothing of any
// backend.
//
// A backend's test calls Run with a function that opens a fresh, empty,
// migrated store for one test and closes it through t.Cleanup.
package storetest

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/licensorhq/licensor"
)

// Run runs the suite, one subtest per behaviour, each on a store of its own
// from open.
func Run(t *testing.T, open func(t *testing.T) licensor.Store) {
	for _, group := range []struct {
		name  string
		tests map[string]func(t *testing.T, s licensor.Store)
	}{
		{"Account", accountTests},
		{"AccessKey", accessKeyTests},
		{"License", licenseTests},
		{"FindLicenses", findLicensesTests},
		{"Idempotency", idempotencyTests},
		{"Tx", txTests},
		{"Checkout", checkoutTests},
		{"Counter", counterTests},
		{"Usage", usageTests},
		{"Grant", grantTests},
		{"FindGrants", findGrantsTests},
		{"Organization", organizationTests},
		{"IssuerKey", keyTests},
	} {
		t.Run(group.name, func(t *testing.T) {
			for _, name := range slices.Sorted(maps.Keys(group.tests)) {
				t.Run(name, func(t *testing.T) {
					group.tests[name](t, open(t))
				})
			}
		})
	}
}

// t0 has nanoseconds and a zone, so every test checks that stores keep
// times in UTC at microsecond precision.
var t0 = time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.FixedZone("UTC+1", 3600))

// utc returns t as a store gives it back.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func ptr[T any](v T) *T { return &v }

// accountID returns the 12-digit account ID numbered n.
func accountID(n int) string { return fmt.Sprintf("%012d", 100000000000+n) }

// licenseARN returns a license ARN of account numbered a, license n.
func licenseARN(a, n int) string {
	return licensor.LicenseARN(accountID(a), fmt.Sprintf("%032x", n))
}

func wantCode(t *testing.T, err error, code licensor.Code) {
	t.Helper()
	if got := licensor.ErrorCode(err); got != code {
		t.Fatalf("error code = %q, want %q (err: %v)", got, code, err)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s:\n got: %s\nwant: %s", what, dump(got), dump(want))
	}
}

func dump(v any) string {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}
