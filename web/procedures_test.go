package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/workflows"
)

// procedure files a statutory procedure as the API does (opened now), with
// its workflow's ID.
func (e *env) procedure(p store.Procedure) store.Procedure {
	e.t.Helper()
	ctx := context.Background()
	if p.OpenedAt.IsZero() {
		p.OpenedAt = e.clock.Now()
	}
	if err := e.st.CreateProcedure(ctx, &p); err != nil {
		e.t.Fatal(err)
	}
	p.WorkflowID = workflows.ProcedureWorkflowID(p.ID)
	if err := e.st.SetProcedureWorkflow(ctx, p.ID, p.WorkflowID); err != nil {
		e.t.Fatal(err)
	}
	got, err := e.st.Procedure(ctx, p.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

// procTask writes a step of procedure p for org, as its workflow would:
// opened at opened, due at due.
func (e *env) procTask(p store.Procedure, n int, kind, org string, opened, due time.Time) store.Task {
	e.t.Helper()
	t := store.Task{ID: p.WorkflowID + "-t" + strconv.Itoa(n), WorkflowID: p.WorkflowID, ProcedureID: p.ID, Kind: kind, Round: 1,
		Department: org, Status: domain.TaskOpen, OpenedAt: opened, DueAt: due}
	if err := e.st.Apply(context.Background(), store.Change{Tasks: []store.Task{t}}); err != nil {
		e.t.Fatal(err)
	}
	return t
}

// A procedure's step has no application. Every page that lists tasks (待办,
// 已办, supervision's overdue and 临期 lists, the notifications) shows it
// as the step of its procedure: the procedure's title linking to its page,
// the step's and the department's names and the due date; never a link to
// an application 0, never an error.
func TestProcedureTasksInTheLists(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	day := 24 * time.Hour
	objection := e.procedure(store.Procedure{Kind: domain.ProcObjection, Title: "数据存在错误、遗漏：卫生健康大数据底座数据",
		RequesterOrg: "acme-fintech", RequesterUser: "applicant", Department: "health", DatasetCode: "DS-0104",
		Ground: domain.GroundError, Body: "床位数与实际不符"})
	handle := e.procTask(objection, 1, domain.TaskObjectionHandle, "health", now.Add(-30*day), now.Add(-2*day))
	change := e.procedure(store.Procedure{Kind: domain.ProcCatalogChange, Title: "新增数据资源：DS-0901 医疗机构用电数据",
		RequesterOrg: "health", RequesterUser: "reviewer-health", Department: "health", DatasetCode: "DS-0901",
		Proposal: &store.DatasetProposal{Change: domain.ChangeCreate, Code: "DS-0901", Name: "医疗机构用电数据",
			Fields: []string{"机构名称", "月用电量"}, OpenAttribute: store.OpenUnconditional, Grade: 1}})
	review := e.procTask(change, 1, domain.TaskCatalogReview, "stbd", now.Add(-5*day), now.Add(day))
	request := e.procedure(store.Procedure{Kind: domain.ProcCatalogRequest, Title: "请求开放医疗机构床位数据",
		RequesterOrg: "acme-fintech", RequesterUser: "applicant", Department: "health", Body: "用于医疗资源布局分析"})
	assess := e.procTask(request, 1, domain.TaskRequestAssess, "health", now.Add(-3*day), now.Add(2*day))
	e.decide(assess, domain.DecisionAccept, "", "", now.Add(-day))

	link := func(p store.Procedure) string { return `href="/procedures/` + itoa(p.ID) }
	health := e.as("reviewer-health")
	p := health.get("/inbox")
	if p.Status != http.StatusOK {
		t.Fatalf("the department's inbox with a procedure's step: %d %.300s", p.Status, p.Body)
	}
	mustContain(t, "health's inbox", p, link(objection), "处理异议", "数据存在错误、遗漏：卫生健康大数据底座数据", `id="row-`+handle.ID+`"`)
	mustNotContain(t, "health's inbox", p, `href="/applications/0`, "#0 ")

	// Found by its procedure's title.
	p = health.get("/inbox?q=" + url.QueryEscape("底座"))
	mustContain(t, "health's inbox, by the procedure's title", p, `id="row-`+handle.ID+`"`, "共 1 项待办")
	p = health.get("/inbox/done")
	if p.Status != http.StatusOK {
		t.Fatalf("the department's 已办 with a procedure's step: %d %.300s", p.Status, p.Body)
	}
	mustContain(t, "health's 已办", p, link(request), "目录外需求评估", "请求开放医疗机构床位数据", "符合开放条件，受理")
	mustNotContain(t, "health's 已办", p, `href="/applications/0`, "#0 ")
	mustContain(t, "health's 已办, by the procedure's title", health.get("/inbox/done?q="+url.QueryEscape("床位")), link(request))
	mustNotContain(t, "health's 已办, by another title", health.get("/inbox/done?q="+url.QueryEscape("用电")), link(request))

	sup := e.as("supervisor")
	p = sup.get("/supervision")
	if p.Status != http.StatusOK {
		t.Fatalf("supervision with a procedure's step: %d %.300s", p.Status, p.Body)
	}
	overdue := section(p.Body, `id="tasks"`, `</section>`)
	if !strings.Contains(overdue, link(objection)) || !strings.Contains(overdue, "处理异议") || !strings.Contains(overdue, "市卫生健康委员会") {
		t.Errorf("the overdue list lacks the objection's step: %s", overdue)
	}
	risk := section(p.Body, `id="at-risk"`, `</section>`)
	if !strings.Contains(risk, link(change)) || !strings.Contains(risk, "目录审核") || !strings.Contains(risk, "市科技与大数据局") {
		t.Errorf("the 临期 list lacks the catalog review: %s", risk)
	}
	mustNotContain(t, "supervision", p, `href="/applications/0`, "#0 ")
	p = sup.get("/supervision?department=health")
	if p.Status != http.StatusOK || !strings.Contains(p.Body, link(objection)) {
		t.Errorf("supervision's drill-down to health: %d", p.Status)
	}

	p = e.as("bureau_officer").get("/inbox")
	if p.Status != http.StatusOK {
		t.Fatalf("the bureau's inbox: %d %.300s", p.Status, p.Body)
	}
	mustContain(t, "the bureau's inbox", p, link(change), "目录审核", `id="row-`+review.ID+`"`)

	p = health.get("/notifications")
	if p.Status != http.StatusOK {
		t.Fatalf("notifications: %d", p.Status)
	}
	mustContain(t, "health's notifications", p, link(objection), "处理异议", "市卫生健康委员会")
	mustNotContain(t, "health's notifications", p, "申请 #0", `href="/applications/0"`, objection.WorkflowID)
}

// procFixture: three procedures, each in another's scope:
//   - objection: acme-fintech objects to health's DS-0104 (its data has
//     errors); health's handling is open;
//   - change: health proposes DS-0901; the bureau suggested changes, with
//     its reason, and health's consideration of them is open;
//   - request: kangming-medai asks gsa for data outside the catalog; gsa's
//     assessment is open.
type procFixture struct {
	objection, change, request store.Procedure
	handle, review, revise     store.Task
	assess                     store.Task
}

const suggestReason = "建议补充数据项“统计月份”，并列为无条件开放"

func (e *env) procFixture() procFixture {
	e.t.Helper()
	now := e.clock.Now()
	day := 24 * time.Hour
	var f procFixture
	f.objection = e.procedure(store.Procedure{Kind: domain.ProcObjection, Title: "数据存在错误、遗漏：卫生健康大数据底座数据",
		RequesterOrg: "acme-fintech", RequesterUser: "applicant", Department: "health", DatasetCode: "DS-0104",
		Ground: domain.GroundError, Body: "床位数与实际不符"})
	f.handle = e.procTask(f.objection, 1, domain.TaskObjectionHandle, "health", now.Add(-day), now.Add(14*day))
	f.change = e.procedure(store.Procedure{Kind: domain.ProcCatalogChange, Title: "新增数据资源：DS-0901 医疗机构用电数据",
		RequesterOrg: "health", RequesterUser: "reviewer-health", Department: "health", DatasetCode: "DS-0901",
		Proposal: &store.DatasetProposal{Change: domain.ChangeCreate, Code: "DS-0901", Name: "医疗机构用电数据", Summary: "按月汇总",
			Fields: []string{"机构名称", "月用电量"}, Format: "CSV", UpdateFrequency: "月度", OpenAttribute: store.OpenConditional, Grade: 2,
			OpenConditions: "仅限沙箱使用", Grounds: "涉及企业经营信息，《公共数据开放管理办法》第九条"}})
	f.review = e.procTask(f.change, 1, domain.TaskCatalogReview, "stbd", now.Add(-5*day), now.Add(15*day))
	f.review.Status, f.review.Decision, f.review.Reason, f.review.ActorUser = domain.TaskDone, domain.DecisionSuggest, suggestReason, "bureau_officer"
	at := now.Add(-2 * day)
	f.review.DecidedAt, f.review.ActorRole = &at, domain.RoleBureauOfficer
	f.revise = store.Task{ID: f.change.WorkflowID + "-t2", WorkflowID: f.change.WorkflowID, ProcedureID: f.change.ID,
		Kind: domain.TaskCatalogRevise, Subject: "DS-0901", Round: 1, Department: "health", Status: domain.TaskOpen,
		OpenedAt: at, DueAt: now.Add(8 * day)}
	wf := f.change.WorkflowID
	if err := e.st.Apply(context.Background(), store.Change{Tasks: []store.Task{f.review, f.revise}, Audit: []store.AuditEntry{
		{WorkflowID: wf, Seq: 1, Actor: "reviewer-health", Role: domain.RoleDeptReviewer, Department: "health",
			Action: "procedure.filed", Target: "catalog_change DS-0901", Reason: f.change.Title, At: now.Add(-5 * day)},
		{WorkflowID: wf, Seq: 2, Actor: "bureau_officer", Role: domain.RoleBureauOfficer, Department: "stbd",
			Action: "task.decided", Target: f.review.ID + " catalog_review suggest", Reason: suggestReason, At: at},
		{WorkflowID: wf, Seq: 3, Actor: "bureau_officer", Role: domain.RoleBureauOfficer, Department: "stbd",
			Action: "catalog.changes_suggested", Target: "DS-0901", Reason: suggestReason, At: at},
	}}); err != nil {
		e.t.Fatal(err)
	}
	f.request = e.procedure(store.Procedure{Kind: domain.ProcCatalogRequest, Title: "请求开放政务服务办件量数据",
		RequesterOrg: "kangming-medai", RequesterUser: "applicant2", Department: "gsa", Body: "用于办件量预测"})
	f.assess = e.procTask(f.request, 1, domain.TaskRequestAssess, "gsa", now.Add(-day), now.Add(4*day))
	return f
}

// speaksInWords fails on an internal ID, a demo user's login name or an
// org code in the text of a page a reader sees.
func speaksInWords(t *testing.T, e *env, what string, p page) {
	t.Helper()
	text := visible(p.Body)
	res := []*regexp.Regexp{regexp.MustCompile(`(application|procedure)-\d+`),
		regexp.MustCompile(`(^|[^\w-])(reviewer-health|reviewer-gsa|bureau_officer|applicant2?|acme-fintech|kangming-medai|stbd|gsa)($|[^\w-])`),
		regexp.MustCompile(`\b(catalog_change|catalog_request|objection_handle|catalog_review|catalog_revise|request_assess|request_provide|withdraw_data|treat_and_open|keep_open|open_attribute|open_conditions)\b`)}
	if !strings.Contains(p.Body, `<html lang="en">`) {
		// In Chinese, no English word at all: a code shown as itself.
		res = append(res, regexp.MustCompile(`\b(health|suggest|revise|conditional|unconditional|closed|objection|personal|error|create|modify|retire|published|suspended|active)\b`))
	}
	for _, re := range res {
		if m := re.FindString(text); m != "" {
			t.Errorf("%s shows %q: …%s…", what, m, around(text, strings.TrimSpace(m)))
		}
	}
}

// The list of procedures holds those in the viewer's scope, as the API's:
// an applicant's own org's, a department's those it filed or answers, the
// bureau's and supervisors' every one; filtered by kind and outcome. A
// procedure out of scope is not found; a role without procedure:read is
// refused the page.
func TestProceduresListInScope(t *testing.T) {
	e := newEnv(t)
	f := e.procFixture()
	row := func(p store.Procedure) string { return `id="proc-row-` + itoa(p.ID) + `"` }
	for user, c := range map[string]struct{ yes, no []store.Procedure }{
		"applicant":        {[]store.Procedure{f.objection}, []store.Procedure{f.change, f.request}},
		"applicant2":       {[]store.Procedure{f.request}, []store.Procedure{f.change, f.objection}},
		"reviewer-health":  {[]store.Procedure{f.objection, f.change}, []store.Procedure{f.request}},
		"reviewer-gsa":     {[]store.Procedure{f.request}, []store.Procedure{f.change, f.objection}},
		"bureau_officer":   {[]store.Procedure{f.objection, f.change, f.request}, nil},
		"supervisor":       {[]store.Procedure{f.objection, f.change, f.request}, nil},
		"initial_reviewer": {[]store.Procedure{f.objection, f.change, f.request}, nil},
	} {
		p := e.as(user).get("/procedures")
		if p.Status != http.StatusOK {
			t.Errorf("%s /procedures: %d", user, p.Status)
			continue
		}
		for _, pr := range c.yes {
			mustContain(t, user+" /procedures", p, row(pr))
			if got := e.as(user).get("/procedures/" + itoa(pr.ID)); got.Status != http.StatusOK {
				t.Errorf("%s /procedures/%d: %d", user, pr.ID, got.Status)
			}
		}
		for _, pr := range c.no {
			mustNotContain(t, user+" /procedures", p, row(pr))
			if got := e.as(user).get("/procedures/" + itoa(pr.ID)); got.Status != http.StatusNotFound {
				t.Errorf("%s /procedures/%d out of scope: %d, want 404", user, pr.ID, got.Status)
			}
		}
		speaksInWords(t, e, user+" /procedures", p)
	}

	// A row: title, kind, who filed it, who answers, the step and its
	// holder, the due date, the outcome, the filing date.
	health := e.as("reviewer-health")
	p := health.get("/procedures")
	r := section(p.Body, row(f.change), "</tr>")
	for _, want := range []string{`href="/procedures/` + itoa(f.change.ID) + `"`, "新增数据资源：DS-0901 医疗机构用电数据", "目录编制与调整",
		"市卫生健康委员会", "研究修改建议", "本单位", "办理中", "2026-03-02"} {
		if !strings.Contains(r, want) {
			t.Errorf("health's row of the change lacks %q: %s", want, r)
		}
	}
	mustContain(t, "health's list", p, `href="/catalog/propose"`, `href="/procedures" aria-current="page"`)
	mustNotContain(t, "health's list", p, `href="/catalog/request"`)
	mustContain(t, "the applicant's list", e.as("applicant").get("/procedures"), `href="/catalog/request"`)
	p = e.as("supervisor").get("/procedures")
	r = section(p.Body, row(f.request), "</tr>")
	if !strings.Contains(r, "康明医疗人工智能科技有限公司") || !strings.Contains(r, "市政务服务管理局") || !strings.Contains(r, "目录外需求评估") {
		t.Errorf("the supervisor's row of the request: %s", r)
	}

	// Filters.
	p = e.as("bureau_officer").get("/procedures?kind=objection")
	mustContain(t, "kind filter", p, row(f.objection), `<option value="objection" selected>`)
	mustNotContain(t, "kind filter", p, row(f.change), row(f.request))
	p = e.as("bureau_officer").get("/procedures?outcome=published")
	mustContain(t, "outcome filter", p, "没有符合条件的记录")
	mustNotContain(t, "outcome filter", p, row(f.objection))

	// In English.
	en := e.as("reviewer-health")
	en.lang = "en"
	p = en.get("/procedures")
	mustContain(t, "the list in English", p, "Catalog changes, data requests and objections", "Add a dataset: DS-0901 医疗机构用电数据",
		"The data has errors or omissions: 卫生健康大数据底座数据", "Municipal Health Commission", "In progress")
	speaksInWords(t, e, "the list in English", p)

	// Who may not read procedures gets the forbidden page; nobody signed
	// in, the sign-in page.
	if p := e.as("admin").get("/procedures"); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "目录与异议") {
		t.Errorf("admin /procedures: %d", p.Status)
	}
	for _, path := range []string{"/procedures", "/procedures/" + itoa(f.change.ID)} {
		if p := e.as("").get(path); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/login?next=") {
			t.Errorf("anonymous %s: %d %q", path, p.Status, p.Header.Get("Location"))
		}
	}
	if p := health.get("/procedures/999"); p.Status != http.StatusNotFound {
		t.Errorf("no such procedure: %d", p.Status)
	}
}

