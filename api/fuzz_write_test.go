package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/datagate/datagate/domain"
)

// The fuzz targets send arbitrary bytes as every write body and query
// string, as a user allowed on the route, to an object that exists. The
// API must answer 2xx or a 4xx that names what is wrong, never a 5xx; a
// refusal changes no row; JSON answers are valid JSON with no raw "<"
// (nothing is reflected unescaped); Atom answers are well-formed XML.
//
// Temporal is a stub that answers "workflow not running": the targets test
// decoding and validation in front of the workflows, whose own validators
// are tested in workflows/. Run one longer with, e.g.,
//
//	go test -run x -fuzz FuzzDecisionBody -fuzztime 60s ./api/
//
// `make fuzz` runs every target for FUZZTIME (10s) each, as CI does. A
// failing input is written to testdata/fuzz/<target>/ and replayed by
// every `go test` from then on; the seed corpora there are committed.

// stubTemporal answers every workflow call as if the workflow had ended.
type stubTemporal struct{ client.Client }

var errNotRunning = serviceerror.NewNotFound("workflow not running (fuzz stub)")

func (stubTemporal) ExecuteWorkflow(context.Context, client.StartWorkflowOptions, any, ...any) (client.WorkflowRun, error) {
	return nil, errNotRunning
}

func (stubTemporal) UpdateWorkflow(context.Context, client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	return nil, errNotRunning
}

// fuzzEnv is the API over a seeded store with the objects the routes act
// on: a draft and a submitted application of acme-fintech, an open review
// task of samr (dept_reviewer's department) on the submitted one, and an
// open supplement task of the applicant's.
type fuzzEnv struct {
	*env
	h         http.Handler
	draft     uint64
	submitted uint64
	task      string
}

func newFuzzEnv(f *testing.F) *fuzzEnv {
	e := newEnv(f)
	fe := &fuzzEnv{env: e, draft: e.draft("acme-fintech", "applicant"), submitted: e.submitted("acme-fintech", "applicant")}
	fe.task = e.openTask(fe.submitted, domain.TaskDepartmentReview, "samr")
	e.openTask(fe.submitted, domain.TaskSupplement, "acme-fintech")
	// Tokens now: e.token may not be called inside a fuzz function.
	for _, u := range []string{"applicant", "bureau_officer", "dept_reviewer", "supervisor", "admin"} {
		e.token(u)
	}
	srv := *e.srv
	srv.Temporal = stubTemporal{}
	fe.h = srv.Handler()
	return fe
}

// path fills a route's parameters with the fuzz env's objects.
func (fe *fuzzEnv) path(route string) string {
	id := strconv.FormatUint(fe.submitted, 10)
	switch {
	case route == "/api/v1/applications/:id" || strings.HasSuffix(route, "/submit"):
		id = strconv.FormatUint(fe.draft, 10)
	case strings.Contains(route, "/tasks/:id"):
		id = fe.task
	case strings.Contains(route, "/users/:id"):
		id = "2"
	}
	return strings.NewReplacer(":id", id, ":year", "2027", ":code", "DS-0100").Replace(route)
}

// send sends one request as who (a demo username; "" for nobody) and checks
// what every answer must satisfy.
func (fe *fuzzEnv) send(t *testing.T, method, target, who string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	before := rowCounts(t, fe.env)
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, "http://datagate.test"+target, rd)
	if err != nil {
		return nil // not a request any client could send
	}
	req.RemoteAddr = "192.0.2.1:1234"
	req.Header.Set("Content-Type", "application/json")
	if who != "" {
		req.Header.Set("Authorization", "Bearer "+fe.tokens[who])
	}
	rec := httptest.NewRecorder()
	fe.h.ServeHTTP(rec, req)
	checkAnswer(t, method+" "+target, body, rec)
	if rec.Code >= 400 && !equalCounts(before, rowCounts(t, fe.env)) {
		t.Fatalf("%s %s %q was refused (%d) but changed rows: %s", method, target, body, rec.Code, rec.Body)
	}
	return rec
}

