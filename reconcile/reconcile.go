// Package reconcile compares what each workflow committed with what the
// read model and the audit log say of it, and lists every difference. The
// workflow is the truth: its state (the status Query) and the write steps
// its history recorded (each Apply activity's input, for transitions since
// the write step became an activity). Operators run it after any incident
// (`datagate audit reconcile`); supervisors see it in the API.
package reconcile

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/workflows"
)

// Difference is one thing the read model or the audit says that the
// workflow does not.
type Difference struct {
	ApplicationID uint64 `json:"application_id"`
	WorkflowID    string `json:"workflow_id"`
	// What differs, e.g. "status", "task application-3-t2", "audit seq 7".
	What string `json:"what"`
	// Workflow is what the workflow committed; ReadModel what the rows say.
	Workflow  string `json:"workflow"`
	ReadModel string `json:"read_model"`
}

func (d Difference) String() string {
	return fmt.Sprintf("%s %s: workflow %q, read model %q", d.WorkflowID, d.What, d.Workflow, d.ReadModel)
}

// Report is the outcome of one reconciliation.
type Report struct {
	Applications int `json:"applications"`
	// Procedures counts the statutory procedures reconciled (All).
	Procedures  int          `json:"procedures"`
	Workflows   int          `json:"workflows"`
	Differences []Difference `json:"differences"`
}

// OK: no difference.
func (r Report) OK() bool { return len(r.Differences) == 0 }

// Checker reconciles against one Temporal namespace and one database.
type Checker struct {
	Temporal client.Client
	Store    *store.Store
	// Settle is how long a workflow with a write step in flight is given
	// to finish it before that counts as a difference (default 10 s).
	Settle time.Duration
}

