package workflows_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
	wf "github.com/datagate/datagate/workflows"
)

// A department review opened on 18 December 2026 while 2027 has no
// holiday table is due 15 January 2027, counted over weekends only
// (provisional). The 2027 table arrives on 28 December: the workflow counts
// the deadline again, in an activity, and the review is now due Monday 18
// January (New Year's Day is off). The overdue mark does not fire on the
// 15th but on the 18th; the audit records the move with both dates; the
// read model's row says the new date.
func TestLateHolidayTableMovesOpenDeadlines(t *testing.T) {
	_, cal, t2027 := calendarWithout(t, 2027)
	start := cst(2026, 12, 18, 9, 0, 0)
	h := newHarnessWith(t, start, nil, cal)
	at := func(when time.Time, f func()) { h.at(when.Sub(start), f) }
	dueDay := func(kind, org string) string {
		return h.task(kind, org).DueAt.In(calendar.Zone).Format(time.DateOnly)
	}

	h.at(time.Minute, func() { h.decide(domain.TaskInitialReview, bdc, domain.DecisionPass) })
	h.at(time.Hour, func() {
		if d := dueDay(domain.TaskDepartmentReview, health); d != "2027-01-15" {
			t.Errorf("without the 2027 table the review is due %s, want 2027-01-15", d)
		}
	})
	at(cst(2026, 12, 28, 10, 0, 0), func() {
		raw, _ := json.Marshal(t2027)
		if err := h.st.PutHolidayTable(context.Background(), store.HolidayTable{Year: 2027, Table: string(raw),
			UpdatedBy: "admin", UpdatedAt: h.env.Now()}); err != nil {
			t.Fatal(err)
		}
		h.env.SignalWorkflow(wf.SignalCalendarChanged, wf.CalendarChanged{Years: []int{2027}, Why: "holiday table 2027 uploaded"})
	})
	at(cst(2026, 12, 28, 11, 0, 0), func() {
		for _, org := range []string{health, samr} {
			if d := dueDay(domain.TaskDepartmentReview, org); d != "2027-01-18" {
				t.Errorf("%s: with the 2027 table the review is due %s, want 2027-01-18", org, d)
			}
		}
	})
	at(cst(2027, 1, 16, 12, 0, 0), func() {
		if task := h.task(domain.TaskDepartmentReview, health); task.OverdueAt != nil {
			t.Errorf("marked overdue at %s, before the moved due date", task.OverdueAt.In(calendar.Zone))
		}
	})
	at(cst(2027, 1, 19, 12, 0, 0), func() {
		task := h.task(domain.TaskDepartmentReview, health)
		if want := cst(2027, 1, 18, 23, 59, 59); task.OverdueAt == nil || !task.OverdueAt.Equal(want) {
			t.Errorf("overdue mark %v, want %s", task.OverdueAt, want)
		}
		for _, org := range []string{health, samr} {
			h.decide(domain.TaskDepartmentReview, org, domain.DecisionReject, withReason("不符合", "第十六条"))
		}
	})
	h.finish()

	var moved []string
	audit, err := h.st.Audit(context.Background(), h.in.ApplicationID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range audit {
		if a.Action == "task.due_moved" {
			moved = append(moved, a.Target+": "+a.Reason)
		}
	}
	if len(moved) != 2 || !strings.Contains(moved[0], "2027-01-15 -> 2027-01-18: holiday table 2027 uploaded") {
		t.Errorf("audit of the moves: %q", moved)
	}
	for _, r := range h.rows() {
		if r.Kind == domain.TaskDepartmentReview && !r.DueAt.Equal(cst(2027, 1, 18, 23, 59, 59)) {
			t.Errorf("row %s due %s", r.ID, r.DueAt.In(calendar.Zone))
		}
	}
}

// calendarWithout is the default calendar (full), the same without the
// table of year (as before that year's table is published), and the
// missing table.
func calendarWithout(t *testing.T, year int) (full, without *calendar.Calendar, table calendar.YearTable) {
	t.Helper()
	full, err := calendar.Default()
	if err != nil {
		t.Fatal(err)
	}
	without = calendar.New()
	for _, y := range full.Years() {
		if y != year {
			yt, _ := full.Year(y)
			if err := without.SetYear(yt); err != nil {
				t.Fatal(err)
			}
		}
	}
	table, ok := full.Year(year)
	if !ok {
		t.Fatalf("no %d table in the defaults", year)
	}
	return full, without, table
}