func rowCounts(t *testing.T, e *env) map[string]int64 {
	t.Helper()
	c, err := e.st.RowCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func checkAnswer(t *testing.T, what string, body []byte, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("%s %q: status %d: %s", what, body, rec.Code, rec.Body)
	}
	ctype := rec.Header().Get("Content-Type")
	out := rec.Body.Bytes()
	switch {
	case strings.HasPrefix(ctype, "application/json"):
		if len(out) > 0 && !json.Valid(out) {
			t.Fatalf("%s %q: invalid JSON answer: %s", what, body, out)
		}
		if bytes.ContainsRune(out, '<') && !strings.Contains(what, "/openapi.json") {
			t.Fatalf("%s %q: a raw '<' in a JSON answer: %s", what, body, out)
		}
	case strings.Contains(ctype, "xml"):
		dec := xml.NewDecoder(bytes.NewReader(out))
		for {
			if _, err := dec.Token(); err != nil {
				if !errors.Is(err, io.EOF) {
					t.Fatalf("%s %q: malformed XML answer (%v): %s", what, body, err, out)
				}
				break
			}
		}
	}
	if rec.Code >= 400 && rec.Code != http.StatusMethodNotAllowed && !bytes.Contains(out, []byte(`"error"`)) {
		t.Fatalf("%s %q: refusal %d without an error body: %s", what, body, rec.Code, out)
	}
}

// hostileSeeds go into every body target's corpus: injection strings,
// nesting, bad encodings, numbers out of range, wrong shapes.
var hostileSeeds = []string{
	``, `{`, `[]`, `null`, `"x"`, `{}`, `{"a":1}`,
	`{"reason":"<script>alert(1)</script>","comment":"'; DROP TABLE audit_log; --"}`,
	`{"name":"<img src=x onerror=alert(1)>","description":"{{.}}${7*7}%s%n"}`,
	"{\"reason\":\"\xff\xfe\xfd\",\"basis\":\"\\ud800\"}",
	"{\"reason\":\"a\\u0000b\"}",
	`{"ttl_days":1e309,"period_months":-9223372036854775809}`,
	`{"items":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`,
	strings.Repeat(`{"a":`, 20000) + `1` + strings.Repeat(`}`, 20000),
	`{"reason":"../../../../etc/passwd","to":"..\\..\\windows","task_id":"../../x"}`,
	`{"edits":{"description":"x","title":"y","__proto__":"z"}}`,
}

// fuzzBody fuzzes one write route's body, sent by who.
func fuzzBody(f *testing.F, method, route, who string, seeds ...string) {
	for _, s := range append(seeds, hostileSeeds...) {
		f.Add([]byte(s))
	}
	fe := newFuzzEnv(f)
	target := fe.path(route)
	f.Fuzz(func(t *testing.T, body []byte) {
		fe.send(t, method, target, who, body)
	})
}

func FuzzSessionBody(f *testing.F) {
	fuzzBody(f, "POST", "/api/v1/session", "",
		`{"username":"applicant","password":"wrong"}`, `{"username":"","password":""}`,
		`{"username":"' OR '1'='1","password":"' OR '1'='1"}`, `{"username":"applicant\u0000","password":"x"}`)
}

func FuzzTokenBody(f *testing.F) {
	fuzzBody(f, "POST", "/api/v1/tokens", "applicant",
		`{"name":"ci","ttl_days":30}`, `{"name":"","ttl_days":0}`, `{"name":"x","ttl_days":100000}`)
}

func FuzzApplicationEditBody(f *testing.F) {
	fuzzBody(f, "PUT", "/api/v1/applications/:id", "applicant",
		`{"title":"改","purpose":"p","period_months":12,"access_mode":"sandbox","datasets":["DS-0100"]}`,
		`{"title":"t","purpose":"p","period_months":12,"access_mode":"sandbox","datasets":["DS-0100"],"submit":true}`,
		`{"title":"t","purpose":"p","period_months":12,"access_mode":"sandbox","datasets":["DS-0111"],"consents":{"DS-0111":{"matter":"核验","max_accesses":3,"until":"2026-12-31","evidence":"授权书"}}}`,
		`{"title":"t","purpose":"p","period_months":12,"access_mode":"sandbox","datasets":["DS-0100"],"consents":{"DS-0111":null,"":{"matter":1}}}`)
}

