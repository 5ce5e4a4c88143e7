package workflows

import (
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
)

// SignalCalendarChanged tells a workflow that holiday tables were added or
// replaced (an admin's upload, a new built-in table): each of its open
// tasks whose deadline was counted across one of those years is counted
// again from the time it opened.
const SignalCalendarChanged = "calendar_changed"

// CalendarChanged is the signal's payload.
type CalendarChanged struct {
	Years []int `json:"years"`
	// Why is what the audit says moved the deadlines, e.g. "holiday
	// table 2027 uploaded".
	Why string `json:"why,omitempty"`
}

// recountChange guards the recounting of deadlines on a calendar change:
// a history that received the signal before this code is left as it was.
const recountChange = "calendar-recount"

// watchCalendar serves SignalCalendarChanged for the run's lifetime; a
// continue-as-new waits while one is pending (recountPending).
func (m *machine) watchCalendar(ctx workflow.Context) {
	ch := workflow.GetSignalChannel(ctx, SignalCalendarChanged)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var s CalendarChanged
			ch.Receive(ctx, &s)
			m.recounting++
			m.recount(ctx, s)
			m.recounting--
		}
	})
}

// recountPending: a calendar signal is received and not yet served, or
// waits in the channel. A continue-as-new waits for it, so none is lost.
func (m *machine) recountPending(ctx workflow.Context) bool {
	return m.recounting > 0 || workflow.GetSignalChannel(ctx, SignalCalendarChanged).Len() > 0
}

// recount counts the affected open tasks' deadlines again, in the Redue
// activity (whose answer the history records), and writes every deadline
// that moved: the task's row, and an audit entry with both dates and the
// reason. The task's timers are armed again on the new dates; a task that
// was marked overdue on a date that moved later is no longer overdue. A
// deadline that does not move changes nothing; closed tasks never change.
func (m *machine) recount(ctx workflow.Context, s CalendarChanged) {
	if workflow.GetVersion(ctx, recountChange, workflow.DefaultVersion, 1) < 1 {
		return
	}
	if err := m.lock(ctx); err != nil {
		return
	}
	defer m.mu.Unlock()
	var again []activities.DueAgain
	for _, t := range m.core.Tasks {
		// A deadline in calendar days (the exit confirmation) does not
		// depend on the holiday tables, and may be fixed to a date its
		// first round set: it is never counted again.
		end := t.DueAt
		if t.UrgeAt != nil {
			end = *t.UrgeAt
		}
		from := t.OpenedAt
		if m.countFrom != nil {
			from = m.countFrom(t)
		}
		if d := m.dl.For(t.Kind); d.WorkingDays > 0 && spans(from, end, s.Years) {
			if t.UrgeAt != nil {
				d.UrgeAfter = m.dl.autoUrgeDays()
			}
			if t.Kind == domain.TaskRegulatorOpinion {
				// Still within the review that asked for it.
				for _, r := range m.core.Tasks {
					if r.Kind == domain.TaskDepartmentReview && r.Department == t.Subject {
						d.NotAfter = &r.DueAt
					}
				}
			}
			again = append(again, activities.DueAgain{TaskID: t.ID, OpenedAt: from, Deadline: d})
		}
	}
	if len(again) == 0 {
		return
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		ScheduleToCloseTimeout: 7 * 24 * time.Hour,
		StartToCloseTimeout:    30 * time.Second,
		RetryPolicy:            writeRetry,
	})
	var dues []activities.Due
	if err := workflow.ExecuteActivity(actx, activities.RedueName, again).Get(ctx, &dues); err != nil {
		workflow.GetLogger(ctx).Error("deadlines not counted again", "error", err)
		return
	}
	now := m.now(ctx)
	var c change
	// rearmed: tasks whose automatic urge alone moved (it is the
	// workflow's own time, not a row's: nothing to write).
	var rearmed []activities.Task
	for _, d := range dues {
		t, ok := m.task(d.TaskID)
		if !ok || (t.DueAt.Equal(d.DueAt) && sameTime(t.UrgeAt, d.UrgeAt)) {
			continue
		}
		was := t.DueAt
		t.DueAt, t.RemindAt, t.UrgeAt = d.DueAt, d.RemindAt, d.UrgeAt
		if was.Equal(t.DueAt) {
			rearmed = append(rearmed, t)
			continue
		}
		if t.OverdueAt != nil && t.DueAt.After(now) {
			t.OverdueAt = nil
		}
		c.Tasks = append(c.Tasks, t)
		m.audit(ctx, &c, systemActor, "task.due_moved", t.ID+" "+t.Kind+" "+t.Department,
			fmt.Sprintf("%s -> %s: %s", day(was), day(t.DueAt), s.Why), "")
	}
	if len(c.Tasks) > 0 {
		if _, err := m.apply(ctx, &c); err != nil {
			return
		}
	}
	for _, t := range append(c.Tasks, rearmed...) {
		m.replace(t)
		if cancel, ok := m.cancels[t.ID]; ok {
			cancel()
		}
		m.arm(t.ID)
	}
}

// sameTime: both nil, or the same instant.
func sameTime(a, b *time.Time) bool {
	return (a == nil) == (b == nil) && (a == nil || a.Equal(*b))
}

// spans: a deadline counted from opened to due crossed one of years (in
// China's time zone).
func spans(opened, due time.Time, years []int) bool {
	for y := opened.In(calendar.Zone).Year(); y <= due.In(calendar.Zone).Year(); y++ {
		if slices.Contains(years, y) {
			return true
		}
	}
	return false
}

// day is a time's date in China's time zone.
func day(t time.Time) string { return t.In(calendar.Zone).Format(time.DateOnly) }
