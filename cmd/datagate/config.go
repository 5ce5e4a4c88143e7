package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/netip"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/sdk/interceptor"

	"github.com/datagate/datagate/api"
	"github.com/datagate/datagate/docsign"
	"github.com/datagate/datagate/files"
	"github.com/datagate/datagate/identity"
	"github.com/datagate/datagate/notify"
	"github.com/datagate/datagate/rbac"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/workflows"
)

// config is every setting of every command: defaults in code (settings
// below), overridden by DATAGATE_* environment variables, overridden by
// flags; validated before anything starts.
type config struct {
	Data            string
	HTTP            string
	TemporalPort    int
	TemporalUIPort  int // 0: no Temporal Web UI
	TemporalAddress string
	Namespace       string
	DB              string
	Holidays        string
	Deadlines       workflows.Deadlines
	// Demo seeds one user per role with identity.DemoPassword (dev only).
	Demo bool
	// DemoApplications seeds the demo applications (package demo) on a
	// first start, with Demo (dev only).
	DemoApplications bool
	// AdminPassword, when set, creates the user "admin" if it is missing.
	AdminPassword string
	// Migrate applies pending schema migrations at start-up (serve,
	// worker); without it they refuse to start on an outdated schema.
	Migrate bool
	// LogLevel is debug, info, warn or error.
	LogLevel string
	// ShutdownTimeout bounds the drain of HTTP requests and of the
	// worker's running tasks on SIGTERM.
	ShutdownTimeout time.Duration
	// HTTPTimeouts bound how long a client may take to send a request and
	// to read its answer, and how long an idle connection stays open (dev,
	// serve, worker).
	HTTPTimeouts httpTimeouts
	// Notify is the e-mail delivery of notifications (dev, worker).
	Notify notify.Config
	// RateLimits bound the API's requests per client address and per
	// signed-in user (dev, serve); the zero value is off.
	RateLimits api.RateLimits
	// TrustedProxies are the reverse proxies (IPs or CIDRs) allowed to
	// name the client's address in X-Forwarded-For (dev, serve).
	TrustedProxies []string
	// Origins are the public addresses whose pages may send
	// state-changing requests besides the request's own host.
	Origins []string
	// PolicyRefresh is how often the API process polls the casbin policy
	// version, to enforce changes made through other processes (dev,
	// serve).
	PolicyRefresh time.Duration
	// RequireTwoFactor makes the officials' roles (secondFactorRoles)
	// sign in with a TOTP code (dev, serve; on in serve, off in dev).
	RequireTwoFactor bool
	// TOTPKey, 32 bytes, encrypts TOTP secrets at rest (dev, serve).
	TOTPKey []byte
	// Files is where attachments are kept: a directory or s3://… (dev,
	// serve; dev default DATA/files; empty: attachments off).
	Files string
	// S3AccessKey and S3SecretKey reach an s3:// Files (environment only).
	S3AccessKey, S3SecretKey string
	// Attachments bound one file and one application's files.
	Attachments api.AttachmentLimits
	// SigningKey opens the SM2 signing keys kept sealed in the database
	// (dev, worker; dev keeps one in DATA/signing.key when unset); nil:
	// agreements are not signed.
	SigningKey *docsign.MasterKey

	// command is the command the configuration was read for.
	command string
	// interceptors wrap the worker's workflows and activities; only tests
	// set them, to inject failures.
	interceptors []interceptor.WorkerInterceptor
}

// Commands that take the configuration.
const (
	cmdDev     = "dev"
	cmdServe   = "serve"
	cmdWorker  = "worker"
	cmdMigrate = "migrate"
)

// setting is one configuration value: its flag, its environment variable,
// its default by command, and how it is read and shown.
type setting struct {
	flag, env string
	help      string
	// commands that take it; the others ignore its variable and do not
	// know its flag.
	commands []string
	def      func(cmd string) string
	set      func(c *config, v string) error
	show     func(c *config) string
}

var allCommands = []string{cmdDev, cmdServe, cmdWorker, cmdMigrate}

func fixed(v string) func(string) string { return func(string) string { return v } }

