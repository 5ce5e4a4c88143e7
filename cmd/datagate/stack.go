package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"golang.org/x/time/rate"

	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/api"
	"github.com/datagate/datagate/embedded"
	"github.com/datagate/datagate/identity"
	"github.com/datagate/datagate/rbac"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/store/seeddata"
	"github.com/datagate/datagate/worker"
	"github.com/datagate/datagate/workflows"
)

// config is every setting, from flags with environment defaults.
type config struct {
	Data            string
	HTTP            string
	TemporalPort    int
	TemporalAddress string
	Namespace       string
	DB              string
	Holidays        string
	Deadlines       workflows.Deadlines
	// Demo seeds one user per role with identity.DemoPassword.
	Demo bool
	// AdminPassword, when set, creates the user "admin" if it is missing.
	AdminPassword string
}

func parseConfig(name string, args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var c config
	fs.StringVar(&c.Data, "data", envOr(getenv, "DATAGATE_DATA", "./data"), "data directory (dev): SQLite files and holiday tables")
	fs.StringVar(&c.HTTP, "http", envOr(getenv, "DATAGATE_HTTP", "127.0.0.1:8080"), "HTTP listen address")
	port := fs.String("temporal-port", envOr(getenv, "DATAGATE_TEMPORAL_PORT", "7233"), "embedded Temporal frontend port (dev)")
	fs.StringVar(&c.TemporalAddress, "temporal-address", envOr(getenv, "DATAGATE_TEMPORAL_ADDRESS", "127.0.0.1:7233"), "Temporal frontend host:port (serve, worker)")
	fs.StringVar(&c.Namespace, "namespace", envOr(getenv, "DATAGATE_NAMESPACE", "default"), "Temporal namespace")
	fs.StringVar(&c.DB, "db", envOr(getenv, "DATAGATE_DB", ""), "database DSN: sqlite:///path/datagate.db or mysql://user:pass@tcp(host:3306)/datagate")
	fs.StringVar(&c.Holidays, "holidays", envOr(getenv, "DATAGATE_HOLIDAYS", ""), "directory of YYYY.json holiday tables (dev default: DATA/holidays)")
	deadlines := fs.String("deadlines", envOr(getenv, "DATAGATE_DEADLINES", ""), `JSON overriding default deadlines, e.g. {"initial_review":5}`)
	demoDefault := "false"
	if name == "dev" {
		demoDefault = "true"
	}
	demo := fs.String("demo", envOr(getenv, "DATAGATE_DEMO", demoDefault), "seed one demo user per role (password "+identity.DemoPassword+")")
	c.AdminPassword = getenv("DATAGATE_ADMIN_PASSWORD")
	if err := fs.Parse(args); err != nil {
		return c, errUsage
	}
	var err error
	if c.Demo, err = strconv.ParseBool(*demo); err != nil {
		return c, fmt.Errorf("--demo %q: use true or false", *demo)
	}
	p, err := strconv.Atoi(*port)
	if err != nil || p < 1 || p > 65535 {
		return c, fmt.Errorf("--temporal-port %q: use a TCP port number from 1 to 65535", *port)
	}
	c.TemporalPort = p
	if _, _, err := net.SplitHostPort(c.HTTP); err != nil {
		return c, fmt.Errorf("--http %q: use host:port, e.g. 127.0.0.1:8080", c.HTTP)
	}
	c.Deadlines = workflows.DefaultDeadlines()
	if *deadlines != "" {
		dec := json.NewDecoder(bytesReader(*deadlines))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c.Deadlines); err != nil {
			return c, fmt.Errorf("--deadlines: %v; give JSON such as {\"initial_review\":5,\"department_review\":20}", err)
		}
	}
	if err := c.Deadlines.Validate(); err != nil {
		return c, fmt.Errorf("--deadlines: %w", err)
	}
	return c, nil
}

// stack is a running DataGate: its parts, stopped in reverse order.
type stack struct {
	log      *slog.Logger
	temporal *embedded.Server
	client   client.Client
	worker   sdkworker.Worker
	store    *store.Store
	http     *http.Server
	addr     string
	errc     chan error
}

