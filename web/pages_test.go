package web_test

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/workflows"
)

// fixture: one application in department review with an open review task
// for gsa (due in the past: overdue) and one for commerce, and a decided
// initial review.
type fixture struct {
	app                 store.Application
	initial, gsa, comm  store.Task
	draft, otherOrgsApp store.Application
}

func (e *env) fixture() fixture {
	e.t.Helper()
	now := e.clock.Now()
	var f fixture
	f.app = e.application("acme-fintech", "applicant", "小微企业信贷风控", domain.StatusDepartmentReview, "DS-0100", "DS-0102")
	f.initial = e.task(f.app, 1, domain.TaskInitialReview, "bdc", now.Add(-20*24*time.Hour), now.Add(-15*24*time.Hour))
	f.initial = e.decide(f.initial, domain.DecisionPass, "", "", now.Add(-16*24*time.Hour))
	f.gsa = e.task(f.app, 2, domain.TaskDepartmentReview, "gsa", now.Add(-16*24*time.Hour), now.Add(-2*24*time.Hour))
	f.comm = e.task(f.app, 3, domain.TaskDepartmentReview, "commerce", now.Add(-16*24*time.Hour), now.Add(10*24*time.Hour))
	f.draft = e.application("acme-fintech", "applicant", "草稿场景", domain.StatusDraft, "DS-0100")
	f.otherOrgsApp = e.application("kangming-medai", "applicant2", "影像辅助诊断", domain.StatusInitialReview, "DS-0104")
	e.task(f.otherOrgsApp, 1, domain.TaskInitialReview, "bdc", now.Add(-24*time.Hour), now.Add(5*24*time.Hour))
	return f
}

func mustContain(t *testing.T, what string, p page, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if !strings.Contains(p.Body, s) {
			t.Errorf("%s: want %q in the page", what, s)
		}
	}
}

func mustNotContain(t *testing.T, what string, p page, subs ...string) {
	t.Helper()
	for _, s := range subs {
		if strings.Contains(p.Body, s) {
			t.Errorf("%s: %q must not be in the page", what, s)
		}
	}
}

func TestHomeSendsEachRoleToItsWork(t *testing.T) {
	e := newEnv(t)
	for user, want := range map[string]string{
		"": "/catalog", "applicant": "/applications", "initial_reviewer": "/inbox", "reviewer-gsa": "/inbox",
		"regulator": "/inbox", "bureau_officer": "/inbox", "operator": "/inbox", "supervisor": "/supervision", "admin": "/admin",
	} {
		p := e.as(user).get("/")
		if p.Status != http.StatusSeeOther || p.Header.Get("Location") != want {
			t.Errorf("%q: / answers %d to %q, want %s", user, p.Status, p.Header.Get("Location"), want)
		}
		if want == "/catalog" {
			continue
		}
		if p := e.as(user).get(want); p.Status != http.StatusOK {
			t.Errorf("%q: %s answers %d: %.300s", user, want, p.Status, p.Body)
		}
	}
}

func TestSignedOutPagesGoToSignIn(t *testing.T) {
	e := newEnv(t)
	anon := e.as("")
	for _, path := range []string{"/applications", "/applications/1", "/applications/new", "/inbox", "/supervision", "/audit", "/admin",
		"/procedures", "/procedures/1", "/catalog/propose", "/catalog/request"} {
		p := anon.get(path)
		if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/login?next=") {
			t.Errorf("%s: %d %q, want a redirect to /login", path, p.Status, p.Header.Get("Location"))
		}
	}
	for _, path := range []string{"/catalog", "/catalog/DS-0100", "/disclosure", "/login", "/static/app.js"} {
		if p := anon.get(path); p.Status != http.StatusOK {
			t.Errorf("%s: %d, want 200 without signing in", path, p.Status)
		}
	}
	login := anon.get("/login?next=/inbox")
	mustContain(t, "login", login, `id="login-form"`, `data-api="/api/v1/session"`, `data-next="/login/totp?next=%2Finbox"`, `for="username"`, `for="password"`)
	// An open redirect is not possible.
	if p := anon.get("/login?next=//evil.example/x"); !strings.Contains(p.Body, `data-next="/login/totp?next=%2F"`) {
		t.Errorf("login keeps an off-site next")
	}
}