// settings is the whole configuration surface: README's table, the
// compose file's environment and `datagate config print` all follow it.
func settings() []setting {
	return []setting{
		{flag: "data", env: "DATAGATE_DATA", commands: []string{cmdDev}, def: fixed("./data"),
			help: "data directory: SQLite files and holiday tables",
			set:  func(c *config, v string) error { c.Data = v; return nil }, show: func(c *config) string { return c.Data }},
		{flag: "http", env: "DATAGATE_HTTP", commands: []string{cmdDev, cmdServe, cmdWorker},
			def: func(cmd string) string {
				if cmd == cmdWorker {
					return "127.0.0.1:8081"
				}
				return "127.0.0.1:8080"
			},
			help: "HTTP listen address (worker: /healthz, /readyz and /metrics only)",
			set: func(c *config, v string) error {
				if _, _, err := net.SplitHostPort(v); err != nil {
					return errors.New("use host:port, e.g. 127.0.0.1:8080 or 0.0.0.0:8080")
				}
				c.HTTP = v
				return nil
			}, show: func(c *config) string { return c.HTTP }},
		{flag: "temporal-port", env: "DATAGATE_TEMPORAL_PORT", commands: []string{cmdDev}, def: fixed("7233"),
			help: "embedded Temporal frontend port",
			set: func(c *config, v string) error {
				p, err := strconv.Atoi(v)
				if err != nil || p < 1 || p > 65535 {
					return errors.New("use a TCP port number from 1 to 65535")
				}
				c.TemporalPort = p
				return nil
			}, show: func(c *config) string { return strconv.Itoa(c.TemporalPort) }},
		{flag: "temporal-ui-port", env: "DATAGATE_TEMPORAL_UI_PORT", commands: []string{cmdDev}, def: fixed("8233"),
			help: "port of the Temporal Web UI on loopback, read-only (off: none)",
			set: func(c *config, v string) error {
				if v == "off" {
					c.TemporalUIPort = 0
					return nil
				}
				p, err := strconv.Atoi(v)
				if err != nil || p < 1 || p > 65535 {
					return errors.New("use a TCP port number from 1 to 65535, or off")
				}
				c.TemporalUIPort = p
				return nil
			}, show: func(c *config) string {
				if c.TemporalUIPort == 0 {
					return "off"
				}
				return strconv.Itoa(c.TemporalUIPort)
			}},
		{flag: "temporal-address", env: "DATAGATE_TEMPORAL_ADDRESS", commands: []string{cmdServe, cmdWorker}, def: fixed("127.0.0.1:7233"),
			help: "Temporal frontend host:port",
			set: func(c *config, v string) error {
				if _, _, err := net.SplitHostPort(v); err != nil {
					return errors.New("use host:port, e.g. temporal:7233")
				}
				c.TemporalAddress = v
				return nil
			}, show: func(c *config) string { return c.TemporalAddress }},
		{flag: "namespace", env: "DATAGATE_NAMESPACE", commands: []string{cmdDev, cmdServe, cmdWorker}, def: fixed("default"),
			help: "Temporal namespace",
			set: func(c *config, v string) error {
				if strings.TrimSpace(v) == "" {
					return errors.New("name a Temporal namespace, e.g. default")
				}
				c.Namespace = v
				return nil
			}, show: func(c *config) string { return c.Namespace }},
		{flag: "db", env: "DATAGATE_DB", commands: allCommands, def: fixed(""),
			help: "database: sqlite:///path/datagate.db or mysql://user:pass@tcp(host:3306)/datagate (dev default: DATA/datagate.db)",
			set: func(c *config, v string) error {
				if v != "" && !strings.HasPrefix(v, "sqlite://") && !strings.HasPrefix(v, "mysql://") {
					return errors.New("use sqlite:///path/datagate.db or mysql://user:pass@tcp(host:3306)/datagate")
				}
				c.DB = v
				return nil
			}, show: func(c *config) string { return store.RedactDSN(c.DB) }},
		{flag: "holidays", env: "DATAGATE_HOLIDAYS", commands: []string{cmdDev, cmdServe, cmdWorker}, def: fixed(""),
			help: "directory of YYYY.json holiday tables (dev default: DATA/holidays)",
			set:  func(c *config, v string) error { c.Holidays = v; return nil }, show: func(c *config) string { return c.Holidays }},
		{flag: "deadlines", env: "DATAGATE_DEADLINES", commands: []string{cmdDev, cmdServe, cmdWorker}, def: fixed(""),
			help: `JSON overriding default deadlines, e.g. {"initial_review":5}`,
			set: func(c *config, v string) error {
				c.Deadlines = workflows.DefaultDeadlines()
				if v != "" {
					dec := json.NewDecoder(strings.NewReader(v))
					dec.DisallowUnknownFields()
					if err := dec.Decode(&c.Deadlines); err != nil {
						return fmt.Errorf("%v; give JSON such as {\"initial_review\":5,\"department_review\":20}", err)
					}
				}
				return c.Deadlines.Validate()
			}, show: func(c *config) string {
				b, _ := json.Marshal(c.Deadlines)
				return string(b)
			}},
		{flag: "demo", env: "DATAGATE_DEMO", commands: []string{cmdDev}, def: fixed("true"),
			help: "seed one demo user per role (password " + identity.DemoPassword + "); dev only",
			set: func(c *config, v string) error {
				b, err := strconv.ParseBool(v)
				if err != nil {
					return errors.New("use true or false")
				}
				c.Demo = b
				return nil
			}, show: func(c *config) string { return strconv.FormatBool(c.Demo) }},
		{flag: "demo-applications", env: "DATAGATE_DEMO_APPLICATIONS", commands: []string{cmdDev}, def: fixed("true"),
			help: "with --demo, seed about a dozen applications at every stage through the workflows on a first start",
			set: func(c *config, v string) error {
				b, err := strconv.ParseBool(v)
				if err != nil {
					return errors.New("use true or false")
				}
				c.DemoApplications = b
				return nil
			}, show: func(c *config) string { return strconv.FormatBool(c.DemoApplications) }},
		{env: "DATAGATE_ADMIN_PASSWORD", commands: []string{cmdDev, cmdServe, cmdWorker}, def: fixed(""),
			help: "creates the user admin when missing (environment only, never a flag)",
			set: func(c *config, v string) error {
				if v != "" {
					if err := identity.CheckPasswordPolicy("admin", v); err != nil {
						return err
					}
				}
				c.AdminPassword = v
				return nil
			}, show: func(c *config) string {
				if c.AdminPassword == "" {
					return ""
				}
				return "***"
			}},
		{flag: "require-second-factor", env: "DATAGATE_REQUIRE_SECOND_FACTOR", commands: []string{cmdDev, cmdServe},
			def: func(cmd string) string {
				if cmd == cmdDev {
					return "false" // the demo's users sign in with the published password alone
				}
				return "true"
			},
			help: "the admin, bureau_officer and supervisor roles must sign in with a second factor (a TOTP authenticator app), set up at their first sign-in; others may set one up",
			set: func(c *config, v string) error {
				b, err := strconv.ParseBool(v)
				if err != nil {
					return errors.New("use true or false")
				}
				c.RequireTwoFactor = b
				return nil
			}, show: func(c *config) string { return strconv.FormatBool(c.RequireTwoFactor) }},
		{env: "DATAGATE_TOTP_KEY", commands: []string{cmdDev, cmdServe}, def: fixed(""),
			help: "64 hex characters (32 random bytes, e.g. openssl rand -hex 32) that encrypt users' TOTP secrets in the database (environment only; without it they are stored unencrypted, never shown again after enrolment)",
			set: func(c *config, v string) error {
				c.TOTPKey = nil
				if v == "" {
					return nil
				}
				k, err := hex.DecodeString(strings.TrimSpace(v))
				if err != nil || len(k) != 32 {
					return errors.New("use 64 hex characters, e.g. the output of openssl rand -hex 32")
				}
				c.TOTPKey = k
				return nil
			}, show: func(c *config) string {
				if len(c.TOTPKey) == 0 {
					return ""
				}
				return "***"
			}},
		{flag: "files", env: "DATAGATE_FILES", commands: []string{cmdDev, cmdServe, cmdWorker}, def: fixed(""),
			help: "where attachments and agreement documents are kept: a directory, or s3://BUCKET?endpoint=HOST:PORT[&secure=false][&region=R] (S3-compatible storage such as MinIO) with DATAGATE_S3_ACCESS_KEY and DATAGATE_S3_SECRET_KEY (dev default: DATA/files; serve: none, and attachments answer 503)",
			set: func(c *config, v string) error {
				if strings.Contains(v, "://") && !strings.HasPrefix(v, "s3://") && !strings.HasPrefix(v, "file://") {
					return errors.New("use a directory, file:///path or s3://bucket?endpoint=host:port")
				}
				c.Files = v
				return nil
			}, show: func(c *config) string { return c.Files }},
		{env: files.EnvS3AccessKey, commands: []string{cmdDev, cmdServe, cmdWorker}, def: fixed(""),
			help: "the access key of an s3:// DATAGATE_FILES (environment only)",
			set:  func(c *config, v string) error { c.S3AccessKey = v; return nil },
			show: func(c *config) string { return c.S3AccessKey }},
		{env: files.EnvS3SecretKey, commands: []string{cmdDev, cmdServe, cmdWorker}, def: fixed(""),
			help: "the secret key of an s3:// DATAGATE_FILES (environment only)",
			set:  func(c *config, v string) error { c.S3SecretKey = v; return nil },
			show: func(c *config) string { return redacted(c.S3SecretKey) }},
		{env: "DATAGATE_SIGNING_KEY", commands: []string{cmdDev, cmdWorker}, def: fixed(""),
			help: "64 hex characters (openssl rand -hex 32) that seal the SM2 signing keys of the platform CA and every org in the database; with it, each party's signing decision signs the agreement's document (environment only; dev keeps one in DATA/signing.key when unset)",
			set: func(c *config, v string) error {
				c.SigningKey = nil
				if v == "" {
					return nil
				}
				k, err := docsign.ParseMasterKey(v)
				if err != nil {
					return errors.New("use 64 hex characters, e.g. the output of openssl rand -hex 32")
				}
				c.SigningKey = k
				return nil
			}, show: func(c *config) string {
				if c.SigningKey == nil {
					return ""
				}
				return "***"
			}},
		sizeSetting("attachment-max-file", "DATAGATE_ATTACHMENT_MAX_FILE", api.DefaultAttachmentLimits().PerFile,
			"the largest file that may be attached, e.g. 20MiB", func(c *config) *int64 { return &c.Attachments.PerFile }),
		sizeSetting("attachment-max-application", "DATAGATE_ATTACHMENT_MAX_APPLICATION", api.DefaultAttachmentLimits().PerApplication,
			"the most an application's attachments may hold together, e.g. 200MiB", func(c *config) *int64 { return &c.Attachments.PerApplication }),
		{env: notify.EnvSMTPAddr, commands: []string{cmdDev, cmdWorker}, def: fixed(""),
			help: "SMTP server host:port for e-mail notifications (465: TLS; otherwise STARTTLS when offered); empty: no e-mail",
			set:  func(c *config, v string) error { c.Notify.SMTPAddr = strings.TrimSpace(v); return nil },
			show: func(c *config) string { return c.Notify.SMTPAddr }},
		{env: notify.EnvSMTPFrom, commands: []string{cmdDev, cmdWorker}, def: fixed(""),
			help: "sender address of notification e-mails",
			set:  func(c *config, v string) error { c.Notify.SMTPFrom = strings.TrimSpace(v); return nil },
			show: func(c *config) string { return c.Notify.SMTPFrom }},
		{env: notify.EnvSMTPUser, commands: []string{cmdDev, cmdWorker}, def: fixed(""),
			help: "SMTP user name",
			set:  func(c *config, v string) error { c.Notify.SMTPUser = v; return nil },
			show: func(c *config) string { return c.Notify.SMTPUser }},
		{env: notify.EnvSMTPPassword, commands: []string{cmdDev, cmdWorker}, def: fixed(""),
			help: "SMTP password (environment only)",
			set:  func(c *config, v string) error { c.Notify.SMTPPassword = v; return nil },
			show: func(c *config) string {
				if c.Notify.SMTPPassword == "" {
					return ""
				}
				return "***"
			}},
		{flag: "webhook-allow-cidrs", env: notify.EnvWebhookAllowCIDRs, commands: []string{cmdDev, cmdServe, cmdWorker}, def: fixed(""),
			help: "comma-separated networks (CIDRs or addresses) users' webhooks may reach besides public addresses, e.g. 10.20.0.0/16 for an intranet receiver (default: none: loopback, private, link-local, CGNAT and other non-public addresses are refused)",
			set: func(c *config, v string) error {
				allow, err := notify.ParseCIDRs(v)
				if err != nil {
					return err
				}
				c.Notify.WebhookAllow = allow
				return nil
			}, show: func(c *config) string { return notify.FormatCIDRs(c.Notify.WebhookAllow) }},
		{flag: "migrate", env: "DATAGATE_MIGRATE", commands: []string{cmdServe, cmdWorker}, def: fixed("false"),
			help: "apply pending schema migrations at start-up (dev always does)",
			set: func(c *config, v string) error {
				b, err := strconv.ParseBool(v)
				if err != nil {
					return errors.New("use true or false")
				}
				c.Migrate = b
				return nil
			}, show: func(c *config) string { return strconv.FormatBool(c.Migrate) }},
		{flag: "rate-limit", env: "DATAGATE_RATE_LIMIT", commands: []string{cmdDev, cmdServe}, def: fixed(formatRateLimit(api.DefaultRateLimits().PerIP)),
			help: "API requests allowed per client address and per signed-in user: RATE/s,BURST (e.g. 20/s,60), or off",
			set: func(c *config, v string) error {
				l, err := parseRateLimit(v)
				if err != nil {
					return err
				}
				c.RateLimits = api.RateLimits{PerIP: l, PerUser: l}
				return nil
			}, show: func(c *config) string { return formatRateLimit(c.RateLimits.PerIP) }},
		{flag: "trusted-proxies", env: "DATAGATE_TRUSTED_PROXIES", commands: []string{cmdDev, cmdServe}, def: fixed(""),
			help: "comma-separated IPs or CIDRs of the reverse proxies whose X-Forwarded-For names the client (default: none)",
			set: func(c *config, v string) error {
				proxies, err := parseTrustedProxies(v)
				if err != nil {
					return err
				}
				c.TrustedProxies = proxies
				return nil
			}, show: func(c *config) string { return strings.Join(c.TrustedProxies, ",") }},
		{flag: "origins", env: "DATAGATE_ORIGINS", commands: []string{cmdDev, cmdServe}, def: fixed(""),
			help: "comma-separated public addresses (scheme://host[:port]) whose pages may change things, besides the request's own host: needed when a reverse proxy rewrites Host (default: none)",
			set: func(c *config, v string) error {
				origins, err := parseOrigins(v)
				if err != nil {
					return err
				}
				c.Origins = origins
				return nil
			}, show: func(c *config) string { return strings.Join(c.Origins, ",") }},
		{flag: "policy-refresh", env: "DATAGATE_POLICY_REFRESH", commands: []string{cmdDev, cmdServe}, def: fixed(rbac.DefaultRefresh.String()),
			help: "how often to check whether another process changed roles or policy, and reload them when it did",
			set: func(c *config, v string) error {
				d, err := time.ParseDuration(v)
				if err != nil || d < minPolicyRefresh {
					return fmt.Errorf("use a duration of at least %v, such as %v", minPolicyRefresh, rbac.DefaultRefresh)
				}
				c.PolicyRefresh = d
				return nil
			}, show: func(c *config) string { return c.PolicyRefresh.String() }},
		{flag: "log-level", env: "DATAGATE_LOG_LEVEL", commands: allCommands, def: fixed("info"),
			help: "log level: debug, info, warn or error",
			set: func(c *config, v string) error {
				if !slices.Contains([]string{"debug", "info", "warn", "error"}, v) {
					return errors.New("use debug, info, warn or error")
				}
				c.LogLevel = v
				return nil
			}, show: func(c *config) string { return c.LogLevel }},
		httpTimeout("http-read-header-timeout", "DATAGATE_HTTP_READ_HEADER_TIMEOUT", defaultHTTPTimeouts.ReadHeader,
			"how long a client may take to send a request's headers",
			func(t *httpTimeouts) *time.Duration { return &t.ReadHeader }),
		httpTimeout("http-read-timeout", "DATAGATE_HTTP_READ_TIMEOUT", defaultHTTPTimeouts.Read,
			"how long a client may take to send a whole request, body included (a body dribbled slower is cut off)",
			func(t *httpTimeouts) *time.Duration { return &t.Read }),
		httpTimeout("http-write-timeout", "DATAGATE_HTTP_WRITE_TIMEOUT", defaultHTTPTimeouts.Write,
			"how long an answer may take from the end of the request's headers (a CSV download has 2 minutes for each part it sends instead); keep it above the 30 s a decision waits for its workflow",
			func(t *httpTimeouts) *time.Duration { return &t.Write }),
		httpTimeout("http-idle-timeout", "DATAGATE_HTTP_IDLE_TIMEOUT", defaultHTTPTimeouts.Idle,
			"how long a kept-alive connection may wait for its next request",
			func(t *httpTimeouts) *time.Duration { return &t.Idle }),
		{flag: "shutdown-timeout", env: "DATAGATE_SHUTDOWN_TIMEOUT", commands: []string{cmdDev, cmdServe, cmdWorker}, def: fixed("25s"),
			help: "on SIGTERM, how long HTTP requests and running activities may take to finish",
			set: func(c *config, v string) error {
				d, err := time.ParseDuration(v)
				if err != nil || d <= 0 {
					return errors.New("use a positive duration such as 25s")
				}
				c.ShutdownTimeout = d
				return nil
			}, show: func(c *config) string { return c.ShutdownTimeout.String() }},
	}
}

