package workflows

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/domain"
)

// Error types carried by refused Updates; the API maps them to HTTP statuses.
const (
	ErrInvalid   = "invalid"   // 400: a field is missing or malformed
	ErrForbidden = "forbidden" // 403: the actor's org is not the task's
	ErrConflict  = "conflict"  // 409: wrong step, already decided
	ErrNotFound  = "not_found" // 404: no such task in this workflow
)

// refuse builds a refusal naming the field at fault ("" for none). Its
// details carry the field and the message in zh-CN (i18n.go), which the
// API shows unless the caller prefers English.
func refuse(kind, field, format string, args ...any) error {
	zh := format
	if f, ok := zhRefusals[format]; ok {
		zh = f
	}
	return temporal.NewApplicationErrorWithOptions(fmt.Sprintf(format, args...), kind,
		temporal.ApplicationErrorOptions{NonRetryable: true, Details: []any{field, fmt.Sprintf(zh, zhArgs(args)...)}})
}

// systemActor is the actor of timer-driven transitions.
var systemActor = Actor{User: domain.RoleSystem, Role: domain.RoleSystem, Org: domain.RoleSystem}

// machine is what both workflows share: open tasks with their deadline
// timers, the audit sequence, one lock that serialises transitions, and the
// Apply activity.
type machine struct {
	core    *Core
	wfID    string
	appID   uint64
	dl      Deadlines
	mu      workflow.Mutex
	cancels map[string]workflow.CancelFunc // by task ID; never iterated
	version int                            // bumped on every transition
	// writing is the change whose write step is in flight (nil: none).
	// Its rows may not be written yet (the status Query says so, for
	// reconciliation), or may already be: a decision on a task it opens,
	// whose row can be in the inbox, is admitted and waits for the lock
	// instead of being refused as not open.
	writing *activities.Change
	// byActivity: this run writes through the Apply activity (see
	// writesByActivity).
	byActivity bool
	// lastOpened are the tasks the latest transition opened.
	lastOpened []activities.Task
	// rootCtx is the workflow's own context, for timer goroutines.
	rootCtx workflow.Context
	// recounting: calendar signals taken off their channel and not yet
	// served (recount); a continue-as-new waits for them.
	recounting int
	// atDue, when set, is offered a task falling due before it is marked
	// overdue; it returns true when it wrote the transition itself (a
	// step that lapses instead of staying overdue).
	atDue func(ctx workflow.Context, t activities.Task) (bool, error)
	// applicant is the applicant's org: its own steps, when late, are not
	// escalated to supervision (002 四(三) aims at 责任单位).
	applicant string
	// procID is the statutory procedure this machine runs (0: an
	// application's); its tasks carry it.
	procID uint64
	// countFrom, when set, is when a task's working days count from, if
	// not from its opening (a time limit that runs from a request's
	// receipt), for counting them again (recount).
	countFrom func(t activities.Task) time.Time
	// oneTimer: this run keeps one timer for all its clock-driven steps
	// (oneTimerChange, clock); arm then starts nothing.
	oneTimer bool
	// timeEvent, when set, is the owner's next clock-driven transition
	// (zero: none), which the clock's timer also wakes the workflow for.
	timeEvent func() time.Time
	// passed is when the clock took each task's steps (by stepKey): a
	// step that left the task as it was (atDue took it, or its write
	// failed) is not taken again at the same time.
	passed map[string]time.Time
}

func newMachine(ctx workflow.Context, core *Core, appID uint64, dl Deadlines) *machine {
	m := &machine{
		core:    core,
		wfID:    workflow.GetInfo(ctx).WorkflowExecution.ID,
		appID:   appID,
		dl:      dl,
		mu:      workflow.NewMutex(ctx),
		cancels: map[string]workflow.CancelFunc{},
		rootCtx: ctx,
	}
	m.oneTimer = workflow.GetVersion(ctx, oneTimerChange, workflow.DefaultVersion, 1) >= 1
	if m.oneTimer {
		m.passed = map[string]time.Time{}
		workflow.Go(ctx, m.clock)
	}
	return m
}

// change is a transition under construction.
type change struct {
	activities.Change
	closed []string // task IDs closed by this change
}

func (m *machine) now(ctx workflow.Context) time.Time { return workflow.Now(ctx).UTC() }

