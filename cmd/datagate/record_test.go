package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/workflow"

	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/reconcile"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/workflows"
)

// failWrite fails, once, the workflow task that runs the write step of
// one decision: right when the workflow asks for the write (before), or
// right after the write step returned to it (after). It is armed for one
// task and decision; the failure is a panic in workflow code, which fails
// the workflow task as a worker crash or a bug would, and the server
// retries it.
type failWrite struct {
	interceptor.WorkerInterceptorBase
	mu    sync.Mutex
	task  string
	dec   string
	after bool
	fired bool
	// seen, when set, makes every write step fail its workflow task
	// after it returns, the first time it is seen.
	seen map[string]bool
}

func (f *failWrite) arm(task, decision string, after bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.task, f.dec, f.after, f.fired = task, decision, after, false
}

// fire reports whether this write step is the armed one, at this point,
// and disarms it.
func (f *failWrite) fire(args []any, after bool) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := firstArg(args).(activities.Change)
	if !ok {
		return false
	}
	if f.seen != nil {
		key := fmt.Sprint(c.Audit)
		if !after || f.seen[key] {
			return false
		}
		f.seen[key] = true
		return true
	}
	if f.task == "" || f.fired || f.after != after {
		return false
	}
	for _, t := range c.Tasks {
		if t.ID == f.task && t.Decision == f.dec {
			f.fired = true
			return true
		}
	}
	return false
}

// retried: this decision is the one whose workflow task failed.
func (f *failWrite) retried(task, decision string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fired && f.task == task && f.dec == decision
}

func firstArg(args []any) any {
	if len(args) == 0 {
		return nil
	}
	return args[0]
}

func (f *failWrite) hasFired() bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fired
}

func (f *failWrite) InterceptWorkflow(ctx workflow.Context, next interceptor.WorkflowInboundInterceptor) interceptor.WorkflowInboundInterceptor {
	in := &failWriteInbound{f: f}
	in.Next = next
	return in
}

type failWriteInbound struct {
	interceptor.WorkflowInboundInterceptorBase
	f *failWrite
}

// ValidateUpdate refuses the retry of the Update whose workflow task
// failed, as it would be refused had a colleague's decision landed first.
// An accepted Update is not validated again.
func (i *failWriteInbound) ValidateUpdate(ctx workflow.Context, in *interceptor.UpdateInput) error {
	if r, ok := firstArg(in.Args).(workflows.DecideRequest); ok && i.f.retried(r.TaskID, r.Decision) {
		return errors.New("injected: the retried decision is refused")
	}
	return i.Next.ValidateUpdate(ctx, in)
}

func (i *failWriteInbound) Init(outbound interceptor.WorkflowOutboundInterceptor) error {
	out := &failWriteOutbound{f: i.f}
	out.Next = outbound
	return i.Next.Init(out)
}

type failWriteOutbound struct {
	interceptor.WorkflowOutboundInterceptorBase
	f *failWrite
}

func (o *failWriteOutbound) ExecuteActivity(ctx workflow.Context, name string, args ...any) workflow.Future {
	if name == activities.ApplyName && o.f.fire(args, false) {
		panic("injected failure: the workflow task fails before its write step")
	}
	return &failAfter{Future: o.Next.ExecuteActivity(ctx, name, args...), f: o.f, args: args}
}

func (o *failWriteOutbound) ExecuteLocalActivity(ctx workflow.Context, name string, args ...any) workflow.Future {
	if name == activities.ApplyName && o.f.fire(args, false) {
		panic("injected failure: the workflow task fails before its write step")
	}
	return &failAfter{Future: o.Next.ExecuteLocalActivity(ctx, name, args...), f: o.f, args: args}
}

// failAfter fails the workflow task once the write step has returned.
type failAfter struct {
	workflow.Future
	f    *failWrite
	args []any
}

func (a *failAfter) Get(ctx workflow.Context, v any) error {
	err := a.Future.Get(ctx, v)
	if err == nil && a.f.fire(a.args, true) {
		panic("injected failure: the workflow task fails after its write step")
	}
	return err
}

