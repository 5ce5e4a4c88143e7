package docgen

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// fpdf's MultiCell and SplitText drop a character at each line break they
// make between two hanzi (go-pdf/fpdf issue 80), so docgen wraps text
// itself and prints each line in its own cell.

// noStart are the characters that may not begin a line, noEnd those that
// may not end one (the usual Chinese line-breaking rules, 避头尾).
const (
	noStart = "，。、；：？！）》」』】〉〕］｝”’…—·％,.;:?!)]}%"
	noEnd   = "（《「『【〈〔［｛“‘([{"
)

// segments cuts s into the units a line may break between: each CJK
// character, each run of other non-space characters (a Latin word, a
// number, a code), each space; a character that may not begin a line is
// joined to the unit before it, one that may not end a line to the unit
// after it.
func segments(s string) []string {
	var units []string
	word := -1 // start of the current run, in bytes
	flush := func(end int) {
		if word >= 0 {
			units = append(units, s[word:end])
			word = -1
		}
	}
	for i, r := range s {
		switch {
		case r == ' ':
			flush(i)
			units = append(units, " ")
		case breaksAround(r):
			flush(i)
			units = append(units, string(r))
		default:
			if word < 0 {
				word = i
			}
		}
	}
	flush(len(s))

	var out []string
	carry := ""
	for _, u := range units {
		u = carry + u
		carry = ""
		first, _ := utf8.DecodeRuneInString(u)
		last, _ := utf8.DecodeLastRuneInString(u)
		switch {
		case len(out) > 0 && strings.ContainsRune(noStart, first) && out[len(out)-1] != " ":
			out[len(out)-1] += u
		case strings.ContainsRune(noEnd, last):
			carry = u
		default:
			out = append(out, u)
		}
	}
	if carry != "" {
		out = append(out, carry)
	}
	return out
}

// breaksAround reports whether a line may break before and after r: CJK
// characters, their punctuation and full-width forms.
func breaksAround(r rune) bool {
	return r >= 0x2E80 || unicode.Is(unicode.Han, r) || (r > 0x7F && strings.ContainsRune(noStart+noEnd, r))
}

// wrap cuts s (one paragraph, no line feed) into lines no wider than width
// in the current font; a unit wider than a line is cut between characters.
// An empty s is one empty line.
func (w *writer) wrap(s string, width float64) []string {
	const eps = 1e-6
	var lines []string
	var cur strings.Builder
	curW := 0.0
	flush := func() {
		lines = append(lines, strings.TrimRight(cur.String(), " "))
		cur.Reset()
		curW = 0
	}
	for _, u := range segments(s) {
		uw := w.measure(u)
		switch {
		case curW+uw <= width+eps:
			if u == " " && cur.Len() == 0 && len(lines) > 0 {
				continue // no space at the start of a wrapped line
			}
			cur.WriteString(u)
			curW += uw
		case u == " ":
			flush()
		case uw <= width+eps:
			flush()
			cur.WriteString(u)
			curW = uw
		default:
			for _, r := range u {
				rw := w.measure(string(r))
				if curW+rw > width+eps && cur.Len() > 0 {
					flush()
				}
				cur.WriteRune(r)
				curW += rw
			}
		}
	}
	if cur.Len() > 0 || len(lines) == 0 {
		flush()
	}
	return lines
}

// measure is the width of s in the current font, summed per character
// (the font has no kerning table, so this is the width fpdf prints).
func (w *writer) measure(s string) float64 {
	size, _ := w.pdf.GetFontSize()
	total := 0.0
	for _, r := range s {
		k := widthKey{r, size}
		v, ok := w.widths[k]
		if !ok {
			v = w.pdf.GetStringWidth(string(r))
			w.widths[k] = v
		}
		total += v
	}
	return total
}