// A procedure's page shows what was filed (the proposed entry with its
// fields, grounds and conditions), its steps with the decisions, reasons,
// who decided and when, and its record, in words; the form of an open
// step only to the org that holds it, with only the decisions its kind
// allows and the entry's form for a revision.
func TestProcedurePage(t *testing.T) {
	e := newEnv(t)
	f := e.procFixture()
	path := "/procedures/" + itoa(f.change.ID)

	health := e.as("reviewer-health")
	p := health.get(path)
	if p.Status != http.StatusOK {
		t.Fatalf("%s: %d %.300s", path, p.Status, p.Body)
	}
	mustContain(t, "the change's page", p,
		"<title>新增数据资源：DS-0901 医疗机构用电数据",
		"目录编制与调整", "部门审核员 · 市卫生健康委员会", // filed by
		"医疗机构用电数据", "机构名称", "月用电量", "涉及企业经营信息，《公共数据开放管理办法》第九条", "仅限沙箱使用", "有条件开放", "2 级", "月度",
		"目录审核", "提出修改建议", suggestReason, "实施机构经办人 · 市科技与大数据局", // the bureau's step
		"研究修改建议", "您需要办理：", // health's step
		`id="task-`+f.revise.ID+`"`, `data-api="/api/v1/tasks/`+f.revise.ID+`/decision"`,
		`name="proposal.name" value="医疗机构用电数据"`, `name="proposal.fields" data-type="lines"`, "机构名称\n月用电量",
		`name="proposal.change" value="create"`, `name="proposal.code" value="DS-0901"`, `<option value="conditional" selected>`,
		`name="decision" value="revise"`, `name="decision" value="disagree"`,
		"提出事项", "提出修改建议", // the record
	)
	form := section(p.Body, `id="task-`+f.revise.ID+`"`, `</section>`)
	for _, d := range []string{"approve", "reject", "suggest", "provide"} {
		if strings.Contains(form, `value="`+d+`"`) {
			t.Errorf("the revision's form offers %q", d)
		}
	}
	if !strings.Contains(form, suggestReason) {
		t.Errorf("the revision's form does not show the suggestion it answers")
	}
	speaksInWords(t, e, "the change's page", p)

	// The bureau reads it, with no form: the open step is health's.
	p = e.as("bureau_officer").get(path)
	mustContain(t, "the bureau on the change", p, "等待市卫生健康委员会办理", "研究修改建议")
	mustNotContain(t, "the bureau on the change", p, `data-api="/api/v1/tasks/`+f.revise.ID+`/decision"`, `name="proposal.name"`)
	// A supervisor may urge the open step.
	p = e.as("supervisor").get(path)
	mustContain(t, "the supervisor on the change", p, `data-api="/api/v1/supervision/urges"`, `value="`+f.revise.ID+`"`)
	mustNotContain(t, "the supervisor on the change", p, `/decision"`)
	speaksInWords(t, e, "the supervisor on the change", p)
	// The audit log links its entries to the procedure.
	p = e.as("supervisor").get("/audit")
	mustContain(t, "the audit log", p, `<a href="/procedures/`+itoa(f.change.ID)+`">办理事项</a>`, "提出修改建议", "目录编制与调整 · DS-0901")
	speaksInWords(t, e, "the audit log", p)

	// In English.
	en := e.as("reviewer-health")
	en.lang = "en"
	p = en.get(path)
	mustContain(t, "the change in English", p, "Add a dataset: DS-0901", "Consider the suggested changes", "Suggest changes",
		"Revise as suggested", "Disagree: ask for joint consultation", "Catalog entry", "Grounds of the classification", "Conditions of opening")
	speaksInWords(t, e, "the change in English", p)

	// The objection: its ground and text, and health's handling with the
	// three ways an objection ends, each needing a reason.
	p = health.get("/procedures/" + itoa(f.objection.ID))
	mustContain(t, "the objection's page", p, "数据存在错误、遗漏", "床位数与实际不符", "恒信数智金融科技有限公司", `href="/catalog/DS-0104"`,
		`value="withdraw_data"`, `value="treat_and_open"`, `value="keep_open"`, `name="reason"`, "必填：核实的情况与处理的理由。",
		"数据资源现状", "卫生健康大数据底座数据")
	mustNotContain(t, "the objection's page", p, `name="basis"`, `value="approve"`)
	speaksInWords(t, e, "the objection's page", p)
	// The objector follows it, and decides nothing.
	p = e.as("applicant").get("/procedures/" + itoa(f.objection.ID))
	mustContain(t, "the objector", p, "等待市卫生健康委员会办理", "处理异议")
	mustNotContain(t, "the objector", p, `/decision"`)

	// The request: gsa accepts or refuses, a refusal with its reason and
	// basis.
	p = e.as("reviewer-gsa").get("/procedures/" + itoa(f.request.ID))
	mustContain(t, "the request's page", p, "用于办件量预测", `value="accept"`, `value="refuse"`, `name="reason"`, `name="basis"`,
		"不予开放时必填")
	speaksInWords(t, e, "the request's page", p)
}

