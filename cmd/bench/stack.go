package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
	"golang.org/x/time/rate"

	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/api"
	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/httpctx"
	"github.com/datagate/datagate/identity"
	"github.com/datagate/datagate/internal/demo"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/worker"
	"github.com/datagate/datagate/workflows"
)

// stack is DataGate as `datagate dev` runs it (embedded Temporal server on
// SQLite, the worker with worker.Pollers pollers, the read model, the HTTP
// API), plus the anchor's worker on its own task queue of the same server.
type stack struct {
	cfg      config
	dir      string
	server   *server
	client   client.Client
	dsn      string
	store    *store.Store
	cal      *calendar.Calendar
	workers  []sdkworker.Worker
	http     *http.Server
	api      *apiClient
	warp     *warp
	anchor   *anchorActs
	deadline workflows.Deadlines
	// users is a demo user acting for each org; applicantOrg is the org
	// of the user "applicant".
	users        map[string]string
	applicantOrg string
}

// startStack starts a stack on a new directory (and, for MySQL, a wiped
// database).
func startStack(ctx context.Context, c config, name string) (*stack, error) {
	dir := filepath.Join(c.Dir, name)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	status(c.Progress, "starting the %s stack: embedded Temporal server (%s), %s read model, worker, HTTP API", name, c.Server, c.DB)
	s := &stack{cfg: c, dir: dir, deadline: workflows.DefaultDeadlines()}
	ok := false
	defer func() {
		if !ok {
			s.stop()
		}
	}()
	var err error
	if s.server, err = startServer(ctx, c, dir); err != nil {
		return nil, err
	}
	log := slog.New(slog.NewTextHandler(c.Log, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if s.client, err = client.DialContext(ctx, client.Options{HostPort: s.server.addr, Namespace: "default",
		Logger: sdklog.NewStructuredLogger(log)}); err != nil {
		return nil, fmt.Errorf("connect to Temporal at %s: %w", s.server.addr, err)
	}
	s.dsn = "sqlite://" + filepath.Join(dir, "datagate.db")
	if c.DB == "mysql" {
		if err := wipeMySQL(ctx, c.MySQL); err != nil {
			return nil, err
		}
		s.dsn = c.MySQL
	}
	if s.store, err = store.Open(s.dsn); err != nil {
		return nil, err
	}
	users, enf, err := demo.Prepare(ctx, s.store)
	if err != nil {
		return nil, err
	}
	if s.cal, err = calendar.Default(); err != nil {
		return nil, err
	}
	acts := &activities.Activities{Store: s.store, Calendar: s.cal}
	s.warp = newWarp(acts)
	// The DataGate worker: worker.New's options and registrations, with
	// Apply wrapped so that P5 and P6 can move deadlines (see warp).
	w := sdkworker.New(s.client, workflows.TaskQueue, sdkworker.Options{
		MaxConcurrentWorkflowTaskPollers: worker.Pollers,
		MaxConcurrentActivityTaskPollers: worker.Pollers,
		StickyScheduleToStartTimeout:     c.StickyTimeout,
	})
	worker.RegisterWorkflows(w)
	w.RegisterActivityWithOptions(s.warp.apply, activity.RegisterOptions{Name: activities.ApplyName})
	// The anchor's worker: the same options on its own task queue.
	aw := sdkworker.New(s.client, anchorQueue, sdkworker.Options{
		MaxConcurrentWorkflowTaskPollers: worker.Pollers,
		MaxConcurrentActivityTaskPollers: worker.Pollers,
		StickyScheduleToStartTimeout:     c.StickyTimeout,
	})
	s.anchor = &anchorActs{armed: newMarkCounter(), marks: newMarkCounter()}
	aw.RegisterWorkflowWithOptions(anchorWorkflow, workflow.RegisterOptions{Name: anchorWorkflowName})
	aw.RegisterActivityWithOptions(s.anchor.noop, activity.RegisterOptions{Name: anchorNoop})
	aw.RegisterActivityWithOptions(s.anchor.mark, activity.RegisterOptions{Name: anchorMark})
	for _, wk := range []sdkworker.Worker{w, aw} {
		if err := wk.Start(); err != nil {
			return nil, fmt.Errorf("start worker: %w", err)
		}
		s.workers = append(s.workers, wk)
	}
	orgs, err := api.FixedOrgs(ctx, s.store)
	if err != nil {
		return nil, err
	}
	srv := &api.Server{Deps: &httpctx.Deps{Store: s.store, Calendar: s.cal, RBAC: enf, Log: log},
		Temporal: s.client, Orgs: orgs, Deadlines: s.deadline, Auth: &identity.Service{Store: s.store},
		LoginLimiter: identity.NewRateLimiter(rate.Every(6*time.Second), 10, 10*time.Minute)}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.http = &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = s.http.Serve(ln) }()
	tokens := map[string]string{}
	s.users = map[string]string{}
	for _, u := range users {
		if _, ok := s.users[u.OrgCode]; !ok && u.Role != domain.RoleAdmin && u.Role != domain.RoleSupervisor {
			s.users[u.OrgCode] = u.Username
		}
		if u.Username == "applicant" {
			s.applicantOrg = u.OrgCode
		}
		stored, err := s.store.UserByName(ctx, u.Username)
		if err != nil {
			return nil, err
		}
		plain, _, err := srv.Auth.CreateToken(ctx, stored.ID, "bench", 24*time.Hour)
		if err != nil {
			return nil, err
		}
		tokens[u.Username] = plain
	}
	s.api = newAPIClient("http://"+ln.Addr().String(), tokens, c.Conc)
	ok = true
	return s, nil
}

func (s *stack) stop() {
	if s.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = s.http.Shutdown(ctx)
		cancel()
	}
	for _, w := range s.workers {
		w.Stop()
	}
	if s.client != nil {
		s.client.Close()
	}
	if s.server != nil {
		s.server.stop()
	}
	if s.store != nil {
		_ = s.store.Close()
	}
}

