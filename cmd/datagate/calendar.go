package main

import (
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/datagate/datagate/calendar"
)

func runCalendar(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "due" && args[0] != "between") {
		fmt.Fprint(stderr, "usage: datagate calendar due --from YYYY-MM-DD --days N | between --from YYYY-MM-DD --to YYYY-MM-DD\n")
		return errUsage
	}
	fs := flag.NewFlagSet("calendar "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "start date, YYYY-MM-DD (Asia/Shanghai)")
	days := fs.Int("days", 0, "working days (due)")
	to := fs.String("to", "", "end date, YYYY-MM-DD (between)")
	holidays := fs.String("holidays", envOr(getenv, "DATAGATE_HOLIDAYS", ""), "directory of YYYY.json holiday tables that add or replace years")
	if err := fs.Parse(args[1:]); err != nil {
		return errUsage
	}
	cal, err := loadCalendar(*holidays)
	if err != nil {
		return err
	}
	start, err := parseDate("--from", *from)
	if err != nil {
		return err
	}
	if args[0] == "due" {
		if *days < 1 {
			return fmt.Errorf("--days %d: give a number of working days of at least 1", *days)
		}
		due := cal.DueAt(start, *days)
		fmt.Fprintln(stdout, due.Format(time.DateOnly))
		noteProvisional(stderr, cal.MissingYears(start, due))
		return nil
	}
	end, err := parseDate("--to", *to)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, cal.Between(start, end))
	noteProvisional(stderr, cal.MissingYears(start, end))
	return nil
}

// noteProvisional says on stderr, so that stdout stays the bare result for
// scripts, that a result was counted across years without a holiday table.
func noteProvisional(stderr io.Writer, missing []int) {
	if len(missing) == 0 {
		return
	}
	years := make([]string, len(missing))
	for i, y := range missing {
		years[i] = strconv.Itoa(y)
	}
	fmt.Fprintf(stderr, "provisional: no holiday table for %s; %s / %s\n",
		strings.Join(years, ", "), calendar.ProvisionalNote, calendar.ProvisionalNoteEN)
}

func parseDate(flagName, v string) (time.Time, error) {
	t, err := time.ParseInLocation(time.DateOnly, v, calendar.Zone)
	if err != nil {
		return time.Time{}, fmt.Errorf("%s %q: use a date as YYYY-MM-DD", flagName, v)
	}
	return t, nil
}

// loadCalendar is the built-in 2025–2027 tables plus an admin's directory.
func loadCalendar(dir string) (*calendar.Calendar, error) {
	cal, err := calendar.Default()
	if err != nil {
		return nil, fmt.Errorf("load holiday table: %w", err)
	}
	if dir != "" {
		if err := cal.LoadDir(dir); err != nil {
			return nil, fmt.Errorf("load holiday tables from %s: %w", dir, err)
		}
	}
	return cal, nil
}

func envOr(getenv func(string) string, key, def string) string {
	if v := getenv(key); v != "" {
		return v
	}
	return def
}
