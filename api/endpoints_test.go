package api_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/workflows"
)

func appBody(over map[string]any) map[string]any {
	b := map[string]any{"title": "小微企业信贷风控", "domain": "金融服务", "purpose": "授信评估", "period_months": 24,
		"access_mode": "sandbox", "datasets": []string{"DS-0100", "DS-0102"}}
	for k, v := range over {
		b[k] = v
	}
	return b
}

func errorField(t *testing.T, r response) string {
	t.Helper()
	var e struct {
		Error struct {
			Code, Message, Field, Hint string
		} `json:"error"`
	}
	r.decode(t, &e)
	if e.Error.Message == "" || e.Error.Code == "" {
		t.Errorf("error body without code or message: %s", r.Body)
	}
	return e.Error.Field
}

func TestCreateAndEditDraftValidation(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name   string
		over   map[string]any
		status int
		field  string
	}{
		{"no title", map[string]any{"title": " "}, 400, "title"},
		{"no purpose", map[string]any{"purpose": ""}, 400, "purpose"},
		{"no period", map[string]any{"period_months": 0}, 400, "period_months"},
		{"over five years", map[string]any{"period_months": 61}, 422, "period_months"},
		{"unknown access mode", map[string]any{"access_mode": "email"}, 400, "access_mode"},
		{"no datasets", map[string]any{"datasets": []string{}}, 400, "datasets"},
		{"unknown dataset", map[string]any{"datasets": []string{"DS-9999"}}, 400, "datasets[0]"},
		{"named twice", map[string]any{"datasets": []string{"DS-0100", "DS-0100"}}, 400, "datasets[1]"},
		{"closed dataset by download", map[string]any{"access_mode": "download", "datasets": []string{"DS-0100", "DS-0103"}}, 422, "access_mode"},
		{"closed dataset by API", map[string]any{"access_mode": "api", "datasets": []string{"DS-0103"}}, 422, "access_mode"},
		{"grade 3 by download", map[string]any{"access_mode": "download", "datasets": []string{"DS-0101"}}, 422, "access_mode"},
		{"unknown field", map[string]any{"colour": "red"}, 400, ""},
	} {
		before := e.counts()
		r := e.do("POST", "/api/v1/applications", appBody(tc.over), "applicant")
		if r.Status != tc.status || errorField(t, r) != tc.field {
			t.Errorf("%s: %d field %q, want %d %q: %s", tc.name, r.Status, errorField(t, r), tc.status, tc.field, r.Body)
		}
		if !equalCounts(before, e.counts()) {
			t.Errorf("%s: refused but changed rows", tc.name)
		}
	}
	r := e.do("POST", "/api/v1/applications", appBody(nil), "applicant")
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	var created struct{ Application store.Application }
	r.decode(t, &created)
	path := fmt.Sprintf("/api/v1/applications/%d", created.Application.ID)
	r = e.do("PUT", path, appBody(map[string]any{"title": "改后的场景", "datasets": []string{"DS-0113"}}), "applicant")
	if r.Status != http.StatusOK {
		t.Fatalf("edit: %d %s", r.Status, r.Body)
	}
	a, _ := e.st.Application(context.Background(), created.Application.ID)
	if a.Title != "改后的场景" || len(a.Datasets) != 1 || a.Datasets[0].Department != "samr" {
		t.Errorf("edited draft: %+v", a)
	}
	if r := e.do("PUT", path, appBody(map[string]any{"period_months": 99}), "applicant"); r.Status != 422 {
		t.Errorf("edit over five years: %d", r.Status)
	}
	if err := e.st.MarkSubmitted(context.Background(), a.ID, "application-x", e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.refusedUnchanged("PUT", path, appBody(nil), "applicant", http.StatusConflict)
}

func TestIdempotencyKey(t *testing.T) {
	e := newEnv(t)
	send := func(key, path string, body any) response {
		return e.do("POST", path, body, func(r *http.Request) {
			r.Header.Set("Authorization", "Bearer "+e.token("applicant"))
			r.Header.Set("Idempotency-Key", key)
		})
	}
	first := send("k-1", "/api/v1/applications", appBody(nil))
	before := e.counts()
	second := send("k-1", "/api/v1/applications", appBody(nil))
	if first.Status != http.StatusCreated || second.Status != first.Status || string(second.Body) != string(first.Body) ||
		second.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("retry: %d %s / %d %s", first.Status, first.Body, second.Status, second.Body)
	}
	if !equalCounts(before, e.counts()) {
		t.Error("the retry created something")
	}
	if r := send("k-1", "/api/v1/tokens", map[string]any{"name": "x", "ttl_days": 1}); r.Status != http.StatusConflict {
		t.Errorf("same key on another route: %d %s", r.Status, r.Body)
	}
	// A refused request is remembered too: the retry gets the same refusal.
	bad := send("k-2", "/api/v1/applications", appBody(map[string]any{"title": ""}))
	if again := send("k-2", "/api/v1/applications", appBody(nil)); again.Status != bad.Status || bad.Status != 400 {
		t.Errorf("retry of a refused request: %d then %d", bad.Status, again.Status)
	}
	var list struct{ Applications []store.Application }
	e.do("GET", "/api/v1/applications", nil, "applicant").decode(t, &list)
	if len(list.Applications) != 1 {
		t.Errorf("%d applications after retries, want 1", len(list.Applications))
	}
}

