package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/identity"
	"github.com/datagate/datagate/store"
)

// submitted creates an application and marks it submitted, as the API does
// before starting its workflow.
func (e *env) submitted(org, username string) uint64 {
	e.t.Helper()
	id := e.draft(org, username)
	if err := e.st.MarkSubmitted(context.Background(), id, fmt.Sprintf("application-%d", id), e.clock.Now()); err != nil {
		e.t.Fatal(err)
	}
	return id
}

func (e *env) refusedUnchanged(method, path string, body any, who any, want int) response {
	e.t.Helper()
	before := e.counts()
	resp := e.do(method, path, body, who)
	if resp.Status != want {
		e.t.Errorf("%s %s: status %d, want %d: %s", method, path, resp.Status, want, resp.Body)
	}
	if after := e.counts(); !equalCounts(before, after) {
		e.t.Errorf("%s %s was refused but changed rows", method, path)
	}
	return resp
}

func TestApplicantCannotReachAnotherOrgsApplication(t *testing.T) {
	e := newEnv(t)
	mine := e.submitted("acme-fintech", "applicant")
	theirs := e.submitted("kangming-medai", "applicant2")
	theirDraft := e.draft("kangming-medai", "applicant2")
	supplement := e.openTask(theirs, "supplement", "kangming-medai")

	if r := e.do("GET", fmt.Sprintf("/api/v1/applications/%d", mine), nil, "applicant"); r.Status != http.StatusOK {
		t.Fatalf("own application: %d %s", r.Status, r.Body)
	}
	for _, id := range []uint64{theirs, theirDraft} {
		e.refusedUnchanged("GET", fmt.Sprintf("/api/v1/applications/%d", id), nil, "applicant", http.StatusNotFound)
		e.refusedUnchanged("POST", fmt.Sprintf("/api/v1/applications/%d/withdraw", id), "{}", "applicant", http.StatusNotFound)
		e.refusedUnchanged("POST", fmt.Sprintf("/api/v1/applications/%d/submit", id), "{}", "applicant", http.StatusNotFound)
		e.refusedUnchanged("POST", fmt.Sprintf("/api/v1/applications/%d/models", id), `{"name":"m","description":"d"}`, "applicant", http.StatusNotFound)
	}
	// Its tasks are as hidden as the application: the same 404 as a task
	// that does not exist.
	hidden := e.refusedUnchanged("POST", "/api/v1/tasks/"+supplement+"/decision", `{"decision":"resubmit"}`, "applicant", http.StatusNotFound)
	none := e.refusedUnchanged("POST", "/api/v1/tasks/application-99-t1/decision", `{"decision":"resubmit"}`, "applicant", http.StatusNotFound)
	if strings.ReplaceAll(string(hidden.Body), supplement, "ID") != strings.ReplaceAll(string(none.Body), "application-99-t1", "ID") {
		t.Errorf("a hidden task answers otherwise than a missing one:\n%s\n%s", hidden.Body, none.Body)
	}
	for _, action := range []string{"claim", "release", "transfer"} {
		e.refusedUnchanged("POST", "/api/v1/tasks/"+supplement+"/"+action, `{"to":"applicant2"}`, "applicant", http.StatusNotFound)
	}

	var list struct {
		Applications []store.Application `json:"applications"`
	}
	e.do("GET", "/api/v1/applications", nil, "applicant").decode(t, &list)
	if len(list.Applications) != 1 || list.Applications[0].ID != mine {
		t.Errorf("applicant lists %+v, want only application %d", list.Applications, mine)
	}
}

