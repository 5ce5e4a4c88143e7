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

	p = health.get("/inbox/done")
	if p.Status != http.StatusOK {
		t.Fatalf("the department's 已办 with a procedure's step: %d %.300s", p.Status, p.Body)
	}
	mustContain(t, "health's 已办", p, link(request), "目录外需求评估", "请求开放医疗机构床位数据", "符合开放条件，受理")
	mustNotContain(t, "health's 已办", p, `href="/applications/0`, "#0 ")

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
