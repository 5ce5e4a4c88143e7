package web

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// Charts are drawn here as inline SVG: no script, no library. Colours come
// from the style sheet's classes, every chart has a title and a
// description for screen readers, and the page shows the same figures as
// a table beside it.

// bar is one bar, or one point of a line.
type bar struct {
	Label string
	Value float64
	// Display is the value as shown.
	Display string
	// Href is where the bar leads (a drill-down); empty for none.
	Href string
	// Alert draws the bar in the warning colour.
	Alert bool
}

// chart is a drawn chart with its text alternative.
type chart struct {
	ID, Title, Desc string
	// LabelHeader and ValueHeader head the table of figures.
	LabelHeader, ValueHeader string
	Bars                     []bar
	SVG                      template.HTML
	// Empty is shown instead of a chart with nothing to draw.
	Empty string
}

func esc(s string) string { return template.HTMLEscapeString(s) }

// svgOpen starts an SVG that scales to its container's width.
func svgOpen(b *strings.Builder, c *chart, w, h int) {
	fmt.Fprintf(b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-t %s-d" preserveAspectRatio="xMinYMin meet">`,
		w, h, esc(c.ID), esc(c.ID))
	fmt.Fprintf(b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, esc(c.ID), esc(c.Title), esc(c.ID), esc(c.Desc))
}

// chartW is the charts' width in SVG units. The style sheet draws a chart
// no narrower than 30rem (480 px, scrolled sideways below that), so that
// text of chartFont units is never smaller than 12 px on the screen:
// 14 × 480 / 560 = 12.
const (
	chartW    = 560
	chartFont = 14.0
)

// scale is a count axis: its top and the step between its grid lines,
// whole numbers both (1, 2, 5, 10, 20, ...), at most about four steps and
// at least four units, so that no tick reads 2.5 or 7.5.
func scale(v float64) (top, step float64) {
	if v <= 4 {
		return 4, 1
	}
	raw := v / 4
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	step = 10 * p
	for _, m := range []float64{1, 2, 5} {
		if raw <= m*p {
			step = m * p
			break
		}
	}
	step = math.Max(1, math.Ceil(step))
	return math.Ceil(v/step) * step, step
}

// textWidth estimates the width of s at the charts' font: a Chinese
// character takes a full em, a capital about 0.72 em, other Latin letters,
// digits and marks about 0.6 (generous, so that an estimate never cuts).
func textWidth(s string) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case r >= 0x2E80:
			w += chartFont
		case r >= 'A' && r <= 'Z':
			w += chartFont * 0.72
		case r == ' ':
			w += chartFont * 0.3
		default:
			w += chartFont * 0.6
		}
	}
	return w
}

// wrap breaks a label into lines of at most px: between words in a Latin
// name, anywhere in a Chinese one. A label longer than lines lines ends
// in "…" (the chart's <title> and the table beside it give it in full).
func wrap(s string, px float64, lines int) []string {
	var tokens []string
	for _, w := range strings.Fields(s) {
		cur := ""
		for _, r := range w {
			if r >= 0x2E80 {
				if cur != "" {
					tokens = append(tokens, cur)
					cur = ""
				}
				tokens = append(tokens, string(r))
				continue
			}
			cur += string(r)
		}
		if cur != "" {
			tokens = append(tokens, cur)
		}
		tokens = append(tokens, " ")
	}
	var out []string
	line := ""
	for _, tok := range tokens {
		if tok == " " {
			if line != "" {
				line += " "
			}
			continue
		}
		if line != "" && textWidth(strings.TrimSpace(line+tok)) > px {
			out = append(out, strings.TrimSpace(line))
			line = ""
		}
		line += tok
	}
	if line = strings.TrimSpace(line); line != "" {
		out = append(out, line)
	}
	for i, l := range out {
		out[i] = fit(l, px)
	}
	if len(out) > lines {
		out = out[:lines]
		out[lines-1] = ellipsize(out[lines-1], px)
	}
	return out
}

// fit shortens one line to px at the charts' font, ending it in "…".
func fit(s string, px float64) string {
	if textWidth(s) <= px {
		return s
	}
	return ellipsize(s, px)
}

// ellipsize is the longest start of s that fits px with "…" after it.
func ellipsize(s string, px float64) string {
	out, w := []rune{}, textWidth("…")
	for _, r := range s {
		if w+textWidth(string(r)) > px {
			break
		}
		w += textWidth(string(r))
		out = append(out, r)
	}
	return strings.TrimSpace(string(out)) + "…"
}

