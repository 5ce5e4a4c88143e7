package docgen

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/emmansun/gmsm/sm3"

	"github.com/datagate/datagate/internal/pdftext"
)

var day = time.Date(2026, 3, 2, 10, 30, 0, 0, cst)

func sampleApplication() Application {
	return Application{
		Number:     "DG-2026-000123",
		Title:      "小微企业普惠信贷风控模型",
		Domain:     "金融服务",
		Applicant:  "遵义某某数据科技有限公司",
		Purpose:    "利用企业登记、纳税和社保缴纳数据，构建小微企业信用评价模型，为银行普惠贷款审批提供风险参考。",
		Scope:      "仅限本公司风控团队在数据沙箱内建模，模型结果仅向合作银行提供评分，不提供明细数据。",
		Period:     Period{From: time.Date(2026, 4, 1, 0, 0, 0, 0, cst), To: time.Date(2028, 3, 31, 0, 0, 0, 0, cst)},
		AccessMode: "数据沙箱",
		SecurityControls: "隐私计算平台内建模；访问日志留存；人员实名授权与最小权限；模型结果脱敏后导出。\n" +
			"每季度开展一次安全自查。",
		Datasets: []Dataset{
			{Name: "企业登记注册信息", Code: "SCJG-001", Department: "市市场监督管理局", Grade: 2, OpenAttribute: "有条件开放"},
			{Name: "企业纳税信用等级", Department: "市税务局", Grade: 3, OpenAttribute: "有条件开放"},
			{Name: "社会保险参保缴费信息", Department: "市人力资源和社会保障局", Grade: 3, OpenAttribute: "非开放"},
		},
	}
}

func sampleAgreement(kind Kind) Agreement {
	return Agreement{
		Kind:        kind,
		Application: sampleApplication(),
		Operator:    "遵义市政务数据运营有限公司",
		Bureau:      "遵义市科技与大数据局",
		Date:        day,
	}
}

func sampleForm() ApprovalForm {
	return ApprovalForm{
		Application: sampleApplication(),
		Status:      "已授权",
		SubmittedAt: time.Date(2026, 2, 2, 9, 15, 0, 0, time.UTC),
		Steps: []Step{
			{Name: "初审", Decider: "王审核", DeciderOrg: "市大数据发展中心", Time: time.Date(2026, 2, 4, 1, 20, 0, 0, time.UTC), Decision: "通过", Reason: "需求明确，资质齐全。"},
			{Name: "部门审核（市税务局）", Decider: "李科长", DeciderOrg: "市税务局", Time: time.Date(2026, 2, 20, 7, 0, 0, 0, time.UTC), Decision: "驳回",
				Reason: "申请的纳税明细超出场景所需的最小范围。", Basis: "《中华人民共和国个人信息保护法》第六条（最小必要原则）"},
			{Name: "部门审核（市市场监督管理局）", Decider: "赵主任", DeciderOrg: "市市场监督管理局", Time: time.Date(2026, 2, 21, 3, 0, 0, 0, time.UTC), Decision: "通过"},
			{Name: "模型审定"},
		},
		Agreements: []AgreementRef{
			{Name: "数据开发利用授权协议", TemplateVersion: "authorization.v1", SM3: strings.Repeat("0123456789abcdef", 4)},
			{Name: "授权开发利用服务协议", TemplateVersion: "service.v1", SM3: strings.Repeat("fedcba9876543210", 4)},
		},
		Date: day,
	}
}

// pdfText extracts the text of a PDF with poppler's pdftotext. Without it
// the test is skipped, unless DATAGATE_REQUIRE_PDFTOTEXT is set (CI sets
// it), when it fails.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	return pdftotext(t, pdf)
}

// pdfBody is the text of the pages' bodies, without the running header
// and the footer, so that text continued on the next page reads on.
func pdfBody(t *testing.T, pdf []byte) string {
	t.Helper()
	// In points: the body lies between marginT and bottom (mm).
	const mm = 72 / 25.4
	return pdftotext(t, pdf, "-x", "0", "-W", "595",
		"-y", fmt.Sprintf("%.0f", (marginT-2)*mm), "-H", fmt.Sprintf("%.0f", (bottom-marginT+4)*mm))
}

