package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strconv"
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
	"github.com/datagate/datagate/web"
	"github.com/datagate/datagate/workflows"
)

// env is the API with the web's pages over a real SQLite store, the real
// casbin enforcer and identity service, and the demo users; no Temporal:
// applications and tasks are written to the store as a workflow would.
type env struct {
	t     testing.TB
	st    *store.Store
	srv   *api.Server
	http  *httptest.Server
	clock *clock
}

type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

func newEnv(t testing.TB, opts ...web.Option) *env {
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
	deps := &httpctx.Deps{Store: st, Calendar: cal, RBAC: enf, Now: clk.Now}
	srv := &api.Server{Deps: deps,
		Auth:      &identity.Service{Store: st, Now: clk.Now},
		Orgs:      workflows.Orgs{BigDataCenter: "bdc", Bureau: "stbd", Operator: "gdo"},
		Deadlines: workflows.DefaultDeadlines(),
		Files:     files.NewDir(t.TempDir()), AttachmentLimits: api.DefaultAttachmentLimits()}
	srv.Pages = web.New(deps, opts...).Pages()
	e := &env{t: t, st: st, srv: srv, http: httptest.NewServer(srv.Handler()), clock: clk}
	t.Cleanup(e.http.Close)
	return e
}

// client is a browser-like client: it keeps cookies (by name, whatever
// their expiry: the test clock is not the wall clock) and follows no
// redirect.
type client struct {
	e       *env
	http    *http.Client
	cookies map[string]*http.Cookie
	csrf    string
	lang    string
}

func (c *client) do(req *http.Request) page {
	c.e.t.Helper()
	for _, ck := range c.cookies {
		req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	if c.lang != "" {
		req.Header.Set("Accept-Language", c.lang)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck
		}
	}
	b, _ := io.ReadAll(resp.Body)
	return page{resp.StatusCode, string(b), resp.Header}
}

// as signs username in through the API (anonymous for "").
func (e *env) as(username string) *client {
	e.t.Helper()
	c := &client{e: e, cookies: map[string]*http.Cookie{}, http: &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
	if username == "" {
		return c
	}
	p := c.post("/api/v1/session", map[string]string{"username": username, "password": identity.DemoPassword})
	var out struct {
		CSRF string `json:"csrf_token"`
	}
	if err := json.Unmarshal([]byte(p.Body), &out); err != nil || p.Status != http.StatusOK {
		e.t.Fatalf("sign in %s: %d %v", username, p.Status, err)
	}
	c.csrf = out.CSRF
	return c
}

type page struct {
	Status int
	Body   string
	Header http.Header
}

func (c *client) get(path string) page {
	c.e.t.Helper()
	req, _ := http.NewRequest("GET", c.e.http.URL+path, nil)
	return c.do(req)
}

// post sends JSON to the API as the signed-in user, with the CSRF token.
func (c *client) post(path string, body any) page {
	c.e.t.Helper()
	raw, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", c.e.http.URL+path, bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/json")
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	return c.do(req)
}

// application writes an application as its workflow would have: submitted,
// in the given status, with its datasets.
func (e *env) application(org, user, title, status string, datasets ...string) store.Application {
	e.t.Helper()
	ctx := context.Background()
	a := &store.Application{ApplicantOrg: org, ApplicantUser: user, Title: title, Purpose: "授信评估",
		PeriodMonths: 24, AccessMode: store.AccessSandbox}
	for _, d := range datasets {
		a.Datasets = append(a.Datasets, store.ApplicationDataset{DatasetCode: d})
	}
	if err := e.st.CreateApplication(ctx, a); err != nil {
		e.t.Fatal(err)
	}
	if status != domain.StatusDraft {
		if err := e.st.MarkSubmitted(ctx, a.ID, workflows.ApplicationWorkflowID(a.ID), e.clock.Now()); err != nil {
			e.t.Fatal(err)
		}
		if err := e.st.Apply(ctx, store.Change{App: &store.AppState{ID: a.ID, Status: status}}); err != nil {
			e.t.Fatal(err)
		}
	}
	got, err := e.st.Application(ctx, a.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

// task writes a task for org on application a, opened at opened and due
// at due.
func (e *env) task(a store.Application, n int, kind, org string, opened, due time.Time) store.Task {
	e.t.Helper()
	wf := workflows.ApplicationWorkflowID(a.ID)
	t := store.Task{ID: wf + "-t" + strconv.Itoa(n), ApplicationID: a.ID, WorkflowID: wf, Kind: kind, Round: 1,
		Department: org, Status: domain.TaskOpen, OpenedAt: opened, DueAt: due}
	if err := e.st.Apply(context.Background(), store.Change{Tasks: []store.Task{t}}); err != nil {
		e.t.Fatal(err)
	}
	return t
}

// decide writes a task as decided.
func (e *env) decide(t store.Task, decision, reason, basis string, at time.Time) store.Task {
	e.t.Helper()
	t.Status, t.Decision, t.Reason, t.Basis, t.DecidedAt, t.ActorUser = domain.TaskDone, decision, reason, basis, &at, "someone"
	if err := e.st.Apply(context.Background(), store.Change{Tasks: []store.Task{t}}); err != nil {
		e.t.Fatal(err)
	}
	return t
}
