package main

import (
	"database/sql"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/workflows"
)

// TestProceduresOverHTTP runs the statutory procedures beside the
// applications on the real stack, through the API alone:
//   - the health commission's department proposes a dataset; the bureau
//     suggests changes, the department disagrees, and the joint
//     consultation the bureau records approves it: the dataset is in the
//     catalog with its grounds, version 1;
//   - an applicant asks for data outside the catalog; the department
//     accepts and provides it by its catalog entry, which the bureau
//     approves;
//   - an applicant objects to the new dataset's personal information: the
//     dataset is suspended at once and cannot be requested, until the
//     department keeps it open.
//
// Each workflow's history replays on the current code.
func TestProceduresOverHTTP(t *testing.T) {
	s, cfg := startTestDev(t, func(string) string { return "" })
	c := &httpClient{t: t, base: "http://" + s.addr}
	c.waitHealthy()

	type procedure struct {
		ID      uint64 `json:"id"`
		Outcome string `json:"outcome"`
		Tasks   []struct {
			Kind, Department, Status string
		} `json:"tasks"`
		Audit []struct{ Action string } `json:"audit"`
	}
	entry := func(code, name string) map[string]any {
		return map[string]any{"change": "create", "code": code, "name": name, "summary": "按月汇总",
			"fields": []string{"企业名称", "月用电量"}, "format": "CSV", "update_frequency": "月度",
			"open_attribute": "conditional", "grade": 2, "open_conditions": "仅限沙箱使用",
			"grounds": "涉及企业经营信息，《公共数据开放管理办法》第九条"}
	}
	get := func(id uint64, who string) procedure {
		var p procedure
		c.expect("GET", fmt.Sprintf("/api/v1/procedures/%d", id), who, nil, http.StatusOK, &p)
		return p
	}
	var change procedure
	c.expect("POST", "/api/v1/catalog/proposals", "reviewer-health", map[string]any{"proposal": entry("DS-0901", "医疗机构用电数据")},
		http.StatusCreated, &change)
	if len(change.Tasks) != 1 || change.Tasks[0].Kind != domain.TaskCatalogReview {
		t.Fatalf("a filed change's first step: %+v", change.Tasks)
	}
	c.expect("POST", "/api/v1/catalog/proposals", "reviewer-health", map[string]any{"proposal": entry("DS-0901", "again")},
		http.StatusConflict, nil)
	c.decide("bureau_officer", domain.TaskCatalogReview, map[string]any{"decision": "suggest", "reason": "建议列为无条件开放"})
	c.decide("reviewer-health", domain.TaskCatalogRevise, map[string]any{"decision": "disagree", "reason": "涉及企业经营信息"})
	c.decide("bureau_officer", domain.TaskCatalogConsult, map[string]any{"decision": "approve",
		"comment": "会同编办、司法局联合会商，同意按有条件开放列入目录"})
	if p := get(change.ID, "supervisor"); p.Outcome != domain.OutcomePublished || len(p.Tasks) != 3 {
		t.Fatalf("the change after the consultation: %+v", p)
	}
	var ds struct {
		Version int
		State   string
		Grounds string
	}
	c.expect("GET", "/api/v1/catalog/DS-0901", "", nil, http.StatusOK, &ds)
	if ds.Version != 1 || ds.State != domain.DatasetActive || ds.Grounds == "" {
		t.Errorf("the published dataset %+v", ds)
	}

	var request procedure
	c.expect("POST", "/api/v1/catalog/requests", "applicant", map[string]any{"department": "health",
		"title": "请求开放医疗机构床位数据", "description": "用于医疗资源布局分析"}, http.StatusCreated, &request)
	c.decide("reviewer-health", domain.TaskRequestAssess, map[string]any{"decision": "accept"})
	c.decide("reviewer-health", domain.TaskRequestProvide, map[string]any{"decision": "provide", "proposal": entry("DS-0902", "医疗机构床位数据")})
	c.decide("bureau_officer", domain.TaskCatalogReview, map[string]any{"decision": "approve"})
	if p := get(request.ID, "applicant"); p.Outcome != domain.OutcomeProvided {
		t.Errorf("the request: %+v", p)
	}

	var objection procedure
	c.expect("POST", "/api/v1/catalog/DS-0901/objections", "applicant", map[string]any{"ground": "personal",
		"description": "数据中含有医生个人手机号"}, http.StatusCreated, &objection)
	c.expect("GET", "/api/v1/catalog/DS-0901", "", nil, http.StatusOK, &ds)
	if ds.State != domain.DatasetSuspended {
		t.Errorf("after an objection about personal data the dataset is %s, want suspended", ds.State)
	}
	c.expect("POST", "/api/v1/applications", "applicant", map[string]any{"title": "用电分析", "purpose": "分析",
		"period_months": 12, "access_mode": "sandbox", "datasets": []string{"DS-0901"}}, http.StatusUnprocessableEntity, nil)
	c.expect("GET", fmt.Sprintf("/api/v1/procedures/%d", objection.ID), "reviewer-gsa", nil, http.StatusNotFound, nil)
	c.decide("reviewer-health", domain.TaskObjectionHandle, map[string]any{"decision": "keep_open", "reason": "已核实，手机号为单位公开电话"})
	c.expect("GET", "/api/v1/catalog/DS-0901", "", nil, http.StatusOK, &ds)
	if ds.State != domain.DatasetActive {
		t.Errorf("after the objection was handled the dataset is %s, want active", ds.State)
	}
	if p := get(objection.ID, "applicant"); p.Outcome != domain.OutcomeKeptOpen || len(p.Audit) == 0 {
		t.Errorf("the objection: %+v", p)
	}
	var rec struct {
		OK          bool
		Procedures  int
		Differences []struct {
			WorkflowID string `json:"workflow_id"`
			What       string `json:"what"`
			Workflow   string `json:"workflow"`
			ReadModel  string `json:"read_model"`
		}
	}
	c.expect("GET", "/api/v1/audit/reconcile", "supervisor", nil, http.StatusOK, &rec)
	if !rec.OK || rec.Procedures != 3 {
		t.Errorf("reconciliation: ok %v over %d procedures: %+v", rec.OK, rec.Procedures, rec.Differences)
	}
	// A row that says what the workflow did not commit is found.
	raw, err := sql.Open("sqlite", filepath.Join(cfg.Data, "datagate.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec("UPDATE procedures SET outcome = ? WHERE id = ?", domain.OutcomeDataWithdrawn, objection.ID); err != nil {
		t.Fatal(err)
	}
	c.expect("GET", "/api/v1/audit/reconcile", "supervisor", nil, http.StatusOK, &rec)
	if rec.OK || len(rec.Differences) != 1 || rec.Differences[0].What != "outcome" || rec.Differences[0].WorkflowID != workflows.ProcedureWorkflowID(objection.ID) ||
		rec.Differences[0].Workflow != domain.OutcomeKeptOpen || rec.Differences[0].ReadModel != domain.OutcomeDataWithdrawn {
		t.Errorf("a tampered outcome: %+v", rec)
	}
	replayAndRecord(t, s, map[string]string{
		workflows.ProcedureWorkflowID(change.ID):    workflows.ProcedureWorkflowID(change.ID),
		workflows.ProcedureWorkflowID(request.ID):   workflows.ProcedureWorkflowID(request.ID),
		workflows.ProcedureWorkflowID(objection.ID): workflows.ProcedureWorkflowID(objection.ID),
	})
}
