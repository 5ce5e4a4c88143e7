package notify_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/notify"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/workflows"
)

func cst(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, calendar.Zone)
}

// digestFixture writes, on the eve of the 2025 National Day holiday
// (1-8 October off; Sunday 28 September and Saturday 11 October worked),
// open tasks around the "due within 3 working days" window and decided
// ones for the on-time rate. The digests are made on Monday 29 September.
func digestFixture(t *testing.T) (*fixture, *notify.Activities, time.Time) {
	f := newFixture(t)
	ctx := context.Background()
	wf := workflows.ApplicationWorkflowID(f.app)
	task := func(n int, kind, dept string, opened, due time.Time) store.Task {
		return store.Task{ID: fmt.Sprintf("%s-t%d", wf, n), ApplicationID: f.app, WorkflowID: wf, Kind: kind,
			Department: dept, Status: domain.TaskOpen, Round: 1, OpenedAt: opened, DueAt: due}
	}
	decided := func(tk store.Task, at time.Time) store.Task {
		tk.Status, tk.DecidedAt, tk.Decision = domain.TaskDone, &at, "approve"
		return tk
	}
	tasks := []store.Task{
		// Overdue: due Thursday 25 September, so Friday 26, Sunday 28
		// (worked) and Monday 29 are 3 working days late.
		task(1, domain.TaskDepartmentReview, "gsa", cst(2025, 8, 28, 10, 0), f.cal.DueAt(cst(2025, 8, 28, 10, 0), 20)),
		// Due within 3 working days (30 September, 9 and 10 October).
		task(2, domain.TaskModelReview, "gsa", cst(2025, 9, 10, 10, 0), cst(2025, 10, 10, 23, 59).Add(59*time.Second)),
		// Due on Saturday 11 October, a worked day: the 4th working day,
		// outside the window.
		task(3, domain.TaskDepartmentReview, "gsa", cst(2025, 9, 12, 10, 0), cst(2025, 10, 11, 23, 59).Add(59*time.Second)),
		// Another department's, due tomorrow.
		task(4, domain.TaskDepartmentReview, "commerce", cst(2025, 9, 1, 10, 0), cst(2025, 9, 30, 23, 59).Add(59*time.Second)),
		// The applicant's own step: in no department's digest.
		task(5, domain.TaskSignCommitment, "acme-fintech", cst(2025, 9, 1, 10, 0), cst(2025, 9, 15, 23, 59)),
		// Decided by gsa in the last 30 days: one on time, one late.
		decided(task(6, domain.TaskDepartmentReview, "gsa", cst(2025, 9, 1, 10, 0), cst(2025, 9, 20, 23, 59)), cst(2025, 9, 19, 10, 0)),
		decided(task(7, domain.TaskDepartmentReview, "gsa", cst(2025, 9, 1, 10, 0), cst(2025, 9, 10, 23, 59)), cst(2025, 9, 12, 10, 0)),
		// Decided before the 30 days: not counted.
		decided(task(8, domain.TaskDepartmentReview, "gsa", cst(2025, 7, 1, 10, 0), cst(2025, 7, 20, 23, 59)), cst(2025, 7, 19, 10, 0)),
	}
	must(t, f.st.Apply(ctx, store.Change{Tasks: tasks}))
	if got := tasks[0].DueAt; !got.Equal(cst(2025, 9, 25, 23, 59).Add(59 * time.Second)) {
		t.Fatalf("fixture: 20 working days after 28 August is %v", got)
	}
	acts := notify.NewActivities(notify.Deps{Store: f.st, Calendar: f.cal})
	return f, acts, cst(2025, 9, 29, 8, 30)
}

