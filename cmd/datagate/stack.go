package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"
	"golang.org/x/time/rate"

	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/api"
	"github.com/datagate/datagate/docsign"
	"github.com/datagate/datagate/documents"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/files"
	"github.com/datagate/datagate/httpctx"
	"github.com/datagate/datagate/identity"
	"github.com/datagate/datagate/notify"
	"github.com/datagate/datagate/ops"
	"github.com/datagate/datagate/rbac"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/store/seeddata"
	"github.com/datagate/datagate/web"
	"github.com/datagate/datagate/worker"
	"github.com/datagate/datagate/workflows"
)

// stack is a running DataGate: its parts, stopped in reverse order.
type stack struct {
	log *slog.Logger
	// temporal is the embedded server (dev), stopped last.
	temporal interface {
		Stopping()
		Stop()
	}
	// temporalUI is its Web UI (dev; nil when off), stopped before it.
	temporalUI    interface{ Stop() }
	temporalUIURL string
	// temporalHTTP is the embedded server's HTTP API address (dev).
	temporalHTTP string
	client       client.Client
	worker       sdkworker.Worker
	store        *store.Store
	metrics      *ops.Metrics
	ready        *ops.Readiness
	http         *http.Server
	addr         string
	// temporalAddr is the Temporal frontend the stack is connected to.
	temporalAddr string
	errc         chan error
	// shutdown bounds the HTTP drain; the worker's is set on the worker.
	shutdown time.Duration
	// stopPolicyWatch ends the enforcer's poll of the policy version and
	// waits for it (nil: none runs).
	stopPolicyWatch func()
	// dirLock is the data directory held by dev, released last.
	dirLock *ops.DirLock
	// files keeps attachments and agreement documents; nil when
	// DATAGATE_FILES is not set.
	files files.Store
	// stopping is set when Stop reaches the worker: the SDK's warnings
	// after it are the stop's own.
	stopping atomic.Bool
}

func newStack(log *slog.Logger) *stack {
	return &stack{log: log, errc: make(chan error, 2)}
}

// newLogger writes JSON lines with request IDs and secrets redacted.
func newLogger(w io.Writer, c config) *slog.Logger {
	return ops.NewLogger(w, ops.ParseLevel(c.LogLevel))
}