func pdftotext(t *testing.T, pdf []byte, args ...string) string {
	t.Helper()
	return pdftext.Text(t, pdf, args...)
}

// squeeze drops all white space, so that text wrapped over lines (or a
// page) reads as one string.
func squeeze(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

func assertContains(t *testing.T, text string, wants ...string) {
	t.Helper()
	flat := squeeze(text)
	for _, want := range wants {
		if !strings.Contains(flat, squeeze(want)) {
			t.Errorf("the PDF's text lacks %q", want)
		}
	}
}

func assertDocument(t *testing.T, d Document, version string) {
	t.Helper()
	if !bytes.HasPrefix(d.PDF, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", d.PDF[:min(len(d.PDF), 16)])
	}
	if d.TemplateVersion != version {
		t.Errorf("TemplateVersion = %q, want %q", d.TemplateVersion, version)
	}
	sum := sm3.Sum(d.PDF)
	if d.SM3 != hex.EncodeToString(sum[:]) {
		t.Errorf("SM3 = %s, not the digest of the bytes", d.SM3)
	}
	if d.Pages < 1 {
		t.Errorf("Pages = %d", d.Pages)
	}
}

// The clauses the seeds require in every agreement, as the templates word
// them.
var requiredClauses = []string{
	"不得进行二次授权或转授权", // 003 六（二）2
	"《实施方案》六（二）2",
	"在成果中注明数据来源", // 004 第二十六条
	"《开放办法》第二十六条",
	"30日内完成数据资产返还及衍生模型销毁", // 003 六（六）2
	"《实施方案》六（六）2",
}

func TestRenderAgreements(t *testing.T) {
	titles := map[Kind]string{
		KindAuthorization: "数据开发利用授权协议",
		KindService:       "授权开发利用服务协议",
		KindCommitment:    "公共数据利用承诺书",
		KindSupplement:    "补充协议",
	}
	for _, kind := range Kinds() {
		t.Run(string(kind), func(t *testing.T) {
			a := sampleAgreement(kind)
			d, err := Render(a)
			if err != nil {
				t.Fatal(err)
			}
			version := string(kind) + ".v1"
			assertDocument(t, d, version)
			if d.Name != titles[kind] {
				t.Errorf("Name = %q, want %q", d.Name, titles[kind])
			}
			text := pdfText(t, d.PDF)
			assertContains(t, text, titles[kind], a.Number, a.Title, a.Applicant, a.Bureau,
				a.Purpose, a.Scope, a.AccessMode, a.SecurityControls,
				"自2026年4月1日起至2028年3月31日止", "2026年3月2日",
				"模板版本 "+version, "第 1 页 共", fmt.Sprintf("共 %d 页", d.Pages),
				"三级（高敏感）", "二级（低敏感）", "有条件开放", "非开放", "SCJG-001",
				// grade 3 data: only in the secure environment
				"以数据沙箱或模型结果方式使用")
			assertContains(t, text, requiredClauses...)
			for _, ds := range a.Datasets {
				assertContains(t, text, ds.Name, ds.Department)
			}
			if kind != KindCommitment {
				assertContains(t, text, a.Operator, "（签章）")
			}
			switch kind {
			case KindAuthorization:
				assertContains(t, text, "一场景一授权", "甲方（授权方）", "乙方（被授权方）", "不超过5年", "留存不少于5年")
			case KindService:
				assertContains(t, text, "报"+a.Bureau+"备案", "乙方（开发利用者）")
			case KindCommitment:
				// 004 第十六条: the data list, purpose, scenario, security measures.
				assertContains(t, text, "第十六条", "使用数据的清单", "用途与应用场景", "安全保障措施", "承诺方")
			case KindSupplement:
				assertContains(t, text, "仅列新增部分", "丙方（开发利用者）", "适用原协议")
			}
		})
	}
}

func TestRenderApprovalForm(t *testing.T) {
	f := sampleForm()
	d, err := RenderApprovalForm(f)
	if err != nil {
		t.Fatal(err)
	}
	assertDocument(t, d, ApprovalFormVersion)
	text := pdfText(t, d.PDF)
	assertContains(t, text, "公共数据资源开发利用审批单", f.Number, f.Title, f.Applicant, f.Purpose, f.Scope,
		"已授权", "2026-02-02 17:15", // submitted, printed in China Standard Time
		"模板版本 approval.v1", "第 1 页 共")
	for _, ds := range f.Datasets {
		assertContains(t, text, ds.Name)
	}
	for _, s := range f.Steps {
		assertContains(t, text, s.Name, s.Decider, s.DeciderOrg, s.Reason, s.Basis)
	}
	assertContains(t, text, "2026-02-04 09:20", "驳回", "待处理", "理由：", "依据：")
	for _, g := range f.Agreements {
		assertContains(t, text, g.Name, g.TemplateVersion, g.SM3)
	}
}

func TestDeterministic(t *testing.T) {
	a := sampleAgreement(KindAuthorization)
	d1, err := Render(a)
	if err != nil {
		t.Fatal(err)
	}
	d2, err := Render(a)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(d1.PDF, d2.PDF) || d1.SM3 != d2.SM3 {
		t.Fatal("the same input gave different bytes")
	}
	if !bytes.Contains(d1.PDF, []byte("/CreationDate (D:20260302103000")) {
		t.Error("the creation date is not the input's date")
	}
	b := a
	b.Purpose += "补充说明。"
	d3, err := Render(b)
	if err != nil {
		t.Fatal(err)
	}
	if d3.SM3 == d1.SM3 {
		t.Error("a changed purpose gave the same digest")
	}
	c := a
	c.Date = c.Date.Add(24 * time.Hour)
	if d4, err := Render(c); err != nil || d4.SM3 == d1.SM3 {
		t.Errorf("a changed date gave the same digest (err %v)", err)
	}

	f1, err := RenderApprovalForm(sampleForm())
	if err != nil {
		t.Fatal(err)
	}
	f2, err := RenderApprovalForm(sampleForm())
	if err != nil {
		t.Fatal(err)
	}
	if f1.SM3 != f2.SM3 {
		t.Error("the same approval form gave different digests")
	}
}

func TestRefusesBadInput(t *testing.T) {
	fieldOf := func(err error) []string {
		var fields []string
		for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
			var fe *FieldError
			if errors.As(e, &fe) {
				fields = append(fields, fe.Field)
			}
		}
		return fields
	}
	cases := []struct {
		name   string
		change func(*Agreement)
		field  string
	}{
		{"no datasets", func(a *Agreement) { a.Datasets = nil }, "Datasets"},
		{"empty purpose", func(a *Agreement) { a.Purpose = " \n " }, "Purpose"},
		{"no bureau", func(a *Agreement) { a.Bureau = "" }, "Bureau"},
		{"no operator", func(a *Agreement) { a.Operator = "" }, "Operator"},
		{"unknown kind", func(a *Agreement) { a.Kind = "lease" }, "Kind"},
		{"period reversed", func(a *Agreement) { a.Period.To = a.Period.From.AddDate(0, 0, -1) }, "Period.To"},
		{"no date", func(a *Agreement) { a.Date = time.Time{} }, "Date"},
		{"dataset without a name", func(a *Agreement) { a.Datasets[1].Name = "" }, "Datasets[1].Name"},
		{"dataset without a grade", func(a *Agreement) { a.Datasets[0].Grade = 0 }, "Datasets[0].Grade"},
		{"title on two lines", func(a *Agreement) { a.Title = "甲\n乙" }, "Title"},
		{"a control character", func(a *Agreement) { a.Scope = "范围\x00" }, "Scope"},
		// 堃 is outside GB2312, so outside the font.
		{"a character the font lacks", func(a *Agreement) { a.Applicant = "堃元科技有限公司" }, "Applicant"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := sampleAgreement(KindAuthorization)
			a.Datasets = append([]Dataset(nil), a.Datasets...)
			c.change(&a)
			_, err := Render(a)
			if err == nil {
				t.Fatal("accepted")
			}
			fields := fieldOf(err)
			if len(fields) != 1 || fields[0] != c.field {
				t.Fatalf("fields %v, want [%s]: %v", fields, c.field, err)
			}
			if !strings.Contains(err.Error(), c.field) {
				t.Errorf("the message does not name %s: %v", c.field, err)
			}
		})
	}
	// A commitment needs no operator; every agreement needs datasets.
	a := sampleAgreement(KindCommitment)
	a.Operator = ""
	if _, err := Render(a); err != nil {
		t.Errorf("a commitment without an operator: %v", err)
	}
	a.Datasets = nil
	if _, err := Render(a); err == nil || !strings.Contains(err.Error(), "Datasets") {
		t.Errorf("a commitment without datasets: %v", err)
	}
	// The approval form.
	f := sampleForm()
	f.Steps = nil
	f.Purpose = ""
	f.Agreements[0].SM3 = "abc"
	_, err := RenderApprovalForm(f)
	if err == nil {
		t.Fatal("a bad approval form was accepted")
	}
	if got := strings.Join(fieldOf(err), " "); got != "Purpose Steps Agreements[0].SM3" {
		t.Errorf("fields %q", got)
	}
	// Rendering with another kind's version.
	if _, err := RenderVersion(sampleAgreement(KindService), "authorization.v1"); err == nil {
		t.Error("a service agreement rendered with the authorization template")
	}
}