// The inbox card of a procedure's step links to the procedure and shows
// what it needs: what was filed, and the decision it answers.
func TestInboxCardOfAProcedureStep(t *testing.T) {
	e := newEnv(t)
	f := e.procFixture()
	p := e.as("reviewer-health").get("/inbox")
	card := section(p.Body, `id="task-`+f.revise.ID+`"`, `</ol>`)
	for _, want := range []string{`href="/procedures/` + itoa(f.change.ID) + `"`, "研究修改建议", "所办事项", "医疗机构用电数据",
		"涉及企业经营信息", suggestReason, `name="decision" value="revise"`, `name="proposal.name"`} {
		if !strings.Contains(card, want) {
			t.Errorf("the inbox card of the revision lacks %q", want)
		}
	}
	speaksInWords(t, e, "health's inbox", p)
}

// The steps a procedure's kind takes, and their forms: the bureau's review
// (approve, suggest, reject; a comment), the joint consultation (approve,
// reject; its record required), the provision of requested data (the
// entry's form, a new dataset).
func TestProcedureStepForms(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	day := 24 * time.Hour
	change := e.procedure(store.Procedure{Kind: domain.ProcCatalogChange, Title: "调整目录信息：DS-0001 行政许可",
		RequesterOrg: "samr", RequesterUser: "dept_reviewer", Department: "samr", DatasetCode: "DS-0001",
		Proposal: &store.DatasetProposal{Change: domain.ChangeModify, Code: "DS-0001", Name: "行政许可", Fields: []string{"许可编号"},
			OpenAttribute: store.OpenUnconditional, Grade: 1}})
	review := e.procTask(change, 1, domain.TaskCatalogReview, "stbd", now, now.Add(10*day))
	bureau := e.as("bureau_officer")
	p := bureau.get("/procedures/" + itoa(change.ID))
	form := section(p.Body, `id="task-`+review.ID+`"`, `</section>`)
	for _, want := range []string{`value="approve"`, `value="suggest"`, `value="reject"`, `name="reason"`, `name="basis"`, `name="comment"`,
		"审核意见", "提出修改建议或不予通过时必填。", "调整目录信息"} {
		if !strings.Contains(form+p.Body, want) {
			t.Errorf("the catalog review's form lacks %q", want)
		}
	}
	consult := e.procTask(change, 2, domain.TaskCatalogConsult, "stbd", now, now.Add(10*day))
	p = bureau.get("/procedures/" + itoa(change.ID))
	form = section(p.Body, `id="task-`+consult.ID+`"`, `</section>`)
	for _, want := range []string{`value="approve"`, `value="reject"`, "联合会商记录（参加单位与会商结论）", "（必填）"} {
		if !strings.Contains(form, want) {
			t.Errorf("the consultation's form lacks %q: %s", want, form)
		}
	}
	if strings.Contains(form, `value="suggest"`) {
		t.Error("the consultation's form offers a suggestion")
	}

	request := e.procedure(store.Procedure{Kind: domain.ProcCatalogRequest, Title: "请求开放市场主体年报数据",
		RequesterOrg: "acme-fintech", RequesterUser: "applicant", Department: "samr", Body: "用于信用评估"})
	provide := e.procTask(request, 1, domain.TaskRequestProvide, "samr", now, now.Add(20*day))
	p = e.as("dept_reviewer").get("/procedures/" + itoa(request.ID))
	form = section(p.Body, `id="task-`+provide.ID+`"`, `</section>`)
	for _, want := range []string{`name="proposal.change" value="create"`, `name="proposal.code" value=""`, `name="proposal.name"`,
		`name="proposal.grade" data-type="int"`, `name="proposal.authorized_operation" value="true" data-type="bool"`,
		`name="decision" value="provide"`, "20 个工作日"} {
		if !strings.Contains(form, want) {
			t.Errorf("the provision's form lacks %q", want)
		}
	}
	speaksInWords(t, e, "the provision's page", p)
}