// httpTimeouts are the HTTP server's timeouts (newHTTPServer).
type httpTimeouts struct {
	ReadHeader, Read, Write, Idle time.Duration
}

// defaultHTTPTimeouts: a request has 10 s for its headers and 30 s in all
// (a 1 MiB body at 35 KB/s); an answer has 2 minutes (a decision waits up
// to 30 s for its workflow); an idle connection is closed after 2 minutes.
var defaultHTTPTimeouts = httpTimeouts{ReadHeader: 10 * time.Second, Read: 30 * time.Second, Write: 2 * time.Minute, Idle: 2 * time.Minute}

// sizeSetting is a size in bytes (dev, serve), written with a unit: KiB,
// MiB or GiB.
func sizeSetting(flag, env string, def int64, help string, field func(*config) *int64) setting {
	return setting{flag: flag, env: env, commands: []string{cmdDev, cmdServe}, def: fixed(formatSize(def)), help: help,
		set: func(c *config, v string) error {
			n, err := parseSize(v)
			if err != nil {
				return err
			}
			*field(c) = n
			return nil
		}, show: func(c *config) string { return formatSize(*field(c)) }}
}

// parseSize reads 512KiB, 20MiB or 1GiB.
func parseSize(v string) (int64, error) {
	bad := errors.New("use a size with its unit, e.g. 512KiB, 20MiB or 1GiB")
	for _, u := range []struct {
		suffix string
		shift  uint
	}{{"GiB", 30}, {"MiB", 20}, {"KiB", 10}} {
		if num, ok := strings.CutSuffix(strings.TrimSpace(v), u.suffix); ok {
			n, err := strconv.ParseInt(strings.TrimSpace(num), 10, 64)
			if err != nil || n <= 0 || n > 1<<(62-u.shift) {
				return 0, bad
			}
			return n << u.shift, nil
		}
	}
	return 0, bad
}

