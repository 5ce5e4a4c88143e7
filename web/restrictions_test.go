package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// A measure against an authorization on the pages: the application page
// shows it to everyone who reads the application, with the bureau's form
// to lift the measure in force (and to take one when none is); the public
// disclosure page publishes it with its outcome (第三十条 予以公示).
func TestRestrictionsOnThePages(t *testing.T) {
	e := newEnv(t)
	a := e.application("acme-fintech", "applicant", "小微企业信贷风控", domain.StatusActive, "DS-0100")
	path := fmt.Sprintf("/applications/%d", a.ID)
	bureau := e.as("bureau_officer")
	mustContain(t, "no measure yet", bureau.get(path), `data-api="/api/v1/applications/`+fmt.Sprint(a.ID)+`/restrict"`, "暂停或限制授权")
	now := e.clock.Now()
	if err := e.st.Apply(context.Background(), store.Change{Restrictions: []store.Restriction{{ApplicationID: a.ID, No: 1,
		Measure: domain.MeasureSuspend, Reason: "超范围使用数据", Basis: "《公共数据开放管理办法》第三十条", ImposedBy: "bureau_officer",
		StartedAt: now, State: domain.RestrictionInForce, Appeal: domain.AppealPending, AppealReason: "使用范围已获书面同意"}}}); err != nil {
		t.Fatal(err)
	}
	p := bureau.get(path)
	mustContain(t, "a measure in force, for the bureau", p, `class="restriction-banner"`, "暂停授权", "超范围使用数据",
		"使用范围已获书面同意", "申诉处理中", `/restriction/lift"`, "解除措施")
	if strings.Contains(p.Body, `/restrict"`) {
		t.Error("the bureau is offered a second measure while one is in force")
	}
	own := e.as("applicant").get(path)
	mustContain(t, "the holder's page", own, "暂停授权", "超范围使用数据")
	if strings.Contains(own.Body, `/restriction/lift"`) || strings.Contains(own.Body, "bureau_officer") {
		t.Error("the holder sees the bureau's form or a login name")
	}
	en := e.as("applicant")
	en.lang = "en"
	mustContain(t, "in English", en.get(path), "Suspension", "Appeal pending")
	pub := e.as("").get("/disclosure")
	mustContain(t, "the public disclosure", pub, `id="measures"`, "违法违规行为及处理措施公示", "小微企业信贷风控", "暂停授权",
		"《公共数据开放管理办法》第三十条", "执行中")
}

// Supervision sees who is late in each procedure, and the datasets whose
// update frequency is missed.
func TestSupervisionOfTheProcedures(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	now := e.clock.Now()
	p := store.Procedure{Kind: domain.ProcObjection, Title: "异议：数据有误", RequesterOrg: "acme-fintech", RequesterUser: "applicant",
		Department: "gsa", DatasetCode: "DS-0100", Ground: domain.GroundError, OpenedAt: now.AddDate(0, 0, -30)}
	if err := e.st.CreateProcedure(ctx, &p); err != nil {
		t.Fatal(err)
	}
	wf := fmt.Sprintf("procedure-%d", p.ID)
	if err := e.st.Apply(ctx, store.Change{Tasks: []store.Task{{ID: wf + "-t1", WorkflowID: wf, ProcedureID: p.ID,
		Kind: domain.TaskObjectionHandle, Department: "gsa", Status: domain.TaskOpen, Round: 1, OpenedAt: p.OpenedAt,
		DueAt: now.AddDate(0, 0, -5)}}}); err != nil {
		t.Fatal(err)
	}
	// DS-0109 is updated yearly (年度).
	if err := e.st.RecordDataUpdate(ctx, "DS-0109", now.AddDate(-2, 0, 0), store.AuditEntry{Actor: "reviewer-gsa",
		Role: domain.RoleDeptReviewer, Department: "gsa", Action: "dataset.updated", Target: "DS-0109", At: now}); err != nil {
		t.Fatal(err)
	}
	page := e.as("supervisor").get("/supervision")
	rows := section(page.Body, `id="procedure-stats"`, "</table>")
	if !strings.Contains(rows, "数据异议") || !strings.Contains(rows, "市政务服务管理局") || !strings.Contains(rows, `class="is-overdue"`) {
		t.Errorf("who is late in each procedure: %s", rows)
	}
	stale := section(page.Body, `id="stale-list"`, "</table>")
	if !strings.Contains(stale, "企业空间化数据") || !strings.Contains(stale, "市政务服务管理局") || !strings.Contains(stale, "年度") {
		t.Errorf("stale datasets: %s", stale)
	}
	// Its department is told in its 待办 and on the dataset's page, where
	// it records the update; the public sees that the update is overdue.
	gsa := e.as("reviewer-gsa")
	mustContain(t, "the department's 待办", gsa.get("/inbox"), `id="stale-notice"`, "企业空间化数据")
	mustContain(t, "the department's dataset page", gsa.get("/catalog/DS-0109"), `id="stale-badge"`, "未按期更新", `id="record-update"`)
	anon := e.as("").get("/catalog/DS-0109")
	mustContain(t, "the public dataset page", anon, `id="stale-badge"`)
	if strings.Contains(anon.Body, `id="record-update"`) {
		t.Error("the public is offered to record an update")
	}
	if r := gsa.post("/api/v1/catalog/DS-0109/updates", nil); r.Status != 200 {
		t.Fatalf("record the update: %d %s", r.Status, r.Body)
	}
	if p := gsa.get("/catalog/DS-0109"); strings.Contains(p.Body, `id="stale-badge"`) {
		t.Error("still overdue after the update was recorded")
	}
	if p := gsa.get("/inbox"); strings.Contains(p.Body, `id="stale-notice"`) {
		t.Error("the 待办 still tells of an overdue update")
	}
}