func TestLongDatasetListPages(t *testing.T) {
	a := sampleAgreement(KindAuthorization)
	a.Datasets = nil
	for i := range 60 {
		a.Datasets = append(a.Datasets, Dataset{
			Name:       fmt.Sprintf("测试数据集第%02d号", i+1),
			Department: fmt.Sprintf("第%d数据提供部门", i%7+1),
			Grade:      i%4 + 1, OpenAttribute: "有条件开放",
		})
	}
	d, err := Render(a)
	if err != nil {
		t.Fatal(err)
	}
	if d.Pages < 3 {
		t.Errorf("60 datasets on %d pages", d.Pages)
	}
	text := pdfText(t, d.PDF)
	for _, ds := range a.Datasets {
		assertContains(t, text, ds.Name)
	}
	assertContains(t, text, "授权的公共数据资源共60项", fmt.Sprintf("第 %d 页 共 %d 页", d.Pages, d.Pages))
	// The table's header is repeated on each page it continues on.
	if n := strings.Count(text, "数据资源名称"); n < 2 {
		t.Errorf("the table header appears %d times", n)
	}
	// Every page has its footer.
	for p := 1; p <= d.Pages; p++ {
		assertContains(t, text, fmt.Sprintf("第 %d 页 共 %d 页", p, d.Pages))
	}
	if n := strings.Count(text, "模板版本 authorization.v1"); n != d.Pages {
		t.Errorf("the template version is on %d of %d pages", n, d.Pages)
	}
}

