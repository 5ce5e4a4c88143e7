package main

import (
	"context"
	"net/http"
	"testing"

	"github.com/datagate/datagate/domain"
)

// batchResults is the answer of POST /api/v1/tasks/decisions.
type batchResults struct {
	Results []struct {
		TaskID string `json:"task_id"`
		Status int    `json:"status"`
		Error  *struct {
			Code, Message, Field string
		} `json:"error"`
		Result *struct{ Status string } `json:"result"`
	} `json:"results"`
}

// submitForReview has the applicant submit n applications and returns
// their numbers and their open initial reviews.
func submitForReview(t *testing.T, c *httpClient, n int) (ids []uint64, tasks []string) {
	t.Helper()
	for range n {
		var created struct {
			Application struct{ ID uint64 } `json:"application"`
			Timeline    []struct{ ID, Kind string }
		}
		c.expect("POST", "/api/v1/applications", "applicant", map[string]any{
			"title": "信贷风控", "purpose": "授信", "period_months": 12, "access_mode": "sandbox",
			"datasets": []string{"DS-0100"}, "submit": true}, http.StatusCreated, &created)
		if len(created.Timeline) != 1 || created.Timeline[0].Kind != domain.TaskInitialReview {
			t.Fatalf("application %d opened %+v", created.Application.ID, created.Timeline)
		}
		ids = append(ids, created.Application.ID)
		tasks = append(tasks, created.Timeline[0].ID)
	}
	return ids, tasks
}

// A batch of three initial reviews over the whole stack (the embedded
// Temporal, the worker, the API): a pass and a return take effect as the
// single decision would (the tasks decided by the reviewer, the next
// steps open, the audit rows written), a reject without a basis is
// refused in its row and changes nothing, and a row of a kind a batch
// does not decide is refused in its own row.
func TestBatchDecisionsOverHTTP(t *testing.T) {
	s, _ := startTestDev(t, env("DATAGATE_RATE_LIMIT", "off"))
	c := &httpClient{t: t, base: "http://" + s.addr}
	c.waitHealthy()
	ctx := context.Background()
	ids, tasks := submitForReview(t, c, 3)

	var out batchResults
	c.expect("POST", "/api/v1/tasks/decisions", "initial_reviewer", map[string]any{"decisions": []map[string]string{
		{"task_id": tasks[0], "decision": "pass"},
		{"task_id": tasks[1], "decision": "reject", "reason": "用途与所申请数据无关"},
		{"task_id": tasks[2], "decision": "return", "reason": "请补充数据安全措施"},
	}}, http.StatusOK, &out)
	if len(out.Results) != 3 {
		t.Fatalf("results %+v", out.Results)
	}
	for i, want := range []int{http.StatusOK, http.StatusBadRequest, http.StatusOK} {
		r := out.Results[i]
		if r.TaskID != tasks[i] || r.Status != want || (want == http.StatusOK) != (r.Result != nil && r.Error == nil) {
			t.Errorf("row %d: %+v (error %+v), want %d", i, r, r.Error, want)
		}
	}
	if e := out.Results[1].Error; e == nil || e.Field != "decisions[1].basis" || e.Code != "invalid" {
		t.Errorf("the reject without a basis: %+v", e)
	}
	if r := out.Results[0].Result; r == nil || r.Status != domain.StatusDepartmentReview {
		t.Errorf("the pass answers %+v", r)
	}
	if r := out.Results[2].Result; r == nil || r.Status != domain.StatusSupplement {
		t.Errorf("the return answers %+v", r)
	}

	// In the read model: the two decided by the reviewer, with an audit
	// row each; the refused one open, its application where it was, and
	// no decision in its audit.
	for i, want := range []struct{ status, decision, app string }{
		{domain.TaskDone, domain.DecisionPass, domain.StatusDepartmentReview},
		{domain.TaskOpen, "", domain.StatusInitialReview},
		{domain.TaskDone, domain.DecisionReturn, domain.StatusSupplement},
	} {
		task, err := s.store.Task(ctx, tasks[i])
		if err != nil {
			t.Fatal(err)
		}
		if task.Status != want.status || task.Decision != want.decision || (want.decision != "" && task.ActorUser != "initial_reviewer") {
			t.Errorf("task %d: %s %q by %q, want %s %q", i, task.Status, task.Decision, task.ActorUser, want.status, want.decision)
		}
		a, err := s.store.Application(ctx, ids[i])
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != want.app {
			t.Errorf("application %d: %s, want %s", ids[i], a.Status, want.app)
		}
		audit, err := s.store.Audit(ctx, ids[i])
		if err != nil {
			t.Fatal(err)
		}
		decided := 0
		for _, e := range audit {
			if e.Action == "task.decided" && e.Actor == "initial_reviewer" {
				decided++
			}
		}
		if (want.decision != "") != (decided == 1) {
			t.Errorf("application %d: %d audit rows of the reviewer's decision: %+v", ids[i], decided, audit)
		}
	}

	// The refused one decided alone, then a batch of the same task and a
	// task of a kind a batch does not decide (the department review the
	// pass opened): the first is no longer open (409, as alone), the
	// second refused in its row.
	c.decide("initial_reviewer", domain.TaskInitialReview, map[string]any{"decision": "reject", "reason": "用途不符", "basis": "第十六条"})
	review := c.openTask("reviewer-gsa", domain.TaskDepartmentReview)
	out = batchResults{}
	c.expect("POST", "/api/v1/tasks/decisions", "reviewer-gsa", map[string]any{"decisions": []map[string]string{
		{"task_id": review, "decision": "pass"},
	}}, http.StatusOK, &out)
	if len(out.Results) != 1 || out.Results[0].Status != http.StatusUnprocessableEntity || out.Results[0].Error.Field != "decisions[0].task_id" {
		t.Errorf("a department review in a batch: %+v", out.Results)
	}
	out = batchResults{}
	c.expect("POST", "/api/v1/tasks/decisions", "initial_reviewer", map[string]any{"decisions": []map[string]string{
		{"task_id": tasks[1], "decision": "pass"},
	}}, http.StatusOK, &out)
	if len(out.Results) != 1 || out.Results[0].Status != http.StatusConflict {
		t.Errorf("a decided task in a batch: %+v", out.Results)
	}
	if task, _ := s.store.Task(ctx, review); task.Status != domain.TaskOpen {
		t.Errorf("the department review refused in a batch is %s", task.Status)
	}
}
