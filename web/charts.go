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

// niceMax rounds a maximum up to a round number for the axis; counts
// get at least 4, so that the four grid steps are whole numbers.
func niceMax(v float64) float64 {
	if v <= 4 {
		return 4
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// fit shortens a label to about px pixels at the charts' 13px font: a
// Chinese character takes a full em, a Latin letter about half.
func fit(s string, px float64) string {
	const em = 13.0
	width := func(r rune) float64 {
		if r >= 0x2E80 {
			return em
		}
		return em * 0.56
	}
	total := 0.0
	for _, r := range s {
		total += width(r)
	}
	if total <= px {
		return s
	}
	out, w := []rune{}, width('…')
	for _, r := range s {
		if w+width(r) > px {
			break
		}
		w += width(r)
		out = append(out, r)
	}
	return strings.TrimSpace(string(out)) + "…"
}

// hbars draws horizontal bars, one row per bar, labels on the left: it
// suits department names. max is the scale's top (0: from the data).
func hbars(c *chart, max float64) {
	if len(c.Bars) == 0 {
		return
	}
	const (
		width, labelW, rowH, top = 640, 210, 26, 8
		barX, barMax             = labelW + 10, 330
	)
	if max <= 0 {
		for _, b := range c.Bars {
			max = math.Max(max, b.Value)
		}
		max = niceMax(max)
	}
	h := top*2 + rowH*len(c.Bars)
	var b strings.Builder
	svgOpen(&b, c, width, h)
	for i, br := range c.Bars {
		y := top + i*rowH
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
		if br.Href != "" {
			fmt.Fprintf(&b, `<a href="%s">`, esc(br.Href))
		}
		fmt.Fprintf(&b, `<g><title>%s: %s</title>`, esc(br.Label), esc(br.Display))
		fmt.Fprintf(&b, `<text class="label" x="%d" y="%d" text-anchor="end">%s</text>`, labelW, y+rowH/2+5, esc(fit(br.Label, labelW-6)))
		fmt.Fprintf(&b, `<rect class="%s" x="%d" y="%d" width="%.1f" height="%d" rx="2"></rect>`, cls, barX, y+4, w, rowH-8)
		fmt.Fprintf(&b, `<text class="value" x="%.1f" y="%d">%s</text></g>`, float64(barX)+w+6, y+rowH/2+5, esc(br.Display))
		if br.Href != "" {
			b.WriteString(`</a>`)
		}
	}
	b.WriteString(`</svg>`)
	c.SVG = template.HTML(b.String()) // #nosec: every text above is escaped
}

// columns draws vertical bars with labels below: age buckets.
func columns(c *chart) {
	if len(c.Bars) == 0 {
		return
	}
	const width, height, left, bottom, top = 640, 240, 40, 30, 16
	max := 0.0
	for _, b := range c.Bars {
		max = math.Max(max, b.Value)
	}
	max = niceMax(max)
	plotH := float64(height - bottom - top)
	slot := float64(width-left-10) / float64(len(c.Bars))
	var b strings.Builder
	svgOpen(&b, c, width, height)
	axes(&b, max, left, width-10, top, height-bottom)
	for i, br := range c.Bars {
		x := float64(left) + slot*float64(i) + slot*0.15
		h := br.Value / max * plotH
		y := float64(height-bottom) - h
		cls := "bar"
		if br.Alert {
			cls += " alert"
		}
		if br.Href != "" {
			fmt.Fprintf(&b, `<a href="%s">`, esc(br.Href))
		}
		fmt.Fprintf(&b, `<g><title>%s: %s</title><rect class="%s" x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="2"></rect>`,
			esc(br.Label), esc(br.Display), cls, x, y, slot*0.7, h)
		fmt.Fprintf(&b, `<text class="value" x="%.1f" y="%.1f" text-anchor="middle">%s</text>`, x+slot*0.35, y-4, esc(br.Display))
		fmt.Fprintf(&b, `<text class="label" x="%.1f" y="%d" text-anchor="middle">%s</text></g>`, x+slot*0.35, height-bottom+18, esc(br.Label))
		if br.Href != "" {
			b.WriteString(`</a>`)
		}
	}
	b.WriteString(`</svg>`)
	c.SVG = template.HTML(b.String()) // #nosec: every text above is escaped
}

// axes draws the y axis's grid lines with their values.
func axes(b *strings.Builder, max float64, x0, x1, y0, y1 int) {
	for i := 0; i <= 4; i++ {
		v := max * float64(i) / 4
		y := float64(y1) - float64(y1-y0)*float64(i)/4
		fmt.Fprintf(b, `<line class="grid" x1="%d" x2="%d" y1="%.1f" y2="%.1f"></line>`, x0, x1, y, y)
		fmt.Fprintf(b, `<text class="axis" x="%d" y="%.1f" text-anchor="end">%s</text>`, x0-6, y+4, trimFloat(v))
	}
}

func trimFloat(v float64) string {
	if v == math.Trunc(v) {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

// line draws a line over the bars' values in order: a weekly trend.
func line(c *chart) {
	if len(c.Bars) == 0 {
		return
	}
	const width, height, left, bottom, top, right = 640, 240, 40, 30, 16, 20
	max := 0.0
	for _, b := range c.Bars {
		max = math.Max(max, b.Value)
	}
	max = niceMax(max)
	plotW, plotH := float64(width-left-right), float64(height-bottom-top)
	step := plotW
	if len(c.Bars) > 1 {
		step = plotW / float64(len(c.Bars)-1)
	}
	var b strings.Builder
	svgOpen(&b, c, width, height)
	axes(&b, max, left, width-right, top, height-bottom)
	var pts []string
	for i, br := range c.Bars {
		x := float64(left) + step*float64(i)
		y := float64(height-bottom) - br.Value/max*plotH
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x, y))
	}
	fmt.Fprintf(&b, `<polyline class="trend" points="%s"></polyline>`, strings.Join(pts, " "))
	for i, br := range c.Bars {
		x := float64(left) + step*float64(i)
		y := float64(height-bottom) - br.Value/max*plotH
		cls := "point"
		if br.Alert {
			cls += " alert"
		}
		fmt.Fprintf(&b, `<g><title>%s: %s</title><circle class="%s" cx="%.1f" cy="%.1f" r="4"></circle></g>`, esc(br.Label), esc(br.Display), cls, x, y)
		// Every other label, so that twelve weeks fit a phone's width.
		if i%2 == (len(c.Bars)-1)%2 || len(c.Bars) <= 6 {
			fmt.Fprintf(&b, `<text class="label" x="%.1f" y="%d" text-anchor="middle">%s</text>`, x, height-bottom+18, esc(br.Label))
		}
	}
	b.WriteString(`</svg>`)
	c.SVG = template.HTML(b.String()) // #nosec: every text above is escaped
}
