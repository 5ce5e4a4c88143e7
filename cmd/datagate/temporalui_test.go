package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/workflows"
)

// `datagate dev` serves the Temporal Web UI on loopback, pointed at the
// embedded server: its page loads, its API lists an application's
// workflow under DataGate's search attributes and shows its history, and
// it refuses every write (terminating a workflow there would bypass the
// API, its permissions and its audit).
func TestTemporalWebUI(t *testing.T) {
	port := freePort(t)
	s, _ := startTestDev(t, env(), func(c *config) { c.TemporalUIPort = port })
	if want := fmt.Sprintf("http://127.0.0.1:%d", port); s.temporalUIURL != want {
		t.Fatalf("UI at %q, want %q", s.temporalUIURL, want)
	}
	c := &httpClient{t: t, base: "http://" + s.addr}
	id := c.submitApplication("applicant")
	wid := workflows.ApplicationWorkflowID(id)

	get := func(path string) (int, string) {
		t.Helper()
		resp, err := http.Get(s.temporalUIURL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/"); code != http.StatusOK || !strings.Contains(body, "<html") {
		t.Fatalf("UI page: %d %.200s", code, body)
	}

	// The list, filtered as the README says; visibility catches up within
	// a moment.
	query := url.QueryEscape(fmt.Sprintf(`DataGateStep = "initial_review" AND DataGateApplicationId = %d`, id))
	var list struct {
		Executions []struct {
			Execution struct{ WorkflowID string } `json:"execution"`
		} `json:"executions"`
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, body := get("/api/v1/namespaces/default/workflows?query=" + query)
		if code != http.StatusOK {
			t.Fatalf("workflow list: %d %.300s", code, body)
		}
		_ = json.Unmarshal([]byte(body), &list)
		if len(list.Executions) == 1 && list.Executions[0].Execution.WorkflowID == wid {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the UI's list does not show %s under its search attributes: %.500s", wid, body)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if code, body := get("/api/v1/namespaces/default/workflows/" + wid + "/history"); code != http.StatusOK ||
		!strings.Contains(body, "WORKFLOW_EXECUTION_STARTED") && !strings.Contains(body, "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED") {
		t.Errorf("history of %s: %d %.300s", wid, code, body)
	}

	resp, err := http.Post(s.temporalUIURL+"/api/v1/namespaces/default/workflows/"+wid+"/terminate", "application/json",
		strings.NewReader(`{"reason":"from the UI"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode < 400 {
		t.Errorf("terminate through the UI: %d, want a refusal", resp.StatusCode)
	}
	if st := c.status(fmt.Sprintf("/api/v1/applications/%d", id)); st != "initial_review" {
		t.Errorf("application %d is %s after the UI's refused terminate", id, st)
	}
}