func TestClaimReleaseTransfer(t *testing.T) {
	e := newEnv(t)
	app := e.submitted("acme-fintech", "applicant")
	task := e.openTask(app, "department_review", "samr")
	base := "/api/v1/tasks/" + task
	if r := e.do("POST", base+"/claim", "{}", "dept_reviewer"); r.Status != 200 {
		t.Fatalf("claim: %d %s", r.Status, r.Body)
	}
	e.refusedUnchanged("POST", base+"/claim", "{}", "reviewer-samr", http.StatusConflict) // held by a colleague
	// A 409 names no field the request does not have (the task is the
	// path's, not a task_id).
	held := e.refusedUnchanged("POST", base+"/decision", `{"decision":"approve"}`, "reviewer-samr", http.StatusConflict)
	if strings.Contains(string(held.Body), `"field":"task_id"`) {
		t.Errorf("a decision on a held task names task_id: %s", held.Body)
	}
	e.refusedUnchanged("POST", base+"/release", "{}", "reviewer-samr", http.StatusConflict)
	e.refusedUnchanged("POST", base+"/claim", "{}", "reviewer-health", http.StatusNotFound) // a department outside the application
	e.refusedUnchanged("POST", base+"/claim", "{}", "bureau_officer", http.StatusForbidden) // sees the application, not its task
	e.refusedUnchanged("POST", base+"/transfer", map[string]string{"to": "reviewer-health"}, "dept_reviewer", http.StatusBadRequest)
	e.refusedUnchanged("POST", base+"/transfer", map[string]string{"to": "applicant"}, "dept_reviewer", http.StatusBadRequest)
	if r := e.do("POST", base+"/transfer", map[string]string{"to": "reviewer-samr", "reason": "出差"}, "dept_reviewer"); r.Status != 200 {
		t.Fatalf("transfer: %d %s", r.Status, r.Body)
	}
	got, _ := e.st.Task(context.Background(), task)
	if got.Assignee != "reviewer-samr" {
		t.Errorf("assignee %q after transfer", got.Assignee)
	}
	// The task is its holder's: a colleague's decision is refused, naming
	// the holder by name (the workflow is never asked).
	holder, _ := e.st.UserByName(context.Background(), "reviewer-samr")
	r := e.refusedUnchanged("POST", base+"/decision", map[string]string{"decision": "approve"}, "dept_reviewer", http.StatusConflict)
	if !strings.Contains(string(r.Body), holder.DisplayName) || holder.DisplayName == "" || strings.Contains(string(r.Body), `"reviewer-samr"`) {
		t.Errorf("decision on a task a colleague holds: %s; want the holder %q named", r.Body, holder.DisplayName)
	}
	// A workflow transition (here a reminder) keeps who holds the task.
	got.RemindedAt = &got.OpenedAt
	if err := e.st.Apply(context.Background(), store.Change{Tasks: []store.Task{got}}); err != nil {
		t.Fatal(err)
	}
	if again, _ := e.st.Task(context.Background(), task); again.Assignee != "reviewer-samr" {
		t.Errorf("a workflow write cleared the assignee: %q", again.Assignee)
	}
	if r := e.do("POST", base+"/release", "{}", "reviewer-samr"); r.Status != 200 {
		t.Fatalf("release: %d %s", r.Status, r.Body)
	}
	audit, _ := e.st.Audit(context.Background(), app)
	var actions []string
	for _, a := range audit {
		actions = append(actions, a.Action+" by "+a.Actor)
	}
	if want := "[task.claimed by dept_reviewer task.transferred by dept_reviewer task.released by reviewer-samr]"; fmt.Sprint(actions) != want {
		t.Errorf("audit %v, want %s", actions, want)
	}
}

