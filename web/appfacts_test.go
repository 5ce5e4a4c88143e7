package web_test

import (
	"context"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/workflows"
)

// What the applicant wrote, as every decider must read it.
const (
	factDomain      = "金融服务"
	factDescription = "面向小微企业的授信风控场景"
	factPurpose     = "授信评估与贷后风险监测"
	factScope       = "仅限本公司信贷审批业务"
	factControls    = "沙箱隔离，结果脱敏，专人专岗"
)

// fullApplication writes an application with every field filled, as its
// workflow would have: submitted, in status, with datasets.
func (e *env) fullApplication(title, status string, datasets ...string) store.Application {
	e.t.Helper()
	ctx := context.Background()
	a := &store.Application{ApplicantOrg: "acme-fintech", ApplicantUser: "applicant", Title: title,
		Domain: factDomain, Description: factDescription, Purpose: factPurpose, Scope: factScope,
		PeriodMonths: 36, AccessMode: store.AccessSandbox, SecurityControls: factControls}
	for _, d := range datasets {
		a.Datasets = append(a.Datasets, store.ApplicationDataset{DatasetCode: d})
	}
	if err := e.st.CreateApplication(ctx, a); err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.MarkSubmitted(ctx, a.ID, workflows.ApplicationWorkflowID(a.ID), e.clock.Now()); err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.Apply(ctx, store.Change{App: &store.AppState{ID: a.ID, Status: status}}); err != nil {
		e.t.Fatal(err)
	}
	got, err := e.st.Application(ctx, a.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

var (
	scriptRE = regexp.MustCompile(`(?is)<(script|style)\b.*?</(script|style)>`)
	tagRE    = regexp.MustCompile(`<[^>]*>`)
	spaceRE  = regexp.MustCompile(`\s+`)
	rowRE    = regexp.MustCompile(`(?s)<tr>.*?</tr>`)
	factsRE  = regexp.MustCompile(`(?s)<dl class="facts wide app-facts-list">.*?</table>`)
)

// visible is the text a reader sees in an HTML fragment: no tags, no
// attributes, entities decoded, spaces collapsed.
func visible(s string) string {
	s = scriptRE.ReplaceAllString(s, " ")
	s = tagRE.ReplaceAllString(s, " ")
	return strings.TrimSpace(spaceRE.ReplaceAllString(html.UnescapeString(s), " "))
}

// rawKeys are stored values that must never be shown as themselves.
var rawKeys = []string{store.AccessSandbox, store.AccessModelResult, store.AccessDownload,
	store.OpenUnconditional, store.OpenConditional, store.OpenClosed, "acme-fintech", "gsa", "commerce", "health", "bdc"}

// wantDataset is one dataset row as a decider must read it, by language.
type wantDataset struct {
	code, name     string
	provider       map[string]string
	grade, open    map[string]string
	authorizedOpOK bool
}

var appDatasets = []wantDataset{
	{code: "DS-0100", name: "九大产业部门惠企补贴数据",
		provider: map[string]string{"zh-CN": "市政务服务管理局", "en": "Municipal Government Services Administration"},
		grade:    map[string]string{"zh-CN": "2 级", "en": "Grade 2"},
		open:     map[string]string{"zh-CN": "有条件开放", "en": "Conditional"}},
	{code: "DS-0102", name: "龙华区进出口贸易结构数据",
		provider: map[string]string{"zh-CN": "市商务局", "en": "Municipal Commerce Bureau"},
		grade:    map[string]string{"zh-CN": "1 级", "en": "Grade 1"},
		open:     map[string]string{"zh-CN": "有条件开放", "en": "Conditional"}},
	{code: "DS-0103", name: "医疗放射影像数据",
		provider: map[string]string{"zh-CN": "市卫生健康委员会", "en": "Municipal Health Commission"},
		grade:    map[string]string{"zh-CN": "3 级", "en": "Grade 3"},
		open:     map[string]string{"zh-CN": "非开放", "en": "Closed"}, authorizedOpOK: true},
}

// checkFacts asserts that p shows the whole application in lang: the
// scenario, purpose, scope, security controls, period, access mode in
// words and each dataset with provider, grade and open attribute in
// words; and that no stored key stands in for a word.
func checkFacts(t *testing.T, what, lang string, p page, period string) {
	t.Helper()
	if p.Status != 200 {
		t.Fatalf("%s: status %d: %.300s", what, p.Status, p.Body)
	}
	m := factsRE.FindString(p.Body)
	if m == "" {
		t.Errorf("%s: no application facts block in the page; looking at the whole page", what)
		m = p.Body
	}
	text := visible(m)
	words := map[string][]string{
		"zh-CN": {"应用领域", "场景描述", "使用目的", "使用范围", "使用期限", "使用方式", "安全保障措施", "附件",
			"沙箱（安全环境内使用）", "36 个月"},
		"en": {"Domain", "Description", "Purpose", "Usage scope", "Usage period", "Access mode", "Security controls", "Attachments",
			"Sandbox (in the secure environment)", "36 months"},
	}[lang]
	for _, s := range append(words, factDomain, factDescription, factPurpose, factScope, factControls) {
		if !strings.Contains(text, s) {
			t.Errorf("%s: want %q in the application's facts: %s", what, s, text)
		}
	}
	if period != "" && !strings.Contains(text, period) {
		t.Errorf("%s: want the period %q: %s", what, period, text)
	}
	rows := map[string]string{}
	for _, r := range rowRE.FindAllString(m, -1) {
		for _, d := range appDatasets {
			if strings.Contains(r, ">"+d.code+"<") {
				rows[d.code] = visible(r)
			}
		}
	}
	for _, d := range appDatasets {
		row, ok := rows[d.code]
		if !ok {
			t.Errorf("%s: no row for %s", what, d.code)
			continue
		}
		want := []string{d.name, d.provider[lang], d.grade[lang], d.open[lang]}
		if d.authorizedOpOK {
			want = append(want, map[string]string{"zh-CN": "可授权运营", "en": "Authorized operation"}[lang])
		}
		for _, s := range want {
			if !strings.Contains(row, s) {
				t.Errorf("%s: %s row: want %q in %q", what, d.code, s, row)
			}
		}
	}
	// Stored keys never stand for words, in the facts or (in Chinese)
	// anywhere a reader sees.
	shown := strings.Fields(text)
	if lang == "zh-CN" {
		shown = strings.Fields(visible(p.Body))
	}
	for _, w := range shown {
		for _, k := range rawKeys {
			if strings.Trim(w, "（）()·,:：，") == k {
				t.Errorf("%s: the raw key %q is shown", what, k)
			}
		}
	}
}

// TestDecidersSeeTheWholeApplication: wherever a task is decided, the inbox
// card and the application page, every role reads what the application
// asks for, in zh-CN and in English: the scenario, purpose, scope,
// security controls, period, access mode in words, and each dataset's
// name, provider, grade and open attribute in words.
func TestDecidersSeeTheWholeApplication(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	ds := []string{"DS-0100", "DS-0102", "DS-0103"}
	initial := e.fullApplication("小微企业信贷风控", domain.StatusInitialReview, ds...)
	e.task(initial, 1, domain.TaskInitialReview, "bdc", now.Add(-time.Hour), now.Add(5*24*time.Hour))
	review := e.fullApplication("小微企业信贷风控二期", domain.StatusDepartmentReview, ds...)
	e.task(review, 1, domain.TaskDepartmentReview, "gsa", now.Add(-time.Hour), now.Add(20*24*time.Hour))
	e.task(review, 2, domain.TaskDepartmentReview, "health", now.Add(-time.Hour), now.Add(20*24*time.Hour))
	opinion := e.task(review, 3, domain.TaskRegulatorOpinion, "nfra", now.Add(-time.Hour), now.Add(10*24*time.Hour))
	opinion.Subject = "health"
	if err := e.st.Apply(context.Background(), store.Change{Tasks: []store.Task{opinion}}); err != nil {
		t.Fatal(err)
	}
	active := e.fullApplication("小微企业信贷风控三期", domain.StatusActive, ds...)
	from := time.Date(2026, 3, 2, 0, 0, 0, 0, calendar.Zone)
	until := from.AddDate(3, 0, 0)
	if err := e.st.Apply(context.Background(), store.Change{App: &store.AppState{ID: active.ID, Status: domain.StatusActive,
		ActiveFrom: &from, ActiveUntil: &until}}); err != nil {
		t.Fatal(err)
	}
	e.task(active, 1, domain.TaskRateEvaluation, "stbd", now.Add(-time.Hour), now.Add(20*24*time.Hour))
	activePeriod := map[string]string{"zh-CN": "授权期限 2026-03-02 至 2029-03-02", "en": "authorized 2026-03-02 to 2029-03-02"}

	cases := []struct {
		user   string
		app    store.Application
		period bool
	}{
		{"initial_reviewer", initial, false},
		{"reviewer-gsa", review, false},
		{"reviewer-health", review, false},
		{"regulator-nfra", review, false},
		{"bureau_officer", active, true},
	}
	for _, lang := range []string{"zh-CN", "en"} {
		for _, c := range cases {
			cl := e.as(c.user)
			cl.lang = lang
			period := ""
			if c.period {
				period = activePeriod[lang]
			}
			inbox := cl.get("/inbox")
			checkFacts(t, c.user+" "+lang+" inbox", lang, inbox, period)
			mustContain(t, c.user+" "+lang+" inbox", inbox, `<details class="app-facts" open>`)
			checkFacts(t, c.user+" "+lang+" application page", lang, cl.get("/applications/"+itoa(c.app.ID)), period)
		}
		// The operator and the applicant read the same on the page.
		for _, user := range []string{"operator", "applicant"} {
			cl := e.as(user)
			cl.lang = lang
			checkFacts(t, user+" "+lang+" application page", lang, cl.get("/applications/"+itoa(active.ID)), activePeriod[lang])
		}
	}

	// A department reviewer's own datasets are marked as its own.
	p := e.as("reviewer-gsa").get("/inbox")
	for _, r := range rowRE.FindAllString(factsRE.FindString(p.Body), -1) {
		if mine := strings.Contains(visible(r), "本部门"); mine != strings.Contains(r, ">DS-0100<") {
			t.Errorf("gsa's inbox: the row %q is marked as its own: %v", visible(r), mine)
		}
	}
}

// TestInboxFactsStayInScope: a task in a department's inbox whose
// application the department's scope does not show (it names none of its
// datasets) carries no application facts: the inbox widens no access.
func TestInboxFactsStayInScope(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	a := e.fullApplication("影像辅助诊断", domain.StatusDepartmentReview, "DS-0104")
	e.task(a, 1, domain.TaskUrgeReply, "gsa", now.Add(-time.Hour), now.Add(5*24*time.Hour))
	p := e.as("reviewer-gsa").get("/inbox")
	mustContain(t, "gsa's inbox", p, "影像辅助诊断")
	mustNotContain(t, "gsa's inbox", p, factPurpose, factScope, factControls, `class="app-facts"`)
	if p := e.as("reviewer-gsa").get("/applications/" + itoa(a.ID)); p.Status != 404 {
		t.Errorf("gsa opens an application outside its scope: %d", p.Status)
	}
}
