package web_test

import (
	"context"
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/workflows"
)

// The process diagram (流程图) on the application page: web/diagram.go.

var (
	diagramRE = regexp.MustCompile(`(?s)<section class="card process".*?</section>`)
	svgRE     = regexp.MustCompile(`(?s)<svg class="process-svg".*?</svg>`)
	pdNodeRE  = regexp.MustCompile(`<g class="pd-node state-([a-z]+) step-([a-z-]+)( terminal)?"><title>([^<]*)</title>`)
	stepsRE   = regexp.MustCompile(`(?s)<ol class="process-steps">.*?</ol>`)
	legendRE  = regexp.MustCompile(`(?s)<ul class="process-legend".*?</ul>`)
	taskIDRE  = regexp.MustCompile(`application-\d+-(t|evaluation-|model-)\d+`)
)

// pdNode is one node of a rendered diagram.
type pdNode struct{ state, step, title string }

// drawn is the diagram of an application's page: the section, the SVG, its
// nodes in order, and the text alternative's visible text.
type drawn struct {
	section, svg, steps string
	nodes               []pdNode
}

func diagramOf(t *testing.T, what string, p page) drawn {
	t.Helper()
	if p.Status != 200 {
		t.Fatalf("%s: status %d: %.300s", what, p.Status, p.Body)
	}
	var d drawn
	d.section = diagramRE.FindString(p.Body)
	if d.section == "" {
		t.Fatalf("%s: no process diagram on the page", what)
	}
	d.svg = svgRE.FindString(d.section)
	if d.svg == "" {
		t.Fatalf("%s: no SVG in the process diagram", what)
	}
	for _, m := range pdNodeRE.FindAllStringSubmatch(d.svg, -1) {
		d.nodes = append(d.nodes, pdNode{state: m[1], step: m[2], title: html.UnescapeString(m[4])})
	}
	d.steps = visible(stepsRE.FindString(d.section))
	return d
}

// find is the nodes of step, in order.
func (d drawn) find(step string) []pdNode {
	var out []pdNode
	for _, n := range d.nodes {
		if n.step == step {
			out = append(out, n)
		}
	}
	return out
}

// withTitle is the node of step whose title holds s.
func (d drawn) withTitle(t *testing.T, what, step, s string) pdNode {
	t.Helper()
	for _, n := range d.find(step) {
		if strings.Contains(n.title, s) {
			return n
		}
	}
	t.Fatalf("%s: no %s node with %q: %+v", what, step, s, d.nodes)
	return pdNode{}
}

// pdTask writes a task as its workflow would: its kind, org, subject and
// round, opened and due.
func (e *env) pdTask(a store.Application, n int, kind, org, subject string, round int, opened, due time.Time) store.Task {
	e.t.Helper()
	wf := workflows.ApplicationWorkflowID(a.ID)
	t := store.Task{ID: wf + "-t" + strconv.Itoa(n), ApplicationID: a.ID, WorkflowID: wf, Kind: kind, Subject: subject, Round: round,
		Department: org, Status: domain.TaskOpen, OpenedAt: opened, DueAt: due}
	if err := e.st.Apply(context.Background(), store.Change{Tasks: []store.Task{t}}); err != nil {
		e.t.Fatal(err)
	}
	return t
}

func (e *env) orgNames() map[string]store.Org {
	e.t.Helper()
	orgs, err := e.st.Orgs(context.Background(), "")
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]store.Org{}
	for _, o := range orgs {
		out[o.Code] = o
	}
	return out
}