func TestReviewersSeeOnlyTheirDepartmentsWork(t *testing.T) {
	e := newEnv(t)
	// DS-0100 is gsa's, DS-0102 commerce's; no samr dataset.
	app := e.submitted("acme-fintech", "applicant")
	gsaTask := e.openTask(app, "department_review", "gsa")
	e.openTask(app, "regulator_opinion", "cac")

	e.refusedUnchanged("POST", "/api/v1/tasks/"+gsaTask+"/decision", `{"decision":"approve"}`, "dept_reviewer", http.StatusNotFound)
	// commerce sees the application (DS-0102), but not gsa's task.
	e.refusedUnchanged("POST", "/api/v1/tasks/"+gsaTask+"/decision", `{"decision":"approve"}`, "reviewer-commerce", http.StatusForbidden)
	e.refusedUnchanged("GET", fmt.Sprintf("/api/v1/applications/%d", app), nil, "dept_reviewer", http.StatusNotFound)
	if r := e.do("GET", fmt.Sprintf("/api/v1/applications/%d", app), nil, "reviewer-gsa"); r.Status != http.StatusOK {
		t.Errorf("gsa reviewer reads an application naming gsa data: %d", r.Status)
	}
	// The regulator nfra was not asked; cac was.
	e.refusedUnchanged("GET", fmt.Sprintf("/api/v1/applications/%d", app), nil, "regulator", http.StatusNotFound)
	if r := e.do("GET", fmt.Sprintf("/api/v1/applications/%d", app), nil, "regulator-cac"); r.Status != http.StatusOK {
		t.Errorf("the regulator asked reads the application: %d", r.Status)
	}
	var inbox struct {
		Tasks []store.Task `json:"tasks"`
	}
	e.do("GET", "/api/v1/tasks", nil, "reviewer-gsa").decode(t, &inbox)
	if len(inbox.Tasks) != 1 || inbox.Tasks[0].ID != gsaTask {
		t.Errorf("gsa inbox %+v", inbox.Tasks)
	}
	e.do("GET", "/api/v1/tasks", nil, "dept_reviewer").decode(t, &inbox)
	if len(inbox.Tasks) != 0 {
		t.Errorf("samr inbox shows another department's tasks: %+v", inbox.Tasks)
	}
	// A draft is the applicant's alone.
	draft := e.draft("acme-fintech", "applicant")
	e.refusedUnchanged("GET", fmt.Sprintf("/api/v1/applications/%d", draft), nil, "supervisor", http.StatusNotFound)
}

// signIn opens a session over HTTP and returns its cookie and CSRF token.
func (e *env) signIn(username, password string) (cookie *http.Cookie, csrf string, r response) {
	e.t.Helper()
	r = e.do("POST", "/api/v1/session", map[string]string{"username": username, "password": password}, nil)
	if r.Status != http.StatusOK {
		return nil, "", r
	}
	var body struct {
		CSRF string `json:"csrf_token"`
	}
	r.decode(e.t, &body)
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "dg_session" {
			cookie = c
		}
	}
	if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode {
		e.t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax", cookie)
	}
	return cookie, body.CSRF, r
}

func withCookie(c *http.Cookie, csrf string) func(*http.Request) {
	return func(r *http.Request) {
		r.AddCookie(c)
		if csrf != "" {
			r.Header.Set("X-CSRF-Token", csrf)
		}
	}
}