// start connects to the database and Temporal and starts the worker and/or
// the HTTP server.
func (s *stack) start(ctx context.Context, c config, withWorker, withHTTP bool) error {
	if c.DB == "" {
		return errors.New("--db is required: e.g. sqlite:///var/lib/datagate/datagate.db or mysql://user:pass@tcp(host:3306)/datagate")
	}
	s.temporalAddr = c.TemporalAddress
	s.shutdown = c.ShutdownTimeout
	if s.shutdown <= 0 {
		s.shutdown = 25 * time.Second
	}
	cal, err := loadCalendar(c.Holidays)
	if err != nil {
		return err
	}
	if s.store, err = store.Open(c.DB); err != nil {
		return err
	}
	enf, err := s.prepare(ctx, c)
	if err != nil {
		return err
	}
	if err := activities.LoadHolidayTables(ctx, s.store, cal); err != nil {
		return err
	}
	warnMissingYear(s.log, cal, time.Now())
	go refreshHolidayTables(ctx, s.store, cal, s.log)
	if s.files, err = openFiles(c, s.log); err != nil {
		return err
	}
	if s.metrics, err = ops.NewMetrics(); err != nil {
		return err
	}
	s.client, err = client.DialContext(ctx, client.Options{
		HostPort: c.TemporalAddress, Namespace: c.Namespace,
		Logger:         sdklog.NewStructuredLogger(quiet(s.log, &s.stopping)),
		MetricsHandler: s.metrics.TemporalHandler(),
	})
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s: %w", c.TemporalAddress, err)
	}
	// Before any workflow runs: an upsert of an unknown attribute fails
	// the workflow task.
	if err := ensureSearchAttributes(ctx, s.client, c.Namespace, workflows.SearchAttributeTypes()); err != nil {
		return err
	}
	if withHTTP {
		recountChangedYears(ctx, s.client, s.store, cal, s.log)
	}
	if withWorker {
		if err := c.Notify.Validate(); err != nil {
			return err
		}
		acts := &activities.Activities{Store: s.store, Calendar: cal, Files: s.files}
		if c.SigningKey == nil {
			s.log.Warn("DATAGATE_SIGNING_KEY is not set: agreements are not signed with SM2")
		} else if acts.Signer, err = docsign.OpenAuthority(ctx, documents.KeyStore{Store: s.store}, c.SigningKey, docsign.Options{}); err != nil {
			return fmt.Errorf("the signing keys (DATAGATE_SIGNING_KEY): %w", err)
		}
		s.worker = worker.New(s.client, acts, s.shutdown, c.interceptors...)
		notify.Register(s.worker, notify.Deps{Store: s.store, Calendar: cal, Config: c.Notify})
		if err := s.worker.Start(); err != nil {
			return fmt.Errorf("start worker: %w", err)
		}
		// The dispatch of e-mails and webhooks, and the digests.
		if err := notify.EnsureSchedules(ctx, s.client, c.Notify); err != nil {
			return err
		}
	}
	s.ready = ops.NewReadiness(3*time.Second, s.checks()...)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", s.metrics.Handler())
	mux.Handle("GET /readyz", s.ready)
	if !withHTTP {
		// A worker serves only the operational endpoints.
		mux.HandleFunc("GET /healthz", ops.Live)
	} else {
		orgs, err := api.FixedOrgs(ctx, s.store)
		if err != nil {
			return err
		}
		// The task gauges describe the database: the API process exports
		// them, workers do not.
		if err := s.metrics.AddTasks(s.store, s.log); err != nil {
			return err
		}
		if err := s.metrics.AddHolidayTables(func() (int, bool) { return cal.MissingYear(time.Now()) }); err != nil {
			return err
		}
		// Ready is nil: /healthz is liveness, served once start-up is
		// complete; /readyz checks the database, Temporal and a worker.
		deps := &httpctx.Deps{Store: s.store, Calendar: cal, RBAC: enf, Log: s.log}
		srv := &api.Server{Deps: deps, Temporal: s.client, Orgs: orgs, Deadlines: c.Deadlines,
			Files: s.files, AttachmentLimits: c.Attachments,
			Ready: nil, Auth: &identity.Service{Store: s.store, SecretKey: c.TOTPKey,
				SecondFactorRequired: secondFactorRule(enf, c.RequireTwoFactor)},
			LoginLimiter: identity.NewRateLimiter(rate.Every(6*time.Second), 10, 10*time.Minute),
			RateLimits:   c.RateLimits, TrustedProxies: c.TrustedProxies, Origins: c.Origins,
			WebhookAllow: c.Notify.WebhookAllow, Middleware: s.metrics.Middleware(s.log)}
		srv.Pages = web.New(deps, web.DemoHint(c.Demo)).Pages()
		mux.Handle("/", srv.Handler())
		s.watchPolicy(enf, c.PolicyRefresh)
	}
	ln, err := net.Listen("tcp", c.HTTP)
	if err != nil {
		return fmt.Errorf("listen on %s (set --http or DATAGATE_HTTP to a free address): %w", c.HTTP, err)
	}
	s.addr = ln.Addr().String()
	s.http = newHTTPServer(mux, c.HTTPTimeouts)
	go func() {
		if err := s.http.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.errc <- fmt.Errorf("http: %w", err)
		}
	}()
	return nil
}

// openFiles opens the store of attachments and agreement documents; none
// (and a warning) when DATAGATE_FILES is not set.
func openFiles(c config, log *slog.Logger) (files.Store, error) {
	if c.Files == "" {
		log.Warn("DATAGATE_FILES is not set: attachments are off, and agreement documents are not kept (their digests are)")
		return nil, nil
	}
	env := map[string]string{files.EnvS3AccessKey: c.S3AccessKey, files.EnvS3SecretKey: c.S3SecretKey}
	st, err := files.Open(c.Files, func(k string) string { return env[k] })
	if err != nil {
		return nil, fmt.Errorf("DATAGATE_FILES: %w", err)
	}
	return st, nil
}

// newHTTPServer is the HTTP server of every command, with its timeouts
// (zero ones take defaultHTTPTimeouts'): a client that sends its headers
// or its body too slowly is cut off at ReadHeader or Read, one that reads
// an answer too slowly at Write (a CSV download extends it for each part
// it sends), and a kept-alive connection closes after Idle without a
// request. Without them, a few clients dribbling a byte every few seconds
// each hold a connection and a goroutine for as long as they like.
func newHTTPServer(h http.Handler, t httpTimeouts) *http.Server {
	def := defaultHTTPTimeouts
	pick := func(d, fallback time.Duration) time.Duration {
		if d > 0 {
			return d
		}
		return fallback
	}
	return &http.Server{Handler: h, ReadHeaderTimeout: pick(t.ReadHeader, def.ReadHeader), ReadTimeout: pick(t.Read, def.Read),
		WriteTimeout: pick(t.Write, def.Write), IdleTimeout: pick(t.Idle, def.Idle)}
}

