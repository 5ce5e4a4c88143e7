package docgen

import (
	"fmt"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"
)

// The page: A4 portrait, in millimetres.
const (
	pageW, pageH = 210.0, 297.0
	marginL      = 20.0
	marginR      = 20.0
	marginT      = 24.0 // the body starts below the running header
	marginB      = 22.0 // and ends above the footer
	bodyW        = pageW - marginL - marginR
	bottom       = pageH - marginB

	titleSize = 18.0
	bodySize  = 11.0
	bodyLine  = 6.6
	tableSize = 9.5
	tableLine = 5.0
	cellPad   = 1.6
	labelW    = 36.0 // the label column of a key-value table
)

// content is what a document lays out: the template's blocks and the
// tables they name.
type content struct {
	blocks     []block
	datasets   []Dataset
	steps      []Step
	agreements []AgreementRef
}

// writer lays one document out on an fpdf document.
type writer struct {
	title, header, version string
	date                   time.Time
	// total is the number of pages printed in the footers; 0 on the first
	// pass, which counts them.
	total int

	pdf    *fpdf.Fpdf
	runes  map[rune]bool
	widths map[widthKey]float64
	err    error
}

type widthKey struct {
	r    rune
	size float64
}

// layout lays c out and returns the number of pages.
func (w *writer) layout(c content, total int) (int, error) {
	runes, err := fontRunes()
	if err != nil {
		return 0, err
	}
	w.runes, w.total, w.widths = runes, total, make(map[widthKey]float64)
	p := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", SizeStr: "A4"})
	w.pdf = p
	// Deterministic output: the catalogs sorted, the dates from the input.
	p.SetCatalogSort(true)
	date := w.date.In(cst)
	p.SetCreationDate(date)
	p.SetModificationDate(date)
	p.SetTitle(w.title, true)
	p.SetSubject(w.title+" "+w.version, true)
	p.SetCreator("DataGate", true)
	p.SetProducer("DataGate docgen", true)
	p.SetLang("zh-CN")
	p.AddUTF8FontFromBytes(fontFamily, "", fontTTF)
	p.SetMargins(marginL, marginT, marginR)
	p.SetAutoPageBreak(true, marginB)
	p.SetCellMargin(0)
	p.SetHeaderFunc(w.pageHeader)
	p.SetFooterFunc(w.pageFooter)
	p.SetDrawColor(90, 90, 90)
	p.SetLineWidth(0.2)
	p.AddPage()

	for i := 0; i < len(c.blocks); i++ {
		b := c.blocks[i]
		switch b.kind {
		case "title":
			w.font(titleSize)
			w.lines(b.args[0], bodyW, 10, "C")
			p.Ln(2)
		case "subtitle":
			w.font(bodySize)
			w.lines(b.args[0], bodyW, bodyLine, "C")
			p.Ln(2)
		case "right":
			w.font(10)
			w.lines(b.args[0], bodyW, 6, "R")
		case "h":
			w.keep(7 + 2*bodyLine)
			p.Ln(2)
			w.font(bodySize + 0.5)
			w.lines(b.args[0], bodyW, 7.5, "L")
		case "p":
			w.font(bodySize)
			for j, para := range strings.Split(b.args[0], "\n") {
				if j == 0 {
					para = "　　" + para
				}
				w.lines(para, bodyW, bodyLine, "L")
			}
			p.Ln(1)
		case "note":
			w.font(9)
			w.lines(b.args[0], bodyW, 5, "L")
			p.Ln(1)
		case "gap":
			p.Ln(bodyLine)
		case "kv":
			var rows [][]string
			for ; i < len(c.blocks) && c.blocks[i].kind == "kv"; i++ {
				rows = append(rows, c.blocks[i].args)
			}
			i--
			w.table(table{widths: []float64{labelW, bodyW - labelW}, shadeFirst: true}, rows)
			p.Ln(2)
		case "sign":
			var parties [][]string
			for ; i < len(c.blocks) && c.blocks[i].kind == "sign"; i++ {
				parties = append(parties, c.blocks[i].args)
			}
			i--
			w.signatures(parties)
		case "datasets":
			w.datasetTable(c.datasets)
		case "steps":
			w.stepTable(c.steps)
		case "agreements":
			w.agreementTable(c.agreements)
		}
	}
	pages := p.PageNo()
	if w.err != nil {
		return 0, w.err
	}
	if err := p.Error(); err != nil {
		return 0, fmt.Errorf("docgen: %w", err)
	}
	return pages, nil
}

func (w *writer) font(size float64) { w.pdf.SetFont(fontFamily, "", size) }

// text prints s in a cell at the current position, after checking that
// the font has all its characters (a missing one would print as nothing).
func (w *writer) text(width, height float64, s string, ln int, align string) {
	for _, r := range s {
		if !w.runes[r] && w.err == nil {
			w.err = fmt.Errorf("docgen: template %s: the character %q (%U) is not in the document font", w.version, r, r)
		}
	}
	w.pdf.CellFormat(width, height, s, "", ln, align, false, 0, "")
}

