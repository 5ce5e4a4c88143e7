package api_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/workflows"
)

// GET /api/v1/applications takes the pages' filters, sort and paging
// (issue 17) with the count of every match, within the caller's scope;
// an unknown value is a 400 naming its parameter.
func TestListApplicationsFilters(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	mk := func(org, user, title, status, dataset string) uint64 {
		a := &store.Application{ApplicantOrg: org, ApplicantUser: user, Title: title, Purpose: "p",
			PeriodMonths: 12, AccessMode: store.AccessSandbox, Datasets: []store.ApplicationDataset{{DatasetCode: dataset}}}
		if err := e.st.CreateApplication(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := e.st.MarkSubmitted(ctx, a.ID, workflows.ApplicationWorkflowID(a.ID), e.clock.Now()); err != nil {
			t.Fatal(err)
		}
		if err := e.st.Apply(ctx, store.Change{App: &store.AppState{ID: a.ID, Status: status}}); err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	var gsa []uint64
	for i := 1; i <= 5; i++ {
		id := mk("acme-fintech", "applicant", fmt.Sprintf("信贷%d", i), domain.StatusDepartmentReview, "DS-0100")
		e.openTask(id, domain.TaskDepartmentReview, "gsa")
		gsa = append(gsa, id)
	}
	commerce := mk("kangming-medai", "applicant2", "商务", domain.StatusInitialReview, "DS-0102")
	e.openTask(commerce, domain.TaskInitialReview, "bdc")

	list := func(user, query string) ([]uint64, int64) {
		t.Helper()
		r := e.do("GET", "/api/v1/applications"+query, nil, user)
		if r.Status != http.StatusOK {
			t.Fatalf("%s %s: %d %s", user, query, r.Status, r.Body)
		}
		var out struct {
			Applications []store.Application `json:"applications"`
			Total        *int64              `json:"total"`
		}
		r.decode(t, &out)
		if out.Total == nil {
			t.Fatalf("%s %s: no total", user, query)
		}
		var ids []uint64
		for _, a := range out.Applications {
			ids = append(ids, a.ID)
		}
		return ids, *out.Total
	}
	if ids, n := list("initial_reviewer", "?limit=2"); n != 6 || len(ids) != 2 || ids[0] != commerce {
		t.Errorf("a page of 2: %v of %d", ids, n)
	}
	if ids, n := list("initial_reviewer", "?step=initial_review"); n != 1 || !slices.Equal(ids, []uint64{commerce}) {
		t.Errorf("step: %v of %d", ids, n)
	}
	if ids, n := list("initial_reviewer", "?q=%E4%BF%A1%E8%B4%B72&sort=submitted&order=asc"); n != 1 || !slices.Equal(ids, []uint64{gsa[1]}) {
		t.Errorf("keyword 信贷2: %v of %d", ids, n)
	}
	if ids, _ := list("initial_reviewer", "?sort=id&order=asc&department=gsa"); !slices.Equal(ids, gsa) {
		t.Errorf("gsa's, oldest first: %v, want %v", ids, gsa)
	}
	today := e.clock.Now().Format(time.DateOnly)
	if _, n := list("initial_reviewer", "?from="+today+"&to="+today); n != 6 {
		t.Errorf("submitted today: %d", n)
	}
	// A department's scope stays: commerce's application is never gsa's.
	if ids, n := list("reviewer-gsa", "?applicant=kangming-medai"); n != 0 || len(ids) != 0 {
		t.Errorf("gsa asking for kangming's: %v of %d", ids, n)
	}
	if _, n := list("applicant2", "?department=gsa"); n != 0 {
		t.Errorf("applicant2 asking for gsa's: %d", n)
	}
	for _, q := range []string{"?step=nope", "?sort=title", "?order=up", "?from=2026-13-01", "?to=yesterday"} {
		if r := e.do("GET", "/api/v1/applications"+q, nil, "initial_reviewer"); r.Status != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", q, r.Status)
		}
	}
}

// GET /api/v1/tasks answers the count of every task its filters select
// (total) with one page of them, and filters by kind, keyword (the
// application's title or number) and a range of due dates (China time,
// both days included); a bad filter is a 400 naming its parameter, in
// zh-CN and English.
func TestInboxFiltersAndTotal(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	day := func(d int) time.Time { return time.Date(2026, 3, d, 17, 30, 0, 0, e.clock.Now().Location()) }
	var credit []string
	for i := 1; i <= 4; i++ {
		a := &store.Application{ApplicantOrg: "acme-fintech", ApplicantUser: "applicant", Title: fmt.Sprintf("信贷风控%d", i),
			Purpose: "p", PeriodMonths: 12, AccessMode: store.AccessSandbox, Datasets: []store.ApplicationDataset{{DatasetCode: "DS-0100"}}}
		if err := e.st.CreateApplication(ctx, a); err != nil {
			t.Fatal(err)
		}
		id := workflows.ApplicationWorkflowID(a.ID) + "-t1"
		// Due on March 2, 4, 6 and 8.
		if err := e.st.Apply(ctx, store.Change{Tasks: []store.Task{{ID: id, ApplicationID: a.ID, WorkflowID: workflows.ApplicationWorkflowID(a.ID),
			Kind: domain.TaskInitialReview, Department: "bdc", Status: domain.TaskOpen, Round: 1, OpenedAt: day(1), DueAt: day(2 * i)}}}); err != nil {
			t.Fatal(err)
		}
		credit = append(credit, id)
	}
	other := e.submitted("kangming-medai", "applicant2") // titled 场景
	sign := e.openTask(other, domain.TaskSignAuthorization, "bdc")

	list := func(query string) ([]string, int64) {
		t.Helper()
		r := e.do("GET", "/api/v1/tasks"+query, nil, "initial_reviewer")
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", query, r.Status, r.Body)
		}
		var out struct {
			Tasks []struct{ ID string } `json:"tasks"`
			Total *int64                `json:"total"`
		}
		r.decode(t, &out)
		if out.Total == nil {
			t.Fatalf("%s: no total: %s", query, r.Body)
		}
		ids := []string{}
		for _, t := range out.Tasks {
			ids = append(ids, t.ID)
		}
		return ids, *out.Total
	}
	if ids, n := list("?limit=2"); n != 5 || !slices.Equal(ids, credit[:2]) {
		t.Errorf("a page of 2: %v of %d", ids, n)
	}
	// The signature is due on March 5 (openTask: three days on).
	if ids, n := list("?limit=2&offset=4"); n != 5 || !slices.Equal(ids, credit[3:]) {
		t.Errorf("the last page: %v of %d", ids, n)
	}
	if ids, n := list("?offset=10"); n != 5 || len(ids) != 0 {
		t.Errorf("past the end: %v of %d", ids, n)
	}
	if ids, n := list("?kind=sign_authorization"); n != 1 || !slices.Equal(ids, []string{sign}) {
		t.Errorf("kind: %v of %d", ids, n)
	}
	if ids, n := list("?q=%E4%BF%A1%E8%B4%B7%E9%A3%8E%E6%8E%A73"); n != 1 || !slices.Equal(ids, credit[2:3]) { // 信贷风控3
		t.Errorf("keyword 信贷风控3: %v of %d", ids, n)
	}
	if ids, n := list(fmt.Sprintf("?q=%%23%d", other)); n != 1 || !slices.Equal(ids, []string{sign}) {
		t.Errorf("keyword #%d: %v of %d", other, ids, n)
	}
	// Due March 4 to 6, both days whole (a page lists its tasks in the
	// order they opened).
	if ids, n := list("?due_from=2026-03-04&due_to=2026-03-06"); n != 3 || !slices.Equal(ids, []string{credit[1], credit[2], sign}) {
		t.Errorf("due 4 to 6 March: %v of %d", ids, n)
	}
	if ids, n := list("?kind=initial_review&due_from=2026-03-07&q=%E4%BF%A1%E8%B4%B7"); n != 1 || !slices.Equal(ids, credit[3:]) {
		t.Errorf("all together: %v of %d", ids, n)
	}
	// Another org's inbox never holds them, whatever it asks.
	if r := e.do("GET", "/api/v1/tasks?q=%E4%BF%A1%E8%B4%B7", nil, "reviewer-gsa"); !strings.Contains(string(r.Body), `"total":0`) {
		t.Errorf("gsa asking for 信贷: %s", r.Body)
	}
	for q, field := range map[string]string{"?due_from=2026-13-01": "due_from", "?due_to=yesterday": "due_to",
		"?due_from=2026-03-06&due_to=2026-03-04": "due_to", "?kind=nope": "kind", "?q=" + strings.Repeat("x", 101): "q"} {
		for _, lang := range []string{"zh-CN", "en"} {
			before := e.counts()
			r := e.do("GET", "/api/v1/tasks"+q, nil, func(req *http.Request) {
				req.Header.Set("Authorization", "Bearer "+e.token("initial_reviewer"))
				req.Header.Set("Accept-Language", lang)
			})
			var out struct {
				Error struct{ Field, Message, Hint string }
			}
			r.decode(t, &out)
			if r.Status != http.StatusBadRequest || out.Error.Field != field || han(out.Error.Message) != (lang == "zh-CN") || out.Error.Hint == "" {
				t.Errorf("%s in %s: %d %s", q, lang, r.Status, r.Body)
			}
			if after := e.counts(); !equalCounts(before, after) {
				t.Errorf("%s changed rows", q)
			}
		}
	}
}
