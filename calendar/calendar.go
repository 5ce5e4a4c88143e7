// Package calendar computes Chinese working days for statutory deadlines.
//
// A day is a working day when it is an adjusted working day (调休) in its
// year's table, or a Monday to Friday that its year's table does not list as
// off. Saturdays and Sundays are off unless adjusted.
//
// Years without a table fall back to weekends only: every Monday to Friday is
// a working day, including dates that will later turn out to be holidays. A
// date counted across such a year is provisional (MissingYears, Provisional).
// Load the next year's schedule (LoadDir, SetYear) as soon as the State
// Council publishes it, before deadlines reach into that year; MissingYear
// tells from 1 October on that it is still missing.
//
// All dates are calendar dates in China Standard Time (Zone, +08:00): a
// time.Time in any location is first converted to its date in Zone.
// "N working days after D" is the N-th working day strictly after D's date.
package calendar

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// Zone is China Standard Time (+08:00, no DST; a fixed zone so no tzdata is needed).
var Zone = time.FixedZone("CST", 8*60*60)

const (
	secondsPerDay = 24 * 60 * 60
	zoneOffset    = 8 * 60 * 60 // seconds east of UTC, matches Zone
)

// Calendar holds per-year schedules. It is safe for concurrent use: a year
// may be replaced while deadlines are computed; each computation sees either
// the old or the new table, never a mix.
type Calendar struct {
	mu    sync.RWMutex
	years map[int]*yearSched // immutable once stored; replaced, never modified
}

// yearSched is one validated YearTable compiled for lookups.
type yearSched struct {
	table   YearTable   // sorted copy, returned by Year
	start   int         // day number of 1 January
	working [366]bool   // by day of year, 0-based
	cum     [367]uint16 // cum[i]: working days among the first i days of the year
}

// New returns an empty calendar: weekends only, until tables are added.
func New() *Calendar {
	return &Calendar{years: make(map[int]*yearSched)}
}

// SetYear validates t, then adds or replaces its year.
func (c *Calendar) SetYear(t YearTable) error {
	if err := t.Validate(); err != nil {
		return err
	}
	s := compile(t)
	c.mu.Lock()
	c.years[t.Year] = s
	c.mu.Unlock()
	return nil
}

// LoadDir reads every *.json file in dir as a YearTable (see ParseYearTable)
// and adds or replaces those years. A missing dir is not an error. It is
// all-or-nothing: if any file is invalid, or two files define the same year,
// nothing is applied and the error names the file.
func (c *Calendar) LoadDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("calendar: %w", err)
	}
	loaded := make(map[int]*yearSched)
	files := make(map[int]string)
	for _, e := range entries {
		if e.IsDir() || filepath.Ext(e.Name()) != ".json" {
			continue
		}
		path := filepath.Join(dir, e.Name())
		t, err := readYearFile(path)
		if err != nil {
			return fmt.Errorf("calendar: %s: %w", path, err)
		}
		if prev, ok := files[t.Year]; ok {
			return fmt.Errorf("calendar: %s: year %d is already defined in %s; keep one file per year", path, t.Year, prev)
		}
		files[t.Year] = path
		loaded[t.Year] = compile(t)
	}
	c.mu.Lock()
	maps.Copy(c.years, loaded)
	c.mu.Unlock()
	return nil
}

func readYearFile(path string) (YearTable, error) {
	f, err := os.Open(path)
	if err != nil {
		return YearTable{}, err
	}
	defer f.Close()
	return ParseYearTable(f)
}

// Years returns the years that have a table, sorted.
func (c *Calendar) Years() []int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return slices.Sorted(maps.Keys(c.years))
}

// Year returns a copy of year y's table, with dates sorted.
func (c *Calendar) Year(y int) (YearTable, bool) {
	c.mu.RLock()
	s, ok := c.years[y]
	c.mu.RUnlock()
	if !ok {
		return YearTable{}, false
	}
	t := s.table
	t.Off = slices.Clone(t.Off)
	t.Work = slices.Clone(t.Work)
	return t, true
}

// IsWorkingDay reports whether d's calendar date in Zone is a working day.
func (c *Calendar) IsWorkingDay(d time.Time) bool {
	day := dayOf(d)
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.spanOf(day).working(day)
}