// TestLongTextWraps: long text wraps within the page and keeps every
// character (fpdf's own MultiCell drops one at each break between hanzi);
// a step's reason longer than a page is split across pages.
func TestLongTextWraps(t *testing.T) {
	a := sampleAgreement(KindService)
	var b strings.Builder
	for i := range 40 {
		fmt.Fprintf(&b, "第%d项用途：依据授权开展信用评价、风险预警与统计分析，形成“评分（Score）”结果供合作金融机构API调用；", i+1)
	}
	a.Purpose = b.String()
	d, err := Render(a)
	if err != nil {
		t.Fatal(err)
	}
	text := pdfBody(t, d.PDF)
	assertContains(t, text, a.Purpose)
	for _, line := range strings.Split(text, "\n") {
		if n := len([]rune(line)); n > 60 {
			t.Errorf("a line of %d characters does not wrap: %q", n, line)
		}
	}

	f := sampleForm()
	f.Steps[1].Reason = strings.Repeat("申请的纳税明细超出场景所需的最小范围，", 120)
	fd, err := RenderApprovalForm(f)
	if err != nil {
		t.Fatal(err)
	}
	if fd.Pages < 3 {
		t.Errorf("a reason of %d characters on %d pages", len([]rune(f.Steps[1].Reason)), fd.Pages)
	}
	// The body without the table's header, repeated on each page.
	ftext := strings.ReplaceAll(squeeze(pdfBody(t, fd.PDF)), "序号环节处理人处理时间结论理由及依据", "")
	if n := strings.Count(ftext, "申请的纳税明细超出场景所需的最小范围，"); n != 120 {
		t.Errorf("the long reason lost text: %d of 120 repeats found", n)
	}
}

