package docgen

import (
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
)

// Kind is the kind of an agreement. The values are those of the domain
// package's agreement kinds (domain.AgreementAuthorization, ...).
type Kind string

// Agreement kinds.
const (
	// KindAuthorization: 数据开发利用授权协议, the bureau (甲方) authorizes
	// the operator (乙方) for one scenario (002 三（三）, 一场景一授权).
	KindAuthorization Kind = "authorization"
	// KindService: 授权开发利用服务协议, the operator (甲方) serves the
	// applicant (乙方); filed with the bureau (002 三（三）).
	KindService Kind = "service"
	// KindCommitment: 公共数据利用承诺书, the applicant's commitment on
	// the data list, purpose, scenario and security measures (004 第十六条).
	KindCommitment Kind = "commitment"
	// KindSupplement: 补充协议, signed by the bureau, the operator and the
	// applicant for datasets approved after the agreements; it lists only
	// the datasets it adds.
	KindSupplement Kind = "supplement"
)

// Kinds lists the agreement kinds.
func Kinds() []Kind {
	return []Kind{KindAuthorization, KindService, KindCommitment, KindSupplement}
}

// Title is the document title of the kind, in Chinese; "" for an unknown kind.
func (k Kind) Title() string {
	switch k {
	case KindAuthorization:
		return "数据开发利用授权协议"
	case KindService:
		return "授权开发利用服务协议"
	case KindCommitment:
		return "公共数据利用承诺书"
	case KindSupplement:
		return "补充协议"
	}
	return ""
}

// Dataset is one dataset (数据资源) as a document lists it.
type Dataset struct {
	// Name is the dataset's name, e.g. 企业登记注册信息. Required.
	Name string
	// Code is the catalog code; optional.
	Code string
	// Department is the display name of the providing department
	// (数据提供部门), e.g. 市市场监督管理局. Required.
	Department string
	// Grade is the sensitivity grade (分级, 003 三（四）): 1 public, 2
	// low-sensitive, 3 and above high-sensitive. Required (at least 1).
	Grade int
	// OpenAttribute is the display string of the open attribute (开放属性,
	// 004 第九条): 有条件开放, 无条件开放 or 非开放. Required.
	OpenAttribute string
}

// Period is the usage period. Only the calendar dates are printed, in
// China Standard Time.
type Period struct {
	From, To time.Time
}

// Application holds an application's fields as the documents print them.
type Application struct {
	// Number is the application's number, e.g. DG-2026-000123. Required.
	Number string
	// Title is the scenario's name (应用场景名称). Required.
	Title string
	// Domain is the scenario's domain (应用领域), e.g. 金融服务; optional.
	Domain string
	// Applicant is the applicant org's name (开发利用者). Required.
	Applicant string
	// Purpose (使用目的), Scope (使用范围) and SecurityControls (安全措施)
	// may span lines. Required.
	Purpose string
	Scope   string
	// Period is the usage period (使用期限). Required.
	Period Period
	// AccessMode is the display string of the access mode (获取方式), e.g.
	// 接口调用 or 数据沙箱. Required.
	AccessMode       string
	SecurityControls string
	// Datasets are the datasets concerned: an agreement's approved ones (a
	// supplementary agreement's: only those it adds), an approval form's
	// requested ones. At least one.
	Datasets []Dataset
}

// Agreement is the input of Render.
type Agreement struct {
	Kind Kind
	Application
	// Operator is the operator's name (运营机构, 政务数据运营公司); required
	// except for a commitment.
	Operator string
	// Bureau is the name of the authority that runs the scheme (实施机构,
	// 数据主管部门). Required.
	Bureau string
	// Date is the document's date; it is printed and is the PDF's creation
	// and modification date, so the same input gives the same bytes.
	// Required.
	Date time.Time
}

// Step is one step of an application's approval, as the form lists it.
type Step struct {
	// Name is the step's name, e.g. 初审 or 部门审核（市市场监督管理局）.
	// Required.
	Name string
	// Decider and DeciderOrg are the decider's display name and org; empty
	// while the step is open.
	Decider    string
	DeciderOrg string
	// Time is when it was decided; zero while the step is open.
	Time time.Time
	// Decision is the display string of the decision, e.g. 通过 or 驳回;
	// empty while the step is open (printed 待处理).
	Decision string
	// Reason (理由) and Basis (依据) may span lines; optional.
	Reason string
	Basis  string
}