// A department's daily digest lists its overdue tasks and those due within
// 3 working days, counted on the working-day calendar, and its on-time
// rate over the last 30 days; a department with nothing due gets none.
func TestDailyDigest(t *testing.T) {
	f, acts, at := digestFixture(t)
	ctx := context.Background()
	wf := workflows.ApplicationWorkflowID(f.app)
	events, skipped, err := acts.DigestEvents(ctx, notify.DigestInput{Kind: notify.DigestDaily, At: at})
	must(t, err)
	if skipped != "" {
		t.Fatalf("skipped: %s", skipped)
	}
	var orgs []string
	for _, e := range events {
		orgs = append(orgs, e.Org)
	}
	if !slices.Equal(orgs, []string{"commerce", "gsa"}) {
		t.Fatalf("daily digests for %v, want commerce and gsa", orgs)
	}
	gsa := events[1]
	if gsa.Kind != store.EventDigestDaily || gsa.EventKey != "digest.daily:2025-09-29:gsa" || gsa.Data.Digest == nil {
		t.Fatalf("gsa's digest = %+v", gsa)
	}
	dg := gsa.Data.Digest
	if dg.Date != "2025-09-29" || dg.WorkingDays != 3 || !dg.DueBy.Equal(cst(2025, 10, 10, 23, 59).Add(59*time.Second)) || len(dg.Departments) != 1 {
		t.Fatalf("digest = %+v", dg)
	}
	d := dg.Departments[0]
	rate := 0.5
	want := store.DigestDepartment{Department: "gsa", Name: d.Name, NameEn: d.NameEn,
		Overdue:      []store.DigestTask{{ID: wf + "-t1", ApplicationID: f.app, Kind: domain.TaskDepartmentReview, DueAt: cst(2025, 9, 25, 23, 59).Add(59 * time.Second).UTC(), WorkingDays: 3}},
		OverdueCount: 1,
		DueSoon:      []store.DigestTask{{ID: wf + "-t2", ApplicationID: f.app, Kind: domain.TaskModelReview, DueAt: cst(2025, 10, 10, 23, 59).Add(59 * time.Second).UTC(), WorkingDays: 3}},
		DueSoonCount: 1, Decided: 2, OnTime: 1, OnTimeRate: &rate}
	gotRate := d.OnTimeRate
	d.OnTimeRate, want.OnTimeRate = nil, nil
	if fmt.Sprintf("%+v", d) != fmt.Sprintf("%+v", want) || gotRate == nil || *gotRate != rate || d.Name == "" {
		t.Errorf("gsa's part =\n %+v\nwant\n %+v", d, want)
	}

	msg, err := notify.Render(gsa, store.LangZH)
	must(t, err)
	if msg.Subject != "【DataGate】每日摘要 2025-09-29：超期 1 项，3 个工作日内到期 1 项" {
		t.Errorf("subject %q", msg.Subject)
	}
	for _, s := range []string{"超期（1 项）", wf + "-t1（申请 #", "2025-09-25 到期，已超期 3 个工作日", "模型审定）：2025-10-10 到期，剩余 3 个工作日",
		"近 30 日按期办结率：50.0%（办结 2 项，按期 1 项）"} {
		if !strings.Contains(msg.Body, s) {
			t.Errorf("zh digest lacks %q:\n%s", s, msg.Body)
		}
	}
	if strings.Contains(msg.Body, wf+"-t3") {
		t.Errorf("the task due on the 4th working day is listed:\n%s", msg.Body)
	}
	en, err := notify.Render(gsa, store.LangEN)
	must(t, err)
	if !strings.Contains(en.Body, "3 working days overdue") || !strings.Contains(en.Body, "On time over the last 30 days: 50.0% (1 of 2 decided)") {
		t.Errorf("en digest:\n%s", en.Body)
	}

	// Written once: a second run the same day adds nothing.
	res, err := acts.Digest(ctx, notify.DigestInput{Kind: notify.DigestDaily, At: at})
	must(t, err)
	again, err := acts.Digest(ctx, notify.DigestInput{Kind: notify.DigestDaily, At: at.Add(time.Hour)})
	must(t, err)
	if res.Events != 2 || again.Events != 0 {
		t.Errorf("digest runs wrote %d, then %d events; want 2, then 0", res.Events, again.Events)
	}
	n, err := f.st.UnreadCount(ctx, f.user("reviewer-gsa").ID)
	must(t, err)
	if n == 0 {
		t.Error("reviewer-gsa has no unread digest")
	}

	// No daily digest on a day off.
	if _, skipped, err := acts.DigestEvents(ctx, notify.DigestInput{Kind: notify.DigestDaily, At: cst(2025, 10, 1, 8, 30)}); err != nil || skipped == "" {
		t.Errorf("on National Day: skipped %q, %v", skipped, err)
	}
}

// The weekly digest goes to the supervision office and covers every
// department with work, the most overdue first.
func TestWeeklyDigest(t *testing.T) {
	f, acts, at := digestFixture(t)
	events, _, err := acts.DigestEvents(context.Background(), notify.DigestInput{Kind: notify.DigestWeekly, At: at})
	must(t, err)
	if len(events) != 1 || events[0].Org != "inspect" || events[0].Kind != store.EventDigestWeekly {
		t.Fatalf("weekly digests = %+v, want one for inspect", events)
	}
	var got []string
	for _, d := range events[0].Data.Digest.Departments {
		got = append(got, fmt.Sprintf("%s %d/%d/%d", d.Department, d.OverdueCount, d.DueSoonCount, d.Decided))
	}
	if want := []string{"gsa 1/1/2", "commerce 0/1/0"}; !slices.Equal(got, want) {
		t.Errorf("departments = %v, want %v", got, want)
	}
	msg, err := notify.Render(events[0], store.LangZH)
	must(t, err)
	if !strings.HasPrefix(msg.Subject, "【DataGate】督查周报 2025-09-29：超期 1 项") || !strings.Contains(msg.Body, "已超期 3 个工作日") {
		t.Errorf("weekly digest: %q\n%s", msg.Subject, msg.Body)
	}
	_ = f
}

