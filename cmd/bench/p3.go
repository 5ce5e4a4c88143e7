package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/datagate/datagate/identity"
	"github.com/datagate/datagate/workflows"
)

// rawServer is P3's anchor: net/http and database/sql, no framework, on
// the same database, running the statements DataGate runs for the same
// request (the bearer token's row, its user's row, then the endpoint's
// queries) and writing the rows as JSON.
type rawServer struct {
	db  *sql.DB
	srv *http.Server
	url string
}

func startRawServer(dsn string) (*rawServer, error) {
	driver, source := rawDSN(dsn)
	db, err := sql.Open(driver, source)
	if err != nil {
		return nil, err
	}
	if driver == "sqlite" {
		db.SetMaxOpenConns(1) // as store.Open does
	} else {
		db.SetMaxOpenConns(20)
		db.SetMaxIdleConns(10)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		db.Close()
		return nil, err
	}
	r := &rawServer{db: db, url: "http://" + ln.Addr().String()}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /inbox", r.inbox)
	mux.HandleFunc("GET /applications/{id}", r.application)
	r.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = r.srv.Serve(ln) }()
	return r, nil
}

func (r *rawServer) close() {
	_ = r.srv.Close()
	_ = r.db.Close()
}

// user checks the bearer token as identity.Service.TokenUser does: the
// token's row by hash, then its user's row.
func (r *rawServer) user(req *http.Request) (org string, err error) {
	bearer, ok := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return "", errors.New("no bearer token")
	}
	tok, err := r.rows(req.Context(), "SELECT * FROM `api_tokens` WHERE hash = ? LIMIT 1", identity.HashSecret(bearer))
	if err != nil || len(tok) != 1 {
		return "", fmt.Errorf("unknown token: %v", err)
	}
	u, err := r.rows(req.Context(), "SELECT * FROM `users` WHERE `id` = ? LIMIT 1", tok[0]["user_id"])
	if err != nil || len(u) != 1 {
		return "", fmt.Errorf("unknown user: %v", err)
	}
	org, _ = u[0]["org_code"].(string)
	return org, nil
}

