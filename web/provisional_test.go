package web_test

import (
	"testing"
	"time"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
)

// In December 2026, without a 2027 table: a review due in January 2027 is
// marked provisional next to its date (a review due in 2026 is not), and
// admins and supervisors see that the 2027 table is missing, the admin with
// the way to add it. An applicant sees no banner. Once the table is there,
// neither mark shows.
func TestProvisionalDeadlinesAndMissingTable(t *testing.T) {
	e := newEnv(t)
	full := e.srv.Calendar
	cal := calendar.New()
	for _, y := range full.Years() {
		if y != 2027 {
			yt, _ := full.Year(y)
			if err := cal.SetYear(yt); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.srv.Calendar = cal
	now := time.Date(2026, 12, 18, 10, 0, 0, 0, calendar.Zone)
	e.clock.mu.Lock()
	e.clock.now = now
	e.clock.mu.Unlock()
	a := e.application("acme-fintech", "applicant", "小微企业信贷风控", domain.StatusDepartmentReview, "DS-0100", "DS-0102")
	into2027 := e.task(a, 1, domain.TaskDepartmentReview, "gsa", now, time.Date(2027, 1, 15, 23, 59, 59, 0, calendar.Zone))
	in2026 := e.task(a, 2, domain.TaskDepartmentReview, "commerce", now, time.Date(2026, 12, 25, 23, 59, 59, 0, calendar.Zone))

	p := e.as("reviewer-gsa").get("/inbox")
	mustContain(t, "a review due in 2027", p, `id="task-`+into2027.ID+`"`, `class="clock provisional"`, "期限待定", "按周末计算，待公布节假日后更新")
	mustNotContain(t, "a reviewer's page", p, "2027 年节假日安排尚未导入")
	p = e.as("reviewer-commerce").get("/inbox")
	mustContain(t, "a review due in 2026", p, `id="task-`+in2026.ID+`"`)
	mustNotContain(t, "a review due in 2026", p, "期限待定")

	p = e.as("admin").get("/admin")
	mustContain(t, "the admin", p, "2027 年节假日安排尚未导入", `href="/admin#holidays"`)
	p = e.as("supervisor").get("/supervision")
	mustContain(t, "the supervisor", p, "2027 年节假日安排尚未导入")
	mustNotContain(t, "the supervisor", p, `href="/admin#holidays"`)
	p = e.as("applicant").get("/applications")
	mustNotContain(t, "the applicant", p, "尚未导入")

	e.srv.Calendar = full
	p = e.as("admin").get("/admin")
	mustNotContain(t, "the admin, with the table", p, "尚未导入")
	p = e.as("reviewer-gsa").get("/inbox")
	mustNotContain(t, "the review, with the table", p, "期限待定")
}