// lines prints s wrapped to width, one cell a line; the automatic page
// break moves a line that does not fit to the next page.
func (w *writer) lines(s string, width, height float64, align string) {
	for _, l := range w.wrap(s, width) {
		w.text(width, height, l, 1, align)
	}
}

// keep starts a new page unless height fits below the current position.
func (w *writer) keep(height float64) {
	if w.pdf.GetY()+height > bottom {
		w.pdf.AddPage()
	}
}

// pageHeader prints the running header: the title and the application's
// number, over a rule.
func (w *writer) pageHeader() {
	p := w.pdf
	w.font(8.5)
	p.SetTextColor(100, 100, 100)
	p.SetXY(marginL, 10)
	w.text(bodyW, 5, w.fit(w.header, bodyW), 0, "L")
	p.SetDrawColor(150, 150, 150)
	p.Line(marginL, 16, pageW-marginR, 16)
	p.SetDrawColor(90, 90, 90)
	p.SetTextColor(0, 0, 0)
	p.SetXY(marginL, marginT)
}

// pageFooter prints 第 N 页 共 M 页 and the template version.
func (w *writer) pageFooter() {
	p := w.pdf
	total := w.total
	if total == 0 {
		total = p.PageNo()
	}
	p.SetDrawColor(150, 150, 150)
	p.Line(marginL, pageH-17, pageW-marginR, pageH-17)
	p.SetDrawColor(90, 90, 90)
	p.SetXY(marginL, pageH-15)
	w.font(9)
	w.text(bodyW, 5, fmt.Sprintf("第 %d 页 共 %d 页", p.PageNo(), total), 0, "C")
	p.SetXY(marginL, pageH-15)
	w.font(7.5)
	p.SetTextColor(100, 100, 100)
	w.text(bodyW, 5, "模板版本 "+w.version, 0, "R")
	p.SetTextColor(0, 0, 0)
}

// fit cuts s to width in the current font, ending it with … when cut.
func (w *writer) fit(s string, width float64) string {
	if w.measure(s) <= width {
		return s
	}
	rs := []rune(s)
	for len(rs) > 0 && w.measure(string(rs)+"…") > width {
		rs = rs[:len(rs)-1]
	}
	return string(rs) + "…"
}

// table is the shape of a bordered table.
type table struct {
	widths []float64
	aligns []string // per column; "" is left
	header []string // repeated at the top of each page; nil for none
	// shadeFirst shades the first column (the labels of a key-value table).
	shadeFirst bool
}

// table prints rows; each cell wraps within its column, a row that does
// not fit moves to the next page (under the repeated header), and a row
// taller than a page is split across pages.
func (w *writer) table(t table, rows [][]string) {
	p := w.pdf
	p.SetAutoPageBreak(false, marginB)
	defer p.SetAutoPageBreak(true, marginB)
	w.font(tableSize)
	wrapRow := func(cells []string) [][]string {
		out := make([][]string, len(t.widths))
		for c := range t.widths {
			cell := ""
			if c < len(cells) {
				cell = cells[c]
			}
			for _, para := range strings.Split(cell, "\n") {
				out[c] = append(out[c], w.wrap(para, t.widths[c]-2*cellPad)...)
			}
		}
		return out
	}
	height := func(n int) float64 { return float64(n)*tableLine + 2*cellPad }
	var head [][]string
	headH := 0.0
	if t.header != nil {
		head = wrapRow(t.header)
		headH = height(maxLen(head))
	}
	// draw prints lines [from, from+n) of each cell as one row.
	draw := func(cells [][]string, from, n int, isHeader bool) {
		x, y := marginL, p.GetY()
		h := height(n)
		for c, width := range t.widths {
			style := "D"
			if isHeader || (t.shadeFirst && c == 0) {
				p.SetFillColor(236, 236, 236)
				style = "FD"
			}
			p.Rect(x, y, width, h, style)
			align := "L"
			if isHeader {
				align = "C"
			} else if c < len(t.aligns) && t.aligns[c] != "" {
				align = t.aligns[c]
			}
			for k := from; k < from+n && k < len(cells[c]); k++ {
				p.SetXY(x+cellPad, y+cellPad+float64(k-from)*tableLine)
				w.text(width-2*cellPad, tableLine, cells[c][k], 0, align)
			}
			x += width
		}
		p.SetXY(marginL, y+h)
	}
	newPage := func() {
		p.AddPage()
		w.font(tableSize)
		if head != nil {
			draw(head, 0, maxLen(head), true)
		}
	}
	if head != nil {
		if p.GetY()+headH+height(1) > bottom {
			p.AddPage()
			w.font(tableSize)
		}
		draw(head, 0, maxLen(head), true)
	}
	pageRoom := bottom - marginT - headH
	for _, row := range rows {
		cells := wrapRow(row)
		total := maxLen(cells)
		for from := 0; from < total; {
			fit := int((bottom - p.GetY() - 2*cellPad + 1e-6) / tableLine)
			rest := total - from
			switch {
			case fit >= rest:
				draw(cells, from, rest, false)
				from = total
			case fit < 1 || (from == 0 && height(rest) <= pageRoom):
				// Nothing fits here, or the whole row fits on a new page.
				if p.GetY() <= marginT+headH+1e-6 {
					// Already at the top: split the row rather than loop.
					draw(cells, from, max(fit, 1), false)
					from += max(fit, 1)
				}
				newPage()
			default:
				draw(cells, from, fit, false)
				from += fit
				newPage()
			}
		}
	}
}