func FuzzSupplementBody(f *testing.F) {
	fuzzBody(f, "POST", "/api/v1/applications/:id/supplement", "applicant",
		`{"comment":"补充","edits":{"description":"更详细"}}`, `{"edits":{"title":"不可改"}}`)
}

func FuzzActionBody(f *testing.F) {
	// withdraw (applicant), evaluations, terminate and lifting a measure
	// (bureau), exit-notice
	// (applicant) share one body; the first byte picks the route.
	routes := []struct{ route, who string }{
		{"/api/v1/applications/:id/withdraw", "applicant"},
		{"/api/v1/applications/:id/exit-notice", "applicant"},
		{"/api/v1/applications/:id/evaluations", "bureau_officer"},
		{"/api/v1/applications/:id/terminate", "bureau_officer"},
		{"/api/v1/applications/:id/restriction/lift", "bureau_officer"},
	}
	for _, s := range append([]string{`{"reason":"违规","basis":"第六条"}`, `{"reason":""}`}, hostileSeeds...) {
		for i := range routes {
			f.Add(byte(i), []byte(s))
		}
	}
	fe := newFuzzEnv(f)
	f.Fuzz(func(t *testing.T, pick byte, body []byte) {
		r := routes[int(pick)%len(routes)]
		fe.send(t, "POST", fe.path(r.route), r.who, body)
	})
}

func FuzzModelBody(f *testing.F) {
	fuzzBody(f, "POST", "/api/v1/applications/:id/models", "applicant",
		`{"name":"风控模型","description":"评分卡"}`, `{"name":""}`)
}

func FuzzDecisionBody(f *testing.F) {
	fuzzBody(f, "POST", "/api/v1/tasks/:id/decision", "dept_reviewer",
		`{"decision":"approve"}`, `{"decision":"reject","reason":"不完整","basis":"第十六条"}`,
		`{"decision":"decide","items":[{"dataset":"DS-0100","decision":"reject","reason":"r","basis":"b"}]}`,
		`{"decision":"ask_regulator","regulator":"nfra","comment":"请提意见"}`,
		`{"decision":"ask_regulator","regulator":"samr"}`)
}

// FuzzDecisionsBody fuzzes a batch: its rows name the env's review task
// (application-2-tdepartment_review-samr, dept_reviewer's), tasks that
// do not exist, and the same task twice.
func FuzzDecisionsBody(f *testing.F) {
	fuzzBody(f, "POST", "/api/v1/tasks/decisions", "dept_reviewer",
		`{"decisions":[{"task_id":"application-2-tdepartment_review-samr","decision":"pass"}]}`,
		`{"decisions":[{"task_id":"application-2-tdepartment_review-samr","decision":"reject","reason":"r"},{"task_id":"application-2-tdepartment_review-samr","decision":"sign"}]}`,
		`{"decisions":[{"task_id":"application-9-t1","decision":"file"},{"task_id":"","decision":""}]}`,
		`{"decisions":[]}`, `{"decisions":null}`, `{"decisions":[{}]}`, `{"decisions":[1,2]}`)
}

func FuzzTransferBody(f *testing.F) {
	fuzzBody(f, "POST", "/api/v1/tasks/:id/transfer", "dept_reviewer",
		`{"to":"reviewer-samr","reason":"请假"}`, `{"to":"applicant"}`, `{"to":""}`)
}

func FuzzUrgeBody(f *testing.F) {
	fuzzBody(f, "POST", "/api/v1/supervision/urges", "supervisor",
		`{"task_id":"application-2-tdepartment_review-samr","message":"请尽快办理"}`, `{"task_id":"nope"}`)
}

func FuzzFlagBody(f *testing.F) {
	fuzzBody(f, "POST", "/api/v1/supervision/flags", "supervisor",
		`{"task_id":"application-2-tdepartment_review-samr","reason":"无依据"}`, `{"task_id":""}`)
}

