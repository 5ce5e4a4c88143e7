package ops

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
)

// A secret-named attribute is redacted wherever it is (record, logger,
// group), and a record logged with a request's context names its ID.
func TestLoggerRedactsAndCarriesRequestID(t *testing.T) {
	var buf bytes.Buffer
	log := NewLogger(&buf, slog.LevelInfo).With("db_dsn", "mysql://u:p@tcp(h)/d")
	ctx := WithRequestID(context.Background(), "req-1")
	log.InfoContext(ctx, "hello", "password", "hunter2", "user", "alice",
		slog.Group("auth", "api_token", "dg_abc", "method", "bearer"), "Authorization", "Bearer x", "csrf_token", "t")
	line := buf.String()
	for _, secret := range []string{"hunter2", "dg_abc", "Bearer x", "u:p@"} {
		if strings.Contains(line, secret) {
			t.Errorf("log line leaks %q: %s", secret, line)
		}
	}
	var rec map[string]any
	if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
		t.Fatal(err)
	}
	if rec["request_id"] != "req-1" || rec["user"] != "alice" || rec["password"] != "[redacted]" {
		t.Errorf("record = %v", rec)
	}
	if auth, _ := rec["auth"].(map[string]any); auth["method"] != "bearer" || auth["api_token"] != "[redacted]" {
		t.Errorf("group = %v", rec["auth"])
	}
}

// A plain client request ID is kept; anything else is replaced.
func TestRequestIDMiddleware(t *testing.T) {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	var seen string
	r.Use(RequestIDMiddleware)
	r.GET("/x", func(c *gin.Context) { seen = RequestID(c.Request.Context()) })
	for _, tc := range []struct {
		sent string
		keep bool
	}{
		{"abc-123", true}, {"", false}, {"has space", false}, {"new\nline", false}, {strings.Repeat("a", 65), false},
	} {
		req := httptest.NewRequest("GET", "/x", nil)
		if tc.sent != "" {
			req.Header.Set(RequestIDHeader, tc.sent)
		}
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		got := w.Header().Get(RequestIDHeader)
		if got != seen || got == "" || (got == tc.sent) != tc.keep {
			t.Errorf("sent %q: header %q, context %q", tc.sent, got, seen)
		}
	}
}

// Readiness names the failing check and turns 503 when draining.
func TestReadiness(t *testing.T) {
	fail := errors.New("connection refused")
	r := NewReadiness(time.Second,
		Check{Name: "database", Fn: func(context.Context) error { return nil }},
		Check{Name: "temporal", Fn: func(context.Context) error { return fail }})
	get := func() (int, Report) {
		w := httptest.NewRecorder()
		r.ServeHTTP(w, httptest.NewRequest("GET", "/readyz", nil))
		var rep Report
		_ = json.Unmarshal(w.Body.Bytes(), &rep)
		return w.Code, rep
	}
	if code, rep := get(); code != http.StatusServiceUnavailable || rep.Status != "unavailable" ||
		rep.Checks["database"] != "ok" || rep.Checks["temporal"] != "connection refused" {
		t.Errorf("%d %+v", code, rep)
	}
	fail = nil
	r.checks[1].Fn = func(context.Context) error { return nil }
	if code, rep := get(); code != http.StatusOK || rep.Status != "ok" {
		t.Errorf("%d %+v", code, rep)
	}
	r.Drain()
	if code, rep := get(); code != http.StatusServiceUnavailable || rep.Status != "shutting_down" {
		t.Errorf("draining: %d %+v", code, rep)
	}
}

type fakeTasks struct {
	err   error
	reads int
}

func (f *fakeTasks) TaskCounts(context.Context) (map[string]int64, error) {
	f.reads++
	return map[string]int64{"open": 3, "done": 5}, f.err
}

func (f *fakeTasks) OverdueByDepartment(context.Context, time.Time) (map[string]int64, error) {
	return map[string]int64{"gsa": 2}, nil
}

// The database is read at most once per TaskGaugeMaxAge; a failed read
// keeps the last gauges and says so.
func TestTaskGaugesAreCached(t *testing.T) {
	src := &fakeTasks{}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	c := &taskCollector{src: src, log: NewLogger(&bytes.Buffer{}, slog.LevelInfo), now: func() time.Time { return now }}
	for i := 0; i < 3; i++ {
		c.read()
	}
	if src.reads != 1 {
		t.Errorf("%d reads in one interval, want 1", src.reads)
	}
	now = now.Add(TaskGaugeMaxAge)
	src.err = errors.New("database down")
	counts, _, failed := c.read()
	if src.reads != 2 || !failed || counts["open"] != 3 {
		t.Errorf("after a failed read: reads %d, failed %t, counts %v", src.reads, failed, counts)
	}
}

// The HTTP metrics are labelled by route template; the task gauges come
// from the source at each scrape, and a failed read is itself a metric.
func TestMetrics(t *testing.T) {
	m, err := NewMetrics()
	if err != nil {
		t.Fatal(err)
	}
	var logBuf bytes.Buffer
	log := NewLogger(&logBuf, slog.LevelInfo)
	if err := m.AddTasks(&fakeTasks{}, log); err != nil {
		t.Fatal(err)
	}
	if err := m.AddHolidayTables(func() (int, bool) { return 2027, true }); err != nil {
		t.Fatal(err)
	}
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(m.Middleware(log)...)
	r.GET("/api/v1/applications/:id", func(c *gin.Context) { c.Status(http.StatusNotFound) })
	for _, path := range []string{"/api/v1/applications/1", "/api/v1/applications/2", "/nowhere?q=secret"} {
		r.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
	}
	w := httptest.NewRecorder()
	m.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	body := w.Body.String()
	for _, want := range []string{
		`datagate_http_requests_total{code="404",method="GET",route="/api/v1/applications/:id"} 2`,
		`datagate_http_requests_total{code="404",method="GET",route="unmatched"} 1`,
		`datagate_tasks{status="open"} 3`, `datagate_tasks_overdue{department="gsa"} 2`, `datagate_tasks_scrape_error 0`,
		"datagate_holiday_table_missing 1", "datagate_holiday_table_missing_year 2027",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
	if strings.Contains(logBuf.String(), "secret") || !strings.Contains(logBuf.String(), `"route":"/api/v1/applications/:id"`) {
		t.Errorf("access log: %s", logBuf.String())
	}
}
