package web_test

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
)

// The supervision dashboard on a day with nothing overdue: it says so in
// words instead of empty charts, and lists beside the overdue list the
// tasks due within 3 working days (临期), by the holiday calendar. On
// Thursday 2 April 2026 a task due in 1 working day (Friday 3 April) and
// one due in 3 (Wednesday 8 April: the weekend and the Qingming holiday
// on Monday 6 April come between) are listed, earliest first, with the
// holding department's name and the working days left; one due in 5
// (Friday 10 April) is not, nor an applicant's own step. No link sits
// inside a chart.
func TestSupervisionAtRisk(t *testing.T) {
	e := newEnv(t)
	e.clock.mu.Lock()
	e.clock.now = time.Date(2026, 4, 2, 9, 0, 0, 0, calendar.Zone)
	e.clock.mu.Unlock()
	opened := time.Date(2026, 3, 20, 10, 0, 0, 0, calendar.Zone)
	endOf := func(d int) time.Time { return time.Date(2026, 4, d, 23, 59, 59, 0, calendar.Zone) }
	a := e.application("acme-fintech", "applicant", "临期场景", domain.StatusDepartmentReview, "DS-0100")
	in5 := e.task(a, 1, domain.TaskDepartmentReview, "gsa", opened, endOf(10))
	in3 := e.task(a, 2, domain.TaskDepartmentReview, "commerce", opened, endOf(8))
	in1 := e.task(a, 3, domain.TaskDepartmentReview, "gsa", opened, endOf(3))
	b := e.application("acme-fintech", "applicant", "补正场景", domain.StatusInitialReview, "DS-0100")
	own := e.task(b, 1, domain.TaskSupplement, "acme-fintech", opened, endOf(3))

	p := e.as("supervisor").get("/supervision")
	if p.Status != http.StatusOK {
		t.Fatalf("status %d", p.Status)
	}
	list := section(p.Body, `<section class="card" id="at-risk">`, `</section>`)
	for _, want := range []string{"临期任务（3 个工作日内到期）", `id="risk-` + in1.ID + `"`, `id="risk-` + in3.ID + `"`,
		"临期场景", "部门审核", "市政务服务管理局", "市商务局", "2026-04-03 23:59", "2026-04-08 23:59", "剩余 1 个工作日", "剩余 3 个工作日"} {
		if !strings.Contains(list, want) {
			t.Errorf("the at-risk list lacks %q", want)
		}
	}
	if strings.Index(list, in1.ID) > strings.Index(list, in3.ID) {
		t.Errorf("the at-risk list is not by due date")
	}
	for _, no := range []string{in5.ID, own.ID, "2026-04-10"} {
		if strings.Contains(list, no) {
			t.Errorf("the at-risk list shows %s", no)
		}
	}
	// Nothing overdue: words, not charts of nought.
	mustContain(t, "the day's summary", p, "目前各部门待办 3 项，其中超期 0 项；3 个工作日内到期 2 项。",
		"目前没有超期任务：3 项待办都在期限内。", "最近 12 周没有任务超期。", "没有需要督办的任务。")
	for _, id := range []string{"chart-overdue", "chart-trend"} {
		if fig := section(p.Body, `id="`+id+`"`, `</figure>`); strings.Contains(fig, "<svg") {
			t.Errorf("%s draws a chart with nothing in it", id)
		}
	}
	for _, svg := range regexp.MustCompile(`(?s)<svg.*?</svg>`).FindAllString(p.Body, -1) {
		if strings.Contains(svg, "<a ") {
			t.Errorf("a link inside a chart: %.200s", svg)
		}
	}

	// In English, the department's English name; a drill-down keeps its own.
	en := e.as("supervisor")
	en.lang = "en"
	list = section(en.get("/supervision").Body, `<section class="card" id="at-risk">`, `</section>`)
	if !strings.Contains(list, "Due soon (within 3 working days)") || !strings.Contains(list, "3 working days left") || strings.Contains(list, "市商务局") {
		t.Errorf("the English at-risk list: %s", list)
	}
	list = section(e.as("supervisor").get("/supervision?department=commerce").Body, `<section class="card" id="at-risk">`, `</section>`)
	if !strings.Contains(list, in3.ID) || strings.Contains(list, in1.ID) {
		t.Errorf("commerce's at-risk list: %s", list)
	}
}
