// Command datagate runs DataGate: `datagate dev` starts everything in one
// process; `serve` and `worker` are the production split; `calendar`
// computes working-day deadlines.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, errUsage) {
			fmt.Fprintln(os.Stderr, "datagate:", err)
		}
		os.Exit(1)
	}
}

var errUsage = errors.New("usage")

const usage = `datagate — public-data authorization approvals

Usage:
  datagate dev       [--data DIR] [--http ADDR] [--temporal-port PORT] [--temporal-ui-port PORT|off]
                     everything in one process: embedded Temporal, worker, HTTP, SQLite
  datagate serve     --temporal-address HOST:PORT --db DSN [--http ADDR] [--migrate]
                     [--rate-limit RATE/s,BURST|off] [--trusted-proxies CIDR,...] [--origins URL,...]
                     [--policy-refresh DURATION]
  datagate worker    --temporal-address HOST:PORT --db DSN [--http ADDR] [--migrate]
  datagate migrate   [status] --db DSN
                     apply the pending schema migrations (or list them)
  datagate config print [dev|serve|worker|migrate] [flags]
                     the effective configuration, secrets redacted
  datagate health    [--live] [--url URL]
                     exit 0 when this host's /readyz (or /healthz) answers 200
  datagate calendar due     --from YYYY-MM-DD --days N [--holidays DIR]
  datagate calendar between --from YYYY-MM-DD --to YYYY-MM-DD [--holidays DIR]
  datagate audit verify     --db DSN | --data DIR [--anchor SEQ:HASH] [--json]
                     walk the audit chain; name the first edited, deleted, inserted
                     or reordered row and exit 1
  datagate audit reconcile  --db DSN | --data DIR [--temporal-address HOST:PORT] [--json]
                     compare every workflow with its rows, tasks and audit; list
                     every difference and exit 1 on any
  datagate agreement verify DOC SIG --ca CERT [--json]
                     check an agreement's detached SM2 signature offline against the
                     platform CA certificate; say who signed and when, or exit 1
  datagate agreement ca [--db DSN | --data DIR | --keys DIR]
                     print the platform CA certificate (PEM) to hand to verifiers
  datagate files check  --db DSN | --data DIR [--files LOC] [--delete-orphans [--min-age 24h]]
                     check every file the database names is stored unchanged (exit 1
                     if not); list the files no record names, and delete old ones

Officials' second factor (dev, serve): DATAGATE_REQUIRE_SECOND_FACTOR (the admin,
bureau_officer and supervisor roles sign in with a TOTP code; default true,
false in dev) and DATAGATE_TOTP_KEY (64 hex characters that encrypt the TOTP
secrets at rest; a secret).

Every flag has an environment variable (see README, Configuration):
DATAGATE_DATA, DATAGATE_HTTP, DATAGATE_TEMPORAL_PORT, DATAGATE_TEMPORAL_UI_PORT,
DATAGATE_TEMPORAL_ADDRESS, DATAGATE_NAMESPACE, DATAGATE_DB,
DATAGATE_HOLIDAYS, DATAGATE_DEADLINES, DATAGATE_DEMO, DATAGATE_DEMO_APPLICATIONS, DATAGATE_MIGRATE,
DATAGATE_RATE_LIMIT (dev, serve: API requests per client address and per
user, RATE/s,BURST, default 20/s,60; off disables), DATAGATE_TRUSTED_PROXIES
(dev, serve: comma-separated IPs or CIDRs of reverse proxies trusted to name
the client in X-Forwarded-For; default none), DATAGATE_ORIGINS (dev, serve:
public addresses whose pages may change things, besides the request's own
host; default none), DATAGATE_POLICY_REFRESH (dev,
serve: how often to reload roles and policy changed through another process,
default 5s), DATAGATE_WEBHOOK_ALLOW_CIDRS (dev, serve, worker: comma-separated
networks users' webhooks may reach besides public addresses; default none),
DATAGATE_LOG_LEVEL, DATAGATE_SHUTDOWN_TIMEOUT, DATAGATE_HTTP_READ_HEADER_TIMEOUT,
DATAGATE_HTTP_READ_TIMEOUT, DATAGATE_HTTP_WRITE_TIMEOUT, DATAGATE_HTTP_IDLE_TIMEOUT
(dev, serve, worker: how long a client may take to send its headers, its
whole request and to read the answer, and how long an idle connection
stays open; defaults 10s, 30s, 2m, 2m), DATAGATE_FILES (dev, serve, worker:
where attachments and agreement documents are kept, a directory or
s3://BUCKET?endpoint=HOST:PORT; dev default DATA/files) with DATAGATE_S3_ACCESS_KEY and DATAGATE_S3_SECRET_KEY,
DATAGATE_ATTACHMENT_MAX_FILE and DATAGATE_ATTACHMENT_MAX_APPLICATION (dev,
serve: default 20MiB and 200MiB), DATAGATE_SIGNING_KEY (dev, worker: seals
the SM2 signing keys; a secret); and DATAGATE_ADMIN_PASSWORD,
DATAGATE_SMTP_ADDR, DATAGATE_SMTP_FROM, DATAGATE_SMTP_USER,
DATAGATE_SMTP_PASSWORD.
`

// run is the whole program; main only wires the process to it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errUsage
	}
	switch args[0] {
	case "dev":
		return runDev(ctx, args[1:], getenv, stderr)
	case "serve":
		return runServe(ctx, args[1:], getenv, stderr)
	case "worker":
		return runWorker(ctx, args[1:], getenv, stderr)
	case "migrate":
		return runMigrate(ctx, args[1:], getenv, stdout, stderr)
	case "config":
		return runConfig(args[1:], getenv, stdout, stderr)
	case "health":
		return runHealth(ctx, args[1:], getenv, stdout, stderr)
	case "calendar":
		return runCalendar(args[1:], getenv, stdout, stderr)
	case "audit":
		return runAudit(ctx, args[1:], getenv, stdout, stderr)
	case "agreement":
		return runAgreement(ctx, args[1:], getenv, stdout, stderr)
	case "files":
		return runFiles(ctx, args[1:], getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		fmt.Fprintf(stderr, "unknown command %q\n\n%s", args[0], usage)
		return errUsage
	}
}
