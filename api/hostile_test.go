package api_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/datagate/datagate/store"
)

// Injection strings are data: stored and read back exactly as sent, never
// executed as SQL, and never reflected unescaped (JSON escapes <, > and &;
// CSV cells that a spreadsheet would run are neutralised). The audit chain
// holds over them.
func TestInjectionStoredAsText(t *testing.T) {
	e := newEnv(t)
	hostile := map[string]string{
		"title":             `<script>alert("x")</script>`,
		"description":       `"><img src=x onerror=alert(1)>`,
		"purpose":           `'; DROP TABLE applications; --`,
		"scope":             `' OR '1'='1' /* {{.}} ${7*7} %s%n`,
		"security_controls": "=HYPERLINK(\"http://x\")\t+1-1@A",
		"domain":            `金融服务</td><td>`,
	}
	body := map[string]any{"period_months": 12, "access_mode": "sandbox", "datasets": []string{"DS-0100"}}
	for k, v := range hostile {
		body[k] = v
	}
	r := e.do("POST", "/api/v1/applications", body, "applicant")
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	var created struct {
		Application map[string]any `json:"application"`
	}
	r.decode(t, &created)
	id := uint64(created.Application["id"].(float64))
	got := e.do("GET", "/api/v1/applications/"+strconv.FormatUint(id, 10), nil, "applicant")
	if bytes.ContainsAny(got.Body, "<>") {
		t.Errorf("the answer reflects < or > unescaped: %s", got.Body)
	}
	var detail struct {
		Application map[string]any `json:"application"`
	}
	got.decode(t, &detail)
	for k, v := range hostile {
		if detail.Application[k] != v {
			t.Errorf("%s read back as %q, want %q", k, detail.Application[k], v)
		}
	}
	if n := e.counts()["applications"]; n != 1 {
		t.Errorf("%d applications, want 1 (the table survives)", n)
	}
	// SQL in a search is a search for that text.
	var list struct{ Total int64 }
	e.do("GET", "/api/v1/catalog?q="+url.QueryEscape(`' OR 1=1 --`), nil, "").decode(t, &list)
	if list.Total != 0 {
		t.Errorf("a search for SQL found %d datasets", list.Total)
	}
	// An urge's message reaches the audit log as text, and the export.
	task := e.openTask(id, "department_review", "samr")
	msg := `<img src=x onerror=alert(1)>=cmd|' /C calc'!A0`
	if r := e.do("POST", "/api/v1/supervision/urges", map[string]any{"task_id": task, "message": msg}, "supervisor"); r.Status >= 300 {
		t.Fatalf("urge: %d %s", r.Status, r.Body)
	}
	log := e.do("GET", "/api/v1/audit?limit=50", nil, "supervisor")
	if bytes.ContainsAny(log.Body, "<>") || !bytes.Contains(log.Body, []byte(`\u003cimg src=x onerror=alert(1)\u003e`)) {
		t.Errorf("audit log JSON: %s", log.Body)
	}
	csv := e.do("GET", "/api/v1/audit.csv", nil, "supervisor")
	if !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") || csv.Header.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.HasPrefix(csv.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("audit CSV headers: %v", csv.Header)
	}
	v, err := e.st.VerifyAuditChain(context.Background())
	if err != nil || !v.OK {
		t.Errorf("audit chain over hostile text: %+v %v", v, err)
	}
}

// Invalid UTF-8 is stored as valid text (the JSON decoder replaces it);
// JSON nested beyond reason, or cut off, is refused with 400 at once.
func TestMalformedBodies(t *testing.T) {
	e := newEnv(t)
	r := e.do("POST", "/api/v1/applications",
		"{\"title\":\"\xff\xfe坏\",\"purpose\":\"p\",\"period_months\":1,\"access_mode\":\"sandbox\",\"datasets\":[\"DS-0100\"]}", "applicant")
	if r.Status != http.StatusCreated {
		t.Fatalf("invalid UTF-8 title: %d %s", r.Status, r.Body)
	}
	apps, err := e.st.Applications(context.Background(), store.ApplicationFilter{})
	if err == nil {
		for _, a := range apps {
			if !utf8.ValidString(a.Title) {
				t.Errorf("stored title %q is not UTF-8", a.Title)
			}
		}
	}
	before := e.counts()
	for name, body := range map[string]string{
		"deep arrays":  `{"datasets":` + strings.Repeat("[", 200_000) + strings.Repeat("]", 200_000) + `}`,
		"deep objects": strings.Repeat(`{"a":`, 100_000) + "1" + strings.Repeat("}", 100_000),
		"cut off":      `{"title":"t","purpose":`,
		"NUL":          "{\"title\":\"t\x00\"}",
	} {
		began := time.Now()
		r := e.do("POST", "/api/v1/applications", body, "applicant")
		if r.Status != http.StatusBadRequest && r.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("%s: %d %s", name, r.Status, r.Body)
		}
		if d := time.Since(began); d > 2*time.Second {
			t.Errorf("%s took %v", name, d)
		}
	}
	if !equalCounts(before, e.counts()) {
		t.Error("a malformed body changed rows")
	}
}