func TestNavShowsOnlyWhatTheRoleMayOpen(t *testing.T) {
	e := newEnv(t)
	cases := map[string]struct{ yes, no []string }{
		"":                 {[]string{`href="/catalog"`, `href="/disclosure"`, `id="sign-in"`}, []string{`href="/inbox"`, `href="/admin"`, `id="sign-out"`, `href="/procedures"`}},
		"applicant":        {[]string{`href="/applications"`, `href="/applications/new"`, `href="/inbox"`, `href="/procedures"`, `id="sign-out"`}, []string{`href="/supervision"`, `href="/audit"`, `href="/admin"`}},
		"initial_reviewer": {[]string{`href="/inbox"`, `href="/applications"`, `href="/procedures"`}, []string{`href="/applications/new"`, `href="/supervision"`, `href="/admin"`}},
		"supervisor":       {[]string{`href="/supervision"`, `href="/audit"`, `href="/procedures"`}, []string{`href="/applications/new"`, `href="/admin"`, `href="/inbox"`}},
		"admin":            {[]string{`href="/admin"`, `href="/audit"`}, []string{`href="/applications"`, `href="/inbox"`, `href="/supervision"`, `href="/procedures"`}},
	}
	for user, c := range cases {
		p := e.as(user).get("/catalog")
		nav := p.Body[strings.Index(p.Body, "<nav"):strings.Index(p.Body, "</nav>")]
		header := p.Body[:strings.Index(p.Body, "</header>")]
		for _, s := range c.yes {
			if !strings.Contains(header, s) {
				t.Errorf("%q: header lacks %s", user, s)
			}
		}
		for _, s := range c.no {
			if strings.Contains(nav, s) {
				t.Errorf("%q: nav shows %s", user, s)
			}
		}
	}
}

func TestApplicantDashboard(t *testing.T) {
	e := newEnv(t)
	f := e.fixture()
	// The applicant's own step: a signature.
	sign := e.task(f.app, 4, domain.TaskSignCommitment, "acme-fintech", e.clock.Now(), e.clock.Now().Add(14*24*time.Hour))
	c := e.as("applicant")
	p := c.get("/applications")
	if p.Status != http.StatusOK {
		t.Fatalf("status %d", p.Status)
	}
	// 我的申请 is a compact table (issue 17): each application's row with
	// where it stands, who holds it and the clock, linking to its page;
	// the applicant's own step in the to-do box, leading to its form there.
	mustContain(t, "dashboard", p, "小微企业信贷风控", "草稿场景", `id="new-application"`,
		`id="app-row-`+itoa(f.app.ID)+`"`, `href="/applications/`+itoa(f.app.ID)+`"`, "部门审核", "签署利用承诺", "本单位",
		"已超期", `href="/applications/`+itoa(f.app.ID)+`#task-`+sign.ID+`"`)
	// Not another org's application, and no form of any kind.
	mustNotContain(t, "dashboard", p, "影像辅助诊断", `/decision"`, `/api/v1/supervision/urges`, `id="step-`)
	// The application's page holds the detail: the timeline, with who
	// decided and the clocks in working days, and the applicant's own step
	// as a form; a draft's page can submit it.
	p = c.get("/applications/" + itoa(f.app.ID))
	mustContain(t, "the application's page", p, `id="step-`+f.initial.ID+`"`, "初审", "通过", "市大数据发展中心", "已超期", "剩余",
		`id="task-`+sign.ID+`"`, `data-api="/api/v1/tasks/`+sign.ID+`/decision"`, `value="sign"`)
	mustNotContain(t, "the application's page", p, `/api/v1/tasks/`+f.gsa.ID+`/decision`, `/api/v1/supervision/urges`)
	mustContain(t, "the draft's page", c.get("/applications/"+itoa(f.draft.ID)), `data-api="/api/v1/applications/`+itoa(f.draft.ID)+`/submit"`)
	// Another org's application is not found.
	if q := e.as("applicant").get("/applications/" + itoa(f.otherOrgsApp.ID)); q.Status != http.StatusNotFound {
		t.Errorf("another org's application: %d, want 404", q.Status)
	}
}

func TestReviewerInbox(t *testing.T) {
	e := newEnv(t)
	f := e.fixture()
	p := e.as("reviewer-gsa").get("/inbox")
	mustContain(t, "gsa inbox", p, `id="task-`+f.gsa.ID+`"`, "is-overdue", "已超期",
		`data-api="/api/v1/tasks/`+f.gsa.ID+`/decision"`, `value="approve"`, `value="reject"`, `name="basis"`,
		`data-api="/api/v1/tasks/`+f.gsa.ID+`/claim"`, `name="regulator"`)
	mustNotContain(t, "gsa inbox", p, f.comm.ID, "影像辅助诊断")

	// The initial reviewer's inbox is sorted by due date.
	p = e.as("initial_reviewer").get("/inbox")
	mustContain(t, "bdc inbox", p, "影像辅助诊断", `value="pass"`, `value="return"`, `value="reject"`)

	// On the application page, each department sees only its own form.
	p = e.as("reviewer-commerce").get("/applications/" + itoa(f.app.ID))
	mustContain(t, "commerce on the application", p, `/api/v1/tasks/`+f.comm.ID+`/decision`)
	mustNotContain(t, "commerce on the application", p, `/api/v1/tasks/`+f.gsa.ID+`/decision`, `/api/v1/supervision/urges`)
}

