package calendar

import (
	"time"
)

// The note shown next to a provisional date: it was counted across a year
// without a table, so by weekends only, and moves when that year's holidays
// are announced and its table is added.
const (
	ProvisionalNote   = "按周末计算，待公布节假日后更新"
	ProvisionalNoteEN = "counted by weekends only; updated when the holidays are announced"
)

// MissingYears returns, sorted, the years without a table among those of the
// days a count from from to due looks at: the days strictly after from's
// date up to and including due's date (dates in Zone), as AddWorkingDays,
// DueAt and Between count them. It is nil when every such year has a table,
// or when due's date is not after from's date (nothing was counted).
func (c *Calendar) MissingYears(from, due time.Time) []int {
	lo, hi := dayOf(from)+1, dayOf(due)
	if hi < lo {
		return nil
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	var missing []int
	for y := yearOf(lo); y <= yearOf(hi); y++ {
		if c.years[y] == nil {
			missing = append(missing, y)
		}
	}
	return missing
}

// Provisional reports whether a date counted from from to due (e.g. due =
// DueAt(from, n)) crosses a year without a table: it was counted by weekends
// only and may move when that year's table is added.
func (c *Calendar) Provisional(from, due time.Time) bool {
	return len(c.MissingYears(from, due)) > 0
}

// MissingYear reports a year whose table is needed on now's date (in Zone)
// and absent: the current year, or, from 1 October on, the next one, since
// deadlines opened then reach into it. When both are absent it returns the
// current year. When neither is, it returns the next year and false.
func (c *Calendar) MissingYear(now time.Time) (year int, missing bool) {
	y, m, _ := now.In(Zone).Date()
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.years[y] == nil {
		return y, true
	}
	if m >= time.October && c.years[y+1] == nil {
		return y + 1, true
	}
	return y + 1, false
}
