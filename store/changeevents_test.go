package store

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/domain"
)

// What a workflow change tells people, decided from the change and the rows
// before it alone: one case per event kind and per rule that keeps an event
// back.
func TestChangeEvents(t *testing.T) {
	opened := cst(2025, 3, 3, 9)   // 1740963600
	reminded := cst(2025, 3, 5, 9) // 1741136400
	due := cst(2025, 3, 6, 9)      // 1741222800: overdue at the same time
	now := cst(2025, 3, 10, 9)     // 1741568400

	task := func(kind, status string, remindedAt, overdueAt *time.Time) Task {
		return Task{ID: "application-7-" + kind, ApplicationID: 7, WorkflowID: "application-7", Kind: kind,
			Department: "samr", Status: status, OpenedAt: opened, DueAt: due, RemindedAt: remindedAt, OverdueAt: overdueAt}
	}
	review := task(domain.TaskDepartmentReview, domain.TaskOpen, nil, nil)
	reviewReminded := task(domain.TaskDepartmentReview, domain.TaskOpen, &reminded, nil)
	reviewOverdue := task(domain.TaskDepartmentReview, domain.TaskOpen, &reminded, &due)
	// What snapshotForNotify reads of a task: its status and when it was
	// opened, reminded and marked overdue.
	prior := func(t Task) map[string]Task {
		return map[string]Task{t.ID: {ID: t.ID, Status: t.Status, OpenedAt: t.OpenedAt, DueAt: t.DueAt, RemindedAt: t.RemindedAt, OverdueAt: t.OverdueAt}}
	}
	// ev is the event of a task; key is written out in full.
	ev := func(key, kind, org string, t Task, at time.Time) NotifyEvent {
		return NotifyEvent{EventKey: key, Kind: kind, Org: org, ApplicationID: 7, TaskID: t.ID,
			Data:      EventData{TaskKind: t.Kind, Department: "samr", DueAt: ptr(due.UTC())},
			CreatedAt: at.UTC()}
	}
	app := func(status string) *AppState { return &AppState{ID: 7, Status: status, EndReason: "expired"} }
	statusEv := func(key, status string, at time.Time) NotifyEvent {
		return NotifyEvent{EventKey: key, Kind: EventAppStatus, Org: "acme", ApplicationID: 7,
			Data: EventData{Status: status, EndReason: "expired"}, CreatedAt: at.UTC()}
	}
	audit := func(seqs ...int64) []AuditEntry {
		var out []AuditEntry
		for _, s := range seqs {
			out = append(out, AuditEntry{WorkflowID: "application-7", Seq: s, At: opened.Add(time.Duration(s) * time.Hour)})
		}
		return out
	}
	found := func(status string) notifySnapshot {
		return notifySnapshot{appFound: true, appStatus: status, applicantOrg: "acme"}
	}
	supervision := []string{"samr", "supervision", "supervision2"}

	moved := review
	moved.DueAt = due.AddDate(0, 0, 3)
	movedEv := ev("task.due_moved:application-7-department_review:1741482000:samr", EventTaskDueMoved, "samr", review, opened.Add(4*time.Hour))
	movedEv.Data.DueAt, movedEv.Data.WasDueAt = ptr(moved.DueAt.UTC()), ptr(due.UTC())
	cases := []struct {
		name   string
		change Change
		before notifySnapshot
		want   []NotifyEvent
	}{
		{
			name:   "an open task whose due date moved tells its department both dates, at the change's time",
			change: Change{Tasks: []Task{moved}, Audit: audit(4)},
			before: notifySnapshot{tasks: prior(review)},
			want:   []NotifyEvent{movedEv},
		},
		{
			name:   "a due date that did not move tells nobody",
			change: Change{Tasks: []Task{review}, Audit: audit(4)},
			before: notifySnapshot{tasks: prior(review)},
		},
		{
			name:   "a new task opens for its department",
			change: Change{Tasks: []Task{review}},
			want: []NotifyEvent{
				ev("task.opened:application-7-department_review:1740963600:samr", EventTaskOpened, "samr", review, opened),
			},
		},
		{
			name:   "a task open before does not open again",
			change: Change{Tasks: []Task{review}},
			before: notifySnapshot{tasks: prior(review)},
		},
		{
			name:   "a task that was not open opens",
			change: Change{Tasks: []Task{review}},
			before: notifySnapshot{tasks: prior(task(domain.TaskDepartmentReview, domain.TaskDone, nil, nil))},
			want: []NotifyEvent{
				ev("task.opened:application-7-department_review:1740963600:samr", EventTaskOpened, "samr", review, opened),
			},
		},
		{
			name:   "the reply to an urge does not open (the urge's event says it)",
			change: Change{Tasks: []Task{task(domain.TaskUrgeReply, domain.TaskOpen, nil, nil)}},
		},
		{
			name:   "the reply to an urge is reminded",
			change: Change{Tasks: []Task{task(domain.TaskUrgeReply, domain.TaskOpen, &reminded, nil)}},
			want: []NotifyEvent{
				ev("task.reminded:application-7-urge_reply:1741136400:samr", EventTaskReminded, "samr",
					task(domain.TaskUrgeReply, domain.TaskOpen, nil, nil), reminded),
			},
		},
		{
			name:   "a task closed tells nobody, whatever it carries",
			change: Change{Tasks: []Task{task(domain.TaskDepartmentReview, domain.TaskDone, &reminded, &due)}},
		},
		{
			name:   "a task cancelled while open tells its holder, with the application's status after the change",
			change: Change{Tasks: []Task{task(domain.TaskDepartmentReview, domain.TaskCancelled, nil, nil)}, App: app(domain.StatusWithdrawn), Audit: audit(5)},
			before: notifySnapshot{tasks: prior(review), appFound: true, appStatus: domain.StatusDepartmentReview, applicantOrg: "acme"},
			want: []NotifyEvent{
				{EventKey: "task.cancelled:application-7-department_review:samr", Kind: EventTaskCancelled, Org: "samr", ApplicationID: 7,
					TaskID: review.ID, Data: EventData{TaskKind: domain.TaskDepartmentReview, Department: "samr", Status: domain.StatusWithdrawn, EndReason: "expired"},
					CreatedAt: opened.Add(5 * time.Hour).UTC()},
				statusEv("application.status:7:withdrawn:5:acme", domain.StatusWithdrawn, opened.Add(5*time.Hour)),
			},
		},
		{
			name: "the end announced three months ahead tells the applicant and the application's operator",
			change: Change{App: &AppState{ID: 7, Status: domain.StatusActive, ActiveUntil: ptr(due)},
				Audit: []AuditEntry{{WorkflowID: "application-7", Seq: 6, Action: ActionAuthorizationExpiring, Target: "gdo", At: opened.Add(6 * time.Hour)}}},
			before: notifySnapshot{appFound: true, appStatus: domain.StatusActive, applicantOrg: "acme"},
			want: []NotifyEvent{
				{EventKey: "application.expiring:7:acme", Kind: EventAppExpiring, Org: "acme", ApplicationID: 7,
					Data: EventData{EndsAt: ptr(due.UTC())}, CreatedAt: opened.Add(6 * time.Hour).UTC()},
				{EventKey: "application.expiring:7:gdo", Kind: EventAppExpiring, Org: "gdo", ApplicationID: 7,
					Data: EventData{EndsAt: ptr(due.UTC())}, CreatedAt: opened.Add(6 * time.Hour).UTC()},
			},
		},
		{
			name: "the applicant's own step cancelled by its withdrawal tells it once, by the status event",
			change: Change{Tasks: []Task{{ID: "application-7-supplement", ApplicationID: 7, Kind: domain.TaskSupplement, Department: "acme",
				Status: domain.TaskCancelled, OpenedAt: opened, DueAt: due}}, App: app(domain.StatusWithdrawn), Audit: audit(5)},
			before: notifySnapshot{tasks: map[string]Task{"application-7-supplement": {ID: "application-7-supplement", Status: domain.TaskOpen}},
				appFound: true, appStatus: domain.StatusSupplement, applicantOrg: "acme"},
			want: []NotifyEvent{statusEv("application.status:7:withdrawn:5:acme", domain.StatusWithdrawn, opened.Add(5*time.Hour))},
		},
		{
			name:   "a cancelled reply to an urge tells nobody",
			change: Change{Tasks: []Task{task(domain.TaskUrgeReply, domain.TaskCancelled, nil, nil)}},
			before: notifySnapshot{tasks: prior(task(domain.TaskUrgeReply, domain.TaskOpen, nil, nil))},
		},
		{
			name:   "a task is reminded the first time",
			change: Change{Tasks: []Task{reviewReminded}},
			before: notifySnapshot{tasks: prior(review)},
			want: []NotifyEvent{
				ev("task.reminded:application-7-department_review:1741136400:samr", EventTaskReminded, "samr", review, reminded),
			},
		},
		{
			name:   "a reminder is told once",
			change: Change{Tasks: []Task{reviewReminded}},
			before: notifySnapshot{tasks: prior(reviewReminded)},
		},
		{
			name:   "an overdue task tells its department and the supervision offices, the department once",
			change: Change{Tasks: []Task{reviewOverdue}},
			before: notifySnapshot{tasks: prior(reviewReminded), supervision: supervision},
			want: []NotifyEvent{
				ev("task.overdue:application-7-department_review:1741222800:samr", EventTaskOverdue, "samr", review, due),
				ev("task.overdue:application-7-department_review:1741222800:supervision", EventTaskOverdue, "supervision", review, due),
				ev("task.overdue:application-7-department_review:1741222800:supervision2", EventTaskOverdue, "supervision2", review, due),
			},
		},
		{
			name:   "an overdue task is told once",
			change: Change{Tasks: []Task{reviewOverdue}},
			before: notifySnapshot{tasks: prior(reviewOverdue), supervision: supervision},
		},
		{
			name:   "a new task already reminded and overdue tells all three, in order",
			change: Change{Tasks: []Task{reviewOverdue}},
			before: notifySnapshot{supervision: []string{"supervision"}},
			want: []NotifyEvent{
				ev("task.opened:application-7-department_review:1740963600:samr", EventTaskOpened, "samr", review, opened),
				ev("task.reminded:application-7-department_review:1741136400:samr", EventTaskReminded, "samr", review, reminded),
				ev("task.overdue:application-7-department_review:1741222800:samr", EventTaskOverdue, "samr", review, due),
				ev("task.overdue:application-7-department_review:1741222800:supervision", EventTaskOverdue, "supervision", review, due),
			},
		},
		{
			name:   "a notified status tells the applicant, keyed and timed by the last audit entry",
			change: Change{App: app(domain.StatusActive), Audit: audit(3, 5, 4)},
			before: found(domain.StatusAgreements),
			want: []NotifyEvent{
				statusEv("application.status:7:active:5:acme", domain.StatusActive, opened.Add(5*time.Hour)),
			},
		},
		{
			name:   "a notified status without an audit entry is timed now",
			change: Change{App: app(domain.StatusClosed)},
			before: found(domain.StatusExiting),
			want: []NotifyEvent{
				statusEv("application.status:7:closed:0:acme", domain.StatusClosed, now),
			},
		},
		{
			name:   "an unchanged status tells nobody",
			change: Change{App: app(domain.StatusActive), Audit: audit(6)},
			before: found(domain.StatusActive),
		},
		{
			name:   "a status not in NotifiedStatuses tells nobody",
			change: Change{App: app(domain.StatusDepartmentReview), Audit: audit(2)},
			before: found(domain.StatusInitialReview),
		},
		{
			name:   "an application that was not there before tells nobody",
			change: Change{App: app(domain.StatusRejected), Audit: audit(2)},
			before: notifySnapshot{},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := c.before
			if before.tasks == nil {
				before.tasks = map[string]Task{}
			}
			got := changeEvents(c.change, before, now)
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("events:\n%s\nwant:\n%s", showEvents(got), showEvents(c.want))
			}
		})
	}
}

