package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/embedded"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/workflows"
)

// TestSubmitWhileTemporalIsDown: an applicant creates and submits an
// application while the Temporal server is stopped. The draft is saved and
// the answer is 503 with its ID and Retry-After; once Temporal is back, the
// client's retry with the same Idempotency-Key submits that same draft
// (201) and nothing is created twice.
func TestSubmitWhileTemporalIsDown(t *testing.T) {
	s, cfg := startTestDev(t, env())
	ctx := context.Background()
	token := bearerToken(t, s, "applicant")
	body, _ := json.Marshal(map[string]any{
		"title": "信贷风控", "purpose": "授信", "period_months": 24, "access_mode": "sandbox",
		"datasets": []string{"DS-0100", "DS-0102"}, "submit": true})
	type answer struct {
		status  int
		retry   string
		replay  string
		id      uint64
		status2 string
		raw     string
	}
	create := func() answer {
		t.Helper()
		req, _ := http.NewRequest("POST", "http://"+s.addr+"/api/v1/applications", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "create-1")
		resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var out struct {
			ID          uint64 `json:"application_id"`
			Application struct {
				ID     uint64 `json:"id"`
				Status string `json:"status"`
			} `json:"application"`
		}
		_ = json.Unmarshal(raw, &out)
		a := answer{status: resp.StatusCode, retry: resp.Header.Get("Retry-After"), replay: resp.Header.Get("Idempotent-Replayed"),
			id: out.ID, status2: out.Application.Status, raw: string(raw)}
		if a.id == 0 {
			a.id = out.Application.ID
		}
		return a
	}

	s.temporal.Stop()
	down := create()
	if down.status != http.StatusServiceUnavailable || down.retry == "" || down.id == 0 {
		t.Fatalf("with Temporal down: %d (Retry-After %q) %s; want 503 with the draft's application_id", down.status, down.retry, down.raw)
	}
	if a, err := s.store.Application(ctx, down.id); err != nil || a.Status != domain.StatusDraft {
		t.Fatalf("application %d after the 503: %+v, %v; want a draft", down.id, a.Status, err)
	}

	srv, err := embedded.Start(embedded.Options{
		DatabaseFile: filepath.Join(cfg.Data, "temporal.db"), FrontendPort: cfg.TemporalPort, Namespace: cfg.Namespace,
		SearchAttributes: workflows.SearchAttributeTypes(),
	})
	if err != nil {
		t.Fatalf("restart Temporal: %v", err)
	}
	s.temporal = srv
	// The client's retry, as Retry-After asks.
	var up answer
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(time.Second) {
		if up = create(); up.status != http.StatusServiceUnavailable || time.Now().After(deadline) {
			break
		}
	}
	if up.status != http.StatusCreated || up.id != down.id || up.status2 == domain.StatusDraft || up.replay != "" {
		t.Fatalf("retry with Temporal up: %d, application %d (%s), replayed %q: %s; want 201 submitting draft %d",
			up.status, up.id, up.status2, up.replay, up.raw, down.id)
	}
	// From then on the answer is replayed.
	if again := create(); again.status != http.StatusCreated || again.id != down.id || again.replay != "true" {
		t.Errorf("third attempt: %d, application %d, replayed %q", again.status, again.id, again.replay)
	}
	apps, err := s.store.Applications(ctx, store.ApplicationFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(apps) != 1 {
		t.Errorf("%d applications, want 1", len(apps))
	}
	// The workflow runs: the initial review opens.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		a, err := s.store.Application(ctx, down.id)
		if err == nil && a.Status == domain.StatusInitialReview {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("application %d is %q, not in initial review: %v", down.id, a.Status, err)
		}
	}
}

// TestSubmitAfterALostStart: a submit whose workflow start timed out after
// the server had started it reverts the draft; the applicant submits again.
// The workflow that runs is the earlier attempt's (the SDK answers a start
// of a running workflow ID with that run, as WorkflowExecutionErrorWhen-
// AlreadyStarted is left false): the submit succeeds (202) and the
// application stays submitted, not 409 and a draft whose workflow runs.
func TestSubmitAfterALostStart(t *testing.T) {
	s, _ := startTestDev(t, env())
	ctx := context.Background()
	token := bearerToken(t, s, "applicant")
	post := func(path string, body any) (int, []byte) {
		t.Helper()
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", "http://"+s.addr+path, bytes.NewReader(b))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, raw
	}
	status, raw := post("/api/v1/applications", map[string]any{
		"title": "信贷风控", "purpose": "授信", "period_months": 24, "access_mode": "sandbox",
		"datasets": []string{"DS-0100", "DS-0102"}})
	var created struct{ Application struct{ ID uint64 } }
	if err := json.Unmarshal(raw, &created); status != http.StatusCreated || err != nil {
		t.Fatalf("create the draft: %d %s", status, raw)
	}
	id := created.Application.ID
	// The lost attempt's workflow: started, on a queue no worker polls so
	// that it stays as the server left it.
	wfID := workflows.ApplicationWorkflowID(id)
	if _, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: wfID, TaskQueue: "lost-start"},
		workflows.ApplicationWorkflowName, workflows.ApplicationInput{ApplicationID: id}); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s.client.TerminateWorkflow(ctx, wfID, "", "test over") }()
	if status, raw := post(fmt.Sprintf("/api/v1/applications/%d/submit", id), nil); status != http.StatusAccepted {
		t.Fatalf("submit again after a lost start: %d %s; want 202", status, raw)
	}
	a, err := s.store.Application(ctx, id)
	if err != nil || a.Status != domain.StatusSubmitted || a.WorkflowID != wfID {
		t.Fatalf("application %d after the submit: %q (workflow %q), %v; want submitted to %s", id, a.Status, a.WorkflowID, err, wfID)
	}
}
