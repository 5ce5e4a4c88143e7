package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// sendWithKey posts body as user with an Idempotency-Key.
func (e *env) sendWithKey(user, key, path string, body any) response {
	e.t.Helper()
	return e.do("POST", path, body, func(r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+e.token(user))
		r.Header.Set("Idempotency-Key", key)
		r.Header.Set("Accept-Language", "en")
	})
}

// An API process that dies between taking an Idempotency-Key and storing
// its answer does not leave the key refused forever: after
// store.IdempotencyExpiry the next request with it runs, and when the dead
// request had saved its draft, that draft is the answer, not a second one.
func TestIdempotencyKeyOfADeadRequestExpires(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	u, err := e.st.UserByName(ctx, "applicant")
	if err != nil {
		t.Fatal(err)
	}
	const route = "POST /api/v1/applications"
	// A request takes the key, and its process dies.
	if _, _, err := e.st.BeginIdempotent(ctx, u.ID, "k-dead", route, e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	// A client retries on this answer (cmd/datagate's fault tests do): it
	// says the first request is still in progress, names the header, and
	// says when to retry.
	r := e.sendWithKey("applicant", "k-dead", "/api/v1/applications", appBody(nil))
	if r.Status != http.StatusConflict || !strings.Contains(string(r.Body), "still in progress") ||
		!strings.Contains(string(r.Body), `"field":"Idempotency-Key"`) || r.Header.Get("Retry-After") == "" {
		t.Fatalf("while the key may still be in use: %d %s (Retry-After %q), want 409 saying it is still in progress",
			r.Status, r.Body, r.Header.Get("Retry-After"))
	}
	if r := e.sendWithKey("applicant", "k-dead", "/api/v1/tokens", map[string]any{"name": "x"}); r.Status != http.StatusConflict ||
		!strings.Contains(string(r.Body), "another request") {
		t.Errorf("the key on another route: %d %s, want 409 saying it was used on another request", r.Status, r.Body)
	}
	e.clock.Add(store.IdempotencyExpiry + time.Second)
	if r := e.sendWithKey("applicant", "k-dead", "/api/v1/applications", appBody(nil)); r.Status != http.StatusCreated {
		t.Fatalf("after the expiry: %d %s, want 201", r.Status, r.Body)
	}

	// This one died after saving its draft (and noting it on the key).
	claim, _, err := e.st.BeginIdempotent(ctx, u.ID, "k-dead-2", route, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	saved := e.draft("acme-fintech", "applicant")
	if err := e.st.NoteIdempotent(ctx, claim, `{"application_id":`+jsonNumber(saved)+`}`); err != nil {
		t.Fatal(err)
	}
	before := e.counts()
	e.clock.Add(store.IdempotencyExpiry + time.Second)
	r = e.sendWithKey("applicant", "k-dead-2", "/api/v1/applications", appBody(nil))
	var got struct{ Application store.Application }
	r.decode(t, &got)
	if r.Status != http.StatusCreated || got.Application.ID != saved {
		t.Errorf("retry of the dead request: %d, application %d; want 201 with the saved draft %d", r.Status, got.Application.ID, saved)
	}
	if after := e.counts(); after["applications"] != before["applications"] {
		t.Errorf("applications %d -> %d: the retry created another", before["applications"], after["applications"])
	}
}

func jsonNumber(id uint64) string {
	b, _ := json.Marshal(id)
	return string(b)
}

// POST /applications with submit while the workflow service cannot be
// reached: the draft is saved and the answer (503, Retry-After) says which
// it is; a retry with the same Idempotency-Key goes on with that draft
// and creates no other. (cmd/datagate's TestSubmitWhileTemporalIsDown
// retries once the server is back, and gets 201.)
func TestCreateAndSubmitWithTemporalUnreachable(t *testing.T) {
	e := newEnv(t)
	// Nothing listens on this port.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	tc, err := client.NewLazyClient(client.Options{HostPort: addr,
		Logger: sdklog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	e.srv.Temporal = tc

	chk := &oaCheck{t: t, e: e, d: loadOpenAPI(t), exercised: map[string][]int{}}
	withKey := func(r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+e.token("applicant"))
		r.Header.Set("Idempotency-Key", "k-down")
		r.Header.Set("Accept-Language", "en")
	}
	body := appBody(map[string]any{"submit": true})
	type pending struct {
		Error struct{ Code, Message, Hint string }
		ID    uint64 `json:"application_id"`
	}
	var ids []uint64
	for attempt := range 2 {
		r := chk.send("temporal unreachable", "POST", "/api/v1/applications", body, withKey, http.StatusServiceUnavailable, false)
		var p pending
		r.decode(t, &p)
		if p.Error.Code != "unavailable" || p.ID == 0 || r.Header.Get("Retry-After") == "" ||
			!strings.Contains(p.Error.Message, "saved as a draft") || !strings.Contains(p.Error.Hint, "same Idempotency-Key") {
			t.Fatalf("attempt %d: %d %s (Retry-After %q)", attempt+1, r.Status, r.Body, r.Header.Get("Retry-After"))
		}
		if r.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("attempt %d: the 503 was replayed, not retried", attempt+1)
		}
		ids = append(ids, p.ID)
	}
	if ids[0] != ids[1] {
		t.Errorf("the retry answered application %d, the first %d: a second draft", ids[1], ids[0])
	}
	var list struct{ Applications []store.Application }
	e.do("GET", "/api/v1/applications", nil, "applicant").decode(t, &list)
	if len(list.Applications) != 1 || list.Applications[0].ID != ids[0] || list.Applications[0].Status != domain.StatusDraft {
		t.Errorf("applications after two attempts: %+v; want the one draft %d", list.Applications, ids[0])
	}
	// Submitting the draft by itself: 503 with Retry-After, and it stays
	// a draft to submit later.
	sub := chk.send("temporal unreachable", "POST", fmt.Sprintf("/api/v1/applications/%d/submit", ids[0]), nil, func(r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+e.token("applicant"))
		r.Header.Set("Accept-Language", "en")
	}, http.StatusServiceUnavailable, false)
	var se struct{ Error struct{ Code, Hint string } }
	sub.decode(t, &se)
	if se.Error.Code != "unavailable" || sub.Header.Get("Retry-After") == "" || !strings.Contains(se.Error.Hint, "retry") {
		t.Errorf("submit with the workflow service unreachable: %d %s (Retry-After %q)", sub.Status, sub.Body, sub.Header.Get("Retry-After"))
	}
	e.do("GET", "/api/v1/applications", nil, "applicant").decode(t, &list)
	if len(list.Applications) != 1 || list.Applications[0].Status != domain.StatusDraft {
		t.Errorf("after the failed submit: %+v; want the one draft %d", list.Applications, ids[0])
	}
	// In Chinese too.
	r := e.do("POST", "/api/v1/applications", body, func(r *http.Request) {
		r.Header.Set("Authorization", "Bearer "+e.token("applicant"))
		r.Header.Set("Idempotency-Key", "k-down")
	})
	if r.Status != http.StatusServiceUnavailable || !strings.Contains(string(r.Body), "已保存为草稿") {
		t.Errorf("zh-CN: %d %s", r.Status, r.Body)
	}
}
