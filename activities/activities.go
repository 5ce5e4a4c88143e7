// Package activities holds the side effects of the workflows: computing
// deadlines from the working-day calendar and writing the read model.
package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/store"
)

// ApplyName is the registered name of Activities.Apply.
const ApplyName = "Apply"

// Activities carries the injected dependencies.
type Activities struct {
	Store    *store.Store
	Calendar *calendar.Calendar
}

// Deadline says when a new task falls due: WorkingDays (Chinese working
// days) or CalendarDays after it opens, or at Until (a date an earlier
// round set), but never after NotAfter (a step that must end within
// another's time), and how many working days before that the reminder goes
// out (0: no reminder).
type Deadline struct {
	WorkingDays    int        `json:"working_days,omitempty"`
	CalendarDays   int        `json:"calendar_days,omitempty"`
	Until          *time.Time `json:"until,omitempty"`
	NotAfter       *time.Time `json:"not_after,omitempty"`
	ReminderBefore int        `json:"reminder_before,omitempty"`
}

// NewTask is a task to open; its DueAt and RemindAt are computed here.
type NewTask struct {
	Task     Task     `json:"task"`
	Deadline Deadline `json:"deadline"`
}

// Change is one committed transition of one workflow: the records it
// changed and the tasks it opens. Writing the same change again leaves the
// same rows.
type Change struct {
	ApplicationID uint64            `json:"application_id"`
	App           *AppRow           `json:"app,omitempty"`
	Datasets      []DatasetDecision `json:"datasets,omitempty"`
	Tasks         []Task            `json:"tasks,omitempty"`
	Agreements    []Agreement       `json:"agreements,omitempty"`
	Models        []Model           `json:"models,omitempty"`
	Evaluations   []Evaluation      `json:"evaluations,omitempty"`
	Audit         []AuditEntry      `json:"audit,omitempty"`
	Open          []NewTask         `json:"open,omitempty"`
}

// Applied returns the opened tasks with their computed deadlines. It is
// recorded in the workflow history, so a new holiday table never changes a
// running workflow's replay.
type Applied struct {
	Opened []Task `json:"opened,omitempty"`
}

// reminderHour is when a reminder goes out on its working day (+08:00).
const reminderHour = 9

// Apply computes the deadlines of new tasks and writes the whole change in
// one transaction. Writing the same change again writes nothing new.
func (a *Activities) Apply(ctx context.Context, c Change) (Applied, error) {
	var out Applied
	for _, nt := range c.Open {
		t := nt.Task
		due, remind, err := a.deadline(t.OpenedAt, nt.Deadline)
		if err != nil {
			return Applied{}, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("task %s: %v", t.ID, err), "BadDeadline", err)
		}
		t.DueAt, t.RemindAt = due, remind
		out.Opened = append(out.Opened, t)
	}
	ch := c.rows()
	for _, t := range out.Opened {
		ch.Tasks = append(ch.Tasks, t.Row())
	}
	if err := a.Store.Apply(ctx, ch); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return Applied{}, temporal.NewNonRetryableApplicationError(err.Error(), "NotFound", err)
		}
		return Applied{}, err
	}
	return out, nil
}

func (a *Activities) deadline(opened time.Time, d Deadline) (due time.Time, remind *time.Time, err error) {
	switch {
	case (d.WorkingDays > 0 && d.CalendarDays > 0) || (d.Until != nil && d.WorkingDays+d.CalendarDays > 0):
		return time.Time{}, nil, errors.New("deadline has more than one of working_days, calendar_days and until")
	case d.Until != nil:
		due = *d.Until
	case d.WorkingDays > 0:
		due = a.Calendar.DueAt(opened, d.WorkingDays)
	case d.CalendarDays > 0:
		day := opened.In(calendar.Zone)
		end := time.Date(day.Year(), day.Month(), day.Day()+d.CalendarDays, 23, 59, 59, 0, calendar.Zone)
		due = end
	default:
		return time.Time{}, nil, errors.New("deadline has neither working_days nor calendar_days")
	}
	if d.NotAfter != nil && d.NotAfter.Before(due) {
		due = *d.NotAfter
	}
	if d.ReminderBefore > 0 {
		day := a.Calendar.SubWorkingDays(due, d.ReminderBefore)
		r := time.Date(day.Year(), day.Month(), day.Day(), reminderHour, 0, 0, 0, calendar.Zone)
		if r.After(opened) {
			remind = &r
		}
	}
	return due.UTC(), utc(remind), nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
