package service

import (
	"testing"
	"time"

	"github.com/licensorhq/licensor"
)

func TestConsumptionPeriod(t *testing.T) {
	lic := func(begin string, renew licensor.RenewType) *licensor.License {
		return &licensor.License{Validity: licensor.DatetimeRange{Begin: begin}, ConsumptionConfiguration: licensor.ConsumptionConfiguration{RenewType: renew}}
	}
	at := func(s string) time.Time { t, _ := time.Parse(time.RFC3339, s); return t }
	for _, tc := range []struct {
		name string
		l    *licensor.License
		now  string
		want int64
	}{
		{"none never renews", lic("2026-01-01T00:00:00Z", licensor.RenewNone), "2030-01-01T00:00:00Z", 0},
		{"unset never renews", lic("2026-01-01T00:00:00Z", ""), "2030-01-01T00:00:00Z", 0},
		{"before begin", lic("2026-01-01T00:00:00Z", licensor.RenewWeekly), "2025-12-01T00:00:00Z", 0},
		{"weekly first week", lic("2026-01-01T00:00:00Z", licensor.RenewWeekly), "2026-01-07T23:59:59Z", 0},
		{"weekly boundary", lic("2026-01-01T00:00:00Z", licensor.RenewWeekly), "2026-01-08T00:00:00Z", 1},
		{"weekly with offset begin", lic("2026-01-01T00:00:00+02:00", licensor.RenewWeekly), "2026-01-07T22:00:00Z", 1},
		{"monthly first month", lic("2026-01-15T00:00:00Z", licensor.RenewMonthly), "2026-02-14T23:59:59Z", 0},
		{"monthly boundary", lic("2026-01-15T00:00:00Z", licensor.RenewMonthly), "2026-02-15T00:00:00Z", 1},
		{"monthly a year on", lic("2026-01-15T00:00:00Z", licensor.RenewMonthly), "2027-01-15T00:00:00Z", 12},
		{"monthly from the 31st, Feb", lic("2026-01-31T00:00:00Z", licensor.RenewMonthly), "2026-02-28T00:00:00Z", 0},
		{"monthly from the 31st, March 3rd", lic("2026-01-31T00:00:00Z", licensor.RenewMonthly), "2026-03-03T00:00:00Z", 1},
	} {
		if got := consumptionPeriod(tc.l, at(tc.now)); got != tc.want {
			t.Errorf("%s: period = %d, want %d", tc.name, got, tc.want)
		}
	}
}
