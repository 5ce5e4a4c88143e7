package main

import (
	"bytes"
	"context"
	"io"
	"math"
	"strings"
	"testing"
	"time"
)

// TestSmoke runs every measurement but P5 at the smallest sizes, with the
// Temporal server in process: it checks that the bench runs and reports a
// number for every row, never how fast anything is.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c, err := parseConfig([]string{"p1", "p2", "p3", "p4", "p6", "-n", "2", "-c", "2", "-p2-n", "2", "-p3-n", "5",
		"-p4-small", "200", "-p4-large", "1000", "-p4-q", "3", "-p4-db", "sqlite", "-p6-warp", "100ms",
		"-server", "inproc", "-dir", t.TempDir()}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	c.Progress, c.Log = io.Discard, io.Discard
	rep, err := runBench(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"P1": 2, "P2": 6, "P3": 4, "P4": 2, "P6": 2}
	got := map[string]int{}
	for _, r := range rep.Rows() {
		got[r.P]++
		if !(r.Value > 0) || math.IsInf(r.Value, 0) {
			t.Errorf("%s %q: value %v, want a positive number", r.P, r.What, r.Value)
		}
		if !math.IsNaN(r.Anchor) && !(r.Anchor > 0) {
			t.Errorf("%s %q: anchor %v, want a positive number", r.P, r.What, r.Anchor)
		}
		if r.Target != "" && r.Met == nil {
			t.Errorf("%s %q: a target without a verdict", r.P, r.What)
		}
	}
	for p, n := range want {
		if got[p] != n {
			t.Errorf("%s: %d rows, want %d", p, got[p], n)
		}
	}
	var out bytes.Buffer
	rep.print(&out)
	for _, s := range []string{"| P1 ", "| P6 ", "EXPLAIN", "idx_tasks_overdue"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("summary lacks %q:\n%s", s, out.String())
		}
	}
}

func TestParseConfig(t *testing.T) {
	for _, tc := range []struct {
		args  []string
		which string
		err   string
	}{
		{args: nil, which: "p1 p2 p3 p6 p4 p5"},
		{args: []string{"p3", "-p3-n", "10", "p1"}, which: "p1 p3"},
		{args: []string{"-n", "5", "all"}, which: "p1 p2 p3 p6 p4 p5"},
		{args: []string{"p7"}, err: "unknown measurement"},
		{args: []string{"p1", "-db", "mysql"}, err: "needs -mysql"},
		{args: []string{"p4", "-mysql", "mysql://u:p@tcp(h:3306)/datagate"}, err: "must contain \"bench\""},
		{args: []string{"p4", "-p4-small", "10", "-p4-large", "5"}, err: "-p4-large"},
	} {
		t.Setenv("DATAGATE_BENCH_MYSQL_DSN", "")
		c, err := parseConfig(tc.args, io.Discard)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%v: error %v, want one containing %q", tc.args, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%v: %v", tc.args, err)
			continue
		}
		var which []string
		for _, p := range phases {
			if c.which[p] {
				which = append(which, p)
			}
		}
		if strings.Join(which, " ") != tc.which {
			t.Errorf("%v: runs %v, want %s", tc.args, which, tc.which)
		}
	}
}
