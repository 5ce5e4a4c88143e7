package api_test

import (
	"net/http"
	"slices"
	"testing"

	"github.com/datagate/datagate/api"
	"github.com/datagate/datagate/domain"
)

// A department may itself apply for another department's data. Its steps
// as the applicant (a supplement) are not a department's work: they are
// in no supervision list or figure and cannot be urged, while the org
// still finds them, overdue, in its own task list.
func TestApplicantStepsOfADepartment(t *testing.T) {
	e := supEnv(t) // now: Monday 2 March 2026, 09:00
	theirs := e.submitted("commerce", "reviewer-commerce")
	supplement := e.task(theirs, "t2", domain.TaskSupplement, "commerce", domain.TaskOpen, "", at(2026, 2, 2, 10), at(2026, 2, 27, 23), nil)
	acme := e.submitted("acme-fintech", "applicant")
	review := e.task(acme, "t2", domain.TaskDepartmentReview, "gsa", domain.TaskOpen, "", at(2026, 2, 2, 10), at(2026, 2, 27, 23), nil)

	var overdue struct{ Tasks []api.Step }
	r := e.do("GET", "/api/v1/supervision/overdue", nil, "supervisor")
	r.decode(t, &overdue)
	var ids []string
	for _, s := range overdue.Tasks {
		ids = append(ids, s.ID)
	}
	if r.Status != http.StatusOK || !slices.Equal(ids, []string{review}) {
		t.Errorf("supervision's overdue list = %v (%d), want the gsa review only", ids, r.Status)
	}

	var stats statsResponse
	r = e.do("GET", "/api/v1/supervision/stats?department=commerce", nil, "supervisor")
	r.decode(t, &stats)
	if r.Status != http.StatusOK || len(stats.Departments) != 1 || stats.Departments[0].Open != 0 || stats.Departments[0].Overdue != 0 {
		t.Errorf("commerce's figures count its supplement: %d %s", r.Status, r.Body)
	}

	before := e.counts()
	wantError(t, e.do("POST", "/api/v1/supervision/urges", map[string]string{"task_id": supplement, "message": "请尽快补正"}, "supervisor"),
		http.StatusUnprocessableEntity, "task_id")
	if !equalCounts(before, e.counts()) {
		t.Error("the refused urge changed rows")
	}

	var inbox struct{ Tasks []api.Step }
	r = e.do("GET", "/api/v1/tasks", nil, "reviewer-commerce")
	r.decode(t, &inbox)
	if r.Status != http.StatusOK || len(inbox.Tasks) != 1 || inbox.Tasks[0].ID != supplement ||
		inbox.Tasks[0].OverdueWorkingDays == nil || *inbox.Tasks[0].OverdueWorkingDays == 0 {
		t.Errorf("commerce's own tasks: %d %s", r.Status, r.Body)
	}
}