// reviewAfterReturn: an application in department review after a return
// for supplement and a resubmission; gsa and health review in parallel,
// health has asked the regulator nfra. Nothing is late.
func (e *env) reviewAfterReturn() store.Application {
	e.t.Helper()
	now := e.clock.Now()
	day := 24 * time.Hour
	a := e.application("acme-fintech", "applicant", "信贷风控流程图", domain.StatusDepartmentReview, "DS-0100", "DS-0103")
	ir1 := e.pdTask(a, 1, domain.TaskInitialReview, "bdc", "", 1, now.Add(-20*day), now.Add(-13*day))
	e.decide(ir1, domain.DecisionReturn, "材料不全", "", now.Add(-18*day))
	sup := e.pdTask(a, 2, domain.TaskSupplement, "acme-fintech", "", 1, now.Add(-18*day), now.Add(-8*day))
	e.decide(sup, domain.DecisionResubmit, "", "", now.Add(-15*day))
	ir2 := e.pdTask(a, 3, domain.TaskInitialReview, "bdc", "", 2, now.Add(-15*day), now.Add(-8*day))
	e.decide(ir2, domain.DecisionPass, "", "", now.Add(-10*day))
	e.pdTask(a, 4, domain.TaskDepartmentReview, "gsa", "", 1, now.Add(-10*day), now.Add(18*day))
	e.pdTask(a, 5, domain.TaskDepartmentReview, "health", "", 1, now.Add(-10*day), now.Add(18*day))
	e.pdTask(a, 6, domain.TaskRegulatorOpinion, "nfra", "health", 1, now.Add(-5*day), now.Add(9*day))
	return a
}

