package notify_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	sdklog "go.temporal.io/sdk/log"
	sdkworker "go.temporal.io/sdk/worker"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/embedded"
	"github.com/datagate/datagate/notify"
	"github.com/datagate/datagate/store"
)

// On a real (embedded) Temporal server with a real worker: EnsureSchedules
// creates the four schedules, a second call changes nothing, a changed
// config updates them and an operator's pause survives; triggering the
// dispatch schedule sends a webhook through the worker, and the weekly
// digest schedule writes the supervisors' digest, and the clean-up
// deletes expired sessions and old idempotency keys but no others.
func TestSchedulesOnTemporal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Temporal server")
	}
	ctx := context.Background()
	port, err := embedded.FreePort("127.0.0.1")
	must(t, err)
	srv, err := embedded.Start(embedded.Options{FrontendPort: port, Namespace: "notify-test", LogLevel: "error"})
	must(t, err)
	defer srv.Stop()
	c, err := client.Dial(client.Options{HostPort: srv.Address(), Namespace: "notify-test",
		Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	must(t, err)
	defer c.Close()

	f := newFixture(t)
	rc := &receiver{t: t, secret: "0123456789abcdef", answers: []int{200}}
	hook := httptest.NewServer(rc)
	defer hook.Close()
	f.contact("reviewer-gsa", store.NotifyContact{WebhookURL: hook.URL, WebhookSecret: rc.secret, WebhookEnabled: true})
	now := time.Now()
	f.openTask(2, domain.TaskDepartmentReview, "gsa", now, now.Add(72*time.Hour))

	cfg := notify.Config{TaskQueue: "notify-test", AllowLoopbackHTTP: true, WebhookAllow: loopbackOnly, DispatchEvery: time.Hour}
	w := sdkworker.New(c, cfg.TaskQueue, sdkworker.Options{})
	notify.Register(w, notify.Deps{Store: f.st, Calendar: f.cal, Config: cfg})
	must(t, w.Start())
	defer w.Stop()

	must(t, notify.EnsureSchedules(ctx, c, cfg))
	must(t, notify.EnsureSchedules(ctx, c, cfg)) // idempotent
	describe := func(id string) *client.ScheduleDescription {
		t.Helper()
		d, err := c.ScheduleClient().GetHandle(ctx, id).Describe(ctx)
		must(t, err)
		return d
	}
	daily := describe(notify.DailyDigestScheduleID)
	if daily.Schedule.Spec.TimeZoneName != "Asia/Shanghai" || daily.Schedule.Policy.Overlap != enumspb.SCHEDULE_OVERLAP_POLICY_SKIP {
		t.Errorf("daily digest schedule: %+v %+v", daily.Schedule.Spec, daily.Schedule.Policy)
	}
	if len(daily.Schedule.Spec.Calendars) == 0 && len(daily.Schedule.Spec.CronExpressions) == 0 {
		t.Errorf("daily digest schedule has no calendar: %+v", daily.Schedule.Spec)
	}
	disp := describe(notify.DispatchScheduleID)
	if len(disp.Schedule.Spec.Intervals) != 1 || disp.Schedule.Spec.Intervals[0].Every != time.Hour {
		t.Errorf("dispatch schedule: %+v", disp.Schedule.Spec)
	}
	act, ok := disp.Schedule.Action.(*client.ScheduleWorkflowAction)
	if !ok || act.TaskQueue != "notify-test" || act.Workflow != notify.DispatchWorkflowName {
		t.Errorf("dispatch action: %+v", disp.Schedule.Action)
	}
	var n int
	it, err := c.ScheduleClient().List(ctx, client.ScheduleListOptions{})
	must(t, err)
	for it.HasNext() {
		e, err := it.Next()
		must(t, err)
		if strings.HasPrefix(e.ID, "datagate-") {
			n++
		}
	}
	if n != 4 {
		t.Errorf("%d datagate schedules after two EnsureSchedules, want 4", n)
	}

	// An operator pauses the weekly digest; a new config updates the
	// dispatch interval and keeps the pause.
	must(t, c.ScheduleClient().GetHandle(ctx, notify.WeeklyDigestScheduleID).Pause(ctx, client.SchedulePauseOptions{Note: "test"}))
	cfg.DispatchEvery = 2 * time.Hour
	must(t, notify.EnsureSchedules(ctx, c, cfg))
	if every := describe(notify.DispatchScheduleID).Schedule.Spec.Intervals[0].Every; every != 2*time.Hour {
		t.Errorf("dispatch every %v after the update, want 2h", every)
	}
	if !describe(notify.WeeklyDigestScheduleID).Schedule.State.Paused {
		t.Error("EnsureSchedules unpaused the weekly digest an operator paused")
	}

	// Trigger the dispatch schedule: the worker sends the webhook.
	must(t, c.ScheduleClient().GetHandle(ctx, notify.DispatchScheduleID).Trigger(ctx, client.ScheduleTriggerOptions{}))
	waitFor(t, 30*time.Second, "the triggered dispatch to post the webhook", func() bool {
		rc.mu.Lock()
		defer rc.mu.Unlock()
		return rc.calls == 1
	})
	waitFor(t, 10*time.Second, "the delivery to be logged", func() bool {
		log := f.deliveryLog("reviewer-gsa")
		return len(log) == 1 && log[0].Status == store.AttemptOK
	})

	// DispatchNow runs one more dispatch at once (nothing left to send).
	run, err := notify.DispatchNow(ctx, c, cfg)
	must(t, err)
	var res notify.DispatchResult
	must(t, run.Get(ctx, &res))
	if res.Claimed != 0 {
		t.Errorf("DispatchNow = %+v, want nothing left", res)
	}

	// Trigger the (paused) weekly digest: a trigger runs it anyway.
	must(t, c.ScheduleClient().GetHandle(ctx, notify.WeeklyDigestScheduleID).Trigger(ctx, client.ScheduleTriggerOptions{}))
	key := "digest.weekly:" + time.Now().In(calendar.Zone).Format(time.DateOnly) + ":inspect"
	waitFor(t, 30*time.Second, "the weekly digest", func() bool {
		evs, err := f.st.EventsOf(ctx, 0)
		must(t, err)
		for _, e := range evs {
			if e.EventKey == key {
				return true
			}
		}
		return false
	})

	checkCleanup(t, ctx, c, f)
}

func checkCleanup(t *testing.T, ctx context.Context, c client.Client, f *fixture) {
	t.Helper()
	u := f.user("reviewer-gsa")
	now := time.Now().UTC()
	for hash, expires := range map[string]time.Time{"expired": now.Add(-time.Minute), "live": now.Add(time.Hour)} {
		must(t, f.st.CreateSession(ctx, &store.Session{IDHash: hash, UserID: u.ID, CSRFToken: "x",
			CreatedAt: now.Add(-2 * time.Hour), ExpiresAt: expires, LastSeenAt: now}))
	}
	for key, at := range map[string]time.Time{"old": now.Add(-store.IdempotencyRetention - time.Minute), "recent": now.Add(-time.Hour)} {
		claim, _, err := f.st.BeginIdempotent(ctx, u.ID, key, "POST /api/v1/applications", at)
		must(t, err)
		must(t, f.st.FinishIdempotent(ctx, claim, 201, []byte(`{"key":"`+key+`"}`)))
	}
	must(t, c.ScheduleClient().GetHandle(ctx, notify.CleanupScheduleID).Trigger(ctx, client.ScheduleTriggerOptions{}))
	gone := func(err error) bool { return errors.Is(err, store.ErrNotFound) }
	waitFor(t, 30*time.Second, "the clean-up to delete the expired session", func() bool {
		_, err := f.st.SessionByHash(ctx, "expired")
		return gone(err)
	})
	if _, err := f.st.SessionByHash(ctx, "live"); err != nil {
		t.Errorf("the clean-up deleted a live session: %v", err)
	}
	later := now.Add(time.Minute)
	if claim, _, err := f.st.BeginIdempotent(ctx, u.ID, "old", "POST /api/v1/applications", later); err != nil || claim == nil {
		t.Errorf("a key past its retention: claim %v, %v; want it forgotten", claim, err)
	}
	if claim, prev, err := f.st.BeginIdempotent(ctx, u.ID, "recent", "POST /api/v1/applications", later); err != nil || claim != nil || prev.Status != 201 {
		t.Errorf("a recent key: claim %v, %d, %v; want its answer kept", claim, prev.Status, err)
	}
}

func waitFor(t *testing.T, d time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
