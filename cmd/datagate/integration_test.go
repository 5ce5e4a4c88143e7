package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/temporalproto"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/embedded"
	"github.com/datagate/datagate/identity"
	"github.com/datagate/datagate/worker"
	"github.com/datagate/datagate/workflows"
)

// TestLifecycleOverHTTPWithRestart starts the embedded Temporal server, the
// real worker and the HTTP API in-process, drives one application through
// its whole lifecycle with HTTP calls, stops everything midway, starts it
// again on the same data directory, and finishes.
func TestLifecycleOverHTTPWithRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx := context.Background()
	cfg, err := parseConfig("dev", []string{"--demo-applications=false", "--data", t.TempDir(), "--http", "127.0.0.1:0",
		"--temporal-port", fmt.Sprint(freePort(t))}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := startDev(ctx, cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { s.Stop() }()
	c := &httpClient{t: t, base: "http://" + s.addr}
	c.waitHealthy()

	var created struct {
		Application struct {
			ID     uint64 `json:"id"`
			Status string `json:"status"`
		} `json:"application"`
	}
	// Closed data (DS-0103, eligible for authorized operation) by download
	// is refused, and the refusal creates nothing.
	c.expect("POST", "/api/v1/applications", "applicant", map[string]any{
		"title": "信贷风控", "purpose": "授信", "period_months": 24, "access_mode": "download",
		"datasets": []string{"DS-0102", "DS-0103"}, "submit": true}, http.StatusUnprocessableEntity, nil)
	c.expect("POST", "/api/v1/applications", "applicant", map[string]any{
		"title": "信贷风控", "purpose": "授信", "period_months": 24, "access_mode": "sandbox",
		"datasets": []string{"DS-0100", "DS-0102"}, "submit": true}, http.StatusCreated, &created)
	id := created.Application.ID
	if id != 1 {
		t.Fatalf("application id %d, want 1 (the refused one must not have been created)", id)
	}
	appPath := fmt.Sprintf("/api/v1/applications/%d", id)

	c.decide("initial_reviewer", "initial_review", map[string]any{"decision": "pass"})
	c.decide("reviewer-gsa", "department_review", map[string]any{"decision": "approve"})
	// Rejecting without a basis is refused with the field named.
	var refusal struct {
		Error struct{ Code, Field string } `json:"error"`
	}
	task := c.openTask("reviewer-commerce", "department_review")
	c.expect("POST", "/api/v1/tasks/"+task+"/decision", "reviewer-commerce",
		map[string]any{"decision": "reject", "reason": "不完整"}, http.StatusBadRequest, &refusal)
	if refusal.Error.Field != "basis" {
		t.Errorf("refusal names field %q, want basis", refusal.Error.Field)
	}
	// Another department cannot decide it.
	c.expect("POST", "/api/v1/tasks/"+task+"/decision", "reviewer-gsa",
		map[string]any{"decision": "approve"}, http.StatusForbidden, nil)
	c.decide("reviewer-commerce", "department_review", map[string]any{"decision": "approve"})
	c.decide("bureau_officer", "sign_authorization", map[string]any{"decision": "sign"})
	c.decide("operator", "sign_authorization", map[string]any{"decision": "sign"})
	if st := c.status(appPath); st != domain.StatusAgreements {
		t.Fatalf("status %s before restart, want agreements", st)
	}

	// Restart everything on the same data directory, with a holidays file
	// that makes an open task's due day a day off: at start-up the
	// changed table reaches that task's deadline.
	signTask := c.openTask("operator", "sign_service")
	wasDue, dueDay := lateTableFor(t, s, id, signTask)
	defaults, err := calendar.Default()
	if err != nil {
		t.Fatal(err)
	}
	yt, _ := defaults.Year(dueDay.Year())
	yt.Work = slices.DeleteFunc(yt.Work, func(d string) bool { return d == dueDay.Format(time.DateOnly) })
	yt.Off = append(yt.Off, dueDay.Format(time.DateOnly))
	raw, _ := json.Marshal(yt)
	if err := os.MkdirAll(cfg.Holidays, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(cfg.Holidays, fmt.Sprintf("%d.json", yt.Year)), raw, 0o644); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	cfg.HTTP = "127.0.0.1:0"
	if s, err = startDev(ctx, cfg, log); err != nil {
		t.Fatalf("restart: %v", err)
	}
	c.base = "http://" + s.addr
	c.waitHealthy()
	if st := c.status(appPath); st != domain.StatusAgreements {
		t.Fatalf("status %s after restart, want agreements", st)
	}
	waitDueMoved(t, s, id, signTask, wasDue, "found at start-up")

	c.decide("operator", "sign_service", map[string]any{"decision": "sign"})
	c.decide("applicant", "sign_service", map[string]any{"decision": "sign"})
	c.decide("applicant", "sign_commitment", map[string]any{"decision": "sign"})
	c.decide("bureau_officer", "file_service", map[string]any{"decision": "file"})
	if st := c.status(appPath); st != domain.StatusActive {
		t.Fatalf("status %s, want active", st)
	}
	// Each agreement was signed with SM2 by its parties, across the
	// restart; anyone verifies the bundle offline with the CLI.
	ca := verifyBundle(t, c, appPath+"/agreements/authorization/bundle", "市科技与大数据局", 2)
	verifyBundle(t, c, appPath+"/agreements/service/bundle", "", 2)
	var caOut bytes.Buffer
	if err := run(ctx, []string{"agreement", "ca", "--data", cfg.Data}, func(string) string { return "" }, &caOut, io.Discard); err != nil || caOut.String() != string(ca) {
		t.Errorf("agreement ca --data: %v; it prints the bundle's CA: %v", err, caOut.String() == string(ca))
	}
	// The answer comes once the model's reviews are open: it lists them,
	// and the reviewers' inboxes, read at once, have them.
	var submitted struct {
		Opened []struct{ ID, Kind, Department string }
	}
	c.expect("POST", appPath+"/models", "applicant", map[string]any{"name": "风控模型", "description": "评分卡"}, http.StatusOK, &submitted)
	if len(submitted.Opened) != 3 {
		t.Errorf("the model's submission lists %+v, want the three reviews it opened", submitted.Opened)
	}
	for _, o := range submitted.Opened {
		var inbox struct{ Tasks []struct{ ID string } }
		user := map[string]string{"stbd": "bureau_officer", "gsa": "reviewer-gsa", "commerce": "reviewer-commerce"}[o.Department]
		c.expect("GET", "/api/v1/tasks", user, nil, http.StatusOK, &inbox)
		if !slices.ContainsFunc(inbox.Tasks, func(t struct{ ID string }) bool { return t.ID == o.ID }) || o.Kind != "model_review" {
			t.Errorf("%s's inbox, read after the answer, lacks %+v", o.Department, o)
		}
	}
	moveDeadlineByLateTable(t, c, s, id, c.openTask("bureau_officer", "model_review"))
	c.decide("bureau_officer", "model_review", map[string]any{"decision": "approve"})
	c.decide("reviewer-gsa", "model_review", map[string]any{"decision": "approve"})
	c.decide("reviewer-commerce", "model_review", map[string]any{"decision": "approve"})
	c.expect("POST", appPath+"/evaluations", "bureau_officer", map[string]any{"reason": "抽查"}, http.StatusOK, nil)
	c.decide("applicant", "self_evaluation", map[string]any{"decision": "submit", "comment": "合规"})
	c.decide("bureau_officer", "rate_evaluation", map[string]any{"decision": "qualified"})
	c.expect("POST", appPath+"/terminate", "bureau_officer", map[string]any{"reason": "违规", "basis": "第六条"}, http.StatusOK, nil)
	c.decide("applicant", "exit_confirmation", map[string]any{"decision": "confirm", "comment": "已销毁"})
	c.decide("bureau_officer", "exit_verification", map[string]any{"decision": "verify"})

	var detail struct {
		Application struct{ Status, EndReason string } `json:"application"`
		Timeline    []struct{ Kind, Status, Decision string }
		Models      []struct{ Status string }
		Audit       []struct{ Seq int64 }
	}
	c.expect("GET", appPath, "applicant", nil, http.StatusOK, &detail)
	if detail.Application.Status != domain.StatusClosed {
		t.Fatalf("final status %s, want closed", detail.Application.Status)
	}
	if len(detail.Timeline) < 15 || len(detail.Models) != 1 || detail.Models[0].Status != "approved" {
		t.Errorf("timeline %d steps, models %+v", len(detail.Timeline), detail.Models)
	}
	for _, st := range detail.Timeline {
		if st.Status == "open" {
			t.Errorf("step %s still open after closing", st.Kind)
		}
	}
	appWF := workflows.ApplicationWorkflowID(id)
	replayAndRecord(t, s, map[string]string{"application": appWF, "model": workflows.ModelWorkflowID(appWF, 1)})
}

// replayAndRecord replays the histories of the named workflows on the
// current code. With DATAGATE_RECORD_HISTORY=$PWD/workflows/testdata and
// DATAGATE_RECORD_LABEL=<label> they become the replay test's fixtures,
// beside the older ones, as <name>_<label>_history.json.
func replayAndRecord(t *testing.T, s *stack, workflowIDs map[string]string) {
	t.Helper()
	for name, wfID := range workflowIDs {
		hist := history(t, s, wfID)
		t.Logf("%s workflow history: %d events", name, len(hist.Events))
		oneTimerAtATime(t, wfID, hist)
		replayer := sdkworker.NewWorkflowReplayer()
		worker.RegisterWorkflows(replayer)
		if err := replayer.ReplayWorkflowHistoryWithOptions(nil, hist, sdkworker.ReplayWorkflowHistoryOptions{
			OriginalExecution: workflow.Execution{ID: wfID},
		}); err != nil {
			t.Errorf("replay %s: %v", wfID, err)
		}
		if dir := os.Getenv("DATAGATE_RECORD_HISTORY"); dir != "" {
			b, err := temporalproto.CustomJSONMarshalOptions{Indent: "  "}.Marshal(hist)
			if err != nil {
				t.Fatal(err)
			}
			label := os.Getenv("DATAGATE_RECORD_LABEL")
			if label == "" {
				t.Fatal("set DATAGATE_RECORD_LABEL too: histories are added under a new name, never over the old ones")
			}
			if err := os.WriteFile(filepath.Join(dir, name+"_"+label+"_history.json"), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// oneTimerAtATime fails when a workflow ever had two timers pending: a run
// keeps one timer, set to its earliest clock-driven step
// (workflows.oneTimerChange), where it once had one per open task and one
// more for its own time events.
func oneTimerAtATime(t *testing.T, wfID string, hist *historypb.History) {
	t.Helper()
	pending := map[string]bool{}
	started := 0
	for _, e := range hist.Events {
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_TIMER_STARTED:
			pending[e.GetTimerStartedEventAttributes().GetTimerId()] = true
			started++
			if len(pending) > 1 {
				t.Errorf("%s: event %d starts a timer while %d others are pending", wfID, e.GetEventId(), len(pending)-1)
			}
		case enumspb.EVENT_TYPE_TIMER_FIRED:
			delete(pending, e.GetTimerFiredEventAttributes().GetTimerId())
		case enumspb.EVENT_TYPE_TIMER_CANCELED:
			delete(pending, e.GetTimerCanceledEventAttributes().GetTimerId())
		}
	}
	t.Logf("%s: %d timers started", wfID, started)
}

// moveDeadlineByLateTable uploads, as an admin, a holiday table in which
// the due day of an open task is a day off (a table that arrives late),
// and checks that the task's workflow counts its deadline again.
func moveDeadlineByLateTable(t *testing.T, c *httpClient, s *stack, appID uint64, taskID string) {
	t.Helper()
	was, day := lateTableFor(t, s, appID, taskID)
	var tables struct {
		Years []calendar.YearTable `json:"years"`
	}
	c.expect("GET", "/api/v1/calendar/holidays", "admin", nil, http.StatusOK, &tables)
	yt := calendar.YearTable{Year: day.Year()}
	for _, y := range tables.Years {
		if y.Year == day.Year() {
			yt = y
		}
	}
	yt.Work = slices.DeleteFunc(yt.Work, func(d string) bool { return d == day.Format(time.DateOnly) })
	yt.Off = append(yt.Off, day.Format(time.DateOnly))
	c.expect("PUT", fmt.Sprintf("/api/v1/calendar/holidays/%d", yt.Year), "admin", yt, http.StatusOK, nil)
	waitDueMoved(t, s, appID, taskID, was, "replaced by")
}

// lateTableFor is an open task's due time and due day (in China's zone).
func lateTableFor(t *testing.T, s *stack, appID uint64, taskID string) (due, day time.Time) {
	t.Helper()
	due = taskDue(t, s, appID, taskID)
	return due, due.In(calendar.Zone)
}

func taskDue(t *testing.T, s *stack, appID uint64, taskID string) time.Time {
	t.Helper()
	rows, err := s.store.TasksOf(context.Background(), appID)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r.ID == taskID {
			return r.DueAt
		}
	}
	t.Fatalf("no task %s", taskID)
	return time.Time{}
}

// waitDueMoved waits until the task's workflow has moved its due time
// later than was, and checks the audit's task.due_moved entry: from the
// old due day, for the given reason.
func waitDueMoved(t *testing.T, s *stack, appID uint64, taskID string, was time.Time, why string) {
	t.Helper()
	for deadline := time.Now().Add(15 * time.Second); !taskDue(t, s, appID, taskID).After(was); time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("task %s still due %s after its due day became a day off", taskID, was.In(calendar.Zone))
		}
	}
	audit, err := s.store.Audit(context.Background(), appID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range audit {
		if a.Action == "task.due_moved" && strings.HasPrefix(a.Target, taskID+" ") &&
			strings.HasPrefix(a.Reason, was.In(calendar.Zone).Format(time.DateOnly)+" -> ") && strings.Contains(a.Reason, why) {
			return
		}
	}
	t.Errorf("no task.due_moved audit entry for %s (%s)", taskID, why)
}

func history(t *testing.T, s *stack, wfID string) *historypb.History {
	t.Helper()
	var h historypb.History
	iter := s.client.GetWorkflowHistory(context.Background(), wfID, "", false, 0)
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		h.Events = append(h.Events, e)
	}
	return &h
}

type httpClient struct {
	t        *testing.T
	base     string
	sessions map[string]session
}

type session struct {
	cookie *http.Cookie
	csrf   string
}

// session signs a demo user in once; the session outlives a restart.
func (c *httpClient) session(user string) session {
	c.t.Helper()
	if s, ok := c.sessions[user]; ok {
		return s
	}
	b, _ := json.Marshal(map[string]string{"username": user, "password": identity.DemoPassword})
	resp, err := http.Post(c.base+"/api/v1/session", "application/json", bytes.NewReader(b))
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		CSRF string `json:"csrf_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		c.t.Fatalf("sign in %s: %d %v", user, resp.StatusCode, err)
	}
	s := session{csrf: body.CSRF}
	for _, ck := range resp.Cookies() {
		if ck.Name == "dg_session" {
			s.cookie = ck
		}
	}
	if c.sessions == nil {
		c.sessions = map[string]session{}
	}
	c.sessions[user] = s
	return s
}

func (c *httpClient) waitHealthy() {
	c.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(c.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	c.t.Fatal("not healthy within 30s")
}

func (c *httpClient) expect(method, path, user string, body any, want int, out any) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if user != "" {
		s := c.session(user)
		req.AddCookie(s.cookie)
		req.Header.Set("X-CSRF-Token", s.csrf)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		c.t.Fatalf("%s %s as %s: status %d, want %d: %s", method, path, user, resp.StatusCode, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			c.t.Fatalf("%s %s: %v: %s", method, path, err, data)
		}
	}
}

// openTask finds the user's department's open task of a kind.
func (c *httpClient) openTask(user, kind string) string {
	c.t.Helper()
	var inbox struct {
		Tasks []struct{ ID, Kind string } `json:"tasks"`
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c.expect("GET", "/api/v1/tasks", user, nil, http.StatusOK, &inbox)
		for _, t := range inbox.Tasks {
			if t.Kind == kind {
				return t.ID
			}
		}
		time.Sleep(50 * time.Millisecond) // a child workflow opens its tasks on its own
	}
	c.t.Fatalf("%s has no open %s task", user, kind)
	return ""
}

func (c *httpClient) decide(user, kind string, body map[string]any) {
	c.t.Helper()
	c.expect("POST", "/api/v1/tasks/"+c.openTask(user, kind)+"/decision", user, body, http.StatusOK, nil)
}

func (c *httpClient) status(path string) string {
	c.t.Helper()
	var d struct {
		Application struct{ Status string } `json:"application"`
	}
	c.expect("GET", path, "supervisor", nil, http.StatusOK, &d)
	return d.Application.Status
}

func freePort(t *testing.T) int {
	port, err := embedded.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// verifyBundle downloads an agreement's bundle as a supervisor, checks
// every signature in it with `datagate agreement verify` (naming signer,
// when given), and checks that the command refuses each once one byte of
// the document changes. It returns the bundle's CA certificate.
func verifyBundle(t *testing.T, c *httpClient, path, signer string, parties int) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", c.base+path, nil)
	req.AddCookie(c.session("supervisor").cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, data)
	}
	z, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var pdf string
	var sigs []string
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		name := filepath.Join(dir, filepath.Base(f.Name))
		if err := os.WriteFile(name, b, 0o600); err != nil {
			t.Fatal(err)
		}
		switch filepath.Ext(f.Name) {
		case ".pdf":
			pdf = name
		case ".p7s":
			sigs = append(sigs, name)
		}
	}
	if pdf == "" || len(sigs) != parties {
		t.Fatalf("%s holds %v", path, z.File)
	}
	ca := filepath.Join(dir, "ca.crt")
	names := ""
	for _, sig := range sigs {
		var out, errb bytes.Buffer
		if err := run(context.Background(), []string{"agreement", "verify", pdf, sig, "--ca", ca}, func(string) string { return "" }, &out, &errb); err != nil {
			t.Fatalf("verify %s: %v\n%s%s", filepath.Base(sig), err, out.String(), errb.String())
		}
		names += out.String()
	}
	if !strings.Contains(names, signer) {
		t.Errorf("the signatures do not name %s:\n%s", signer, names)
	}
	b, _ := os.ReadFile(pdf)
	b[len(b)/3] ^= 0x20
	if err := os.WriteFile(pdf, b, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, sig := range sigs {
		var out, errb bytes.Buffer
		if err := run(context.Background(), []string{"agreement", "verify", pdf, sig, "--ca", ca}, func(string) string { return "" }, &out, &errb); err == nil {
			t.Errorf("verify %s accepted a changed document:\n%s", filepath.Base(sig), out.String())
		}
	}
	caPEM, _ := os.ReadFile(ca)
	return caPEM
}
