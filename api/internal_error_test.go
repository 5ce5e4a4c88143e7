package api_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"testing"
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
