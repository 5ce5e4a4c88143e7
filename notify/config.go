// Package notify delivers DataGate's notifications and digests.
//
// The events themselves are written by package store, in the same
// transaction as the workflow change (or urge) they come from, together
// with each recipient's in-app notification and one outbox row per channel
// the recipient chose. This package sends the outbox: DispatchWorkflow,
// run every minute by a Temporal Schedule (and on demand), claims pending
// deliveries and sends each with the Deliver activity, whose retries back
// off exponentially; e-mail goes over SMTP, webhooks are signed POSTs.
// DigestWorkflow, run by two more schedules, writes each department's
// daily digest and the supervisors' weekly one as events of their own.
// CleanupWorkflow, on a fourth schedule, deletes what the API leaves
// behind: expired sign-in sessions and old idempotency keys.
//
// Nothing here blocks a decision: a decision commits with its events, and
// a slow mail server or a dead webhook only delays their delivery.
package notify

import (
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/datagate/datagate/workflows"
)

// Environment variables of the e-mail settings.
const (
	EnvSMTPAddr     = "DATAGATE_SMTP_ADDR"
	EnvSMTPFrom     = "DATAGATE_SMTP_FROM"
	EnvSMTPUser     = "DATAGATE_SMTP_USER"
	EnvSMTPPassword = "DATAGATE_SMTP_PASSWORD"
)

// TaskQueue is the task queue the notification workflows and activities
// run on: DataGate's one queue.
const TaskQueue = workflows.TaskQueue

// Config configures delivery. The zero value plus Defaults works: e-mail is
// off until SMTPAddr is set.
type Config struct {
	// SMTPAddr is the mail server's host:port (DATAGATE_SMTP_ADDR). Empty:
	// e-mail deliveries are skipped. Port 465 speaks TLS from the start;
	// any other port upgrades with STARTTLS when the server offers it.
	SMTPAddr string
	// SMTPFrom is the sender address (DATAGATE_SMTP_FROM), e.g.
	// "DataGate <noreply@example.gov.cn>".
	SMTPFrom string
	// SMTPUser and SMTPPassword authenticate (PLAIN) when set
	// (DATAGATE_SMTP_USER, DATAGATE_SMTP_PASSWORD). The password is only
	// sent over TLS, or to a server on loopback.
	SMTPUser     string
	SMTPPassword string
	// AllowLoopbackHTTP accepts webhook URLs over plain http to 127.0.0.1
	// (tests only); every other webhook URL must be https. The address
	// must still be allowed (WebhookAllow).
	AllowLoopbackHTTP bool
	// WebhookAllow are the networks webhooks may reach besides public
	// addresses (DATAGATE_WEBHOOK_ALLOW_CIDRS), e.g. an intranet's
	// 10.0.0.0/8; by default none: loopback, private, link-local,
	// multicast, CGNAT and other non-public addresses are refused.
	WebhookAllow []netip.Prefix

	// TaskQueue the schedules start their workflows on; default TaskQueue.
	TaskQueue string
	// BatchSize is how many deliveries one dispatch run claims; default 200.
	BatchSize int
	// DispatchEvery is the dispatch schedule's interval; default 1 minute.
	DispatchEvery time.Duration
	// DailyDigest and WeeklyDigest are the digest schedules, as cron
	// expressions in TimeZone; defaults "30 8 * * *" (08:30 every day;
	// the digest itself skips days off) and "0 9 * * 1" (Monday 09:00).
	DailyDigest, WeeklyDigest string
	// TimeZone of the schedules; default Asia/Shanghai.
	TimeZone string
	// DueSoonWorkingDays is the digests' "due within" window; default 3.
	DueSoonWorkingDays int
	// SendTimeout bounds one SMTP or HTTP attempt; default 20 seconds.
	SendTimeout time.Duration
}

// FromEnv reads the e-mail settings from the environment.
func FromEnv(getenv func(string) string) Config {
	return Config{
		SMTPAddr:     strings.TrimSpace(getenv(EnvSMTPAddr)),
		SMTPFrom:     strings.TrimSpace(getenv(EnvSMTPFrom)),
		SMTPUser:     getenv(EnvSMTPUser),
		SMTPPassword: getenv(EnvSMTPPassword),
	}
}

// Defaults fills in every unset field.
func (c Config) Defaults() Config {
	if c.TaskQueue == "" {
		c.TaskQueue = TaskQueue
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 200
	}
	if c.DispatchEvery <= 0 {
		c.DispatchEvery = time.Minute
	}
	if c.DailyDigest == "" {
		c.DailyDigest = "30 8 * * *"
	}
	if c.WeeklyDigest == "" {
		c.WeeklyDigest = "0 9 * * 1"
	}
	if c.TimeZone == "" {
		c.TimeZone = "Asia/Shanghai"
	}
	if c.DueSoonWorkingDays <= 0 {
		c.DueSoonWorkingDays = 3
	}
	if c.SendTimeout <= 0 {
		c.SendTimeout = 20 * time.Second
	}
	return c
}

// Validate reports every bad setting, each naming its variable.
func (c Config) Validate() error {
	var errs []error
	if c.SMTPAddr != "" {
		host, port, err := net.SplitHostPort(c.SMTPAddr)
		if n, perr := strconv.Atoi(port); err != nil || host == "" || perr != nil || n < 1 || n > 65535 {
			errs = append(errs, fmt.Errorf("%s=%q: give the mail server as host:port, e.g. smtp.example.gov.cn:587", EnvSMTPAddr, c.SMTPAddr))
		}
		if c.SMTPFrom == "" {
			errs = append(errs, fmt.Errorf("%s is required when %s is set: the sender, e.g. DataGate <noreply@example.gov.cn>", EnvSMTPFrom, EnvSMTPAddr))
		}
	}
	if c.SMTPFrom != "" {
		if _, err := mail.ParseAddress(c.SMTPFrom); err != nil {
			errs = append(errs, fmt.Errorf("%s=%q is not an e-mail address: %v", EnvSMTPFrom, c.SMTPFrom, err))
		}
	}
	if (c.SMTPUser == "") != (c.SMTPPassword == "") {
		errs = append(errs, fmt.Errorf("set both %s and %s, or neither", EnvSMTPUser, EnvSMTPPassword))
	}
	if c.TimeZone != "" {
		if _, err := time.LoadLocation(c.TimeZone); err != nil {
			errs = append(errs, fmt.Errorf("time zone %q: %v", c.TimeZone, err))
		}
	}
	return errors.Join(errs...)
}

// EmailEnabled reports whether a mail server is configured.
func (c Config) EmailEnabled() bool { return c.SMTPAddr != "" }