// hbars draws horizontal bars, one row per bar, labels on the left: it
// suits department names, which wrap onto up to three lines. max is the
// scale's top (0: from the data). The bars are not links (a link inside
// an image is a nested interactive element): the page lists the
// drill-downs beside the chart.
func hbars(c *chart, max float64) {
	if len(c.Bars) == 0 {
		return
	}
	const (
		labelW, lineH, pad, top = 250, 17, 10, 6
		barX, barMax            = labelW + 10, 170
	)
	if max <= 0 {
		for _, b := range c.Bars {
			max = math.Max(max, b.Value)
		}
		max, _ = scale(max)
	}
	labels := make([][]string, len(c.Bars))
	h := top * 2
	for i, br := range c.Bars {
		labels[i] = wrap(br.Label, labelW-6, 3)
		h += len(labels[i])*lineH + pad
	}
	var b strings.Builder
	svgOpen(&b, c, chartW, h)
	y := top
	for i, br := range c.Bars {
		rowH := len(labels[i])*lineH + pad
		mid := y + rowH/2
		w := 0.0
		if max > 0 {
			w = br.Value / max * barMax
		}
		if br.Value > 0 && w < 2 {
			w = 2
		}
		cls := "bar"
		if br.Alert {
			cls += " alert"
		}
		fmt.Fprintf(&b, `<g><title>%s: %s</title>`, esc(br.Label), esc(br.Display))
		first := float64(mid) - float64(len(labels[i])-1)*lineH/2 + 5
		fmt.Fprintf(&b, `<text class="label" x="%d" y="%.1f" text-anchor="end">`, labelW, first)
		for j, l := range labels[i] {
			if j == 0 {
				fmt.Fprintf(&b, `<tspan x="%d">%s</tspan>`, labelW, esc(l))
			} else {
				fmt.Fprintf(&b, `<tspan x="%d" dy="%d">%s</tspan>`, labelW, lineH, esc(l))
			}
		}
		b.WriteString(`</text>`)
		fmt.Fprintf(&b, `<rect class="%s" x="%d" y="%d" width="%.1f" height="%d" rx="2"></rect>`, cls, barX, mid-9, w, 18)
		fmt.Fprintf(&b, `<text class="value" x="%.1f" y="%d">%s</text></g>`, float64(barX)+w+6, mid+5, esc(br.Display))
		y += rowH
	}
	b.WriteString(`</svg>`)
	c.SVG = template.HTML(b.String()) // #nosec: every text above is escaped
}

// columns draws vertical bars with labels below: age buckets.
func columns(c *chart) {
	if len(c.Bars) == 0 {
		return
	}
	const width, height, left, bottom, top = chartW, 240, 40, 30, 18
	max := 0.0
	for _, b := range c.Bars {
		max = math.Max(max, b.Value)
	}
	max, step := scale(max)
	plotH := float64(height - bottom - top)
	slot := float64(width-left-10) / float64(len(c.Bars))
	var b strings.Builder
	svgOpen(&b, c, width, height)
	axes(&b, max, step, left, width-10, top, height-bottom)
	for i, br := range c.Bars {
		x := float64(left) + slot*float64(i) + slot*0.15
		h := br.Value / max * plotH
		y := float64(height-bottom) - h
		cls := "bar"
		if br.Alert {
			cls += " alert"
		}
		fmt.Fprintf(&b, `<g><title>%s: %s</title><rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="2"></rect>`,
			esc(br.Label), esc(br.Display), cls, x, y, slot*0.7, h)
		fmt.Fprintf(&b, `<text class="value" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, x+slot*0.35, y-4, esc(br.Display))
		fmt.Fprintf(&b, `<text class="label" x="%.1f" y="%d" text-anchor="middle">%s</text></g>`, x+slot*0.35, height-bottom+18, esc(fit(br.Label, slot)))
	}
	b.WriteString(`</svg>`)
	c.SVG = template.HTML(b.String()) // #nosec: every text above is escaped
}

// axes draws the y axis's grid lines with their values, whole numbers
// step apart from 0 to max.
func axes(b *strings.Builder, max, step float64, x0, x1, y0, y1 int) {
	for v := 0.0; v <= max+step/2; v += step {
		y := float64(y1) - float64(y1-y0)*v/max
		fmt.Fprintf(b, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"></line>`, x0, x1, y, y)
		fmt.Fprintf(b, `<text class="axis" x="%d" y="%.1f" text-anchor="end">%.0f</text>`, x0-6, y+5, v)
	}
}

// line draws a line over the bars' values in order: a weekly trend.
func line(c *chart) {
	if len(c.Bars) == 0 {
		return
	}
	const width, height, left, bottom, top, right = chartW, 240, 40, 30, 18, 24
	max := 0.0
	for _, b := range c.Bars {
		max = math.Max(max, b.Value)
	}
	max, step := scale(max)
	plotW, plotH := float64(width-left-right), float64(height-bottom-top)
	dx := plotW
	if len(c.Bars) > 1 {
		dx = plotW / float64(len(c.Bars)-1)
	}
	var b strings.Builder
	svgOpen(&b, c, width, height)
	axes(&b, max, step, left, width-right, top, height-bottom)
	var pts []string
	for i, br := range c.Bars {
		x := float64(left) + dx*float64(i)
		y := float64(height-bottom) - br.Value/max*plotH
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
	}
	fmt.Fprintf(&b, `<polyline class="trend" points="%s"></polyline>`, strings.Join(pts, " "))
	for i, br := range c.Bars {
		x := float64(left) + dx*float64(i)
		y := float64(height-bottom) - br.Value/max*plotH
		cls := "point"
		if br.Alert {
			cls += " alert"
		}
		fmt.Fprintf(&b, `<g><title>%s: %s</title><circle class="%s" cx="%.1f" cy="%.1f" r="4"></circle></g>`, esc(br.Label), esc(br.Display), cls, x, y)
		// Every other label, so that twelve weeks fit a narrow chart.
		if i%2 == (len(c.Bars)-1)%2 || len(c.Bars) <= 6 {
			fmt.Fprintf(&b, `<text class="label" x="%.1f" y="%d" text-anchor="middle">%s</text>`, x, height-bottom+18, esc(br.Label))
		}
	}
	b.WriteString(`</svg>`)
	c.SVG = template.HTML(b.String()) // #nosec: every text above is escaped
}