// TestDiagramDepartmentReviewAfterReturn (a, e): the initial review done
// twice with the arcs of the return and the resubmission, the two
// departments current side by side, the regulator health asked, the
// agreements and everything after greyed; in zh-CN and English, with a
// title, a description and an ordered list of the same steps, and neither
// an internal ID nor a login name anywhere in it.
func TestDiagramDepartmentReviewAfterReturn(t *testing.T) {
	e := newEnv(t)
	a := e.reviewAfterReturn()
	orgs := e.orgNames()
	words := map[string]map[string]string{
		"zh-CN": {"heading": "办理流程图", "ir": "初审", "dept": "部门审核", "reg": "行业主管部门意见", "auth": "授权协议",
			"commit": "利用承诺", "service": "授权开发利用服务协议", "filing": "服务协议备案", "return": "退回补正", "resubmit": "重新提交",
			"done": "已完成", "current": "进行中", "future": "未开始", "round": "第 2 轮", "closed": "已办结", "active": "授权生效",
			"due": "期限 ", "parallel": "各数据提供部门并行审核"},
		"en": {"heading": "Process diagram", "ir": "Initial review", "dept": "Department review", "reg": "Regulator's opinion",
			"auth": "Authorization agreement", "commit": "Utilization commitment", "service": "Service agreement", "filing": "Filing",
			"return": "Returned", "resubmit": "Resubmitted", "done": "Done", "current": "In progress", "future": "Not started",
			"round": "round 2", "closed": "Closed", "active": "Authorization in force", "due": "Due ",
			"parallel": "Each provider department, in parallel"},
	}
	name := func(code, lang string) string {
		if lang == "en" && orgs[code].NameEn != "" {
			return orgs[code].NameEn
		}
		return orgs[code].Name
	}
	for _, lang := range []string{"zh-CN", "en"} {
		w := words[lang]
		what := "applicant " + lang
		cl := e.as("applicant")
		cl.lang = lang
		p := cl.get("/applications/" + itoa(a.ID))
		d := diagramOf(t, what, p)

		// The SVG's text alternatives, and nothing to focus inside it.
		for _, s := range []string{`role="img"`, `<title id="process-` + itoa(a.ID) + `-t">`, `<desc id="process-` + itoa(a.ID) + `-d">`,
			`aria-labelledby="process-` + itoa(a.ID) + `-t"`, `aria-describedby="process-` + itoa(a.ID) + `-d"`, `viewBox="0 0 560 `} {
			if !strings.Contains(d.svg, s) {
				t.Errorf("%s: the SVG lacks %s", what, s)
			}
		}
		for _, s := range []string{"<a ", "<a>", "tabindex", "<script", "<foreignObject"} {
			if strings.Contains(d.svg, s) {
				t.Errorf("%s: the SVG has %s", what, s)
			}
		}
		if !strings.Contains(html.UnescapeString(d.section), w["heading"]) {
			t.Errorf("%s: no heading %q", what, w["heading"])
		}

		// The initial review: done, in its second round, with both arcs.
		ir := d.find("initial-review")
		if len(ir) != 1 || ir[0].state != "done" || !strings.Contains(ir[0].title, w["ir"]) || !strings.Contains(ir[0].title, w["round"]) {
			t.Errorf("%s: initial review: %+v", what, ir)
		}
		if sup := d.find("supplement"); len(sup) != 1 || sup[0].state != "done" {
			t.Errorf("%s: supplement: %+v", what, sup)
		}
		for _, arc := range []string{`class="pd-arc return done"`, `class="pd-arc resubmit done"`} {
			if !strings.Contains(d.svg, arc) {
				t.Errorf("%s: no arc %s", what, arc)
			}
		}
		for _, s := range []string{">" + w["return"] + "<", ">" + w["resubmit"] + "<"} {
			if !strings.Contains(d.svg, s) {
				t.Errorf("%s: no arc label %s", what, s)
			}
		}

		// The two departments, current, in one frame; the regulator health
		// asked, current, beside it.
		depts := d.find("department-review")
		if len(depts) != 2 {
			t.Fatalf("%s: %d department nodes: %+v", what, len(depts), d.nodes)
		}
		for _, code := range []string{"gsa", "health"} {
			n := d.withTitle(t, what, "department-review", name(code, lang))
			if n.state != "current" || !strings.Contains(n.title, w["dept"]) || !strings.Contains(n.title, w["due"]+"2026-") {
				t.Errorf("%s: %s's review: %+v", what, code, n)
			}
		}
		if !strings.Contains(html.UnescapeString(d.svg), w["parallel"]) {
			t.Errorf("%s: the departments are not framed as parallel", what)
		}
		reg := d.find("regulator-opinion")
		if len(reg) != 1 || reg[0].state != "current" || !strings.Contains(reg[0].title, name("nfra", lang)) || !strings.Contains(reg[0].title, w["reg"]) {
			t.Errorf("%s: regulator: %+v", what, reg)
		}
		if !strings.Contains(d.svg, `class="pd-ask"`) {
			t.Errorf("%s: the department and its regulator are not linked", what)
		}

		// Everything after is greyed: the agreements in order, the
		// authorization, its end, closed.
		var order []string
		for _, n := range d.nodes {
			order = append(order, n.step)
		}
		wantOrder := "initial-review supplement department-review department-review regulator-opinion agreement agreement agreement agreement active end exit-confirmation exit-verification terminal"
		if got := strings.Join(order, " "); got != wantOrder {
			t.Errorf("%s: nodes\n got %s\nwant %s", what, got, wantOrder)
		}
		ags := d.find("agreement")
		for i, want := range []string{w["auth"], w["commit"], w["service"], w["filing"]} {
			if i >= len(ags) || ags[i].state != "future" || !strings.HasPrefix(ags[i].title, want) {
				t.Errorf("%s: agreement %d: want %q, not started: %+v", what, i, want, ags)
			}
		}
		for _, step := range []string{"active", "end", "exit-confirmation", "exit-verification", "terminal"} {
			if n := d.find(step); len(n) != 1 || n[0].state != "future" {
				t.Errorf("%s: %s: %+v", what, step, n)
			}
		}
		if n := d.find("terminal"); len(n) == 1 && !strings.Contains(n[0].title, w["closed"]) {
			t.Errorf("%s: the end is %q", what, n[0].title)
		}
		if !strings.Contains(d.svg, `class="pd-flow future"`) || !strings.Contains(d.svg, `class="pd-flow done"`) {
			t.Errorf("%s: the flow is not split into done and to come", what)
		}

		// The same steps as an ordered list with their state.
		item := func(state, step string) string {
			if lang == "en" {
				return w[state] + ": " + w[step]
			}
			return w[state] + "： " + w[step]
		}
		for _, s := range []string{item("done", "ir"), item("current", "dept"), item("current", "reg"),
			item("future", "auth"), item("future", "active"), name("gsa", lang), name("health", lang), name("bdc", lang)} {
			if !strings.Contains(d.steps, s) {
				t.Errorf("%s: the list lacks %q: %s", what, s, d.steps)
			}
		}
		// No stored keys, IDs or login names in the SVG or the list.
		text := visible(d.section) + " " + html.UnescapeString(d.svg)
		if m := taskIDRE.FindString(text); m != "" {
			t.Errorf("%s: internal ID %q in the diagram", what, m)
		}
		for _, s := range []string{"someone", "applicant", "reviewer-gsa", "initial_reviewer", "regulator-nfra", "diagram."} {
			if strings.Contains(text, s) {
				t.Errorf("%s: %q in the diagram", what, s)
			}
		}
		for _, word := range strings.FieldsFunc(visible(d.section)+" "+visible(d.svg), func(r rune) bool { return strings.ContainsRune(" ·,:：，（）()、", r) }) {
			for _, k := range []string{"acme-fintech", "gsa", "health", "bdc", "nfra", "department_review", "initial_review"} {
				if word == k {
					t.Errorf("%s: the raw key %q is shown", what, k)
				}
			}
		}
	}
}