// audit appends an audit entry with the next sequence number.
func (m *machine) audit(ctx workflow.Context, c *change, a Actor, action, target, reason, basis string) {
	m.core.Seq++
	c.Audit = append(c.Audit, activities.AuditEntry{
		WorkflowID: m.wfID, Seq: m.core.Seq, ApplicationID: m.appID,
		Actor: a.User, Role: a.Role, Department: a.Org,
		Action: action, Target: target, Reason: reason, Basis: basis,
		At: m.now(ctx),
	})
}

// open adds a new task for org, due when its kind's deadline says
// (Deadlines.For), reminded ReminderBefore working days before.
func (m *machine) open(ctx workflow.Context, c *change, kind, org, subject string, round int) {
	m.core.TaskSeq++
	t := activities.Task{
		ID: fmt.Sprintf("%s-t%d", m.wfID, m.core.TaskSeq), ApplicationID: m.appID, WorkflowID: m.wfID,
		Kind: kind, Subject: subject, Round: round, Department: org, Status: domain.TaskOpen,
		OpenedAt: m.now(ctx), ProcedureID: m.procID,
	}
	d := m.dl.For(kind)
	if m.autoUrged(ctx, kind, org) {
		d.UrgeAfter = m.dl.autoUrgeDays()
	}
	c.Open = append(c.Open, activities.NewTask{Task: t, Deadline: d})
}

// autoUrgeChange: a department's task still open AutoUrgeDays working
// days past its due date is urged automatically (the ladder's last rung:
// reminder, overdue and escalated, then 督办). Tasks opened before it are
// not.
const autoUrgeChange = "auto-urge"

// autoUrged: a task of kind held by org is urged automatically when it
// runs late: a department's step, not the applicant's own, and not an
// answer to supervision itself.
func (m *machine) autoUrged(ctx workflow.Context, kind, org string) bool {
	if org == m.applicant || kind == domain.TaskUrgeReply || kind == domain.TaskFlagAnswer {
		return false
	}
	return workflow.GetVersion(ctx, autoUrgeChange, workflow.DefaultVersion, 1) >= 1
}

// openUntil is open with the due time fixed: a later round of a step
// whose time limit runs from an earlier event.
func (m *machine) openUntil(ctx workflow.Context, c *change, kind, org, subject string, round int, until time.Time) {
	m.open(ctx, c, kind, org, subject, round)
	nt := &c.Open[len(c.Open)-1]
	nt.Deadline = activities.Deadline{Until: &until, ReminderBefore: m.dl.ReminderBefore}
}

// openWithin is open with the due time capped: a step that must end
// within another's time.
func (m *machine) openWithin(ctx workflow.Context, c *change, kind, org, subject string, round int, notAfter time.Time) {
	m.open(ctx, c, kind, org, subject, round)
	c.Open[len(c.Open)-1].Deadline.NotAfter = &notAfter
}

// close records a decision on an open task.
func (m *machine) close(ctx workflow.Context, c *change, t activities.Task, a Actor, decision, reason, basis, comment string) {
	now := m.now(ctx)
	t.Status = domain.TaskDone
	if decision == domain.DecisionCancelled {
		t.Status = domain.TaskCancelled
	}
	t.Decision, t.Reason, t.Basis, t.Comment = decision, reason, basis, comment
	t.ActorUser, t.ActorRole = a.User, a.Role
	t.DecidedAt = &now
	c.Tasks = append(c.Tasks, t)
	c.closed = append(c.closed, t.ID)
	action := "task.decided"
	if decision == domain.DecisionCancelled {
		action = "task.cancelled"
	}
	m.audit(ctx, c, a, action, t.ID+" "+t.Kind+" "+decision, reason, basis)
}

// cancelOpen closes every open task (kinds empty) or those of the given
// kinds, except those this change already decided: a decision that ends
// the authorization (an unqualified rating) stands on the record.
func (m *machine) cancelOpen(ctx workflow.Context, c *change, reason string, kinds ...string) {
	for _, t := range m.core.Tasks {
		if len(kinds) > 0 && !contains(kinds, t.Kind) {
			continue
		}
		if contains(c.closed, t.ID) && workflow.GetVersion(ctx, cancelKeepsDecisionChange, workflow.DefaultVersion, 1) >= 1 {
			continue
		}
		m.close(ctx, c, t, systemActor, domain.DecisionCancelled, reason, "", "")
	}
}