// checkBenchDSN refuses a MySQL database whose name does not say it is the
// bench's: the bench drops every table in it.
func checkBenchDSN(dsn string) error {
	rest, ok := strings.CutPrefix(dsn, "mysql://")
	if !ok {
		return fmt.Errorf("-mysql: use mysql://user:pass@tcp(host:3306)/datagate_bench")
	}
	name := rest[strings.LastIndex(rest, "/")+1:]
	name, _, _ = strings.Cut(name, "?")
	if !strings.Contains(name, "bench") {
		return fmt.Errorf("-mysql: database %q: the bench drops every table of its database, so its name must contain \"bench\" (e.g. datagate_bench)", name)
	}
	return nil
}

// rawDSN turns a DataGate DSN into a database/sql driver name and DSN with
// the parameters store.Open uses, for the bench's own connections.
func rawDSN(dsn string) (driver, dataSource string) {
	if path, ok := strings.CutPrefix(dsn, "sqlite://"); ok {
		return "sqlite", "file:" + path + "?_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_time_format=sqlite&_pragma=journal_mode(wal)&_pragma=synchronous(normal)"
	}
	d := strings.TrimPrefix(dsn, "mysql://")
	sep := "?"
	if strings.Contains(d, "?") {
		sep = "&"
	}
	return "mysql", d + sep + "parseTime=true&loc=UTC&charset=utf8mb4&clientFoundRows=true"
}

// wipeMySQL drops every table of the bench's database.
func wipeMySQL(ctx context.Context, dsn string) error {
	db, err := sql.Open(rawDSN(dsn))
	if err != nil {
		return err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("connect to the bench's MySQL database: %w", err)
	}
	defer conn.Close()
	rows, err := conn.QueryContext(ctx, "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()")
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, "`"+t+"`")
	}
	rows.Close()
	if len(tables) == 0 {
		return nil
	}
	if _, err := conn.ExecContext(ctx, "SET FOREIGN_KEY_CHECKS = 0"); err != nil {
		return err
	}
	_, err = conn.ExecContext(ctx, "DROP TABLE "+strings.Join(tables, ", "))
	return errors.Join(err, func() error { _, e := conn.ExecContext(ctx, "SET FOREIGN_KEY_CHECKS = 1"); return e }())
}
