package workflows_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/store/seeddata"
	"github.com/datagate/datagate/worker"
	wf "github.com/datagate/datagate/workflows"
)

// Orgs of the test scenarios.
const (
	bdc       = "bdc"
	bureau    = "stbd"
	operator  = "gdo"
	applicant = "acme"
	health    = "health"
	samr      = "samr"
	regulator = "nfra"
	appWFID   = "application-1"
)

func actor(org string) wf.Actor { return wf.Actor{User: "u-" + org, Role: "r", Org: org} }

// harness drives one ApplicationWorkflow in virtual time against a real
// SQLite read model and the real calendar.
type harness struct {
	t   *testing.T
	env *testsuite.TestWorkflowEnvironment
	st  *store.Store
	// acts are the registered activities: a test may give them a file
	// store or a signer before run.
	acts  *activities.Activities
	start time.Time
	in    wf.ApplicationInput
}

func newHarness(t *testing.T, start time.Time) *harness { return newHarnessOn(t, start, nil) }

// newHarnessOn continues on an existing read model (a later run), or
// creates one with a draft application when st is nil.
func newHarnessOn(t *testing.T, start time.Time, st *store.Store) *harness {
	t.Helper()
	cal, err := calendar.Default()
	if err != nil {
		t.Fatal(err)
	}
	return newHarnessWith(t, start, st, cal)
}