func FuzzCopyBody(f *testing.F) {
	fuzzBody(f, "POST", "/api/v1/applications/:id/copies", "dept_reviewer",
		`{"to_org":"gsa","note":"请知悉"}`, `{"to_user":"initial_reviewer","note":"请阅"}`,
		`{"to_user":"applicant","note":"x"}`, `{"to_user":"a","to_org":"b","note":""}`)
}

func FuzzRestrictBody(f *testing.F) {
	fuzzBody(f, "POST", "/api/v1/applications/:id/restrict", "bureau_officer",
		`{"measure":"suspend","reason":"超范围使用","basis":"第三十条"}`, `{"measure":"restrict","scope":"停止API调用","reason":"r","basis":"b"}`,
		`{"measure":"ban","reason":"","basis":""}`)
}

func FuzzProposalBody(f *testing.F) {
	fuzzBody(f, "POST", "/api/v1/catalog/proposals", "dept_reviewer",
		`{"proposal":{"change":"create","code":"DS-0901","name":"企业用电数据","fields":["企业名称"],"open_attribute":"conditional","grade":2,"open_conditions":"沙箱","grounds":"第九条"}}`,
		`{"proposal":{"change":"retire","code":"DS-0001"}}`, `{"proposal":{"change":"modify","code":"DS-0100","fields":[""],"grade":-1}}`)
}

func FuzzCatalogRequestBody(f *testing.F) {
	fuzzBody(f, "POST", "/api/v1/catalog/requests", "applicant",
		`{"department":"samr","title":"请求开放企业用电数据","description":"用于信贷风控"}`, `{"department":"acme-fintech","title":"","description":""}`)
}

func FuzzObjectionBody(f *testing.F) {
	fuzzBody(f, "POST", "/api/v1/catalog/:code/objections", "applicant",
		`{"ground":"personal","description":"含手机号"}`, `{"ground":"taste","description":"x"}`, `{"ground":"","description":""}`)
}

// FuzzUseBody fuzzes a use of the data (数据调用) of an active
// authorization whose DS-0111 is used with its data subjects' consent
// (three accesses; DS-0100 needs none, DS-0102 was rejected): the
// accepted uses never exceed the consent, and a refused one writes
// nothing.
func FuzzUseBody(f *testing.F) {
	for _, s := range append([]string{
		`{"dataset":"DS-0111","matter":"核验贷款申请人的社保缴费记录"}`, `{"dataset":"DS-0100","matter":"授信评估"}`,
		`{"dataset":"DS-0111","matter":"营销获客"}`, `{"dataset":"DS-0102","matter":"m"}`, `{"dataset":"DS-9999","matter":"m"}`,
		`{"dataset":"","matter":""}`, `{"dataset":"DS-0111"}`, `{"dataset":["DS-0111"],"matter":{}}`,
	}, hostileSeeds...) {
		f.Add([]byte(s))
	}
	fe := newFuzzEnv(f)
	id := fe.activeWithConsent(3, "2026-12-31", "2026-12-31")
	target := fmt.Sprintf("/api/v1/applications/%d/uses", id)
	f.Fuzz(func(t *testing.T, body []byte) {
		fe.send(t, "POST", target, "applicant", body)
		if used, err := fe.st.ConsentUses(context.Background(), id, "2026-03-02"); err != nil || used[0].Used > 3 {
			t.Fatalf("after %q: consents %+v, %v", body, used, err)
		}
	})
}

func FuzzAdminUserBody(f *testing.F) {
	fuzzBody(f, "POST", "/api/v1/admin/users", "admin",
		`{"username":"new-user","display_name":"新用户","org":"samr","role":"dept_reviewer","password":"a-long-enough-password"}`,
		`{"username":"ADMIN","org":"nowhere","role":"god","password":"x"}`)
}

func FuzzAdminOrgBody(f *testing.F) {
	fuzzBody(f, "POST", "/api/v1/admin/orgs", "admin",
		`{"code":"newco","name":"新公司","kind":"applicant","credit_code":"91350100M000100Y43"}`,
		`{"code":"x","name":"y","kind":"applicant","credit_code":"000000000000000000"}`)
}