func TestSessionsCSRFAndLockout(t *testing.T) {
	e := newEnv(t)
	cookie, csrf, r := e.signIn("applicant", identity.DemoPassword)
	if cookie == nil {
		t.Fatalf("sign-in: %d %s", r.Status, r.Body)
	}
	body := `{"title":"t","purpose":"p","period_months":12,"access_mode":"sandbox","datasets":["DS-0100"]}`
	e.refusedUnchanged("POST", "/api/v1/applications", body, withCookie(cookie, ""), http.StatusForbidden)
	e.refusedUnchanged("POST", "/api/v1/applications", body, withCookie(cookie, "wrong"), http.StatusForbidden)
	if r := e.do("POST", "/api/v1/applications", body, withCookie(cookie, csrf)); r.Status != http.StatusCreated {
		t.Fatalf("with its CSRF token: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/api/v1/me", nil, withCookie(cookie, "")); r.Status != http.StatusOK {
		t.Errorf("a read needs no CSRF token: %d", r.Status)
	}
	if r := e.do("DELETE", "/api/v1/session", nil, withCookie(cookie, csrf)); r.Status != http.StatusNoContent {
		t.Errorf("sign-out: %d", r.Status)
	}
	if r := e.do("GET", "/api/v1/me", nil, withCookie(cookie, "")); r.Status != http.StatusUnauthorized {
		t.Errorf("after sign-out: %d, want 401", r.Status)
	}

	// The fifth wrong password locks the account, even against the right one.
	for i := range 5 {
		want := http.StatusUnauthorized
		if i == 4 {
			want = http.StatusTooManyRequests
		}
		if _, _, r := e.signIn("operator", "not-the-password"); r.Status != want {
			t.Fatalf("wrong password %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	if _, _, r := e.signIn("operator", identity.DemoPassword); r.Status != http.StatusTooManyRequests {
		t.Errorf("locked account with the right password: %d, want 429", r.Status)
	}
	e.clock.Add(16 * time.Minute)
	if c, _, r := e.signIn("operator", identity.DemoPassword); c == nil {
		t.Errorf("after the lock: %d %s", r.Status, r.Body)
	}
	if _, _, r := e.signIn("nobody", "whatever-password"); r.Status != http.StatusUnauthorized {
		t.Errorf("unknown user: %d", r.Status)
	}
}

func TestDisabledUserAndExpiredToken(t *testing.T) {
	e := newEnv(t)
	cookie, _, _ := e.signIn("applicant2", identity.DemoPassword)
	token := e.token("applicant2")
	if r := e.do("GET", "/api/v1/me", nil, "applicant2"); r.Status != http.StatusOK {
		t.Fatalf("token works: %d", r.Status)
	}
	u, _ := e.st.UserByName(context.Background(), "applicant2")
	if r := e.do("POST", fmt.Sprintf("/api/v1/admin/users/%d/disable", u.ID), "{}", "admin"); r.Status != http.StatusNoContent {
		t.Fatalf("disable: %d %s", r.Status, r.Body)
	}
	bearer := func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
	e.refusedUnchanged("GET", "/api/v1/me", nil, bearer, http.StatusUnauthorized)
	e.refusedUnchanged("GET", "/api/v1/me", nil, withCookie(cookie, ""), http.StatusUnauthorized)
	if _, _, r := e.signIn("applicant2", identity.DemoPassword); r.Status != http.StatusForbidden {
		t.Errorf("disabled user signs in: %d", r.Status)
	}

	short := e.token("operator")
	e.clock.Add(25 * time.Hour) // the test tokens live 24 hours
	e.refusedUnchanged("GET", "/api/v1/me", nil, func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+short) }, http.StatusUnauthorized)
	e.refusedUnchanged("GET", "/api/v1/me", nil, func(r *http.Request) { r.Header.Set("Authorization", "Bearer dg_forged") }, http.StatusUnauthorized)
}

func TestAdminChangesAreAudited(t *testing.T) {
	e := newEnv(t)
	r := e.do("POST", "/api/v1/admin/users", map[string]string{"username": "li.wei", "display_name": "李伟",
		"org": "health", "role": "dept_reviewer", "password": "correct horse battery"}, "admin")
	if r.Status != http.StatusCreated {
		t.Fatalf("create user: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/admin/roles", map[string]string{"username": "li.wei", "role": "regulator", "org": "cac"}, "admin"); r.Status != http.StatusNoContent {
		t.Fatalf("assign: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/admin/roles/revoke", map[string]string{"username": "li.wei", "role": "regulator", "org": "cac"}, "admin"); r.Status != http.StatusNoContent {
		t.Fatalf("revoke: %d %s", r.Status, r.Body)
	}
	e.refusedUnchanged("POST", "/api/v1/admin/roles", map[string]string{"username": "li.wei", "role": "king", "org": "cac"}, "admin", http.StatusBadRequest)
	e.refusedUnchanged("POST", "/api/v1/admin/users", map[string]string{"username": "x", "org": "health", "role": "dept_reviewer", "password": "short"}, "admin", http.StatusBadRequest)
	r = e.do("POST", "/api/v1/admin/orgs", map[string]string{"code": "newco", "name": "新公司", "kind": "applicant", "credit_code": "91440106MA5D7K2R4G"}, "admin")
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), "credit_code") {
		t.Errorf("wrong check character: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/api/v1/admin/orgs", map[string]string{"code": "newco", "name": "新公司", "kind": "applicant", "credit_code": "91440106MA5D7K2R4F"}, "admin"); r.Status != http.StatusCreated {
		t.Errorf("valid org: %d %s", r.Status, r.Body)
	}
	// The new reviewer signs in and reaches health's inbox.
	if c, _, r := e.signIn("li.wei", "correct horse battery"); c == nil {
		t.Fatalf("new user signs in: %d %s", r.Status, r.Body)
	}
	audit, err := e.st.AuditStream(context.Background(), store.AdminAuditStream)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, a := range audit {
		if a.Actor != "admin" || a.Seq != int64(i+1) {
			t.Errorf("audit entry %+v", a)
		}
		got = append(got, a.Action+" "+a.Target)
	}
	if want := "[user.created li.wei role.assigned li.wei role.revoked li.wei org.created newco]"; fmt.Sprint(got) != want {
		t.Errorf("admin audit %v, want %s", got, want)
	}
}
