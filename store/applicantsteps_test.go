package store

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
)

// applicantStepsFixture writes two applications around the 2025 National
// Day holiday and returns them with the time the figures are read at:
// acme-fintech's (an enterprise), and commerce's (a provider department
// applying for gsa's data, so an org of a department's kind is the
// applicant). Each has an applicant's own step overdue now; commerce's
// application also has its commitment signed late in the period. The
// departments' own work is one gsa review overdue, and one commerce review
// and one gsa review decided on time.
func applicantStepsFixture(t *testing.T, s *Store) (acme, commerce uint64, now time.Time) {
	t.Helper()
	ctx := context.Background()
	cat := loadCatalog(t)
	acme = submittedApp(t, s, firstOf(t, cat, "gsa"), firstOf(t, cat, "commerce"))
	a := newDraft(cat, firstOf(t, cat, "gsa"))
	a.ApplicantOrg, a.ApplicantUser = "commerce", "reviewer-commerce"
	must(t, s.CreateApplication(ctx, a))
	must(t, s.MarkSubmitted(ctx, a.ID, fmt.Sprintf("application-%d", a.ID), time.Now()))
	commerce = a.ID
	writeTasks(t, s, acme,
		taskSpec{"acme-initial", domain.TaskInitialReview, "bdc", domain.TaskDone, domain.DecisionReturn, cst(2025, 9, 22, 10), cst(2025, 9, 29, 23), ptr(cst(2025, 9, 23, 10))},
		taskSpec{"acme-supplement", domain.TaskSupplement, "acme-fintech", domain.TaskOpen, "", cst(2025, 9, 23, 10), cst(2025, 10, 2, 23), nil},
		taskSpec{"acme-gsa", domain.TaskDepartmentReview, "gsa", domain.TaskOpen, "", cst(2025, 9, 26, 10), cst(2025, 10, 17, 23), nil},
		taskSpec{"acme-commerce", domain.TaskDepartmentReview, "commerce", domain.TaskDone, domain.DecisionApprove, cst(2025, 9, 26, 10), cst(2025, 10, 20, 23), ptr(cst(2025, 10, 9, 10))},
	)
	writeTasks(t, s, commerce,
		taskSpec{"com-initial", domain.TaskInitialReview, "bdc", domain.TaskDone, domain.DecisionReturn, cst(2025, 9, 22, 10), cst(2025, 9, 29, 23), ptr(cst(2025, 9, 24, 10))},
		taskSpec{"com-supplement", domain.TaskSupplement, "commerce", domain.TaskOpen, "", cst(2025, 9, 24, 10), cst(2025, 10, 10, 23), nil},
		taskSpec{"com-gsa", domain.TaskDepartmentReview, "gsa", domain.TaskDone, domain.DecisionApprove, cst(2025, 9, 10, 10), cst(2025, 9, 30, 23), ptr(cst(2025, 9, 12, 10))},
		taskSpec{"com-commitment", domain.TaskSignCommitment, "commerce", domain.TaskDone, domain.DecisionSign, cst(2025, 9, 10, 10), cst(2025, 10, 10, 23), ptr(cst(2025, 10, 15, 10))},
	)
	return acme, commerce, cst(2025, 10, 20, 9)
}

func taskIDs(ts []Task) []string {
	out := []string{}
	for _, t := range ts {
		out = append(out, t.ID)
	}
	return out
}