// AddWorkingDays returns midnight (in Zone) of the n-th working day strictly
// after from's calendar date in Zone. For n <= 0 it returns midnight of
// from's date.
func (c *Calendar) AddWorkingDays(from time.Time, n int) time.Time {
	d := dayOf(from)
	if n <= 0 {
		return midnight(d)
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	for {
		sp := c.spanOf(d + 1)
		if k := sp.count(d+1, sp.end-1); k < n {
			n -= k // the answer lies in a later year
			d = sp.end - 1
			continue
		}
		for {
			d++
			if sp.working(d) {
				if n--; n == 0 {
					return midnight(d)
				}
			}
		}
	}
}

// DueAt is the deadline of a task opened at from with n working days: the
// end (23:59:59 +08:00) of AddWorkingDays(from, n). For n <= 0 it is the end
// of from's date.
func (c *Calendar) DueAt(from time.Time, n int) time.Time {
	return c.AddWorkingDays(from, n).Add(secondsPerDay*time.Second - time.Second)
}

// SubWorkingDays returns midnight (in Zone) of the n-th working day strictly
// before d's calendar date in Zone, e.g. for a reminder "3 working days
// before due". For n <= 0 it returns midnight of d's date.
func (c *Calendar) SubWorkingDays(d time.Time, n int) time.Time {
	day := dayOf(d)
	if n <= 0 {
		return midnight(day)
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	for {
		sp := c.spanOf(day - 1)
		if k := sp.count(sp.start, day-1); k < n {
			n -= k // the answer lies in an earlier year
			day = sp.start
			continue
		}
		for {
			day--
			if sp.working(day) {
				if n--; n == 0 {
					return midnight(day)
				}
			}
		}
	}
}

// Between counts the working days strictly after a's date up to and including
// b's date (dates in Zone). It is 0 when b's date is not after a's date.
// Between(a, AddWorkingDays(a, n)) == n for n >= 1.
func (c *Calendar) Between(a, b time.Time) int {
	lo, hi := dayOf(a)+1, dayOf(b)
	if hi < lo {
		return 0
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := 0
	for lo <= hi {
		sp := c.spanOf(lo)
		end := min(hi, sp.end-1)
		n += sp.count(lo, end)
		lo = end + 1
	}
	return n
}

// compile builds the lookup form of a validated table.
func compile(t YearTable) *yearSched {
	s := &yearSched{start: civilDay(t.Year, time.January, 1)}
	s.table = YearTable{Year: t.Year, Off: slices.Sorted(slices.Values(t.Off)), Work: slices.Sorted(slices.Values(t.Work))}
	days := civilDay(t.Year+1, time.January, 1) - s.start
	for i := range days {
		s.working[i] = !isWeekend(s.start + i)
	}
	set := func(dates []string, working bool) {
		for _, v := range dates {
			d, _ := time.Parse(dateLayout, v) // validated
			s.working[d.YearDay()-1] = working
		}
	}
	set(s.table.Off, false)
	set(s.table.Work, true)
	for i := range days {
		s.cum[i+1] = s.cum[i]
		if s.working[i] {
			s.cum[i+1]++
		}
	}
	return s
}

// span is the calendar year containing a day: days [start, end), with its
// schedule, or nil when the year has no table (weekends only).
type span struct {
	start, end int
	s          *yearSched
}

// spanOf must be called with c.mu held.
func (c *Calendar) spanOf(day int) span {
	y := yearOf(day)
	return span{start: civilDay(y, time.January, 1), end: civilDay(y+1, time.January, 1), s: c.years[y]}
}

// working reports whether day (inside the span) is a working day.
func (sp span) working(day int) bool {
	if sp.s != nil {
		return sp.s.working[day-sp.start]
	}
	return !isWeekend(day)
}

// count returns the working days in [lo, hi], both inside the span; 0 if hi < lo.
func (sp span) count(lo, hi int) int {
	if hi < lo {
		return 0
	}
	if sp.s != nil {
		return int(sp.s.cum[hi-sp.start+1]) - int(sp.s.cum[lo-sp.start])
	}
	days := hi - lo + 1
	n := days / 7 * 5
	for d := lo + days/7*7; d <= hi; d++ {
		if !isWeekend(d) {
			n++
		}
	}
	return n
}

// Days are numbered from 1970-01-01 (day 0), counting calendar dates in Zone.

func dayOf(t time.Time) int {
	s := t.Unix() + zoneOffset
	d := s / secondsPerDay
	if s%secondsPerDay < 0 {
		d--
	}
	return int(d)
}

// yearOf is the calendar year of a day number.
func yearOf(day int) int {
	return time.Unix(int64(day)*secondsPerDay, 0).UTC().Year()
}

func midnight(day int) time.Time {
	return time.Unix(int64(day)*secondsPerDay-zoneOffset, 0).In(Zone)
}

func civilDay(y int, m time.Month, d int) int {
	return int(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Unix() / secondsPerDay)
}

func isWeekend(day int) bool {
	wd := ((day+4)%7 + 7) % 7 // 1970-01-01 was a Thursday; 0 is Sunday
	return wd == int(time.Sunday) || wd == int(time.Saturday)
}