// An automatic urge shows on the task as the system's, in the reader's
// language, never as a login name with an empty message.
func TestAutomaticUrgeOnTheTask(t *testing.T) {
	e := newEnv(t)
	f := e.fixture()
	if err := e.st.Apply(context.Background(), store.Change{Urges: []store.Urge{{TaskID: f.gsa.ID, CreatedAt: e.clock.Now()}}}); err != nil {
		t.Fatal(err)
	}
	p := e.as("reviewer-gsa").get("/inbox")
	mustContain(t, "gsa inbox", p, "系统自动督办")
	mustNotContain(t, "gsa inbox", p, "system:")
	sup := e.as("supervisor")
	sup.lang = "en"
	mustContain(t, "supervision in English", sup.get("/supervision"), "urged automatically")
}

func TestClaimedTaskShowsRelease(t *testing.T) {
	e := newEnv(t)
	f := e.fixture()
	c := e.as("initial_reviewer")
	if r := c.post("/api/v1/tasks/"+workflows.ApplicationWorkflowID(f.otherOrgsApp.ID)+"-t1/claim", map[string]any{}); r.Status != http.StatusOK {
		t.Fatalf("claim: %d %s", r.Status, r.Body)
	}
	p := c.get("/inbox")
	// The holder by display name, never by login name.
	mustContain(t, "claimed", p, "/release", "承办人：初审员 · 市大数据发展中心")
	mustNotContain(t, "claimed", p, "承办人：initial_reviewer")
}

func TestSupervisorDashboard(t *testing.T) {
	e := newEnv(t)
	f := e.fixture()
	// A rejection to flag.
	rej := e.application("acme-fintech", "applicant", "被驳回的场景", domain.StatusRejected, "DS-0100")
	rt := e.task(rej, 1, domain.TaskInitialReview, "bdc", e.clock.Now().Add(-5*24*time.Hour), e.clock.Now().Add(24*time.Hour))
	e.decide(rt, domain.DecisionReject, "材料不全", "第十六条", e.clock.Now().Add(-time.Hour))

	p := e.as("supervisor").get("/supervision")
	if p.Status != http.StatusOK {
		t.Fatalf("status %d: %.500s", p.Status, p.Body)
	}
	mustContain(t, "supervision", p,
		`id="chart-overdue"`, `id="chart-ontime"`, `id="chart-trend"`, `id="chart-age"`, "<svg", `role="img"`, "<title",
		// the overdue department is on the chart, with a drill-down
		"市政务服务管理局", `href="/supervision?department=gsa#tasks"`, "1 / 1",
		// the overdue task with its urge form
		`id="sup-task-`+f.gsa.ID+`"`, `data-api="/api/v1/supervision/urges"`, `value="`+f.gsa.ID+`"`,
		// the rejection with its flag form
		`id="rej-`+rt.ID+`"`, `data-api="/api/v1/supervision/flags"`)
	mustNotContain(t, "supervision", p, `/decision"`)

	// The drill-down lists the department's open tasks.
	p = e.as("supervisor").get("/supervision?department=commerce")
	mustContain(t, "drill-down", p, `id="sup-task-`+f.comm.ID+`"`)
	mustNotContain(t, "drill-down", p, `id="sup-task-`+f.gsa.ID+`"`)

	// An urge shows on the department's task.
	if r := e.as("supervisor").post("/api/v1/supervision/urges", map[string]string{"task_id": f.gsa.ID, "message": "请尽快办理"}); r.Status != http.StatusCreated {
		t.Fatalf("urge: %d %s", r.Status, r.Body)
	}
	mustContain(t, "gsa inbox after the urge", e.as("reviewer-gsa").get("/inbox"), "请尽快办理")

	// The bureau reads supervision but may not urge.
	p = e.as("bureau_officer").get("/supervision")
	mustContain(t, "bureau on supervision", p, `id="chart-overdue"`)
	mustNotContain(t, "bureau on supervision", p, `data-api="/api/v1/supervision/urges"`, `data-api="/api/v1/supervision/flags"`)

	// Supervisors urge from the application page too, but decide nothing.
	p = e.as("supervisor").get("/applications/" + itoa(f.app.ID))
	mustContain(t, "supervisor on the application", p, `data-api="/api/v1/supervision/urges"`)
	mustNotContain(t, "supervisor on the application", p, `/decision"`)
}