// formatSize writes a size in the largest unit that divides it.
func formatSize(n int64) string {
	switch {
	case n%(1<<30) == 0:
		return strconv.FormatInt(n>>30, 10) + "GiB"
	case n%(1<<20) == 0:
		return strconv.FormatInt(n>>20, 10) + "MiB"
	default:
		return strconv.FormatInt(n>>10, 10) + "KiB"
	}
}

// redacted shows a secret as *** when it is set.
func redacted(v string) string {
	if v == "" {
		return ""
	}
	return "***"
}

// httpTimeout is the setting of one of the HTTP server's timeouts: a
// positive duration, dev, serve and worker.
func httpTimeout(flag, env string, def time.Duration, help string, field func(*httpTimeouts) *time.Duration) setting {
	return setting{flag: flag, env: env, commands: []string{cmdDev, cmdServe, cmdWorker}, def: fixed(def.String()), help: help,
		set: func(c *config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return fmt.Errorf("use a positive duration such as %v", def)
			}
			*field(&c.HTTPTimeouts) = d
			return nil
		}, show: func(c *config) string { return field(&c.HTTPTimeouts).String() }}
}

// minPolicyRefresh is the shortest DATAGATE_POLICY_REFRESH: each poll is
// one query per API process.
const minPolicyRefresh = 100 * time.Millisecond