func newLogger(w io.Writer) *slog.Logger {
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// startDev starts everything on one data directory: the embedded Temporal
// server, the database (migrated and seeded), the worker and HTTP.
func startDev(ctx context.Context, c config, log *slog.Logger) (*stack, error) {
	if err := os.MkdirAll(c.Data, 0o750); err != nil {
		return nil, fmt.Errorf("create data dir %s: %w", c.Data, err)
	}
	data, err := filepath.Abs(c.Data)
	if err != nil {
		return nil, err
	}
	if c.DB == "" {
		c.DB = "sqlite://" + filepath.Join(data, "datagate.db")
	}
	if c.Holidays == "" {
		c.Holidays = filepath.Join(data, "holidays")
	}
	s := &stack{log: log, errc: make(chan error, 2)}
	s.temporal, err = embedded.Start(embedded.Options{
		DatabaseFile: filepath.Join(data, "temporal.db"), FrontendPort: c.TemporalPort, Namespace: c.Namespace,
	})
	if err != nil {
		return nil, err
	}
	c.TemporalAddress = s.temporal.Address()
	if err := s.start(ctx, c, true, true); err != nil {
		s.Stop()
		return nil, err
	}
	return s, nil
}

// start connects to the database and Temporal and starts the worker and/or
// the HTTP server.
func (s *stack) start(ctx context.Context, c config, withWorker, withHTTP bool) error {
	if c.DB == "" {
		return errors.New("--db is required: e.g. sqlite:///var/lib/datagate/datagate.db or mysql://user:pass@tcp(host:3306)/datagate")
	}
	cal, err := loadCalendar(c.Holidays)
	if err != nil {
		return err
	}
	if s.store, err = store.Open(c.DB); err != nil {
		return err
	}
	enf, err := prepareStore(ctx, s.store, c)
	if err != nil {
		return err
	}
	if err := loadHolidayTables(ctx, s.store, cal); err != nil {
		return err
	}
	go refreshHolidayTables(ctx, s.store, cal, s.log)
	s.client, err = client.DialContext(ctx, client.Options{
		HostPort: c.TemporalAddress, Namespace: c.Namespace,
		Logger: sdklog.NewStructuredLogger(quiet(s.log)),
	})
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s: %w", c.TemporalAddress, err)
	}
	if withWorker {
		s.worker = worker.New(s.client, &activities.Activities{Store: s.store, Calendar: cal})
		if err := s.worker.Start(); err != nil {
			return fmt.Errorf("start worker: %w", err)
		}
	}
	if withHTTP {
		orgs, err := fixedOrgs(ctx, s.store)
		if err != nil {
			return err
		}
		srv := &api.Server{Store: s.store, Temporal: s.client, Calendar: cal, Orgs: orgs, Deadlines: c.Deadlines,
			Log: s.log, Ready: s.ready, RBAC: enf, Auth: &identity.Service{Store: s.store},
			LoginLimiter: identity.NewRateLimiter(rate.Every(6*time.Second), 10, 10*time.Minute)}
		ln, err := net.Listen("tcp", c.HTTP)
		if err != nil {
			return fmt.Errorf("listen on %s (set --http or DATAGATE_HTTP to a free address): %w", c.HTTP, err)
		}
		s.addr = ln.Addr().String()
		s.http = &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				s.errc <- fmt.Errorf("http: %w", err)
			}
		}()
	}
	return nil
}

// prepareStore migrates the schema, seeds the catalog (and the demo users
// when asked), and builds the one casbin enforcer with the built-in policy.
func prepareStore(ctx context.Context, st *store.Store, c config) (*rbac.Enforcer, error) {
	for _, migrate := range []func(context.Context) error{st.Migrate, st.MigrateCasbin, st.MigrateIdentity, st.MigrateAPI, st.MigrateSupervision} {
		if err := migrate(ctx); err != nil {
			return nil, err
		}
	}
	cat, err := seeddata.Load()
	if err != nil {
		return nil, err
	}
	var users []store.User
	if c.Demo {
		if users, err = identity.DemoUserHashes(store.DemoUsers(cat)); err != nil {
			return nil, err
		}
	}
	if err := st.Seed(ctx, cat, users); err != nil {
		return nil, err
	}
	enf, err := rbac.New(ctx, st.CasbinAdapter())
	if err != nil {
		return nil, err
	}
	if err := enf.SeedBuiltin(ctx); err != nil {
		return nil, err
	}
	if c.AdminPassword != "" {
		admin, err := bootstrapAdmin(ctx, st, c.AdminPassword)
		if err != nil {
			return nil, err
		}
		users = append(users, admin...)
	}
	// A seeded user gets its role once: a user whose roles an admin has
	// since changed keeps the admin's choice.
	for _, u := range users {
		roles, err := enf.RolesOf(u.Username)
		if err != nil {
			return nil, err
		}
		if len(roles) == 0 {
			if err := enf.EnsureRole(u.Username, u.Role, u.OrgCode); err != nil {
				return nil, err
			}
		}
	}
	return enf, nil
}