// An applicant's lateness is not a department's: its own steps count in no
// department's open, overdue or on-time figures and are in no overdue list
// of supervision, even when the applicant is itself a department; the
// applicant still finds them, with their due dates, in its inbox.
func TestApplicantStepsAreNotDepartmentFigures(t *testing.T) {
	cal, err := calendar.Default()
	must(t, err)
	notifyStores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		_, _, now := applicantStepsFixture(t, s)

		q := StatsQuery{From: cst(2025, 9, 1, 0), To: cst(2025, 11, 1, 0), Now: now, WorkingDays: cal.Between}
		stats, err := s.DepartmentStats(ctx, q)
		must(t, err)
		byCode := map[string]DepartmentStat{}
		for _, st := range stats {
			byCode[st.Department] = st
		}
		com := byCode["commerce"]
		if com.Open != 0 || com.Overdue != 0 || com.Decided != 1 || com.OnTime != 1 {
			t.Errorf("commerce counts its steps as an applicant: %+v", com)
		}
		wantRate(t, "commerce on-time rate", com.OnTimeRate, 1)
		// 26 Sep -> 9 Oct: 28, 29, 30 Sep and 9 Oct.
		wantRate(t, "commerce median working days", com.MedianReviewDays, 4)
		gsa := byCode["gsa"]
		if gsa.Open != 1 || gsa.Overdue != 1 || gsa.Decided != 1 || gsa.OnTime != 1 {
			t.Errorf("gsa: %+v", gsa)
		}
		q.Department = "commerce"
		one, err := s.DepartmentStats(ctx, q)
		must(t, err)
		if len(one) != 1 || one[0].Open != 0 || one[0].Overdue != 0 || one[0].Decided != 1 || one[0].OnTime != 1 {
			t.Errorf("commerce alone: %+v", one)
		}

		overdue, err := s.OverdueByDepartment(ctx, now)
		must(t, err)
		if len(overdue) != 1 || overdue["gsa"] != 1 {
			t.Errorf("OverdueByDepartment = %v, want gsa 1 only", overdue)
		}
		late, err := s.Overdue(ctx, now, "", 0)
		must(t, err)
		if got := taskIDs(late); !slices.Equal(got, []string{"acme-gsa"}) {
			t.Errorf("Overdue(all) = %v, want the gsa review only", got)
		}
		for _, org := range []string{"commerce", "acme-fintech"} {
			late, err := s.Overdue(ctx, now, org, 0)
			must(t, err)
			if len(late) != 0 {
				t.Errorf("Overdue(%s) = %v, want none", org, taskIDs(late))
			}
		}
		during, err := s.TasksOverdueDuring(ctx, cst(2025, 10, 15, 0), now)
		must(t, err)
		if got := taskIDs(during); !slices.Equal(got, []string{"acme-gsa"}) {
			t.Errorf("TasksOverdueDuring = %v, want the gsa review only", got)
		}

		// The applicants see their own steps, due dates and all.
		for org, want := range map[string]string{"acme-fintech": "acme-supplement", "commerce": "com-supplement"} {
			inbox, err := s.Inbox(ctx, InboxFilter{Department: org, Status: domain.TaskOpen})
			must(t, err)
			if len(inbox) != 1 || inbox[0].ID != want || !inbox[0].DueAt.Before(now) {
				t.Errorf("%s's inbox = %v, want its overdue %s", org, taskIDs(inbox), want)
			}
			open, err := s.OpenTasks(ctx, org, 0)
			must(t, err)
			if got := taskIDs(open); !slices.Equal(got, []string{want}) {
				t.Errorf("OpenTasks(%s) = %v, want %s", org, got, want)
			}
		}
	})
}

// The lists of open department work that supervision and the digests read
// leave the applicants' steps out; IsApplicantStep tells them apart.
func TestOpenDepartmentTasks(t *testing.T) {
	notifyStores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		_, _, now := applicantStepsFixture(t, s)
		for _, dept := range []string{"", "commerce", "gsa"} {
			open, err := s.OpenDepartmentTasks(ctx, dept, 0)
			must(t, err)
			want := []string{"acme-gsa"}
			if dept == "commerce" {
				want = []string{}
			}
			if got := taskIDs(open); !slices.Equal(got, want) {
				t.Errorf("OpenDepartmentTasks(%q) = %v, want %v", dept, got, want)
			}
		}
		due, err := s.DepartmentTasksDueBefore(ctx, now.AddDate(0, 1, 0))
		must(t, err)
		if got := taskIDs(due); !slices.Equal(got, []string{"acme-gsa"}) {
			t.Errorf("DepartmentTasksDueBefore = %v, want the gsa review only", got)
		}
		for id, want := range map[string]bool{"acme-supplement": true, "com-supplement": true, "com-commitment": true,
			"acme-commerce": false, "acme-gsa": false, "com-initial": false} {
			task, err := s.Task(ctx, id)
			must(t, err)
			got, err := s.IsApplicantStep(ctx, task)
			must(t, err)
			if got != want {
				t.Errorf("IsApplicantStep(%s) = %v, want %v", id, got, want)
			}
		}
	})
}