func maxLen(cells [][]string) int {
	n := 1
	for _, c := range cells {
		n = max(n, len(c))
	}
	return n
}

// datasetTable prints the datasets with their department, grade and open
// attribute.
func (w *writer) datasetTable(ds []Dataset) {
	rows := make([][]string, len(ds))
	for i, d := range ds {
		name := d.Name
		if d.Code != "" {
			name += "\n编码：" + d.Code
		}
		rows[i] = []string{fmt.Sprint(i + 1), name, d.Department, gradeZH(d.Grade), d.OpenAttribute}
	}
	w.table(table{
		widths: []float64{12, 58, 44, 30, 26},
		aligns: []string{"C", "", "", "C", "C"},
		header: []string{"序号", "数据资源名称", "数据提供部门", "分级", "开放属性"},
	}, rows)
	w.pdf.Ln(2)
}

// stepTable prints the approval's steps.
func (w *writer) stepTable(steps []Step) {
	rows := make([][]string, len(steps))
	for i, s := range steps {
		who := strings.Trim(s.Decider+"\n"+s.DeciderOrg, "\n")
		if who == "" {
			who = "—"
		}
		when := "—"
		if !s.Time.IsZero() {
			when = timeZH(s.Time)
		}
		decision := s.Decision
		if decision == "" {
			decision = "待处理"
		}
		var why []string
		if s.Reason != "" {
			why = append(why, "理由："+s.Reason)
		}
		if s.Basis != "" {
			why = append(why, "依据："+s.Basis)
		}
		if len(why) == 0 {
			why = []string{"—"}
		}
		rows[i] = []string{fmt.Sprint(i + 1), s.Name, who, when, decision, strings.Join(why, "\n")}
	}
	w.table(table{
		widths: []float64{10, 28, 34, 22, 18, 58},
		aligns: []string{"C", "", "", "", "C", ""},
		header: []string{"序号", "环节", "处理人", "处理时间", "结论", "理由及依据"},
	}, rows)
	w.pdf.Ln(2)
}

// agreementTable prints the agreements with their template version and
// SM3 fingerprint, in groups of eight hex digits.
func (w *writer) agreementTable(ags []AgreementRef) {
	rows := make([][]string, len(ags))
	for i, g := range ags {
		version, sum := g.TemplateVersion, "—"
		if version == "" {
			version = "—"
		}
		if g.SM3 != "" {
			var groups []string
			for k := 0; k < len(g.SM3); k += 8 {
				groups = append(groups, g.SM3[k:min(k+8, len(g.SM3))])
			}
			sum = strings.Join(groups, " ")
		}
		rows[i] = []string{fmt.Sprint(i + 1), g.Name, version, sum}
	}
	w.table(table{
		widths: []float64{10, 48, 32, 80},
		aligns: []string{"C", "", "", ""},
		header: []string{"序号", "协议名称", "模板版本", "SM3 指纹"},
	}, rows)
	w.pdf.Ln(2)
}

// signatures prints the parties' signature blocks, two a row, each kept
// on one page.
func (w *writer) signatures(parties [][]string) {
	p := w.pdf
	colW := bodyW / 2
	w.font(bodySize)
	p.Ln(4)
	for i := 0; i < len(parties); i += 2 {
		row := parties[i:min(i+2, len(parties))]
		blocks := make([][]string, len(row))
		n := 0
		for j, party := range row {
			blocks[j] = append([]string{party[0] + "（签章）："}, w.wrap(party[1], colW-6)...)
			blocks[j] = append(blocks[j], "", "法定代表人或授权代表（签字）：", "", "日期：　　　　年　　月　　日")
			n = max(n, len(blocks[j]))
		}
		h := float64(n)*(bodyLine+1) + 6
		if p.GetY()+h > bottom {
			p.AddPage()
			w.font(bodySize)
		}
		y := p.GetY()
		for j, b := range blocks {
			for k, l := range b {
				p.SetXY(marginL+float64(j)*colW, y+float64(k)*(bodyLine+1))
				w.text(colW-6, bodyLine, l, 0, "L")
			}
		}
		p.SetXY(marginL, y+h)
	}
}
