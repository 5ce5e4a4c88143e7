package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/datagate/datagate/activities"
)

// oneTimerChange: a run keeps one timer, set to the earliest of its open
// tasks' reminders, overdue marks and automatic urges and its own next
// time event (an evaluation, the end of the authorization, the end of a
// supervision window). Before it, each open task had a chain of timers of
// its own, and the application's time events a timer that was cancelled
// and started again on every transition. A run started before it keeps its
// timers until its next continue-as-new.
const oneTimerChange = "one-timer"

// step is a clock-driven step of an open task.
type step int

const (
	stepNone step = iota
	stepRemind
	stepOverdue
	stepUrge
)

// nextStep is an open task's next clock-driven step and its time, in the
// order the timer chains of arm took them: the reminder, the overdue mark,
// the automatic urge. A step taken without changing the task (one that
// atDue handled, or whose write failed) is passed over.
func (m *machine) nextStep(t activities.Task) (step, time.Time) {
	if t.OverdueAt == nil {
		if t.RemindAt != nil && t.RemindedAt == nil && !m.passedStep(t.ID, stepRemind, *t.RemindAt) {
			return stepRemind, *t.RemindAt
		}
		if !m.passedStep(t.ID, stepOverdue, t.DueAt) {
			return stepOverdue, t.DueAt
		}
	}
	if t.UrgeAt != nil && t.UrgedAt == nil && !m.passedStep(t.ID, stepUrge, *t.UrgeAt) {
		return stepUrge, *t.UrgeAt
	}
	return stepNone, time.Time{}
}

func stepKey(id string, s step) string { return id + "/" + string(rune('0'+s)) }

// passedStep: the task's step s was taken at this time already.
func (m *machine) passedStep(id string, s step, at time.Time) bool {
	was, ok := m.passed[stepKey(id, s)]
	return ok && was.Equal(at)
}

// forgetSteps drops what the clock remembers of a closed task.
func (m *machine) forgetSteps(id string) {
	for _, s := range []step{stepRemind, stepOverdue, stepUrge} {
		delete(m.passed, stepKey(id, s))
	}
}

// dueStep is the earliest step due by now (the first open task's on a tie);
// id is "" when none is.
func (m *machine) dueStep(now time.Time) (id string, s step, at time.Time) {
	for _, t := range m.core.Tasks {
		ts, tat := m.nextStep(t)
		if ts != stepNone && !tat.After(now) && (id == "" || tat.Before(at)) {
			id, s, at = t.ID, ts, tat
		}
	}
	return id, s, at
}

// wakeAt is when the clock must wake next: the earliest step of an open
// task, or the owner's next time event still to come (zero: nothing is
// planned). An owner's event already due is the owner's to take.
func (m *machine) wakeAt(now time.Time) time.Time {
	var next time.Time
	for _, t := range m.core.Tasks {
		if s, at := m.nextStep(t); s != stepNone && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	if m.timeEvent != nil {
		if at := m.timeEvent(); at.After(now) && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	return next
}

// clock is the run's one timer (oneTimerChange). It takes every task step
// that is due, then sleeps until wakeAt, and sets its timer anew when a
// transition moves that time. The owner's time events are the owner's to
// take: its loop waits until workflow.Now reaches them, which the timer
// firing makes happen.
func (m *machine) clock(ctx workflow.Context) {
	for {
		if m.takeDueStep(ctx) {
			continue
		}
		now := m.now(ctx)
		next := m.wakeAt(now)
		var err error
		if next.IsZero() {
			err = workflow.Await(ctx, func() bool { return !m.wakeAt(m.now(ctx)).IsZero() })
		} else {
			tctx, cancel := workflow.WithCancel(ctx)
			timer := workflow.NewTimer(tctx, next.Sub(now))
			err = workflow.Await(ctx, func() bool { return timer.IsReady() || !m.wakeAt(m.now(ctx)).Equal(next) })
			if !timer.IsReady() {
				cancel()
			}
		}
		if err != nil {
			return
		}
	}
}

// takeDueStep takes the step due now, if any, under the transition lock:
// a reminder, an overdue mark (or what atDue does instead) or an
// automatic urge. True when it took the lock: what is due is then
// computed again.
func (m *machine) takeDueStep(ctx workflow.Context) bool {
	if id, _, _ := m.dueStep(m.now(ctx)); id == "" {
		return false
	}
	if err := m.lock(ctx); err != nil {
		return false
	}
	defer m.mu.Unlock()
	// A transition may have closed the task, or moved its deadline,
	// while this waited for the lock.
	id, s, at := m.dueStep(m.now(ctx))
	if id == "" {
		return true
	}
	m.passed[stepKey(id, s)] = at
	t, _ := m.task(id)
	switch s {
	case stepRemind:
		m.markNow(ctx, t, false)
	case stepOverdue:
		m.markNow(ctx, t, true)
	case stepUrge:
		m.urgeNow(ctx, t)
	}
	return true
}