// TestDiagramOverdue (d): an open task past its due date is marked
// overdue: its class, its words, the legend's key and the description.
func TestDiagramOverdue(t *testing.T) {
	e := newEnv(t)
	f := e.fixture() // gsa's review is overdue, commerce's is not
	orgs := e.orgNames()
	for lang, w := range map[string]struct{ overdue, late, desc string }{
		"zh-CN": {"已超期", "已超期 ", "其中超期 1 个"},
		"en":    {"Overdue", "overdue by ", "1 of them overdue"},
	} {
		cl := e.as("applicant")
		cl.lang = lang
		d := diagramOf(t, "overdue "+lang, cl.get("/applications/"+itoa(f.app.ID)))
		gsaName, comName := orgs["gsa"].Name, orgs["commerce"].Name
		if lang == "en" {
			gsaName, comName = orgs["gsa"].NameEn, orgs["commerce"].NameEn
		}
		if n := d.withTitle(t, lang, "department-review", gsaName); n.state != "overdue" || !strings.Contains(n.title, w.late) {
			t.Errorf("%s: gsa's late review: %+v", lang, n)
		}
		if n := d.withTitle(t, lang, "department-review", comName); n.state != "current" {
			t.Errorf("%s: commerce's review: %+v", lang, n)
		}
		legend := legendRE.FindString(d.section)
		if !strings.Contains(legend, `class="key-state-overdue"`) || !strings.Contains(legend, `class="pd-node state-overdue"`) ||
			!strings.Contains(visible(legend), w.overdue) {
			t.Errorf("%s: the legend has no overdue key: %s", lang, legend)
		}
		if !strings.Contains(d.steps, w.overdue+"： ") && !strings.Contains(d.steps, w.overdue+": ") {
			t.Errorf("%s: the list does not say overdue: %s", lang, d.steps)
		}
		if !strings.Contains(html.UnescapeString(d.svg), w.desc) {
			t.Errorf("%s: the description does not count the late step", lang)
		}
		if strings.Contains(d.svg, "pd-arc") {
			t.Errorf("%s: an arc without a return", lang)
		}
	}
}