// Path parameters never name a file: a holiday year is a number from 2000
// to 2100 and the table goes to the database; codes and ids are looked up,
// not opened. Traversal in any of them is refused or found to be nothing.
func TestPathTraversal(t *testing.T) {
	e := newEnv(t)
	before := e.counts()
	for _, tc := range []struct{ method, path, who string }{
		{"PUT", "/api/v1/calendar/holidays/..%2F..%2F..%2Fetc%2Fpasswd", "admin"},
		{"PUT", "/api/v1/calendar/holidays/2027%2F..%2F..%2Fx", "admin"},
		{"PUT", "/api/v1/calendar/holidays/....%2F2027", "admin"},
		{"GET", "/api/v1/catalog/..%2F..%2F..%2Fetc%2Fpasswd", ""},
		{"GET", "/api/v1/catalog/../../../etc/passwd", ""},
		{"GET", "/api/v1/applications/..%2F1", "applicant"},
		{"POST", "/api/v1/tasks/..%2F..%2Fadmin/decision", "dept_reviewer"},
		{"GET", "/api/v1/disclosure.csv/../../../etc/passwd", ""},
	} {
		r := e.do(tc.method, tc.path, `{"year":2027,"off":[],"work":[]}`, tc.who)
		if r.Status < 400 || r.Status >= 500 || bytes.Contains(r.Body, []byte("root:")) {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, r.Status, r.Body)
		}
		if cd := r.Header.Get("Content-Disposition"); strings.Contains(cd, "..") || strings.Contains(cd, "/") {
			t.Errorf("%s %s: Content-Disposition %q", tc.method, tc.path, cd)
		}
	}
	if !equalCounts(before, e.counts()) {
		t.Error("a traversal attempt changed rows")
	}
	// The downloads' file names are the server's own.
	for _, p := range []string{"/api/v1/disclosure.csv?q=../../x", "/api/v1/audit.csv?actor=../../x"} {
		who := ""
		if strings.Contains(p, "audit") {
			who = "supervisor"
		}
		r := e.do("GET", p, nil, who)
		if cd := r.Header.Get("Content-Disposition"); r.Status == 200 && (strings.Contains(cd, "..") || strings.Count(cd, "/") > 0) {
			t.Errorf("%s: Content-Disposition %q", p, cd)
		}
	}
}

// Free text is bounded and visible: a reason of a million characters, a
// title of zero-width spaces, a NUL or a right-to-left override, a
// supplement that blanks the purpose are refused with 400 naming the
// field, and change nothing.
func TestUnboundedAndInvisibleTextIsRefused(t *testing.T) {
	e := newEnv(t)
	app := e.submitted("acme-fintech", "applicant")
	task := e.openTask(app, "department_review", "gsa")
	draft := func(title string) map[string]any {
		return map[string]any{"title": title, "purpose": "授信评估", "period_months": 12, "access_mode": "sandbox", "datasets": []string{"DS-0100"}}
	}
	cases := []struct {
		name, method, path, who string
		body                    any
		field                   string
	}{
		{"a million-character reason", "POST", "/api/v1/tasks/" + task + "/decision", "reviewer-gsa",
			map[string]string{"decision": "reject", "reason": strings.Repeat("驳", 300_000), "basis": "第十六条"}, "reason"},
		{"a long basis of one item", "POST", "/api/v1/tasks/" + task + "/decision", "reviewer-gsa",
			map[string]any{"decision": "decide", "items": []map[string]string{{"dataset": "DS-0100", "decision": "reject", "reason": "r", "basis": strings.Repeat("b", 1001)}}}, "items[0].basis"},
		{"a zero-width title", "POST", "/api/v1/applications", "applicant", draft("\u200b\u200b\u200b"), "title"},
		{"a NUL in the title", "POST", "/api/v1/applications", "applicant", draft("信贷\u0000风控"), "title"},
		{"a right-to-left override", "POST", "/api/v1/applications", "applicant", draft("\u202e控风贷信"), "title"},
		{"a line break in the title", "POST", "/api/v1/applications", "applicant", draft("信贷\n风控"), "title"},
		{"a blanked purpose", "POST", fmt.Sprintf("/api/v1/applications/%d/supplement", app), "applicant",
			map[string]any{"edits": map[string]string{"purpose": " "}}, "edits.purpose"},
		{"a purpose of invisible characters", "POST", fmt.Sprintf("/api/v1/applications/%d/supplement", app), "applicant",
			map[string]any{"edits": map[string]string{"purpose": "\ufeff\u200d"}}, "edits.purpose"},
	}
	for _, c := range cases {
		r := e.refusedUnchanged(c.method, c.path, c.body, c.who, http.StatusBadRequest)
		var body struct{ Error struct{ Field string } }
		r.decode(t, &body)
		if body.Error.Field != c.field {
			t.Errorf("%s: field %q, want %q: %.300s", c.name, body.Error.Field, c.field, r.Body)
		}
	}
	// A multi-line field keeps its line breaks.
	d := draft("信贷风控")
	d["description"] = "第一段\n第二段"
	if r := e.do("POST", "/api/v1/applications", d, "applicant"); r.Status != http.StatusCreated {
		t.Errorf("a two-paragraph description: %d %s", r.Status, r.Body)
	}
}
