package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/datagate/datagate/embedded"
	"github.com/datagate/datagate/ops"
	"github.com/datagate/datagate/store"
)

// mysqlDSNEnv names the MySQL/MariaDB test database (see package store);
// CI sets it. This test empties it, holding the lock the store and
// identity tests take.
const mysqlDSNEnv = "DATAGATE_TEST_MYSQL_DSN"

const testDBLock = "datagate_test_db"

// TestProductionSplit runs the production shape: `datagate migrate`, then
// `datagate worker` and `datagate serve` as separate commands against an
// external Temporal server (an embedded one started on its own, whose
// namespace does not know DataGate's search attributes yet) and the
// MariaDB/MySQL test database (SQLite when DATAGATE_TEST_MYSQL_DSN is
// unset). It checks start-up refuses an unmigrated schema, bootstraps the
// admin from DATAGATE_ADMIN_PASSWORD, submits an application over HTTP,
// finds it through its search attributes, reads /readyz and /metrics on
// both processes, checks the JSON logs carry request IDs and no secret,
// and shuts both down as on SIGTERM.
func TestProductionSplit(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx := context.Background()
	dsn := os.Getenv(mysqlDSNEnv)
	if dsn == "" {
		dsn = "sqlite://" + filepath.Join(t.TempDir(), "datagate.db")
	} else {
		st, err := store.Open(dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		release, err := st.AdvisoryLock(ctx, testDBLock, 20*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		dropMySQLTables(t, dsn)
	}
	temporal, err := embedded.Start(embedded.Options{FrontendPort: freePort(t), Namespace: "datagate-prod"})
	if err != nil {
		t.Fatal(err)
	}
	defer temporal.Stop()

	const adminPassword = "correct-horse-battery-9"
	serveAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	workerAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	env := map[string]string{
		"DATAGATE_DB":               dsn,
		"DATAGATE_TEMPORAL_ADDRESS": temporal.Address(),
		"DATAGATE_NAMESPACE":        "datagate-prod",
		"DATAGATE_ADMIN_PASSWORD":   adminPassword,
		"DATAGATE_SHUTDOWN_TIMEOUT": "5s",
	}
	getenv := func(k string) string { return env[k] }

	// An unmigrated database stops serve with what to run.
	var out bytes.Buffer
	err = run(ctx, []string{"serve", "--http", serveAddr}, getenv, &out, io.Discard)
	if !errors.Is(err, store.ErrSchemaOutdated) || !strings.Contains(err.Error(), "datagate migrate") {
		t.Fatalf("serve on an empty database: %v; want a schema error naming `datagate migrate`", err)
	}
	if err := run(ctx, []string{"migrate"}, getenv, &out, io.Discard); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "applied 00001_initial.sql") {
		t.Errorf("migrate printed %q, want the applied migration", out.String())
	}

	var serveLog, workerLog syncBuffer
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 2)
	var running sync.WaitGroup
	// The worker first: on MySQL processes starting together take turns
	// (a named lock); SQLite has no lock between processes.
	for _, args := range [][]string{{"worker", "--http", workerAddr}, {"serve", "--http", serveAddr}} {
		if args[0] == "serve" {
			waitReady(t, "http://"+workerAddr, done)
		}
		log := &serveLog
		if args[0] == "worker" {
			log = &workerLog
		}
		running.Add(1)
		go func() {
			defer running.Done()
			if err := run(runCtx, args, getenv, io.Discard, log); err != nil {
				done <- fmt.Errorf("%s: %w", args[0], err)
			}
		}()
	}
	stopped := false
	shutdown := func() {
		if stopped {
			return
		}
		stopped = true
		stop()
		exited := make(chan struct{})
		go func() { running.Wait(); close(exited) }()
		select {
		case <-exited:
		case <-time.After(30 * time.Second):
			t.Fatal("not stopped 30 s after the signal")
		}
		for len(done) > 0 {
			t.Errorf("shutdown: %v", <-done)
		}
	}
	defer shutdown()

	// Both become ready: database, Temporal, and a worker polling.
	for _, addr := range []string{serveAddr, workerAddr} {
		waitReady(t, "http://"+addr, done)
	}

	c := &httpClient{t: t, base: "http://" + serveAddr}
	adminSession(t, c, adminPassword)
	user := fmt.Sprintf("applicant-%d", time.Now().UnixNano()%1e9)
	c.expect("POST", "/api/v1/admin/users", "admin", map[string]any{"username": user, "display_name": "申请人",
		"org": "acme-fintech", "role": "applicant", "password": "applicant-password-1"}, http.StatusCreated, nil)
	loginAs(t, c, user, "applicant-password-1")
	var created struct {
		Application struct{ ID uint64 } `json:"application"`
	}
	c.expect("POST", "/api/v1/applications", user, map[string]any{
		"title": "生产路径", "purpose": "授信", "period_months": 12, "access_mode": "sandbox",
		"datasets": []string{"DS-0100"}, "submit": true}, http.StatusCreated, &created)

	// Temporal's own tools find it by its search attributes.
	tc, err := client.Dial(client.Options{HostPort: temporal.Address(), Namespace: "datagate-prod"})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	query := fmt.Sprintf(`DataGateApplicationId = %d AND DataGateApplicantOrg = "acme-fintech" AND DataGateStep = "initial_review" AND DataGateOverdue = false`, created.Application.ID)
	if n := waitListed(t, tc, "datagate-prod", query); n != 1 {
		t.Errorf("%q lists %d workflows, want 1", query, n)
	}

	// A request ID sent is echoed; one not sent is made.
	req, _ := http.NewRequest("GET", c.base+"/api/v1/catalog?q=企业", nil)
	req.Header.Set("X-Request-ID", "trace-abc-123")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("X-Request-ID"); got != "trace-abc-123" {
		t.Errorf("X-Request-ID = %q, want it echoed", got)
	}

	// A request's metrics are recorded after its response is written, the
	// task gauges are read at most once per ops.TaskGaugeMaxAge (a scrape
	// before the task opened keeps its reading that long), the worker's
	// once its tasks ran: scrape until every one is there.
	scrapeUntil := func(who, url string, wants ...string) string {
		t.Helper()
		var body string
		missing := wants
		for deadline := time.Now().Add(ops.TaskGaugeMaxAge + 10*time.Second); len(missing) > 0 && time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			body = get(t, url)
			missing = slices.DeleteFunc(slices.Clone(wants), func(w string) bool { return strings.Contains(body, w) })
		}
		for _, want := range missing {
			t.Errorf("%s /metrics lacks %s", who, want)
		}
		return body
	}
	scrapeUntil("serve", c.base+"/metrics",
		`datagate_http_requests_total{code="201",method="POST",route="/api/v1/applications"} 1`,
		`datagate_http_request_duration_seconds_bucket{method="GET",route="/api/v1/catalog"`,
		`datagate_tasks{status="open"} `,
		`datagate_tasks_scrape_error 0`,
		`datagate_holiday_table_missing `,
		`temporal_request_total`)
	workerMetrics := scrapeUntil("worker", "http://"+workerAddr+"/metrics",
		`temporal_worker_task_slots_available`, `temporal_workflow_task_execution_latency_seconds_bucket`)
	if strings.Contains(workerMetrics, "datagate_tasks{") {
		t.Error("the worker exports the task gauges: one process per deployment should")
	}

	shutdown()
	logs := serveLog.String() + workerLog.String()
	for _, secret := range []string{adminPassword, "applicant-password-1", "datagate:datagate@"} {
		if strings.Contains(logs, secret) {
			t.Errorf("a log line contains the secret %q", secret)
		}
	}
	var sawRequest, sawStopped bool
	for _, line := range strings.Split(strings.TrimSpace(serveLog.String()), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Errorf("log line is not JSON: %s", line)
			continue
		}
		if rec["msg"] == "http request" && rec["route"] == "/api/v1/catalog" {
			sawRequest = rec["request_id"] == "trace-abc-123" && rec["status"] == 200.0
			if strings.Contains(line, "企业") || strings.Contains(line, "q=") {
				t.Errorf("the access log carries the query string: %s", line)
			}
		}
		if rec["msg"] == "stopped" {
			sawStopped = true
		}
	}
	if !sawRequest || !sawStopped {
		t.Errorf("serve's log lacks the catalog request with its ID (%t) or the stop (%t):\n%s", sawRequest, sawStopped, serveLog.String())
	}
}

