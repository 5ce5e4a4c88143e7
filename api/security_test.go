package api_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/datagate/datagate/api"
	"github.com/datagate/datagate/identity"
)

// Every answer, a refusal included, carries the security headers.
func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		method, path, who string
		status            int
	}{
		{"GET", "/healthz", "", 200},
		{"GET", "/api/v1/catalog", "", 200},
		{"GET", "/api/v1/applications", "applicant", 200},
		{"GET", "/api/v1/applications", "", 401},
		{"GET", "/api/v1/admin/users", "applicant", 403},
		{"GET", "/api/v1/nowhere", "", 404},
		{"POST", "/api/v1/applications", "applicant", 400},
	} {
		var body any
		if tc.method == "POST" {
			body = "{"
		}
		r := e.do(tc.method, tc.path, body, tc.who)
		if r.Status != tc.status {
			t.Errorf("%s %s: %d, want %d", tc.method, tc.path, r.Status, tc.status)
		}
		csp := r.Header.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s %s: CSP %q lacks %s", tc.method, tc.path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s %s: CSP allows inline code: %q", tc.method, tc.path, csp)
		}
		for h, want := range map[string]string{
			"X-Content-Type-Options": "nosniff", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
		} {
			if got := r.Header.Get(h); got != want {
				t.Errorf("%s %s: %s = %q, want %q", tc.method, tc.path, h, got, want)
			}
		}
		if tc.who != "" && r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s %s as %s: Cache-Control %q, want no-store", tc.method, tc.path, tc.who, r.Header.Get("Cache-Control"))
		}
	}
}

// roleUser is the demo user who holds a role.
var roleUser = map[string]string{
	"applicant": "applicant", "initial_reviewer": "initial_reviewer", "dept_reviewer": "dept_reviewer",
	"regulator": "regulator", "bureau_officer": "bureau_officer", "operator": "operator",
	"supervisor": "supervisor", "admin": "admin", "public": "applicant",
}

// readTracker tells whether anyone read the body.
type readTracker struct {
	r    io.Reader
	read bool
}

func (b *readTracker) Read(p []byte) (int, error) {
	b.read = true
	return b.r.Read(p)
}

// An oversized body is refused with 413 on every route that takes one,
// whether it declares its length (refused before anything reads it) or
// streams it (refused as the decoder reaches the limit), and a refusal
// changes nothing. The streamed body goes to a caller allowed on the route,
// at an object that exists, so that it is the body that is refused.
func TestOversizedBodiesAre413(t *testing.T) {
	e := newEnv(t)
	app := e.draft("acme-fintech", "applicant")
	submitted := e.submitted("acme-fintech", "applicant")
	srv := *e.srv
	srv.Temporal = stubTemporal{}
	h := srv.Handler()
	big := `{"title":"` + strings.Repeat("长", 1<<19) + `","reason":"x"}` // 1.5 MiB
	tasks := map[string]string{}
	target := func(path, who string) string {
		u, err := e.st.UserByName(t.Context(), roleUser[who])
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(path, "/tasks/:id") {
			if tasks[u.OrgCode] == "" {
				tasks[u.OrgCode] = e.openTask(app, "initial_review", u.OrgCode)
			}
			path = strings.Replace(path, ":id", tasks[u.OrgCode], 1)
		}
		if strings.Contains(path, "/admin/users/:id") {
			other, err := e.st.UserByName(t.Context(), "applicant2")
			if err != nil {
				t.Fatal(err)
			}
			path = strings.Replace(path, ":id", strconv.FormatUint(uint64(other.ID), 10), 1)
		}
		id := app
		if who != "applicant" {
			id = submitted // visible to the central orgs
		}
		return strings.NewReplacer(":id", strconv.FormatUint(id, 10), ":year", "2027", ":code", "DS-0001").Replace(path)
	}
	checked := 0
	for _, r := range e.srv.RouteTable() {
		if r.Method != http.MethodPost && r.Method != http.MethodPut {
			continue
		}
		allowed := expected[r.Method+" "+r.Path]
		if len(allowed) == 0 {
			t.Errorf("%s %s is not in the access matrix", r.Method, r.Path)
			continue
		}
		who := allowed[0]
		path := target(r.Path, who)
		before := e.counts()
		// Declared: refused before authentication reads anything. An
		// upload takes up to its file limit.
		big := big
		if strings.HasSuffix(r.Path, "/attachments") {
			big = strings.Repeat("x", int(e.srv.AttachmentLimits.PerFile)+1<<20)
		}
		resp := e.do(r.Method, path, big, "")
		if resp.Status != http.StatusRequestEntityTooLarge || !strings.Contains(string(resp.Body), `"too_large"`) {
			t.Errorf("%s %s with Content-Length %d: %d %s", r.Method, path, len(big), resp.Status, resp.Body)
		}
		if !equalCounts(before, e.counts()) {
			t.Errorf("%s %s: an oversized body changed rows", r.Method, path)
		}
		// Streamed (no Content-Length), by an allowed caller. A route
		// that takes no body and reads none is left alone.
		body := &readTracker{r: strings.NewReader(big)}
		req := httptest.NewRequest(r.Method, path, io.NopCloser(body))
		req.ContentLength = -1
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.token(roleUser[who]))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if !body.read {
			continue
		}
		if fuzzedBodies[r.Method+" "+r.Path] == "" {
			t.Errorf("%s %s reads a body but has no fuzz target: add one to api/fuzz_write_test.go and to fuzzedBodies", r.Method, r.Path)
		}
		if rec.Code != http.StatusRequestEntityTooLarge {
			t.Errorf("%s %s streamed as %s: %d %s, want 413", r.Method, path, who, rec.Code, rec.Body)
		}
		checked++
		if !equalCounts(before, e.counts()) {
			t.Errorf("%s %s: an oversized body changed rows", r.Method, path)
		}
	}
	if checked < 15 {
		t.Errorf("only %d routes refused a streamed oversized body with 413", checked)
	}
}