// applicantNotEscalatedChange: an applicant's own step that falls due is
// marked overdue but not recorded as escalated to supervision; the
// applicant and the org awaiting it are told instead. Before it, the audit
// said every overdue step was escalated.
const applicantNotEscalatedChange = "applicant-not-escalated"

// cancelKeepsDecisionChange: cancelling the open tasks skips a task the
// same change decided. Before it, an unqualified rating that terminated
// the authorization was closed twice: its row read "cancelled" and the
// audit held both its decision and a cancellation.
const cancelKeepsDecisionChange = "cancel-keeps-decision"

// apply runs the Apply activity until it succeeds and then commits the
// change to the workflow state: closed tasks leave, opened tasks arrive with
// their deadline timers armed. A non-retryable failure (a bug or a missing
// row) is returned and the state is left as it was.
func (m *machine) apply(ctx workflow.Context, c *change) ([]activities.Task, error) {
	c.ApplicationID = m.appID
	m.writing = &c.Change
	defer func() { m.writing = nil }()
	var res activities.Applied
	if err := m.write(ctx, c.Change).Get(ctx, &res); err != nil {
		return nil, err
	}
	for _, id := range c.closed {
		m.dropTask(id)
	}
	// A task closed in the same change as it was written (e.g. a decision
	// recorded on an upserted row) is removed above; opened tasks are added.
	for _, t := range res.Opened {
		m.core.Tasks = append(m.core.Tasks, t)
		m.arm(t.ID)
	}
	m.version++
	m.lastOpened = res.Opened
	return res.Opened, nil
}

// applyActivityChange: the write step is a regular activity, scheduled
// by the workflow task that commits the transition, instead of a local
// activity run inside it. A local activity's transaction commits before
// its workflow task completes; when that task then failed (a worker
// killed, a concurrent Update, an error), the Update was aborted and
// retried by its client while its rows stayed, and the retry reused the
// same audit sequence numbers and task IDs for what could be another
// decision. An activity is only scheduled by a workflow task that the
// server accepted, so every row it writes belongs to a committed
// transition. Histories recorded before this change replay with the
// local activity.
const applyActivityChange = "apply-activity"

// writeRetry retries the write step until it succeeds; a non-retryable
// failure (a bug, a missing row) ends it.
var writeRetry = &temporal.RetryPolicy{
	InitialInterval:    500 * time.Millisecond,
	BackoffCoefficient: 2,
	MaximumInterval:    time.Minute,
}

// write schedules the Apply activity for a change.
func (m *machine) write(ctx workflow.Context, c activities.Change) workflow.Future {
	if !m.writesByActivity(ctx) {
		lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
			ScheduleToCloseTimeout: 7 * 24 * time.Hour,
			StartToCloseTimeout:    30 * time.Second,
			RetryPolicy:            writeRetry,
		})
		return workflow.ExecuteLocalActivity(lctx, activities.ApplyName, c)
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		ScheduleToCloseTimeout: 7 * 24 * time.Hour,
		StartToCloseTimeout:    30 * time.Second,
		RetryPolicy:            writeRetry,
	})
	return workflow.ExecuteActivity(actx, activities.ApplyName, c)
}

// writesByActivity: this transition's write step is an activity. A run
// started before applyActivityChange replays its recorded transitions with
// the local activity and switches at its first new one: GetVersion keeps
// answering DefaultVersion for a change ID it first met while replaying, so
// each transition of such a run asks under an ID of its own, and one
// marker records where the run switched.
func (m *machine) writesByActivity(ctx workflow.Context) bool {
	if m.byActivity {
		return true
	}
	if workflow.GetVersion(ctx, applyActivityChange, workflow.DefaultVersion, 1) == 1 ||
		workflow.GetVersion(ctx, fmt.Sprintf("%s/%d", applyActivityChange, m.version), workflow.DefaultVersion, 1) == 1 {
		m.byActivity = true
	}
	return m.byActivity
}

// dropTask removes a task from the open set and stops its timers.
func (m *machine) dropTask(id string) {
	for i, t := range m.core.Tasks {
		if t.ID == id {
			m.core.Tasks = append(m.core.Tasks[:i:i], m.core.Tasks[i+1:]...)
			break
		}
	}
	if cancel, ok := m.cancels[id]; ok {
		cancel()
		delete(m.cancels, id)
	}
	m.forgetSteps(id)
}

