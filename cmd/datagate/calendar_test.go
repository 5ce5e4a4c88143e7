package main

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/calendar"
)

// TestCalendarDueProvisional: `datagate calendar due` prints the date alone
// on stdout, and on stderr that it is provisional when it was counted
// across a year without a table; issue 23's dates into 2027 are not.
func TestCalendarDueProvisional(t *testing.T) {
	holidays := t.TempDir()
	if err := os.WriteFile(filepath.Join(holidays, "2028.json"),
		[]byte(`{"year":2028,"off":["2028-01-03"],"work":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args        []string
		want        string
		provisional string // the missing years named on stderr, "" if none
	}{
		{[]string{"calendar", "due", "--from", "2026-12-25", "--days", "5"}, "2027-01-04", ""},
		{[]string{"calendar", "due", "--from", "2026-12-18", "--days", "20"}, "2027-01-18", ""},
		{[]string{"calendar", "due", "--from", "2027-01-29", "--days", "5"}, "2027-02-04", ""},
		{[]string{"calendar", "due", "--from", "2027-12-30", "--days", "1"}, "2027-12-31", ""},
		{[]string{"calendar", "due", "--from", "2027-12-30", "--days", "2"}, "2028-01-03", "2028"},
		{[]string{"calendar", "due", "--from", "2027-12-30", "--days", "300"}, "2029-02-22", "2028, 2029"},
		{[]string{"calendar", "due", "--from", "2027-12-30", "--days", "2", "--holidays", holidays}, "2028-01-04", ""},
		{[]string{"calendar", "between", "--from", "2027-12-30", "--to", "2028-01-07"}, "6", "2028"},
		{[]string{"calendar", "between", "--from", "2027-12-30", "--to", "2028-01-07", "--holidays", holidays}, "5", ""},
		{[]string{"calendar", "between", "--from", "2028-01-07", "--to", "2027-12-30"}, "0", ""},
	} {
		out, errOut, err := runCmd(t, tc.args...)
		if err != nil || out != tc.want+"\n" {
			t.Errorf("%v: stdout %q (%v), want %q", tc.args, out, err, tc.want+"\n")
		}
		if tc.provisional == "" {
			if errOut != "" {
				t.Errorf("%v: stderr %q, want nothing", tc.args, errOut)
			}
			continue
		}
		want := "provisional: no holiday table for " + tc.provisional + "; " +
			calendar.ProvisionalNote + " / " + calendar.ProvisionalNoteEN + "\n"
		if errOut != want {
			t.Errorf("%v: stderr %q, want %q", tc.args, errOut, want)
		}
	}
}

func TestWarnMissingYear(t *testing.T) {
	cal, err := calendar.Default()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		now  string
		year int // 0: no warning
	}{
		{"2026-12-10T09:00:00+08:00", 0},
		{"2027-09-30T23:59:59+08:00", 0},
		{"2027-10-01T00:00:00+08:00", 2028},
		{"2028-02-01T09:00:00+08:00", 2028},
	} {
		now, err := time.Parse(time.RFC3339, tc.now)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		warnMissingYear(slog.New(slog.NewJSONHandler(&buf, nil)), cal, now)
		if tc.year == 0 {
			if buf.Len() != 0 {
				t.Errorf("%s: logged %s, want nothing", tc.now, buf.String())
			}
			continue
		}
		var rec struct {
			Level string
			Msg   string
			Year  int
		}
		if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
			t.Fatalf("%s: %q: %v", tc.now, buf.String(), err)
		}
		if rec.Level != "WARN" || rec.Year != tc.year || !strings.Contains(rec.Msg, "provisional") {
			t.Errorf("%s: logged %+v, want a warning for %d", tc.now, rec, tc.year)
		}
	}
}
