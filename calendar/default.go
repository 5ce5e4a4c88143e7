package calendar

import (
	"fmt"

	"github.com/6tail/lunar-go/HolidayUtil"
)

// defaultYears are the years Default takes from lunar-go's holiday table.
// lunar-go v1.4.7 added 2027 (released 2026-11-06).
var defaultYears = []int{2025, 2026, 2027}

// Default returns a calendar holding the 2025, 2026 and 2027 schedules
// published by the State Council, as recorded by github.com/6tail/lunar-go's
// HolidayUtil. Other years fall back to weekends only until a table is added
// with SetYear or LoadDir; dates counted across them are provisional (see
// MissingYears).
func Default() (*Calendar, error) {
	c := New()
	for _, y := range defaultYears {
		t, err := lunarYear(y)
		if err != nil {
			return nil, err
		}
		if err := c.SetYear(t); err != nil {
			return nil, fmt.Errorf("calendar: lunar-go table for %d: %w", y, err)
		}
	}
	return c, nil
}

// lunarYear converts lunar-go's holiday entries dated in year y into a
// YearTable. An entry with IsWork() is an adjusted working day (调休).
func lunarYear(y int) (YearTable, error) {
	t := YearTable{Year: y}
	for e := HolidayUtil.GetHolidaysByYear(y).Front(); e != nil; e = e.Next() {
		h := e.Value.(*HolidayUtil.Holiday)
		if h.IsWork() {
			t.Work = append(t.Work, h.GetDay())
		} else {
			t.Off = append(t.Off, h.GetDay())
		}
	}
	if len(t.Off) == 0 {
		return YearTable{}, fmt.Errorf("calendar: lunar-go has no holidays for %d; supply a %d table with LoadDir", y, y)
	}
	return t, nil
}