func TestApplicationForm(t *testing.T) {
	e := newEnv(t)
	p := e.as("applicant").get("/applications/new?datasets=DS-0104")
	mustContain(t, "form", p, `data-api="/api/v1/applications"`, `data-next="/applications/{application.id}"`,
		`id="ds-DS-0100"`, `max="60"`, `for="period_months"`, `for="title"`, `for="access_mode"`)
	// A closed dataset eligible for authorized operation is picked for the
	// secure environment only (web/authop_test.go has the rest).
	if !strings.Contains(p.Body, `id="ds-DS-0103" name="datasets" value="DS-0103" data-array data-grade="3" aria-describedby="ds-DS-0103-authop" data-secure>`) {
		t.Errorf("closed dataset DS-0103, eligible for authorized operation, is not pickable for the secure environment")
	}
	// A preselected grade-3 dataset takes download and API off the form.
	mustContain(t, "grade 3 preselected", p, `value="download" disabled`, `value="api" disabled`, `id="ds-DS-0104" name="datasets" value="DS-0104" data-array data-grade="3" checked`)
	if strings.Contains(p.Body, `id="access-grade3" data-grade-note hidden`) {
		t.Errorf("the grade-3 note is hidden with a grade-3 dataset selected")
	}
	// Everyone who may not apply is refused the form.
	if p := e.as("supervisor").get("/applications/new"); p.Status != http.StatusForbidden {
		t.Errorf("supervisor gets the form: %d", p.Status)
	}
}

func TestInjectedTitleIsEscaped(t *testing.T) {
	e := newEnv(t)
	evil := `<script>alert("x")</script><img src=x onerror=alert(1)>`
	a := e.application("acme-fintech", "applicant", evil, domain.StatusInitialReview, "DS-0100")
	e.task(a, 1, domain.TaskInitialReview, "bdc", e.clock.Now(), e.clock.Now().Add(48*time.Hour))
	for user, path := range map[string]string{"applicant": "/applications", "initial_reviewer": "/inbox", "supervisor": "/applications/" + itoa(a.ID)} {
		p := e.as(user).get(path)
		if strings.Contains(p.Body, "<script>alert") || strings.Contains(p.Body, "<img src=x") {
			t.Errorf("%s %s: the title is not escaped", user, path)
		}
		mustContain(t, path, p, "&lt;script&gt;alert(")
		if csp := p.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
			t.Errorf("%s: CSP %q", path, csp)
		}
	}
}

func TestLanguage(t *testing.T) {
	e := newEnv(t)
	zh := e.as("").get("/catalog")
	mustContain(t, "default", zh, `<html lang="zh-CN">`, "数据目录")
	en := e.as("")
	en.lang = "en-US,en;q=0.9,zh;q=0.5"
	p := en.get("/catalog")
	mustContain(t, "Accept-Language: en", p, `<html lang="en">`, "Data catalog", "Unconditional")
	mustNotContain(t, "Accept-Language: en", p, "数据目录")
	// The toggle sets a cookie that wins over Accept-Language.
	c := e.as("")
	c.lang = "en"
	r := c.get("/lang?to=zh-CN&next=/disclosure")
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/disclosure" {
		t.Fatalf("toggle: %d %q", r.Status, r.Header.Get("Location"))
	}
	mustContain(t, "toggled to zh", c.get("/disclosure"), `<html lang="zh-CN">`)
	if r := c.get("/lang?to=en&next=https://evil.example/"); r.Header.Get("Location") != "/" {
		t.Errorf("the toggle follows an off-site next: %q", r.Header.Get("Location"))
	}
	// Signed in, in English, statuses and kinds are translated too.
	f := e.fixture()
	a := e.as("applicant")
	a.lang = "en"
	p = a.get("/applications/" + itoa(f.app.ID))
	mustContain(t, "english application", p, "Department review", "Initial review", "working days")
}

