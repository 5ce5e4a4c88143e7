package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCmd(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, func(string) string { return "" }, &out, &errOut)
	return out.String(), errOut.String(), err
}

func TestCalendarCommands(t *testing.T) {
	holidays := t.TempDir()
	// An admin's 2027 table, which replaces the built-in one wholesale: only
	// 1 October (a Friday) off, Saturday 9 October worked; from Thursday
	// 30 September, 2 working days skip the Friday and the weekend.
	if err := os.WriteFile(filepath.Join(holidays, "2027.json"),
		[]byte(`{"year":2027,"off":["2027-10-01"],"work":["2027-10-09"]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		// 28 Sep (Sunday, worked) … 1–8 Oct off … 11 Oct (Saturday, worked).
		{[]string{"calendar", "due", "--from", "2025-09-26", "--days", "20"}, "2025-10-30"},
		{[]string{"calendar", "due", "--from", "2026-02-13", "--days", "1"}, "2026-02-14"},
		{[]string{"calendar", "between", "--from", "2025-09-26", "--to", "2025-10-30"}, "20"},
		{[]string{"calendar", "between", "--from", "2025-09-30", "--to", "2025-10-08"}, "0"},
		{[]string{"calendar", "due", "--from", "2027-09-30", "--days", "2", "--holidays", holidays}, "2027-10-05"},
		{[]string{"calendar", "due", "--from", "2027-10-08", "--days", "1", "--holidays", holidays}, "2027-10-09"},
	} {
		out, _, err := runCmd(t, tc.args...)
		if err != nil || strings.TrimSpace(out) != tc.want {
			t.Errorf("%v: got %q (%v), want %s", tc.args, out, err, tc.want)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"calendar", "due", "--from", "2025/09/26", "--days", "20"}, "--from"},
		{[]string{"calendar", "due", "--from", "2025-09-26"}, "--days"},
		{[]string{"calendar", "between", "--from", "2025-09-26", "--to", "tomorrow"}, "--to"},
		{[]string{"dev", "--temporal-port", "seventy"}, "--temporal-port"},
		{[]string{"dev", "--http", "8080"}, "--http"},
		{[]string{"dev", "--deadlines", `{"initial_review":0}`}, "initial_review"},
		{[]string{"dev", "--deadlines", `{"initial_reveiw":5}`}, "--deadlines"},
		{[]string{"serve", "--http", "127.0.0.1:0"}, "--db is required"},
	} {
		_, _, err := runCmd(t, tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want one naming %s", tc.args, err, tc.want)
		}
	}
}