// An urge tells the task's department, with the reply's due time when the
// workflow opened a reply task for it.
func TestUrgeEvent(t *testing.T) {
	due, replyDue, at := cst(2025, 3, 6, 9), cst(2025, 3, 12, 9), cst(2025, 3, 7, 10)
	task := Task{ID: "application-7-department_review", ApplicationID: 7, Kind: domain.TaskDepartmentReview, Department: "samr", DueAt: due}
	u := Urge{ID: 42, TaskID: task.ID, ApplicationID: 7, Department: "samr", Supervisor: "supervisor", Message: "act now", CreatedAt: at}
	want := func(reply *time.Time) NotifyEvent {
		return NotifyEvent{EventKey: "task.urged:42:samr", Kind: EventTaskUrged, Org: "samr", ApplicationID: 7, TaskID: task.ID,
			Data: EventData{TaskKind: domain.TaskDepartmentReview, Department: "samr", DueAt: ptr(due.UTC()),
				Message: "act now", Supervisor: "supervisor", ReplyDueAt: reply},
			CreatedAt: at.UTC()}
	}
	cases := []struct {
		name  string
		reply *Task
		want  NotifyEvent
	}{
		{"with a reply task", &Task{ID: "application-7-urge_reply", DueAt: replyDue}, want(ptr(replyDue.UTC()))},
		{"without one", nil, want(nil)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := urgeEvent(u, task, c.reply); !reflect.DeepEqual(got, c.want) {
				t.Errorf("event:\n%s\nwant:\n%s", showEvents([]NotifyEvent{got}), showEvents([]NotifyEvent{c.want}))
			}
		})
	}
}

func showEvents(evs []NotifyEvent) string {
	if len(evs) == 0 {
		return "  (none)"
	}
	var b strings.Builder
	for _, e := range evs {
		d := e.Data
		fmt.Fprintf(&b, "  %s %s org=%s app=%d task=%s at=%s data={%s %s due=%v status=%s end=%s msg=%q by=%s reply=%v}\n",
			e.EventKey, e.Kind, e.Org, e.ApplicationID, e.TaskID, e.CreatedAt.Format(time.RFC3339),
			d.TaskKind, d.Department, fmtTime(d.DueAt), d.Status, d.EndReason, d.Message, d.Supervisor, fmtTime(d.ReplyDueAt))
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func fmtTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339) + " " + t.Location().String()
}
