package calendar

import (
	"slices"
	"testing"
	"time"
)

func TestMissingYears(t *testing.T) {
	c := defaultCal(t) // 2025, 2026, 2027
	for _, tc := range []struct {
		from, due string
		want      []int
	}{
		{"2026-12-18T09:00:00+08:00", "2027-01-18T23:59:59+08:00", nil},
		{"2025-09-26T10:00:00+08:00", "2025-10-30T23:59:59+08:00", nil},
		{"2027-12-30T09:00:00+08:00", "2028-01-03T23:59:59+08:00", []int{2028}},
		{"2027-12-30T09:00:00+08:00", "2030-01-03T23:59:59+08:00", []int{2028, 2029, 2030}},
		{"2024-12-30T09:00:00+08:00", "2025-01-02T23:59:59+08:00", []int{2024}},
		{"2023-12-29T09:00:00+08:00", "2028-01-03T23:59:59+08:00", []int{2023, 2024, 2028}},
		{"2023-12-31T09:00:00+08:00", "2028-01-03T23:59:59+08:00", []int{2024, 2028}},
		// Only the days after from are counted: from 31 December of a year
		// without a table into a year with one is not provisional.
		{"2024-12-31T09:00:00+08:00", "2025-01-02T23:59:59+08:00", nil},
		{"2027-12-31T23:00:00+08:00", "2028-01-03T23:59:59+08:00", []int{2028}},
		// Dates are taken in Zone: 31 Dec 2027 16:30 UTC is already 1 Jan 2028.
		{"2027-12-30T09:00:00+08:00", "2027-12-31T16:30:00Z", []int{2028}},
		{"2027-12-30T09:00:00+08:00", "2027-12-31T15:59:59Z", nil},
		// Nothing counted: due on or before from's date.
		{"2028-03-01T09:00:00+08:00", "2028-03-01T23:59:59+08:00", nil},
		{"2028-03-01T09:00:00+08:00", "2027-03-01T23:59:59+08:00", nil},
	} {
		from, due := instant(t, tc.from), instant(t, tc.due)
		got := c.MissingYears(from, due)
		if !slices.Equal(got, tc.want) {
			t.Errorf("MissingYears(%s, %s) = %v, want %v", tc.from, tc.due, got, tc.want)
		}
		if p := c.Provisional(from, due); p != (len(tc.want) > 0) {
			t.Errorf("Provisional(%s, %s) = %v, want %v", tc.from, tc.due, p, len(tc.want) > 0)
		}
	}
}

// TestProvisionalUntilTableAdded follows one due date counted into 2028: it
// is provisional until a 2028 table is added, then it is not, and the date
// counted again with the table moves.
func TestProvisionalUntilTableAdded(t *testing.T) {
	c := defaultCal(t)
	from := instant(t, "2027-12-24T09:00:00+08:00")
	due := c.DueAt(from, 10)
	if got := due.Format(time.DateOnly); got != "2028-01-07" {
		t.Fatalf("DueAt(2027-12-24, 10) = %s, want 2028-01-07 (weekends only)", got)
	}
	if !c.Provisional(from, due) {
		t.Fatal("a due date counted into 2028 without a table is not provisional")
	}
	if err := c.SetYear(YearTable{Year: 2028, Off: []string{"2028-01-03"}}); err != nil {
		t.Fatal(err)
	}
	if c.Provisional(from, due) {
		t.Error("still provisional after the 2028 table was added")
	}
	if got := c.DueAt(from, 10).Format(time.DateOnly); got != "2028-01-10" {
		t.Errorf("with the 2028 table: DueAt(2027-12-24, 10) = %s, want 2028-01-10", got)
	}
}

func TestMissingYear(t *testing.T) {
	def := defaultCal(t) // 2025, 2026, 2027
	with2028 := defaultCal(t)
	if err := with2028.SetYear(YearTable{Year: 2028, Off: []string{"2028-01-01"}}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		c       *Calendar
		now     string
		year    int
		missing bool
	}{
		{"2026: 2027 is there", def, "2026-12-01T10:00:00+08:00", 2027, false},
		{"before October", def, "2027-09-30T23:59:59+08:00", 2028, false},
		{"1 October in Beijing", def, "2027-09-30T16:00:00Z", 2028, true},
		{"1 October", def, "2027-10-01T00:00:00+08:00", 2028, true},
		{"December", def, "2027-12-31T23:59:59+08:00", 2028, true},
		{"the year itself", def, "2028-03-01T10:00:00+08:00", 2028, true},
		{"the year itself, from October", def, "2028-10-01T10:00:00+08:00", 2028, true},
		{"2028 added", with2028, "2027-10-01T00:00:00+08:00", 2028, false},
		{"2028 added, in 2028", with2028, "2028-03-01T10:00:00+08:00", 2029, false},
		{"2028 added, October 2028", with2028, "2028-10-01T10:00:00+08:00", 2029, true},
		{"2024 has no table", def, "2024-05-01T10:00:00+08:00", 2024, true},
		{"October 2024: 2024 itself has none", def, "2024-10-01T10:00:00+08:00", 2024, true},
	} {
		year, missing := tc.c.MissingYear(instant(t, tc.now))
		if year != tc.year || missing != tc.missing {
			t.Errorf("%s: MissingYear(%s) = %d, %v; want %d, %v", tc.name, tc.now, year, missing, tc.year, tc.missing)
		}
	}
}