// Limits per client address and per user answer 429 with Retry-After; the
// address is the connection's peer, so a client cannot dodge the limit by
// naming another address in X-Forwarded-For, unless the peer is a trusted
// proxy. The zero value sets no limit.
func TestRateLimits(t *testing.T) {
	e := newEnv(t)
	send := func(h http.Handler, peer, xff, who string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", "/api/v1/catalog?limit=1", nil)
		req.RemoteAddr = peer + ":40000"
		if xff != "" {
			req.Header.Set("X-Forwarded-For", xff)
		}
		if who != "" {
			req.Header.Set("Authorization", "Bearer "+e.token(who))
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	limited := func(l api.RateLimits, proxies ...string) http.Handler {
		srv := *e.srv
		srv.RateLimits, srv.TrustedProxies = l, proxies
		return srv.Handler()
	}

	t.Run("per address", func(t *testing.T) {
		h := limited(api.RateLimits{PerIP: api.RateLimit{Rate: 0.01, Burst: 3}})
		for i := range 3 {
			if rec := send(h, "198.51.100.7", "203.0.113."+strconv.Itoa(i), ""); rec.Code != 200 {
				t.Fatalf("request %d: %d", i, rec.Code)
			}
		}
		rec := send(h, "198.51.100.7", "203.0.113.99", "")
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "100" ||
			!strings.Contains(rec.Body.String(), `"rate_limited"`) || rec.Header().Get("Content-Security-Policy") == "" {
			t.Errorf("4th request from one address (another X-Forwarded-For): %d Retry-After %q %s",
				rec.Code, rec.Header().Get("Retry-After"), rec.Body)
		}
		if rec := send(h, "198.51.100.8", "", ""); rec.Code != 200 {
			t.Errorf("another address: %d", rec.Code)
		}
	})
	t.Run("behind a trusted proxy", func(t *testing.T) {
		h := limited(api.RateLimits{PerIP: api.RateLimit{Rate: 0.01, Burst: 1}}, "10.0.0.0/8")
		for i := range 3 {
			if rec := send(h, "10.1.2.3", "203.0.113."+strconv.Itoa(i), ""); rec.Code != 200 {
				t.Errorf("client %d through the proxy: %d", i, rec.Code)
			}
		}
		if rec := send(h, "10.1.2.3", "203.0.113.0", ""); rec.Code != http.StatusTooManyRequests {
			t.Errorf("the same client again through the proxy: %d", rec.Code)
		}
	})
	t.Run("per user", func(t *testing.T) {
		h := limited(api.RateLimits{PerUser: api.RateLimit{Rate: 0.5, Burst: 2}})
		for i := range 2 {
			if rec := send(h, "198.51.100."+strconv.Itoa(i), "", "supervisor"); rec.Code != 200 {
				t.Fatalf("request %d: %d", i, rec.Code)
			}
		}
		rec := send(h, "198.51.100.9", "", "supervisor")
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "2" {
			t.Errorf("3rd request of one user from a third address: %d Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
		}
		if rec := send(h, "198.51.100.9", "", "applicant"); rec.Code != 200 {
			t.Errorf("another user: %d", rec.Code)
		}
		if rec := send(h, "198.51.100.9", "", ""); rec.Code != 200 {
			t.Errorf("anonymous: %d", rec.Code)
		}
	})
	t.Run("defaults", func(t *testing.T) {
		d := api.DefaultRateLimits()
		if d.PerIP.Rate < 10 || d.PerIP.Burst < 30 || d.PerUser.Rate < 10 || d.PerUser.Burst < 30 {
			t.Errorf("defaults %+v are not generous", d)
		}
		h := limited(api.RateLimits{})
		for i := range 200 {
			if rec := send(h, "198.51.100.7", "", "applicant"); rec.Code != 200 {
				t.Fatalf("request %d without limits: %d", i, rec.Code)
			}
		}
	})
}

// Login CSRF: a page of another site cannot sign a victim's browser into
// the attacker's account. The body must be JSON (a cross-site form can
// send text/plain without a preflight) with nothing after it, and a
// browser's request from another site is refused on every state-changing
// route; a client that is not a browser sends no Origin and is served.
func TestCrossSiteRequestsAreRefused(t *testing.T) {
	e := newEnv(t)
	e.srv.Origins = []string{"https://datagate.example.gov.cn"}
	e.http.Config.Handler = e.srv.Handler()
	login := `{"username":"applicant","password":"` + identity.DemoPassword + `"}`
	send := func(body string, header ...string) response {
		return e.do("POST", "/api/v1/session", body, func(r *http.Request) {
			for i := 0; i+1 < len(header); i += 2 {
				r.Header.Set(header[i], header[i+1])
			}
		})
	}
	cases := []struct {
		name   string
		body   string
		header []string
		status int
		code   string
	}{
		{"a form's text/plain", login, []string{"Content-Type", "text/plain"}, http.StatusUnsupportedMediaType, "unsupported_media_type"},
		{"a form's urlencoded body", "username=applicant", []string{"Content-Type", "application/x-www-form-urlencoded"}, http.StatusUnsupportedMediaType, "unsupported_media_type"},
		{"no content type", login, []string{"Content-Type", ""}, http.StatusUnsupportedMediaType, "unsupported_media_type"},
		{"data after the JSON", login + `=`, nil, http.StatusBadRequest, "invalid"},
		{"a second object", login + login, nil, http.StatusBadRequest, "invalid"},
		{"another site's page", login, []string{"Origin", "https://evil.example"}, http.StatusForbidden, "csrf"},
		{"a hidden origin", login, []string{"Origin", "null"}, http.StatusForbidden, "csrf"},
		{"a cross-site fetch without Origin", login, []string{"Sec-Fetch-Site", "cross-site"}, http.StatusForbidden, "csrf"},
	}
	for _, c := range cases {
		r := send(c.body, c.header...)
		var body struct{ Error struct{ Code, Field string } }
		r.decode(t, &body)
		if r.Status != c.status || body.Error.Code != c.code || strings.Contains(r.Header.Get("Set-Cookie"), "dg_session=") {
			t.Errorf("%s: %d %s %q, want %d %s and no session", c.name, r.Status, r.Body, r.Header.Get("Set-Cookie"), c.status, c.code)
		}
	}
	own := strings.TrimPrefix(e.http.URL, "http://")
	for _, origin := range []string{"http://" + own, "https://datagate.example.gov.cn"} {
		if r := send(login, "Origin", origin, "Sec-Fetch-Site", "same-origin", "Content-Type", "application/json; charset=utf-8"); r.Status != http.StatusOK {
			t.Errorf("signing in from %s: %d %s", origin, r.Status, r.Body)
		}
	}
	// Every state-changing route, whatever the credential.
	before := e.counts()
	r := e.do("POST", "/api/v1/applications", `{"title":"x"}`, func(req *http.Request) {
		req.Header.Set("Authorization", "Bearer "+e.token("applicant"))
		req.Header.Set("Origin", "https://evil.example")
	})
	if r.Status != http.StatusForbidden || !equalCounts(before, e.counts()) {
		t.Errorf("a cross-site create: %d %s", r.Status, r.Body)
	}
}
