package notify

import (
	"context"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/workflow"

	"github.com/datagate/datagate/store"
)

// The hourly clean-up of what the API leaves behind: sign-in sessions past
// their expiry, and idempotency keys past store.IdempotencyRetention, with
// the answers they keep for replay. Both tables would otherwise only grow.
// It runs beside the notification schedules because it is one more job of
// the same worker, not because it notifies anyone.
const (
	CleanupScheduleID   = "datagate-cleanup"
	CleanupWorkflowName = "CleanupWorkflow"
	CleanupActivityName = "Cleanup"
	cleanupEvery        = time.Hour
	cleanupTimeout      = 5 * time.Minute
)

// CleanupResult counts what one clean-up deleted.
type CleanupResult struct {
	Sessions        int64 `json:"sessions"`
	IdempotencyKeys int64 `json:"idempotency_keys"`
}

// CleanupWorkflow runs one clean-up.
func CleanupWorkflow(ctx workflow.Context) (CleanupResult, error) {
	var res CleanupResult
	ctx = workflow.WithActivityOptions(ctx, storeOptions(cleanupTimeout))
	err := workflow.ExecuteActivity(ctx, CleanupActivityName).Get(ctx, &res)
	return res, err
}

// Cleanup deletes the expired sessions and the idempotency keys older than
// their retention, as of now.
func (a *Activities) Cleanup(ctx context.Context) (CleanupResult, error) {
	now := a.now()
	var res CleanupResult
	var err error
	if res.Sessions, err = a.store.DeleteExpiredSessions(ctx, now); err != nil {
		return res, err
	}
	res.IdempotencyKeys, err = a.store.PurgeIdempotencyKeys(ctx, now.Add(-store.IdempotencyRetention))
	return res, err
}

func cleanupSchedule(cfg Config) client.ScheduleOptions {
	return client.ScheduleOptions{
		ID:   CleanupScheduleID,
		Spec: client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: cleanupEvery}}},
		Action: &client.ScheduleWorkflowAction{
			ID: CleanupScheduleID, Workflow: CleanupWorkflowName, TaskQueue: cfg.TaskQueue,
			WorkflowExecutionTimeout: time.Hour,
		},
		Overlap:       enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		CatchupWindow: time.Hour,
		Note:          "DataGate: delete expired sign-in sessions and old idempotency keys",
	}
}
