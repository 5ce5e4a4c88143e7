package calendar

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	lunar "github.com/6tail/lunar-go/calendar"
)

// The State Council schedules, transcribed from the notices (国务院办公厅关于
// 2025年/2026年部分节假日安排的通知), independently of lunar-go.
var (
	notice2025 = YearTable{
		Year: 2025,
		Off: []string{
			"2025-01-01",                                                                                                   // New Year
			"2025-01-28", "2025-01-29", "2025-01-30", "2025-01-31", "2025-02-01", "2025-02-02", "2025-02-03", "2025-02-04", // Spring Festival
			"2025-04-04", "2025-04-05", "2025-04-06", // Qingming
			"2025-05-01", "2025-05-02", "2025-05-03", "2025-05-04", "2025-05-05", // Labour Day
			"2025-05-31", "2025-06-01", "2025-06-02", // Dragon Boat
			"2025-10-01", "2025-10-02", "2025-10-03", "2025-10-04", "2025-10-05", "2025-10-06", "2025-10-07", "2025-10-08", // National Day + Mid-Autumn
		},
		Work: []string{"2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"},
	}
	notice2026 = YearTable{
		Year: 2026,
		Off: []string{
			"2026-01-01", "2026-01-02", "2026-01-03", // New Year
			"2026-02-15", "2026-02-16", "2026-02-17", "2026-02-18", "2026-02-19", "2026-02-20", "2026-02-21", "2026-02-22", "2026-02-23", // Spring Festival
			"2026-04-04", "2026-04-05", "2026-04-06", // Qingming
			"2026-05-01", "2026-05-02", "2026-05-03", "2026-05-04", "2026-05-05", // Labour Day
			"2026-06-19", "2026-06-20", "2026-06-21", // Dragon Boat
			"2026-09-25", "2026-09-26", "2026-09-27", // Mid-Autumn
			"2026-10-01", "2026-10-02", "2026-10-03", "2026-10-04", "2026-10-05", "2026-10-06", "2026-10-07", // National Day
		},
		Work: []string{"2026-01-04", "2026-02-14", "2026-02-28", "2026-05-09", "2026-09-20", "2026-10-10"},
	}
	// The 2027 schedule (国务院办公厅关于2027年部分节假日安排的通知), holiday by
	// holiday. The notice's text could not be obtained when this was written:
	// the dates are lunar-go v1.4.7's, each checked against the statutory
	// days of 2027 (TestStatutoryDays2027: every one is off, and the year has
	// exactly 13 fewer working days than weekdays, as 2025 and 2026 do) and
	// against the facts quoted in issue 23 (1 January off, 5 February off in
	// the Spring Festival week, Sunday 31 January worked). Compare it with the
	// notice on gov.cn when it can be read.
	notice2027 = YearTable{
		Year: 2027,
		Off: []string{
			"2027-01-01", "2027-01-02", "2027-01-03", // New Year: Fri-Sun, no 调休
			"2027-02-05", "2027-02-06", "2027-02-07", "2027-02-08", "2027-02-09", "2027-02-10", "2027-02-11", "2027-02-12", "2027-02-13", // Spring Festival: Fri 5 (除夕) - Sat 13
			"2027-04-03", "2027-04-04", "2027-04-05", // Qingming: Sat-Mon
			"2027-05-01", "2027-05-02", "2027-05-03", "2027-05-04", "2027-05-05", // Labour Day: Sat-Wed
			"2027-06-09", "2027-09-15", // Dragon Boat and Mid-Autumn: one Wednesday each
			"2027-10-01", "2027-10-02", "2027-10-03", "2027-10-04", "2027-10-05", "2027-10-06", "2027-10-07", // National Day: Fri-Thu
		},
		// Sun 31 Jan and Sun 14 Feb (Spring Festival), Sat 8 May (Labour Day),
		// Sun 26 Sep and Sat 9 Oct (National Day).
		Work: []string{"2027-01-31", "2027-02-14", "2027-05-08", "2027-09-26", "2027-10-09"},
	}
)