// watchPolicy polls the policy version every interval, so that roles and
// policy lines changed through another process (another `serve` replica,
// an admin's request there) are enforced here within the interval. Stop
// ends it.
func (s *stack) watchPolicy(enf *rbac.Enforcer, interval time.Duration) {
	if interval <= 0 {
		interval = rbac.DefaultRefresh
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := enf.Watch(ctx, interval, s.log.With("component", "rbac")); err != nil {
			select {
			case s.errc <- fmt.Errorf("watch the policy: %w", err):
			default:
				s.log.Error("watch the policy", "error", err.Error())
			}
		}
	}()
	s.stopPolicyWatch = func() { cancel(); <-done }
}

// prepare brings the schema to this binary's version (dev always, serve
// and worker with --migrate; otherwise an outdated schema stops them with
// what to run), then seeds and builds the enforcer. On MySQL, processes
// starting together take turns.
func (s *stack) prepare(ctx context.Context, c config) (*rbac.Enforcer, error) {
	release, err := s.store.AdvisoryLock(ctx, "datagate_start", 5*time.Minute)
	if err != nil {
		return nil, fmt.Errorf("wait for another DataGate starting on this database: %w", err)
	}
	defer release()
	if c.command == cmdDev || c.Migrate {
		applied, err := s.store.MigrateUp(ctx)
		if err != nil {
			return nil, err
		}
		for _, m := range applied {
			s.log.Info("schema migration applied", "file", m.File, "version", m.Version, "duration_ms", m.Duration.Milliseconds())
		}
	} else if err := s.store.CheckSchema(ctx); err != nil {
		return nil, err
	}
	return prepareStore(ctx, s.store, c)
}

// prepareStore seeds the catalog (and the demo users when asked) into a
// migrated database, and builds the one casbin enforcer with the built-in
// policy. Tables come from the versioned migrations (store.Migrate), never
// from AutoMigrate: add a model to schemaModels and a migration instead.
func prepareStore(ctx context.Context, st *store.Store, c config) (*rbac.Enforcer, error) {
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
	// Start at the version the seeding left, so that the first poll
	// (watchPolicy) does not take this process's own seeding for a change
	// made elsewhere.
	if err := enf.Reload(ctx); err != nil {
		return nil, err
	}
	return enf, nil
}