// TestDiagramClosed (b): a closed case is done from end to end: the
// departments, the agreements, the authorization with its model and
// evaluation, the end, the exit confirmation and verification.
// closedCase: an application closed after its whole life: both
// departments approved, the agreements signed, a model approved and an
// evaluation qualified, then the expiry, the exit confirmed and verified.
func (e *env) closedCase() store.Application {
	t := e.t
	t.Helper()
	ctx := context.Background()
	now := e.clock.Now()
	day := 24 * time.Hour
	a := e.application("acme-fintech", "applicant", "已办结场景", domain.StatusClosed, "DS-0100", "DS-0102")
	at := func(d int) time.Time { return now.Add(time.Duration(d-400) * day) }
	n := 0
	do := func(kind, org, subject, decision string, d int) store.Task {
		n++
		t := e.pdTask(a, n, kind, org, subject, 1, at(d), at(d+7))
		return e.decide(t, decision, "", "", at(d+1))
	}
	do(domain.TaskInitialReview, "bdc", "", domain.DecisionPass, 0)
	do(domain.TaskDepartmentReview, "gsa", "", domain.DecisionApprove, 2)
	do(domain.TaskDepartmentReview, "commerce", "", domain.DecisionApprove, 2)
	do(domain.TaskSignAuthorization, "stbd", domain.AgreementAuthorization, domain.DecisionSign, 4)
	do(domain.TaskSignAuthorization, "gdo", domain.AgreementAuthorization, domain.DecisionSign, 4)
	do(domain.TaskSignCommitment, "acme-fintech", domain.AgreementCommitment, domain.DecisionSign, 4)
	do(domain.TaskSignService, "gdo", domain.AgreementService, domain.DecisionSign, 6)
	do(domain.TaskSignService, "acme-fintech", domain.AgreementService, domain.DecisionSign, 6)
	do(domain.TaskFileService, "stbd", domain.AgreementFiling, domain.DecisionFile, 8)
	wf := workflows.ApplicationWorkflowID(a.ID)
	model := store.Model{ID: wf + "-model-1", ApplicationID: a.ID, No: 1, Name: "风控评分模型", Status: domain.ModelApproved, Round: 1, SubmittedAt: at(20)}
	eval := store.Evaluation{ID: wf + "-evaluation-1", ApplicationID: a.ID, No: 1, Round: 1, Status: domain.EvalQualified, Rating: domain.DecisionQualified, OpenedAt: at(200)}
	if err := e.st.Apply(ctx, store.Change{Models: []store.Model{model}, Evaluations: []store.Evaluation{eval}}); err != nil {
		t.Fatal(err)
	}
	n++
	mt := e.pdTask(a, n, domain.TaskModelReview, "stbd", "model-1", 1, at(20), at(40))
	mt.WorkflowID = model.ID
	e.decide(mt, domain.DecisionApprove, "", "", at(25))
	do(domain.TaskSelfEvaluation, "acme-fintech", eval.ID, domain.DecisionSubmit, 200)
	do(domain.TaskRateEvaluation, "stbd", eval.ID, domain.DecisionQualified, 210)
	do(domain.TaskExitConfirmation, "acme-fintech", "", domain.DecisionConfirm, 380)
	do(domain.TaskExitVerification, "stbd", "", domain.DecisionVerify, 390)
	from, until, ended, closed := at(10), at(375), at(375), at(392)
	if err := e.st.Apply(ctx, store.Change{App: &store.AppState{ID: a.ID, Status: domain.StatusClosed, ActiveFrom: &from, ActiveUntil: &until,
		EndedAt: &ended, EndReason: domain.EndExpired, ClosedAt: &closed}}); err != nil {
		t.Fatal(err)
	}
	return a
}