// date returns midnight of a "YYYY-MM-DD" date in Zone.
func date(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := time.ParseInLocation(dateLayout, s, Zone)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// instant parses an RFC 3339 time.
func instant(t testing.TB, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func defaultCal(t testing.TB) *Calendar {
	t.Helper()
	c, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDefaultMatchesNotices(t *testing.T) {
	c := defaultCal(t)
	if got := c.Years(); !slices.Equal(got, []int{2025, 2026, 2027}) {
		t.Fatalf("Years() = %v, want [2025 2026 2027]", got)
	}
	for _, want := range []YearTable{notice2025, notice2026, notice2027} {
		got, ok := c.Year(want.Year)
		if !ok {
			t.Fatalf("Year(%d) missing", want.Year)
		}
		if !slices.Equal(got.Off, want.Off) {
			t.Errorf("%d off:\n got %v\nwant %v", want.Year, got.Off, want.Off)
		}
		if !slices.Equal(got.Work, want.Work) {
			t.Errorf("%d work:\n got %v\nwant %v", want.Year, got.Work, want.Work)
		}
	}
	if _, ok := c.Year(2028); ok {
		t.Error("Year(2028) present in Default")
	}
}

func TestWeekendsOnly(t *testing.T) {
	c := New()
	if len(c.Years()) != 0 {
		t.Fatalf("New().Years() = %v, want none", c.Years())
	}
	def := defaultCal(t)
	for _, tc := range []struct {
		day  string
		wd   time.Weekday
		want bool
	}{
		{"2025-09-26", time.Friday, true},
		{"2025-09-27", time.Saturday, false},
		{"2025-09-28", time.Sunday, false}, // 调休 only with the 2025 table
		{"2025-10-01", time.Wednesday, true},
		{"2024-02-29", time.Thursday, true},
		{"2030-01-05", time.Saturday, false},
		{"2030-01-06", time.Sunday, false},
		{"2030-01-07", time.Monday, true},
	} {
		d := date(t, tc.day)
		if d.Weekday() != tc.wd {
			t.Fatalf("%s is a %v, not %v", tc.day, d.Weekday(), tc.wd)
		}
		if got := c.IsWorkingDay(d); got != tc.want {
			t.Errorf("New().IsWorkingDay(%s) = %v, want %v", tc.day, got, tc.want)
		}
		// Years without a table fall back to weekends only in Default too.
		if d.Year() != 2025 && d.Year() != 2026 {
			if got := def.IsWorkingDay(d); got != tc.want {
				t.Errorf("Default().IsWorkingDay(%s) = %v, want %v", tc.day, got, tc.want)
			}
		}
	}
	// 2030 New Year's Day has no table yet: a plain Tuesday.
	if !def.IsWorkingDay(date(t, "2030-01-01")) {
		t.Error("2030-01-01 should fall back to a working Tuesday")
	}
}

func TestIsWorkingDayHolidays(t *testing.T) {
	c := defaultCal(t)
	for _, tc := range []struct {
		day  string
		wd   time.Weekday
		want bool
		why  string
	}{
		// 2025 New Year
		{"2024-12-31", time.Tuesday, true, "no 2024 table: weekday"},
		{"2025-01-01", time.Wednesday, false, "New Year"},
		{"2025-01-02", time.Thursday, true, "back to work"},
		// 2025 Spring Festival: Jan 28 - Feb 4 off, Jan 26 and Feb 8 worked
		{"2025-01-25", time.Saturday, false, "weekend"},
		{"2025-01-26", time.Sunday, true, "调休"},
		{"2025-01-27", time.Monday, true, "weekday"},
		{"2025-01-28", time.Tuesday, false, "Spring Festival"},
		{"2025-02-03", time.Monday, false, "Spring Festival"},
		{"2025-02-04", time.Tuesday, false, "Spring Festival"},
		{"2025-02-05", time.Wednesday, true, "back to work"},
		{"2025-02-08", time.Saturday, true, "调休"},
		{"2025-02-09", time.Sunday, false, "weekend"},
		// 2025 Labour Day
		{"2025-04-27", time.Sunday, true, "调休"},
		{"2025-05-05", time.Monday, false, "Labour Day"},
		{"2025-05-06", time.Tuesday, true, "back to work"},
		// 2025 Dragon Boat
		{"2025-06-02", time.Monday, false, "Dragon Boat"},
		// 2025 National Day + Mid-Autumn: Oct 1-8 off, Sep 28 and Oct 11 worked
		{"2025-09-27", time.Saturday, false, "weekend"},
		{"2025-09-28", time.Sunday, true, "调休"},
		{"2025-09-30", time.Tuesday, true, "weekday"},
		{"2025-10-01", time.Wednesday, false, "National Day"},
		{"2025-10-06", time.Monday, false, "Mid-Autumn"},
		{"2025-10-08", time.Wednesday, false, "National Day"},
		{"2025-10-09", time.Thursday, true, "back to work"},
		{"2025-10-11", time.Saturday, true, "调休"},
		{"2025-10-12", time.Sunday, false, "weekend"},
		// 2026 New Year: Jan 1-3 off, Jan 4 worked
		{"2025-12-31", time.Wednesday, true, "weekday"},
		{"2026-01-01", time.Thursday, false, "New Year"},
		{"2026-01-02", time.Friday, false, "New Year"},
		{"2026-01-03", time.Saturday, false, "New Year"},
		{"2026-01-04", time.Sunday, true, "调休"},
		{"2026-01-05", time.Monday, true, "weekday"},
		// 2026 Spring Festival: Feb 15-23 off, Feb 14 and Feb 28 worked
		{"2026-02-13", time.Friday, true, "weekday"},
		{"2026-02-14", time.Saturday, true, "调休"},
		{"2026-02-15", time.Sunday, false, "Spring Festival"},
		{"2026-02-16", time.Monday, false, "Spring Festival"},
		{"2026-02-23", time.Monday, false, "Spring Festival"},
		{"2026-02-24", time.Tuesday, true, "back to work"},
		{"2026-02-28", time.Saturday, true, "调休"},
		{"2026-03-01", time.Sunday, false, "weekend"},
		// 2026 Labour Day
		{"2026-05-05", time.Tuesday, false, "Labour Day"},
		{"2026-05-09", time.Saturday, true, "调休"},
		// 2026 Mid-Autumn and National Day: Oct 1-7 off, Sep 20 and Oct 10 worked
		{"2026-09-20", time.Sunday, true, "调休"},
		{"2026-09-25", time.Friday, false, "Mid-Autumn"},
		{"2026-09-30", time.Wednesday, true, "weekday"},
		{"2026-10-01", time.Thursday, false, "National Day"},
		{"2026-10-07", time.Wednesday, false, "National Day"},
		{"2026-10-08", time.Thursday, true, "back to work"},
		{"2026-10-10", time.Saturday, true, "调休"},
		{"2026-10-11", time.Sunday, false, "weekend"},
		// 2027 New Year: Jan 1-3 off, no 调休
		{"2026-12-31", time.Thursday, true, "weekday"},
		{"2027-01-01", time.Friday, false, "New Year"},
		{"2027-01-03", time.Sunday, false, "New Year"},
		{"2027-01-04", time.Monday, true, "back to work"},
		// 2027 Spring Festival: Feb 5-13 off, Jan 31 and Feb 14 worked
		{"2027-01-30", time.Saturday, false, "weekend"},
		{"2027-01-31", time.Sunday, true, "调休"},
		{"2027-02-04", time.Thursday, true, "weekday"},
		{"2027-02-05", time.Friday, false, "Spring Festival (除夕)"},
		{"2027-02-08", time.Monday, false, "Spring Festival"},
		{"2027-02-12", time.Friday, false, "Spring Festival"},
		{"2027-02-13", time.Saturday, false, "Spring Festival"},
		{"2027-02-14", time.Sunday, true, "调休"},
		{"2027-02-15", time.Monday, true, "weekday"},
		{"2027-02-20", time.Saturday, false, "weekend"},
		// 2027 Qingming: Apr 3-5
		{"2027-04-02", time.Friday, true, "weekday"},
		{"2027-04-05", time.Monday, false, "Qingming"},
		{"2027-04-06", time.Tuesday, true, "back to work"},
		// 2027 Labour Day: May 1-5 off, May 8 worked
		{"2027-04-30", time.Friday, true, "weekday"},
		{"2027-05-03", time.Monday, false, "Labour Day"},
		{"2027-05-05", time.Wednesday, false, "Labour Day"},
		{"2027-05-06", time.Thursday, true, "back to work"},
		{"2027-05-08", time.Saturday, true, "调休"},
		{"2027-05-09", time.Sunday, false, "weekend"},
		// 2027 Dragon Boat and Mid-Autumn: one Wednesday each
		{"2027-06-08", time.Tuesday, true, "weekday"},
		{"2027-06-09", time.Wednesday, false, "Dragon Boat"},
		{"2027-06-10", time.Thursday, true, "weekday"},
		{"2027-06-12", time.Saturday, false, "weekend"},
		{"2027-09-15", time.Wednesday, false, "Mid-Autumn"},
		{"2027-09-16", time.Thursday, true, "weekday"},
		// 2027 National Day: Oct 1-7 off, Sep 26 and Oct 9 worked
		{"2027-09-25", time.Saturday, false, "weekend"},
		{"2027-09-26", time.Sunday, true, "调休"},
		{"2027-09-30", time.Thursday, true, "weekday"},
		{"2027-10-01", time.Friday, false, "National Day"},
		{"2027-10-04", time.Monday, false, "National Day"},
		{"2027-10-07", time.Thursday, false, "National Day"},
		{"2027-10-08", time.Friday, true, "back to work"},
		{"2027-10-09", time.Saturday, true, "调休"},
		{"2027-10-10", time.Sunday, false, "weekend"},
		{"2027-12-31", time.Friday, true, "weekday"},
	} {
		d := date(t, tc.day)
		if d.Weekday() != tc.wd {
			t.Fatalf("%s is a %v, not %v", tc.day, d.Weekday(), tc.wd)
		}
		if got := c.IsWorkingDay(d); got != tc.want {
			t.Errorf("IsWorkingDay(%s %v) = %v, want %v (%s)", tc.day, tc.wd, got, tc.want, tc.why)
		}
	}
	// Every date of every block in the notices.
	for _, n := range []YearTable{notice2025, notice2026, notice2027} {
		for _, s := range n.Off {
			if c.IsWorkingDay(date(t, s)) {
				t.Errorf("IsWorkingDay(%s) = true, want false (holiday)", s)
			}
		}
		for _, s := range n.Work {
			if !c.IsWorkingDay(date(t, s)) {
				t.Errorf("IsWorkingDay(%s) = false, want true (调休)", s)
			}
		}
	}
}

// TestStatutoryDays2027 checks the 2027 table against the law rather than
// against a transcription: the 13 statutory holidays (全国年节及纪念日放假办法,
// art. 2, as amended in 2024) all fall on days off, and the notices only move
// days around them, so each year has exactly 13 fewer working days than it
// has Mondays to Fridays (2025 and 2026 as well). The lunar dates are
// computed with lunar-go's calendar, not taken from its holiday table.
func TestStatutoryDays2027(t *testing.T) {
	c := defaultCal(t)
	newYear := lunar.NewLunarFromYmd(2027, 1, 1).GetSolar().ToYmd()
	eve := lunar.NewLunarFromYmd(2027, 1, 1).GetSolar().NextDay(-1).ToYmd()
	for _, tc := range []struct{ day, want, name string }{
		{"2027-01-01", "2027-01-01", "元旦"},
		{"2027-02-05", eve, "除夕"},
		{"2027-02-06", newYear, "春节 正月初一"},
		{"2027-02-07", lunar.NewLunarFromYmd(2027, 1, 2).GetSolar().ToYmd(), "正月初二"},
		{"2027-02-08", lunar.NewLunarFromYmd(2027, 1, 3).GetSolar().ToYmd(), "正月初三"},
		{"2027-04-05", lunar.NewLunarFromYmd(2027, 3, 1).GetJieQiTable()["清明"].ToYmd(), "清明"},
		{"2027-05-01", "2027-05-01", "劳动节"},
		{"2027-05-02", "2027-05-02", "劳动节"},
		{"2027-06-09", lunar.NewLunarFromYmd(2027, 5, 5).GetSolar().ToYmd(), "端午 五月初五"},
		{"2027-09-15", lunar.NewLunarFromYmd(2027, 8, 15).GetSolar().ToYmd(), "中秋 八月十五"},
		{"2027-10-01", "2027-10-01", "国庆节"},
		{"2027-10-02", "2027-10-02", "国庆节"},
		{"2027-10-03", "2027-10-03", "国庆节"},
	} {
		if tc.day != tc.want {
			t.Errorf("%s falls on %s, not %s", tc.name, tc.want, tc.day)
		}
		if c.IsWorkingDay(date(t, tc.day)) {
			t.Errorf("%s (%s) is a working day in the 2027 table", tc.day, tc.name)
		}
	}

	weekdays := New()
	for _, y := range []int{2025, 2026, 2027} {
		a, b := date(t, fmt.Sprintf("%d-12-31", y-1)), date(t, fmt.Sprintf("%d-12-31", y))
		if got, want := c.Between(a, b), weekdays.Between(a, b)-13; got != want {
			t.Errorf("%d has %d working days, want %d (its weekdays minus the 13 statutory days)", y, got, want)
		}
	}
	// An adjusted working day is a Saturday or a Sunday.
	for _, n := range []YearTable{notice2025, notice2026, notice2027} {
		for _, s := range n.Work {
			if wd := date(t, s).Weekday(); wd != time.Saturday && wd != time.Sunday {
				t.Errorf("%d: worked day %s is a %v, not a weekend day", n.Year, s, wd)
			}
		}
	}
}

// TestDueInto2027 is issue 23's table: due dates counted from late 2026 into
// 2027, with the 2027 table (Default) and without it (2025 and 2026 only, as
// with lunar-go v1.4.6), through DueAt as `datagate calendar due` calls it.
func TestDueInto2027(t *testing.T) {
	with := defaultCal(t)
	without := New()
	for _, y := range []YearTable{notice2025, notice2026} {
		if err := without.SetYear(y); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		from          string
		n             int
		want, without string
	}{
		{"2026-12-25", 5, "2027-01-04", "2027-01-01"},  // 1-3 Jan off
		{"2026-12-18", 20, "2027-01-18", "2027-01-15"}, // 1 Jan (Fri) off
		{"2027-01-29", 5, "2027-02-04", "2027-02-05"},  // Sun 31 Jan worked
	} {
		from := date(t, tc.from).Add(9 * time.Hour)
		if got := with.DueAt(from, tc.n).Format(time.RFC3339); got != tc.want+"T23:59:59+08:00" {
			t.Errorf("DueAt(%s, %d) = %s, want %s", tc.from, tc.n, got, tc.want)
		}
		if with.Provisional(from, with.DueAt(from, tc.n)) {
			t.Errorf("DueAt(%s, %d) with the 2027 table is provisional", tc.from, tc.n)
		}
		due := without.DueAt(from, tc.n)
		if got := due.Format(time.DateOnly); got != tc.without {
			t.Errorf("without 2027: DueAt(%s, %d) = %s, want %s", tc.from, tc.n, got, tc.without)
		}
		if got := without.MissingYears(from, due); !slices.Equal(got, []int{2027}) {
			t.Errorf("without 2027: MissingYears(%s, %s) = %v, want [2027]", tc.from, tc.without, got)
		}
	}
}

func TestIsWorkingDayUsesChinaDate(t *testing.T) {
	c := defaultCal(t)
	for _, tc := range []struct {
		at   string
		want bool
	}{
		{"2025-09-27T15:59:59Z", false},      // Sat 27 Sep 23:59:59 in Beijing
		{"2025-09-27T16:00:00Z", true},       // Sun 28 Sep 00:00 in Beijing, 调休
		{"2025-09-27T23:00:00-05:00", true},  // Sun 28 Sep 12:00 in Beijing
		{"2025-10-08T23:30:00+08:00", false}, // last holiday, late evening
	} {
		if got := c.IsWorkingDay(instant(t, tc.at)); got != tc.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", tc.at, got, tc.want)
		}
	}
}

func TestAddWorkingDays(t *testing.T) {
	c := defaultCal(t)
	for _, tc := range []struct {
		from string
		n    int
		want string
	}{
		// 2025 National Day: Sep 28 (Sun) and Oct 11 (Sat) count, Oct 1-8 do not.
		{"2025-09-26", 1, "2025-09-28"},
		{"2025-09-26", 2, "2025-09-29"},
		{"2025-09-26", 3, "2025-09-30"},
		{"2025-09-26", 4, "2025-10-09"},
		{"2025-09-26", 6, "2025-10-11"},
		{"2025-09-26", 7, "2025-10-13"},
		{"2025-09-26", 20, "2025-10-30"}, // Sep 28-30 (3), Oct 9-11 (3), Oct 13-17, 20-24 (10), Oct 27-30 (4)
		{"2025-10-03", 1, "2025-10-09"},  // from inside a holiday
		// 2025 Spring Festival
		{"2025-01-24", 1, "2025-01-26"},
		{"2025-01-24", 2, "2025-01-27"},
		{"2025-01-24", 3, "2025-02-05"},
		{"2025-02-07", 1, "2025-02-08"},
		// Year boundary into the 2026 New Year: Jan 1-3 off, Jan 4 (Sun) worked.
		{"2025-12-30", 1, "2025-12-31"},
		{"2025-12-31", 1, "2026-01-04"},
		{"2025-12-31", 2, "2026-01-05"},
		// 2026 Spring Festival
		{"2026-02-13", 1, "2026-02-14"},
		{"2026-02-13", 2, "2026-02-24"},
		{"2026-02-27", 1, "2026-02-28"},
		// 2026 National Day
		{"2026-09-18", 1, "2026-09-20"},
		{"2026-09-30", 1, "2026-10-08"},
		{"2026-09-30", 3, "2026-10-10"},
		// Year boundary into the 2027 New Year: Jan 1-3 off.
		{"2026-12-31", 1, "2027-01-04"},
		{"2026-12-31", 2, "2027-01-05"},
		// 2027 Spring Festival: Sun 31 Jan worked, Feb 5-13 off, Sun 14 Feb worked.
		{"2027-01-29", 1, "2027-01-31"},
		{"2027-02-04", 1, "2027-02-14"},
		{"2027-02-04", 2, "2027-02-15"},
		// 2027 National Day
		{"2027-09-24", 1, "2027-09-26"},
		{"2027-09-30", 1, "2027-10-08"},
		{"2027-09-30", 2, "2027-10-09"},
		// Into 2028 with no table: weekends only.
		{"2027-12-30", 1, "2027-12-31"},
		{"2027-12-30", 2, "2028-01-03"},
		// A whole year.
		{"2024-12-31", 248, "2025-12-31"},
		{"2025-12-31", 248, "2026-12-31"},
		{"2026-12-31", 248, "2027-12-31"},
		// n <= 0: from's date.
		{"2025-10-03", 0, "2025-10-03"},
		{"2025-10-03", -5, "2025-10-03"},
	} {
		got := c.AddWorkingDays(date(t, tc.from).Add(10*time.Hour), tc.n)
		want := tc.want + "T00:00:00+08:00"
		if s := got.Format(time.RFC3339); s != want {
			t.Errorf("AddWorkingDays(%s, %d) = %s, want %s", tc.from, tc.n, s, want)
		}
	}
}

func TestDueAt(t *testing.T) {
	c := defaultCal(t)
	for _, tc := range []struct {
		from string
		n    int
		want string
	}{
		{"2025-09-26T10:00:00+08:00", 20, "2025-10-30T23:59:59+08:00"},
		{"2025-09-26T00:00:00+08:00", 1, "2025-09-28T23:59:59+08:00"},
		{"2025-12-31T17:30:00+08:00", 1, "2026-01-04T23:59:59+08:00"},
		// Late evening UTC that is already the next day in +08:00.
		{"2025-09-27T15:59:59Z", 1, "2025-09-28T23:59:59+08:00"}, // Sat 27 Sep 23:59:59 Beijing
		{"2025-09-27T16:30:00Z", 1, "2025-09-29T23:59:59+08:00"}, // Sun 28 Sep 00:30 Beijing
		{"2025-12-31T17:00:00Z", 1, "2026-01-04T23:59:59+08:00"}, // Thu 1 Jan 01:00 Beijing
		{"2026-01-03T16:00:00Z", 1, "2026-01-05T23:59:59+08:00"}, // Sun 4 Jan 00:00 Beijing
		{"2026-02-13T09:00:00+08:00", 2, "2026-02-24T23:59:59+08:00"},
		{"2026-02-13T09:00:00+08:00", 0, "2026-02-13T23:59:59+08:00"},
	} {
		got := c.DueAt(instant(t, tc.from), tc.n)
		if s := got.Format(time.RFC3339Nano); s != tc.want {
			t.Errorf("DueAt(%s, %d) = %s, want %s", tc.from, tc.n, s, tc.want)
		}
		if got.Location() != Zone {
			t.Errorf("DueAt(%s, %d) location = %v, want Zone", tc.from, tc.n, got.Location())
		}
	}
}

func TestSubWorkingDays(t *testing.T) {
	c := defaultCal(t)
	for _, tc := range []struct {
		d    string
		n    int
		want string
	}{
		{"2025-10-09T09:00:00+08:00", 1, "2025-09-30"},
		{"2025-10-09T09:00:00+08:00", 3, "2025-09-28"}, // Sun 调休 counts
		{"2025-10-09T09:00:00+08:00", 4, "2025-09-26"},
		{"2025-10-13T09:00:00+08:00", 1, "2025-10-11"},
		{"2025-10-30T23:59:59+08:00", 3, "2025-10-27"}, // reminder 3 working days before due
		{"2025-02-05T09:00:00+08:00", 1, "2025-01-27"},
		{"2025-02-05T09:00:00+08:00", 2, "2025-01-26"},
		{"2026-02-24T09:00:00+08:00", 1, "2026-02-14"},
		{"2026-02-24T09:00:00+08:00", 2, "2026-02-13"},
		{"2026-01-05T09:00:00+08:00", 1, "2026-01-04"},
		{"2026-01-05T09:00:00+08:00", 2, "2025-12-31"}, // across the year and New Year
		{"2026-01-04T20:00:00Z", 1, "2026-01-04"},      // already 5 Jan in Beijing
		{"2025-01-02T09:00:00+08:00", 1, "2024-12-31"}, // into a year without a table
		{"2025-12-31T09:00:00+08:00", 248, "2024-12-31"},
		{"2025-10-09T09:00:00+08:00", 0, "2025-10-09"},
	} {
		got := c.SubWorkingDays(instant(t, tc.d), tc.n)
		want := tc.want + "T00:00:00+08:00"
		if s := got.Format(time.RFC3339); s != want {
			t.Errorf("SubWorkingDays(%s, %d) = %s, want %s", tc.d, tc.n, s, want)
		}
	}
}

func TestBetween(t *testing.T) {
	c := defaultCal(t)
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"2025-09-26", "2025-10-30", 20},
		{"2025-09-26", "2025-10-08", 3},
		{"2025-09-30", "2025-10-08", 0},
		{"2025-10-08", "2025-10-08", 0},
		{"2025-10-30", "2025-09-26", 0},
		{"2025-12-31", "2026-01-05", 2},
		{"2024-12-31", "2025-12-31", 248}, // all of 2025
		{"2025-12-31", "2026-12-31", 248}, // all of 2026
		{"2026-12-31", "2027-12-31", 248}, // all of 2027
		{"2027-12-31", "2028-12-31", 260}, // 2028 without a table: weekdays
	} {
		if got := c.Between(date(t, tc.a), date(t, tc.b)); got != tc.want {
			t.Errorf("Between(%s, %s) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
}

// naiveAdd steps one day at a time, as a reference for AddWorkingDays.
func naiveAdd(c *Calendar, from time.Time, n int) time.Time {
	y, m, day := from.In(Zone).Date()
	d := time.Date(y, m, day, 0, 0, 0, 0, Zone)
	for n > 0 {
		d = d.AddDate(0, 0, 1)
		if c.IsWorkingDay(d) {
			n--
		}
	}
	return d
}

// TestInverseProperties checks, for every start date from late 2024 to early
// 2028 and many n, that Between and SubWorkingDays invert AddWorkingDays and
// that AddWorkingDays agrees with a day-by-day walk.
func TestInverseProperties(t *testing.T) {
	c := defaultCal(t)
	ns := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 17, 20, 22, 25, 30, 40, 60, 100, 250, 500}
	for from := date(t, "2024-12-01").Add(15 * time.Hour); from.Before(date(t, "2028-02-01")); from = from.AddDate(0, 0, 1) {
		lastWorking := c.SubWorkingDays(from.AddDate(0, 0, 1), 1) // last working day on or before from
		for _, n := range ns {
			due := c.AddWorkingDays(from, n)
			if want := naiveAdd(c, from, n); !due.Equal(want) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s, day-by-day gives %s", from, n, due, want)
			}
			if !c.IsWorkingDay(due) {
				t.Fatalf("AddWorkingDays(%s, %d) = %s is not a working day", from, n, due)
			}
			if got := c.Between(from, due); got != n {
				t.Fatalf("Between(%s, AddWorkingDays(.., %d) = %s) = %d", from, n, due, got)
			}
			if got := c.Between(from, due.AddDate(0, 0, -1)); got != n-1 {
				t.Fatalf("Between(%s, day before %s) = %d, want %d", from, due, got, n-1)
			}
			if got := c.SubWorkingDays(due, n); !got.Equal(lastWorking) {
				t.Fatalf("SubWorkingDays(%s, %d) = %s, want %s", due, n, got, lastWorking)
			}
		}
	}
}

func TestSetYearReplaces(t *testing.T) {
	c := defaultCal(t)
	feb13 := date(t, "2026-02-13")
	if got := c.AddWorkingDays(feb13, 2).Format(dateLayout); got != "2026-02-24" {
		t.Fatalf("before: AddWorkingDays(2026-02-13, 2) = %s", got)
	}
	// An invalid table is refused and leaves the old one in place.
	if err := c.SetYear(YearTable{Year: 2026, Off: []string{"2026-02-30"}}); err == nil {
		t.Fatal("SetYear accepted an invalid table")
	}
	if c.IsWorkingDay(date(t, "2026-02-16")) {
		t.Fatal("invalid SetYear changed 2026")
	}

	if err := c.SetYear(YearTable{Year: 2026, Off: []string{"2026-01-01"}}); err != nil {
		t.Fatal(err)
	}
	if !c.IsWorkingDay(date(t, "2026-02-16")) {
		t.Error("2026-02-16 should be a working Monday after replacing 2026")
	}
	if c.IsWorkingDay(date(t, "2026-01-04")) {
		t.Error("2026-01-04 should be a plain Sunday after replacing 2026")
	}
	if c.IsWorkingDay(date(t, "2026-01-01")) {
		t.Error("2026-01-01 should still be off")
	}
	if got := c.AddWorkingDays(feb13, 2).Format(dateLayout); got != "2026-02-17" {
		t.Errorf("after: AddWorkingDays(2026-02-13, 2) = %s, want 2026-02-17", got)
	}
	if got := c.Between(date(t, "2025-12-31"), date(t, "2026-12-31")); got != 260 {
		t.Errorf("after: working days in 2026 = %d, want 260", got)
	}
	if !c.IsWorkingDay(date(t, "2025-09-28")) {
		t.Error("2025 must be unchanged")
	}
	if got := c.Years(); !slices.Equal(got, []int{2025, 2026, 2027}) {
		t.Errorf("Years() = %v", got)
	}

	// Year returns a copy.
	yt, _ := c.Year(2026)
	yt.Off[0] = "2026-01-02"
	if again, _ := c.Year(2026); again.Off[0] != "2026-01-01" {
		t.Error("Year returned the stored slice")
	}
}

func writeFile(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// table2030 is a made-up 2030 schedule for tests, a year no library has yet.
const table2030 = `{
  "year": 2030,
  "off":  ["2030-01-01", "2030-02-04", "2030-02-05", "2030-02-06", "2030-02-07", "2030-02-08"],
  "work": ["2030-02-16"]
}`

func TestLoadDir(t *testing.T) {
	c := defaultCal(t)
	if err := c.LoadDir(filepath.Join(t.TempDir(), "missing")); err != nil {
		t.Fatalf("missing dir: %v", err)
	}

	dir := t.TempDir()
	writeFile(t, dir, "2030.json", table2030)
	writeFile(t, dir, "README.txt", "not a table")
	if err := os.Mkdir(filepath.Join(dir, "archive.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := c.LoadDir(dir); err != nil {
		t.Fatal(err)
	}
	if got := c.Years(); !slices.Equal(got, []int{2025, 2026, 2027, 2030}) {
		t.Fatalf("Years() = %v, want [2025 2026 2027 2030]", got)
	}
	for _, tc := range []struct {
		day  string
		want bool
	}{
		{"2030-01-01", false}, // Tue, off
		{"2030-02-06", false}, // Wed, off
		{"2030-02-11", true},  // Mon
		{"2030-02-16", true},  // Sat, 调休
		{"2030-02-17", false}, // Sun
	} {
		if got := c.IsWorkingDay(date(t, tc.day)); got != tc.want {
			t.Errorf("IsWorkingDay(%s) = %v, want %v", tc.day, got, tc.want)
		}
	}
	if got := c.AddWorkingDays(date(t, "2030-02-01"), 1).Format(dateLayout); got != "2030-02-11" {
		t.Errorf("AddWorkingDays(2030-02-01, 1) = %s, want 2030-02-11", got)
	}

	// A file replaces a library year wholesale.
	dir2 := t.TempDir()
	writeFile(t, dir2, "2026-revised.json", `{"year": 2026, "off": ["2026-01-01"], "work": []}`)
	if err := c.LoadDir(dir2); err != nil {
		t.Fatal(err)
	}
	if !c.IsWorkingDay(date(t, "2026-02-16")) {
		t.Error("2026 was not replaced by 2026-revised.json")
	}
}

func TestLoadDirErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{
			name:  "invalid table",
			files: map[string]string{"2030.json": table2030, "2028.json": `{"year": 2028, "off": ["2028-13-01"]}`},
			want:  []string{"2028.json", `off[0]: "2028-13-01" is not a date; use YYYY-MM-DD`},
		},
		{
			name:  "unknown field",
			files: map[string]string{"2028.json": `{"year": 2028, "of": []}`},
			want:  []string{"2028.json", `unknown field "of"`},
		},
		{
			name:  "not JSON",
			files: map[string]string{"broken.json": `{"year": 2028,`},
			want:  []string{"broken.json", "invalid year table JSON"},
		},
		{
			name:  "same year twice",
			files: map[string]string{"a.json": table2030, "b.json": table2030},
			want:  []string{"b.json", "year 2030 is already defined in", "a.json"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := defaultCal(t)
			dir := t.TempDir()
			for name, content := range tc.files {
				writeFile(t, dir, name, content)
			}
			err := c.LoadDir(dir)
			if err == nil {
				t.Fatal("LoadDir succeeded")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if got := c.Years(); !slices.Equal(got, []int{2025, 2026, 2027}) {
				t.Errorf("a failed LoadDir applied tables: Years() = %v", got)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		t    YearTable
		want string // "" means valid
	}{
		{"valid", YearTable{Year: 2027, Off: []string{"2027-10-01"}, Work: []string{"2027-09-26"}}, ""},
		{"empty", YearTable{Year: 2027}, ""},
		{"year too small", YearTable{Year: 1999}, "year: 1999 is out of range; use a year from 2000 to 2100"},
		{"year missing", YearTable{Off: []string{"2027-01-01"}}, "year: 0 is out of range"},
		{"wrong year", YearTable{Year: 2027, Off: []string{"2027-01-01", "2026-10-01"}},
			`off[1]: "2026-10-01" is not in year 2027; move it to the 2026 table`},
		{"bad date", YearTable{Year: 2027, Work: []string{"2027-01-09", "2027-01-10", "2027-13-01"}},
			`work[2]: "2027-13-01" is not a date; use YYYY-MM-DD`},
		{"no such day", YearTable{Year: 2027, Off: []string{"2027-02-29"}},
			`off[0]: "2027-02-29" is not a date; use YYYY-MM-DD`},
		{"unpadded", YearTable{Year: 2027, Off: []string{"2027-2-1"}},
			`off[0]: "2027-2-1" is not a date; use YYYY-MM-DD`},
		{"both off and work", YearTable{Year: 2027, Off: []string{"2027-10-01", "2027-10-02"}, Work: []string{"2027-10-02"}},
			`work[0]: "2027-10-02" is also listed as off[1]; a date is either off or worked, remove one`},
		{"duplicate off", YearTable{Year: 2027, Off: []string{"2027-10-01", "2027-10-02", "2027-10-01"}},
			`off[2]: "2027-10-01" is listed twice (also off[0]); remove one`},
		{"duplicate work", YearTable{Year: 2027, Work: []string{"2027-09-26", "2027-09-26"}},
			`work[1]: "2027-09-26" is listed twice (also work[0]); remove one`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.t.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tc.want != "" && err == nil:
				t.Fatalf("Validate() = nil, want %q", tc.want)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("Validate() = %q, want it to contain %q", err, tc.want)
			}
		})
	}

	// Every problem is reported, one per line.
	err := YearTable{Year: 2027, Off: []string{"x", "2027-01-01"}, Work: []string{"2027-01-01"}}.Validate()
	if err == nil || len(strings.Split(err.Error(), "\n")) != 2 {
		t.Errorf("Validate() = %q, want two lines", err)
	}
}

func TestParseYearTable(t *testing.T) {
	got, err := ParseYearTable(strings.NewReader(table2030))
	if err != nil {
		t.Fatal(err)
	}
	if got.Year != 2030 || len(got.Off) != 6 || !slices.Equal(got.Work, []string{"2030-02-16"}) {
		t.Errorf("ParseYearTable = %+v", got)
	}
	for _, tc := range []struct{ in, want string }{
		{`{"year": 2027, "holidays": []}`, `unknown field "holidays"`},
		{`{"year": 2027} {"year": 2028}`, "put one table per file"},
		{`{"year": 2027, "off": ["2027-13-01"]}`, `off[0]: "2027-13-01" is not a date`},
		{`[]`, "invalid year table JSON"},
		{``, "invalid year table JSON"},
	} {
		if _, err := ParseYearTable(strings.NewReader(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseYearTable(%s) error = %v, want it to contain %q", tc.in, err, tc.want)
		}
	}
}

// TestConcurrentSetYear replaces 2026 while deadlines are computed; run with
// -race. Each computation must see either the old or the new table.
func TestConcurrentSetYear(t *testing.T) {
	c := defaultCal(t)
	replacement := YearTable{Year: 2026, Off: []string{"2026-01-01"}}
	from := date(t, "2026-02-13")
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range 200 {
			tbl := notice2026
			if i%2 == 0 {
				tbl = replacement
			}
			if err := c.SetYear(tbl); err != nil {
				t.Error(err)
				return
			}
		}
	})
	for range 4 {
		wg.Go(func() {
			for range 500 {
				got := c.DueAt(from, 2).Format(dateLayout)
				if got != "2026-02-24" && got != "2026-02-17" {
					t.Errorf("DueAt(2026-02-13, 2) = %s during SetYear", got)
					return
				}
				_ = c.Between(from, date(t, "2026-12-31"))
				_ = c.Years()
			}
		})
	}
	wg.Wait()
}

func TestNoAllocations(t *testing.T) {
	c := defaultCal(t)
	a, b := date(t, "2025-01-01"), date(t, "2026-12-31")
	from := date(t, "2025-09-26")
	if n := testing.AllocsPerRun(100, func() { _ = c.Between(a, b) }); n != 0 {
		t.Errorf("Between allocates %v times per call", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = c.DueAt(from, 20) }); n != 0 {
		t.Errorf("DueAt allocates %v times per call", n)
	}
}

func BenchmarkDueAt(b *testing.B) {
	c := defaultCal(b)
	from := instant(b, "2025-09-26T10:00:00+08:00")
	b.ReportAllocs()
	for b.Loop() {
		_ = c.DueAt(from, 20)
	}
}
