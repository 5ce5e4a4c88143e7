package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

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
// store.IdempotencyExpiry the next request with it runs.
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
	if r := e.sendWithKey("applicant", "k-dead", "/api/v1/applications", appBody(nil)); r.Status != http.StatusConflict {
		t.Fatalf("while the key may still be in use: %d %s, want 409", r.Status, r.Body)
	}
	e.clock.Add(store.IdempotencyExpiry + time.Second)
	if r := e.sendWithKey("applicant", "k-dead", "/api/v1/applications", appBody(nil)); r.Status != http.StatusCreated {
		t.Fatalf("after the expiry: %d %s, want 201", r.Status, r.Body)
	}
}
