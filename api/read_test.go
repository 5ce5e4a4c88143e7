package api_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/datagate/datagate/store"
)

func TestCatalogAndCalendarReads(t *testing.T) {
	e := newEnv(t)
	var list struct {
		Datasets []store.Dataset
		Total    int64
	}
	e.do("GET", "/api/v1/catalog?open=conditional&department=gsa&limit=3", nil, "").decode(t, &list)
	if list.Total < 3 || len(list.Datasets) != 3 {
		t.Errorf("conditional gsa datasets: total %d, page %d", list.Total, len(list.Datasets))
	}
	for _, d := range list.Datasets {
		if d.OpenAttribute != "conditional" || d.Department != "gsa" {
			t.Errorf("filter leaked %+v", d)
		}
	}
	var d store.Dataset
	e.do("GET", "/api/v1/catalog/DS-0001", nil, "").decode(t, &d)
	if d.Code != "DS-0001" || len(d.Fields) == 0 || d.UpdateFrequency == "" {
		t.Errorf("dataset detail %+v", d)
	}
	for _, tc := range []struct {
		path, field string
		status      int
	}{
		{"/api/v1/catalog?grade=9", "grade", 400},
		{"/api/v1/catalog?limit=0", "limit", 400},
		{"/api/v1/catalog?limit=501", "limit", 400},
		{"/api/v1/catalog?offset=-1", "offset", 400},
		{"/api/v1/catalog/DS-9999", "code", 404},
		{"/api/v1/calendar/due?from=2025/09/26&days=20", "from", 400},
		{"/api/v1/calendar/due?from=2025-09-26&days=0", "days", 400},
		{"/api/v1/applications?limit=1000", "limit", 400},
	} {
		who := ""
		if tc.path == "/api/v1/applications?limit=1000" {
			who = "applicant"
		}
		r := e.do("GET", tc.path, nil, who)
		if r.Status != tc.status || errorField(t, r) != tc.field {
			t.Errorf("%s: %d field %q, want %d %q", tc.path, r.Status, errorField(t, r), tc.status, tc.field)
		}
	}
	var due struct{ Due string }
	e.do("GET", "/api/v1/calendar/due?from=2025-09-26&days=20", nil, "").decode(t, &due)
	if due.Due != "2025-10-30" {
		t.Errorf("due %s", due.Due)
	}
	var years struct{ Years []struct{ Year int } }
	e.do("GET", "/api/v1/calendar/holidays", nil, "").decode(t, &years)
	if len(years.Years) < 2 {
		t.Errorf("holiday years %+v", years)
	}
}

func TestPaginationBounds(t *testing.T) {
	e := newEnv(t)
	for range 3 {
		e.draft("acme-fintech", "applicant")
	}
	var page struct{ Applications []store.Application }
	e.do("GET", "/api/v1/applications?limit=2", nil, "applicant").decode(t, &page)
	if len(page.Applications) != 2 || page.Applications[0].ID <= page.Applications[1].ID {
		t.Errorf("first page %+v, want the 2 newest", page.Applications)
	}
	e.do("GET", "/api/v1/applications?limit=2&offset=2", nil, "applicant").decode(t, &page)
	if len(page.Applications) != 1 {
		t.Errorf("second page has %d", len(page.Applications))
	}
	var cat struct{ Datasets []store.Dataset }
	e.do("GET", "/api/v1/catalog?limit=500", nil, "").decode(t, &cat)
	if len(cat.Datasets) != 133 {
		t.Errorf("catalog at the page cap: %d of 133", len(cat.Datasets))
	}
}

func TestMeTokensAndAdminReads(t *testing.T) {
	e := newEnv(t)
	var me struct {
		User  store.User
		Org   store.Org
		Roles [][2]string
	}
	e.do("GET", "/api/v1/me", nil, "reviewer-health").decode(t, &me)
	if me.User.Username != "reviewer-health" || me.Org.Code != "health" || len(me.Roles) != 1 || me.Roles[0] != [2]string{"dept_reviewer", "health"} {
		t.Errorf("me %+v", me)
	}
	r := e.do("POST", "/api/v1/tokens", map[string]any{"name": "etl", "ttl_days": 1}, "reviewer-health") // no longer than the caller's 1-day token
	var tok struct {
		Token string
		ID    uint
	}
	r.decode(t, &tok)
	if r.Status != http.StatusCreated || len(tok.Token) < 20 {
		t.Fatalf("create token: %d %s", r.Status, r.Body)
	}
	for _, bad := range []map[string]any{{"name": "", "ttl_days": 30}, {"name": "x", "ttl_days": 0}, {"name": "x", "ttl_days": 366}} {
		if r := e.do("POST", "/api/v1/tokens", bad, "reviewer-health"); r.Status != 400 {
			t.Errorf("token %v: %d", bad, r.Status)
		}
	}
	bearer := func(req *http.Request) { req.Header.Set("Authorization", "Bearer "+tok.Token) }
	if r := e.do("GET", "/api/v1/me", nil, bearer); r.Status != 200 {
		t.Errorf("new token: %d", r.Status)
	}
	e.refusedUnchanged("DELETE", fmt.Sprintf("/api/v1/tokens/%d", tok.ID), nil, "reviewer-gsa", http.StatusNotFound) // not theirs
	if r := e.do("DELETE", fmt.Sprintf("/api/v1/tokens/%d", tok.ID), nil, "reviewer-health"); r.Status != http.StatusNoContent {
		t.Errorf("revoke: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/api/v1/me", nil, bearer); r.Status != 401 {
		t.Errorf("revoked token: %d", r.Status)
	}
	var users struct{ Users []store.User }
	e.do("GET", "/api/v1/admin/users", nil, "admin").decode(t, &users)
	if len(users.Users) < 20 {
		t.Errorf("users %d", len(users.Users))
	}
	var pol struct{ Policies, Roles [][]string }
	e.do("GET", "/api/v1/admin/policies", nil, "admin").decode(t, &pol)
	if len(pol.Policies) < 30 || len(pol.Roles) < 20 {
		t.Errorf("policies %d roles %d", len(pol.Policies), len(pol.Roles))
	}
}

func TestOverdueAndApplicationLists(t *testing.T) {
	e := newEnv(t)
	app := e.submitted("acme-fintech", "applicant")
	task := e.openTask(app, "department_review", "gsa")
	e.clock.Add(10 * 24 * 3600e9) // ten days on: the 72-hour task is overdue
	var overdue struct {
		Tasks []struct {
			ID                 string
			OverdueWorkingDays *int `json:"overdue_working_days"`
		}
	}
	e.do("GET", "/api/v1/supervision/overdue?department=gsa", nil, "supervisor").decode(t, &overdue)
	if len(overdue.Tasks) != 1 || overdue.Tasks[0].ID != task || overdue.Tasks[0].OverdueWorkingDays == nil || *overdue.Tasks[0].OverdueWorkingDays < 4 {
		t.Errorf("overdue %+v", overdue.Tasks)
	}
	for _, list := range []string{"agreements", "models", "evaluations"} {
		r := e.do("GET", fmt.Sprintf("/api/v1/applications/%d/%s", app, list), nil, "applicant")
		if r.Status != 200 {
			t.Errorf("%s: %d", list, r.Status)
		}
	}
}