func TestDiagramClosed(t *testing.T) {
	e := newEnv(t)
	a := e.closedCase()
	for _, lang := range []string{"zh-CN", "en"} {
		cl := e.as("applicant")
		cl.lang = lang
		d := diagramOf(t, "closed "+lang, cl.get("/applications/"+itoa(a.ID)))
		var order []string
		for _, n := range d.nodes {
			order = append(order, n.step)
			if n.state != "done" {
				t.Errorf("%s: %s is %s, want done: %q", lang, n.step, n.state, n.title)
			}
		}
		want := "initial-review department-review department-review agreement agreement agreement agreement active model-review evaluation end exit-confirmation exit-verification terminal"
		if got := strings.Join(order, " "); got != want {
			t.Errorf("%s: nodes\n got %s\nwant %s", lang, got, want)
		}
		for _, s := range []string{"pd-flow future", "state-future", "state-current", "state-overdue"} {
			if strings.Contains(d.svg, s) {
				t.Errorf("%s: %s in a closed case", lang, s)
			}
		}
		wantText := map[string][]string{
			"zh-CN": {"模型审定：风控评分模型", "第 1 次定期评估", "授权结束：期满", "已办结"},
			"en":    {"Model review: 风控评分模型", "Evaluation #1", "Ended: expired", "Closed"},
		}[lang]
		for _, s := range wantText {
			if !strings.Contains(html.UnescapeString(d.svg), s) || !strings.Contains(d.steps, s) {
				t.Errorf("%s: %q is not in the SVG and the list", lang, s)
			}
		}
		if m := taskIDRE.FindString(visible(d.section) + html.UnescapeString(d.svg)); m != "" {
			t.Errorf("%s: internal ID %q in the diagram", lang, m)
		}
	}
}

// TestDiagramRejected (c): a rejected case ends where it was rejected: at
// the departments when both rejected, at the initial review when it did;
// nothing after is drawn.
func TestDiagramRejected(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := e.clock.Now()
	day := 24 * time.Hour

	byDepts := e.application("acme-fintech", "applicant", "部门驳回场景", domain.StatusRejected, "DS-0100", "DS-0102")
	ir := e.pdTask(byDepts, 1, domain.TaskInitialReview, "bdc", "", 1, now.Add(-30*day), now.Add(-23*day))
	e.decide(ir, domain.DecisionPass, "", "", now.Add(-25*day))
	gsa := e.pdTask(byDepts, 2, domain.TaskDepartmentReview, "gsa", "", 1, now.Add(-25*day), now.Add(-5*day))
	e.decide(gsa, domain.DecisionReject, "用途超出范围", "《办法》第十六条", now.Add(-20*day))
	com := e.pdTask(byDepts, 3, domain.TaskDepartmentReview, "commerce", "", 1, now.Add(-25*day), now.Add(-5*day))
	e.decide(com, domain.DecisionDecide, "", "", now.Add(-19*day))
	if err := e.st.Apply(ctx, store.Change{Datasets: []store.ApplicationDataset{
		{ApplicationID: byDepts.ID, DatasetCode: "DS-0100", Department: "gsa", Decision: domain.DecisionReject, Reason: "用途超出范围", Basis: "第十六条"},
		{ApplicationID: byDepts.ID, DatasetCode: "DS-0102", Department: "commerce", Decision: domain.DecisionReject, Reason: "用途超出范围", Basis: "第十六条"},
	}}); err != nil {
		t.Fatal(err)
	}

	atInitial := e.application("acme-fintech", "applicant", "初审驳回场景", domain.StatusRejected, "DS-0100")
	ir2 := e.pdTask(atInitial, 1, domain.TaskInitialReview, "bdc", "", 1, now.Add(-10*day), now.Add(-3*day))
	e.decide(ir2, domain.DecisionReject, "不符合条件", "第十六条", now.Add(-8*day))

	for lang, rejected := range map[string]string{"zh-CN": "已驳回", "en": "Rejected"} {
		cl := e.as("applicant")
		cl.lang = lang
		d := diagramOf(t, "rejected by the departments "+lang, cl.get("/applications/"+itoa(byDepts.ID)))
		var got []string
		for _, n := range d.nodes {
			got = append(got, n.step+":"+n.state)
		}
		want := "initial-review:done department-review:rejected department-review:rejected terminal:rejected"
		if strings.Join(got, " ") != want {
			t.Errorf("%s: nodes\n got %s\nwant %s", lang, strings.Join(got, " "), want)
		}
		if term := d.find("terminal"); len(term) != 1 || !strings.Contains(term[0].title, rejected) {
			t.Errorf("%s: the end: %+v", lang, term)
		}

		d = diagramOf(t, "rejected at the initial review "+lang, cl.get("/applications/"+itoa(atInitial.ID)))
		got = nil
		for _, n := range d.nodes {
			got = append(got, n.step+":"+n.state)
		}
		if want := "initial-review:rejected terminal:rejected"; strings.Join(got, " ") != want {
			t.Errorf("%s: nodes\n got %s\nwant %s", lang, strings.Join(got, " "), want)
		}
		if strings.Contains(d.svg, "state-future") || strings.Contains(d.svg, "pd-flow future") {
			t.Errorf("%s: a rejected case shows steps to come", lang)
		}
	}
}

