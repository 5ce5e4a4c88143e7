package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// Who may call each route, written out from DOMAIN.md's actors, not read
// from the policy: a policy change that grants or withdraws an action
// fails here. "public" means anyone, signed in or not.
var expected = map[string][]string{
	"GET /healthz":                                           {"public"},
	"GET /api/v1/openapi.json":                               {"public"},
	"GET /api/v1/calendar/due":                               {"public"},
	"GET /api/v1/catalog":                                    {"public"},
	"GET /api/v1/catalog/:code":                              {"public"},
	"POST /api/v1/session":                                   {"public"},
	"POST /api/v1/session/totp":                              {"public"},
	"GET /api/v1/calendar/holidays":                          {"public"},
	"PUT /api/v1/calendar/holidays/:year":                    {"admin"},
	"GET /api/v1/disclosure":                                 {"public"},
	"GET /api/v1/disclosure.csv":                             {"public"},
	"GET /api/v1/disclosure.atom":                            {"public"},
	"PUT /api/v1/applications/:id":                           {"applicant"},
	"GET /api/v1/applications/:id/agreements":                processRoles,
	"GET /api/v1/applications/:id/models":                    processRoles,
	"GET /api/v1/applications/:id/evaluations":               processRoles,
	"GET /api/v1/applications/:id/attachments":               processRoles,
	"GET /api/v1/applications/:id/approval-form":             processRoles,
	"GET /api/v1/applications/:id/agreements/:kind/bundle":   processRoles,
	"GET /api/v1/applications/:id/agreements/:kind/document": processRoles,
	"POST /api/v1/applications/:id/attachments":              taskRoles,
	"GET /api/v1/applications/:id/attachments/:attachment":   processRoles,
	"POST /api/v1/applications/:id/supplement":               taskRoles,
	"GET /api/v1/applications/:id/uses":                      processRoles,
	"POST /api/v1/applications/:id/uses":                     {"applicant"},
	"GET /api/v1/applications/:id/copies":                    officialRoles,
	"POST /api/v1/applications/:id/copies":                   deciderRoles,
	"GET /api/v1/copies":                                     officialRoles,
	"POST /api/v1/copies/:copy/read":                         officialRoles,
	"POST /api/v1/tasks/:id/claim":                           taskRoles,
	"POST /api/v1/tasks/:id/release":                         taskRoles,
	"POST /api/v1/tasks/:id/transfer":                        taskRoles,
	"GET /api/v1/supervision/stats":                          {"supervisor", "bureau_officer"},
	"POST /api/v1/supervision/urges":                         {"supervisor"},
	"POST /api/v1/supervision/flags":                         {"supervisor"},
	"GET /api/v1/audit":                                      {"supervisor", "admin"},
	"GET /api/v1/audit.csv":                                  {"supervisor", "admin"},
	"GET /api/v1/audit/verify":                               {"supervisor", "admin"},
	"GET /api/v1/audit/reconcile":                            {"supervisor", "admin"},
	"DELETE /api/v1/session":                                 allRoles,
	"GET /api/v1/me":                                         allRoles,
	"GET /api/v1/me/totp":                                    allRoles,
	"POST /api/v1/me/totp":                                   allRoles,
	"POST /api/v1/me/totp/confirm":                           allRoles,
	"GET /api/v1/orgs":                                       allRoles,
	"GET /api/v1/me/channels":                                allRoles,
	"PUT /api/v1/me/channels":                                allRoles,
	"GET /api/v1/me/deliveries":                              allRoles,
	"GET /api/v1/notifications":                              allRoles,
	"POST /api/v1/notifications/read-all":                    allRoles,
	"POST /api/v1/notifications/:id/read":                    allRoles,
	"GET /api/v1/tokens":                                     allRoles,
	"POST /api/v1/tokens":                                    allRoles,
	"DELETE /api/v1/tokens/:id":                              allRoles,
	"GET /api/v1/applications":                               processRoles,
	"GET /api/v1/applications/:id":                           processRoles,
	"POST /api/v1/applications":                              {"applicant"},
	"POST /api/v1/applications/:id/submit":                   {"applicant"},
	"POST /api/v1/applications/:id/withdraw":                 {"applicant"},
	"POST /api/v1/applications/:id/models":                   {"applicant"},
	"POST /api/v1/applications/:id/exit-notice":              {"applicant"},
	"POST /api/v1/applications/:id/evaluations":              {"bureau_officer"},
	"POST /api/v1/applications/:id/terminate":                {"bureau_officer"},
	"POST /api/v1/applications/:id/restrict":                 {"bureau_officer"},
	"POST /api/v1/applications/:id/restriction/lift":         {"bureau_officer"},
	"GET /api/v1/applications/:id/restrictions":              processRoles,
	"GET /api/v1/disclosure/restrictions":                    {"public"},
	"POST /api/v1/applications/:id/renewal":                  {"applicant"},
	"GET /api/v1/tasks":                                      taskRoles,
	"POST /api/v1/tasks/:id/decision":                        taskRoles,
	"POST /api/v1/tasks/decisions":                           taskRoles,
	"GET /api/v1/supervision/overdue":                        {"supervisor", "bureau_officer"},
	"GET /api/v1/supervision/at-risk":                        {"supervisor", "bureau_officer"},
	"GET /api/v1/catalog/:code/versions":                     {"public"},
	"POST /api/v1/catalog/proposals":                         {"dept_reviewer"},
	"POST /api/v1/catalog/requests":                          {"applicant"},
	"POST /api/v1/catalog/:code/objections":                  processRoles,
	"GET /api/v1/procedures":                                 processRoles,
	"POST /api/v1/catalog/:code/updates":                     {"dept_reviewer"},
	"GET /api/v1/supervision/procedures":                     {"supervisor", "bureau_officer"},
	"GET /api/v1/supervision/stale-datasets":                 {"supervisor", "bureau_officer"},
	"GET /api/v1/procedures/:id":                             processRoles,
	"GET /api/v1/admin/users":                                {"admin"},
	"POST /api/v1/admin/users":                               {"admin"},
	"POST /api/v1/admin/users/:id/disable":                   {"admin"},
	"POST /api/v1/admin/orgs":                                {"admin"},
	"POST /api/v1/admin/roles":                               {"admin"},
	"POST /api/v1/admin/roles/revoke":                        {"admin"},
	"GET /api/v1/admin/policies":                             {"admin"},
}