func (m *machine) task(id string) (activities.Task, bool) {
	for _, t := range m.core.Tasks {
		if t.ID == id {
			return t, true
		}
	}
	return activities.Task{}, false
}

// opening finds a task the change being written opens.
func (m *machine) opening(id string) (activities.Task, bool) {
	if m.writing != nil {
		for _, nt := range m.writing.Open {
			if nt.Task.ID == id {
				return nt.Task, true
			}
		}
	}
	return activities.Task{}, false
}

// applying: a transition's write step is in flight.
func (m *machine) applying() bool { return m.writing != nil }

func (m *machine) openOf(kind string) []activities.Task {
	var out []activities.Task
	for _, t := range m.core.Tasks {
		if t.Kind == kind {
			out = append(out, t)
		}
	}
	return out
}

// arm starts the reminder and overdue timers of an open task; in a run
// with one timer, the clock serves every open task and arm does nothing.
func (m *machine) arm(id string) {
	if m.oneTimer {
		return
	}
	ctx, cancel := workflow.WithCancel(m.rootCtx)
	m.cancels[id] = cancel
	workflow.Go(ctx, func(ctx workflow.Context) {
		t, ok := m.task(id)
		if !ok {
			return
		}
		if t.RemindAt != nil && t.RemindedAt == nil {
			if !sleepUntil(ctx, *t.RemindAt) {
				return
			}
			m.mark(ctx, id, false)
		}
		if t.OverdueAt == nil {
			if !sleepUntil(ctx, t.DueAt) {
				return
			}
			m.mark(ctx, id, true)
		}
		if t, ok = m.task(id); ok && t.UrgeAt != nil && t.UrgedAt == nil {
			if !sleepUntil(ctx, *t.UrgeAt) {
				return
			}
			m.autoUrge(ctx, id)
		}
	})
}

// autoUrge urges a task still open at its UrgeAt, unless a supervisor
// urged it already: the urge is recorded, for the pages and supervision,
// and told to the department, the bureau, the supervision offices and
// the applicant. It asks no written reply; a supervisor's urge does.
func (m *machine) autoUrge(ctx workflow.Context, id string) {
	if err := m.mu.Lock(ctx); err != nil {
		return
	}
	defer m.mu.Unlock()
	t, ok := m.task(id)
	if !ok || ctx.Err() != nil || t.UrgedAt != nil {
		return
	}
	m.urgeNow(ctx, t)
}

// urgeNow writes a task's automatic urge, under the lock; false when the
// write failed.
func (m *machine) urgeNow(ctx workflow.Context, t activities.Task) bool {
	now := m.now(ctx)
	var c change
	m.audit(ctx, &c, systemActor, "task.urged", t.ID+" "+t.Department,
		fmt.Sprintf("overdue %d working days: urged automatically", m.dl.autoUrgeDays()), "")
	c.Urges = append(c.Urges, activities.Urge{TaskID: t.ID, At: now})
	if _, err := m.apply(ctx, &c); err != nil {
		return false
	}
	t.UrgedAt = &now
	m.replace(t)
	return true
}

// mark records a reminder (催办) or, at the due time, the task becoming
// overdue (超期) and its escalation to supervisors.
func (m *machine) mark(ctx workflow.Context, id string, overdue bool) {
	if err := m.mu.Lock(ctx); err != nil {
		return
	}
	defer m.mu.Unlock()
	t, ok := m.task(id)
	// Cancelled while waiting for the lock: the task was closed, or its
	// deadline moved and a new timer serves it.
	if !ok || ctx.Err() != nil {
		return
	}
	m.markNow(ctx, t, overdue)
}

// markNow writes a task's reminder or overdue mark, under the lock; false
// when the write failed.
func (m *machine) markNow(ctx workflow.Context, t activities.Task, overdue bool) bool {
	if overdue && m.atDue != nil {
		if done, err := m.atDue(ctx, t); done || err != nil {
			return err == nil
		}
	}
	now := m.now(ctx)
	var c change
	if overdue {
		t.OverdueAt = &now
		m.audit(ctx, &c, systemActor, "task.overdue", t.ID+" "+t.Kind+" "+t.Department, "", "")
		if t.Department != m.applicant || workflow.GetVersion(ctx, applicantNotEscalatedChange, workflow.DefaultVersion, 1) < 1 {
			m.audit(ctx, &c, systemActor, "task.escalated", t.ID+" "+t.Kind+" "+t.Department, "overdue: escalated to supervision", "")
		}
	} else {
		t.RemindedAt = &now
		m.audit(ctx, &c, systemActor, "task.reminded", t.ID+" "+t.Kind+" "+t.Department, "", "")
	}
	c.Tasks = append(c.Tasks, t)
	if _, err := m.apply(ctx, &c); err != nil {
		return false
	}
	m.replace(t)
	return true
}

