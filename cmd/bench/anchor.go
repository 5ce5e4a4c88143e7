package main

import (
	"context"
	"time"

	"go.temporal.io/sdk/workflow"
)

// The anchor: a bare Temporal workflow on the same server, with a worker of
// the same options on its own task queue. It does what DataGate's workflows
// do to Temporal and nothing else: Updates whose handlers each run one
// no-op local activity, no-op local activities at start, and a timer
// followed by one local activity. Since the record became true, DataGate's
// write step (Apply) is a regular activity scheduled by the committed
// workflow task; the anchor with Regular set runs its no-ops as regular
// activities too, so that P1 and P2 also show what DataGate costs beyond
// that design's own price.
const (
	anchorQueue        = "bench-anchor"
	anchorWorkflowName = "BenchAnchor"
	anchorNoop         = "BenchNoop"
	anchorMark         = "BenchMark"
	anchorUpdate       = "step"
)

// anchorInput says what one anchor workflow does.
type anchorInput struct {
	// StartActivities no-op local activities run at start.
	StartActivities int `json:"start_activities"`
	// Updates is how many "step" Updates it takes before it completes.
	Updates int `json:"updates"`
	// DueAt, when set, is a timer; when it fires the workflow runs the
	// mark activity and then stays open, as an application with an
	// overdue task does.
	DueAt time.Time `json:"due_at,omitzero"`
	// Regular runs the start and Update no-ops as regular activities on
	// the anchor's queue instead of local activities.
	Regular bool `json:"regular,omitempty"`
}

// noop runs the anchor's no-op, as a local or a regular activity.
func (in anchorInput) noop(ctx workflow.Context) error {
	if in.Regular {
		ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 30 * time.Second})
		return workflow.ExecuteActivity(ctx, anchorNoop).Get(ctx, nil)
	}
	ctx = workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{StartToCloseTimeout: 30 * time.Second})
	return workflow.ExecuteLocalActivity(ctx, anchorNoop).Get(ctx, nil)
}

func anchorWorkflow(ctx workflow.Context, in anchorInput) error {
	lao := workflow.LocalActivityOptions{StartToCloseTimeout: 30 * time.Second}
	ctx = workflow.WithLocalActivityOptions(ctx, lao)
	n := 0
	if err := workflow.SetUpdateHandler(ctx, anchorUpdate, func(ctx workflow.Context) (int, error) {
		if err := in.noop(ctx); err != nil {
			return 0, err
		}
		n++
		return n, nil
	}); err != nil {
		return err
	}
	for range in.StartActivities {
		if err := in.noop(ctx); err != nil {
			return err
		}
	}
	if !in.DueAt.IsZero() {
		// As an application's first Apply arms its task's timer.
		if err := workflow.ExecuteLocalActivity(ctx, anchorMark, true, workflow.GetInfo(ctx).WorkflowExecution.ID).Get(ctx, nil); err != nil {
			return err
		}
		if d := in.DueAt.Sub(workflow.Now(ctx)); d > 0 {
			if err := workflow.Sleep(ctx, d); err != nil {
				return err
			}
		}
		if err := workflow.ExecuteLocalActivity(ctx, anchorMark, false, workflow.GetInfo(ctx).WorkflowExecution.ID).Get(ctx, nil); err != nil {
			return err
		}
		return workflow.Await(ctx, func() bool { return false })
	}
	return workflow.Await(ctx, func() bool { return n >= in.Updates && workflow.AllHandlersFinished(ctx) })
}

// anchorActs are the anchor's activities.
type anchorActs struct{ armed, marks *markCounter }

func (a *anchorActs) noop(context.Context) error { return nil }

// mark counts a timer workflow armed (at its start) or marked (when its
// timer fired).
func (a *anchorActs) mark(_ context.Context, armed bool, id string) error {
	if armed {
		a.armed.hit(id, time.Now())
	} else {
		a.marks.hit(id, time.Now())
	}
	return nil
}
