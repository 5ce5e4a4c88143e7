package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/embedded"
	"github.com/datagate/datagate/identity"
	"github.com/datagate/datagate/workflows"
)

// The fault tests (issue 8). Each starts the real stack on a fresh data
// directory (the embedded Temporal server, the HTTP API, SQLite), with the
// worker in a separate process as in production, and drives faultApps
// applications over HTTP through their whole lifecycle, from submission to
// closed (10 tasks each). A client retries what fails the way a careful
// client does: the same request with the same Idempotency-Key (the task's
// ID), after reading where the application stands. Midway, a fault is
// injected. At the end every application must be closed, and its tasks,
// agreements and audit rows must be exactly those of an application that
// ran without a fault: none missing, none twice; the audit chain holds.
//
// They take minutes, so `make test` skips them and `make test-faults` (and
// CI) runs them: DATAGATE_FAULTS=1 go test -run Fault ./cmd/datagate/
// DATAGATE_FAULT_APPS changes the number of applications (default 200).

const faultEnv = "DATAGATE_FAULTS"

func faultApps() int {
	if n, err := strconv.Atoi(os.Getenv("DATAGATE_FAULT_APPS")); err == nil && n > 0 {
		return n
	}
	return 200
}

// faultStack is a dev stack whose worker runs in its own process.
type faultStack struct {
	t        *testing.T
	dir, dsn string
	cfg      config
	s        *stack
	base     string
	tokens   map[string]string
	client   *http.Client
	// inflight bounds the requests sent at once.
	inflight chan struct{}

	mu      sync.Mutex
	worker  *exec.Cmd
	workers int
	// decided counts decisions applied, to time the fault.
	decided atomic.Int64
	// retries counts requests sent again after a failure, by cause.
	retries sync.Map
	// twice sends every decision twice (TestFaultDuplicateDecisions).
	twice bool
	sent  atomic.Int64
}

// faultUsers are the demo users the lifecycle needs, by department.
var faultUsers = map[string]string{
	"bdc": "initial_reviewer", "gsa": "reviewer-gsa", "stbd": "bureau_officer", "gdo": "operator", "acme-fintech": "applicant",
}