func TestHolidayTableUpload(t *testing.T) {
	e := newEnv(t)
	due := func(from string, days int) string {
		var d struct{ Due string }
		e.do("GET", fmt.Sprintf("/api/v1/calendar/due?from=%s&days=%d", from, days), nil, "").decode(t, &d)
		return d.Due
	}
	// A count through years without a table (2029, 2030) is provisional, and says so.
	var far struct {
		Due          string
		Provisional  bool
		MissingYears []int `json:"missing_years"`
		Note         string
	}
	e.do("GET", "/api/v1/calendar/due?from=2029-12-28&days=5", nil, "").decode(t, &far)
	if !far.Provisional || fmt.Sprint(far.MissingYears) != "[2029 2030]" || far.Note != "按周末计算，待公布节假日后更新" {
		t.Errorf("due across 2030: %+v, want provisional, missing [2029 2030], with the note", far)
	}
	var near struct{ Provisional bool }
	e.do("GET", "/api/v1/calendar/due?from=2026-12-18&days=20", nil, "").decode(t, &near)
	if near.Provisional {
		t.Error("a count within 2026-2027 (tables published) is marked provisional")
	}
	// lunar-go's 2027 table: 1-7 October off, Saturday 9 October worked.
	if got := due("2027-09-30", 2); got != "2027-10-09" {
		t.Fatalf("2027 with the library's table: %s, want 2027-10-09", got)
	}
	for _, tc := range []struct {
		body  string
		field string
	}{
		{`{"year":2026,"off":[],"work":[]}`, "year"},
		{`{"year":2027,"off":["2026-10-01"],"work":[]}`, "off[0]"},
		{`{"year":2027,"off":["2027-10-01"],"work":["2027-10-01"]}`, "work[0]"},
		{`{"year":2027,"off":["2027-13-01"]}`, "off[0]"},
	} {
		r := e.do("PUT", "/api/v1/calendar/holidays/2027", tc.body, "admin")
		if r.Status != 400 || !strings.HasPrefix(errorField(t, r), strings.Split(tc.field, "[")[0]) {
			t.Errorf("%s: %d %s", tc.body, r.Status, r.Body)
		}
	}
	e.refusedUnchanged("PUT", "/api/v1/calendar/holidays/2027", `{"year":2027,"off":["2027-10-01"],"work":[]}`, "supervisor", http.StatusForbidden)
	r := e.do("PUT", "/api/v1/calendar/holidays/2027", `{"year":2027,"off":["2027-10-01"],"work":["2027-10-09"]}`, "admin")
	if r.Status != 200 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	if got := due("2027-09-30", 2); got != "2027-10-05" {
		t.Errorf("with 1 October off: %s, want 2027-10-05", got)
	}
	tables, _ := e.st.HolidayTables(context.Background())
	if len(tables) != 1 || tables[0].UpdatedBy != "admin" {
		t.Errorf("stored tables %+v", tables)
	}
}

// 督办 goes to departments: a supervisor cannot urge an applicant's own step.
func TestUrgeOnlyDepartments(t *testing.T) {
	e := newEnv(t)
	app := e.submitted("acme-fintech", "applicant")
	own := e.openTask(app, "supplement", "acme-fintech")
	dept := e.openTask(app, "department_review", "gsa")
	e.refusedUnchanged("POST", "/api/v1/supervision/urges", map[string]string{"task_id": own, "message": "请尽快补正"}, "supervisor", http.StatusUnprocessableEntity)
	if r := e.do("POST", "/api/v1/supervision/urges", map[string]string{"task_id": dept, "message": "请在三个工作日内办结"}, "supervisor"); r.Status != http.StatusCreated {
		t.Errorf("urge a department's task: %d %s", r.Status, r.Body)
	}
}

// A task whose due date was counted across a year without a holiday table
// says so in the inbox: due_provisional. One within years that have their
// tables does not.
func TestInboxMarksProvisionalDueDates(t *testing.T) {
	e := newEnv(t)
	app := e.submitted("acme-fintech", "applicant")
	now := e.clock.Now()
	far := store.Task{ID: "application-x-far", ApplicationID: app, WorkflowID: workflows.ApplicationWorkflowID(app),
		Kind: domain.TaskDepartmentReview, Department: "gsa", Status: domain.TaskOpen, Round: 1,
		OpenedAt: time.Date(2029, 12, 20, 9, 0, 0, 0, calendar.Zone), DueAt: time.Date(2030, 1, 17, 23, 59, 59, 0, calendar.Zone)}
	near := far
	near.ID, near.OpenedAt, near.DueAt = "application-x-near", now, now.Add(72*time.Hour)
	if err := e.st.Apply(context.Background(), store.Change{Tasks: []store.Task{far, near}}); err != nil {
		t.Fatal(err)
	}
	var inbox struct {
		Tasks []struct {
			ID             string
			DueProvisional bool `json:"due_provisional"`
		}
	}
	e.do("GET", "/api/v1/tasks", nil, "reviewer-gsa").decode(t, &inbox)
	got := map[string]bool{}
	for _, s := range inbox.Tasks {
		got[s.ID] = s.DueProvisional
	}
	if p, ok := got[far.ID]; !ok || !p {
		t.Errorf("a review due across 2029-2030 (no tables): due_provisional %v (listed %v)", p, ok)
	}
	if p, ok := got[near.ID]; !ok || p {
		t.Errorf("a review due within 2026: due_provisional %v (listed %v)", p, ok)
	}
}

