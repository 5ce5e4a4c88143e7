package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/store"
)

// Registered names; never derived from Go identifiers, so a rename never
// breaks a running workflow or a schedule.
const (
	DispatchWorkflowName = "NotifyDispatchWorkflow"
	DigestWorkflowName   = "NotifyDigestWorkflow"

	ClaimActivityName   = "NotifyClaim"
	DeliverActivityName = "NotifyDeliver"
	GiveUpActivityName  = "NotifyGiveUp"
	DigestActivityName  = "NotifyDigest"
)

// claimLease is how long a dispatch run holds the deliveries it claimed:
// longer than Deliver's whole retry schedule (about 9 minutes), so no
// other run sends them meanwhile, and short enough that a run that died
// leaves them to the next.
const claimLease = 30 * time.Minute

// Deps are what the activities need.
type Deps struct {
	Store    *store.Store
	Calendar *calendar.Calendar
	Config   Config
	// HTTPClient posts webhooks; nil: a client that follows no redirect.
	// Either way its connections go only to the addresses
	// AddressAllowed accepts (an *http.Transport's dialer is replaced).
	HTTPClient *http.Client
	// Now is the clock; time.Now if nil.
	Now func() time.Time
}

// Activities are the notification activities.
type Activities struct {
	store *store.Store
	cal   *calendar.Calendar
	cfg   Config
	http  *http.Client
	now   func() time.Time
}

// NewActivities builds the activities from their dependencies.
func NewActivities(d Deps) *Activities {
	a := &Activities{store: d.Store, cal: d.Calendar, cfg: d.Config.Defaults(), http: d.HTTPClient, now: d.Now}
	if a.http == nil {
		a.http = newHTTPClient(a.cfg.WebhookAllow)
	} else {
		a.http = guardClient(a.http, a.cfg.WebhookAllow)
	}
	if a.now == nil {
		a.now = time.Now
	}
	return a
}

// Claim claims up to limit pending deliveries for this run and returns
// their IDs.
func (a *Activities) Claim(ctx context.Context, limit int) ([]uint64, error) {
	if limit <= 0 {
		limit = a.cfg.BatchSize
	}
	return a.store.ClaimPending(ctx, a.now(), claimLease, limit)
}

