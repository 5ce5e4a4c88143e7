package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// An Idempotency-Key held by a request whose process died is not held
// forever: after IdempotencyExpiry a retry takes it over, resumes from
// what the dead request noted, and the dead request can no longer write
// its answer over the new one's.
func TestIdempotencyKeyExpires(t *testing.T) {
	for _, s := range openTestStores(t) {
		t.Run(s.Dialect(), func(t *testing.T) {
			ctx := context.Background()
			// The MySQL test database keeps its keys between runs.
			key := fmt.Sprintf("k-%d", time.Now().UnixNano())
			const user, route = 7, "POST /api/v1/applications"
			t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

			dead, _, err := s.BeginIdempotent(ctx, user, key, route, t0)
			if err != nil || dead == nil {
				t.Fatalf("begin: %v, %v", dead, err)
			}
			if err := s.NoteIdempotent(ctx, dead, `{"application_id":41}`); err != nil {
				t.Fatal(err)
			}
			// While the request may still run, a retry is refused.
			if c, _, err := s.BeginIdempotent(ctx, user, key, route, t0.Add(IdempotencyExpiry-time.Second)); c != nil || !errors.Is(err, ErrConflict) {
				t.Fatalf("retry within the expiry: claim %v, error %v; want ErrConflict", c, err)
			}
			// After it, the retry takes the key over with the note.
			retry, _, err := s.BeginIdempotent(ctx, user, key, route, t0.Add(IdempotencyExpiry+time.Second))
			if err != nil || retry == nil {
				t.Fatalf("retry after the expiry: %v, %v", retry, err)
			}
			if retry.Resume != `{"application_id":41}` {
				t.Errorf("resume %q, want the dead request's note", retry.Resume)
			}
			// The taken-over request, should it wake, changes nothing.
			if err := s.FinishIdempotent(ctx, dead, 201, []byte(`{"stale":true}`)); !errors.Is(err, ErrConflict) {
				t.Errorf("the dead request's finish: %v, want ErrConflict", err)
			}
			if err := s.NoteIdempotent(ctx, dead, `{"application_id":42}`); !errors.Is(err, ErrConflict) {
				t.Errorf("the dead request's note: %v, want ErrConflict", err)
			}
			// A second retry at the same time finds it held anew.
			if c, _, err := s.BeginIdempotent(ctx, user, key, route, t0.Add(IdempotencyExpiry+2*time.Second)); c != nil || !errors.Is(err, ErrConflict) {
				t.Fatalf("second retry: claim %v, error %v; want ErrConflict", c, err)
			}
			if err := s.FinishIdempotent(ctx, retry, 201, []byte(`{"id":41}`)); err != nil {
				t.Fatal(err)
			}
			// From then on every retry gets that answer, until the key is purged.
			c, prev, err := s.BeginIdempotent(ctx, user, key, route, t0.Add(24*time.Hour))
			if err != nil || c != nil || prev.Status != 201 || prev.Body != `{"id":41}` {
				t.Errorf("replay: claim %v, %d %q, %v", c, prev.Status, prev.Body, err)
			}
			// Another route may not use the key, expired or not.
			if _, _, err := s.BeginIdempotent(ctx, user, key, "POST /api/v1/tokens", t0.Add(24*time.Hour)); !errors.Is(err, ErrConflict) {
				t.Errorf("another route: %v, want ErrConflict", err)
			}
			// A key held without a note is taken over fresh.
			key2 := key + "-2"
			if _, _, err := s.BeginIdempotent(ctx, user, key2, route, t0); err != nil {
				t.Fatal(err)
			}
			if c, _, err := s.BeginIdempotent(ctx, user, key2, route, t0.Add(time.Hour)); err != nil || c == nil || c.Resume != "" {
				t.Errorf("takeover without a note: %+v, %v", c, err)
			}
		})
	}
}

