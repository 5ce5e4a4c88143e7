package main

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/workflows"
)

// TestSupplementOverHTTP: after activation a supervisor flags two
// departments' rejections as groundless and both reviews reopen. The
// datasets they approve wait for a supplementary agreement (补充协议). The
// bureau signs its first text; the second department's approval then
// changes the text, so the bureau's signature is void and it signs again.
// Only then do the datasets count, and the bundle holds the three parties'
// SM2 signatures on the final text, each verified offline.
func TestSupplementOverHTTP(t *testing.T) {
	s, _ := startTestDev(t, func(string) string { return "" })
	c := &httpClient{t: t, base: "http://" + s.addr}
	c.waitHealthy()

	var created struct {
		Application struct{ ID uint64 } `json:"application"`
	}
	c.expect("POST", "/api/v1/applications", "applicant", map[string]any{
		"title": "医保理赔风控", "purpose": "商业保险理赔审核", "period_months": 24, "access_mode": "sandbox",
		"datasets": []string{"DS-0104", "DS-0105", "DS-0102"}, "submit": true}, http.StatusCreated, &created)
	appPath := fmt.Sprintf("/api/v1/applications/%d", created.Application.ID)
	c.decide("initial_reviewer", "initial_review", map[string]any{"decision": "pass"})
	c.decide("reviewer-health", "department_review", map[string]any{"decision": "decide", "items": []map[string]any{
		{"dataset": "DS-0104", "decision": "approve"},
		{"dataset": "DS-0105", "decision": "reject", "reason": "涉及个人隐私", "basis": "《办法》第九条"}}})
	c.decide("reviewer-commerce", "department_review", map[string]any{"decision": "reject", "reason": "数据未更新", "basis": "《办法》第十条"})
	c.signAgreements(appPath)

	// The supervisor finds both rejections groundless; both reviews reopen.
	var detail struct {
		Application struct {
			Datasets []struct{ Dataset, Decision string }
		} `json:"application"`
		Timeline []struct{ ID, Kind, Department string }
	}
	c.expect("GET", appPath, "supervisor", nil, http.StatusOK, &detail)
	for _, st := range detail.Timeline {
		if st.Kind == "department_review" {
			c.expect("POST", "/api/v1/supervision/flags", "supervisor", map[string]any{"task_id": st.ID, "reason": "驳回依据不充分"}, http.StatusCreated, nil)
		}
	}
	c.decide("reviewer-health", "flag_answer", map[string]any{"decision": "reopen", "reason": "重新审核"})
	c.decide("reviewer-commerce", "flag_answer", map[string]any{"decision": "reopen", "reason": "重新审核"})
	approved := func() (n int) {
		c.expect("GET", appPath, "supervisor", nil, http.StatusOK, &detail)
		for _, d := range detail.Application.Datasets {
			if d.Decision == domain.DecisionApprove {
				n++
			}
		}
		return n
	}
	// The bureau signs the supplement's first text (DS-0105); commerce's
	// approval then adds DS-0102 to it.
	c.decide("reviewer-health", "department_review", map[string]any{"decision": "approve"})
	c.decide("bureau_officer", "sign_supplement", map[string]any{"decision": "sign"})
	c.decide("reviewer-commerce", "department_review", map[string]any{"decision": "approve"})
	c.decide("operator", "sign_supplement", map[string]any{"decision": "sign"})
	c.decide("applicant", "sign_supplement", map[string]any{"decision": "sign"})
	if n := approved(); n != 1 {
		t.Errorf("with the bureau's signature on the earlier text only: %d datasets approved, want 1", n)
	}
	c.decide("bureau_officer", "sign_supplement", map[string]any{"decision": "sign"})
	if n := approved(); n != 3 {
		t.Errorf("after every party signed the final text: %d datasets approved, want 3", n)
	}
	verifyBundle(t, c, appPath+"/agreements/supplement/bundle", "市科技与大数据局", 3)
	replayAndRecord(t, s, map[string]string{"application": workflows.ApplicationWorkflowID(created.Application.ID)})
}

// signAgreements signs and files every agreement of the application at
// appPath, whose reviews approved it, and checks that it is active.
func (c *httpClient) signAgreements(appPath string) {
	c.t.Helper()
	for _, step := range [][3]string{
		{"bureau_officer", "sign_authorization", "sign"}, {"operator", "sign_authorization", "sign"},
		{"operator", "sign_service", "sign"}, {"applicant", "sign_service", "sign"},
		{"applicant", "sign_commitment", "sign"}, {"bureau_officer", "file_service", "file"}} {
		c.decide(step[0], step[1], map[string]any{"decision": step[2]})
	}
	if st := c.status(appPath); st != domain.StatusActive {
		c.t.Fatalf("status %s, want active", st)
	}
}