// TestDiagramWithdrawn: a case withdrawn during the agreements ends there,
// its unsigned agreements cancelled.
func TestDiagramWithdrawn(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	day := 24 * time.Hour
	a := e.application("acme-fintech", "applicant", "撤回场景", domain.StatusWithdrawn, "DS-0100")
	ir := e.pdTask(a, 1, domain.TaskInitialReview, "bdc", "", 1, now.Add(-30*day), now.Add(-23*day))
	e.decide(ir, domain.DecisionPass, "", "", now.Add(-25*day))
	gsa := e.pdTask(a, 2, domain.TaskDepartmentReview, "gsa", "", 1, now.Add(-25*day), now.Add(-5*day))
	e.decide(gsa, domain.DecisionApprove, "", "", now.Add(-20*day))
	auth := e.pdTask(a, 3, domain.TaskSignAuthorization, "stbd", domain.AgreementAuthorization, 1, now.Add(-20*day), now.Add(-6*day))
	e.decide(auth, domain.DecisionSign, "", "", now.Add(-19*day))
	op := e.pdTask(a, 4, domain.TaskSignAuthorization, "gdo", domain.AgreementAuthorization, 1, now.Add(-20*day), now.Add(-6*day))
	e.decide(op, domain.DecisionCancelled, "withdrawn by the applicant", "", now.Add(-10*day))
	commit := e.pdTask(a, 5, domain.TaskSignCommitment, "acme-fintech", domain.AgreementCommitment, 1, now.Add(-20*day), now.Add(-6*day))
	e.decide(commit, domain.DecisionCancelled, "withdrawn by the applicant", "", now.Add(-10*day))

	cl := e.as("applicant")
	d := diagramOf(t, "withdrawn", cl.get("/applications/"+itoa(a.ID)))
	var got []string
	for _, n := range d.nodes {
		got = append(got, n.step+":"+n.state)
	}
	if want := "initial-review:done department-review:done agreement:skipped agreement:skipped terminal:done"; strings.Join(got, " ") != want {
		t.Errorf("nodes\n got %s\nwant %s", strings.Join(got, " "), want)
	}
	if term := d.find("terminal"); len(term) != 1 || !strings.Contains(term[0].title, "已撤回") {
		t.Errorf("the end: %+v", term)
	}
}

// TestDiagramOnlyOnTheApplicationPage: the dashboard's blocks do not each
// carry a diagram; a draft's page shows the whole path to come.
func TestDiagramOnlyOnTheApplicationPage(t *testing.T) {
	e := newEnv(t)
	f := e.fixture()
	if p := e.as("applicant").get("/applications"); strings.Contains(p.Body, "process-svg") {
		t.Error("the dashboard draws diagrams")
	}
	d := diagramOf(t, "draft", e.as("applicant").get("/applications/"+itoa(f.draft.ID)))
	for _, n := range d.nodes {
		if n.state != "future" {
			t.Errorf("draft: %s is %s", n.step, n.state)
		}
	}
	// Another department's reviewer sees the same diagram of a case in its
	// scope, with no more than the page shows.
	d = diagramOf(t, "commerce", e.as("reviewer-commerce").get("/applications/"+itoa(f.app.ID)))
	if len(d.find("department-review")) != 2 {
		t.Errorf("commerce's view: %+v", d.nodes)
	}
}