// send is one request that may fail or be cancelled; it never stops the
// test.
func (c *httpClient) send(ctx context.Context, method, path, user string, body any, header map[string]string) (int, string) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	s := c.session(user)
	req.AddCookie(s.cookie)
	req.Header.Set("X-CSRF-Token", s.csrf)
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data)
}

// submitApplication creates and submits an application naming DS-0100
// (gsa) and DS-0102 (commerce), and returns its ID.
func (c *httpClient) submitApplication(user string) uint64 {
	c.t.Helper()
	var created struct {
		Application struct{ ID uint64 } `json:"application"`
	}
	c.expect("POST", "/api/v1/applications", user, map[string]any{
		"title": "小微企业信贷风控", "purpose": "授信评估", "scope": "本市小微企业", "period_months": 24,
		"access_mode": "sandbox", "security_controls": "沙箱隔离", "datasets": []string{"DS-0100", "DS-0102"},
		"submit": true}, http.StatusCreated, &created)
	return created.Application.ID
}

// reconciled fails the test on any difference between the workflows and
// the read model.
func reconciled(t *testing.T, s *stack) reconcile.Report {
	t.Helper()
	rep, err := (&reconcile.Checker{Temporal: s.client, Store: s.store}).All(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range rep.Differences {
		t.Errorf("difference: %s", d)
	}
	return rep
}

// decisionsInAudit lists the decisions the audit records on a task.
func decisionsInAudit(t *testing.T, st *store.Store, appID uint64, task string) []string {
	t.Helper()
	rows, err := st.Audit(context.Background(), appID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, a := range rows {
		if f := strings.Fields(a.Target); a.Action == "task.decided" && len(f) == 3 && f[0] == task {
			out = append(out, f[2])
		}
	}
	return out
}

// A workflow task that fails around a decision's write step (a worker
// crash, a bug) while its client gives up, followed by a colleague's
// conflicting decision: whichever decision the workflow committed is the
// one the status, the tasks and the audit record, once. Before the write
// step ran as an activity of the committed workflow task, the failure
// after it left the first decision's rows while the workflow applied the
// second under the same audit sequence numbers.
func TestAbortedWriteLeavesNoTrace(t *testing.T) {
	for _, tc := range []struct {
		name  string
		after bool
		// accepted: the first decision's Update was accepted before the
		// failure, so it must survive it. A failure before the write
		// step aborts the Update; the server or the client may still
		// retry it, and then either decision may be the one committed.
		accepted bool
	}{
		{"before the write step", false, false},
		{"after the write step", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			inj := &failWrite{}
			s, _ := startTestDev(t, env("DATAGATE_RATE_LIMIT", "off"), func(c *config) {
				c.interceptors = []interceptor.WorkerInterceptor{inj}
			})
			c := &httpClient{t: t, base: "http://" + s.addr}
			c.waitHealthy()
			id := c.submitApplication("applicant")
			task := c.openTask("initial_reviewer", "initial_review")

			// The first decision's workflow task fails around its write
			// step; its retry, if any, is refused.
			inj.arm(task, "pass", tc.after)
			status, body := c.send(context.Background(), "POST", "/api/v1/tasks/"+task+"/decision", "initial_reviewer", map[string]any{"decision": "pass"}, nil)
			if !inj.hasFired() {
				t.Fatalf("the failure was not injected; the decision answered %d %s", status, body)
			}
			t.Logf("the first decision answered %d %s", status, body)
			rival, body := c.send(context.Background(), "POST", "/api/v1/tasks/"+task+"/decision", "initial_reviewer",
				map[string]any{"decision": "reject", "reason": "用途与数据不符", "basis": "《管理办法》第十条"}, nil)
			// The rival is applied exactly when the first was not.
			want := map[int]struct{ status, decision string }{
				http.StatusConflict: {"department_review", "pass"},
				http.StatusOK:       {"rejected", "reject"},
			}[rival]
			if want.status == "" || (tc.accepted && rival != http.StatusConflict) {
				t.Errorf("the rival decision answered %d: %s", rival, body)
			} else if got := c.status(fmt.Sprintf("/api/v1/applications/%d", id)); got != want.status {
				t.Errorf("status %s, want %s", got, want.status)
			} else if got := decisionsInAudit(t, s.store, id, task); len(got) != 1 || got[0] != want.decision {
				t.Errorf("the audit records %v on %s, want [%s]", got, task, want.decision)
			}
			if rep := reconciled(t, s); rep.Workflows == 0 {
				t.Error("reconciled no workflow")
			}
			// Supervisors see the same through the API.
			var api struct {
				OK          bool
				Workflows   int
				Differences []reconcile.Difference
			}
			c.expect("GET", fmt.Sprintf("/api/v1/audit/reconcile?application=%d", id), "supervisor", nil, http.StatusOK, &api)
			if !api.OK || api.Workflows != 1 || len(api.Differences) != 0 {
				t.Errorf("GET /api/v1/audit/reconcile: %+v", api)
			}
		})
	}
}

// raceEnv is the dev stack's settings for a race: no rate limit, and the
// MariaDB/MySQL test database when DATAGATE_TEST_MYSQL_DSN is set (CI),
// emptied and held for the test.
func raceEnv(t *testing.T) func(string) string {
	t.Helper()
	dsn := os.Getenv(mysqlDSNEnv)
	if dsn == "" || testing.Short() {
		return env("DATAGATE_RATE_LIMIT", "off")
	}
	st, err := store.Open(dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	release, err := st.AdvisoryLock(context.Background(), testDBLock, 20*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = release() })
	dropMySQLTables(t, dsn)
	return env("DATAGATE_RATE_LIMIT", "off", "DATAGATE_DB", dsn)
}

// allowedOpen are the task kinds an application's status lets be open.
var allowedOpen = map[string][]string{
	"initial_review":    {"initial_review"},
	"supplement":        {"supplement"},
	"department_review": {"department_review", "regulator_opinion"},
	"agreements":        {"sign_authorization", "sign_service", "file_service", "sign_commitment"},
	"rejected":          {},
}

// Conflicting decisions raced on many tasks by parallel clients, as
// reviewers double-clicking on two machines, while workflow tasks fail:
// each task takes exactly one decision, and afterwards the status, the task rows and the audit agree
// with every workflow, and no task is open that the status does not allow.
func TestRacedDecisionsKeepTheRecordTrue(t *testing.T) {
	// And every write step's workflow task fails once after it, as a
	// worker dying at the worst moment would make it.
	inj := &failWrite{seen: map[string]bool{}}
	s, _ := startTestDev(t, raceEnv(t), func(c *config) { c.interceptors = []interceptor.WorkerInterceptor{inj} })
	c := &httpClient{t: t, base: "http://" + s.addr}
	c.waitHealthy()
	const apps, clients = 8, 9
	ids := make([]uint64, apps)
	for i := range ids {
		ids[i] = c.submitApplication("applicant")
	}
	initial := []map[string]any{
		{"decision": "pass"},
		{"decision": "return", "reason": "请补充数据用途说明"},
		{"decision": "reject", "reason": "用途与数据不符", "basis": "《管理办法》第十条"},
	}
	review := []map[string]any{
		{"decision": "approve"},
		{"decision": "reject", "reason": "涉及商业秘密", "basis": "《数据分类分级规则》第五条"},
		{"decision": "decide", "items": []map[string]string{{"dataset": "DS-0102", "decision": "reject", "reason": "不宜开放", "basis": "目录第3条"}}},
		{"decision": "ask_regulator", "regulator": "nfra", "comment": "请出具意见"},
	}
	race := func(user string, tasks []string, bodies []map[string]any) {
		t.Helper()
		var wg sync.WaitGroup
		ok := make([]int, len(tasks))
		var mu sync.Mutex
		for i, task := range tasks {
			// Each client signs in first: the race is among decisions.
			for k := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					status, body := c.send(context.Background(), "POST", "/api/v1/tasks/"+task+"/decision", user, bodies[(i+k)%len(bodies)], nil)
					switch status {
					case http.StatusOK:
						mu.Lock()
						ok[i]++
						mu.Unlock()
					case http.StatusConflict, http.StatusServiceUnavailable:
						// Refused: decided already, or the workflow task
						// is being retried; nothing applied.
					default:
						t.Errorf("%s on %s: %d %s", user, task, status, body)
					}
				}()
			}
		}
		wg.Wait()
		for i, n := range ok {
			// ask_regulator keeps a review open: it may take one more.
			if n < 1 || n > 2 {
				t.Errorf("%s took %d decisions, want 1", tasks[i], n)
			}
		}
	}
	c.session("initial_reviewer")
	c.session("reviewer-commerce")
	var firsts []string
	for _, id := range ids {
		firsts = append(firsts, fmt.Sprintf("application-%d-t1", id))
		waitOpen(t, s, workflows.ApplicationWorkflowID(id), firsts[len(firsts)-1])
	}
	race("initial_reviewer", firsts, initial)

	// The department reviews the passed applications opened.
	var reviews []string
	for _, id := range ids {
		tasks, err := s.store.TasksOf(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range tasks {
			if tk.Kind == "department_review" && tk.Department == "commerce" && tk.Status == domain.TaskOpen {
				reviews = append(reviews, tk.ID)
				waitOpen(t, s, tk.WorkflowID, tk.ID)
			}
		}
	}
	if len(reviews) > 0 {
		race("reviewer-commerce", reviews, review)
	}

	inj.mu.Lock()
	failed := len(inj.seen)
	inj.mu.Unlock()
	if failed < 2*apps {
		t.Errorf("%d workflow tasks failed after their write step, want at least %d", failed, 2*apps)
	}
	reconciled(t, s)
	for _, id := range ids {
		a, err := s.store.Application(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		tasks, err := s.store.TasksOf(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		for _, tk := range tasks {
			if tk.Status == domain.TaskOpen && !slices.Contains(allowedOpen[a.Status], tk.Kind) {
				t.Errorf("application %d is %s, yet its %s task %s is open", id, a.Status, tk.Kind, tk.ID)
			}
		}
	}
}

// waitOpen waits until the workflow holds the task open (its workflow
// task may be failing and retried).
func waitOpen(t *testing.T, s *stack, wfID, task string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if v, err := s.client.QueryWorkflow(context.Background(), wfID, "", workflows.QueryStatus); err == nil {
			var st workflows.Status
			if v.Get(&st) == nil && slices.ContainsFunc(st.Tasks, func(x activities.Task) bool { return x.ID == task }) {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s never held %s open", wfID, task)
}

// An applicant's edits racing with the submission: the workflow reviews
// exactly the datasets the stored application names, never a list that an
// edit replaced (or one the submission read before an edit landed).
func TestEditRacingSubmitStartsFromTheStoredRow(t *testing.T) {
	s, _ := startTestDev(t, raceEnv(t))
	c := &httpClient{t: t, base: "http://" + s.addr}
	c.waitHealthy()
	draft := func(datasets ...string) map[string]any {
		return map[string]any{"title": "小微企业信贷风控", "purpose": "授信评估", "scope": "本市小微企业", "period_months": 24,
			"access_mode": "sandbox", "security_controls": "沙箱隔离", "datasets": datasets}
	}
	for try := range 8 {
		var created struct {
			Application struct{ ID uint64 } `json:"application"`
		}
		c.expect("POST", "/api/v1/applications", "applicant", draft("DS-0100", "DS-0102"), http.StatusCreated, &created)
		id := created.Application.ID
		path := fmt.Sprintf("/api/v1/applications/%d", id)
		var wg sync.WaitGroup
		for k := range 7 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if k == 3 {
					c.send(context.Background(), "POST", path+"/submit", "applicant", nil, nil)
					return
				}
				c.send(context.Background(), "PUT", path, "applicant", draft("DS-0001"), nil)
			}()
		}
		wg.Wait()
		a, err := s.store.Application(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status == domain.StatusDraft {
			t.Fatalf("try %d: the submission did not happen", try)
		}
		var stored []string
		for _, d := range a.Datasets {
			stored = append(stored, d.DatasetCode)
		}
		v, err := s.client.QueryWorkflow(context.Background(), workflows.ApplicationWorkflowID(id), "", workflows.QueryStatus)
		if err != nil {
			t.Fatal(err)
		}
		var st workflows.Status
		if err := v.Get(&st); err != nil {
			t.Fatal(err)
		}
		var reviewed []string
		for _, d := range st.Datasets {
			reviewed = append(reviewed, d.Code)
		}
		if fmt.Sprint(stored) != fmt.Sprint(reviewed) {
			t.Errorf("try %d: the application names %v, its workflow reviews %v", try, stored, reviewed)
		}
	}
}

// One Idempotency-Key used by two users on their own tasks of one
// application: each decision is applied on its own; the second is never
// told it succeeded while nothing of it was applied.
func TestIdempotencyKeyIsTheUsers(t *testing.T) {
	s, cfg := startTestDev(t, raceEnv(t))
	c := &httpClient{t: t, base: "http://" + s.addr}
	c.waitHealthy()
	id := c.submitApplication("applicant")
	c.decide("initial_reviewer", "initial_review", map[string]any{"decision": "pass"})
	c.decide("reviewer-gsa", "department_review", map[string]any{"decision": "approve"})
	c.decide("reviewer-commerce", "department_review", map[string]any{"decision": "approve"})
	key := map[string]string{"Idempotency-Key": "shared-key-1"}
	for _, step := range []struct{ user, kind string }{{"applicant", "sign_commitment"}, {"bureau_officer", "sign_authorization"}} {
		task := c.openTask(step.user, step.kind)
		status, body := c.send(context.Background(), "POST", "/api/v1/tasks/"+task+"/decision", step.user, map[string]any{"decision": "sign"}, key)
		if status != http.StatusOK {
			t.Fatalf("%s signs %s: %d %s", step.user, task, status, body)
		}
		row, err := s.store.Task(context.Background(), task)
		if err != nil {
			t.Fatal(err)
		}
		if row.Status != domain.TaskDone || row.ActorUser != step.user {
			t.Errorf("%s was told its %s was signed; the task is %s by %q", step.user, task, row.Status, row.ActorUser)
		}
		// The same user's retry with the key is answered, and applied once.
		if status, body := c.send(context.Background(), "POST", "/api/v1/tasks/"+task+"/decision", step.user, map[string]any{"decision": "sign"}, key); status != http.StatusOK {
			t.Errorf("%s's retry: %d %s", step.user, status, body)
		}
	}
	if got := decisionsInAudit(t, s.store, id, fmt.Sprintf("application-%d-t4", id)); len(got) != 1 {
		t.Errorf("the authorization's signature is in the audit %d times", len(got))
	}
	reconciled(t, s)

	// The operator's command agrees, and names a row forged afterwards.
	args := []string{"audit", "reconcile", "--db", cfg.DB, "--temporal-address", s.temporalAddr}
	if out, _, err := runCmd(t, args...); err != nil || !strings.Contains(out, "no difference") {
		t.Fatalf("datagate audit reconcile: %v\n%s", err, out)
	}
	forged, err := s.store.Task(context.Background(), fmt.Sprintf("application-%d-t4", id))
	if err != nil {
		t.Fatal(err)
	}
	forged.Decision, forged.ActorUser = "reject", "applicant"
	if err := s.store.Apply(context.Background(), store.Change{Tasks: []store.Task{forged}}); err != nil {
		t.Fatal(err)
	}
	out, _, err := runCmd(t, args...)
	if !errors.Is(err, errDifferences) || !strings.Contains(out, forged.ID) {
		t.Errorf("after a forged decision: %v\n%s", err, out)
	}
}
