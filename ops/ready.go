package ops

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Check is one dependency readiness depends on.
type Check struct {
	Name string
	Fn   func(ctx context.Context) error
}

// Readiness answers /readyz: 200 when every check passes, 503 naming
// those that fail, and 503 from the moment shutdown begins, so that a load
// balancer stops sending requests before the server stops taking them.
type Readiness struct {
	checks   []Check
	timeout  time.Duration
	draining atomic.Bool
}

// NewReadiness runs checks concurrently, each bounded by timeout.
func NewReadiness(timeout time.Duration, checks ...Check) *Readiness {
	return &Readiness{checks: checks, timeout: timeout}
}

// Drain marks the process as shutting down.
func (r *Readiness) Drain() { r.draining.Store(true) }

// Report is /readyz's body.
type Report struct {
	Status string            `json:"status"` // ok, unavailable or shutting_down
	Checks map[string]string `json:"checks"` // "ok" or the error
}

// Check runs every check.
func (r *Readiness) Check(ctx context.Context) Report {
	rep := Report{Status: "ok", Checks: map[string]string{}}
	if r.draining.Load() {
		rep.Status = "shutting_down"
	}
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, c := range r.checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := "ok"
			if err := c.Fn(ctx); err != nil {
				res = err.Error()
			}
			mu.Lock()
			defer mu.Unlock()
			rep.Checks[c.Name] = res
			if res != "ok" && rep.Status == "ok" {
				rep.Status = "unavailable"
			}
		}()
	}
	wg.Wait()
	return rep
}

// ServeHTTP answers GET /readyz.
func (r *Readiness) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	rep := r.Check(req.Context())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if rep.Status != "ok" {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(rep)
}

// Live answers /healthz for a process without the API (the worker): it
// serves, so it is alive.
func Live(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
}