// newHarnessWith is newHarnessOn with the given calendar.
func newHarnessWith(t *testing.T, start time.Time, st *store.Store, cal *calendar.Calendar) *harness {
	t.Helper()
	var suite testsuite.WorkflowTestSuite
	suite.SetLogger(sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler)))
	env := suite.NewTestWorkflowEnvironment()
	env.SetStartTime(start)
	env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: appWFID})
	env.SetTestTimeout(time.Minute)
	ctx := context.Background()
	fresh := st == nil
	if fresh {
		var err error
		if st, err = store.Open("sqlite://" + filepath.Join(t.TempDir(), "dg.db")); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
	}
	acts := &activities.Activities{Store: st, Calendar: cal}
	worker.Register(env, acts)
	ds := func(code, dept string) seeddata.Dataset {
		return seeddata.Dataset{Code: code, Name: code, Department: dept, OpenAttribute: store.OpenConditional, Grade: 2}
	}
	a := &store.Application{ID: 1, Title: "信贷风控"}
	if fresh {
		if err := st.Seed(ctx, seeddata.Catalog{Datasets: []seeddata.Dataset{
			ds("DS-H1", health), ds("DS-H2", health), ds("DS-S1", samr)}}, nil); err != nil {
			t.Fatal(err)
		}
		a = &store.Application{ApplicantOrg: applicant, ApplicantUser: "u-acme", Title: "信贷风控", PeriodMonths: 24,
			AccessMode: store.AccessSandbox, Datasets: []store.ApplicationDataset{
				{DatasetCode: "DS-H1", Department: health}, {DatasetCode: "DS-H2", Department: health},
				{DatasetCode: "DS-S1", Department: samr}}}
		if err := st.CreateApplication(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	dl := wf.DefaultDeadlines()
	return &harness{t: t, env: env, st: st, acts: acts, start: start, in: wf.ApplicationInput{
		ApplicationID: a.ID, ApplicantOrg: applicant, Submitter: actor(applicant), Title: a.Title,
		Datasets: []wf.DatasetRef{
			{Code: "DS-H1", Name: "h1", Department: health, Grade: 3},
			{Code: "DS-H2", Name: "h2", Department: health, Grade: 2},
			{Code: "DS-S1", Name: "s1", Department: samr, Grade: 1},
		},
		PeriodMonths: 24, AccessMode: store.AccessSandbox,
		Orgs:      wf.Orgs{BigDataCenter: bdc, Bureau: bureau, Operator: operator},
		Deadlines: dl,
	}}
}

// at runs f at the given offset from the start, in virtual time. An
// Update sent from f takes effect after f returns: send several only when
// they do not depend on each other, and check state in a later step.
func (h *harness) at(offset time.Duration, f func()) { h.env.RegisterDelayedCallback(f, offset) }

// steps runs each f one virtual minute after the previous one, from
// offset, and returns the offset after the last.
func (h *harness) steps(offset time.Duration, fs ...func()) time.Duration {
	for _, f := range fs {
		h.at(offset, f)
		offset += time.Minute
	}
	return offset
}

func (h *harness) run() {
	h.env.ExecuteWorkflow(wf.ApplicationWorkflowName, h.in)
}

func (h *harness) status() wf.Status {
	h.t.Helper()
	v, err := h.env.QueryWorkflow(wf.QueryStatus)
	if err != nil {
		h.t.Fatalf("query status: %v (completed %v, error %v)", err, h.env.IsWorkflowCompleted(), h.env.GetWorkflowError())
	}
	var s wf.Status
	if err := v.Get(&s); err != nil {
		h.t.Fatal(err)
	}
	return s
}

// task finds the open task of a kind for an org, in the application or in
// one of its model reviews.
func (h *harness) task(kind, org string) activities.Task {
	h.t.Helper()
	for _, t := range h.openTasks() {
		if t.Kind == kind && t.Department == org {
			return t
		}
	}
	h.t.Fatalf("no open %s task for %s at %s; open: %v", kind, org, h.env.Now(), h.openTasks())
	return activities.Task{}
}

func (h *harness) openTasks() []activities.Task {
	s := h.status()
	tasks := s.Tasks
	for _, m := range s.Models {
		v, err := h.env.QueryWorkflowByID(m.WorkflowID, wf.QueryStatus)
		if err != nil {
			continue // finished
		}
		var ms wf.ModelStatus
		if err := v.Get(&ms); err == nil {
			tasks = append(tasks, ms.Tasks...)
		}
	}
	return tasks
}

var updateSeq int

// update sends an Update to a workflow and reports its outcome to done.
func (h *harness) update(wfID, name string, arg any, done func(wf.UpdateResult, error)) {
	updateSeq++
	cb := &testsuite.TestUpdateCallback{
		OnAccept: func() {},
		OnReject: func(err error) { done(wf.UpdateResult{}, err) },
		OnComplete: func(v any, err error) {
			r, _ := v.(wf.UpdateResult)
			done(r, err)
		},
	}
	if wfID == appWFID {
		h.env.UpdateWorkflow(name, fmt.Sprint("u", updateSeq), cb, arg)
		return
	}
	if err := h.env.UpdateWorkflowByID(wfID, name, fmt.Sprint("u", updateSeq), cb, arg); err != nil {
		done(wf.UpdateResult{}, err)
	}
}

// must sends an Update that must succeed.
func (h *harness) must(wfID, name string, arg any) {
	h.t.Helper()
	h.update(wfID, name, arg, func(_ wf.UpdateResult, err error) {
		if err != nil {
			h.t.Errorf("%s %+v: %v", name, arg, err)
		}
	})
}

// decide decides the open task of a kind for an org.
func (h *harness) decide(kind, org, decision string, mod ...func(*wf.DecideRequest)) {
	h.t.Helper()
	t := h.task(kind, org)
	r := wf.DecideRequest{TaskID: t.ID, Actor: actor(org), Decision: decision}
	for _, m := range mod {
		m(&r)
	}
	h.must(t.WorkflowID, wf.UpdateDecide, r)
}

func withReason(reason, basis string) func(*wf.DecideRequest) {
	return func(r *wf.DecideRequest) { r.Reason, r.Basis = reason, basis }
}

func withComment(c string) func(*wf.DecideRequest) {
	return func(r *wf.DecideRequest) { r.Comment = c }
}

// refused sends an Update that must be refused with the given error type,
// and checks it changed neither the workflow nor the read model. Send it
// before any other Update of its step.
func (h *harness) refused(wfID, name string, arg any, errType string) {
	h.t.Helper()
	before := h.status()
	auditBefore, _ := h.st.Audit(context.Background(), h.in.ApplicationID)
	h.update(wfID, name, arg, func(_ wf.UpdateResult, err error) {
		var appErr *temporal.ApplicationError
		if err == nil || !errors.As(err, &appErr) || appErr.Type() != errType {
			h.t.Errorf("%s %+v: want refusal %q, got %v", name, arg, errType, err)
			return
		}
		after := h.status()
		after.HistoryLength, before.HistoryLength = 0, 0
		if b, a := mustJSON(before), mustJSON(after); a != b {
			h.t.Errorf("%s refused but state changed:\nbefore %+v\nafter  %+v", name, before, after)
		}
		auditAfter, _ := h.st.Audit(context.Background(), h.in.ApplicationID)
		if len(auditAfter) != len(auditBefore) {
			h.t.Errorf("%s refused but audit grew from %d to %d", name, len(auditBefore), len(auditAfter))
		}
	})
}

// finish runs the workflow to completion and returns its final state.
func (h *harness) finish() wf.AppState {
	h.t.Helper()
	h.run()
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("workflow did not complete")
	}
	if err := h.env.GetWorkflowError(); err != nil {
		h.t.Fatalf("workflow error: %v", err)
	}
	var st wf.AppState
	if err := h.env.GetWorkflowResult(&st); err != nil {
		h.t.Fatal(err)
	}
	return st
}

// tasks returns every task row of the application, in the read model.
func (h *harness) rows() []store.Task {
	h.t.Helper()
	ts, err := h.st.TasksOf(context.Background(), h.in.ApplicationID)
	if err != nil {
		h.t.Fatal(err)
	}
	return ts
}

func (h *harness) app() store.Application {
	h.t.Helper()
	a, err := h.st.Application(context.Background(), h.in.ApplicationID)
	if err != nil {
		h.t.Fatal(err)
	}
	return a
}

// cst builds a time in China Standard Time.
func cst(y int, m time.Month, d, hh, mm, ss int) time.Time {
	return time.Date(y, m, d, hh, mm, ss, 0, calendar.Zone)
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}
