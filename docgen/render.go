package docgen

import (
	"bytes"
	"embed"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/emmansun/gmsm/sm3"
)

// Document is a rendered PDF.
type Document struct {
	// Name is the document's title, e.g. 数据开发利用授权协议.
	Name string
	// PDF is the document.
	PDF []byte
	// TemplateVersion names the template it was rendered with, e.g.
	// authorization.v1; it is also printed in every page's footer.
	TemplateVersion string
	// SM3 is the lowercase hex SM3 digest of PDF.
	SM3 string
	// Pages is the number of pages.
	Pages int
}

// ApprovalFormVersion is the template version RenderApprovalForm uses.
const ApprovalFormVersion = "approval.v1"

// currentVersions are the template versions Render uses for each kind.
var currentVersions = map[Kind]string{
	KindAuthorization: "authorization.v1",
	KindService:       "service.v1",
	KindCommitment:    "commitment.v1",
	KindSupplement:    "supplement.v1",
}

// CurrentVersion is the template version Render uses for kind; "" for an
// unknown kind.
func CurrentVersion(kind Kind) string { return currentVersions[kind] }

//go:embed templates/*.tmpl
var templateFS embed.FS

// templates are the parsed templates by version (the file name without
// .tmpl).
var templates = func() map[string]*template.Template {
	out := make(map[string]*template.Template)
	entries, err := templateFS.ReadDir("templates")
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		name := e.Name()
		version := strings.TrimSuffix(name, ".tmpl")
		t := template.Must(template.New(name).Option("missingkey=error").ParseFS(templateFS, "templates/"+name))
		out[version] = t
	}
	return out
}()