// Deliver sends one delivery and logs the attempt. It returns the
// delivery's status: sent, or skipped when the user no longer wants or
// can get it (and already-closed deliveries as they are). A failure that
// another try cannot fix (a webhook's 4xx, an SMTP 5xx, a bad address) is
// non-retryable and closes the delivery as failed; any other failure is
// returned for Temporal to retry with backoff.
func (a *Activities) Deliver(ctx context.Context, id uint64) (string, error) {
	job, err := a.store.DeliveryJob(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return "", temporal.NewNonRetryableApplicationError(err.Error(), "NotFound", err)
	}
	if err != nil {
		return "", err
	}
	if job.Delivery.Status != store.DeliveryPending {
		return job.Delivery.Status, nil
	}
	now := a.now()
	if reason := a.skipReason(job); reason != "" {
		return store.DeliverySkipped, a.store.FinishDelivery(ctx, id, store.DeliverySkipped, reason, now)
	}
	lang := job.Contact.Language
	msg, err := Render(job.Event, lang)
	if err != nil {
		return "", temporal.NewNonRetryableApplicationError(err.Error(), "Render", err)
	}
	var code int
	var sendErr error
	switch job.Delivery.Channel {
	case store.ChannelEmail:
		data := composeMail(a.cfg.SMTPFrom, job.Contact.Email, msg,
			fmt.Sprintf("delivery-%d.event-%d@datagate", job.Delivery.ID, job.Event.ID), now)
		code, sendErr = sendMail(ctx, a.cfg, job.Contact.Email, data)
	case store.ChannelWebhook:
		body, err := json.Marshal(WebhookPayload{
			DeliveryID: job.Delivery.ID, EventID: job.Event.ID, Kind: job.Event.Kind, Org: job.Event.Org,
			User: job.User.Username, ApplicationID: job.Event.ApplicationID, TaskID: job.Event.TaskID,
			CreatedAt: job.Event.CreatedAt.UTC(), Language: languageOf(lang), Subject: msg.Subject, Body: msg.Body,
			Data: job.Event.Data,
		})
		if err != nil {
			return "", temporal.NewNonRetryableApplicationError(err.Error(), "Encode", err)
		}
		code, sendErr = postWebhook(ctx, a.http, a.cfg, job.Contact.WebhookURL, job.Contact.WebhookSecret,
			strconv.FormatUint(job.Delivery.ID, 10), job.Event.Kind, body, now)
	default:
		sendErr = &sendError{permanent: true, category: FailureInvalid, err: fmt.Errorf("unknown channel %q", job.Delivery.Channel)}
	}
	attempt := DeliveryAttemptOf(ctx)
	rec := store.DeliveryAttempt{DeliveryID: id, UserID: job.User.ID, Channel: job.Delivery.Channel,
		Attempt: attempt, Status: store.AttemptOK, Code: code, At: now}
	if sendErr == nil {
		if err := a.store.RecordAttempt(ctx, rec, store.DeliverySent); err != nil {
			return "", err
		}
		return store.DeliverySent, nil
	}
	// The stored error starts with its category, which is all the user
	// is shown (FailureOf); the rest is for the operator, as is the log.
	rec.Status, rec.Error, rec.Code = store.AttemptError, categoryOf(sendErr)+": "+sendErr.Error(), codeOf(sendErr)
	if activity.IsActivity(ctx) {
		activity.GetLogger(ctx).Warn("notification delivery failed", "delivery", id, "channel", job.Delivery.Channel,
			"attempt", attempt, "code", rec.Code, "category", categoryOf(sendErr), "error", sendErr.Error())
	}
	final := ""
	if permanent(sendErr) {
		final = store.DeliveryFailed
	}
	if err := a.store.RecordAttempt(ctx, rec, final); err != nil {
		return "", errors.Join(sendErr, err)
	}
	if final != "" {
		return "", temporal.NewNonRetryableApplicationError(sendErr.Error(), "DeliveryRefused", sendErr)
	}
	return "", temporal.NewApplicationError(sendErr.Error(), "DeliveryFailed")
}

// DeliveryAttemptOf is the attempt number of the running activity (1 when
// not run by Temporal).
func DeliveryAttemptOf(ctx context.Context) int {
	if !activity.IsActivity(ctx) {
		return 1
	}
	return int(activity.GetInfo(ctx).Attempt)
}

// skipReason says why a delivery should not go out any more.
func (a *Activities) skipReason(j store.DeliveryJob) string {
	switch {
	case j.User.Disabled:
		return "the user is disabled"
	case j.Delivery.Channel == store.ChannelEmail && !j.Contact.EmailEnabled:
		return "the user turned e-mail off"
	case j.Delivery.Channel == store.ChannelEmail && j.Contact.Email == "":
		return "the user has no e-mail address"
	case j.Delivery.Channel == store.ChannelEmail && !a.cfg.EmailEnabled():
		return "no mail server is configured (" + EnvSMTPAddr + ")"
	case j.Delivery.Channel == store.ChannelWebhook && !j.Contact.WebhookEnabled:
		return "the user turned webhooks off"
	case j.Delivery.Channel == store.ChannelWebhook && (j.Contact.WebhookURL == "" || j.Contact.WebhookSecret == ""):
		return "the user has no webhook URL and secret"
	}
	return ""
}

func languageOf(lang string) string {
	if langIndex(lang) == 1 {
		return store.LangEN
	}
	return store.LangZH
}

// GiveUp closes a delivery whose retries ran out as failed (a delivery
// already closed stays as it is).
func (a *Activities) GiveUp(ctx context.Context, id uint64, reason string) error {
	return a.store.FinishDelivery(ctx, id, store.DeliveryFailed, "gave up: "+reason, a.now())
}
