package notify

import (
	"errors"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/datagate/datagate/store"
)

// Registry is a worker or a test environment.
type Registry interface {
	RegisterWorkflowWithOptions(any, workflow.RegisterOptions)
	RegisterActivityWithOptions(any, activity.RegisterOptions)
}

// Register adds the notification workflows and activities, under their
// fixed names, to a worker on TaskQueue.
func Register(r Registry, d Deps) {
	RegisterWorkflows(r)
	a := NewActivities(d)
	r.RegisterActivityWithOptions(a.Claim, activity.RegisterOptions{Name: ClaimActivityName})
	r.RegisterActivityWithOptions(a.Deliver, activity.RegisterOptions{Name: DeliverActivityName})
	r.RegisterActivityWithOptions(a.GiveUp, activity.RegisterOptions{Name: GiveUpActivityName})
	r.RegisterActivityWithOptions(a.Digest, activity.RegisterOptions{Name: DigestActivityName})
	r.RegisterActivityWithOptions(a.Cleanup, activity.RegisterOptions{Name: CleanupActivityName})
}

// RegisterWorkflows adds the notification workflows only (a replayer).
func RegisterWorkflows(r interface {
	RegisterWorkflowWithOptions(any, workflow.RegisterOptions)
}) {
	r.RegisterWorkflowWithOptions(DispatchWorkflow, workflow.RegisterOptions{Name: DispatchWorkflowName})
	r.RegisterWorkflowWithOptions(DigestWorkflow, workflow.RegisterOptions{Name: DigestWorkflowName})
	r.RegisterWorkflowWithOptions(CleanupWorkflow, workflow.RegisterOptions{Name: CleanupWorkflowName})
}

// DeliverRetryPolicy is how Deliver is retried: after 2 s, doubling, at
// most 5 minutes apart, 8 attempts in all (about 8.5 minutes); a
// non-retryable failure (a webhook's 4xx, an SMTP 5xx) stops at once.
func DeliverRetryPolicy() *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval:    2 * time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    5 * time.Minute,
		MaximumAttempts:    8,
	}
}

// maxInFlight bounds the deliveries one dispatch run sends at once.
const maxInFlight = 20

// DispatchInput asks for one dispatch run.
type DispatchInput struct {
	// Limit is how many deliveries to claim; 0: the configured batch.
	Limit int `json:"limit,omitempty"`
}

// DispatchResult counts what one run did.
type DispatchResult struct {
	Claimed int `json:"claimed"`
	Sent    int `json:"sent"`
	Skipped int `json:"skipped"`
	Failed  int `json:"failed"`
}

// storeOptions are those of the activities that only touch the database.
func storeOptions(timeout time.Duration) workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: timeout,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: 2 * time.Second, BackoffCoefficient: 2,
			MaximumInterval: time.Minute, MaximumAttempts: 5},
	}
}

// DispatchWorkflow claims pending deliveries and sends them, each with the
// Deliver activity and its retries, concurrently; a delivery whose
// retries run out is closed as failed.
func DispatchWorkflow(ctx workflow.Context, in DispatchInput) (DispatchResult, error) {
	var res DispatchResult
	db := workflow.WithActivityOptions(ctx, storeOptions(time.Minute))
	var ids []uint64
	if err := workflow.ExecuteActivity(db, ClaimActivityName, in.Limit).Get(ctx, &ids); err != nil {
		return res, err
	}
	res.Claimed = len(ids)
	send := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         DeliverRetryPolicy(),
	})
	// At most maxInFlight deliveries at a time, a new one as soon as one
	// ends: a mail server is not flooded, and a webhook retrying for
	// minutes holds up no other delivery.
	var failed error
	sel := workflow.NewSelector(ctx)
	start := func(id uint64) {
		sel.AddFuture(workflow.ExecuteActivity(send, DeliverActivityName, id), func(f workflow.Future) {
			var status string
			err := f.Get(ctx, &status)
			switch {
			case err == nil && status == store.DeliverySkipped:
				res.Skipped++
			case err == nil && status == store.DeliveryFailed: // closed by an earlier run
				res.Failed++
			case err == nil:
				res.Sent++
			default:
				res.Failed++
				reason := err.Error()
				var app *temporal.ApplicationError
				if errors.As(err, &app) {
					reason = app.Error()
				}
				if err := workflow.ExecuteActivity(db, GiveUpActivityName, id, reason).Get(ctx, nil); err != nil && failed == nil {
					failed = err
				}
			}
		})
	}
	next, inFlight := 0, 0
	for ; next < len(ids) && inFlight < maxInFlight; next++ {
		start(ids[next])
		inFlight++
	}
	for inFlight > 0 {
		sel.Select(ctx)
		inFlight--
		if next < len(ids) {
			start(ids[next])
			next++
			inFlight++
		}
	}
	if failed != nil {
		return res, failed
	}
	return res, nil
}

// DigestWorkflow makes one run's digests; the next dispatch sends them.
func DigestWorkflow(ctx workflow.Context, in DigestInput) (DigestResult, error) {
	if in.At.IsZero() {
		in.At = workflow.Now(ctx)
	}
	var res DigestResult
	ctx = workflow.WithActivityOptions(ctx, storeOptions(2*time.Minute))
	err := workflow.ExecuteActivity(ctx, DigestActivityName, in).Get(ctx, &res)
	return res, err
}