// All reconciles every submitted application.
func (c *Checker) All(ctx context.Context) (Report, error) {
	var ids []uint64
	for offset := 0; ; offset += store.MaxLimit {
		apps, err := c.Store.Applications(ctx, store.ApplicationFilter{SubmittedOnly: true, Limit: store.MaxLimit, Offset: offset})
		if err != nil {
			return Report{}, err
		}
		for _, a := range apps {
			ids = append(ids, a.ID)
		}
		if len(apps) < store.MaxLimit {
			break
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	r, err := c.Applications(ctx, ids)
	if err != nil {
		return r, err
	}
	for offset := 0; ; offset += store.MaxLimit {
		ps, _, err := c.Store.Procedures(ctx, store.ProcedureFilter{Limit: store.MaxLimit, Offset: offset})
		if err != nil {
			return r, err
		}
		for _, p := range ps {
			diffs, err := c.procedure(ctx, p)
			if err != nil {
				return r, fmt.Errorf("procedure %d: %w", p.ID, err)
			}
			r.Procedures++
			r.Workflows++
			r.Differences = append(r.Differences, diffs...)
		}
		if len(ps) < store.MaxLimit {
			break
		}
	}
	return r, nil
}

// procedure reconciles one statutory procedure: its outcome, its steps
// and its audit against what its workflow committed.
func (c *Checker) procedure(ctx context.Context, p store.Procedure) ([]Difference, error) {
	d := &diffs{}
	wfID := workflows.ProcedureWorkflowID(p.ID)
	var st workflows.ProcedureState
	found, err := c.query(ctx, wfID, func(v converter.EncodedValue) (bool, error) {
		err := v.Get(&st)
		return st.Applying, err
	})
	if err != nil {
		return nil, err
	}
	if !found {
		d.add(wfID, "workflow", "none", "procedure "+p.Outcome)
		return d.list, nil
	}
	v := view{wfID: wfID, seq: st.Seq, open: st.Tasks, applying: st.Applying}
	if v.write, err = c.history(ctx, wfID); err != nil {
		return nil, err
	}
	d.eq(wfID, "outcome", st.Outcome, p.Outcome)
	rows, err := c.Store.TasksOfProcedure(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	audit, err := c.Store.AuditOfWorkflow(ctx, wfID)
	if err != nil {
		return nil, err
	}
	c.compare(d, v, rows, audit)
	return d.list, nil
}

// Applications reconciles the given applications.
func (c *Checker) Applications(ctx context.Context, ids []uint64) (Report, error) {
	r := Report{Differences: []Difference{}}
	for _, id := range ids {
		n, diffs, err := c.application(ctx, id)
		if err != nil {
			return r, fmt.Errorf("application %d: %w", id, err)
		}
		r.Applications++
		r.Workflows += n
		r.Differences = append(r.Differences, diffs...)
	}
	return r, nil
}

// view is one workflow's committed state, reduced to what the rows hold.
type view struct {
	wfID     string
	seq      int64
	open     []activities.Task
	applying bool     // a write step still in flight after Settle
	write    *written // nil: no write step recorded as an activity
}

func (c *Checker) application(ctx context.Context, id uint64) (int, []Difference, error) {
	app, err := c.Store.Application(ctx, id)
	if err != nil {
		return 0, nil, err
	}
	wfID := workflows.ApplicationWorkflowID(id)
	d := &diffs{app: id}
	var st workflows.Status
	found, err := c.query(ctx, wfID, func(v converter.EncodedValue) (bool, error) {
		err := v.Get(&st)
		return st.Applying, err
	})
	if err != nil {
		return 0, nil, err
	}
	if !found {
		d.add(wfID, "workflow", "none", app.Status)
		return 0, d.list, nil
	}
	views := []view{{wfID: wfID, seq: st.Seq, open: st.Tasks, applying: st.Applying}}
	for _, m := range st.Models {
		var ms workflows.ModelStatus
		found, err := c.query(ctx, m.WorkflowID, func(v converter.EncodedValue) (bool, error) {
			err := v.Get(&ms)
			return ms.Applying, err
		})
		if err != nil {
			return 0, nil, err
		}
		if !found {
			d.add(m.WorkflowID, "workflow", "none", "model "+m.Status)
			continue
		}
		views = append(views, view{wfID: m.WorkflowID, seq: ms.Seq, open: ms.Tasks, applying: ms.Applying})
	}
	for i := range views {
		if views[i].write, err = c.history(ctx, views[i].wfID); err != nil {
			return 0, nil, err
		}
	}

	d.eq(wfID, "status", st.Status, app.Status)
	d.eq(wfID, "end reason", st.EndReason, app.EndReason)
	decided := map[string]string{}
	for _, ds := range st.Datasets {
		decided[ds.Code] = ds.Decision
	}
	for _, ds := range app.Datasets {
		d.eq(wfID, "dataset "+ds.DatasetCode, decided[ds.DatasetCode], ds.Decision)
	}

	rows, err := c.Store.TasksOf(ctx, id)
	if err != nil {
		return 0, nil, err
	}
	audit, err := c.Store.Audit(ctx, id)
	if err != nil {
		return 0, nil, err
	}
	for _, v := range views {
		c.compare(d, v, rows, audit)
	}
	return len(views), d.list, nil
}

// compare checks one workflow's tasks and audit rows.
func (c *Checker) compare(d *diffs, v view, rows []store.Task, audit []store.AuditEntry) {
	if v.applying {
		d.add(v.wfID, "write step", "in flight after "+c.settle().String(), "not written")
	}
	var mine []store.Task
	for _, t := range rows {
		if t.WorkflowID == v.wfID {
			mine = append(mine, t)
		}
	}
	var entries []store.AuditEntry
	for _, a := range audit {
		if a.WorkflowID == v.wfID {
			entries = append(entries, a)
		}
	}

	// Open tasks: exactly the workflow's, with its deadlines.
	open := map[string]activities.Task{}
	for _, t := range v.open {
		open[t.ID] = t
	}
	seen := map[string]bool{}
	for _, t := range mine {
		wt, isOpen := open[t.ID]
		if t.Status == domain.TaskOpen && !isOpen {
			d.add(v.wfID, "task "+t.ID, "not open", "open "+t.Kind+" for "+t.Department)
			continue
		}
		if !isOpen {
			continue
		}
		seen[t.ID] = true
		d.eq(v.wfID, "task "+t.ID, describe(wt.Status, wt.Kind, wt.Department, wt.DueAt), describe(t.Status, t.Kind, t.Department, t.DueAt))
		d.eq(v.wfID, "task "+t.ID+" overdue mark", marked(wt.OverdueAt), marked(t.OverdueAt))
	}
	for _, t := range v.open {
		if !seen[t.ID] {
			d.add(v.wfID, "task "+t.ID, "open "+t.Kind+" for "+t.Department, "no open row")
		}
	}

	// Every closed task has exactly one decision in the audit, the same
	// as its row's; an open task has none.
	decisions := map[string][]string{}
	for _, a := range entries {
		if a.Action == "task.decided" || a.Action == "task.cancelled" {
			f := strings.Fields(a.Target)
			if len(f) == 3 {
				decisions[f[0]] = append(decisions[f[0]], f[2])
			}
		}
	}
	for _, t := range mine {
		got := strings.Join(decisions[t.ID], ",")
		switch {
		case t.Status == domain.TaskOpen && got != "":
			d.add(v.wfID, "audit of task "+t.ID, "open", "decided "+got)
		case t.Status != domain.TaskOpen && got != t.Decision:
			d.add(v.wfID, "audit of task "+t.ID, "decided "+t.Decision, "audit says "+orNone(got))
		}
	}

	// The audit sequence: 1..seq, no gap, nothing beyond.
	bySeq := map[int64]store.AuditEntry{}
	for _, a := range entries {
		bySeq[a.Seq] = a
		if a.Seq > v.seq {
			d.add(v.wfID, fmt.Sprintf("audit seq %d", a.Seq), "not committed", a.Action+" "+a.Target)
		}
	}
	for s := int64(1); s <= v.seq; s++ {
		if _, ok := bySeq[s]; !ok {
			d.add(v.wfID, fmt.Sprintf("audit seq %d", s), "committed", "missing")
		}
	}

	// What the history's write steps say, row by row.
	if v.write == nil {
		return
	}
	for s, want := range v.write.audit {
		got, ok := bySeq[s]
		if !ok {
			continue // reported above as missing
		}
		d.eq(v.wfID, fmt.Sprintf("audit seq %d", s), entry(want.Actor, want.Action, want.Target, want.Reason, want.Basis),
			entry(got.Actor, got.Action, got.Target, got.Reason, got.Basis))
	}
	byID := map[string]store.Task{}
	for _, t := range mine {
		byID[t.ID] = t
	}
	for id, want := range v.write.tasks {
		got, ok := byID[id]
		if !ok {
			d.add(v.wfID, "task "+id, "written "+want.Status, "no row")
			continue
		}
		d.eq(v.wfID, "task "+id+" record", record(want.Status, want.Decision, want.Reason, want.ActorUser),
			record(got.Status, got.Decision, got.Reason, got.ActorUser))
	}
}

// written is what a run's completed write steps wrote: the last version
// of each task and every audit entry.
type written struct {
	tasks map[string]activities.Task
	audit map[int64]activities.AuditEntry
}

// history reads the write steps of the workflow's current run.
func (c *Checker) history(ctx context.Context, wfID string) (*written, error) {
	it := c.Temporal.GetWorkflowHistory(ctx, wfID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	dc := converter.GetDefaultDataConverter()
	inputs := map[int64]activities.Change{}
	var w *written
	for it.HasNext() {
		e, err := it.Next()
		if err != nil {
			return nil, fmt.Errorf("history of %s: %w", wfID, err)
		}
		switch e.GetEventType() {
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
			a := e.GetActivityTaskScheduledEventAttributes()
			if a.GetActivityType().GetName() != activities.ApplyName {
				continue
			}
			var ch activities.Change
			if err := dc.FromPayloads(a.GetInput(), &ch); err != nil {
				return nil, fmt.Errorf("history of %s: decode write step %d: %w", wfID, e.GetEventId(), err)
			}
			inputs[e.GetEventId()] = ch
		case enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
			a := e.GetActivityTaskCompletedEventAttributes()
			ch, ok := inputs[a.GetScheduledEventId()]
			if !ok {
				continue
			}
			var res activities.Applied
			if err := dc.FromPayloads(a.GetResult(), &res); err != nil {
				return nil, fmt.Errorf("history of %s: decode write step result %d: %w", wfID, e.GetEventId(), err)
			}
			if w == nil {
				w = &written{tasks: map[string]activities.Task{}, audit: map[int64]activities.AuditEntry{}}
			}
			for _, t := range append(ch.Tasks, res.Opened...) {
				w.tasks[t.ID] = t
			}
			for _, a := range ch.Audit {
				w.audit[a.Seq] = a
			}
		}
	}
	return w, nil
}

// query runs the status Query, again while decode reports a write step in
// flight, up to Settle. found is false when there is no such workflow.
//
// A Query of a closed workflow is answered by a worker replaying its
// history; under load (or while the server falls back from a worker's
// sticky queue) one can outlast a call's deadline. Such a call is
// transient, not a verdict: it is tried again for up to queryBudget.
func (c *Checker) query(ctx context.Context, wfID string, decode func(converter.EncodedValue) (applying bool, err error)) (found bool, err error) {
	deadline := time.Now().Add(c.settle())
	giveUp := time.Now().Add(queryBudget)
	for {
		v, err := c.Temporal.QueryWorkflow(ctx, wfID, "", workflows.QueryStatus)
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			return false, nil
		}
		if transient(err) && ctx.Err() == nil && time.Now().Before(giveUp) {
			if err := pause(ctx, time.Second); err != nil {
				return false, err
			}
			continue
		}
		if err != nil {
			return false, fmt.Errorf("query %s: %w", wfID, err)
		}
		applying, err := decode(v)
		if err != nil {
			return false, fmt.Errorf("query %s: %w", wfID, err)
		}
		if !applying || time.Now().After(deadline) {
			return true, nil
		}
		if err := pause(ctx, 200*time.Millisecond); err != nil {
			return false, err
		}
	}
}

// queryBudget is how long one workflow's Query is retried while it times
// out or finds the service unavailable.
const queryBudget = 2 * time.Minute

// transient: a call that timed out or found the service unavailable.
func transient(err error) bool {
	var de *serviceerror.DeadlineExceeded
	var un *serviceerror.Unavailable
	// The server refuses a Query while no worker has polled lately: a
	// worker restarting, or one too busy to poll in time. Transient too.
	var fp *serviceerror.FailedPrecondition
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &de) || errors.As(err, &un) ||
		(errors.As(err, &fp) && strings.Contains(fp.Message, "no poller seen"))
}

func pause(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

func (c *Checker) settle() time.Duration {
	if c.Settle > 0 {
		return c.Settle
	}
	return 10 * time.Second
}

type diffs struct {
	app  uint64
	list []Difference
}

func (d *diffs) add(wfID, what, wf, rm string) {
	d.list = append(d.list, Difference{ApplicationID: d.app, WorkflowID: wfID, What: what, Workflow: wf, ReadModel: rm})
}

func (d *diffs) eq(wfID, what, wf, rm string) {
	if wf != rm {
		d.add(wfID, what, wf, rm)
	}
}

func describe(status, kind, dept string, due time.Time) string {
	return fmt.Sprintf("%s %s for %s due %s", status, kind, dept, due.UTC().Format(time.RFC3339))
}

func marked(t *time.Time) string {
	if t == nil {
		return "not marked"
	}
	return "marked"
}

func entry(actor, action, target, reason, basis string) string {
	return strings.Join([]string{actor, action, target, reason, basis}, " | ")
}

func record(status, decision, reason, actor string) string {
	return strings.Join([]string{status, decision, reason, actor}, " | ")
}

func orNone(s string) string {
	if s == "" {
		return "nothing"
	}
	return s
}
