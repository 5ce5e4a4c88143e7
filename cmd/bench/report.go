package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// row is one measurement beside its anchor.
type row struct {
	P      string  // P1 ... P6
	What   string  // what DataGate did
	Value  float64 // DataGate's number
	Anchor float64 // the anchor's number; NaN when the row has none
	Unit   string  // unit of Value and Anchor
	// AnchorWhat names the anchor.
	AnchorWhat string
	// Target is the ratio (or value) the issue asks for, e.g. "≤ 2×";
	// empty for a row that only informs.
	Target string
	// Met is nil for an informative row.
	Met *bool
}

// Ratio is Value / Anchor.
func (r row) Ratio() float64 {
	if math.IsNaN(r.Anchor) || r.Anchor == 0 {
		return math.NaN()
	}
	return r.Value / r.Anchor
}

// report gathers rows, notes and EXPLAIN output of a run.
type report struct {
	mu      sync.Mutex
	cfg     config
	began   time.Time
	rows    []row
	notes   []string
	explain []string
	times   map[string]time.Duration
}

func newReport(c config) *report {
	return &report{cfg: c, began: time.Now(), times: map[string]time.Duration{}}
}

func (r *report) add(x row) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.rows = append(r.rows, x)
}

func (r *report) note(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.notes = append(r.notes, fmt.Sprintf(format, args...))
}

func (r *report) addExplain(title, plan string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.explain = append(r.explain, title+"\n"+plan)
}

func (r *report) took(p string, d time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.times[p] = d
}

// Rows returns a copy of the rows.
func (r *report) Rows() []row {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]row(nil), r.rows...)
}

func met(ok bool) *bool { return &ok }

// nanAnchor marks a row without an anchor.
var nanAnchor = math.NaN()

// print writes the summary: a Markdown table that reads in a terminal.
func (r *report) print(w io.Writer) {
	r.mu.Lock()
	defer r.mu.Unlock()
	host, _ := os.Hostname()
	fmt.Fprintf(w, "\nDataGate bench, %s\n", r.began.Format(time.RFC3339))
	fmt.Fprintf(w, "machine: %s (%s)\n", machine(), host)
	fmt.Fprintf(w, "command: bench %s\n", r.cfg.describe())
	var took []string
	for _, p := range phases {
		if d, ok := r.times[p]; ok {
			took = append(took, fmt.Sprintf("%s %s", strings.ToUpper(p), d.Round(time.Second)))
		}
	}
	fmt.Fprintf(w, "took: %s\n\n", strings.Join(took, ", "))
	header := []string{"P", "measurement", "DataGate", "anchor", "anchor is", "ratio", "target", "met"}
	table := [][]string{header}
	rows := append([]row(nil), r.rows...)
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].P < rows[j].P })
	for _, x := range rows {
		anchor, ratio := "", ""
		if !math.IsNaN(x.Anchor) && x.Anchor != 0 {
			anchor = num(x.Anchor) + " " + x.Unit
			ratio = fmt.Sprintf("%.2f×", x.Ratio())
		}
		verdict := ""
		if x.Met != nil {
			verdict = "no"
			if *x.Met {
				verdict = "yes"
			}
		}
		table = append(table, []string{x.P, x.What, num(x.Value) + " " + x.Unit, anchor, x.AnchorWhat, ratio, x.Target, verdict})
	}
	writeTable(w, table)
	if len(r.notes) > 0 {
		fmt.Fprintln(w, "\nnotes:")
		for _, n := range r.notes {
			fmt.Fprintf(w, "- %s\n", n)
		}
	}
	for _, e := range r.explain {
		fmt.Fprintf(w, "\n%s\n", e)
	}
}

// describe is the command line that reproduces the run.
func (c config) describe() string {
	var which []string
	for _, p := range phases {
		if c.which[p] {
			which = append(which, p)
		}
	}
	s := strings.Join(which, " ")
	if len(which) == len(phases) {
		s = "all"
	}
	return s + fmt.Sprintf(" -n %d -c %d -db %s -p2-n %d -p3-n %d -p4-small %d -p4-large %d -p4-q %d -p4-db %s -p5-n %d -p5-open %d -p5-rate %g -sticky-timeout %s -server %s",
		c.N, c.Conc, c.DB, c.P2N, c.P3N, c.P4Small, c.P4Large, c.P4Queries, c.P4DB, c.P5N, max(c.P5Open, c.P5N), c.P5Rate, c.StickyTimeout, c.Server)
}

// num prints a number with three significant digits or so.
func num(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v):
		return "n/a"
	case a >= 1000:
		return fmt.Sprintf("%.0f", v)
	case a >= 100:
		return fmt.Sprintf("%.1f", v)
	case a >= 10:
		return fmt.Sprintf("%.2f", v)
	default:
		return fmt.Sprintf("%.3f", v)
	}
}

func writeTable(w io.Writer, t [][]string) {
	width := make([]int, len(t[0]))
	for _, r := range t {
		for i, c := range r {
			width[i] = max(width[i], displayWidth(c))
		}
	}
	line := func(r []string) {
		var b strings.Builder
		b.WriteString("|")
		for i, c := range r {
			b.WriteString(" " + c + strings.Repeat(" ", width[i]-displayWidth(c)) + " |")
		}
		fmt.Fprintln(w, b.String())
	}
	line(t[0])
	sep := make([]string, len(width))
	for i, n := range width {
		sep[i] = strings.Repeat("-", n)
	}
	line(sep)
	for _, r := range t[1:] {
		line(r)
	}
}

// displayWidth counts runes; the table holds no wide characters.
func displayWidth(s string) int { return len([]rune(s)) }