// A dataset's page shows its state, version, grounds and conditions and
// its catalog history; who may object finds the objection form, its own
// department the forms of a change and of its retirement (none while a
// change of it is in review); the catalog marks a dataset that is not open.
func TestDatasetPageHistoryAndState(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := e.clock.Now()
	change := e.procedure(store.Procedure{Kind: domain.ProcCatalogChange, Title: "调整目录信息：DS-0104 卫生健康大数据底座数据",
		RequesterOrg: "health", RequesterUser: "reviewer-health", Department: "health", DatasetCode: "DS-0104"})
	d, err := e.st.DatasetsByCode(ctx, []string{"DS-0104"})
	if err != nil {
		t.Fatal(err)
	}
	cur := d["DS-0104"]
	modified := store.DatasetProposal{Change: domain.ChangeModify, Code: "DS-0104", Name: cur.Name, Fields: append(cur.Fields, "统计月份"),
		OpenAttribute: store.OpenConditional, Grade: cur.Grade, OpenConditions: "仅限沙箱使用，结果经审核后导出",
		Grounds: "涉及个人健康信息，《公共数据开放管理办法》第九条", AuthorizedOperation: cur.AuthorizedOperation}
	closed := now.Add(-time.Hour)
	if err := e.st.Apply(ctx, store.Change{
		Procedure: &store.ProcedureState{ID: change.ID, Outcome: domain.OutcomePublished, ClosedAt: &closed},
		Publish:   &store.Publication{Proposal: modified, Department: "health", ProcedureID: change.ID, At: closed, By: "bureau_officer"},
	}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.Apply(ctx, store.Change{DatasetStates: []store.DatasetStateChange{{Code: "DS-0104", State: domain.DatasetSuspended}}}); err != nil {
		t.Fatal(err)
	}

	anon := e.as("").get("/catalog/DS-0104")
	mustContain(t, "the dataset, anonymous", anon, "暂停开放", "因数据异议暂停开放", "第 2 版", "仅限沙箱使用，结果经审核后导出",
		"涉及个人健康信息", "目录版本", `id="version-2"`, "调整目录信息", "实施机构经办人 · 市科技与大数据局", "统计月份")
	mustNotContain(t, "the dataset, anonymous", anon, `href="/procedures/`, `id="objection-form"`, `id="change-form"`, "申请使用此数据")
	speaksInWords(t, e, "the dataset, anonymous", anon)

	p := e.as("applicant").get("/catalog/DS-0104")
	mustContain(t, "the dataset, applicant", p, `id="objection-form"`, `data-api="/api/v1/catalog/DS-0104/objections"`,
		`data-next="/procedures/{id}"`, `<option value="personal">侵犯商业秘密、个人信息或隐私</option>`, `name="description"`)
	mustNotContain(t, "the dataset, applicant", p, `id="change-form"`, `id="apply-DS-0104"`, `href="/procedures/`+itoa(change.ID)+`"`)

	health := e.as("reviewer-health")
	p = health.get("/catalog/DS-0104")
	mustContain(t, "the dataset, its department", p, `id="change-form"`, `id="retire-form"`, `data-api="/api/v1/catalog/proposals"`,
		`name="proposal.change" value="modify"`, `name="proposal.change" value="retire"`, `name="proposal.code" value="DS-0104"`,
		`name="proposal.name" value="`+cur.Name+`"`, "统计月份", `href="/procedures/`+itoa(change.ID)+`"`, `id="objection-form"`)
	speaksInWords(t, e, "the dataset, its department", p)
	p = e.as("reviewer-gsa").get("/catalog/DS-0104")
	mustContain(t, "the dataset, another department", p, `id="objection-form"`)
	mustNotContain(t, "the dataset, another department", p, `id="change-form"`, `id="retire-form"`, `href="/procedures/`+itoa(change.ID)+`"`)

	// While a change of it is in review, no second one: the page says so.
	again := e.procedure(store.Procedure{Kind: domain.ProcCatalogChange, Title: "撤销数据资源：DS-0104",
		RequesterOrg: "health", RequesterUser: "reviewer-health", Department: "health", DatasetCode: "DS-0104",
		Proposal: &store.DatasetProposal{Change: domain.ChangeRetire, Code: "DS-0104"}})
	p = health.get("/catalog/DS-0104")
	mustContain(t, "a change in review", p, `id="change-open"`, `href="/procedures/`+itoa(again.ID)+`"`, "撤销数据资源：DS-0104", "办理中的事项")
	mustNotContain(t, "a change in review", p, `id="change-form"`, `id="retire-form"`)

	// The catalog marks it.
	p = e.as("").get("/catalog?department=health")
	mustContain(t, "the catalog", p, `<span class="badge state-suspended">暂停开放</span>`)
	en := e.as("")
	en.lang = "en"
	mustContain(t, "the dataset in English", en.get("/catalog/DS-0104"), "Suspended", "v2", "Catalog history", "Change a dataset")

	// A withdrawn dataset: nobody objects, its department changes nothing.
	if err := e.st.Apply(ctx, store.Change{DatasetStates: []store.DatasetStateChange{{Code: "DS-0001", State: domain.DatasetWithdrawn}}}); err != nil {
		t.Fatal(err)
	}
	p = e.as("dept_reviewer").get("/catalog/DS-0001")
	mustContain(t, "a withdrawn dataset", p, "已撤回，不再开放。", "编目以来没有调整")
	mustNotContain(t, "a withdrawn dataset", p, `id="objection-form"`, `id="change-form"`)
}

// A department proposes a dataset, an applicant asks for data outside the
// catalog: each on its own form, posted to the API, leading to the new
// procedure's page; neither may open the other's.
func TestFilingPages(t *testing.T) {
	e := newEnv(t)
	health := e.as("reviewer-health")
	p := health.get("/catalog/propose")
	if p.Status != http.StatusOK {
		t.Fatalf("/catalog/propose: %d", p.Status)
	}
	mustContain(t, "the proposal form", p, `id="propose-form"`, `data-api="/api/v1/catalog/proposals"`, `data-next="/procedures/{id}"`,
		`data-flash="已提交目录审核"`, `name="proposal.change" value="create"`, `name="proposal.code"`, `name="proposal.fields" data-type="lines"`,
		`name="proposal.open_conditions"`, `name="proposal.grounds"`, `<option value="月度">月度</option>`, `href="/catalog" aria-current="page"`)
	mustContain(t, "the catalog, for a department", health.get("/catalog"), `href="/catalog/propose"`)
	if p := health.get("/catalog/request"); p.Status != http.StatusForbidden {
		t.Errorf("a department asks for out-of-catalog data: %d", p.Status)
	}
	app := e.as("applicant")
	p = app.get("/catalog/request")
	if p.Status != http.StatusOK {
		t.Fatalf("/catalog/request: %d", p.Status)
	}
	mustContain(t, "the request form", p, `id="request-form"`, `data-api="/api/v1/catalog/requests"`, `data-next="/procedures/{id}"`,
		`<option value="health">市卫生健康委员会</option>`, `name="title"`, `name="description"`, "20 个工作日")
	mustNotContain(t, "the request form", p, `<option value="acme-fintech">`, `<option value="stbd">`)
	mustContain(t, "the catalog, for an applicant", app.get("/catalog"), `href="/catalog/request"`)
	if p := app.get("/catalog/propose"); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "提出新增数据资源") {
		t.Errorf("an applicant proposes a dataset: %d", p.Status)
	}
	// A dataset's page is still the dataset's.
	if p := app.get("/catalog/DS-0100"); p.Status != http.StatusOK {
		t.Errorf("/catalog/DS-0100: %d", p.Status)
	}
}

// The list of procedures finds one by a word of its title or its number.
func TestProceduresByKeyword(t *testing.T) {
	e := newEnv(t)
	f := e.procFixture()
	sup := e.as("supervisor")
	p := sup.get("/procedures?q=" + url.QueryEscape("用电"))
	if !strings.Contains(p.Body, fmt.Sprintf(`id="proc-row-%d"`, f.change.ID)) || strings.Contains(p.Body, fmt.Sprintf(`id="proc-row-%d"`, f.objection.ID)) {
		t.Errorf("by a word of its title: %s", section(p.Body, "<tbody", "</tbody>"))
	}
	mustContain(t, "the keyword stays in its field", p, `value="用电"`, `id="filter-reset"`)
	p = sup.get(fmt.Sprintf("/procedures?q=%%23%d", f.objection.ID))
	if !strings.Contains(p.Body, fmt.Sprintf(`id="proc-row-%d"`, f.objection.ID)) || strings.Contains(p.Body, fmt.Sprintf(`id="proc-row-%d"`, f.change.ID)) {
		t.Errorf("by its number: %s", section(p.Body, "<tbody", "</tbody>"))
	}
}
