package notify

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// Schedule IDs: fixed, so that EnsureSchedules finds them again.
const (
	DispatchScheduleID     = "datagate-dispatch"
	DailyDigestScheduleID  = "datagate-digest-daily"
	WeeklyDigestScheduleID = "datagate-digest-weekly"
)

// dispatchRunTimeout bounds one dispatch run, so that runs queued while no
// worker polls expire instead of piling up; a delivery it held is claimed
// again once its claim lapses.
const dispatchRunTimeout = 20 * time.Minute

// Schedules are the notification schedules cfg asks for.
//
// Dispatch runs every DispatchEvery and may overlap: each run claims its
// own deliveries, so a webhook retrying for minutes holds up nobody else's.
// The digests run by cron in TimeZone, one at a time; a run missed while
// the server was down is made up within an hour. The clean-up runs hourly
// (cleanup.go).
func Schedules(cfg Config) []client.ScheduleOptions {
	cfg = cfg.Defaults()
	return []client.ScheduleOptions{
		{
			ID:   DispatchScheduleID,
			Spec: client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: cfg.DispatchEvery}}},
			Action: &client.ScheduleWorkflowAction{
				ID: DispatchScheduleID, Workflow: DispatchWorkflowName, TaskQueue: cfg.TaskQueue,
				Args: []any{DispatchInput{Limit: cfg.BatchSize}}, WorkflowExecutionTimeout: dispatchRunTimeout,
			},
			Overlap:       enumspb.SCHEDULE_OVERLAP_POLICY_ALLOW_ALL,
			CatchupWindow: time.Minute,
			Note:          "DataGate: send pending e-mail and webhook notifications",
		},
		digestSchedule(cfg, DailyDigestScheduleID, cfg.DailyDigest, DigestDaily, "DataGate: each department's daily digest"),
		digestSchedule(cfg, WeeklyDigestScheduleID, cfg.WeeklyDigest, DigestWeekly, "DataGate: the supervisors' weekly digest"),
		cleanupSchedule(cfg),
	}
}

func digestSchedule(cfg Config, id, cron, kind, note string) client.ScheduleOptions {
	return client.ScheduleOptions{
		ID:   id,
		Spec: client.ScheduleSpec{CronExpressions: []string{cron}, TimeZoneName: cfg.TimeZone},
		Action: &client.ScheduleWorkflowAction{
			ID: id, Workflow: DigestWorkflowName, TaskQueue: cfg.TaskQueue,
			Args: []any{DigestInput{Kind: kind}}, WorkflowExecutionTimeout: time.Hour,
		},
		Overlap:       enumspb.SCHEDULE_OVERLAP_POLICY_SKIP,
		CatchupWindow: time.Hour,
		Note:          note,
	}
}

// EnsureSchedules creates the notification schedules, or brings existing
// ones to cfg's spec, action and policies; a schedule an operator paused
// stays paused. Calling it at every start-up is safe.
func EnsureSchedules(ctx context.Context, c client.Client, cfg Config) error {
	if _, err := time.LoadLocation(cfg.Defaults().TimeZone); err != nil {
		return fmt.Errorf("notification schedules: time zone %q: %w", cfg.TimeZone, err)
	}
	sc := c.ScheduleClient()
	for _, want := range Schedules(cfg) {
		_, err := sc.Create(ctx, want)
		if err == nil {
			continue
		}
		if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
			return fmt.Errorf("create schedule %s: %w", want.ID, err)
		}
		err = sc.GetHandle(ctx, want.ID).Update(ctx, client.ScheduleUpdateOptions{
			DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
				s := in.Description.Schedule
				spec := want.Spec
				s.Spec = &spec
				s.Action = want.Action
				s.Policy = &client.SchedulePolicies{Overlap: want.Overlap, CatchupWindow: want.CatchupWindow}
				return &client.ScheduleUpdate{Schedule: &s}, nil
			},
		})
		if err != nil {
			return fmt.Errorf("update schedule %s: %w", want.ID, err)
		}
	}
	return nil
}

// DispatchNow starts a dispatch run at once, e.g. after a burst of
// decisions or from an operator's command; the schedule's runs go on.
func DispatchNow(ctx context.Context, c client.Client, cfg Config) (client.WorkflowRun, error) {
	cfg = cfg.Defaults()
	id := DispatchScheduleID + "-now-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: id, TaskQueue: cfg.TaskQueue, WorkflowExecutionTimeout: dispatchRunTimeout,
	}, DispatchWorkflowName, DispatchInput{Limit: cfg.BatchSize})
	if err != nil {
		return nil, fmt.Errorf("start a dispatch run: %w", err)
	}
	return run, nil
}