// rateLimitSyntax is what DATAGATE_RATE_LIMIT takes, for its error.
const rateLimitSyntax = "use RATE/s,BURST (RATE requests a second on average, BURST at once, per client address and per user), e.g. 20/s,60 (the default); or off"

// parseRateLimit reads "RATE/s,BURST" (also "RATE/m,BURST", per minute),
// or "off" for no limit.
func parseRateLimit(v string) (api.RateLimit, error) {
	v = strings.TrimSpace(v)
	if strings.EqualFold(v, "off") {
		return api.RateLimit{}, nil
	}
	rateText, burstText, ok := strings.Cut(v, ",")
	if !ok {
		return api.RateLimit{}, errors.New(rateLimitSyntax)
	}
	num, unit, ok := strings.Cut(strings.TrimSpace(rateText), "/")
	per := map[string]float64{"s": 1, "m": 60}[strings.TrimSpace(unit)]
	r, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if !ok || per == 0 || err != nil || r <= 0 || math.IsInf(r, 0) || math.IsNaN(r) {
		return api.RateLimit{}, errors.New(rateLimitSyntax)
	}
	b, err := strconv.Atoi(strings.TrimSpace(burstText))
	if err != nil || b < 1 {
		return api.RateLimit{}, errors.New(rateLimitSyntax)
	}
	return api.RateLimit{Rate: r / per, Burst: b}, nil
}