// sessionOnly are routes that a signed-in session may call and an API
// token (as this test sends) may not: setting up a second factor. The
// handler refuses a token with 403 after the gate let it through.
var sessionOnly = map[string]bool{"POST /api/v1/me/totp": true, "POST /api/v1/me/totp/confirm": true}

var (
	allRoles = []string{"applicant", "initial_reviewer", "dept_reviewer", "regulator", "bureau_officer", "operator", "supervisor", "admin"}
	// processRoles take part in applications; the admin does not.
	processRoles = []string{"applicant", "initial_reviewer", "dept_reviewer", "regulator", "bureau_officer", "operator", "supervisor"}
	taskRoles    = []string{"applicant", "initial_reviewer", "dept_reviewer", "regulator", "bureau_officer", "operator"}
	// deciderRoles are the officials with steps, who send copies (抄送);
	// officialRoles read them, supervisors too.
	deciderRoles  = []string{"initial_reviewer", "dept_reviewer", "regulator", "bureau_officer", "operator"}
	officialRoles = append(deciderRoles[:len(deciderRoles):len(deciderRoles)], "supervisor")
)

// concrete fills a route's parameters with values that name nothing, so
// that an allowed request passes the gate and then finds nothing to change.
func concrete(path string) string {
	r := strings.NewReplacer(":code", "DS-0001", ":id", "999999", ":year", "2027")
	return r.Replace(path)
}

