package main

import (
	"fmt"
	"net/http"
	"testing"
)

// TestRateLimitsInTheStack: the API that `datagate dev` and `serve` run
// applies DATAGATE_RATE_LIMIT per client address and per user, and takes
// the client's address from X-Forwarded-For only when the connection
// comes from one of DATAGATE_TRUSTED_PROXIES.
func TestRateLimitsInTheStack(t *testing.T) {
	// One request a minute on average, two at once: the third is refused
	// whatever the machine's speed.
	s, _ := startTestDev(t, env("DATAGATE_RATE_LIMIT", "1/m,2", "DATAGATE_TRUSTED_PROXIES", "127.0.0.1"))
	token := bearerToken(t, s, "applicant")
	get := func(path, from, bearer string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest("GET", "http://"+s.addr+path, nil)
		req.Header.Set("X-Forwarded-For", from)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	const due = "/api/v1/calendar/due?from=2026-03-02&days=1"
	for i, want := range []int{200, 200, 429} {
		if r := get(due, "203.0.113.1", ""); r.StatusCode != want {
			t.Fatalf("request %d from 203.0.113.1: %d, want %d", i+1, r.StatusCode, want)
		} else if want == 429 && r.Header.Get("Retry-After") != "60" {
			t.Errorf("429 with Retry-After %q, want 60", r.Header.Get("Retry-After"))
		}
	}
	// Another client behind the trusted proxy has its own allowance.
	if r := get(due, "203.0.113.2", ""); r.StatusCode != 200 {
		t.Errorf("another address behind the proxy: %d, want 200", r.StatusCode)
	}
	// A signed-in user is limited whatever address it comes from.
	for i, want := range []int{200, 200, 429} {
		if r := get("/api/v1/me", fmt.Sprintf("198.51.100.%d", i+1), token); r.StatusCode != want {
			t.Fatalf("request %d as applicant: %d, want %d", i+1, r.StatusCode, want)
		}
	}
}