// bootstrapAdmin creates the user "admin" in the bureau's org when missing.
func bootstrapAdmin(ctx context.Context, st *store.Store, password string) ([]store.User, error) {
	if _, err := st.UserByName(ctx, "admin"); err == nil {
		return nil, nil
	}
	if err := identity.CheckPasswordPolicy("admin", password); err != nil {
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
	u := store.User{Username: "admin", DisplayName: "管理员", OrgCode: bureau.Code, Role: domain.RoleAdmin, PasswordHash: hash}
	if err := st.CreateUser(ctx, &u); errors.Is(err, store.ErrConflict) {
		// Another process starting at the same time made it (on SQLite,
		// which has no lock between processes).
		u, err := st.UserByName(ctx, "admin")
		if err != nil {
			return nil, fmt.Errorf("bootstrap admin: %w", err)
		}
		return []store.User{u}, nil
	} else if err != nil {
		return nil, fmt.Errorf("bootstrap admin: %w", err)
	}
	return []store.User{u}, nil
}

// checks are readiness: the database answers, Temporal answers, and a
// worker polls the task queue (this process's, or another's: Temporal
// lists a poller for a few minutes after it last polled).
func (s *stack) checks() []ops.Check {
	return []ops.Check{
		{Name: "database", Fn: s.store.Ping},
		{Name: "temporal", Fn: func(ctx context.Context) error {
			_, err := s.client.CheckHealth(ctx, &client.CheckHealthRequest{})
			return err
		}},
		{Name: "worker", Fn: func(ctx context.Context) error {
			tq, err := s.client.DescribeTaskQueue(ctx, workflows.TaskQueue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
			if err != nil {
				return err
			}
			if len(tq.GetPollers()) == 0 {
				return errors.New("no worker polls the datagate task queue")
			}
			return nil
		}},
	}
}

// Stop shuts down in order: /readyz turns 503, HTTP stops accepting and
// drains its requests, the worker stops polling and lets its running
// tasks finish, then the connections and the embedded server close. Both
// drains are bounded by --shutdown-timeout.
func (s *stack) Stop() {
	began := time.Now()
	if s.ready != nil {
		s.ready.Drain()
	}
	if s.http != nil {
		ctx, cancel := context.WithTimeout(context.Background(), s.shutdown)
		if err := s.http.Shutdown(ctx); err != nil {
			s.log.Warn("http requests still running at the shutdown timeout", "error", err.Error())
		}
		cancel()
	}
	if s.stopPolicyWatch != nil {
		s.stopPolicyWatch()
	}
	s.stopping.Store(true)
	if s.temporal != nil {
		s.temporal.Stopping()
	}
	if s.worker != nil {
		s.worker.Stop()
	}
	if s.client != nil {
		s.client.Close()
	}
	if s.temporalUI != nil {
		s.temporalUI.Stop()
	}
	if s.temporal != nil {
		s.temporal.Stop()
	}
	if s.store != nil {
		_ = s.store.Close()
	}
	s.dirLock.Release()
	s.log.Info("stopped", "shutdown_ms", time.Since(began).Milliseconds())
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

func runServe(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	return runSplit(ctx, cmdServe, args, getenv, stderr, false, true)
}

func runWorker(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	return runSplit(ctx, cmdWorker, args, getenv, stderr, true, false)
}

func runSplit(ctx context.Context, name string, args []string, getenv func(string) string, stderr io.Writer, withWorker, withHTTP bool) error {
	c, err := parseConfig(name, args, getenv, stderr)
	if err != nil {
		return err
	}
	log := newLogger(stderr, c)
	s := newStack(log)
	defer s.Stop()
	if err := s.start(ctx, c, withWorker, withHTTP); err != nil {
		return err
	}
	log.Info("datagate "+name+" is up", "http", s.addr, "temporal", c.TemporalAddress, "db", store.RedactDSN(c.DB))
	err = s.wait(ctx)
	log.Info("shutting down", "cause", cause(ctx, err))
	return err
}

// cause says why a process stops: a signal, or a part's failure.
func cause(ctx context.Context, err error) string {
	if err != nil {
		return err.Error()
	}
	if ctx.Err() != nil {
		return "signal"
	}
	return "done"
}

// quiet keeps the Temporal SDK's own log to warnings and errors, and to
// errors once the stack is stopping: a poll cut short by the worker's stop
// ("Failed to poll for task", "worker stopping") is the stop itself.
func quiet(l *slog.Logger, stopping *atomic.Bool) *slog.Logger {
	return slog.New(levelFilter{l.Handler(), slog.LevelWarn, stopping}).With("component", "temporal-sdk")
}

type levelFilter struct {
	slog.Handler
	min      slog.Level
	stopping *atomic.Bool
}

func (f levelFilter) Enabled(ctx context.Context, l slog.Level) bool {
	if f.stopping.Load() && l < slog.LevelError {
		return false
	}
	return l >= f.min && f.Handler.Enabled(ctx, l)
}

func (f levelFilter) WithAttrs(a []slog.Attr) slog.Handler {
	return levelFilter{f.Handler.WithAttrs(a), f.min, f.stopping}
}

func (f levelFilter) WithGroup(n string) slog.Handler {
	return levelFilter{f.Handler.WithGroup(n), f.min, f.stopping}
}

// secondFactorRoles are the roles that must sign in with a second factor
// when DATAGATE_REQUIRE_SECOND_FACTOR is on: the officials whose accounts can change
// users and policies, approve and end authorizations, or read the audit
// (等保 2.0 level 3 asks two kinds of authentication of administrators).
var secondFactorRoles = []string{domain.RoleAdmin, domain.RoleBureauOfficer, domain.RoleSupervisor}

// secondFactorRule is identity.Service.SecondFactorRequired: a user needs
// a second factor when required is on and they hold one of
// secondFactorRoles in any org (as created, or granted since).
func secondFactorRule(enf *rbac.Enforcer, required bool) func(context.Context, store.User) (bool, error) {
	if !required {
		return nil
	}
	return func(_ context.Context, u store.User) (bool, error) {
		if slices.Contains(secondFactorRoles, u.Role) {
			return true, nil
		}
		roles, err := enf.RolesOf(u.Username)
		if err != nil {
			return false, err
		}
		for _, r := range roles {
			if slices.Contains(secondFactorRoles, r[0]) {
				return true, nil
			}
		}
		return false, nil
	}
}
