package web

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

var axisRE = regexp.MustCompile(`<text class="axis"[^>]*>([^<]*)</text>`)

// A count axis has whole-number ticks only (no 2.5 or 7.5), starts at 0
// and reaches the largest value, with at most five grid lines.
func TestChartAxesHaveIntegerTicks(t *testing.T) {
	for max := 0; max <= 120; max++ {
		for _, draw := range []struct {
			name string
			fn   func(*chart)
		}{{"columns", columns}, {"line", line}} {
			c := chart{ID: "c", Bars: []bar{{Label: "a", Value: 0}, {Label: "b", Value: float64(max)}}}
			draw.fn(&c)
			ticks := axisRE.FindAllStringSubmatch(string(c.SVG), -1)
			if len(ticks) < 2 || len(ticks) > 5 {
				t.Errorf("%s, max %d: %d ticks", draw.name, max, len(ticks))
				continue
			}
			var vals []int
			for _, m := range ticks {
				v, err := strconv.Atoi(m[1])
				if err != nil {
					t.Errorf("%s, max %d: tick %q is not a whole number", draw.name, max, m[1])
				}
				vals = append(vals, v)
			}
			if vals[0] != 0 || vals[len(vals)-1] < max {
				t.Errorf("%s, max %d: ticks %v", draw.name, max, vals)
			}
		}
	}
	// The case seen on the dashboard: ten overdue gave 2.5 and 7.5.
	c := chart{ID: "c", Bars: []bar{{Label: "a", Value: 10}}}
	columns(&c)
	if got := fmt.Sprint(axisRE.FindAllStringSubmatch(string(c.SVG), -1)); strings.Contains(got, ".5") {
		t.Errorf("ticks of 10: %s", got)
	}
}

// Long department names wrap onto lines rather than being cut: the
// longest English names of the seeded orgs fit three lines whole; a
// Chinese name fits one; only what exceeds three lines ends in "…".
func TestChartLabelsWrap(t *testing.T) {
	for _, name := range []string{
		"Municipal Culture, Radio, Television, Tourism and Sports Bureau",
		"National Financial Regulatory Administration, Municipal Branch",
		"Inspection Office of the Municipal People's Government",
		"市文化广电旅游体育局",
	} {
		lines := wrap(name, 244, 3)
		if got := strings.Join(lines, " "); got != name || len(lines) > 3 {
			t.Errorf("%q wraps to %q", name, lines)
		}
		for _, l := range lines {
			if textWidth(l) > 244 {
				t.Errorf("%q: line %q is wider than the label", name, l)
			}
		}
	}
	long := strings.Repeat("Department of Very Long Names ", 6)
	if lines := wrap(long, 244, 3); len(lines) != 3 || !strings.HasSuffix(lines[2], "…") {
		t.Errorf("an overlong name: %q", lines)
	}
	c := chart{ID: "c", Bars: []bar{{Label: "Municipal Culture, Radio, Television, Tourism and Sports Bureau", Value: 3, Display: "3 / 4", Href: "/x"}}}
	hbars(&c, 0)
	svg := string(c.SVG)
	if strings.Contains(svg, "<a") || strings.Contains(svg, "…") || strings.Count(svg, "<tspan") < 2 {
		t.Errorf("the bar chart: %s", svg)
	}
}