func newFaultStack(t *testing.T) *faultStack {
	if os.Getenv(faultEnv) == "" || testing.Short() {
		t.Skip("a fault test: run with make test-faults (" + faultEnv + "=1)")
	}
	dir := t.TempDir()
	// One client address sends every request: the API's rate limits
	// (DATAGATE_RATE_LIMIT, on by default) are off here.
	getenv := func(k string) string {
		if k == "DATAGATE_RATE_LIMIT" {
			return "off"
		}
		return ""
	}
	cfg, err := parseConfig("dev", []string{"--demo-applications=false", "--data", dir, "--http", "127.0.0.1:0",
		"--temporal-port", strconv.Itoa(freePort(t))}, getenv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	s, err := startDev(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	fs := &faultStack{t: t, dir: dir, dsn: "sqlite://" + filepath.Join(dir, "datagate.db"), cfg: cfg, s: s,
		base: "http://" + s.addr, tokens: map[string]string{}, inflight: make(chan struct{}, 32),
		client: &http.Client{Timeout: 45 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}}
	t.Cleanup(func() {
		fs.stopWorker(syscall.SIGKILL)
		fs.s.Stop()
		fs.workerLogs()
	})
	// The in-process worker makes way for a worker process.
	s.worker.Stop()
	s.worker = nil
	ctx := context.Background()
	auth := &identity.Service{Store: s.store}
	for _, name := range faultUsers {
		u, err := s.store.UserByName(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		if fs.tokens[name], _, err = auth.CreateToken(ctx, u.ID, "fault test", 24*time.Hour); err != nil {
			t.Fatal(err)
		}
	}
	fs.startWorker()
	return fs
}

// startWorker starts `datagate worker` in a process of its own (this test
// binary, running TestFaultHelperProcess) and waits until it serves.
func (fs *faultStack) startWorker() {
	t := fs.t
	port := freePort(t)
	args := []string{"worker", "--temporal-address", fs.s.temporalAddr, "--namespace", fs.cfg.Namespace,
		"--db", fs.dsn, "--holidays", filepath.Join(fs.dir, "holidays"),
		"--http", "127.0.0.1:" + strconv.Itoa(port), "--log-level", "warn", "--shutdown-timeout", "5s"}
	raw, _ := json.Marshal(args)
	fs.mu.Lock()
	fs.workers++
	n := fs.workers
	fs.mu.Unlock()
	logf, err := os.Create(filepath.Join(fs.dir, fmt.Sprintf("worker-%d.log", n)))
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestFaultHelperProcess$", "-test.timeout=0")
	cmd.Env = append(os.Environ(), "DATAGATE_FAULT_HELPER="+string(raw))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); logf.Close() }()
	fs.mu.Lock()
	fs.worker = cmd
	fs.mu.Unlock()
	deadline := time.Now().Add(90 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/healthz", port)); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	log, _ := os.ReadFile(logf.Name())
	t.Fatalf("worker process %d not serving within 90s:\n%s", n, log)
}

// workerLogs reports what the worker processes logged about failures.
func (fs *faultStack) workerLogs() {
	logs, _ := filepath.Glob(filepath.Join(fs.dir, "worker-*.log"))
	for _, name := range logs {
		b, err := os.ReadFile(name)
		if err != nil {
			continue
		}
		counts := map[string]int{}
		for _, line := range strings.Split(string(b), "\n") {
			for _, k := range []string{"database is locked", "SQLITE_BUSY", "retry", "Unavailable", "connection refused", "error", "Failed"} {
				if strings.Contains(line, k) {
					counts[k]++
				}
			}
		}
		fs.t.Logf("%s: %d bytes; lines with %v", filepath.Base(name), len(b), counts)
		if os.Getenv("DATAGATE_FAULT_LOGS") != "" {
			fs.t.Logf("%s", b)
		}
	}
}

// stopWorker ends the worker process: SIGKILL is a crash, SIGTERM a
// graceful stop.
func (fs *faultStack) stopWorker(sig syscall.Signal) {
	fs.mu.Lock()
	cmd := fs.worker
	fs.worker = nil
	fs.mu.Unlock()
	if cmd == nil || cmd.Process == nil {
		return
	}
	_ = cmd.Process.Signal(sig)
	for range 200 {
		if cmd.ProcessState != nil || cmd.Process.Signal(syscall.Signal(0)) != nil {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestFaultHelperProcess is the worker process of the fault tests; it does
// nothing in a normal test run.
func TestFaultHelperProcess(t *testing.T) {
	raw := os.Getenv("DATAGATE_FAULT_HELPER")
	if raw == "" {
		t.Skip("the worker process of the fault tests")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, args, func(string) string { return "" }, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// restartTemporal stops the embedded Temporal server and starts it again
// on the same file and port, after down.
func (fs *faultStack) restartTemporal(down time.Duration) {
	began := time.Now()
	fs.s.temporal.Stop()
	time.Sleep(down)
	defer func() { fs.t.Logf("Temporal was down for %v", time.Since(began).Round(time.Millisecond)) }()
	srv, err := embedded.Start(embedded.Options{
		DatabaseFile: filepath.Join(fs.dir, "temporal.db"), FrontendPort: fs.cfg.TemporalPort, Namespace: fs.cfg.Namespace,
		SearchAttributes: workflows.SearchAttributeTypes(),
	})
	if err != nil {
		fs.t.Fatalf("restart Temporal: %v", err)
	}
	fs.s.temporal = srv
}

// lockDatabase holds the application database's write lock from a second
// connection for d: every writer waits, and gives up after its busy
// timeout (10 s).
func (fs *faultStack) lockDatabase(d time.Duration) {
	db, err := sql.Open("sqlite", "file:"+filepath.Join(fs.dir, "datagate.db")+"?_pragma=busy_timeout(30000)")
	if err != nil {
		fs.t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		fs.t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN EXCLUSIVE"); err != nil {
		fs.t.Fatalf("lock the database: %v", err)
	}
	fs.t.Logf("database write-locked for %v", d)
	time.Sleep(d)
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		fs.t.Fatalf("unlock the database: %v", err)
	}
}

// --- the client -----------------------------------------------------------

var errGiveUp = errors.New("gave up")

// call sends a request until the system answers it: a transport error, a
// timeout, a 5xx, a 429 or a 409 "still in progress" is retried, the same
// request with the same Idempotency-Key, after a pause. It returns the
// first other answer.
func (fs *faultStack) call(ctx context.Context, method, path, who, key string, body any) (int, []byte, error) {
	code, out, _, err := fs.callH(ctx, method, path, who, key, body)
	return code, out, err
}

// callH is call, with the answer's headers.
func (fs *faultStack) callH(ctx context.Context, method, path, who, key string, body any) (int, []byte, http.Header, error) {
	var raw []byte
	if body != nil {
		raw, _ = json.Marshal(body)
	}
	for attempt := 0; ; attempt++ {
		if ctx.Err() != nil {
			return 0, nil, nil, fmt.Errorf("%s %s: %w", method, path, errGiveUp)
		}
		if attempt > 0 {
			time.Sleep(min(time.Duration(attempt)*200*time.Millisecond, 2*time.Second))
		}
		req, _ := http.NewRequestWithContext(ctx, method, fs.base+path, bytes.NewReader(raw))
		req.Header.Set("Authorization", "Bearer "+fs.tokens[who])
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept-Language", "en")
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		fs.inflight <- struct{}{}
		resp, err := fs.client.Do(req)
		<-fs.inflight
		if err != nil {
			fs.retried("transport: " + shortErr(err))
			continue
		}
		out, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode >= 500:
			fs.retried(strconv.Itoa(resp.StatusCode))
			continue
		case resp.StatusCode == http.StatusTooManyRequests:
			fs.retried("429")
			if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil {
				time.Sleep(time.Duration(s) * time.Second)
			}
			continue
		case resp.StatusCode == http.StatusConflict && bytes.Contains(out, []byte("still in progress")):
			fs.retried("409 in progress")
			continue
		}
		return resp.StatusCode, out, resp.Header, nil
	}
}

func (fs *faultStack) retried(cause string) {
	n, _ := fs.retries.LoadOrStore(cause, new(atomic.Int64))
	n.(*atomic.Int64).Add(1)
}

func shortErr(err error) string {
	s := err.Error()
	switch {
	case strings.Contains(s, "Client.Timeout"), strings.Contains(s, "deadline exceeded"):
		return "timeout"
	case strings.Contains(s, "connection refused"):
		return "connection refused"
	case strings.Contains(s, "EOF"), strings.Contains(s, "reset"):
		return "connection lost"
	}
	return "other"
}

type faultStep struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"`
	Department string `json:"department"`
	Status     string `json:"status"`
	Decision   string `json:"decision"`
}

type faultDetail struct {
	Application struct {
		ID     uint64 `json:"id"`
		Status string `json:"status"`
	} `json:"application"`
	Timeline []faultStep `json:"timeline"`
}

func (fs *faultStack) detail(ctx context.Context, id uint64) (faultDetail, error) {
	var d faultDetail
	code, body, err := fs.call(ctx, "GET", "/api/v1/applications/"+strconv.FormatUint(id, 10), "applicant", "", nil)
	if err != nil {
		return d, err
	}
	if code != http.StatusOK {
		return d, fmt.Errorf("read application %d: %d %s", id, code, body)
	}
	return d, json.Unmarshal(body, &d)
}

// create makes a draft and submits it: two requests, each safe to retry
// (a draft is created under its Idempotency-Key once; a submitted draft
// is no longer one).
func (fs *faultStack) create(ctx context.Context, n int) (uint64, error) {
	code, body, err := fs.call(ctx, "POST", "/api/v1/applications", "applicant", fmt.Sprintf("create-%d", n), map[string]any{
		"title": "故障演练", "purpose": "授信评估", "scope": "本市", "period_months": 24,
		"access_mode": "sandbox", "security_controls": "沙箱", "datasets": []string{"DS-0100"}})
	if err != nil {
		return 0, err
	}
	var created faultDetail
	if code != http.StatusCreated || json.Unmarshal(body, &created) != nil {
		return 0, fmt.Errorf("create application %d: %d %s", n, code, body)
	}
	id := created.Application.ID
	for {
		code, body, err := fs.call(ctx, "POST", fmt.Sprintf("/api/v1/applications/%d/submit", id), "applicant", fmt.Sprintf("submit-%d", id), nil)
		if err != nil {
			return id, err
		}
		if code == http.StatusAccepted {
			return id, nil
		}
		// A submission whose answer was lost: the draft is no longer one.
		d, err := fs.detail(ctx, id)
		if err != nil {
			return id, err
		}
		if d.Application.Status != domain.StatusDraft {
			return id, nil
		}
		if code != http.StatusConflict {
			return id, fmt.Errorf("submit application %d: %d %s", id, code, body)
		}
	}
}

// decisions are what each step of the lifecycle is answered with.
var faultDecisions = map[string]map[string]any{
	domain.TaskInitialReview:     {"decision": domain.DecisionPass},
	domain.TaskDepartmentReview:  {"decision": domain.DecisionApprove},
	domain.TaskSignAuthorization: {"decision": domain.DecisionSign},
	domain.TaskSignService:       {"decision": domain.DecisionSign},
	domain.TaskSignCommitment:    {"decision": domain.DecisionSign},
	domain.TaskFileService:       {"decision": domain.DecisionFile},
	domain.TaskExitConfirmation:  {"decision": domain.DecisionConfirm, "comment": "数据已返还并销毁"},
	domain.TaskExitVerification:  {"decision": domain.DecisionVerify},
}

// drive takes an application from submitted to closed: it reads where the
// application stands and answers its open tasks, one at a time, and ends
// the authorization once it is active.
func (fs *faultStack) drive(ctx context.Context, id uint64) error {
	terminated := false
	for {
		d, err := fs.detail(ctx, id)
		if err != nil {
			return err
		}
		switch d.Application.Status {
		case domain.StatusClosed:
			return nil
		case domain.StatusActive:
			if !terminated {
				code, body, err := fs.call(ctx, "POST", fmt.Sprintf("/api/v1/applications/%d/terminate", id), "bureau_officer",
					fmt.Sprintf("terminate-%d", id), map[string]any{"reason": "演练结束", "basis": "授权协议第六条"})
				if err != nil {
					return err
				}
				if code != http.StatusOK && code != http.StatusConflict {
					return fmt.Errorf("terminate %d: %d %s", id, code, body)
				}
				terminated = code == http.StatusOK
				continue
			}
		}
		var open *faultStep
		for i, st := range d.Timeline {
			if st.Status == domain.TaskOpen {
				open = &d.Timeline[i]
				break
			}
		}
		if open == nil {
			time.Sleep(100 * time.Millisecond) // the workflow is still moving on
			continue
		}
		who, decision := faultUsers[open.Department], faultDecisions[open.Kind]
		if who == "" || decision == nil {
			return fmt.Errorf("application %d: open task %s (%s of %s) is not on the lifecycle's path", id, open.ID, open.Kind, open.Department)
		}
		if fs.twice {
			if err := fs.decideTwice(ctx, *open, who, decision); err != nil {
				return err
			}
			fs.decided.Add(1)
			continue
		}
		code, body, err := fs.call(ctx, "POST", "/api/v1/tasks/"+open.ID+"/decision", who, open.ID, decision)
		if err != nil {
			return err
		}
		switch code {
		case http.StatusOK:
			fs.decided.Add(1)
		case http.StatusConflict:
			// Decided by an attempt whose answer was lost, or not yet
			// open to it: read the application again.
		default:
			return fmt.Errorf("decide %s: %d %s", open.ID, code, body)
		}
	}
}

// runAll creates n applications and drives them all at once; fault runs
// once a fraction of the decisions is made. It returns the application IDs.
func (fs *faultStack) runAll(n int, at float64, fault func()) []uint64 {
	t := fs.t
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	ids := make([]uint64, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := fs.create(ctx, i+1)
			if err == nil {
				ids[i] = id
				err = fs.drive(ctx, id)
			}
			if err != nil {
				errs <- fmt.Errorf("application #%d (id %d): %w", i+1, id, err)
			}
		}()
	}
	faultDone := make(chan struct{})
	go func() {
		defer close(faultDone)
		if fault == nil {
			return
		}
		total := int64(float64(n*faultDecisionsPerApp) * at)
		for fs.decided.Load() < total && ctx.Err() == nil {
			time.Sleep(20 * time.Millisecond)
		}
		t.Logf("fault at %d of %d decisions", fs.decided.Load(), n*faultDecisionsPerApp)
		fault()
	}()
	wg.Wait()
	<-faultDone
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	var causes []string
	fs.retries.Range(func(k, v any) bool {
		causes = append(causes, fmt.Sprintf("%s: %d", k, v.(*atomic.Int64).Load()))
		return true
	})
	slices.Sort(causes)
	t.Logf("%d applications, %d decisions; requests retried: %v", n, fs.decided.Load(), causes)
	return ids
}

// faultDecisionsPerApp is the decisions of the lifecycle: initial review,
// department review, two authorization signatures, two service signatures,
// the commitment, the filing, exit confirmation and verification.
const faultDecisionsPerApp = 10

// profile is what an application left behind, with its ID taken out:
// tasks, agreements and audit rows.
type profile struct {
	Status     string
	Tasks      []string
	Agreements []string
	Audit      []string
}

var appIDPattern = regexp.MustCompile(`application-\d+`)

func (fs *faultStack) profile(id uint64) profile {
	t, ctx := fs.t, context.Background()
	st := fs.s.store
	a, err := st.Application(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	p := profile{Status: a.Status}
	norm := func(s string) string { return appIDPattern.ReplaceAllString(s, "application-N") }
	tasks, err := st.TasksOf(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range tasks {
		p.Tasks = append(p.Tasks, norm(fmt.Sprintf("%s %s %s %s %s", x.ID, x.Kind, x.Department, x.Status, x.Decision)))
	}
	ags, err := st.Agreements(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range ags {
		p.Agreements = append(p.Agreements, fmt.Sprintf("%s %s %d signatures", g.Kind, g.Status, len(g.Signatures)))
	}
	audit, err := st.Audit(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	last := map[string]int64{}
	for _, e := range audit {
		p.Audit = append(p.Audit, norm(fmt.Sprintf("%s#%d %s %s %s", e.WorkflowID, e.Seq, e.Action, e.Target, e.Actor)))
		last[e.WorkflowID] = max(last[e.WorkflowID], e.Seq)
	}
	for stream, n := range last {
		var count int64
		for _, e := range audit {
			if e.WorkflowID == stream {
				count++
			}
		}
		if count != n {
			t.Errorf("application %d: stream %s has %d entries numbered up to %d: a gap", id, stream, count, n)
		}
	}
	slices.Sort(p.Tasks)
	slices.Sort(p.Agreements)
	slices.Sort(p.Audit)
	return p
}

// check compares every application with the reference and the totals with
// the database's, checks the audit chain, and that every workflow ended.
func (fs *faultStack) check(ids []uint64, ref profile) {
	t, ctx := fs.t, context.Background()
	var wantTasks, wantAudit int64
	for _, id := range ids {
		if id == 0 {
			continue // its creation failed, reported already
		}
		p := fs.profile(id)
		if p.Status != domain.StatusClosed {
			t.Errorf("application %d is %s, not closed", id, p.Status)
		}
		for _, diff := range []struct {
			what      string
			got, want []string
		}{{"tasks", p.Tasks, ref.Tasks}, {"agreements", p.Agreements, ref.Agreements}, {"audit rows", p.Audit, ref.Audit}} {
			if !slices.Equal(diff.got, diff.want) {
				t.Errorf("application %d: %s differ from a run without faults:\n got %d: %q\nwant %d: %q",
					id, diff.what, len(diff.got), diff.got, len(diff.want), diff.want)
			}
		}
		wantTasks += int64(len(p.Tasks))
		wantAudit += int64(len(p.Audit))
		desc, err := fs.s.client.DescribeWorkflowExecution(ctx, workflows.ApplicationWorkflowID(id), "")
		if err != nil {
			t.Errorf("describe the workflow of %d: %v", id, err)
		} else if st := desc.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED {
			t.Errorf("workflow of application %d is %s, not completed", id, st)
		}
	}
	counts, err := fs.s.store.RowCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantApps := int64(len(ids)) + 1 // and the reference
	if counts["applications"] != wantApps || counts["tasks"] != wantTasks+int64(len(ref.Tasks)) {
		t.Errorf("%d applications and %d tasks in the database, want %d and %d",
			counts["applications"], counts["tasks"], wantApps, wantTasks+int64(len(ref.Tasks)))
	}
	v, err := fs.s.store.VerifyAuditChain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK {
		t.Errorf("audit chain: %v", v.Broken)
	}
	if v.Rows != counts["audit_log"] || counts["audit_log"] < wantAudit {
		t.Errorf("audit chain links %d rows of %d; the applications account for %d", v.Rows, counts["audit_log"], wantAudit)
	}
	applies, retried := fs.applyAttempts(ids)
	// Every row is what its workflow committed.
	rep := reconciled(t, fs.s)
	t.Logf("checked: %d applications closed, %d tasks, %d audit rows, chain of %d holds; %d Apply activities, %d of them after failed attempts; reconciled %d workflows, %d differences",
		len(ids), wantTasks, counts["audit_log"], v.Rows, applies, retried, rep.Workflows, len(rep.Differences))
}

// applyAttempts counts the Apply activities in the applications'
// histories, and those that succeeded only after failed attempts (the
// attempt number is in each started event, or in each marker of a local
// activity in histories from before the write step was an activity).
func (fs *faultStack) applyAttempts(ids []uint64) (applies, retried int) {
	ctx := context.Background()
	for _, id := range ids {
		iter := fs.s.client.GetWorkflowHistory(ctx, workflows.ApplicationWorkflowID(id), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		apply := map[int64]bool{}
		for iter.HasNext() {
			e, err := iter.Next()
			if err != nil {
				fs.t.Errorf("history of %d: %v", id, err)
				break
			}
			if a := e.GetActivityTaskScheduledEventAttributes(); a != nil && a.GetActivityType().GetName() == activities.ApplyName {
				apply[e.GetEventId()] = true
			}
			if a := e.GetActivityTaskStartedEventAttributes(); a != nil && apply[a.GetScheduledEventId()] {
				applies++
				if a.GetAttempt() > 1 {
					retried++
				}
			}
			m := e.GetMarkerRecordedEventAttributes()
			if m == nil || m.GetMarkerName() != "LocalActivity" {
				continue
			}
			var data struct {
				ActivityType string
				Attempt      int
			}
			if p := m.GetDetails()["data"].GetPayloads(); len(p) > 0 && json.Unmarshal(p[0].GetData(), &data) == nil && data.ActivityType == "Apply" {
				applies++
				if data.Attempt > 1 {
					retried++
				}
			}
		}
	}
	return applies, retried
}

// reference runs one application without a fault: what every other must
// look like.
func (fs *faultStack) reference() profile {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	id, err := fs.create(ctx, 0)
	if err == nil {
		err = fs.drive(ctx, id)
	}
	if err != nil {
		fs.t.Fatalf("the reference application: %v", err)
	}
	fs.decided.Store(0)
	p := fs.profile(id)
	if p.Status != domain.StatusClosed || len(p.Tasks) != faultDecisionsPerApp || len(p.Audit) == 0 {
		fs.t.Fatalf("the reference application: %+v", p)
	}
	fs.t.Logf("reference application: %d tasks, %d agreements, %d audit rows", len(p.Tasks), len(p.Agreements), len(p.Audit))
	return p
}

// 1. The worker process is killed while the applications are mid-flight,
// and started again.
func TestFaultWorkerKilled(t *testing.T) {
	fs := newFaultStack(t)
	ref := fs.reference()
	ids := fs.runAll(faultApps(), 0.4, func() {
		began := time.Now()
		fs.stopWorker(syscall.SIGKILL)
		time.Sleep(3 * time.Second)
		fs.startWorker()
		t.Logf("no worker for %v", time.Since(began).Round(time.Millisecond))
	})
	fs.check(ids, ref)
}

// 2. The application database refuses every write for 15 seconds (a
// second connection holds its write lock; writers give up after their 10 s
// busy timeout): the Apply activity and the API's writes fail and are
// retried.
func TestFaultDatabaseLocked(t *testing.T) {
	fs := newFaultStack(t)
	ref := fs.reference()
	ids := fs.runAll(faultApps(), 0.4, func() { fs.lockDatabase(15 * time.Second) })
	fs.check(ids, ref)
}

// 3. The embedded Temporal server stops mid-run and starts again, two
// seconds later, on its file: workflows, timers and the worker's polls
// resume; the API's Updates in flight fail and are retried.
func TestFaultTemporalRestarted(t *testing.T) {
	fs := newFaultStack(t)
	ref := fs.reference()
	ids := fs.runAll(faultApps(), 0.4, func() { fs.restartTemporal(2 * time.Second) })
	fs.check(ids, ref)
}

// 4. Every decision is sent twice, in turn: with the same Idempotency-Key
// one after the other (the second is the first's answer, replayed), with
// the same key at the same time, and twice without a key (the second is
// refused: the task is decided). Each is applied once.
func TestFaultDuplicateDecisions(t *testing.T) {
	fs := newFaultStack(t)
	ref := fs.reference()
	fs.twice = true
	ids := fs.runAll(faultApps(), 0, nil)
	fs.check(ids, ref)
	t.Logf("%d decisions sent twice", fs.sent.Load())
}

// decideTwice sends one decision twice, the way the turn says.
func (fs *faultStack) decideTwice(ctx context.Context, open faultStep, who string, decision map[string]any) error {
	path := "/api/v1/tasks/" + open.ID + "/decision"
	fs.sent.Add(1)
	switch fs.sent.Load() % 3 {
	case 0: // the same key, one after the other
		code1, body1, _, err := fs.callH(ctx, "POST", path, who, open.ID, decision)
		if err != nil {
			return err
		}
		code2, body2, h2, err := fs.callH(ctx, "POST", path, who, open.ID, decision)
		if err != nil {
			return err
		}
		if code1 == http.StatusOK && (code2 != code1 || !bytes.Equal(body1, body2) || h2.Get("Idempotent-Replayed") != "true") {
			return fmt.Errorf("%s: a retry with the same key answered %d %s (replayed %q), not the first answer %d %s",
				open.ID, code2, body2, h2.Get("Idempotent-Replayed"), code1, body1)
		}
	case 1: // the same key, at the same time
		var wg sync.WaitGroup
		codes := make([]int, 2)
		errs := make([]error, 2)
		for i := range 2 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				codes[i], _, errs[i] = fs.call(ctx, "POST", path, who, open.ID, decision)
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			return err
		}
		if codes[0] != codes[1] {
			return fmt.Errorf("%s: two requests with one key answered %d and %d", open.ID, codes[0], codes[1])
		}
	case 2: // no key, twice
		code1, body1, err := fs.call(ctx, "POST", path, who, "", decision)
		if err != nil {
			return err
		}
		code2, body2, err := fs.call(ctx, "POST", path, who, "", decision)
		if err != nil {
			return err
		}
		if code1 == http.StatusOK && code2 != http.StatusConflict {
			return fmt.Errorf("%s: the same decision again without a key answered %d %s, want 409", open.ID, code2, body2)
		}
		_ = body1
	}
	return nil
}