// AgreementRef is a signed or generated agreement as the approval form
// lists it.
type AgreementRef struct {
	// Name is the agreement's name, e.g. 数据开发利用授权协议. Required.
	Name string
	// TemplateVersion is the version it was rendered with, e.g.
	// authorization.v1 (Document.TemplateVersion).
	TemplateVersion string
	// SM3 is the hex SM3 fingerprint of its PDF (Document.SM3); empty or 64
	// hex digits.
	SM3 string
}

// ApprovalForm is the input of RenderApprovalForm: the approval form
// (审批单) of one application.
type ApprovalForm struct {
	Application
	// Status is the display string of the application's status; optional.
	Status string
	// SubmittedAt is when it was submitted; optional.
	SubmittedAt time.Time
	// Steps are the approval's steps in order. At least one.
	Steps []Step
	// Agreements are the agreements generated or signed so far.
	Agreements []AgreementRef
	// Date is the form's date (生成日期); also the PDF's creation and
	// modification date. Required.
	Date time.Time
}

// FieldError is a refused input: Field names the input field as a Go path
// (Purpose, Datasets[2].Name, Period.To), Label its Chinese label.
type FieldError struct {
	Field   string
	Label   string
	Problem string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("docgen: %s (%s): %s", e.Field, e.Label, e.Problem)
}

// checker collects the field errors of one input and cleans its text.
type checker struct {
	runes map[rune]bool
	errs  []error
}

func (c *checker) fail(field, label, format string, args ...any) {
	c.errs = append(c.errs, &FieldError{Field: field, Label: label, Problem: fmt.Sprintf(format, args...)})
}

// text cleans *s (line ends, surrounding blanks) and checks it: required or
// not, one line or several, every character printable in the font.
func (c *checker) text(s *string, field, label string, required, multiline bool) {
	v := strings.ReplaceAll(*s, "\r\n", "\n")
	v = strings.ReplaceAll(v, "\r", "\n")
	v = strings.ReplaceAll(v, "\t", " ")
	lines := strings.Split(v, "\n")
	for i := range lines {
		lines[i] = strings.TrimRightFunc(lines[i], unicode.IsSpace)
	}
	v = strings.Trim(strings.Join(lines, "\n"), "\n")
	v = strings.TrimLeft(v, " ")
	*s = v
	if v == "" {
		if required {
			c.fail(field, label, "is required")
		}
		return
	}
	if !multiline && strings.Contains(v, "\n") {
		c.fail(field, label, "must be one line")
		return
	}
	for _, r := range v {
		switch {
		case r == '\n':
		case unicode.IsControl(r) || r == unicode.ReplacementChar:
			c.fail(field, label, "contains the control or invalid character %U", r)
			return
		case !c.runes[r]:
			c.fail(field, label, "the character %q (%U) is not in the document font (ASCII, CJK punctuation, full-width forms and GB2312)", r, r)
			return
		}
	}
}

func (c *checker) application(a *Application, forAgreement bool) {
	c.text(&a.Number, "Number", "申请编号", true, false)
	c.text(&a.Title, "Title", "应用场景名称", true, false)
	c.text(&a.Domain, "Domain", "应用领域", false, false)
	c.text(&a.Applicant, "Applicant", "开发利用者", true, false)
	c.text(&a.Purpose, "Purpose", "使用目的", true, true)
	c.text(&a.Scope, "Scope", "使用范围", true, true)
	c.text(&a.AccessMode, "AccessMode", "获取方式", true, false)
	c.text(&a.SecurityControls, "SecurityControls", "安全措施", true, true)
	switch {
	case a.Period.From.IsZero():
		c.fail("Period.From", "使用期限起", "is required")
	case a.Period.To.IsZero():
		c.fail("Period.To", "使用期限止", "is required")
	case cstDate(a.Period.To).Before(cstDate(a.Period.From)):
		c.fail("Period.To", "使用期限止", "is before Period.From")
	}
	if len(a.Datasets) == 0 {
		what := "at least one dataset is required"
		if forAgreement {
			what = "at least one approved dataset is required"
		}
		c.fail("Datasets", "数据资源", "%s", what)
	}
	a.Datasets = append([]Dataset(nil), a.Datasets...)
	for i := range a.Datasets {
		d := &a.Datasets[i]
		p := fmt.Sprintf("Datasets[%d].", i)
		c.text(&d.Name, p+"Name", "数据资源名称", true, false)
		c.text(&d.Code, p+"Code", "目录编码", false, false)
		c.text(&d.Department, p+"Department", "数据提供部门", true, false)
		c.text(&d.OpenAttribute, p+"OpenAttribute", "开放属性", true, false)
		if d.Grade < 1 {
			c.fail(p+"Grade", "分级", "must be 1 or more, not %d", d.Grade)
		}
	}
}

