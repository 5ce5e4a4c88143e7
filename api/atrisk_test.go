package api_test

import (
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/datagate/datagate/api"
	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
)

// GET /api/v1/supervision/at-risk lists the departments' open tasks due
// within 3 working days, by the holiday calendar: on Thursday 2 April 2026
// a task due in 1 working day (Friday) and one due in 3 (Wednesday 8
// April, after the weekend and the Qingming holiday on Monday) are at
// risk, one due in 5 (Friday 10 April) is not; nor are an overdue task or
// an applicant's own step. Earliest due first, with the working days left.
func TestAtRiskOverHTTP(t *testing.T) {
	e := supEnv(t)
	e.clock.mu.Lock()
	e.clock.now = at(2026, 4, 2, 9)
	e.clock.mu.Unlock()
	opened := at(2026, 3, 20, 10)
	endOf := func(d int) time.Time { return time.Date(2026, 4, d, 23, 59, 59, 0, calendar.Zone) }

	a := e.submitted("acme-fintech", "applicant")
	e.task(a, "t2", domain.TaskDepartmentReview, "gsa", domain.TaskOpen, "", opened, endOf(10), nil) // in 5 working days
	in3 := e.task(a, "t3", domain.TaskDepartmentReview, "commerce", domain.TaskOpen, "", opened, endOf(8), nil)
	in1 := e.task(a, "t4", domain.TaskDepartmentReview, "samr", domain.TaskOpen, "", opened, endOf(3), nil)
	e.task(a, "t5", domain.TaskDepartmentReview, "health", domain.TaskOpen, "", opened, endOf(1), nil) // overdue
	b := e.submitted("acme-fintech", "applicant")
	e.task(b, "t2", domain.TaskSupplement, "acme-fintech", domain.TaskOpen, "", opened, endOf(3), nil) // the applicant's

	var got struct {
		Tasks       []api.Step
		WorkingDays int       `json:"working_days"`
		Until       time.Time `json:"until"`
	}
	r := e.do("GET", "/api/v1/supervision/at-risk", nil, "supervisor")
	r.decode(t, &got)
	var ids []string
	var left []int
	for _, s := range got.Tasks {
		ids = append(ids, s.ID)
		if s.WorkingDaysLeft != nil {
			left = append(left, *s.WorkingDaysLeft)
		}
	}
	if r.Status != http.StatusOK || !slices.Equal(ids, []string{in1, in3}) || !slices.Equal(left, []int{1, 3}) {
		t.Errorf("at risk: %d %v left %v, want [%s %s] left [1 3]", r.Status, ids, left, in1, in3)
	}
	if got.WorkingDays != 3 || !got.Until.Equal(endOf(8)) {
		t.Errorf("the window: %d working days until %s", got.WorkingDays, got.Until)
	}

	// One department's; the same gate as the overdue list.
	r = e.do("GET", "/api/v1/supervision/at-risk?department=commerce", nil, "bureau_officer")
	r.decode(t, &got)
	if r.Status != http.StatusOK || len(got.Tasks) != 1 || got.Tasks[0].ID != in3 {
		t.Errorf("commerce at risk: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/api/v1/supervision/at-risk", nil, "applicant"); r.Status != http.StatusForbidden {
		t.Errorf("an applicant reads the at-risk list: %d", r.Status)
	}
}