func (r *rawServer) inbox(w http.ResponseWriter, req *http.Request) {
	org, err := r.user(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	tasks, err := r.rows(req.Context(), "SELECT * FROM `tasks` WHERE department = ? AND status = ? ORDER BY `due_at`,`id` LIMIT 50", org, "open")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	writeJSON(w, map[string]any{"tasks": tasks})
}

func (r *rawServer) application(w http.ResponseWriter, req *http.Request) {
	if _, err := r.user(req); err != nil {
		http.Error(w, err.Error(), http.StatusUnauthorized)
		return
	}
	id, err := strconv.ParseUint(req.PathValue("id"), 10, 64)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	ctx := req.Context()
	var n int64
	if err := r.db.QueryRowContext(ctx, "SELECT count(*) FROM `applications` WHERE id = ? AND status <> ?", id, "draft").Scan(&n); err != nil || n == 0 {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	out := map[string]any{}
	for _, q := range []struct{ key, sql string }{
		{"application", "SELECT * FROM `applications` WHERE id = ? LIMIT 1"},
		{"datasets", "SELECT * FROM `application_datasets` WHERE `application_datasets`.`application_id` = ? ORDER BY dataset_code"},
		{"timeline", "SELECT * FROM `tasks` WHERE application_id = ? ORDER BY opened_at,id"},
		{"audit", "SELECT * FROM `audit_log` WHERE application_id = ? ORDER BY `at`,`id`"},
		{"agreements", "SELECT * FROM `agreements` WHERE application_id = ? ORDER BY kind"},
		{"models", "SELECT * FROM `models` WHERE application_id = ? ORDER BY `no`,`id`"},
		{"evaluations", "SELECT * FROM `evaluations` WHERE application_id = ? ORDER BY `no`,`round`,`id`"},
	} {
		rows, err := r.rows(ctx, q.sql, id)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		out[q.key] = rows
	}
	writeJSON(w, out)
}

// rows runs a query and returns its rows as column -> value maps.
func (r *rawServer) rows(ctx context.Context, query string, args ...any) ([]map[string]any, error) {
	rows, err := r.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out []map[string]any
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		m := make(map[string]any, len(cols))
		for i, c := range cols {
			if b, ok := vals[i].([]byte); ok {
				m[c] = string(b)
			} else {
				m[c] = vals[i]
			}
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

// p3 measures read latency: a department's inbox and an application's
// detail, beside the raw handler, one request at a time, alternating.
func (b *bench) p3(ctx context.Context) error {
	s, err := b.stack(ctx)
	if err != nil {
		return err
	}
	// The detail of a whole lifecycle (its longest timeline), and an inbox
	// of more than a page.
	var detail uint64
	if len(b.p1Apps) > 0 {
		detail = b.p1Apps[0]
	} else {
		if detail, _, err = standardLifecycle(ctx, s.api, "P3 lifecycle"); err != nil {
			return err
		}
	}
	const inboxApps = 60
	bar := newProgress(b.cfg.Progress, "P3 set-up", inboxApps)
	err = runConcurrently(ctx, inboxApps, b.cfg.Conc, bar, func(ctx context.Context, i int) error {
		id, err := s.api.create(ctx, fmt.Sprintf("P3 application %d", i), true)
		if err != nil {
			return err
		}
		return s.api.decide(ctx, "initial_reviewer", workflows.ApplicationWorkflowID(id)+"-t1", map[string]any{"decision": "pass"})
	})
	bar.finish()
	if err != nil {
		return err
	}
	raw, err := startRawServer(s.dsn)
	if err != nil {
		return err
	}
	defer raw.close()
	type target struct {
		name       string
		user, path string
		rawPath    string
		dg, anchor samples
	}
	targets := []*target{
		{name: "inbox (GET /api/v1/tasks, 50 of 60 open tasks)", user: "reviewer-gsa", path: "/api/v1/tasks", rawPath: "/inbox"},
		{name: fmt.Sprintf("application detail (GET /api/v1/applications/%d, whole lifecycle)", detail), user: "bureau_officer",
			path: fmt.Sprintf("/api/v1/applications/%d", detail), rawPath: fmt.Sprintf("/applications/%d", detail)},
	}
	rawClient := &apiClient{base: raw.url, hc: s.api.hc, tokens: s.api.tokens}
	// A warm-up of each.
	for _, t := range targets {
		for range 20 {
			if err := s.api.call(ctx, t.user, http.MethodGet, t.path, nil, nil); err != nil {
				return err
			}
			if err := rawClient.call(ctx, t.user, http.MethodGet, t.rawPath, nil, nil); err != nil {
				return fmt.Errorf("raw handler: %w", err)
			}
		}
	}
	bar = newProgress(b.cfg.Progress, "P3 reads vs raw handler", b.cfg.P3N)
	err = b.profiled(ctx, s, "p3", func() error {
		for range b.cfg.P3N {
			for _, t := range targets {
				t0 := time.Now()
				if err := s.api.call(ctx, t.user, http.MethodGet, t.path, nil, nil); err != nil {
					return err
				}
				t.dg.add(time.Since(t0))
				t0 = time.Now()
				if err := rawClient.call(ctx, t.user, http.MethodGet, t.rawPath, nil, nil); err != nil {
					return fmt.Errorf("raw handler: %w", err)
				}
				t.anchor.add(time.Since(t0))
			}
			bar.add(1)
		}
		return nil
	})
	bar.finish()
	if err != nil {
		return err
	}
	for _, t := range targets {
		b.rep.add(row{P: "P3", What: t.name + ", p50", Value: t.dg.pct(50), Anchor: t.anchor.pct(50), Unit: "ms",
			AnchorWhat: "net/http + database/sql, same SQL"})
		r := row{P: "P3", What: t.name + ", p99", Value: t.dg.pct(99), Anchor: t.anchor.pct(99), Unit: "ms",
			AnchorWhat: "net/http + database/sql, same SQL", Target: "p99 ≤ 1.5×"}
		r.Met = met(r.Ratio() <= 1.5)
		b.rep.add(r)
	}
	b.rep.note("P3: %d requests of each kind, one at a time, each followed by the raw handler's; the raw handler runs the statements DataGate runs for the request (token, user, then the endpoint's queries: 1 for the inbox, 8 for the detail).", b.cfg.P3N)
	return nil
}