func TestWrapRules(t *testing.T) {
	w := &writer{}
	if _, err := w.layout(content{}, 1); err != nil {
		t.Fatal(err)
	}
	w.font(bodySize)
	cw := w.measure("中")
	cases := []struct {
		text  string
		width float64
		want  []string
	}{
		{"", 100, []string{""}},
		// no line starts with a closing mark: the last hanzi moves with it
		{"一二三四。五", 4 * cw, []string{"一二三", "四。五"}},
		// no line ends with an opening mark
		{"一二三《四》", 4 * cw, []string{"一二三", "《四》"}},
		// Latin words break at spaces, not inside
		{"alpha beta gamma", w.measure("alpha beta "), []string{"alpha beta", "gamma"}},
		// a word longer than a line is cut
		{"0123456789abcdef0123456789abcdef", w.measure("0123456789"), []string{"0123456789", "abcdef0123", "456789abcd", "ef"}},
	}
	for _, c := range cases {
		got := w.wrap(c.text, c.width+1e-9)
		if strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("wrap(%q) = %q, want %q", c.text, got, c.want)
		}
	}
}

func TestFontCoversGB2312(t *testing.T) {
	runes, err := fontRunes()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range "遵义市科技与大数据局，。、；：？！“”（）《》——…０１ＡＢ" {
		if !runes[r] {
			t.Errorf("the font lacks %q", r)
		}
	}
	for r := rune(0x20); r < 0x7F; r++ {
		if !runes[r] {
			t.Errorf("the font lacks ASCII %q", r)
		}
	}
	if len(runes) < 7000 {
		t.Errorf("the font maps %d characters", len(runes))
	}
	if len(fontTTF) > 3<<20 {
		t.Errorf("the font is %d bytes", len(fontTTF))
	}
}

func TestVersions(t *testing.T) {
	for _, k := range Kinds() {
		v := CurrentVersion(k)
		if templates[v] == nil {
			t.Errorf("no template for %s's current version %q", k, v)
		}
	}
	if templates[ApprovalFormVersion] == nil {
		t.Error("no approval form template")
	}
	if got := strings.Join(Versions(), " "); got != "approval.v1 authorization.v1 commitment.v1 service.v1 supplement.v1" {
		t.Errorf("Versions() = %s", got)
	}
}

// TestInputCannotFormMarkup: a field whose text looks like a directive is
// printed as text.
func TestInputCannotFormMarkup(t *testing.T) {
	a := sampleAgreement(KindAuthorization)
	a.Scope = "范围一\n@sign 伪造方|某某\n@datasets"
	d, err := Render(a)
	if err != nil {
		t.Fatal(err)
	}
	text := pdfText(t, d.PDF)
	assertContains(t, text, "@sign 伪造方|某某", "@datasets")
	if strings.Contains(text, "伪造方（签章）") {
		t.Error("a field formed a signature block")
	}
}

// TestConcurrentRenders: renders share nothing mutable.
func TestConcurrentRenders(t *testing.T) {
	want, err := Render(sampleAgreement(KindSupplement))
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			d, err := Render(sampleAgreement(KindSupplement))
			if err == nil && d.SM3 != want.SM3 {
				err = fmt.Errorf("digest %s, want %s", d.SM3, want.SM3)
			}
			errs <- err
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