// dropMySQLTables empties the test database: the test starts from an
// unmigrated schema.
func dropMySQLTables(t *testing.T, dsn string) {
	t.Helper()
	db, err := sql.Open("mysql", strings.TrimPrefix(dsn, "mysql://"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	rows, err := conn.QueryContext(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()")
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	if _, err := conn.ExecContext(ctx, "SET FOREIGN_KEY_CHECKS = 0"); err != nil {
		t.Fatal(err)
	}
	for _, name := range tables {
		if _, err := conn.ExecContext(ctx, "DROP TABLE `"+name+"`"); err != nil {
			t.Fatal(err)
		}
	}
}

func waitReady(t *testing.T, base string, done chan error) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("a process exited during start-up: %v", err)
		default:
		}
		if resp, err := http.Get(base + "/readyz"); err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			last = string(b)
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("%s/readyz not 200 within 60 s: %s", base, last)
}

func adminSession(t *testing.T, c *httpClient, password string) { loginAs(t, c, "admin", password) }

// loginAs signs a user in with a password and keeps the session.
func loginAs(t *testing.T, c *httpClient, user, password string) {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"username": user, "password": password})
	resp, err := http.Post(c.base+"/api/v1/session", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		CSRF         string `json:"csrf_token"`
		SecondFactor string `json:"second_factor"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("sign in %s: %d %v", user, resp.StatusCode, err)
	}
	s := session{csrf: body.CSRF}
	for _, ck := range resp.Cookies() {
		if ck.Name == "dg_session" {
			s.cookie = ck
		}
	}
	if body.SecondFactor == "enrol" {
		// serve requires a second factor of the admin: set it up, as a
		// person would with an authenticator app.
		s = enrolSecondFactor(t, c, s)
	}
	if c.sessions == nil {
		c.sessions = map[string]session{}
	}
	c.sessions[user] = s
}

// enrolSecondFactor sets up TOTP in a session that must, and returns the
// session that replaced it.
func enrolSecondFactor(t *testing.T, c *httpClient, s session) session {
	t.Helper()
	post := func(path string, body any, out any) *http.Response {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", c.base+path, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", s.csrf)
		req.AddCookie(s.cookie)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil || resp.StatusCode >= 300 {
			t.Fatalf("POST %s: %d %v", path, resp.StatusCode, err)
		}
		return resp
	}
	var begun struct{ Secret string }
	post("/api/v1/me/totp", map[string]any{}, &begun)
	code, err := totp.GenerateCode(begun.Secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var confirmed struct {
		CSRF  string   `json:"csrf_token"`
		Codes []string `json:"recovery_codes"`
	}
	resp := post("/api/v1/me/totp/confirm", map[string]string{"code": code}, &confirmed)
	out := session{csrf: confirmed.CSRF}
	for _, ck := range resp.Cookies() {
		if ck.Name == "dg_session" {
			out.cookie = ck
		}
	}
	if out.cookie == nil || len(confirmed.Codes) != 10 {
		t.Fatalf("second factor confirmed without a new session or 10 recovery codes: %+v", confirmed)
	}
	return out
}

// waitListed counts the workflows a visibility query lists, waiting for
// visibility to catch up.
func waitListed(t *testing.T, c client.Client, namespace, query string) int {
	t.Helper()
	var n int
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		resp, err := c.ListWorkflow(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{Namespace: namespace, Query: query})
		if err != nil {
			t.Fatalf("list %q: %v", query, err)
		}
		if n = len(resp.GetExecutions()); n > 0 {
			return n
		}
	}
	return n
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	return string(b)
}

// syncBuffer is a log destination two goroutines may write.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
