package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// supEnv is the test API with the supervision tables.
func supEnv(t *testing.T) *env {
	t.Helper()
	e := newEnv(t)
	if err := e.st.MigrateSupervision(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

func at(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, calendar.Zone)
}

func timePtr(t time.Time) *time.Time { return &t }

// task writes one task of application appID, as a workflow would.
func (e *env) task(appID uint64, id, kind, dept, status, decision string, opened, due time.Time, decided *time.Time) string {
	e.t.Helper()
	id = fmt.Sprintf("application-%d-%s", appID, id)
	err := e.st.Apply(context.Background(), store.Change{Tasks: []store.Task{{
		ID: id, ApplicationID: appID, WorkflowID: fmt.Sprintf("application-%d", appID), Kind: kind, Department: dept,
		Status: status, Round: 1, OpenedAt: opened, DueAt: due, DecidedAt: decided, Decision: decision,
	}}})
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}

// wantError checks a refusal's status and the field it names.
func wantError(t *testing.T, r response, status int, field string) {
	t.Helper()
	if r.Status != status {
		t.Errorf("status %d, want %d: %s", r.Status, status, r.Body)
		return
	}
	if got := errorField(t, r); got != field {
		t.Errorf("error names field %q, want %q: %s", got, field, r.Body)
	}
}

func supervisionStream(t *testing.T, e *env) []store.AuditEntry {
	t.Helper()
	s, err := e.st.AuditStream(context.Background(), store.SupervisionAuditStream)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

type statsResponse struct {
	From, To    string
	Departments []store.DepartmentStat
}

func TestSupervisionStats(t *testing.T) {
	e := supEnv(t) // now: Monday 2 March 2026, 09:00
	app := e.submitted("acme-fintech", "applicant")
	// Around the 2026 Spring Festival: 15-23 February off, Saturday 14
	// February worked.
	// 12 Feb -> 25 Feb: 13, 14, 24, 25 = 4 working days; on time.
	e.task(app, "t1", "department_review", "gsa", domain.TaskDone, "approve", at(2026, 2, 12, 10), at(2026, 3, 10, 23), timePtr(at(2026, 2, 25, 10)))
	// 13 Feb -> 24 Feb: 14, 24 = 2 working days; on time; a rejection.
	rejected := e.task(app, "t2", "department_review", "gsa", domain.TaskDone, "reject", at(2026, 2, 13, 10), at(2026, 2, 27, 23), timePtr(at(2026, 2, 24, 10)))
	// 24 Feb -> 27 Feb: 25, 26, 27 = 3 working days; late.
	e.task(app, "t3", "model_review", "gsa", domain.TaskDone, "approve", at(2026, 2, 24, 10), at(2026, 2, 25, 23), timePtr(at(2026, 2, 27, 10)))
	// Open and overdue; open and not yet due.
	e.task(app, "t4", "department_review", "gsa", domain.TaskOpen, "", at(2026, 2, 2, 10), at(2026, 2, 27, 23), nil)
	e.task(app, "t5", "department_review", "commerce", domain.TaskOpen, "", at(2026, 2, 26, 10), at(2026, 3, 20, 23), nil)
	if r := e.do("POST", "/api/v1/supervision/flags", map[string]string{"task_id": rejected, "reason": "驳回未说明依据"}, "supervisor"); r.Status != http.StatusCreated {
		t.Fatalf("flag: %d %s", r.Status, r.Body)
	}

	for _, who := range []string{"supervisor", "bureau_officer"} {
		var got statsResponse
		r := e.do("GET", "/api/v1/supervision/stats", nil, who)
		if r.Status != http.StatusOK {
			t.Fatalf("stats as %s: %d %s", who, r.Status, r.Body)
		}
		r.decode(t, &got)
		if got.From != "2025-12-03" || got.To != "2026-03-02" {
			t.Errorf("default period %s..%s, want the 90 days to today", got.From, got.To)
		}
		if len(got.Departments) < 2 || got.Departments[0].Department != "gsa" {
			t.Fatalf("the most overdue department comes first: %s", r.Body)
		}
		gsa := got.Departments[0]
		if gsa.Name == "" || gsa.Open != 1 || gsa.Overdue != 1 || gsa.Decided != 3 || gsa.OnTime != 2 ||
			gsa.Rejected != 1 || gsa.ReviewDecided != 3 || gsa.GroundlessFlags != 1 {
			t.Errorf("gsa: %+v", gsa)
		}
		for what, p := range map[string]struct {
			got  *float64
			want float64
		}{
			"on-time rate":               {gsa.OnTimeRate, 0.667},
			"rejection rate":             {gsa.RejectionRate, 0.333},
			"median review days (4,2,3)": {gsa.MedianReviewDays, 3},
		} {
			if p.got == nil || *p.got != p.want {
				t.Errorf("gsa %s = %v, want %v", what, p.got, p.want)
			}
		}
		for i := 2; i < len(got.Departments); i++ {
			a, b := got.Departments[i-1], got.Departments[i]
			if a.Overdue < b.Overdue || (a.Overdue == b.Overdue && a.Department > b.Department) {
				t.Errorf("not sorted by overdue then code: %s (%d), %s (%d)", a.Department, a.Overdue, b.Department, b.Overdue)
			}
		}
	}

	// A rate with nothing to divide is null, not zero.
	var one statsResponse
	r := e.do("GET", "/api/v1/supervision/stats?department=commerce&from=2026-01-01&to=2026-03-02", nil, "supervisor")
	r.decode(t, &one)
	if r.Status != http.StatusOK || len(one.Departments) != 1 || one.Departments[0].Open != 1 ||
		!strings.Contains(string(r.Body), `"on_time_rate":null`) || !strings.Contains(string(r.Body), `"median_review_working_days":null`) {
		t.Errorf("commerce: %d %s", r.Status, r.Body)
	}
	// A period before the decisions counts none of them.
	var early statsResponse
	e.do("GET", "/api/v1/supervision/stats?department=gsa&from=2026-01-01&to=2026-02-11", nil, "supervisor").decode(t, &early)
	if len(early.Departments) != 1 || early.Departments[0].Decided != 0 || early.Departments[0].GroundlessFlags != 0 ||
		early.Departments[0].Open != 1 {
		t.Errorf("early period: %+v", early.Departments)
	}
}

func TestSupervisionStatsRefusals(t *testing.T) {
	e := supEnv(t)
	for _, tc := range []struct{ query, field string }{
		{"from=2026-13-01", "from"},
		{"to=yesterday", "to"},
		{"from=2026-03-02&to=2026-03-01", "from"},
		{"from=2024-01-01&to=2026-03-01", "from"},
		{"department=nowhere", "department"},
		{"department=acme-fintech", "department"},
		{"department=inspect", "department"},
	} {
		wantError(t, e.do("GET", "/api/v1/supervision/stats?"+tc.query, nil, "supervisor"), http.StatusBadRequest, tc.field)
	}
	if r := e.do("GET", "/api/v1/supervision/stats?from=2024-03-02&to=2026-03-02", nil, "supervisor"); r.Status != http.StatusOK {
		t.Errorf("exactly two years: %d %s", r.Status, r.Body)
	}
	for who, status := range map[string]int{"": 401, "applicant": 403, "dept_reviewer": 403, "admin": 403} {
		if r := e.do("GET", "/api/v1/supervision/stats", nil, who); r.Status != status {
			t.Errorf("stats as %q: %d, want %d", who, r.Status, status)
		}
	}
}

func TestUrge(t *testing.T) {
	e := supEnv(t)
	app := e.submitted("acme-fintech", "applicant")
	open := e.openTask(app, "department_review", "gsa")
	done := e.task(app, "done", "initial_review", "bdc", domain.TaskDone, "pass", at(2026, 2, 2, 9), at(2026, 2, 9, 23), timePtr(at(2026, 2, 3, 9)))

	r := e.do("POST", "/api/v1/supervision/urges", map[string]string{"task_id": open, "message": "  请于本周内办结  "}, "supervisor")
	if r.Status != http.StatusCreated {
		t.Fatalf("urge: %d %s", r.Status, r.Body)
	}
	var u store.Urge
	r.decode(t, &u)
	if u.ID == 0 || u.TaskID != open || u.ApplicationID != app || u.Department != "gsa" || u.Supervisor != "supervisor" ||
		u.Message != "请于本周内办结" || !u.CreatedAt.Equal(e.clock.Now()) {
		t.Errorf("urge: %+v", u)
	}
	urges, err := e.st.UrgesOf(context.Background(), open)
	if err != nil || len(urges) != 1 || urges[0].ID != u.ID {
		t.Errorf("UrgesOf: %+v %v", urges, err)
	}
	stream := supervisionStream(t, e)
	if len(stream) != 1 || stream[0].Action != "task.urged" || stream[0].Actor != "supervisor" || stream[0].Role != "supervisor" ||
		stream[0].Department != "inspect" || stream[0].ApplicationID != app || stream[0].Reason != "请于本周内办结" || stream[0].Seq != 1 {
		t.Errorf("audit: %+v", stream)
	}

	long := strings.Repeat("催", 1001)
	for _, tc := range []struct {
		body   any
		status int
		field  string
	}{
		{`{}`, 400, "task_id"},
		{map[string]string{"task_id": " ", "message": "m"}, 400, "task_id"},
		{map[string]string{"task_id": open}, 400, "message"},
		{map[string]string{"task_id": open, "message": " \n "}, 400, "message"},
		{map[string]string{"task_id": open, "message": long}, 400, "message"},
		{map[string]any{"task_id": open, "message": "m", "department": "gsa"}, 400, ""},
		{`{"task_id": 1}`, 400, ""},
		{map[string]string{"task_id": "application-999-t1", "message": "m"}, 404, "task_id"},
		{map[string]string{"task_id": done, "message": "m"}, 409, "task_id"},
	} {
		before := e.counts()
		wantError(t, e.do("POST", "/api/v1/supervision/urges", tc.body, "supervisor"), tc.status, tc.field)
		if !equalCounts(before, e.counts()) {
			t.Errorf("refused urge %v changed rows", tc.body)
		}
	}
	if r := e.do("POST", "/api/v1/supervision/urges", map[string]string{"task_id": open, "message": strings.Repeat("催", 1000)}, "supervisor"); r.Status != http.StatusCreated {
		t.Errorf("1000 characters: %d %s", r.Status, r.Body)
	}
	for who, status := range map[string]int{"": 401, "bureau_officer": 403, "applicant": 403, "reviewer-gsa": 403, "admin": 403} {
		r := e.do("POST", "/api/v1/supervision/urges", map[string]string{"task_id": open, "message": "m"}, who)
		if r.Status != status {
			t.Errorf("urge as %q: %d, want %d", who, r.Status, status)
		}
	}
	if n := len(supervisionStream(t, e)); n != 2 {
		t.Errorf("supervision stream has %d entries, want 2 (refusals record nothing)", n)
	}
}

func TestFlagGroundlessRejection(t *testing.T) {
	e := supEnv(t)
	app := e.submitted("acme-fintech", "applicant") // DS-0100 (gsa), DS-0102 (commerce)
	ctx := context.Background()
	decided := timePtr(at(2026, 2, 20, 10))
	opened, due := at(2026, 2, 2, 9), at(2026, 3, 2, 23)
	reject := e.task(app, "reject", "initial_review", "bdc", domain.TaskDone, "reject", opened, due, decided)
	approve := e.task(app, "approve", "department_review", "gsa", domain.TaskDone, "approve", opened, due, decided)
	sign := e.task(app, "sign", "sign_authorization", "stbd", domain.TaskDone, "sign", opened, due, decided)
	cancelled := e.task(app, "cancelled", "model_review", "stbd", domain.TaskCancelled, "cancelled", opened, due, decided)
	open := e.task(app, "open", "model_review", "stbd", domain.TaskOpen, "", opened, due, nil)
	// A department review decided per dataset, rejecting commerce's one.
	perDataset := e.task(app, "per-dataset", "department_review", "commerce", domain.TaskDone, "decide", opened, due, decided)
	if err := e.st.Apply(ctx, store.Change{Datasets: []store.ApplicationDataset{
		{ApplicationID: app, DatasetCode: "DS-0102", Department: "commerce", Decision: "reject", Reason: "r", Basis: "b", DecidedAt: decided},
	}}); err != nil {
		t.Fatal(err)
	}

	for _, id := range []string{reject, perDataset} {
		r := e.do("POST", "/api/v1/supervision/flags", map[string]string{"task_id": id, "reason": "驳回理由与依据不符"}, "supervisor")
		if r.Status != http.StatusCreated {
			t.Fatalf("flag %s: %d %s", id, r.Status, r.Body)
		}
		var f store.GroundlessFlag
		r.decode(t, &f)
		if f.ID == 0 || f.TaskID != id || f.ApplicationID != app || f.Supervisor != "supervisor" || f.Reason != "驳回理由与依据不符" {
			t.Errorf("flag: %+v", f)
		}
	}
	if f, err := e.st.GroundlessFlagOf(ctx, reject); err != nil || f.Department != "bdc" {
		t.Errorf("stored flag: %+v %v", f, err)
	}
	stream := supervisionStream(t, e)
	if len(stream) != 2 || stream[0].Action != "rejection.flagged" || stream[0].Actor != "supervisor" || stream[1].Seq != 2 {
		t.Errorf("audit: %+v", stream)
	}

	for _, tc := range []struct {
		body   any
		status int
		field  string
	}{
		{`{}`, 400, "task_id"},
		{map[string]string{"task_id": reject}, 400, "reason"},
		{map[string]string{"task_id": reject, "reason": strings.Repeat("x", 2001)}, 400, "reason"},
		{map[string]string{"task_id": "application-999-t1", "reason": "r"}, 404, "task_id"},
		{map[string]string{"task_id": reject, "reason": "again"}, 409, "task_id"},
		{map[string]string{"task_id": open, "reason": "r"}, 409, "task_id"},
		{map[string]string{"task_id": approve, "reason": "r"}, 422, "task_id"},
		{map[string]string{"task_id": sign, "reason": "r"}, 422, "task_id"},
		{map[string]string{"task_id": cancelled, "reason": "r"}, 422, "task_id"},
	} {
		before := e.counts()
		wantError(t, e.do("POST", "/api/v1/supervision/flags", tc.body, "supervisor"), tc.status, tc.field)
		if !equalCounts(before, e.counts()) {
			t.Errorf("refused flag %v changed rows", tc.body)
		}
	}
	for who, status := range map[string]int{"": 401, "bureau_officer": 403, "initial_reviewer": 403, "admin": 403} {
		if r := e.do("POST", "/api/v1/supervision/flags", map[string]string{"task_id": approve, "reason": "r"}, who); r.Status != status {
			t.Errorf("flag as %q: %d, want %d", who, r.Status, status)
		}
	}
	if n := len(supervisionStream(t, e)); n != 2 {
		t.Errorf("supervision stream has %d entries, want 2", n)
	}
}

// auditFixture writes audit entries of two applications.
func auditFixture(t *testing.T, e *env) (uint64, uint64) {
	t.Helper()
	a1 := e.submitted("acme-fintech", "applicant")
	a2 := e.submitted("kangming-medai", "applicant2")
	base := at(2026, 2, 10, 9)
	entry := func(app uint64, seq int64, actor, dept, action, target, reason string, when time.Time) store.AuditEntry {
		return store.AuditEntry{WorkflowID: fmt.Sprintf("application-%d", app), Seq: seq, ApplicationID: app, Actor: actor,
			Role: "dept_reviewer", Department: dept, Action: action, Target: target, Reason: reason, At: when}
	}
	err := e.st.Apply(context.Background(), store.Change{Audit: []store.AuditEntry{
		entry(a1, 1, "applicant", "acme-fintech", "application.submitted", "", "", base),
		entry(a1, 2, "reviewer-gsa", "gsa", "dataset.reject", "DS-0100", "=HYPERLINK(\"http://evil\",\"点我\")", base.Add(24*time.Hour)),
		entry(a1, 3, "reviewer-gsa", "gsa", "task.decided", "t2", "+1, -1 and \"quoted\"\nsecond line", base.Add(48*time.Hour)),
		entry(a2, 1, "applicant2", "kangming-medai", "application.submitted", "", "@SUM(A1)", base.Add(72*time.Hour)),
		entry(a2, 2, "reviewer-health", "health", "task.decided", "t3", "-2+3", base.Add(96*time.Hour)),
	}})
	if err != nil {
		t.Fatal(err)
	}
	return a1, a2
}

func TestAuditRead(t *testing.T) {
	e := supEnv(t)
	a1, a2 := auditFixture(t, e)
	type page struct {
		Entries []store.AuditEntry
		Limit   int
		Offset  int
		More    bool
	}
	get := func(query, who string) page {
		t.Helper()
		r := e.do("GET", "/api/v1/audit?"+query, nil, who)
		if r.Status != http.StatusOK {
			t.Fatalf("audit?%s as %s: %d %s", query, who, r.Status, r.Body)
		}
		var p page
		r.decode(t, &p)
		return p
	}
	all := get("", "supervisor")
	if len(all.Entries) < 5 || all.Limit != 50 || all.More {
		t.Fatalf("all: %+v", all)
	}
	for i := 1; i < len(all.Entries); i++ {
		if all.Entries[i].At.After(all.Entries[i-1].At) {
			t.Errorf("not newest first at %d", i)
		}
	}
	if p := get(fmt.Sprintf("application=%d", a1), "admin"); len(p.Entries) != 3 || p.Entries[0].Seq != 3 {
		t.Errorf("application filter: %+v", p.Entries)
	}
	if p := get("actor=reviewer-gsa&action=task.decided", "supervisor"); len(p.Entries) != 1 || p.Entries[0].Target != "t2" {
		t.Errorf("actor and action: %+v", p.Entries)
	}
	if p := get("department=health", "supervisor"); len(p.Entries) != 1 || p.Entries[0].ApplicationID != a2 {
		t.Errorf("department: %+v", p.Entries)
	}
	if p := get("from=2026-02-11&to=2026-02-13", "supervisor"); len(p.Entries) != 3 {
		t.Errorf("from..to (days included): %+v", p.Entries)
	}
	if r := e.do("GET", "/api/v1/audit?actor=nobody", nil, "supervisor"); !strings.Contains(string(r.Body), `"entries":[]`) {
		t.Errorf("no match: %s", r.Body)
	}
	p1 := get(fmt.Sprintf("application=%d&limit=2", a1), "supervisor")
	p2 := get(fmt.Sprintf("application=%d&limit=2&offset=2", a1), "supervisor")
	if len(p1.Entries) != 2 || !p1.More || len(p2.Entries) != 1 || p2.More || p2.Entries[0].Seq != 1 {
		t.Errorf("pages: %+v / %+v", p1, p2)
	}

	for _, tc := range []struct{ query, field string }{
		{"application=abc", "application"},
		{"application=0", "application"},
		{"from=2026-02-30", "from"},
		{"to=02/03/2026", "to"},
		{"from=2026-03-02&to=2026-03-01", "from"},
		{"limit=501", "limit"},
		{"limit=0", "limit"},
		{"offset=-1", "offset"},
	} {
		wantError(t, e.do("GET", "/api/v1/audit?"+tc.query, nil, "supervisor"), http.StatusBadRequest, tc.field)
		if tc.field != "limit" && tc.field != "offset" { // the export has no pages
			wantError(t, e.do("GET", "/api/v1/audit.csv?"+tc.query, nil, "supervisor"), http.StatusBadRequest, tc.field)
		}
	}
	for who, status := range map[string]int{"": 401, "applicant": 403, "bureau_officer": 403, "reviewer-gsa": 403} {
		for _, path := range []string{"/api/v1/audit", "/api/v1/audit.csv"} {
			if r := e.do("GET", path, nil, who); r.Status != status {
				t.Errorf("%s as %q: %d, want %d", path, who, r.Status, status)
			}
		}
	}
}

// readCSV checks a download's BOM and parses it.
func readCSV(t *testing.T, r response) [][]string {
	t.Helper()
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("csv: %d %s %s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	body, ok := bytes.CutPrefix(r.Body, []byte("\xEF\xBB\xBF"))
	if !ok {
		t.Fatalf("no UTF-8 byte-order mark: %q", r.Body[:min(len(r.Body), 10)])
	}
	if !bytes.Contains(body, []byte("\r\n")) {
		t.Errorf("lines do not end in CRLF")
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("parse csv: %v\n%s", err, body)
	}
	return rows
}

func TestAuditCSV(t *testing.T) {
	e := supEnv(t)
	a1, _ := auditFixture(t, e)
	r := e.do("GET", "/api/v1/audit.csv", nil, "admin")
	if cd := r.Header.Get("Content-Disposition"); cd != `attachment; filename="audit-20260302.csv"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	rows := readCSV(t, r)
	if strings.Join(rows[0], ",") != "id,at,application_id,stream,seq,actor,role,department,action,target,reason,basis" {
		t.Errorf("header: %v", rows[0])
	}
	if len(rows) != 6 || r.Header.Get("X-Total-Count") != "5" {
		t.Fatalf("%d rows (total %s): %v", len(rows), r.Header.Get("X-Total-Count"), rows)
	}
	reasons := map[string]bool{}
	for _, row := range rows[1:] {
		reasons[row[10]] = true
	}
	for _, want := range []string{
		`'=HYPERLINK("http://evil","点我")`, // formulas neutralised
		"'+1, -1 and \"quoted\"\nsecond line",
		"'@SUM(A1)",
		"'-2+3",
	} {
		if !reasons[want] {
			t.Errorf("no reason cell %q in %v", want, reasons)
		}
	}
	if rows[1][1] != "2026-02-14T09:00:00+08:00" {
		t.Errorf("newest first, in Beijing time: %v", rows[1])
	}
	rows = readCSV(t, e.do("GET", fmt.Sprintf("/api/v1/audit.csv?application=%d&action=dataset.reject", a1), nil, "supervisor"))
	if len(rows) != 2 || rows[1][8] != "dataset.reject" {
		t.Errorf("filtered export: %v", rows)
	}
}

// authorization writes an application in a given state, with dataset
// decisions.
func (e *env) authorization(org, title, status string, from *time.Time, decisions map[string]string, ended *time.Time, endReason string) uint64 {
	e.t.Helper()
	ctx := context.Background()
	a := &store.Application{ApplicantOrg: org, ApplicantUser: "applicant", Title: title, Domain: "金融服务",
		Description: "secret plan", Purpose: "p", PeriodMonths: 24, AccessMode: store.AccessSandbox,
		Datasets: []store.ApplicationDataset{{DatasetCode: "DS-0100"}, {DatasetCode: "DS-0102"}}}
	if err := e.st.CreateApplication(ctx, a); err != nil {
		e.t.Fatal(err)
	}
	if status == domain.StatusDraft {
		return a.ID
	}
	if err := e.st.MarkSubmitted(ctx, a.ID, fmt.Sprintf("application-%d", a.ID), e.clock.Now()); err != nil {
		e.t.Fatal(err)
	}
	var ds []store.ApplicationDataset
	for code, d := range decisions {
		dept := map[string]string{"DS-0100": "gsa", "DS-0102": "commerce"}[code]
		ds = append(ds, store.ApplicationDataset{ApplicationID: a.ID, DatasetCode: code, Department: dept, Decision: d,
			Reason: "internal rejection reason", Basis: "internal basis", DecidedAt: from})
	}
	st := &store.AppState{ID: a.ID, Status: status, ActiveFrom: from, EndedAt: ended, EndReason: endReason}
	if from != nil {
		st.ActiveUntil = timePtr(from.AddDate(2, 0, 0))
	}
	if err := e.st.Apply(ctx, store.Change{App: st, Datasets: ds}); err != nil {
		e.t.Fatal(err)
	}
	return a.ID
}

const scriptTitle = `<script>alert("x")</script> & 风控`

// disclosureFixture writes two authorizations and applications that must
// never be disclosed.
func disclosureFixture(t *testing.T, e *env) {
	t.Helper()
	from := at(2026, 1, 5, 10)
	e.authorization("acme-fintech", scriptTitle, "active", &from,
		map[string]string{"DS-0100": "approve", "DS-0102": "reject"}, nil, "")
	later, ended := at(2026, 1, 20, 10), at(2026, 2, 20, 10)
	e.authorization("kangming-medai", "=cmd|' /C calc'!A0", "closed", &later,
		map[string]string{"DS-0100": "approve", "DS-0102": "approve"}, &ended, "terminated")
	e.authorization("acme-fintech", "rejected scenario", "rejected", nil, map[string]string{"DS-0100": "reject", "DS-0102": "reject"}, nil, "")
	e.authorization("acme-fintech", "withdrawn scenario", "withdrawn", nil, nil, nil, "")
	e.authorization("acme-fintech", "draft scenario", domain.StatusDraft, nil, nil, nil, "")
	e.authorization("acme-fintech", "pending scenario", "agreements", nil, map[string]string{"DS-0100": "approve"}, nil, "")
}

func assertNothingPrivate(t *testing.T, what string, body []byte) {
	t.Helper()
	for _, secret := range []string{"rejected scenario", "withdrawn scenario", "draft scenario", "pending scenario",
		"internal rejection reason", "internal basis", "secret plan", "applicant_user", `"reason"`,
		// no internal ID or code, status or end reason
		`"id"`, "application-", `"org"`, `"status"`, "terminated", `"end_reason"`, "acme-fintech"} {
		if bytes.Contains(body, []byte(secret)) {
			t.Errorf("%s discloses %q", what, secret)
		}
	}
}

func TestDisclosureJSON(t *testing.T) {
	e := supEnv(t)
	disclosureFixture(t, e)
	for _, who := range []string{"", "applicant", "supervisor"} {
		r := e.do("GET", "/api/v1/disclosure", nil, who)
		if r.Status != http.StatusOK {
			t.Fatalf("disclosure as %q: %d %s", who, r.Status, r.Body)
		}
		assertNothingPrivate(t, "disclosure", r.Body)
		if bytes.Contains(r.Body, []byte("T02:00:00")) {
			t.Errorf("the register gives instants, not days: %s", r.Body)
		}
		var got struct {
			Authorizations []store.Disclosure
			Total          int64
		}
		r.decode(t, &got)
		if got.Total != 2 || len(got.Authorizations) != 2 || got.Authorizations[1].Scenario != scriptTitle {
			t.Fatalf("authorizations: %s", r.Body)
		}
		a := got.Authorizations[1]
		if a.Holder == "" || a.CreditCode == "" || a.From != "2026-01-05" || a.Until != "2028-01-05" ||
			len(a.Datasets) != 1 || a.Datasets[0].Code != "DS-0100" || a.Datasets[0].Provider == "" {
			t.Errorf("active authorization: %+v", a)
		}
		if c := got.Authorizations[0]; c.From != "2026-01-20" || c.Until != "2026-02-20" || len(c.Datasets) != 2 {
			t.Errorf("closed authorization, ended early: %+v", c)
		}
	}
	var p struct {
		Authorizations []store.Disclosure
		Total          int64
	}
	e.do("GET", "/api/v1/disclosure?limit=1&offset=1", nil, "").decode(t, &p)
	if p.Total != 2 || len(p.Authorizations) != 1 || p.Authorizations[0].Scenario != scriptTitle {
		t.Errorf("page 2: %+v", p)
	}
	wantError(t, e.do("GET", "/api/v1/disclosure?limit=1000", nil, ""), http.StatusBadRequest, "limit")
}

func TestDisclosureCSV(t *testing.T) {
	e := supEnv(t)
	disclosureFixture(t, e)
	r := e.do("GET", "/api/v1/disclosure.csv", nil, "")
	if cd := r.Header.Get("Content-Disposition"); cd != `attachment; filename="disclosure-20260302.csv"` {
		t.Errorf("Content-Disposition %q", cd)
	}
	assertNothingPrivate(t, "disclosure.csv", r.Body)
	rows := readCSV(t, r)
	if len(rows) != 3 || strings.Join(rows[0], ",") != "holder,credit_code,scenario,scope,datasets,from,until" {
		t.Fatalf("rows: %v", rows)
	}
	if rows[1][2] != "'=cmd|' /C calc'!A0" {
		t.Errorf("formula not neutralised: %q", rows[1][2])
	}
	if rows[2][2] != scriptTitle || !strings.HasPrefix(rows[2][4], "DS-0100 ") || strings.Contains(rows[2][4], "DS-0102") ||
		rows[2][5] != "2026-01-05" || rows[2][6] != "2028-01-05" {
		t.Errorf("active row: %q", rows[2])
	}
	if rows[1][6] != "2026-02-20" {
		t.Errorf("closed row: %q", rows[1])
	}
}

type atomDoc struct {
	XMLName xml.Name `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string   `xml:"id"`
	Title   string   `xml:"title"`
	Updated string   `xml:"updated"`
	Author  struct {
		Name string `xml:"name"`
	} `xml:"author"`
	Entries []struct {
		ID      string `xml:"id"`
		Title   string `xml:"title"`
		Updated string `xml:"updated"`
		Content struct {
			Type string `xml:"type,attr"`
			Text string `xml:",chardata"`
		} `xml:"content"`
	} `xml:"entry"`
}

func TestDisclosureAtom(t *testing.T) {
	e := supEnv(t)
	disclosureFixture(t, e)
	r := e.do("GET", "/api/v1/disclosure.atom", nil, "")
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/atom+xml") {
		t.Fatalf("atom: %d %s", r.Status, r.Header.Get("Content-Type"))
	}
	assertNothingPrivate(t, "disclosure.atom", r.Body)
	if bytes.Contains(r.Body, []byte("<script>")) || !bytes.Contains(r.Body, []byte("&lt;script&gt;")) {
		t.Errorf("markup in a title is not escaped:\n%s", r.Body)
	}
	var feed atomDoc
	dec := xml.NewDecoder(bytes.NewReader(r.Body))
	dec.Strict = true
	if err := dec.Decode(&feed); err != nil {
		t.Fatalf("the feed does not parse: %v\n%s", err, r.Body)
	}
	if feed.ID == "" || feed.Title == "" || feed.Author.Name == "" {
		t.Errorf("feed without id, title or author: %+v", feed)
	}
	// The feed is as new as its newest entry: the closed one ended on 20 Feb.
	if feed.Updated != "2026-02-20T02:00:00Z" {
		t.Errorf("feed updated %q", feed.Updated)
	}
	if len(feed.Entries) != 2 {
		t.Fatalf("%d entries, want 2", len(feed.Entries))
	}
	c, a := feed.Entries[0], feed.Entries[1]
	if !strings.HasPrefix(c.ID, "urn:datagate:authorization:") || c.ID == a.ID || c.Updated != "2026-02-20T02:00:00Z" {
		t.Errorf("closed entry: %+v", c)
	}
	if !strings.HasPrefix(a.ID, "urn:datagate:authorization:") || a.Updated != "2026-01-05T02:00:00Z" ||
		!strings.HasSuffix(a.Title, " · "+scriptTitle) || a.Content.Type != "text" ||
		!strings.Contains(a.Content.Text, "DS-0100") || strings.Contains(a.Content.Text, "DS-0102") ||
		!strings.Contains(a.Content.Text, "2026-01-05 至 2028-01-05") {
		t.Errorf("active entry: %+v", a)
	}
	for _, ts := range []string{feed.Updated, a.Updated} {
		if _, err := time.Parse(time.RFC3339, ts); err != nil {
			t.Errorf("updated %q is not RFC 3339", ts)
		}
	}

	// An empty register is still a valid feed.
	empty := supEnv(t)
	var none atomDoc
	if err := xml.Unmarshal(empty.do("GET", "/api/v1/disclosure.atom", nil, "").Body, &none); err != nil || none.Updated == "" || len(none.Entries) != 0 {
		t.Errorf("empty feed: %+v %v", none, err)
	}
}
