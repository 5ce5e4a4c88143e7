package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// row is the HTML of the table row with id, "" when absent.
func row(body, id string) string {
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "</tr>")
	if j < 0 {
		return body[i:]
	}
	return body[i : i+j]
}

var appRowRE = regexp.MustCompile(`id="app-row-(\d+)"`)

// rowIDs are the application numbers of a list's rows, in order.
func rowIDs(body string) []string {
	var out []string
	for _, m := range appRowRE.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// 我的申请 with 30 applications: ten a page, three pages with numbered
// links, the last holding the rest; each row with its current step, who
// holds it, its due date and the working days left.
func TestApplicantListPages(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	type want struct {
		step, holder string
		due          time.Time
	}
	wants := map[uint64]want{}
	var ids []uint64
	for i := 1; i <= 30; i++ {
		a := e.application("acme-fintech", "applicant", fmt.Sprintf("场景%02d", i), domain.StatusInitialReview, "DS-0100")
		due := now.AddDate(0, 0, i)
		switch {
		case i%3 == 0: // returned: the applicant's own step
			e.task(a, 1, domain.TaskSupplement, "acme-fintech", now, due)
			wants[a.ID] = want{"补正", "本单位", due}
		default:
			e.task(a, 1, domain.TaskInitialReview, "bdc", now.AddDate(0, 0, -1), due)
			wants[a.ID] = want{"初审", "市大数据发展中心", due}
		}
		ids = append(ids, a.ID)
	}
	// Another org's application is never listed.
	other := e.application("kangming-medai", "applicant2", "影像辅助诊断", domain.StatusInitialReview, "DS-0104")

	c := e.as("applicant")
	p1 := c.get("/applications")
	if p1.Status != http.StatusOK {
		t.Fatalf("status %d", p1.Status)
	}
	mustContain(t, "page 1", p1, "第 1 页，共 3 页", "共 30 条，显示第 1–10 条",
		`href="/applications?page=2"`, `href="/applications?page=3"`, `rel="next"`, `aria-current="page"`)
	mustNotContain(t, "page 1", p1, "影像辅助诊断", `id="app-row-`+itoa(other.ID)+`"`, `rel="prev"`)
	got := rowIDs(p1.Body)
	if len(got) != 10 || got[0] != itoa(ids[29]) || got[9] != itoa(ids[20]) {
		t.Errorf("page 1 rows %v, want the ten newest, %d to %d", got, ids[29], ids[20])
	}
	p3 := c.get("/applications?page=3")
	mustContain(t, "page 3", p3, "第 3 页，共 3 页", "共 30 条，显示第 21–30 条", `rel="prev"`)
	mustNotContain(t, "page 3", p3, `rel="next"`)
	got = rowIDs(p3.Body)
	if len(got) != 10 || got[0] != itoa(ids[9]) || got[9] != itoa(ids[0]) {
		t.Errorf("page 3 rows %v, want the ten oldest, %d to %d", got, ids[9], ids[0])
	}
	// Each row: the step, its holder, the due date and the working days
	// left, as the calendar counts them.
	for _, p := range []page{p1, c.get("/applications?page=2"), p3} {
		for _, id := range rowIDs(p.Body) {
			var n uint64
			fmt.Sscan(id, &n)
			w := wants[n]
			r := row(p.Body, "app-row-"+id)
			left := e.srv.Calendar.Between(now, w.due)
			for _, s := range []string{w.step, w.holder, w.due.In(calendar.Zone).Format("2006-01-02 15:04"),
				fmt.Sprintf("剩余 %d 个工作日", left), `href="/applications/` + id + `"`, "status-initial_review"} {
				if !strings.Contains(r, s) {
					t.Errorf("row %s: want %q in %s", id, s, r)
				}
			}
		}
	}
	// Page size 50: one page, every row.
	if got := rowIDs(c.get("/applications?size=50").Body); len(got) != 30 {
		t.Errorf("50 a page: %d rows", len(got))
	}
	// Sorted by submission, oldest first.
	if got := rowIDs(c.get("/applications?sort=submitted&dir=asc").Body); len(got) == 0 || got[0] != itoa(ids[0]) {
		t.Errorf("oldest first: %v", got)
	}
}

// readCSV checks the export's BOM and returns its rows, the header first.
func readCSV(t *testing.T, p page) [][]string {
	t.Helper()
	if p.Status != http.StatusOK || !strings.HasPrefix(p.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %s %.200s", p.Status, p.Header.Get("Content-Type"), p.Body)
	}
	if !strings.HasPrefix(p.Body, "\ufeff") {
		t.Errorf("the export has no UTF-8 byte-order mark: %q", p.Body[:min(10, len(p.Body))])
	}
	if !strings.Contains(p.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("Content-Disposition %q", p.Header.Get("Content-Disposition"))
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(p.Body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func csvIDs(rows [][]string) []string {
	var out []string
	for _, r := range rows[1:] {
		out = append(out, r[0])
	}
	return out
}

// The staff's list: filters narrow the rows, the CSV export holds exactly
// what is filtered (every page of it), and a department sees and exports
// only the applications involving it.
func TestStaffListFiltersAndExport(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	var gsaReview, gsaOther, commerceOnly []string
	for i := 1; i <= 12; i++ {
		a := e.application("acme-fintech", "applicant", fmt.Sprintf("信贷风控%02d", i), domain.StatusDepartmentReview, "DS-0100")
		e.task(a, 1, domain.TaskDepartmentReview, "gsa", now, now.AddDate(0, 0, 20))
		gsaReview = append(gsaReview, itoa(a.ID))
	}
	for i := 1; i <= 3; i++ {
		a := e.application("kangming-medai", "applicant2", fmt.Sprintf("补贴推送%02d", i), domain.StatusInitialReview, "DS-0100")
		e.task(a, 1, domain.TaskInitialReview, "bdc", now, now.AddDate(0, 0, 5))
		gsaOther = append(gsaOther, itoa(a.ID))
	}
	for i := 1; i <= 2; i++ {
		a := e.application("kangming-medai", "applicant2", fmt.Sprintf("商务信贷%02d", i), domain.StatusDepartmentReview, "DS-0102")
		e.task(a, 1, domain.TaskDepartmentReview, "commerce", now, now.AddDate(0, 0, 20))
		commerceOnly = append(commerceOnly, itoa(a.ID))
	}
	formula := e.application("acme-fintech", "applicant", "=HYPERLINK(\"x\")", domain.StatusActive, "DS-0102")
	e.application("acme-fintech", "applicant", "草稿不给审核方看", domain.StatusDraft, "DS-0100")

	bdc := e.as("initial_reviewer")
	all := bdc.get("/applications?size=100")
	mustContain(t, "the staff's list", all, `id="app-filters"`, `name="status"`, `name="step"`, `name="department"`,
		`name="applicant"`, `name="q"`, `name="from"`, `name="to"`, `id="export-csv"`, "恒信数智金融科技有限公司", "市政务服务管理局")
	mustNotContain(t, "the staff's list", all, "草稿不给审核方看")
	if n := len(rowIDs(all.Body)); n != 18 {
		t.Errorf("every submitted application: %d rows, want 18", n)
	}

	// Status: department review, 14 rows over two pages; the CSV holds
	// all 14, in the page's order.
	p := bdc.get("/applications?status=department_review")
	mustContain(t, "by status", p, "共 14 条", "第 1 页，共 2 页", `href="/applications/export?status=department_review"`)
	if got := rowIDs(p.Body); len(got) != 10 {
		t.Errorf("by status, page 1: %d rows", len(got))
	}
	rows := readCSV(t, bdc.get("/applications/export?status=department_review"))
	wantAll := append(append([]string{}, gsaReview...), commerceOnly...)
	if got := csvIDs(rows); len(got) != 14 || !sameSet(got, wantAll) {
		t.Errorf("export by status: %v, want %v", got, wantAll)
	}
	if want := []string{"编号", "应用场景名称", "申请单位", "当前环节", "办理单位", "办理时限", "剩余时间", "状态", "提交时间"}; !slices.Equal(rows[0], want) {
		t.Errorf("header %q, want %q", rows[0], want)
	}
	if r := rows[1]; r[2] != "康明医疗人工智能科技有限公司" || r[3] != "部门审核" || r[4] != "市商务局" || r[5] != "2026-03-22 09:00" ||
		r[6] != "剩余 14 个工作日" || r[7] != "部门审核" || r[8] != "2026-03-02 09:00" {
		t.Errorf("a row: %q", r)
	}

	// Keyword and status together.
	p = bdc.get("/applications?status=department_review&q=" + "%E5%95%86%E5%8A%A1") // 商务
	if got := rowIDs(p.Body); !sameSet(got, commerceOnly) {
		t.Errorf("keyword 商务 in department review: %v, want %v", got, commerceOnly)
	}
	if got := csvIDs(readCSV(t, bdc.get("/applications/export?status=department_review&q=%E5%95%86%E5%8A%A1"))); !sameSet(got, commerceOnly) {
		t.Errorf("export of keyword 商务: %v, want %v", got, commerceOnly)
	}
	// Step and applicant.
	if got := rowIDs(bdc.get("/applications?step=initial_review&applicant=kangming-medai").Body); !sameSet(got, gsaOther) {
		t.Errorf("initial review of kangming: %v, want %v", got, gsaOther)
	}
	// A date range after every submission: nothing, and the export too.
	p = bdc.get("/applications?from=2026-03-03")
	mustContain(t, "a later date", p, "没有符合条件的记录")
	if rows := readCSV(t, bdc.get("/applications/export?from=2026-03-03")); len(rows) != 1 {
		t.Errorf("export after every submission: %d rows", len(rows)-1)
	}
	// A title that looks like a formula is not one in the spreadsheet.
	for _, r := range readCSV(t, bdc.get("/applications/export?status=active")) {
		if strings.Contains(r[1], "HYPERLINK") && !strings.HasPrefix(r[1], "'=") {
			t.Errorf("the formula title is exported as %q", r[1])
		}
	}
	_ = formula

	// In English, the header too.
	en := e.as("initial_reviewer")
	en.lang = "en"
	if rows := readCSV(t, en.get("/applications/export?status=active")); !slices.Equal(rows[0], []string{"No.", "Scenario title", "Applicant",
		"Current step", "Held by", "Due", "Time left", "Status", "Submitted"}) {
		t.Errorf("English header %q", rows[0])
	}

	// A department: only the applications involving it, in the page and
	// in the export, whatever it asks for.
	gsa := e.as("reviewer-gsa")
	gsaWant := append(append([]string{}, gsaReview...), gsaOther...)
	if got := rowIDs(gsa.get("/applications?size=100").Body); !sameSet(got, gsaWant) {
		t.Errorf("gsa's list: %v, want %v", got, gsaWant)
	}
	if got := csvIDs(readCSV(t, gsa.get("/applications/export"))); !sameSet(got, gsaWant) {
		t.Errorf("gsa's export: %v, want %v", got, gsaWant)
	}
	for _, q := range []string{"?department=commerce", "?q=%E5%95%86%E5%8A%A1", "?applicant=kangming-medai&status=department_review"} {
		for _, id := range csvIDs(readCSV(t, gsa.get("/applications/export"+q))) {
			if slices.Contains(commerceOnly, id) || id == itoa(formula.ID) {
				t.Errorf("gsa's export %s holds commerce's application %s", q, id)
			}
		}
		for _, id := range rowIDs(gsa.get("/applications" + q).Body) {
			if slices.Contains(commerceOnly, id) {
				t.Errorf("gsa's list %s shows commerce's application %s", q, id)
			}
		}
	}
	// The applicant filter names only applicants gsa can see apply.
	e.application("tongqu-logistics", "applicant3", "物流商务", domain.StatusDepartmentReview, "DS-0102")
	mustContain(t, "gsa's applicant filter", gsa.get("/applications"), `<option value="kangming-medai">`)
	mustNotContain(t, "gsa's applicant filter", gsa.get("/applications"), `value="tongqu-logistics"`, "通衢")
	mustContain(t, "the big-data center's applicant filter", bdc.get("/applications"), `<option value="tongqu-logistics">`)

	// An applicant's export: its own org's only, without the applicant column.
	rows = readCSV(t, e.as("applicant2").get("/applications/export"))
	want := append(append([]string{}, gsaOther...), commerceOnly...)
	if got := csvIDs(rows); !sameSet(got, want) {
		t.Errorf("applicant2's export: %v, want %v", got, want)
	}
	if slices.Contains(rows[0], "申请单位") {
		t.Errorf("the applicant's export names the applicant column: %q", rows[0])
	}
	// Nobody signed in is sent to sign in.
	if p := e.as("").get("/applications/export"); p.Status != http.StatusSeeOther {
		t.Errorf("the export signed out: %d", p.Status)
	}
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

// 待办 → 已办: a task the reviewer decides leaves the to-do table and shows
// in the done one with its decision, who decided and when; "only mine"
// leaves out a colleague's; another department's list never holds it.
func TestDoneList(t *testing.T) {
	e := newEnv(t)
	f := e.fixture()
	gsa := e.as("reviewer-gsa")
	p := gsa.get("/inbox")
	mustContain(t, "gsa's to-do", p, `id="tab-todo"`, `id="tab-done"`, `id="todo-list"`, `id="row-`+f.gsa.ID+`"`,
		`href="/applications/`+itoa(f.app.ID)+`"`, `href="#task-`+f.gsa.ID+`"`, "已超期", "本部门（未认领）")
	mustContain(t, "gsa's done, before", gsa.get("/inbox/done"), "还没有已办事项")

	at := e.clock.Now().Add(-time.Hour)
	decided := f.gsa
	decided.Status, decided.Decision, decided.DecidedAt, decided.ActorUser = domain.TaskDone, domain.DecisionApprove, &at, "reviewer-gsa"
	if err := e.st.Apply(context.Background(), store.Change{Tasks: []store.Task{decided}}); err != nil {
		t.Fatal(err)
	}
	// A colleague's decision on another application.
	other := e.application("kangming-medai", "applicant2", "同事审的场景", domain.StatusDepartmentReview, "DS-0100")
	ot := e.task(other, 1, domain.TaskDepartmentReview, "gsa", at.Add(-48*time.Hour), at.Add(240*time.Hour))
	ot.Status, ot.Decision, ot.DecidedAt, ot.ActorUser = domain.TaskDone, domain.DecisionReject, &at, "dept_reviewer"
	ot.Reason, ot.Basis = "不符合", "第十六条"
	if err := e.st.Apply(context.Background(), store.Change{Tasks: []store.Task{ot}}); err != nil {
		t.Fatal(err)
	}

	p = gsa.get("/inbox")
	mustNotContain(t, "gsa's to-do, after", p, `id="row-`+f.gsa.ID+`"`, `id="task-`+f.gsa.ID+`"`)
	p = gsa.get("/inbox/done")
	r := row(p.Body, "done-"+f.gsa.ID)
	for _, s := range []string{"小微企业信贷风控", `href="/applications/` + itoa(f.app.ID) + `"`, "部门审核", "decision-approve",
		"部门审核员 · 市政务服务管理局", at.In(calendar.Zone).Format("2006-01-02 15:04"), "超期办结"} {
		if !strings.Contains(r, s) {
			t.Errorf("the done row: want %q in %s", s, r)
		}
	}
	if strings.Contains(r, "reviewer-gsa") {
		t.Errorf("the done row names the login: %s", r)
	}
	mustContain(t, "gsa's done", p, `id="done-`+ot.ID+`"`, `aria-current="page"`)
	p = gsa.get("/inbox/done?mine=1")
	mustContain(t, "only mine", p, `id="done-`+f.gsa.ID+`"`)
	mustNotContain(t, "only mine", p, `id="done-`+ot.ID+`"`)
	// Commerce's lists hold neither.
	com := e.as("reviewer-commerce")
	mustNotContain(t, "commerce's done", com.get("/inbox/done"), f.gsa.ID, ot.ID)
	// In English.
	gsa.lang = "en"
	mustContain(t, "done in English", gsa.get("/inbox/done"), "Decided by", "decided late")
}

// 待办 pages too: twelve open tasks, ten on the first page with the
// count of all and of the overdue ones, two on the second, each page's
// cards below its table; the step filter narrows them.
func TestInboxPages(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	var tasks []store.Task
	for i := 1; i <= 12; i++ {
		a := e.application("acme-fintech", "applicant", fmt.Sprintf("待办%02d", i), domain.StatusDepartmentReview, "DS-0100")
		tasks = append(tasks, e.task(a, 1, domain.TaskDepartmentReview, "gsa", now.AddDate(0, 0, -10), now.AddDate(0, 0, i-3)))
	}
	gsa := e.as("reviewer-gsa")
	p := gsa.get("/inbox")
	mustContain(t, "page 1", p, "共 12 项待办", "2 项已超期", "第 1 页，共 2 页", `href="/inbox?page=2"`,
		`id="row-`+tasks[0].ID+`"`, `id="task-`+tasks[9].ID+`"`)
	mustNotContain(t, "page 1", p, `id="row-`+tasks[10].ID+`"`, `id="task-`+tasks[11].ID+`"`)
	p = gsa.get("/inbox?page=2")
	mustContain(t, "page 2", p, `id="row-`+tasks[10].ID+`"`, `id="task-`+tasks[11].ID+`"`)
	mustNotContain(t, "page 2", p, `id="row-`+tasks[0].ID+`"`)
	p = gsa.get("/inbox?step=initial_review")
	mustContain(t, "another step", p, "共 0 项待办", "没有符合条件的记录")
}

// Every list reflows into labelled cards on a phone: each cell of a list
// table carries the label of its column.
func TestListCellsAreLabelled(t *testing.T) {
	e := newEnv(t)
	f := e.fixture()
	done := f.comm
	at := e.clock.Now()
	done.Status, done.Decision, done.DecidedAt, done.ActorUser = domain.TaskDone, domain.DecisionApprove, &at, "reviewer-commerce"
	if err := e.st.Apply(context.Background(), store.Change{Tasks: []store.Task{done}}); err != nil {
		t.Fatal(err)
	}
	tdRE := regexp.MustCompile(`<td[^>]*>`)
	for user, path := range map[string]string{"applicant": "/applications", "initial_reviewer": "/applications",
		"reviewer-gsa": "/inbox", "reviewer-commerce": "/inbox/done"} {
		p := e.as(user).get(path)
		table := section(p.Body, `<table class="list`, `</table>`)
		cells := tdRE.FindAllString(table, -1)
		if len(cells) == 0 {
			t.Errorf("%s %s: no list table", user, path)
		}
		for _, td := range cells {
			if !strings.Contains(td, `data-label="`) || strings.Contains(td, `data-label=""`) {
				t.Errorf("%s %s: a cell without its label: %s", user, path, td)
			}
		}
	}
}

// 待办 offers a batch toolbar when some of its rows may be decided in a
// batch: a checkbox on each initial review, signature or filing the
// viewer may decide (not on one a colleague claimed), and the decisions
// those kinds take, with the kinds each applies to. A department's
// reviews are decided one by one: no toolbar, no checkbox.
func TestInboxBatchToolbar(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	var reviews []store.Task
	for i := 1; i <= 3; i++ {
		a := e.application("acme-fintech", "applicant", fmt.Sprintf("批量场景%d", i), domain.StatusInitialReview, "DS-0100")
		reviews = append(reviews, e.task(a, 1, domain.TaskInitialReview, "bdc", now, now.AddDate(0, 0, 5)))
	}
	if err := e.st.ClaimTask(context.Background(), reviews[2].ID, "someone-else"); err != nil {
		t.Fatal(err)
	}
	bdc := e.as("initial_reviewer")
	p := bdc.get("/inbox")
	mustContain(t, "the big-data center's 待办", p, `id="batch"`, `data-batch="/api/v1/tasks/decisions"`, "批量办理",
		`value="pass" data-kinds="initial_review"`, `value="return" data-kinds="initial_review" data-reason`,
		`value="reject" data-kinds="initial_review" data-reason data-basis`, `id="batch-reason"`, `id="batch-basis"`,
		`id="batch-results"`, `<th scope="col" class="pick">选择</th>`)
	mustNotContain(t, "the big-data center's 待办", p, `value="sign"`, `value="file"`)
	for i, r := range reviews {
		cell := row(p.Body, "row-"+r.ID)
		has := strings.Contains(cell, `class="batch-pick" value="`+r.ID+`" data-kind="initial_review"`)
		if has != (i < 2) {
			t.Errorf("row %d (claimed: %v) has a checkbox: %v: %s", i, i == 2, has, cell)
		}
		if i < 2 && !strings.Contains(cell, fmt.Sprintf(`aria-label="选择：#%d 批量场景%d"`, r.ApplicationID, i+1)) {
			t.Errorf("row %d: the checkbox is not labelled by its application: %s", i, cell)
		}
	}
	bdc.lang = "en"
	mustContain(t, "in English", bdc.get("/inbox"), "Decide several at once", "Decide the selected", `aria-label="Select: #`)

	// The operator's signatures: one decision, sign, for both kinds.
	a := e.application("acme-fintech", "applicant", "签署场景", domain.StatusAgreements, "DS-0100")
	e.task(a, 1, domain.TaskSignAuthorization, "gdo", now, now.AddDate(0, 0, 10))
	b := e.application("kangming-medai", "applicant2", "服务协议场景", domain.StatusAgreements, "DS-0100")
	e.task(b, 1, domain.TaskSignService, "gdo", now, now.AddDate(0, 0, 10))
	p = e.as("operator").get("/inbox")
	mustContain(t, "the operator's 待办", p, `value="sign" data-kinds="sign_authorization sign_service"`, "签署")
	mustNotContain(t, "the operator's 待办", p, `value="pass"`, `value="decline"`)

	// A department's reviews: none.
	f := e.fixture()
	p = e.as("reviewer-gsa").get("/inbox")
	mustContain(t, "gsa's 待办", p, `id="row-`+f.gsa.ID+`"`)
	mustNotContain(t, "gsa's 待办", p, `id="batch"`, "batch-pick", `class="pick"`)
}

// 待办 and 已办 filter by keyword (the application's title or number),
// step and a range of due dates; the count and the pages are of what is
// filtered, and the pager keeps the filters. A value out of its set is
// ignored.
func TestInboxAndDoneFilters(t *testing.T) {
	e := newEnv(t)
	now := e.clock.Now()
	var credit, other []store.Task
	for i := 1; i <= 12; i++ {
		a := e.application("acme-fintech", "applicant", fmt.Sprintf("信贷%02d", i), domain.StatusDepartmentReview, "DS-0100")
		credit = append(credit, e.task(a, 1, domain.TaskDepartmentReview, "gsa", now, now.AddDate(0, 0, i)))
	}
	for i := 1; i <= 2; i++ {
		a := e.application("kangming-medai", "applicant2", fmt.Sprintf("医疗%02d", i), domain.StatusDepartmentReview, "DS-0100")
		other = append(other, e.task(a, 1, domain.TaskDepartmentReview, "gsa", now, now.AddDate(0, 0, 30+i)))
	}
	gsa := e.as("reviewer-gsa")
	xin := "%E4%BF%A1%E8%B4%B7" // 信贷
	p := gsa.get("/inbox?q=" + xin)
	mustContain(t, "keyword 信贷", p, `id="task-filters"`, `name="q"`, `value="信贷"`, `name="due_from"`, `name="due_to"`,
		"办理时限（起）", "共 12 项待办", `href="/inbox?page=2&amp;q=`+xin+`"`, `id="filter-reset"`)
	mustNotContain(t, "keyword 信贷", p, "医疗01", "医疗02")
	if p = gsa.get("/inbox?page=2&q=" + xin); !strings.Contains(p.Body, `id="row-`+credit[11].ID+`"`) || strings.Contains(p.Body, "医疗") {
		t.Errorf("page 2 of 信贷 lacks the 12th or holds another's")
	}
	// Due from the 5th to the 7th day: three, both days included.
	from, to := now.AddDate(0, 0, 5).Format(time.DateOnly), now.AddDate(0, 0, 7).Format(time.DateOnly)
	p = gsa.get("/inbox?due_from=" + from + "&due_to=" + to)
	mustContain(t, "due 5 to 7 days on", p, "共 3 项待办", `id="row-`+credit[4].ID+`"`, `id="row-`+credit[6].ID+`"`, `value="`+from+`"`)
	mustNotContain(t, "due 5 to 7 days on", p, `id="row-`+credit[3].ID+`"`, `id="row-`+credit[7].ID+`"`)
	// By number; and a step nobody holds here.
	mustContain(t, "by number", gsa.get(fmt.Sprintf("/inbox?q=%%23%d", other[1].ApplicationID)), "共 1 项待办", "医疗02")
	mustContain(t, "another step", gsa.get("/inbox?step=initial_review&q="+xin), "共 0 项待办", "没有符合条件的记录")
	// Values out of their sets are ignored.
	mustContain(t, "bad values", gsa.get("/inbox?step=nope&due_from=2026-13-01&due_to=soon"), "共 14 项待办")

	// 已办: the same filters, and "only mine" kept by them.
	at := now.Add(-time.Hour)
	for i, tk := range append(append([]store.Task{}, credit[:3]...), other...) {
		tk.Status, tk.Decision, tk.DecidedAt, tk.ActorUser = domain.TaskDone, domain.DecisionApprove, &at, "reviewer-gsa"
		if i == 4 {
			tk.ActorUser = "dept_reviewer"
		}
		if err := e.st.Apply(context.Background(), store.Change{Tasks: []store.Task{tk}}); err != nil {
			t.Fatal(err)
		}
	}
	p = gsa.get("/inbox/done?q=" + "%E5%8C%BB%E7%96%97") // 医疗
	mustContain(t, "done, keyword 医疗", p, `id="task-filters"`, `id="done-`+other[0].ID+`"`, `id="done-`+other[1].ID+`"`,
		`href="/inbox/done?mine=1&amp;q=%E5%8C%BB%E7%96%97"`)
	mustNotContain(t, "done, keyword 医疗", p, `id="done-`+credit[0].ID+`"`)
	p = gsa.get("/inbox/done?mine=1&q=%E5%8C%BB%E7%96%97")
	mustContain(t, "done, mine, 医疗", p, `id="done-`+other[0].ID+`"`, `<input type="hidden" name="mine" value="1">`, `href="/inbox/done?q=%E5%8C%BB%E7%96%97"`)
	mustNotContain(t, "done, mine, 医疗", p, `id="done-`+other[1].ID+`"`)
	p = gsa.get("/inbox/done?due_to=" + now.AddDate(0, 0, 2).Format(time.DateOnly))
	mustContain(t, "done, due by the 2nd day", p, `id="done-`+credit[0].ID+`"`, `id="done-`+credit[1].ID+`"`)
	mustNotContain(t, "done, due by the 2nd day", p, `id="done-`+credit[2].ID+`"`, `id="done-`+other[0].ID+`"`)
	mustContain(t, "done, nothing matches", gsa.get("/inbox/done?step=initial_review"), "没有符合条件的记录")
}
