package main

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/workflows"
)

// TestRestrictionOverHTTP: the bureau suspends an active authorization for
// a violation; the holder cannot submit a model, appeals, and the bureau
// lifts the measure on the appeal. The measure and its outcome are
// published, the record reconciles, and the history replays.
func TestRestrictionOverHTTP(t *testing.T) {
	s, _ := startTestDev(t, func(string) string { return "" })
	c := &httpClient{t: t, base: "http://" + s.addr}
	c.waitHealthy()

	var created struct {
		Application struct{ ID uint64 } `json:"application"`
	}
	c.expect("POST", "/api/v1/applications", "applicant", map[string]any{
		"title": "医保理赔风控", "purpose": "商业保险理赔审核", "period_months": 24, "access_mode": "sandbox",
		"datasets": []string{"DS-0104"}, "submit": true}, http.StatusCreated, &created)
	appPath := fmt.Sprintf("/api/v1/applications/%d", created.Application.ID)
	c.decide("initial_reviewer", "initial_review", map[string]any{"decision": "pass"})
	c.decide("reviewer-health", "department_review", map[string]any{"decision": "approve"})
	c.signAgreements(appPath)

	c.expect("POST", appPath+"/restrict", "bureau_officer", map[string]any{"measure": "suspend"}, http.StatusBadRequest, nil)
	c.expect("POST", appPath+"/restrict", "bureau_officer", map[string]any{"measure": "suspend",
		"reason": "超范围使用数据", "basis": "《公共数据开放管理办法》第三十条"}, http.StatusOK, nil)
	model := map[string]any{"name": "理赔风控模型", "description": "基于理赔数据的评分卡"}
	c.expect("POST", appPath+"/models", "applicant", model, http.StatusConflict, nil)
	c.decide("applicant", domain.TaskAppeal, map[string]any{"decision": "appeal", "reason": "使用范围已获书面同意"})
	c.decide("bureau_officer", domain.TaskAppealReview, map[string]any{"decision": "lift", "reason": "申诉成立"})
	c.expect("POST", appPath+"/models", "applicant", model, http.StatusOK, nil)

	var published struct {
		Restrictions []struct {
			Title, Measure, State, Appeal string
		} `json:"restrictions"`
	}
	c.expect("GET", "/api/v1/disclosure/restrictions", "", nil, http.StatusOK, &published)
	if len(published.Restrictions) != 1 || published.Restrictions[0].Title != "医保理赔风控" ||
		published.Restrictions[0].State != domain.RestrictionLifted || published.Restrictions[0].Appeal != domain.AppealGranted {
		t.Errorf("published measures %+v", published.Restrictions)
	}
	if rep := reconciled(t, s); rep.Workflows == 0 {
		t.Error("reconciled no workflow")
	}
	replayAndRecord(t, s, map[string]string{"application": workflows.ApplicationWorkflowID(created.Application.ID)})
}