func FuzzAdminRoleBody(f *testing.F) {
	fuzzBody(f, "POST", "/api/v1/admin/roles", "admin",
		`{"username":"applicant2","role":"applicant","org":"kangming-medai"}`, `{"username":"applicant","role":"admin","org":"stbd"}`)
}

func FuzzAdminRevokeBody(f *testing.F) {
	fuzzBody(f, "POST", "/api/v1/admin/roles/revoke", "admin",
		`{"username":"applicant2","role":"applicant","org":"kangming-medai"}`, `{"username":"admin","role":"admin","org":"stbd"}`)
}

func FuzzHolidayBody(f *testing.F) {
	fuzzBody(f, "PUT", "/api/v1/calendar/holidays/:year", "admin",
		`{"year":2027,"off":["2027-01-01"],"work":["2027-02-06"]}`, `{"year":2027,"off":["2027-01-01"],"work":["2027-01-01"]}`,
		`{"year":2026,"off":[]}`, `{"year":2027,"off":["2027-02-30","../../x"]}`)
}

func FuzzChannelsBody(f *testing.F) {
	fuzzBody(f, "PUT", "/api/v1/me/channels", "applicant",
		`{"email":true,"email_address":"a@example.com","language":"en"}`,
		`{"webhook":true,"webhook_url":"http://127.0.0.1:22/","webhook_secret":"s"}`,
		`{"webhook_url":"file:///etc/passwd"}`, `{"email_address":"a@b\r\nBcc: x@y"}`, `{"language":"xx"}`)
}

// fuzzedBodies names the fuzz target of every route that reads a body;
// TestOversizedBodiesAre413 fails on a route that reads one and has none.
var fuzzedBodies = map[string]string{
	"POST /api/v1/session":                           "FuzzSessionBody",
	"POST /api/v1/tokens":                            "FuzzTokenBody",
	"PUT /api/v1/me/channels":                        "FuzzChannelsBody",
	"POST /api/v1/applications":                      "FuzzApplicationBody",
	"PUT /api/v1/applications/:id":                   "FuzzApplicationEditBody",
	"POST /api/v1/applications/:id/supplement":       "FuzzSupplementBody",
	"POST /api/v1/applications/:id/withdraw":         "FuzzActionBody",
	"POST /api/v1/applications/:id/exit-notice":      "FuzzActionBody",
	"POST /api/v1/applications/:id/evaluations":      "FuzzActionBody",
	"POST /api/v1/applications/:id/terminate":        "FuzzActionBody",
	"POST /api/v1/applications/:id/restriction/lift": "FuzzActionBody",
	"POST /api/v1/applications/:id/restrict":         "FuzzRestrictBody",
	"POST /api/v1/applications/:id/models":           "FuzzModelBody",
	"POST /api/v1/tasks/:id/decision":                "FuzzDecisionBody",
	"POST /api/v1/tasks/decisions":                   "FuzzDecisionsBody",
	"POST /api/v1/tasks/:id/transfer":                "FuzzTransferBody",
	"POST /api/v1/supervision/urges":                 "FuzzUrgeBody",
	"POST /api/v1/supervision/flags":                 "FuzzFlagBody",
	"POST /api/v1/applications/:id/copies":           "FuzzCopyBody",
	"POST /api/v1/applications/:id/uses":             "FuzzUseBody",
	"POST /api/v1/catalog/proposals":                 "FuzzProposalBody",
	"POST /api/v1/catalog/requests":                  "FuzzCatalogRequestBody",
	"POST /api/v1/catalog/:code/objections":          "FuzzObjectionBody",
	"POST /api/v1/admin/users":                       "FuzzAdminUserBody",
	"POST /api/v1/admin/orgs":                        "FuzzAdminOrgBody",
	"POST /api/v1/admin/roles":                       "FuzzAdminRoleBody",
	"POST /api/v1/admin/roles/revoke":                "FuzzAdminRevokeBody",
	"PUT /api/v1/calendar/holidays/:year":            "FuzzHolidayBody",
}