// bootstrapAdmin creates the user "admin" in the bureau's org when missing.
func bootstrapAdmin(ctx context.Context, st *store.Store, password string) ([]store.User, error) {
	if _, err := st.UserByName(ctx, "admin"); err == nil {
		return nil, nil
	}
	if err := identity.CheckPasswordPolicy(password); err != nil {
		return nil, fmt.Errorf("DATAGATE_ADMIN_PASSWORD: %w", err)
	}
	bureau, err := st.OrgOfKind(ctx, store.KindBureau)
	if err != nil {
		return nil, fmt.Errorf("bootstrap admin: %w", err)
	}
	hash, err := identity.HashPassword(password)
	if err != nil {
		return nil, err
	}
	u := store.User{Username: "admin", DisplayName: "管理员", OrgCode: bureau.Code, Role: rbac.RoleAdmin, PasswordHash: hash}
	if err := st.CreateUser(ctx, &u); err != nil {
		return nil, fmt.Errorf("bootstrap admin: %w", err)
	}
	return []store.User{u}, nil
}

// fixedOrgs finds the orgs that play the process's fixed roles.
func fixedOrgs(ctx context.Context, st *store.Store) (workflows.Orgs, error) {
	var o workflows.Orgs
	for kind, dst := range map[string]*string{
		store.KindBigDataCenter: &o.BigDataCenter, store.KindBureau: &o.Bureau, store.KindOperator: &o.Operator,
	} {
		org, err := st.OrgOfKind(ctx, kind)
		if err != nil {
			return o, fmt.Errorf("find the %s org: %w", kind, err)
		}
		*dst = org.Code
	}
	return o, nil
}

// ready: the database answers, Temporal answers, and a worker polls the
// task queue.
func (s *stack) ready(ctx context.Context) error {
	if err := s.store.Ping(ctx); err != nil {
		return fmt.Errorf("database: %w", err)
	}
	if _, err := s.client.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		return fmt.Errorf("temporal: %w", err)
	}
	tq, err := s.client.DescribeTaskQueue(ctx, workflows.TaskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
	if err != nil {
		return fmt.Errorf("temporal task queue: %w", err)
	}
	if len(tq.GetPollers()) == 0 {
		return errors.New("worker: no worker polls the datagate task queue yet")
	}
	return nil
}

// Stop drains HTTP, stops the worker, and closes the connections and the
// embedded server.
func (s *stack) Stop() {
	if s.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_ = s.http.Shutdown(ctx)
		cancel()
	}
	if s.worker != nil {
		s.worker.Stop()
	}
	if s.client != nil {
		s.client.Close()
	}
	if s.temporal != nil {
		s.temporal.Stop()
	}
	if s.store != nil {
		_ = s.store.Close()
	}
}

// wait blocks until ctx ends or a part fails.
func (s *stack) wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case err := <-s.errc:
		return err
	}
}

func runDev(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	c, err := parseConfig("dev", args, getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(stderr)
	began := time.Now()
	s, err := startDev(ctx, c, log)
	if err != nil {
		return err
	}
	defer s.Stop()
	log.Info("datagate dev is up", "http", "http://"+s.addr, "temporal", s.temporal.Address(),
		"data", c.Data, "started_in", time.Since(began).Round(time.Millisecond).String())
	return s.wait(ctx)
}

func runServe(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	return runSplit(ctx, "serve", args, getenv, stderr, false, true)
}

func runWorker(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	return runSplit(ctx, "worker", args, getenv, stderr, true, false)
}

func runSplit(ctx context.Context, name string, args []string, getenv func(string) string, stderr io.Writer, withWorker, withHTTP bool) error {
	c, err := parseConfig(name, args, getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(stderr)
	s := &stack{log: log, errc: make(chan error, 2)}
	defer s.Stop()
	if err := s.start(ctx, c, withWorker, withHTTP); err != nil {
		return err
	}
	log.Info("datagate "+name+" is up", "http", s.addr, "temporal", c.TemporalAddress)
	return s.wait(ctx)
}

func bytesReader(s string) io.Reader { return strings.NewReader(s) }

// quiet keeps the Temporal SDK's own log to warnings and errors.
func quiet(l *slog.Logger) *slog.Logger {
	return slog.New(levelFilter{l.Handler(), slog.LevelWarn}).With("component", "temporal-sdk")
}

type levelFilter struct {
	slog.Handler
	min slog.Level
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= f.min && f.Handler.Enabled(ctx, l)
}

func (f levelFilter) WithAttrs(a []slog.Attr) slog.Handler {
	return levelFilter{f.Handler.WithAttrs(a), f.min}
}

func (f levelFilter) WithGroup(n string) slog.Handler {
	return levelFilter{f.Handler.WithGroup(n), f.min}
}
