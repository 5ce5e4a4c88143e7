package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// A department review reopened by a groundless-rejection flag decides only
// the datasets it had rejected: the per-dataset form lists those, never
// one the first round approved (which stands, and which the workflow
// refuses to decide again).
func TestReopenedReviewOffersOnlyWhatItRejected(t *testing.T) {
	e := newEnv(t)
	a := e.application("acme", "u-acme", "医疗风控", domain.StatusDepartmentReview, "DS-0072", "DS-0073", "DS-0074")
	now := e.clock.Now()
	if err := e.st.Apply(context.Background(), store.Change{Datasets: []store.ApplicationDataset{
		{ApplicationID: a.ID, DatasetCode: "DS-0072", Department: "health", Decision: domain.DecisionApprove, DecidedAt: &now}}}); err != nil {
		t.Fatal(err)
	}
	task := e.task(a, 3, domain.TaskDepartmentReview, "health", now, now.AddDate(0, 0, 20))
	task.Round = 2
	if err := e.st.Apply(context.Background(), store.Change{Tasks: []store.Task{task}}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/inbox", "/applications/1"} {
		p := e.as("reviewer-health").get(path)
		form := p.Body[strings.Index(p.Body, "逐项审核"):]
		form = form[:strings.Index(form, "</details>")]
		if strings.Contains(form, `value="DS-0072"`) || !strings.Contains(form, `value="DS-0073"`) || !strings.Contains(form, `value="DS-0074"`) {
			t.Errorf("%s: the reopened review's per-dataset form, want DS-0073 and DS-0074 only:\n%s", path, form)
		}
	}
}