// Versions lists the template versions known to the package, sorted.
func Versions() []string {
	var out []string
	for v := range templates {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}

// Render renders an agreement with the current template of its kind.
// Invalid input is refused with FieldErrors (joined) naming the fields.
func Render(a Agreement) (Document, error) {
	return RenderVersion(a, currentVersions[a.Kind])
}

// RenderVersion renders an agreement with the named template version of
// its kind (e.g. authorization.v1), such as the one an earlier document was
// rendered with: the same input and version give the same bytes.
func RenderVersion(a Agreement, version string) (Document, error) {
	a, err := checkAgreement(a)
	if err != nil {
		return Document{}, err
	}
	if !strings.HasPrefix(version, string(a.Kind)+".") || templates[version] == nil {
		return Document{}, fmt.Errorf("docgen: no template version %q for a %s agreement", version, a.Kind)
	}
	v := newView(a.Kind.Title(), version, a.Application)
	v.Kind = string(a.Kind)
	v.Operator = v.tok(a.Operator)
	v.Bureau = v.tok(a.Bureau)
	v.Date = dateZH(a.Date)
	return render(v, a.Date, a.Datasets, nil, nil)
}

// RenderApprovalForm renders an application's approval form (审批单): the
// application, its datasets, a table of its steps and its agreements.
func RenderApprovalForm(f ApprovalForm) (Document, error) {
	f, err := checkApprovalForm(f)
	if err != nil {
		return Document{}, err
	}
	v := newView("公共数据资源开发利用审批单", ApprovalFormVersion, f.Application)
	v.Kind = "approval"
	v.Status = v.tok(f.Status)
	if !f.SubmittedAt.IsZero() {
		v.SubmittedAt = timeZH(f.SubmittedAt)
	}
	v.Date = dateZH(f.Date)
	v.StepCount, v.AgreementCount = len(f.Steps), len(f.Agreements)
	return render(v, f.Date, f.Datasets, f.Steps, f.Agreements)
}

// view is what a template sees. The fields that come from the input are
// placeholders (tok), expanded only after the template's output is parsed
// into blocks, so that no input can form a directive.
type view struct {
	DocTitle string
	Version  string
	Kind     string

	Number, Scenario, Domain, Applicant string
	Operator, Bureau, Status            string
	Purpose, Scope, AccessMode          string
	SecurityControls, Departments       string

	From, To, Date, SubmittedAt string

	DatasetCount, StepCount, AgreementCount int
	// HighGrade: a dataset is of grade 3 or above (high-sensitive).
	HighGrade bool

	values []string
}

// tok registers s and returns its placeholder; "" stays "".
func (v *view) tok(s string) string {
	if s == "" {
		return ""
	}
	v.values = append(v.values, s)
	return fmt.Sprintf("\x00%d\x00", len(v.values)-1)
}

var placeholder = regexp.MustCompile("\x00([0-9]+)\x00")

// expand replaces the placeholders in s by their values.
func (v *view) expand(s string) string {
	return placeholder.ReplaceAllStringFunc(s, func(m string) string {
		i, _ := strconv.Atoi(m[1 : len(m)-1])
		return v.values[i]
	})
}

func newView(title, version string, a Application) *view {
	v := &view{DocTitle: title, Version: version}
	v.Number = v.tok(a.Number)
	v.Scenario = v.tok(a.Title)
	v.Domain = v.tok(a.Domain)
	v.Applicant = v.tok(a.Applicant)
	v.Purpose = v.tok(a.Purpose)
	v.Scope = v.tok(a.Scope)
	v.AccessMode = v.tok(a.AccessMode)
	v.SecurityControls = v.tok(a.SecurityControls)
	v.From, v.To = dateZH(a.Period.From), dateZH(a.Period.To)
	v.DatasetCount = len(a.Datasets)
	var depts []string
	for _, d := range a.Datasets {
		if d.Grade >= 3 {
			v.HighGrade = true
		}
		if !slices.Contains(depts, d.Department) {
			depts = append(depts, d.Department)
		}
	}
	v.Departments = v.tok(strings.Join(depts, "、"))
	return v
}

// block is one element of a document: a directive of the template's
// output (a line starting with @) or a paragraph (any other line).
type block struct {
	kind string
	args []string
}

// directives and the number of |-separated arguments each takes.
var directives = map[string]int{
	"title":      1, // the document's title, large and centred
	"subtitle":   1, // a centred line below it
	"right":      1, // a right-aligned line
	"h":          1, // a clause heading
	"note":       1, // a small paragraph
	"kv":         2, // label|value: a row of a two-column table
	"sign":       2, // label|name: a signature block
	"gap":        0, // vertical space
	"datasets":   0, // the datasets table
	"steps":      0, // the approval steps table
	"agreements": 0, // the agreements table
}

// parse reads a template's output into blocks and expands the
// placeholders in their arguments.
func parse(out string, v *view) ([]block, error) {
	var blocks []block
	for n, line := range strings.Split(out, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		if !strings.HasPrefix(line, "@") {
			blocks = append(blocks, block{kind: "p", args: []string{v.expand(line)}})
			continue
		}
		name, rest, _ := strings.Cut(line[1:], " ")
		want, ok := directives[name]
		if !ok {
			return nil, fmt.Errorf("docgen: template %s line %d: unknown directive @%s", v.Version, n+1, name)
		}
		var args []string
		switch want {
		case 1:
			args = []string{strings.TrimSpace(rest)}
		case 2:
			label, value, _ := strings.Cut(rest, "|")
			args = []string{strings.TrimSpace(label), strings.TrimSpace(value)}
		}
		for i := range args {
			args[i] = v.expand(args[i])
		}
		blocks = append(blocks, block{kind: name, args: args})
	}
	return blocks, nil
}

// render executes v's template, lays the blocks out twice (the first
// time to count the pages for the footer) and digests the PDF.
func render(v *view, date time.Time, datasets []Dataset, steps []Step, agreements []AgreementRef) (Document, error) {
	var out bytes.Buffer
	if err := templates[v.Version].Execute(&out, v); err != nil {
		return Document{}, fmt.Errorf("docgen: template %s: %w", v.Version, err)
	}
	blocks, err := parse(out.String(), v)
	if err != nil {
		return Document{}, err
	}
	content := content{blocks: blocks, datasets: datasets, steps: steps, agreements: agreements}
	header := v.DocTitle
	if number := v.expand(v.Number); number != "" {
		header += "　申请编号 " + number
	}
	w := &writer{title: v.DocTitle, header: header, version: v.Version, date: date}
	pages, err := w.layout(content, 0)
	if err != nil {
		return Document{}, err
	}
	w = &writer{title: v.DocTitle, header: header, version: v.Version, date: date}
	if again, err := w.layout(content, pages); err != nil {
		return Document{}, err
	} else if again != pages {
		return Document{}, fmt.Errorf("docgen: %s laid out on %d pages, then on %d", v.Version, pages, again)
	}
	var pdf bytes.Buffer
	if err := w.pdf.Output(&pdf); err != nil {
		return Document{}, fmt.Errorf("docgen: %w", err)
	}
	sum := sm3.Sum(pdf.Bytes())
	return Document{Name: v.DocTitle, PDF: pdf.Bytes(), TemplateVersion: v.Version, SM3: hex.EncodeToString(sum[:]), Pages: pages}, nil
}
