package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/api"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/ops"
	"github.com/datagate/datagate/store"
)

// An unexpected failure (here the database is gone) answers 500 with a
// message that says what to do, in the caller's language, and nothing of
// the cause: no SQL, no driver text. The cause is in the server's log,
// with the request ID the client can quote.
func TestInternalErrorIsLoggedNotSent(t *testing.T) {
	e := newEnv(t)
	tok := e.token("dept_reviewer")
	var logged bytes.Buffer
	e.srv.Log = slog.New(slog.NewJSONHandler(&logged, nil))
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "zh-CN"} {
		r := e.do("GET", "/api/v1/tasks", nil, func(req *http.Request) {
			req.Header.Set("Authorization", "Bearer "+tok)
			req.Header.Set("Accept-Language", lang)
		})
		if r.Status != http.StatusInternalServerError {
			t.Fatalf("%s: status %d: %s", lang, r.Status, r.Body)
		}
		var body struct {
			Error struct{ Code, Message, Hint string }
		}
		r.decode(t, &body)
		for _, leak := range []string{"sql", "database", "closed", "sqlite", "select"} {
			if strings.Contains(strings.ToLower(string(r.Body)), leak) {
				t.Errorf("%s: the answer leaks %q: %s", lang, leak, r.Body)
			}
		}
		want := map[string]string{"en": "the server failed on this request", "zh-CN": "服务器处理该请求时出错"}[lang]
		if body.Error.Code != "internal" || body.Error.Message != want || body.Error.Hint == "" {
			t.Errorf("%s: error %+v", lang, body.Error)
		}
	}
	var entry map[string]any
	line, _, _ := strings.Cut(logged.String(), "\n")
	if err := json.Unmarshal([]byte(line), &entry); err != nil {
		t.Fatalf("log %q: %v", logged.String(), err)
	}
	if msg, _ := entry["error"].(string); !strings.Contains(msg, "closed") || entry["path"] != "/api/v1/tasks" {
		t.Errorf("the log holds %v, want the cause and the route", entry)
	}
}

// Nothing internal reaches a client: a search too long for the database is
// refused as the caller's error, naming the field; a conflict the store
// reports speaks of the record, not of tables and internal IDs; a 5xx
// carries the request ID to quote, never the cause.
func TestNoInternalTextInAnswers(t *testing.T) {
	e := newEnv(t)
	e.srv.Middleware = []gin.HandlerFunc{ops.RequestIDMiddleware}
	e.http.Config.Handler = e.srv.Handler()
	r := e.do("GET", "/api/v1/catalog?q="+strings.Repeat("数", 50000), nil, "")
	var body struct{ Error api.Error }
	r.decode(t, &body)
	if r.Status != http.StatusBadRequest || body.Error.Field != "q" {
		t.Errorf("a 50,000-character search: %d %s", r.Status, r.Body)
	}
	if r := e.do("GET", "/api/v1/catalog?q="+strings.Repeat("数", 100), nil, ""); r.Status != http.StatusOK {
		t.Errorf("a 100-character search: %d %.200s", r.Status, r.Body)
	}
	// A draft submitted meanwhile: the edit meets the store's conflict.
	app := e.draft("acme-fintech", "applicant")
	if err := e.st.Apply(context.Background(), store.Change{App: &store.AppState{ID: app, Status: domain.StatusInitialReview}}); err != nil {
		t.Fatal(err)
	}
	r = e.do("PUT", fmt.Sprintf("/api/v1/applications/%d", app), map[string]any{"title": "新标题", "purpose": "授信评估",
		"period_months": 12, "access_mode": "sandbox", "datasets": []string{"DS-0100"}}, func(req *http.Request) {
		req.Header.Set("Authorization", "Bearer "+e.token("applicant"))
		req.Header.Set("Accept-Language", "en")
	})
	for _, leak := range []string{"update draft", "initial_review", ": conflict"} {
		if strings.Contains(string(r.Body), leak) {
			t.Errorf("the answer leaks %q: %s", leak, r.Body)
		}
	}
	if r.Status != http.StatusConflict || !strings.Contains(string(r.Body), "no longer a draft") {
		t.Errorf("an edit of a submitted draft: %d %s", r.Status, r.Body)
	}
	e.token("dept_reviewer")
	if err := e.st.Close(); err != nil {
		t.Fatal(err)
	}
	r = e.do("GET", "/api/v1/tasks", nil, "dept_reviewer")
	r.decode(t, &body)
	if r.Status != http.StatusInternalServerError || body.Error.RequestID == "" || body.Error.RequestID != r.Header.Get("X-Request-ID") {
		t.Errorf("a 500 without its request ID: %d %s (header %q)", r.Status, r.Body, r.Header.Get("X-Request-ID"))
	}
}
