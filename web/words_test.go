package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/web"
	"github.com/datagate/datagate/workflows"
)

// wordsFixture: decisions of every sort, as the workflows and the API
// write them, on three of acme-fintech's applications:
//   - inReview: initial review passed; gsa's department review overdue,
//     claimed by reviewer-gsa, urged automatically and by the supervisor,
//     with the urge's reply open; commerce's review waiting on the
//     regulator, whose opinion was then cancelled by the system;
//   - returned: returned for supplement, the supplement open;
//   - rejected: rejected by the initial review with reason and basis.
type wordsFixture struct {
	inReview, returned, rejected store.Application
	gsa, reply, supplement       store.Task
}

const (
	returnReason = "请补充数据安全管理制度和数据使用范围说明"
	rejectReason = "申请用途超出数据开放范围"
	rejectBasis  = "《公共数据开放管理办法》第十六条"
)

func (e *env) wordsFixture() wordsFixture {
	e.t.Helper()
	ctx := context.Background()
	now := e.clock.Now()
	at := func(d time.Duration) time.Time { return now.Add(d) }
	var f wordsFixture
	decided := func(t store.Task, decision, reason, basis, by string, when time.Time) store.Task {
		t.Status, t.Decision, t.Reason, t.Basis, t.DecidedAt, t.ActorUser = domain.TaskDone, decision, reason, basis, &when, by
		if decision == domain.DecisionCancelled {
			t.Status = domain.TaskCancelled
		}
		if err := e.st.Apply(ctx, store.Change{Tasks: []store.Task{t}}); err != nil {
			e.t.Fatal(err)
		}
		return t
	}

	f.inReview = e.application("acme-fintech", "applicant", "小微企业信贷风控", domain.StatusDepartmentReview, "DS-0100", "DS-0102")
	wf := workflows.ApplicationWorkflowID(f.inReview.ID)
	initial := e.task(f.inReview, 1, domain.TaskInitialReview, "bdc", at(-20*24*time.Hour), at(-15*24*time.Hour))
	decided(initial, domain.DecisionPass, "", "", "initial_reviewer", at(-16*24*time.Hour))
	f.gsa = e.task(f.inReview, 2, domain.TaskDepartmentReview, "gsa", at(-16*24*time.Hour), at(-2*24*time.Hour))
	comm := e.task(f.inReview, 3, domain.TaskDepartmentReview, "commerce", at(-16*24*time.Hour), at(10*24*time.Hour))
	opinion := e.task(f.inReview, 4, domain.TaskRegulatorOpinion, "nfra", at(-10*24*time.Hour), at(5*24*time.Hour))
	decided(opinion, domain.DecisionCancelled, "department decided", "", domain.RoleSystem, at(-5*24*time.Hour))
	_ = comm
	f.reply = store.Task{ID: wf + "-t5", ApplicationID: f.inReview.ID, WorkflowID: wf, Kind: domain.TaskUrgeReply, Subject: f.gsa.ID,
		Round: 1, Department: "gsa", Status: domain.TaskOpen, OpenedAt: at(-time.Hour), DueAt: at(3 * 24 * time.Hour)}
	if err := e.st.Apply(ctx, store.Change{Tasks: []store.Task{f.reply},
		Urges: []store.Urge{{TaskID: f.gsa.ID, CreatedAt: at(-2 * time.Hour)}},
		Audit: []store.AuditEntry{
			{WorkflowID: wf, Seq: 1, ApplicationID: f.inReview.ID, Actor: "applicant", Role: domain.RoleApplicant, Department: "acme-fintech",
				Action: "application.submitted", Target: f.inReview.Title, At: at(-20 * 24 * time.Hour)},
			{WorkflowID: wf, Seq: 2, ApplicationID: f.inReview.ID, Actor: "initial_reviewer", Role: domain.RoleInitialReviewer, Department: "bdc",
				Action: "task.decided", Target: initial.ID + " initial_review pass", At: at(-16 * 24 * time.Hour)},
			{WorkflowID: wf, Seq: 3, ApplicationID: f.inReview.ID, Actor: "initial_reviewer", Role: domain.RoleInitialReviewer, Department: "bdc",
				Action: "application.pushed", Target: "gsa,commerce", At: at(-16 * 24 * time.Hour)},
			{WorkflowID: wf, Seq: 4, ApplicationID: f.inReview.ID, Actor: "reviewer-commerce", Role: domain.RoleDeptReviewer, Department: "commerce",
				Action: "regulator.asked", Target: "nfra", Reason: "请就授信用途出具意见", At: at(-10 * 24 * time.Hour)},
			{WorkflowID: wf, Seq: 5, ApplicationID: f.inReview.ID, Actor: domain.RoleSystem, Role: domain.RoleSystem, Department: domain.RoleSystem,
				Action: "task.cancelled", Target: opinion.ID + " regulator_opinion cancelled", Reason: "department decided", At: at(-5 * 24 * time.Hour)},
			{WorkflowID: wf, Seq: 6, ApplicationID: f.inReview.ID, Actor: domain.RoleSystem, Role: domain.RoleSystem, Department: domain.RoleSystem,
				Action: "task.overdue", Target: f.gsa.ID + " department_review gsa", At: at(-2 * 24 * time.Hour)},
			{WorkflowID: wf, Seq: 7, ApplicationID: f.inReview.ID, Actor: domain.RoleSystem, Role: domain.RoleSystem, Department: domain.RoleSystem,
				Action: "task.escalated", Target: f.gsa.ID + " department_review gsa", Reason: "overdue: escalated to supervision", At: at(-2 * 24 * time.Hour)},
			{WorkflowID: wf, Seq: 8, ApplicationID: f.inReview.ID, Actor: domain.RoleSystem, Role: domain.RoleSystem, Department: domain.RoleSystem,
				Action: "task.urged", Target: f.gsa.ID + " gsa", Reason: "overdue 1 working days: urged automatically", At: at(-2 * time.Hour)},
			{WorkflowID: wf, Seq: 9, ApplicationID: f.inReview.ID, Actor: "supervisor", Role: domain.RoleSupervisor, Department: "inspect",
				Action: "urge.reply_requested", Target: f.gsa.ID + " gsa", Reason: "请说明超期原因", At: at(-time.Hour)},
			{WorkflowID: wf, Seq: 10, ApplicationID: f.inReview.ID, Actor: domain.RoleSystem, Role: domain.RoleSystem, Department: domain.RoleSystem,
				Action: "evaluation.started", Target: wf + "-evaluation-1", At: at(-time.Hour)},
		}}); err != nil {
		e.t.Fatal(err)
	}
	// A supervisor's urge and a claim, through the API as people make them.
	if r := e.as("supervisor").post("/api/v1/supervision/urges", map[string]string{"task_id": f.gsa.ID, "message": "请尽快办理"}); r.Status != http.StatusCreated {
		e.t.Fatalf("urge: %d %s", r.Status, r.Body)
	}
	if r := e.as("reviewer-gsa").post("/api/v1/tasks/"+f.gsa.ID+"/claim", map[string]any{}); r.Status != http.StatusOK {
		e.t.Fatalf("claim: %d %s", r.Status, r.Body)
	}

	f.returned = e.application("acme-fintech", "applicant", "企业信用画像", domain.StatusSupplement, "DS-0100")
	rwf := workflows.ApplicationWorkflowID(f.returned.ID)
	ret := e.task(f.returned, 1, domain.TaskInitialReview, "bdc", at(-6*24*time.Hour), at(-24*time.Hour))
	ret = decided(ret, domain.DecisionReturn, returnReason, "", "initial_reviewer", at(-3*24*time.Hour))
	f.supplement = e.task(f.returned, 2, domain.TaskSupplement, "acme-fintech", at(-3*24*time.Hour), at(7*24*time.Hour))
	if err := e.st.Apply(ctx, store.Change{Audit: []store.AuditEntry{
		{WorkflowID: rwf, Seq: 1, ApplicationID: f.returned.ID, Actor: "initial_reviewer", Role: domain.RoleInitialReviewer, Department: "bdc",
			Action: "task.decided", Target: ret.ID + " initial_review return", Reason: returnReason, At: at(-3 * 24 * time.Hour)},
	}}); err != nil {
		e.t.Fatal(err)
	}

	f.rejected = e.application("acme-fintech", "applicant", "跨境贸易风险评估", domain.StatusRejected, "DS-0102")
	jwf := workflows.ApplicationWorkflowID(f.rejected.ID)
	rej := e.task(f.rejected, 1, domain.TaskInitialReview, "bdc", at(-9*24*time.Hour), at(-4*24*time.Hour))
	rej = decided(rej, domain.DecisionReject, rejectReason, rejectBasis, "initial_reviewer", at(-5*24*time.Hour))
	if err := e.st.Apply(ctx, store.Change{Audit: []store.AuditEntry{
		{WorkflowID: jwf, Seq: 1, ApplicationID: f.rejected.ID, Actor: "initial_reviewer", Role: domain.RoleInitialReviewer, Department: "bdc",
			Action: "task.decided", Target: rej.ID + " initial_review reject", Reason: rejectReason, Basis: rejectBasis, At: at(-5 * 24 * time.Hour)},
		{WorkflowID: jwf, Seq: 2, ApplicationID: f.rejected.ID, Actor: "initial_reviewer", Role: domain.RoleInitialReviewer, Department: "bdc",
			Action: "application.rejected", Target: "initial_review", Reason: rejectReason, Basis: rejectBasis, At: at(-5 * 24 * time.Hour)},
		{WorkflowID: jwf, Seq: 3, ApplicationID: f.rejected.ID, Actor: domain.RoleSystem, Role: domain.RoleSystem, Department: domain.RoleSystem,
			Action: "application.approved", Target: "1 datasets approved", At: at(-5 * 24 * time.Hour)},
	}}); err != nil {
		e.t.Fatal(err)
	}
	return f
}