// formatRateLimit writes a limit as parseRateLimit reads it.
func formatRateLimit(l api.RateLimit) string {
	if l.Rate <= 0 || l.Burst <= 0 {
		return "off"
	}
	return strconv.FormatFloat(l.Rate, 'f', -1, 64) + "/s," + strconv.Itoa(l.Burst)
}

// parseOrigins reads comma-separated origins, scheme://host[:port].
func parseOrigins(v string) ([]string, error) {
	var out []string
	for _, o := range strings.Split(v, ",") {
		if o = strings.TrimRight(strings.TrimSpace(o), "/"); o == "" {
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" {
			return nil, fmt.Errorf("%q is not an origin: write scheme://host[:port], e.g. https://datagate.example.gov.cn", o)
		}
		out = append(out, o)
	}
	return out, nil
}

// parseTrustedProxies reads comma-separated IP addresses and CIDRs.
func parseTrustedProxies(v string) ([]string, error) {
	var out []string
	for _, p := range strings.Split(v, ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if _, err := netip.ParsePrefix(p); err != nil {
			if a, err := netip.ParseAddr(p); err != nil || a.Zone() != "" {
				return nil, fmt.Errorf("%q is neither an IP address nor a CIDR; use comma-separated addresses or networks of your reverse proxies, e.g. 10.0.0.0/8,192.168.1.10, or leave it empty to trust none", p)
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// knownEnv lists every environment variable the configuration reads.
func knownEnv() []string {
	var out []string
	for _, s := range settings() {
		out = append(out, s.env)
	}
	return out
}

// source says where a value came from, for `config print`.
type source struct {
	env, value, from string // from: default, env, flag
}

// parseConfig reads cmd's configuration: defaults, then the environment,
// then flags. Every bad value is reported, each naming its flag and
// variable and what to write instead.
func parseConfig(cmd string, args []string, getenv func(string) string, stderr io.Writer) (config, error) {
	c, _, err := loadConfig(cmd, args, getenv, stderr)
	return c, err
}

func loadConfig(cmd string, args []string, getenv func(string) string, stderr io.Writer) (config, []source, error) {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	c := config{command: cmd}
	var sources []source
	var errs []error
	values := map[string]*string{}
	for _, s := range settings() {
		if !slices.Contains(s.commands, cmd) {
			continue
		}
		v, from := s.def(cmd), "default"
		if e := getenv(s.env); e != "" {
			v, from = e, "env"
		}
		sources = append(sources, source{env: s.env, value: v, from: from})
		if s.flag != "" {
			values[s.flag] = fs.String(s.flag, v, s.help+" ("+s.env+")")
		}
	}
	if err := fs.Parse(args); err != nil {
		return c, nil, errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "datagate %s: unexpected argument %q\n", cmd, fs.Arg(0))
		return c, nil, errUsage
	}
	fs.Visit(func(f *flag.Flag) {
		for i, s := range settings() {
			_ = i
			if s.flag == f.Name {
				for j := range sources {
					if sources[j].env == s.env {
						sources[j].value, sources[j].from = f.Value.String(), "flag"
					}
				}
			}
		}
	})
	for _, s := range settings() {
		if !slices.Contains(s.commands, cmd) {
			continue
		}
		var v string
		for _, src := range sources {
			if src.env == s.env {
				v = src.value
			}
		}
		if err := s.set(&c, v); err != nil {
			name := s.env
			if s.flag != "" {
				name = "--" + s.flag + " / " + s.env
			}
			errs = append(errs, fmt.Errorf("%s %q: %w", name, shown(s, v), err))
		}
	}
	// Demo users in production would be a known password on every role.
	if cmd != cmdDev {
		if v := getenv("DATAGATE_DEMO"); v != "" && v != "false" && v != "0" {
			errs = append(errs, errors.New("DATAGATE_DEMO is for `datagate dev` only: demo users share a published password; in production set DATAGATE_ADMIN_PASSWORD and create users through the admin API"))
		}
	}
	if t := c.HTTPTimeouts; t.ReadHeader > 0 && t.Read > 0 && t.ReadHeader > t.Read {
		errs = append(errs, fmt.Errorf("--http-read-header-timeout / DATAGATE_HTTP_READ_HEADER_TIMEOUT (%v) is longer than --http-read-timeout / DATAGATE_HTTP_READ_TIMEOUT (%v), which bounds the headers too: shorten it or lengthen the other", t.ReadHeader, t.Read))
	}
	if cmd != cmdDev && c.DB == "" {
		errs = append(errs, errors.New("--db is required (or DATAGATE_DB): e.g. mysql://user:pass@tcp(mysql:3306)/datagate or sqlite:///var/lib/datagate/datagate.db"))
	}
	if cmd == cmdDev {
		c.resolveDev()
	}
	if len(errs) > 0 {
		return c, sources, fmt.Errorf("configuration:\n  %w", joinErrs(errs))
	}
	return c, sources, nil
}

// shown is a value as an error may quote it: secrets never.
func shown(s setting, v string) string {
	switch s.env {
	case "DATAGATE_ADMIN_PASSWORD", "DATAGATE_TOTP_KEY", "DATAGATE_SIGNING_KEY", files.EnvS3SecretKey, notify.EnvSMTPPassword:
		return "***"
	case "DATAGATE_DB":
		return store.RedactDSN(v)
	}
	return v
}

type multiErr []error

func (m multiErr) Error() string {
	parts := make([]string, len(m))
	for i, e := range m {
		parts[i] = e.Error()
	}
	return strings.Join(parts, "\n  ")
}

func (m multiErr) Unwrap() []error { return m }

func joinErrs(errs []error) error { return multiErr(errs) }

// resolveDev fills dev's defaults that depend on the data directory.
func (c *config) resolveDev() {
	if abs, err := filepath.Abs(c.Data); err == nil {
		c.Data = abs
	}
	if c.DB == "" {
		c.DB = "sqlite://" + filepath.Join(c.Data, "datagate.db")
	}
	if c.Holidays == "" {
		c.Holidays = filepath.Join(c.Data, "holidays")
	}
	if c.Files == "" {
		c.Files = filepath.Join(c.Data, "files")
	}
}

// runConfig is `datagate config print [COMMAND] [flags]`: the effective
// configuration of COMMAND (default serve), secrets redacted, each value
// with where it came from.
func runConfig(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "print" {
		fmt.Fprint(stderr, "usage: datagate config print [dev|serve|worker|migrate] [flags]\n")
		return errUsage
	}
	args = args[1:]
	cmd := cmdServe
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
		if !slices.Contains(allCommands, cmd) {
			fmt.Fprintf(stderr, "datagate config print: unknown command %q; use dev, serve, worker or migrate\n", cmd)
			return errUsage
		}
	}
	c, sources, err := loadConfig(cmd, args, getenv, stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "# datagate %s: effective configuration (secrets redacted)\n", cmd)
	for _, s := range settings() {
		if !slices.Contains(s.commands, cmd) {
			continue
		}
		from := "default"
		for _, src := range sources {
			if src.env == s.env {
				from = src.from
			}
		}
		fmt.Fprintf(stdout, "%s=%s\t# %s\n", s.env, s.show(&c), from)
	}
	return nil
}
