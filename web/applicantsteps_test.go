package web_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/datagate/datagate/domain"
)

// An applicant's overdue step (a supplement) is not a department's
// lateness: the supervision dashboard neither lists nor counts it, even
// when a department applied, while the applicant finds it overdue in its
// inbox and the big-data center sees it overdue on the application.
func TestApplicantLatenessIsNotSupervised(t *testing.T) {
	e := newEnv(t)
	f := e.fixture()
	now := e.clock.Now()
	acme := e.application("acme-fintech", "applicant", "退回补正的场景", domain.StatusInitialReview, "DS-0100")
	acmeSup := e.task(acme, 2, domain.TaskSupplement, "acme-fintech", now.Add(-30*24*time.Hour), now.Add(-5*24*time.Hour))
	// commerce, a provider department, applies for gsa's data.
	com := e.application("commerce", "reviewer-commerce", "部门申请的场景", domain.StatusInitialReview, "DS-0100")
	comSup := e.task(com, 2, domain.TaskSupplement, "commerce", now.Add(-30*24*time.Hour), now.Add(-5*24*time.Hour))

	p := e.as("supervisor").get("/supervision")
	if p.Status != http.StatusOK {
		t.Fatalf("status %d: %.500s", p.Status, p.Body)
	}
	mustContain(t, "supervision", p, `id="sup-task-`+f.gsa.ID+`"`)
	mustNotContain(t, "supervision", p, `id="sup-task-`+acmeSup.ID+`"`, `id="sup-task-`+comSup.ID+`"`)
	p = e.as("supervisor").get("/supervision?department=commerce")
	mustContain(t, "commerce drill-down", p, `id="sup-task-`+f.comm.ID+`"`)
	mustNotContain(t, "commerce drill-down", p, `id="sup-task-`+comSup.ID+`"`)

	mustContain(t, "acme's inbox", e.as("applicant").get("/inbox"), `class="task card is-overdue" id="task-`+acmeSup.ID+`"`)
	mustContain(t, "commerce's inbox", e.as("reviewer-commerce").get("/inbox"), `class="task card is-overdue" id="task-`+comSup.ID+`"`)
	mustContain(t, "the big-data center on the application", e.as("initial_reviewer").get("/applications/"+itoa(com.ID)),
		`is-overdue" id="step-`+comSup.ID+`"`)
}
