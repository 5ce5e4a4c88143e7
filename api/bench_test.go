package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/datagate/datagate/rbac"
)

// BenchmarkAuthorizedRequest serves GET /api/v1/tasks for a reviewer with a
// bearer token, in-process (token lookup, casbin gate, inbox query, JSON),
// and reports beside it what one Enforce costs and its share of the
// request.
func BenchmarkAuthorizedRequest(b *testing.B) {
	t := &testing.T{}
	e := newEnv(t)
	h := e.srv.Handler()
	token := e.token("reviewer-gsa")
	req := httptest.NewRequest("GET", "/api/v1/tasks", nil)
	req.Header.Set("Authorization", "Bearer "+token)

	b.ResetTimer()
	start := time.Now()
	for b.Loop() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
	}
	perRequest := float64(time.Since(start).Nanoseconds()) / float64(b.N)

	const n = 20000
	t0 := time.Now()
	for range n {
		if ok, err := e.srv.RBAC.Allow("reviewer-gsa", "gsa", rbac.TaskRead); !ok || err != nil {
			b.Fatal("reviewer-gsa may read tasks")
		}
	}
	perEnforce := float64(time.Since(t0).Nanoseconds()) / n
	b.ReportMetric(perEnforce, "enforce-ns")
	b.ReportMetric(100*perEnforce/perRequest, "enforce-%")
}