func (m *machine) replace(t activities.Task) {
	for i := range m.core.Tasks {
		if m.core.Tasks[i].ID == t.ID {
			m.core.Tasks[i] = t
		}
	}
}

// sleepUntil waits until t; false when cancelled.
func sleepUntil(ctx workflow.Context, t time.Time) bool {
	if d := t.Sub(workflow.Now(ctx)); d > 0 {
		if err := workflow.Sleep(ctx, d); err != nil {
			return false
		}
	}
	return ctx.Err() == nil
}

// lock takes the transition lock; every Update handler and timer holds it
// while it changes state, so validators' checks are repeated under it.
func (m *machine) lock(ctx workflow.Context) error { return m.mu.Lock(ctx) }

// onUpdate registers an Update. check is its validator: it admits or
// refuses a request, and a refusal leaves no trace in the history. do runs
// under the machine's lock, after check has run again there, because
// another Update may have changed the state between this one's admission
// and now: every Update's prologue, written once.
func onUpdate[Req any](ctx workflow.Context, m *machine, name string,
	check func(workflow.Context, Req) error, do func(workflow.Context, Req) (UpdateResult, error)) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, name, func(ctx workflow.Context, r Req) (UpdateResult, error) {
		if err := m.lock(ctx); err != nil {
			return UpdateResult{}, err
		}
		defer m.mu.Unlock()
		if err := check(ctx, r); err != nil {
			return UpdateResult{}, err
		}
		return do(ctx, r)
	}, workflow.UpdateHandlerOptions{Validator: check})
}

// checkTask finds an open task and checks the actor and the decision.
func (m *machine) checkTask(r DecideRequest) (activities.Task, error) {
	if strings.TrimSpace(r.TaskID) == "" {
		return activities.Task{}, refuse(ErrInvalid, "task_id", "task_id is required")
	}
	t, ok := m.task(r.TaskID)
	if !ok {
		t, ok = m.opening(r.TaskID)
	}
	if !ok {
		return activities.Task{}, refuse(ErrConflict, "task_id", "task %s is not open (already decided, cancelled, or not part of this workflow)", r.TaskID)
	}
	if err := checkActor(r.Actor); err != nil {
		return activities.Task{}, err
	}
	if r.Actor.Org != t.Department {
		return activities.Task{}, refuse(ErrForbidden, "actor.org", "task %s belongs to %s; %s cannot act on it", t.ID, t.Department, r.Actor.Org)
	}
	if !contains(domain.AllowedDecisions(t.Kind), r.Decision) {
		return activities.Task{}, refuse(ErrInvalid, "decision", "decision %q is not allowed on a %s task; use one of: %s",
			r.Decision, t.Kind, strings.Join(domain.AllowedDecisions(t.Kind), ", "))
	}
	return t, nil
}

func checkActor(a Actor) error {
	if strings.TrimSpace(a.User) == "" || strings.TrimSpace(a.Org) == "" {
		return refuse(ErrInvalid, "actor", "the actor's user and org are required")
	}
	return nil
}

// requireReasonBasis enforces that a rejection states its reason and basis.
func requireReasonBasis(prefix, reason, basis string) error {
	if strings.TrimSpace(reason) == "" {
		return refuse(ErrInvalid, prefix+"reason", "a rejection must state its reason: fill in %sreason", prefix)
	}
	if strings.TrimSpace(basis) == "" {
		return refuse(ErrInvalid, prefix+"basis", "a rejection must state its legal or policy basis: fill in %sbasis", prefix)
	}
	return nil
}

func requireReason(decision, reason string) error {
	if strings.TrimSpace(reason) == "" {
		return refuse(ErrInvalid, "reason", "decision %s needs a reason: fill in reason", decision)
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
