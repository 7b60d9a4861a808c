package service

import (
	"time"

	"github.com/licensorhq/licensor"
)

// consumptionPeriod returns the index of the renewal period that t falls
// in, counted from the license's Validity.Begin: weeks for Weekly, calendar
// months for Monthly (a period starting on the 31st rolls to the first day
// after the shorter month's end, as time.AddDate normalizes), and 0 for None
// or before Begin. Drawdown counters restart at each new period.
func consumptionPeriod(l *licensor.License, t time.Time) int64 {
	begin := l.Validity.BeginTime().UTC()
	t = t.UTC()
	if begin.IsZero() || t.Before(begin) {
		return 0
	}
	switch l.ConsumptionConfiguration.RenewType {
	case licensor.RenewWeekly:
		return int64(t.Sub(begin) / (7 * 24 * time.Hour))
	case licensor.RenewMonthly:
		m := int64(t.Year()-begin.Year())*12 + int64(t.Month()-begin.Month())
		if begin.AddDate(0, int(m), 0).After(t) {
			m--
		}
		return m
	}
	return 0
}