// TestAccessMatrix sends every route as every role's demo user (each in its
// own org) and as nobody: an allowed role passes the gate, any other is
// refused with 401 or 403, and a refusal changes no row.
func TestAccessMatrix(t *testing.T) {
	e := newEnv(t)
	routes := e.srv.RouteTable()
	seen := map[string]bool{}
	for _, r := range routes {
		key := r.Method + " " + r.Path
		seen[key] = true
		allowed, ok := expected[key]
		if !ok {
			t.Errorf("route %s is not in the access matrix: add the roles that may call it", key)
			continue
		}
		for _, who := range append([]string{""}, allRoles...) {
			var body any
			if r.Method != http.MethodGet {
				body = "{}"
			}
			before := e.counts()
			resp := e.do(r.Method, concrete(r.Path), body, who)
			may := contains(allowed, "public") || (who != "" && contains(allowed, who))
			refused := resp.Status == http.StatusUnauthorized || resp.Status == http.StatusForbidden
			name := who
			if name == "" {
				name = "anonymous"
			}
			if may && who != "" && sessionOnly[key] && resp.Status == http.StatusForbidden {
				refused = false // the route's own refusal of a bearer token, past the gate
			}
			switch {
			case may && refused:
				t.Errorf("%s as %s: refused with %d, want allowed: %s", key, name, resp.Status, resp.Body)
			case !may && !refused:
				t.Errorf("%s as %s: status %d, want 401 or 403: %s", key, name, resp.Status, resp.Body)
			case !may && who == "" && resp.Status != http.StatusUnauthorized:
				t.Errorf("%s anonymous: status %d, want 401", key, resp.Status)
			}
			if !may {
				if after := e.counts(); !equalCounts(before, after) {
					t.Errorf("%s as %s was refused but changed rows: %v -> %v", key, name, before, after)
				}
			}
		}
	}
	for key := range expected {
		if !seen[key] {
			t.Errorf("the matrix names %s, which is not a route", key)
		}
	}
}

// A route added to the engine without an action in the route table is
// denied to everyone, even an admin.
func TestRouteWithoutPolicyIsDenied(t *testing.T) {
	e := newEnv(t)
	engine := e.srv.Handler().(*gin.Engine)
	engine.GET("/api/v1/forgotten", func(c *gin.Context) { c.String(http.StatusOK, "reached") })
	e.http.Config.Handler = engine
	for _, who := range append([]string{""}, allRoles...) {
		resp := e.do("GET", "/api/v1/forgotten", nil, who)
		if resp.Status != http.StatusForbidden || strings.Contains(string(resp.Body), "reached") {
			t.Errorf("unlisted route as %q: %d %s", who, resp.Status, resp.Body)
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func equalCounts(a, b map[string]int64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestAccessMatrixOtherOrg sends every route that names an application or
// a task, as every role allowed to call it, against another org's
// application or task: the scope hides the application and its tasks
// (404, as if they did not exist; a central org, which sees the
// application, is refused another's task with 403), and nothing changes.
func TestAccessMatrixOtherOrg(t *testing.T) {
	e := newEnv(t)
	// kangming-medai's application names gsa's and commerce's datasets;
	// the task is health's.
	app := e.submitted("kangming-medai", "applicant2")
	task := e.openTask(app, "department_review", "health")
	// Roles whose own org is a stranger to that application. The central
	// orgs (big-data center, bureau, operator, supervision) see every
	// submitted application by design.
	strangers := map[string]bool{"applicant": true, "dept_reviewer": true, "regulator": true}
	for _, r := range e.srv.RouteTable() {
		key := r.Method + " " + r.Path
		if !strings.Contains(r.Path, ":id") || strings.Contains(r.Path, "/admin/") || strings.Contains(r.Path, "/tokens/") {
			continue
		}
		for _, who := range expected[key] {
			path := strings.Replace(r.Path, ":id", fmt.Sprint(app), 1)
			want := http.StatusNotFound
			if strings.HasPrefix(r.Path, "/api/v1/tasks/") {
				path = strings.Replace(r.Path, ":id", task, 1)
				if !strangers[who] {
					want = http.StatusForbidden
				}
			} else if !strangers[who] {
				continue
			}
			var body any
			if r.Method != http.MethodGet {
				body = `{"decision":"approve","name":"m","description":"d","reason":"r","basis":"b"}`
			}
			before := e.counts()
			if resp := e.do(r.Method, path, body, who); resp.Status != want {
				t.Errorf("%s on another org's resource as %s: %d, want %d: %s", key, who, resp.Status, want, resp.Body)
			}
			if !equalCounts(before, e.counts()) {
				t.Errorf("%s as %s changed rows", key, who)
			}
		}
	}
}
