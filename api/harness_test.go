package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/datagate/datagate/api"
	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/files"
	"github.com/datagate/datagate/httpctx"
	"github.com/datagate/datagate/identity"
	"github.com/datagate/datagate/internal/demo"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/workflows"
)

// env is the API over a real SQLite store, the real casbin enforcer and the
// real identity service, with the demo users and no Temporal: the requests
// these tests send are decided before any workflow is reached.
type env struct {
	t      testing.TB
	st     *store.Store
	srv    *api.Server
	http   *httptest.Server
	clock  *clock
	tokens map[string]string // username -> bearer token
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func newEnv(t testing.TB) *env {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open("sqlite://" + filepath.Join(t.TempDir(), "dg.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	_, enf, err := demo.Prepare(ctx, st)
	if err != nil {
		t.Fatal(err)
	}
	cal, err := calendar.Default()
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, calendar.Zone)}
	srv := &api.Server{Deps: &httpctx.Deps{Store: st, Calendar: cal, RBAC: enf, Now: clk.Now},
		Auth:      &identity.Service{Store: st, Now: clk.Now},
		Orgs:      workflows.Orgs{BigDataCenter: "bdc", Bureau: "stbd", Operator: "gdo"},
		Deadlines: workflows.DefaultDeadlines(),
		Files:     files.NewDir(t.TempDir()), AttachmentLimits: api.DefaultAttachmentLimits()}
	e := &env{t: t, st: st, srv: srv, http: httptest.NewServer(srv.Handler()), clock: clk, tokens: map[string]string{}}
	t.Cleanup(e.http.Close)
	return e
}

// token signs a user in once and returns a bearer token for them.
func (e *env) token(username string) string {
	e.t.Helper()
	if tok, ok := e.tokens[username]; ok {
		return tok
	}
	u, err := e.st.UserByName(context.Background(), username)
	if err != nil {
		e.t.Fatal(err)
	}
	tok, _, err := e.srv.Auth.CreateToken(context.Background(), u.ID, "test", 24*time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	e.tokens[username] = tok
	return tok
}

type response struct {
	Status int
	Body   []byte
	Header http.Header
}

func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// do sends a request; auth is a username (bearer token), "" for anonymous,
// or a func that decorates the request.
func (e *env) do(method, path string, body any, auth any) response {
	e.t.Helper()
	var rd io.Reader
	contentType := "application/json"
	switch b := body.(type) {
	case nil:
	case multipartBody:
		var buf bytes.Buffer
		contentType = b.encode(&buf)
		rd = &buf
	case string:
		rd = bytes.NewBufferString(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, e.http.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", contentType)
	switch a := auth.(type) {
	case string:
		if a != "" {
			req.Header.Set("Authorization", "Bearer "+e.token(a))
		}
	case func(*http.Request):
		a(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, data, resp.Header}
}

// multipartBody is an upload: its form fields and one file.
type multipartBody struct {
	fields   map[string]string
	filename string
	content  []byte
}

// encode writes the form and returns its Content-Type.
func (m multipartBody) encode(w io.Writer) string {
	mw := multipart.NewWriter(w)
	for k, v := range m.fields {
		mw.WriteField(k, v)
	}
	if m.content != nil {
		f, _ := mw.CreateFormFile("file", m.filename)
		f.Write(m.content)
	}
	mw.Close()
	return mw.FormDataContentType()
}

// instance is the form as the OpenAPI schema sees it.
func (m multipartBody) instance() any {
	out := map[string]any{}
	for k, v := range m.fields {
		out[k] = v
	}
	if m.content != nil {
		out["file"] = string(m.content)
	}
	return out
}

// attach is an upload of one file of kind (and task, if not "").
func attach(kind, task, filename string, content []byte) multipartBody {
	f := map[string]string{"kind": kind}
	if task != "" {
		f["task_id"] = task
	}
	return multipartBody{fields: f, filename: filename, content: content}
}

// counts snapshots every table's row count.
func (e *env) counts() map[string]int64 {
	e.t.Helper()
	c, err := e.st.RowCounts(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// draft creates a draft application for an applicant user directly.
func (e *env) draft(org, username string) uint64 {
	e.t.Helper()
	a := &store.Application{ApplicantOrg: org, ApplicantUser: username, Title: "场景", Purpose: "p",
		PeriodMonths: 12, AccessMode: store.AccessSandbox,
		Datasets: []store.ApplicationDataset{{DatasetCode: "DS-0100"}, {DatasetCode: "DS-0102"}}}
	if err := e.st.CreateApplication(context.Background(), a); err != nil {
		e.t.Fatal(err)
	}
	return a.ID
}

// openTask writes an open task, as a workflow would, for org on application appID.
func (e *env) openTask(appID uint64, kind, org string) string {
	e.t.Helper()
	id := workflows.ApplicationWorkflowID(appID) + "-t" + kind + "-" + org
	err := e.st.Apply(context.Background(), store.Change{Tasks: []store.Task{{
		ID: id, ApplicationID: appID, WorkflowID: workflows.ApplicationWorkflowID(appID), Kind: kind,
		Department: org, Status: domain.TaskOpen, Round: 1, OpenedAt: e.clock.Now(), DueAt: e.clock.Now().Add(72 * time.Hour),
	}}})
	if err != nil {
		e.t.Fatal(err)
	}
	return id
}