// A server-side failure frees its key, unless the request noted what it
// had done: then the key keeps the note and the retry resumes from it.
func TestIdempotencyKeyAfterServerFailure(t *testing.T) {
	for _, s := range openTestStores(t) {
		t.Run(s.Dialect(), func(t *testing.T) {
			ctx := context.Background()
			key := fmt.Sprintf("f-%d", time.Now().UnixNano())
			const user, route = 8, "POST /api/v1/applications"
			now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

			c, _, err := s.BeginIdempotent(ctx, user, key, route, now)
			if err != nil {
				t.Fatal(err)
			}
			if err := s.FinishIdempotent(ctx, c, 500, []byte(`{"error":{}}`)); err != nil {
				t.Fatal(err)
			}
			c, _, err = s.BeginIdempotent(ctx, user, key, route, now)
			if err != nil || c == nil || c.Resume != "" {
				t.Fatalf("after a 500 without a note: %+v, %v; want a fresh claim", c, err)
			}
			if err := s.NoteIdempotent(ctx, c, `{"application_id":5}`); err != nil {
				t.Fatal(err)
			}
			if err := s.FinishIdempotent(ctx, c, 503, []byte(`{"error":{}}`)); err != nil {
				t.Fatal(err)
			}
			retry, _, err := s.BeginIdempotent(ctx, user, key, route, now)
			if err != nil || retry == nil || retry.Resume != `{"application_id":5}` {
				t.Fatalf("after a 503 with a note: %+v, %v; want a claim resuming from the note", retry, err)
			}
			// Only one retry resumes at a time.
			if c, _, err := s.BeginIdempotent(ctx, user, key, route, now); c != nil || !errors.Is(err, ErrConflict) {
				t.Errorf("concurrent retry: %v, %v; want ErrConflict", c, err)
			}
			// The note outlives another failure.
			if err := s.FinishIdempotent(ctx, retry, 503, nil); err != nil {
				t.Fatal(err)
			}
			if again, _, err := s.BeginIdempotent(ctx, user, key, route, now); err != nil || again == nil || again.Resume != `{"application_id":5}` {
				t.Errorf("second retry: %+v, %v", again, err)
			}
		})
	}
}

// Keys older than the retention are forgotten: a retry with one then runs
// as a new request. Newer keys still replay.
func TestPurgeIdempotencyKeys(t *testing.T) {
	for _, s := range openTestStores(t) {
		t.Run(s.Dialect(), func(t *testing.T) {
			ctx := context.Background()
			key := fmt.Sprintf("purge-%d", time.Now().UnixNano())
			const user, route = 8, "POST /api/v1/applications"
			t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
			finish := func(k string, at time.Time, body string) {
				t.Helper()
				c, _, err := s.BeginIdempotent(ctx, user, k, route, at)
				if err != nil || c == nil {
					t.Fatalf("begin %s: %v, %v", k, c, err)
				}
				if err := s.FinishIdempotent(ctx, c, 201, []byte(body)); err != nil {
					t.Fatal(err)
				}
			}
			finish(key+"-old", t0, `{"id":1}`)
			finish(key+"-new", t0.Add(time.Hour), `{"id":2}`)

			n, err := s.PurgeIdempotencyKeys(ctx, t0.Add(time.Minute))
			if err != nil || n < 1 {
				t.Fatalf("purge: %d, %v; want the old key deleted", n, err)
			}
			later := t0.Add(IdempotencyRetention + 2*time.Hour)
			if c, _, err := s.BeginIdempotent(ctx, user, key+"-old", route, later); err != nil || c == nil {
				t.Errorf("the purged key: claim %v, %v; want a new request", c, err)
			}
			if c, prev, err := s.BeginIdempotent(ctx, user, key+"-new", route, later); err != nil || c != nil || prev.Body != `{"id":2}` {
				t.Errorf("the kept key: claim %v, %q, %v; want its answer replayed", c, prev.Body, err)
			}
		})
	}
}
