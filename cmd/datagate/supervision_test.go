package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"
)

// TestUrgeAndGroundlessFlagOverHTTP: on the real engine, a supervisor's
// urge gives the department a reply task, and a flag on a rejection lets
// the department reopen its review, after which the application goes on.
func TestUrgeAndGroundlessFlagOverHTTP(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	cfg, err := parseConfig("dev", []string{"--demo-applications=false", "--data", t.TempDir(), "--http", "127.0.0.1:0",
		"--temporal-port", fmt.Sprint(freePort(t))}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	s, err := startDev(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	c := &httpClient{t: t, base: "http://" + s.addr}
	c.waitHealthy()
	c.expect("POST", "/api/v1/applications", "applicant", map[string]any{
		"title": "信贷风控", "purpose": "授信", "period_months": 12, "access_mode": "sandbox",
		"datasets": []string{"DS-0100", "DS-0102"}, "submit": true}, http.StatusCreated, nil)
	c.decide("initial_reviewer", "initial_review", map[string]any{"decision": "pass"})

	gsaTask := c.openTask("reviewer-gsa", "department_review")
	c.expect("POST", "/api/v1/supervision/urges", "supervisor", map[string]any{"task_id": gsaTask, "message": "请本周办结"}, http.StatusCreated, nil)
	c.decide("reviewer-gsa", "urge_reply", map[string]any{"decision": "reply", "comment": "周五前办结"})
	c.decide("reviewer-gsa", "department_review", map[string]any{"decision": "reject", "reason": "数据敏感", "basis": "第九条"})
	commerceTask := c.openTask("reviewer-commerce", "department_review")
	c.decide("reviewer-commerce", "department_review", map[string]any{"decision": "reject", "reason": "不宜开放", "basis": "无"})
	if st := c.status("/api/v1/applications/1"); st != "rejected" {
		t.Fatalf("status %s, want rejected", st)
	}

	c.expect("POST", "/api/v1/supervision/flags", "supervisor", map[string]any{"task_id": commerceTask, "reason": "所引依据不适用"}, http.StatusCreated, nil)
	c.expect("POST", "/api/v1/supervision/flags", "supervisor", map[string]any{"task_id": commerceTask, "reason": "再次"}, http.StatusConflict, nil)
	c.decide("reviewer-commerce", "flag_answer", map[string]any{"decision": "reopen", "reason": "重新审核"})
	reopened := c.openTask("reviewer-commerce", "department_review")
	if reopened == commerceTask {
		t.Fatal("the reopened review is the old task")
	}
	c.decide("reviewer-commerce", "department_review", map[string]any{"decision": "approve"})
	deadline := time.Now().Add(10 * time.Second)
	for c.status("/api/v1/applications/1") != "agreements" {
		if time.Now().After(deadline) {
			t.Fatalf("status %s after the reopened review approved, want agreements", c.status("/api/v1/applications/1"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}