// An applicant's step marked overdue tells the applicant and the org
// awaiting it (the big-data center awaits a supplement; the bureau a
// signature), never a supervision office; a department's overdue task
// still goes to the supervision office.
func TestApplicantOverdueIsNotEscalated(t *testing.T) {
	notifyStores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		acme, commerce, _ := applicantStepsFixture(t, s)
		mark := func(id string) {
			t.Helper()
			task, err := s.Task(ctx, id)
			must(t, err)
			at := task.DueAt
			task.OverdueAt = &at
			must(t, s.Apply(ctx, Change{Tasks: []Task{task}}))
		}
		for _, id := range []string{"acme-supplement", "acme-gsa", "com-supplement"} {
			mark(id)
		}
		// A signature of the applicant's, opened and overdue.
		sign := Task{ID: "com-sign-service", ApplicationID: commerce, WorkflowID: fmt.Sprintf("application-%d", commerce),
			Kind: domain.TaskSignService, Subject: domain.AgreementService, Round: 1, Department: "commerce", Status: domain.TaskOpen,
			OpenedAt: cst(2025, 10, 9, 10), DueAt: cst(2025, 10, 17, 23)}
		must(t, s.Apply(ctx, Change{Tasks: []Task{sign}}))
		mark(sign.ID)

		overdueTo := func(app uint64) map[string][]string {
			evs, err := s.EventsOf(ctx, app)
			must(t, err)
			out := map[string][]string{}
			for _, e := range evs {
				if e.Kind == EventTaskOverdue {
					out[e.TaskID] = append(out[e.TaskID], e.Org)
					if e.Data.ApplicantStep != (e.TaskID != "acme-gsa") {
						t.Errorf("event %s: applicant_step = %v", e.EventKey, e.Data.ApplicantStep)
					}
				}
			}
			return out
		}
		want := map[uint64]map[string][]string{
			acme:     {"acme-supplement": {"acme-fintech", "bdc"}, "acme-gsa": {"gsa", "inspect"}},
			commerce: {"com-supplement": {"commerce", "bdc"}, "com-sign-service": {"commerce", "stbd"}},
		}
		for app, w := range want {
			got := overdueTo(app)
			if fmt.Sprint(got) != fmt.Sprint(w) {
				t.Errorf("application %d: task.overdue went to %v, want %v", app, got, w)
			}
		}
		supervisor := userNamed(t, s, "supervisor")
		list, _, _, err := s.Notifications(ctx, NotificationFilter{UserID: supervisor.ID})
		must(t, err)
		if len(list) != 1 || list[0].Event.TaskID != "acme-gsa" {
			var got []string
			for _, n := range list {
				got = append(got, n.Event.TaskID)
			}
			t.Errorf("the supervisor is told of %v, want acme-gsa only", got)
		}
	})
}

// changeEvents: an applicant's own step newly overdue (before.awaiting has
// it) goes to the applicant and the orgs awaiting it, marked as the
// applicant's, and to no supervision office.
func TestChangeEventsApplicantStep(t *testing.T) {
	opened, due := cst(2025, 3, 3, 9), cst(2025, 3, 6, 9)
	task := Task{ID: "application-7-t3", ApplicationID: 7, WorkflowID: "application-7", Kind: domain.TaskSupplement,
		Department: "acme", Status: domain.TaskOpen, OpenedAt: opened, DueAt: due, OverdueAt: &due}
	before := notifySnapshot{
		tasks:       map[string]Task{task.ID: {ID: task.ID, Status: domain.TaskOpen, OpenedAt: opened, DueAt: due}},
		supervision: []string{"supervision"},
		awaiting:    map[string][]string{task.ID: {"acme", "bdc"}},
	}
	got := changeEvents(Change{Tasks: []Task{task}}, before, due)
	var orgs []string
	for _, e := range got {
		orgs = append(orgs, e.Kind+" "+e.Org)
		if !e.Data.ApplicantStep || e.Data.Department != "acme" {
			t.Errorf("event %s: data %+v", e.EventKey, e.Data)
		}
	}
	if want := []string{"task.overdue acme", "task.overdue bdc"}; !slices.Equal(orgs, want) {
		t.Errorf("events = %v, want %v", orgs, want)
	}
}