func newChecker() (*checker, error) {
	runes, err := fontRunes()
	if err != nil {
		return nil, err
	}
	return &checker{runes: runes}, nil
}

// checkAgreement validates a copy of a and cleans its text.
func checkAgreement(a Agreement) (Agreement, error) {
	c, err := newChecker()
	if err != nil {
		return a, err
	}
	if a.Kind.Title() == "" {
		c.fail("Kind", "协议类型", "unknown kind %q", string(a.Kind))
	}
	c.application(&a.Application, true)
	c.text(&a.Operator, "Operator", "运营机构", a.Kind != KindCommitment, false)
	c.text(&a.Bureau, "Bureau", "实施机构", true, false)
	if a.Date.IsZero() {
		c.fail("Date", "日期", "is required")
	}
	return a, errors.Join(c.errs...)
}

// checkApprovalForm validates a copy of f and cleans its text.
func checkApprovalForm(f ApprovalForm) (ApprovalForm, error) {
	c, err := newChecker()
	if err != nil {
		return f, err
	}
	c.application(&f.Application, false)
	c.text(&f.Status, "Status", "状态", false, false)
	if len(f.Steps) == 0 {
		c.fail("Steps", "审批环节", "at least one step is required")
	}
	f.Steps = append([]Step(nil), f.Steps...)
	for i := range f.Steps {
		s := &f.Steps[i]
		p := fmt.Sprintf("Steps[%d].", i)
		c.text(&s.Name, p+"Name", "环节", true, false)
		c.text(&s.Decider, p+"Decider", "处理人", false, false)
		c.text(&s.DeciderOrg, p+"DeciderOrg", "处理单位", false, false)
		c.text(&s.Decision, p+"Decision", "结论", false, false)
		c.text(&s.Reason, p+"Reason", "理由", false, true)
		c.text(&s.Basis, p+"Basis", "依据", false, true)
	}
	f.Agreements = append([]AgreementRef(nil), f.Agreements...)
	for i := range f.Agreements {
		g := &f.Agreements[i]
		p := fmt.Sprintf("Agreements[%d].", i)
		c.text(&g.Name, p+"Name", "协议名称", true, false)
		c.text(&g.TemplateVersion, p+"TemplateVersion", "模板版本", false, false)
		g.SM3 = strings.ToLower(strings.TrimSpace(g.SM3))
		if b, err := hex.DecodeString(g.SM3); g.SM3 != "" && (err != nil || len(b) != 32) {
			c.fail(p+"SM3", "SM3 指纹", "must be 64 hex digits")
		}
	}
	if f.Date.IsZero() {
		c.fail("Date", "日期", "is required")
	}
	return f, errors.Join(c.errs...)
}

// cst is China Standard Time; China has no daylight saving time, so a
// fixed zone needs no time zone database.
var cst = time.FixedZone("CST", 8*3600)

// cstDate is t's calendar date in China Standard Time.
func cstDate(t time.Time) time.Time {
	y, m, d := t.In(cst).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, cst)
}

// dateZH prints t's date as 2026年3月2日.
func dateZH(t time.Time) string {
	y, m, d := t.In(cst).Date()
	return fmt.Sprintf("%d年%d月%d日", y, int(m), d)
}

// timeZH prints t as 2026-03-02 14:05 (China Standard Time).
func timeZH(t time.Time) string {
	return t.In(cst).Format("2006-01-02 15:04")
}

var zhDigits = []string{"零", "一", "二", "三", "四", "五", "六", "七", "八", "九"}

// gradeZH prints a grade as 一级（公开）, 二级（低敏感）, 三级（高敏感）.
func gradeZH(g int) string {
	n := fmt.Sprint(g)
	if g < 10 {
		n = zhDigits[g]
	}
	switch {
	case g == 1:
		return n + "级（公开）"
	case g == 2:
		return n + "级（低敏感）"
	}
	return n + "级（高敏感）"
}