// A client learns the codes it may name, e.g. the regulators for
// ask_regulator, from GET /orgs; applicant orgs are never listed.
func TestOrgsByKind(t *testing.T) {
	e := newEnv(t)
	var list struct {
		Orgs []struct{ Code, Name, Kind string }
	}
	r := e.do("GET", "/api/v1/orgs?kind=regulator", nil, "reviewer-gsa")
	r.decode(t, &list)
	codes := map[string]bool{}
	for _, o := range list.Orgs {
		codes[o.Code] = true
		if o.Kind != "regulator" || o.Name == "" {
			t.Errorf("kind=regulator lists %+v", o)
		}
	}
	if r.Status != http.StatusOK || !codes["cac"] || !codes["nfra"] {
		t.Errorf("regulators: %d %s", r.Status, r.Body)
	}
	r = e.do("GET", "/api/v1/orgs", nil, "applicant")
	if r.Status != http.StatusOK || strings.Contains(string(r.Body), "acme-fintech") || strings.Contains(string(r.Body), `"applicant"`) {
		t.Errorf("all offices, as an applicant: %d %s", r.Status, r.Body)
	}
	wantError(t, e.do("GET", "/api/v1/orgs?kind=applicant", nil, "applicant"), http.StatusBadRequest, "kind")
	if r := e.do("GET", "/api/v1/orgs", nil, ""); r.Status != http.StatusUnauthorized {
		t.Errorf("anonymous: %d", r.Status)
	}
}

// An inbox narrows to one application's tasks of one kind: a script finds
// the task it must decide without knowing how task IDs are numbered.
func TestInboxByApplicationAndKind(t *testing.T) {
	e := newEnv(t)
	a, b := e.submitted("acme-fintech", "applicant"), e.submitted("acme-fintech", "applicant")
	now := e.clock.Now()
	task := func(id string, app uint64, kind string) store.Task {
		return store.Task{ID: id, ApplicationID: app, WorkflowID: workflows.ApplicationWorkflowID(app), Kind: kind,
			Department: "gsa", Status: domain.TaskOpen, Round: 1, OpenedAt: now, DueAt: now.Add(72 * time.Hour)}
	}
	if err := e.st.Apply(context.Background(), store.Change{Tasks: []store.Task{
		task("application-x-a-review", a, domain.TaskDepartmentReview),
		task("application-x-a-model", a, domain.TaskModelReview),
		task("application-x-b-review", b, domain.TaskDepartmentReview),
	}}); err != nil {
		t.Fatal(err)
	}
	ids := func(query string) []string {
		var inbox struct{ Tasks []struct{ ID string } }
		r := e.do("GET", "/api/v1/tasks"+query, nil, "reviewer-gsa")
		if r.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", query, r.Status, r.Body)
		}
		r.decode(t, &inbox)
		var out []string
		for _, s := range inbox.Tasks {
			out = append(out, s.ID)
		}
		return out
	}
	if got := ids(fmt.Sprintf("?application=%d&kind=department_review", a)); !slices.Equal(got, []string{"application-x-a-review"}) {
		t.Errorf("application %d, department_review: %v", a, got)
	}
	if got := ids(fmt.Sprintf("?application=%d", a)); len(got) != 2 || slices.Contains(got, "application-x-b-review") {
		t.Errorf("application %d: %v", a, got)
	}
	if got := ids("?kind=department_review"); !slices.Contains(got, "application-x-b-review") || slices.Contains(got, "application-x-a-model") {
		t.Errorf("department_review: %v", got)
	}
	for q, field := range map[string]string{"?application=x": "application", "?application=0": "application", "?kind=lunch": "kind"} {
		r := e.do("GET", "/api/v1/tasks"+q, nil, "reviewer-gsa")
		if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"field":"`+field+`"`) {
			t.Errorf("%s: %d %s, want 400 naming %s", q, r.Status, r.Body, field)
		}
	}
}