func TestCatalogPages(t *testing.T) {
	e := newEnv(t)
	anon := e.as("")
	p := anon.get("/catalog?open=closed")
	mustContain(t, "closed filter", p, "DS-0103", "非开放")
	mustNotContain(t, "closed filter", p, "DS-0100")
	p = anon.get("/catalog?q=" + "%E8%BF%9B%E5%87%BA%E5%8F%A3") // 进出口
	mustContain(t, "search", p, "DS-0102")
	p = anon.get("/catalog/DS-0100")
	mustContain(t, "detail", p, "九大产业部门惠企补贴数据", "有条件开放", "数据项")
	if p := anon.get("/catalog/NOPE"); p.Status != http.StatusNotFound {
		t.Errorf("unknown dataset: %d", p.Status)
	}
	// An applicant gets the apply button; a reviewer does not.
	mustContain(t, "applicant detail", e.as("applicant").get("/catalog/DS-0100"), `href="/applications/new?datasets=DS-0100"`)
	mustNotContain(t, "reviewer detail", e.as("reviewer-gsa").get("/catalog/DS-0100"), `href="/applications/new?datasets=DS-0100"`)
}

func TestDisclosureAuditAdmin(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.application("acme-fintech", "applicant", "公开的授权场景", domain.StatusActive, "DS-0100")
	from := e.clock.Now()
	until := from.AddDate(2, 0, 0)
	if err := e.st.Apply(ctx, store.Change{App: &store.AppState{ID: a.ID, Status: domain.StatusActive, ActiveFrom: &from, ActiveUntil: &until},
		Datasets: []store.ApplicationDataset{{ApplicationID: a.ID, DatasetCode: "DS-0100", Department: "gsa", Decision: domain.DecisionApprove}},
		Audit: []store.AuditEntry{{WorkflowID: workflows.ApplicationWorkflowID(a.ID), Seq: 1, ApplicationID: a.ID, Actor: "applicant",
			Role: "applicant", Department: "acme-fintech", Action: "application.submitted", Target: "x", At: from}}}); err != nil {
		t.Fatal(err)
	}
	p := e.as("").get("/disclosure")
	mustContain(t, "disclosure", p, "公开的授权场景", "DS-0100", "/api/v1/disclosure.csv")
	mustNotContain(t, "disclosure", p, "授信评估") // the purpose is not public

	p = e.as("supervisor").get("/audit?application=" + itoa(a.ID))
	mustContain(t, "audit", p, "提交申请", `href="/api/v1/audit.csv?application=`+itoa(a.ID)+`"`)
	p = e.as("supervisor").get("/audit?from=yesterday")
	mustContain(t, "bad filter", p, `role="alert"`)
	if p := e.as("applicant").get("/audit"); p.Status != http.StatusForbidden {
		t.Errorf("applicant reads the audit page: %d", p.Status)
	}

	p = e.as("admin").get("/admin")
	mustContain(t, "admin", p, `data-api="/api/v1/admin/users"`, `data-api="/api/v1/admin/roles"`, `data-api="/api/v1/admin/roles/revoke"`,
		`data-api="/api/v1/calendar/holidays/{year}"`, `data-method="PUT"`, "/disable", "2026")
	if p := e.as("supervisor").get("/admin"); p.Status != http.StatusForbidden {
		t.Errorf("supervisor opens admin: %d", p.Status)
	}
}

func TestStaticFiles(t *testing.T) {
	e := newEnv(t)
	p := e.as("").get("/catalog")
	i := strings.Index(p.Body, "/static/app.js?v=")
	if i < 0 {
		t.Fatal("no versioned script")
	}
	src := p.Body[i:]
	src = src[:strings.IndexByte(src, '"')]
	s := e.as("").get(src)
	if s.Status != http.StatusOK || !strings.Contains(s.Header.Get("Cache-Control"), "immutable") ||
		!strings.HasPrefix(s.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("app.js: %d %q %q", s.Status, s.Header.Get("Cache-Control"), s.Header.Get("Content-Type"))
	}
	if s := e.as("").get("/static/nope.js"); s.Status != http.StatusNotFound {
		t.Errorf("missing file: %d", s.Status)
	}
	if s := e.as("").get("/static/../web.go"); s.Status == http.StatusOK {
		t.Errorf("path traversal served a file")
	}
	// No inline script or handler anywhere.
	for _, path := range []string{"/catalog", "/login", "/disclosure"} {
		body := e.as("").get(path).Body
		if strings.Contains(body, "<script>") || strings.Contains(body, " onclick=") || strings.Contains(body, " onsubmit=") {
			t.Errorf("%s has inline script", path)
		}
	}
}

func itoa(n uint64) string { return strconv.FormatUint(n, 10) }