var (
	// internalIDRE: a workflow's or a task's ID.
	internalIDRE = regexp.MustCompile(`application-\d+`)
	// fieldKeyRE: the API's field keys, shown as words.
	fieldKeyRE = regexp.MustCompile(`\b(reason|basis|title|comment|message|purpose|scope|description|security_controls|task_id|edits\.[a-z_]+|items\[\d+\])\b`)
)

// TestPagesSpeakInWords renders the main pages in zh-CN as each role, on
// applications with decisions, a return, a rejection, an urge and its
// reply, a claim and the system's own steps, and fails on any internal ID,
// any demo user's login name, any org code and any field key in the text a
// reader sees.
// In English, the same pages carry no internal ID and no login name.
func TestPagesSpeakInWords(t *testing.T) {
	e := newEnv(t)
	f := e.wordsFixture()
	pf := e.procFixture()
	users, err := e.st.Users(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// Every login name in Chinese text; in English, those that are not
	// also English words ("regulator", "admin", ...).
	var names, enNames []string
	for _, u := range users {
		names = append(names, regexp.QuoteMeta(u.Username))
		if strings.ContainsAny(u.Username, "-_0123456789") {
			enNames = append(enNames, regexp.QuoteMeta(u.Username))
		}
	}
	// Org codes, in Chinese text.
	orgs, err := e.st.Orgs(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, o := range orgs {
		codes = append(codes, regexp.QuoteMeta(o.Code))
	}
	orgCodeRE := regexp.MustCompile(`(^|[^\w-])(` + strings.Join(codes, "|") + `)($|[^\w-])`)
	loginREs := map[string]*regexp.Regexp{
		"zh-CN": regexp.MustCompile(`(^|[^\w-])(` + strings.Join(names, "|") + `)($|[^\w-])`),
		"en":    regexp.MustCompile(`(^|[^\w-])(` + strings.Join(enNames, "|") + `)($|[^\w-])`),
	}

	app := func(a store.Application) string { return "/applications/" + itoa(a.ID) }
	proc := func(p store.Procedure) string { return "/procedures/" + itoa(p.ID) }
	pages := map[string][]string{
		"applicant":         {"/applications", app(f.inReview), app(f.returned), app(f.rejected), "/inbox", "/procedures", proc(pf.objection)},
		"initial_reviewer":  {"/inbox", app(f.inReview), app(f.returned), app(f.rejected), "/applications"},
		"reviewer-gsa":      {"/inbox", app(f.inReview), "/procedures", proc(pf.request)},
		"reviewer-commerce": {"/inbox", app(f.inReview)},
		"reviewer-health":   {"/inbox", "/inbox/done", "/procedures", proc(pf.change), proc(pf.objection)},
		"supervisor": {"/supervision", "/audit", "/audit?application=" + itoa(f.inReview.ID), app(f.inReview), app(f.rejected),
			"/procedures", proc(pf.change)},
		"bureau_officer": {"/supervision", app(f.inReview), "/inbox", "/procedures", proc(pf.change)},
	}
	for _, lang := range []string{"zh-CN", "en"} {
		for user, paths := range pages {
			c := e.as(user)
			c.lang = lang
			for _, path := range paths {
				p := c.get(path)
				if p.Status != http.StatusOK {
					t.Errorf("%s %s %s: %d", lang, user, path, p.Status)
					continue
				}
				text := visible(p.Body)
				if m := internalIDRE.FindString(text); m != "" {
					t.Errorf("%s %s %s shows the internal ID %q: …%s…", lang, user, path, m, around(text, m))
				}
				if m := loginREs[lang].FindStringSubmatch(text); m != nil {
					t.Errorf("%s %s %s shows the login name %q: …%s…", lang, user, path, m[2], around(text, m[2]))
				}
				if lang != "zh-CN" {
					continue
				}
				if m := orgCodeRE.FindStringSubmatch(text); m != nil {
					t.Errorf("%s %s %s shows the org code %q: …%s…", lang, user, path, m[2], around(text, m[2]))
				}
				if m := fieldKeyRE.FindString(text); m != "" {
					t.Errorf("%s %s %s shows the field key %q: …%s…", lang, user, path, m, around(text, m))
				}
			}
		}
	}

	// What the pages say instead.
	sup := e.as("supervisor")
	p := sup.get(app(f.inReview))
	mustContain(t, "the supervisor on the application", p,
		"（针对市政务服务管理局的部门审核）", // the urge reply, about gsa's review
		"初审员 · 市大数据发展中心",    // who passed the initial review
		"承办人",               // gsa's review is held by
		"部门已作出决定",           // the system's reason for the cancelled opinion
	)
	p = sup.get("/audit?application=" + itoa(f.inReview.ID))
	mustContain(t, "the audit page", p, "初审 · 市大数据发展中心：通过", "市政务服务管理局、市商务局", "部门审核 · 市政务服务管理局",
		"系统", "超期 1 个工作日，系统自动督办", "已超期，上报督查", "第 1 次定期评估", "督查员", "请尽快办理")
	p = sup.get("/audit?application=" + itoa(f.rejected.ID))
	mustContain(t, "the audit page of the rejection", p, "1 项数据获批", rejectReason, rejectBasis)
}

// around is the text near the first s in text, for a failure message.
func around(text, s string) string {
	i := strings.Index(text, s)
	if i < 0 {
		return ""
	}
	from, to := max(0, i-60), min(len(text), i+len(s)+60)
	for from > 0 && !isRuneStart(text[from]) {
		from--
	}
	for to < len(text) && !isRuneStart(text[to]) {
		to++
	}
	return text[from:to]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// section is the HTML of the element that starts with open, up to close.
func section(body, open, close string) string {
	i := strings.Index(body, open)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], close)
	if j < 0 {
		return body[i:]
	}
	return body[i : i+j]
}

// A rejected application says why at the top of its page, with the basis,
// before what comes next and the timeline; a returned one says why it was
// returned, with the supplement form under it, and the applicant's inbox
// card shows the reason too.
func TestDecisionsAreVisibleAtTheTop(t *testing.T) {
	e := newEnv(t)
	f := e.wordsFixture()
	for _, user := range []string{"applicant", "supervisor", "initial_reviewer"} {
		p := e.as(user).get("/applications/" + itoa(f.rejected.ID))
		top := strings.Index(p.Body, `id="verdict-`+itoa(f.rejected.ID)+`"`)
		next := strings.Index(p.Body, `<section class="next"`)
		timeline := strings.Index(p.Body, `class="timeline-box"`)
		if top < 0 || next < 0 || timeline < 0 || top > next || top > timeline {
			t.Fatalf("%s: the rejection is not at the top of the page (verdict %d, next %d, timeline %d)", user, top, next, timeline)
		}
		v := visible(section(p.Body, `id="verdict-`+itoa(f.rejected.ID)+`"`, `</section>`))
		for _, want := range []string{"驳回理由与依据", "初审", "市大数据发展中心", "驳回", rejectReason, rejectBasis} {
			if !strings.Contains(v, want) {
				t.Errorf("%s: the rejection at the top lacks %q: %s", user, want, v)
			}
		}
		mustNotContain(t, user+" on the rejection", p, "见办理过程")
	}

	// A department's rejection of each of its datasets, when every one was
	// rejected.
	all := e.application("acme-fintech", "applicant", "数据均被驳回的场景", domain.StatusRejected, "DS-0100")
	at := e.clock.Now().Add(-time.Hour)
	if err := e.st.Apply(context.Background(), store.Change{Datasets: []store.ApplicationDataset{{ApplicationID: all.ID, DatasetCode: "DS-0100",
		Department: "gsa", Decision: domain.DecisionReject, Reason: "数据涉及个人信息", Basis: "《个人信息保护法》第十三条", DecidedAt: &at}}}); err != nil {
		t.Fatal(err)
	}
	p := e.as("applicant").get("/applications/" + itoa(all.ID))
	v := visible(section(p.Body, `id="verdict-`+itoa(all.ID)+`"`, `</section>`))
	for _, want := range []string{"部门审核", "市政务服务管理局", "DS-0100", "数据涉及个人信息", "《个人信息保护法》第十三条"} {
		if !strings.Contains(v, want) {
			t.Errorf("a department's rejection at the top lacks %q: %q", want, v)
		}
	}

	// Returned: the reason, and the supplement form under it.
	p = e.as("applicant").get("/applications/" + itoa(f.returned.ID))
	box := section(p.Body, `id="verdict-`+itoa(f.returned.ID)+`"`, `</section>`)
	reason := strings.Index(box, returnReason)
	form := strings.Index(box, `data-api="/api/v1/applications/`+itoa(f.returned.ID)+`/supplement"`)
	if reason < 0 || form < 0 || reason > form {
		t.Errorf("the return's reason (%d) is not above the supplement form (%d) at the top: %s", reason, form, visible(box))
	}
	if !strings.Contains(box, `id="task-`+f.supplement.ID+`"`) {
		t.Errorf("the supplement form lost its anchor #task-%s", f.supplement.ID)
	}
	if n := strings.Count(p.Body, `/supplement"`); n != 1 {
		t.Errorf("the supplement form shows %d times", n)
	}
	// The list's to-do box still leads to it, on the application's page.
	mustContain(t, "the applicant's dashboard", e.as("applicant").get("/applications"),
		`href="/applications/`+itoa(f.supplement.ApplicationID)+`#task-`+f.supplement.ID+`"`)
	// Others read the reason at the top, without the form.
	p = e.as("initial_reviewer").get("/applications/" + itoa(f.returned.ID))
	mustContain(t, "the big-data center on the return", p, `id="verdict-`+itoa(f.returned.ID)+`"`, "退回补正的理由", returnReason)
	mustNotContain(t, "the big-data center on the return", p, `/supplement"`)

	// The applicant's inbox card shows the reason of the return.
	p = e.as("applicant").get("/inbox")
	card := visible(section(p.Body, `id="task-`+f.supplement.ID+`"`, `</li>`))
	if !strings.Contains(card, returnReason) || !strings.Contains(card, "退回补正") {
		t.Errorf("the applicant's inbox card lacks the return's reason: %q", card)
	}

	// In English too.
	c := e.as("applicant")
	c.lang = "en"
	mustContain(t, "the rejection in English", c.get("/applications/"+itoa(f.rejected.ID)), "Why it was rejected, and on what basis", rejectBasis)
}

// An applicant's inbox holds its org's own steps: no department wording,
// nothing to claim; its next steps leave out supervision's exchanges with a
// department (答复督办).
func TestApplicantInboxSpeaksToTheApplicant(t *testing.T) {
	e := newEnv(t)
	f := e.wordsFixture()
	p := e.as("applicant").get("/inbox")
	mustContain(t, "the applicant's inbox", p, "本单位", `id="task-`+f.supplement.ID+`"`)
	mustNotContain(t, "the applicant's inbox", p, "认领", "本部门", "/claim\"", "放回部门", "转办")

	// A department's inbox keeps them.
	mustContain(t, "commerce's inbox", e.as("reviewer-commerce").get("/inbox"), "本部门", "认领", "/claim\"")

	p = e.as("applicant").get("/applications/" + itoa(f.inReview.ID))
	next := visible(section(p.Body, `<section class="next"`, `</section>`))
	if strings.Contains(next, "答复督办") || !strings.Contains(next, "部门审核") {
		t.Errorf("the applicant's next steps: %q", next)
	}
	// The supervisor's and the department's page still show the reply due.
	p = e.as("reviewer-gsa").get("/applications/" + itoa(f.inReview.ID))
	if next := visible(section(p.Body, `<section class="next"`, `</section>`)); !strings.Contains(next, "答复督办") {
		t.Errorf("gsa's next steps lack the urge's reply: %q", next)
	}
}

// The sign-in page tells the demo password only where the demo users were
// seeded (datagate dev --demo sets web.DemoHint); under serve it does not.
func TestLoginDemoHintOnlyWithDemoUsers(t *testing.T) {
	p := newEnv(t).as("").get("/login")
	mustContain(t, "sign-in", p, `id="login-form"`)
	mustNotContain(t, "sign-in without demo users", p, `id="demo-hint"`, "datagate-demo", "演示")
	p = newEnv(t, web.DemoHint(true)).as("").get("/login")
	mustContain(t, "sign-in with demo users", p, `id="demo-hint"`, "datagate-demo")
}

// The site has an icon: linked from every page, and at /favicon.ico.
func TestFavicon(t *testing.T) {
	e := newEnv(t)
	mustContain(t, "layout", e.as("").get("/catalog"), `rel="icon" href="/static/favicon.svg?v=`)
	p := e.as("").get("/favicon.ico")
	if p.Status != http.StatusOK || p.Header.Get("Content-Type") != "image/svg+xml" || !strings.Contains(p.Body, "<svg") {
		t.Errorf("/favicon.ico: %d %q %.80s", p.Status, p.Header.Get("Content-Type"), p.Body)
	}
}
