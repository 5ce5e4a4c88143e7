package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// routeUser is the demo user a fuzz target sends a route as: the first role
// the access matrix allows ("" for a public route).
func routeUser(method, path string) string {
	allowed := expected[method+" "+path]
	if len(allowed) == 0 || allowed[0] == "public" {
		return ""
	}
	return roleUser[allowed[0]]
}

// FuzzQueryParams sends an arbitrary query string to every GET route (the
// first byte picks the route), as a user allowed on it: filters, paging,
// dates, search text, formats.
func FuzzQueryParams(f *testing.F) {
	fe := newFuzzEnv(f)
	var gets []string
	for _, r := range fe.srv.RouteTable() {
		// The fuzz environment has no Temporal (temporalRoutes).
		if r.Method == http.MethodGet && !temporalRoutes["GET "+ginToOpenAPI(r.Path)] {
			gets = append(gets, r.Path)
		}
	}
	for i, q := range []string{
		"", "limit=1", "limit=0", "limit=501", "limit=-1", "offset=99999999999999999999", "limit=1e3",
		"q=' OR 1=1 --", "q=%25", "q=_", "q=<script>alert(1)</script>", "q=%FF%FE", "q=%00",
		"department=gsa&open=conditional&grade=3", "grade=0", "open=closed'--",
		"from=2025-09-26&days=20", "from=2025-02-30&days=1", "from=9999-12-31&days=2147483647", "days=-1",
		"status=open", "status=';DROP TABLE tasks;--", "application_id=1", "application_id=-1",
		"from=2026-01-01&to=2025-01-01", "actor=admin&action=user.created", "stream=../../etc/passwd",
		"year=2026", "format=csv", "department=" + strings.Repeat("a", 5000), "a=1&a=2&a=3", "%zz=1", "==&&==",
	} {
		f.Add(byte(len(gets)-1), q) // the last route, and one seed per route below
		f.Add(byte(i), q)
	}
	for i := range gets {
		f.Add(byte(i), "limit=2&offset=1")
	}
	// Tokens for every user a route needs, before fuzzing.
	for _, p := range gets {
		if who := routeUser(http.MethodGet, p); who != "" {
			fe.token(who)
		}
	}
	f.Fuzz(func(t *testing.T, pick byte, query string) {
		route := gets[int(pick)%len(gets)]
		fe.send(t, http.MethodGet, fe.path(route)+"?"+query, routeUser(http.MethodGet, route), nil)
	})
}

// FuzzPathParams puts an arbitrary value into every route's path parameter
// (the first byte picks the route), as a user allowed on it: ids that are
// not numbers, task ids of other kinds, years, codes, path traversal.
func FuzzPathParams(f *testing.F) {
	fe := newFuzzEnv(f)
	type rt struct{ method, path string }
	var routes []rt
	for _, r := range fe.srv.RouteTable() {
		if strings.Contains(r.Path, ":") {
			routes = append(routes, rt{r.Method, r.Path})
		}
	}
	for i, p := range []string{
		"1", "0", "-1", "999999999999999999999", "1e3", "0x10", " 1", "1 ", "DS-0100", "ds-0100",
		"..", "../..", "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "....//....//etc/passwd", "..\\..\\windows",
		"application-1-t1", "application-2-tdepartment_review-samr", "' OR '1'='1", "<script>", "%00", "%FF",
		"2027", "1999", "2101", "20271", strings.Repeat("9", 300),
	} {
		f.Add(byte(i), p)
	}
	for i := range routes {
		f.Add(byte(i), "1")
	}
	for _, r := range routes {
		if who := routeUser(r.method, r.path); who != "" {
			fe.token(who)
		}
	}
	f.Fuzz(func(t *testing.T, pick byte, param string) {
		r := routes[int(pick)%len(routes)]
		i := strings.IndexByte(r.path, ':')
		end := strings.IndexByte(r.path[i:], '/')
		if end < 0 {
			end = len(r.path) - i
		}
		target := r.path[:i] + param + r.path[i+end:]
		var body []byte
		if r.method != http.MethodGet && r.method != http.MethodDelete {
			body = []byte("{}")
		}
		rec := fe.send(t, r.method, target, routeUser(r.method, r.path), body)
		if rec != nil && strings.Contains(rec.Body.String(), "root:") {
			t.Fatalf("%s %s: answered with a system file: %s", r.method, target, rec.Body)
		}
	})
}