// Every kind of event renders in both languages, with no template gaps.
func TestRenderEveryKind(t *testing.T) {
	due := cst(2026, 3, 20, 23, 59)
	data := store.EventData{Title: "小微企业信贷风控", TaskKind: domain.TaskSignService, Department: "acme-fintech",
		DepartmentName: "某科技公司", DepartmentNameEn: "Acme", DueAt: &due, Status: domain.StatusExiting,
		EndReason: domain.EndTerminated, Message: "请尽快办理", Supervisor: "supervisor", ReplyDueAt: &due, WasDueAt: &due, EndsAt: &due,
		Digest: &store.Digest{Date: "2026-03-02", WorkingDays: 3, Departments: []store.DigestDepartment{{Department: "gsa", Name: "政数局",
			Overdue: []store.DigestTask{}, DueSoon: []store.DigestTask{}}}}}
	for _, kind := range []string{store.EventTaskOpened, store.EventTaskReminded, store.EventTaskOverdue, store.EventTaskUrged, store.EventTaskDueMoved,
		store.EventTaskCancelled, store.EventAppStatus, store.EventAppExpiring, store.EventDigestDaily, store.EventDigestWeekly,
		store.EventProcedureClosed} {
		for _, lang := range notify.Languages() {
			msg, err := notify.Render(store.NotifyEvent{ID: 1, Kind: kind, Org: "acme-fintech", ApplicationID: 7, TaskID: "application-7-t3", Data: data}, lang)
			if err != nil {
				t.Errorf("%s %s: %v", kind, lang, err)
				continue
			}
			if msg.Subject == "" || strings.Contains(msg.Subject, "\n") || len(msg.Body) < 20 ||
				strings.Contains(msg.Subject+msg.Body, "<no value>") || strings.Contains(msg.Subject+msg.Body, "%!") {
				t.Errorf("%s %s: %q\n%s", kind, lang, msg.Subject, msg.Body)
			}
			han := strings.ContainsFunc(msg.Subject, func(r rune) bool {
				return r >= 0x4e00 && r <= 0x9fff && !strings.ContainsRune("小微企业信贷风控某科技公司政数局", r)
			})
			if han != (lang == store.LangZH) {
				t.Errorf("%s %s: subject %q is not in its language", kind, lang, msg.Subject)
			}
		}
	}
	// The applicant's steps say what they are.
	for kind, want := range map[string]string{
		domain.TaskSignService:      "【DataGate】签署授权开发利用服务协议（",
		domain.TaskSelfEvaluation:   "定期评估",
		domain.TaskExitConfirmation: "退出确认期限 2026-03-20",
	} {
		d := data
		d.TaskKind = kind
		msg, err := notify.Render(store.NotifyEvent{Kind: store.EventTaskOpened, ApplicationID: 7, Data: d}, store.LangZH)
		must(t, err)
		if !strings.Contains(msg.Subject, want) {
			t.Errorf("%s: subject %q lacks %q", kind, msg.Subject, want)
		}
	}
	if _, err := notify.Render(store.NotifyEvent{Kind: "no.such.kind"}, store.LangZH); err == nil {
		t.Error("an unknown kind rendered")
	}
}

// The schedules: fixed IDs, Asia/Shanghai, the digests and the clean-up
// one at a time.
func TestScheduleOptions(t *testing.T) {
	got := notify.Schedules(notify.Config{})
	if len(got) != 4 {
		t.Fatalf("%d schedules", len(got))
	}
	ids := []string{got[0].ID, got[1].ID, got[2].ID, got[3].ID}
	if !slices.Equal(ids, []string{notify.DispatchScheduleID, notify.DailyDigestScheduleID, notify.WeeklyDigestScheduleID, notify.CleanupScheduleID}) {
		t.Errorf("IDs %v", ids)
	}
	if got[3].Spec.Intervals[0].Every != time.Hour || got[3].Overlap != enumspb.SCHEDULE_OVERLAP_POLICY_SKIP {
		t.Errorf("clean-up schedule %+v, overlap %v", got[3].Spec, got[3].Overlap)
	}
	if got[0].Spec.Intervals[0].Every != time.Minute || got[1].Spec.TimeZoneName != "Asia/Shanghai" ||
		got[1].Spec.CronExpressions[0] != "30 8 * * *" || got[2].Spec.CronExpressions[0] != "0 9 * * 1" {
		t.Errorf("specs %+v %+v %+v", got[0].Spec, got[1].Spec, got[2].Spec)
	}
}

func TestLanguageFor(t *testing.T) {
	for h, want := range map[string]string{
		"": store.LangZH, "zh-CN,zh;q=0.9": store.LangZH, "en-US,en;q=0.9": store.LangEN, "en": store.LangEN,
		"zh-CN;q=0.5, en;q=0.8": store.LangEN, "fr-FR, en;q=0.5": store.LangEN, "de": store.LangZH, "en;q=0.2, zh": store.LangZH,
	} {
		if got := notify.LanguageFor(h); got != want {
			t.Errorf("LanguageFor(%q) = %s, want %s", h, got, want)
		}
	}
}
