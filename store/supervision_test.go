package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
)

// supervisionStores are the test stores with the supervision tables,
// emptied (a MySQL database is shared between runs).
func supervisionStores(t *testing.T, fn func(t *testing.T, s *Store)) {
	forEachStore(t, func(t *testing.T, s *Store) {
		must(t, s.MigrateSupervision(context.Background()))
		db := s.db.Session(&gorm.Session{AllowGlobalUpdate: true})
		for _, m := range []any{&Urge{}, &GroundlessFlag{}} {
			must(t, db.Delete(m).Error)
		}
		fn(t, s)
	})
}

// cst is a wall-clock time in Asia/Shanghai.
func cst(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, calendar.Zone)
}

func ptr[T any](v T) *T { return &v }

// submittedApp creates an application naming the given datasets and marks
// it submitted.
func submittedApp(t *testing.T, s *Store, codes ...string) uint64 {
	t.Helper()
	ctx := context.Background()
	a := newDraft(loadCatalog(t), codes...)
	must(t, s.CreateApplication(ctx, a))
	must(t, s.MarkSubmitted(ctx, a.ID, fmt.Sprintf("application-%d", a.ID), time.Now()))
	return a.ID
}

type taskSpec struct {
	id, kind, dept, status, decision string
	opened, due                      time.Time
	decided                          *time.Time
}

func writeTasks(t *testing.T, s *Store, appID uint64, specs ...taskSpec) {
	t.Helper()
	var tasks []Task
	for _, sp := range specs {
		tasks = append(tasks, Task{ID: sp.id, ApplicationID: appID, WorkflowID: fmt.Sprintf("application-%d", appID),
			Kind: sp.kind, Department: sp.dept, Status: sp.status, Round: 1, OpenedAt: sp.opened, DueAt: sp.due,
			DecidedAt: sp.decided, Decision: sp.decision})
	}
	must(t, s.Apply(context.Background(), Change{Tasks: tasks}))
}

func TestDepartmentStats(t *testing.T) {
	cal, err := calendar.Default()
	must(t, err)
	supervisionStores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		cat := seeded(t, s)
		app := submittedApp(t, s, firstOf(t, cat, "gsa"), firstOf(t, cat, "commerce"))
		// Around the 2025 National Day holiday: 1-8 October off, Sunday
		// 28 September and Saturday 11 October worked.
		writeTasks(t, s, app,
			// 26 Sep -> 9 Oct: 28, 29, 30 Sep and 9 Oct = 4 working days; on time.
			taskSpec{"a-t1", "department_review", "gsa", domain.TaskDone, "approve", cst(2025, 9, 26, 10), cst(2025, 10, 20, 23), ptr(cst(2025, 10, 9, 10))},
			// 30 Sep -> 9 Oct: 1 working day; on time; rejected.
			taskSpec{"a-t2", "department_review", "gsa", domain.TaskDone, "reject", cst(2025, 9, 30, 10), cst(2025, 10, 10, 23), ptr(cst(2025, 10, 9, 11))},
			// 9 Oct -> 15 Oct: 10, 11, 13, 14, 15 = 5 working days; late.
			taskSpec{"a-t3", "model_review", "gsa", domain.TaskDone, "approve", cst(2025, 10, 9, 10), cst(2025, 10, 10, 23), ptr(cst(2025, 10, 15, 10))},
			// Cancelled: not a decision.
			taskSpec{"a-t4", "department_review", "gsa", domain.TaskCancelled, "cancelled", cst(2025, 10, 9, 10), cst(2025, 10, 10, 23), ptr(cst(2025, 10, 12, 10))},
			// Decided before the period.
			taskSpec{"a-t5", "department_review", "gsa", domain.TaskDone, "reject", cst(2025, 8, 1, 10), cst(2025, 8, 20, 23), ptr(cst(2025, 8, 2, 10))},
			// Open: one overdue, one not.
			taskSpec{"a-t6", "department_review", "gsa", domain.TaskOpen, "", cst(2025, 10, 1, 10), cst(2025, 10, 17, 23), nil},
			taskSpec{"a-t7", "model_review", "gsa", domain.TaskOpen, "", cst(2025, 10, 15, 10), cst(2025, 11, 17, 23), nil},
			taskSpec{"a-t8", "department_review", "commerce", domain.TaskOpen, "", cst(2025, 10, 15, 10), cst(2025, 11, 17, 23), nil},
			// A sign task of the bureau, late; not a review, so no rejection rate.
			taskSpec{"a-t9", "sign_authorization", "stbd", domain.TaskDone, "sign", cst(2025, 10, 9, 10), cst(2025, 10, 10, 23), ptr(cst(2025, 10, 14, 10))},
			// The applicant's own task is not a department's.
			taskSpec{"a-t10", "supplement", "acme-fintech", domain.TaskOpen, "", cst(2025, 10, 1, 10), cst(2025, 10, 2, 23), nil},
		)
		by := Supervisor{User: "supervisor", Role: "supervisor", Org: "inspect"}
		must(t, s.CreateGroundlessFlag(ctx, &GroundlessFlag{TaskID: "a-t2", Reason: "no basis", CreatedAt: cst(2025, 10, 16, 9)}, by))
		must(t, s.CreateGroundlessFlag(ctx, &GroundlessFlag{TaskID: "a-t5", Reason: "old", CreatedAt: cst(2025, 12, 1, 9)}, by))

		q := StatsQuery{From: cst(2025, 9, 1, 0), To: cst(2025, 11, 1, 0), Now: cst(2025, 10, 20, 9),
			WorkingDays: cal.Between}
		stats, err := s.DepartmentStats(ctx, q)
		must(t, err)
		if len(stats) == 0 || stats[0].Department != "gsa" {
			t.Fatalf("the most overdue department first: %+v", stats)
		}
		for i := 2; i < len(stats); i++ {
			if stats[i-1].Overdue == stats[i].Overdue && stats[i-1].Department > stats[i].Department {
				t.Errorf("not sorted by code at %d: %s, %s", i, stats[i-1].Department, stats[i].Department)
			}
		}
		byCode := map[string]DepartmentStat{}
		for _, st := range stats {
			byCode[st.Department] = st
		}
		for _, absent := range []string{"acme-fintech", "inspect"} {
			if _, ok := byCode[absent]; ok {
				t.Errorf("%s is not a department under supervision", absent)
			}
		}
		gsa := byCode["gsa"]
		if gsa.Name == "" || gsa.Open != 2 || gsa.Overdue != 1 || gsa.Decided != 3 || gsa.OnTime != 2 ||
			gsa.ReviewDecided != 3 || gsa.Rejected != 1 || gsa.GroundlessFlags != 1 {
			t.Errorf("gsa counts: %+v", gsa)
		}
		wantRate(t, "gsa on-time rate", gsa.OnTimeRate, 0.667)
		wantRate(t, "gsa rejection rate", gsa.RejectionRate, 0.333)
		wantRate(t, "gsa median working days", gsa.MedianReviewDays, 4)

		com := byCode["commerce"]
		if com.Open != 1 || com.Overdue != 0 || com.Decided != 0 || com.OnTimeRate != nil ||
			com.RejectionRate != nil || com.MedianReviewDays != nil {
			t.Errorf("commerce: %+v", com)
		}
		stbd := byCode["stbd"]
		if stbd.Decided != 1 || stbd.OnTime != 0 || stbd.ReviewDecided != 0 || stbd.RejectionRate != nil {
			t.Errorf("stbd: %+v", stbd)
		}
		wantRate(t, "stbd on-time rate", stbd.OnTimeRate, 0)
		// 9 -> 14 Oct: 10, 11, 13, 14.
		wantRate(t, "stbd median", stbd.MedianReviewDays, 4)

		q.Department = "commerce"
		one, err := s.DepartmentStats(ctx, q)
		must(t, err)
		if len(one) != 1 || one[0].Department != "commerce" || one[0].Open != 1 {
			t.Errorf("one department: %+v", one)
		}
	})
}

func wantRate(t *testing.T, what string, got *float64, want float64) {
	t.Helper()
	if got == nil || *got != want {
		t.Errorf("%s = %v, want %v", what, deref(got), want)
	}
}

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []int
		want any
	}{{nil, nil}, {[]int{3}, 3.0}, {[]int{5, 1}, 3.0}, {[]int{4, 1, 5}, 4.0}, {[]int{1, 2, 3, 10}, 2.5}} {
		if got := deref(median(c.in)); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestUrgesAndFlags(t *testing.T) {
	supervisionStores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		cat := seeded(t, s)
		app := submittedApp(t, s, firstOf(t, cat, "gsa"))
		now := cst(2026, 3, 2, 9)
		writeTasks(t, s, app,
			taskSpec{"u-open", "department_review", "gsa", domain.TaskOpen, "", now, now.Add(72 * time.Hour), nil},
			taskSpec{"u-done", "department_review", "gsa", domain.TaskDone, "reject", now, now.Add(72 * time.Hour), ptr(now)},
		)
		by := Supervisor{User: "supervisor", Role: "supervisor", Org: "inspect"}

		u1 := &Urge{TaskID: "u-open", Message: "请尽快办理", CreatedAt: now}
		must(t, s.CreateUrge(ctx, u1, by))
		if u1.ID == 0 || u1.ApplicationID != app || u1.Department != "gsa" || u1.Supervisor != "supervisor" || !isUTC(u1.CreatedAt) {
			t.Errorf("urge: %+v", u1)
		}
		u2 := &Urge{TaskID: "u-open", Message: "second", CreatedAt: now.Add(time.Hour)}
		must(t, s.CreateUrge(ctx, u2, by))
		before := count(t, s, &AuditEntry{})
		err := s.CreateUrge(ctx, &Urge{TaskID: "u-done", Message: "x", CreatedAt: now}, by)
		wantErr(t, err, ErrConflict)
		err = s.CreateUrge(ctx, &Urge{TaskID: "nope", Message: "x", CreatedAt: now}, by)
		wantErr(t, err, ErrNotFound)
		if n := count(t, s, &AuditEntry{}); n != before {
			t.Errorf("refused urges wrote audit entries: %d -> %d", before, n)
		}
		urges, err := s.UrgesOf(ctx, "u-open")
		must(t, err)
		if len(urges) != 2 || urges[0].ID != u1.ID || urges[1].Message != "second" {
			t.Errorf("UrgesOf = %+v", urges)
		}

		f := &GroundlessFlag{TaskID: "u-done", Reason: "驳回无依据", CreatedAt: now}
		must(t, s.CreateGroundlessFlag(ctx, f, by))
		if f.ID == 0 || f.Department != "gsa" || f.ApplicationID != app || f.Supervisor != "supervisor" {
			t.Errorf("flag: %+v", f)
		}
		err = s.CreateGroundlessFlag(ctx, &GroundlessFlag{TaskID: "u-done", Reason: "again", CreatedAt: now}, by)
		wantErr(t, err, ErrConflict)
		err = s.CreateGroundlessFlag(ctx, &GroundlessFlag{TaskID: "nope", Reason: "x", CreatedAt: now}, by)
		wantErr(t, err, ErrNotFound)
		got, err := s.GroundlessFlagOf(ctx, "u-done")
		must(t, err)
		if got.ID != f.ID || got.Reason != "驳回无依据" || got.AnsweredAt != nil {
			t.Errorf("GroundlessFlagOf = %+v", got)
		}
		_, err = s.GroundlessFlagOf(ctx, "u-open")
		wantErr(t, err, ErrNotFound)

		// Every action is in the supervision stream, gap-free, with the supervisor.
		stream, err := s.AuditStream(ctx, SupervisionAuditStream)
		must(t, err)
		want := []string{ActionTaskUrged, ActionTaskUrged, ActionRejectionFlagged}
		if len(stream) != len(want) {
			t.Fatalf("supervision stream: %+v", stream)
		}
		for i, e := range stream {
			if e.Seq != int64(i+1) || e.Action != want[i] || e.Actor != "supervisor" || e.Department != "inspect" ||
				e.ApplicationID != app {
				t.Errorf("entry %d: %+v", i, e)
			}
		}
		if stream[0].Reason != "请尽快办理" || stream[0].Target != "u-open gsa" {
			t.Errorf("urge entry: %+v", stream[0])
		}

		ds, err := s.DepartmentDatasets(ctx, app, "gsa")
		must(t, err)
		if len(ds) != 1 || ds[0].Department != "gsa" {
			t.Errorf("DepartmentDatasets = %+v", ds)
		}
	})
}

func TestAuditLogFiltersAndBatches(t *testing.T) {
	supervisionStores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		cat := seeded(t, s)
		a1 := submittedApp(t, s, firstOf(t, cat, "gsa"))
		a2 := submittedApp(t, s, firstOf(t, cat, "gsa"))
		base := time.Date(2026, 1, 10, 0, 0, 0, 0, time.UTC)
		var entries []AuditEntry
		// 2,500 entries for a1, ten per instant, so that batches break
		// within an instant; 5 for a2.
		for i := range 2500 {
			entries = append(entries, AuditEntry{WorkflowID: "application-a1", Seq: int64(i + 1), ApplicationID: a1,
				Actor: "reviewer-gsa", Department: "gsa", Action: "task.decided", At: base.Add(time.Duration(i/10) * time.Minute)})
		}
		for i := range 5 {
			entries = append(entries, AuditEntry{WorkflowID: "application-a2", Seq: int64(i + 1), ApplicationID: a2,
				Actor: "applicant", Department: "acme-fintech", Action: "application.submitted", At: base.AddDate(0, 0, i)})
		}
		must(t, s.Apply(ctx, Change{Audit: entries}))

		page1, more, err := s.AuditLog(ctx, AuditFilter{ApplicationID: a2, Limit: 3})
		must(t, err)
		if len(page1) != 3 || !more || !page1[0].At.Equal(base.AddDate(0, 0, 4)) || page1[0].Seq != 5 {
			t.Errorf("page 1: more=%v %+v", more, page1)
		}
		page2, more, err := s.AuditLog(ctx, AuditFilter{ApplicationID: a2, Limit: 3, Offset: 3})
		must(t, err)
		if len(page2) != 2 || more || page2[1].Seq != 1 {
			t.Errorf("page 2: more=%v %+v", more, page2)
		}
		f := AuditFilter{Actor: "applicant", Action: "application.submitted", Department: "acme-fintech",
			From: base.AddDate(0, 0, 1), To: base.AddDate(0, 0, 3)}
		got, _, err := s.AuditLog(ctx, f)
		must(t, err)
		if len(got) != 2 || got[0].Seq != 3 || got[1].Seq != 2 {
			t.Errorf("filtered: %+v", got)
		}
		n, err := s.CountAudit(ctx, f)
		must(t, err)
		if n != 2 {
			t.Errorf("CountAudit = %d", n)
		}

		// EachAudit: every entry once, newest first, across batches.
		var seen []AuditEntry
		calls := 0
		must(t, s.EachAudit(ctx, AuditFilter{ApplicationID: a1}, 100000, func(b []AuditEntry) error {
			calls++
			seen = append(seen, b...)
			return nil
		}))
		if len(seen) != 2500 || calls != 3 {
			t.Fatalf("EachAudit: %d entries in %d calls", len(seen), calls)
		}
		for i, e := range seen {
			if e.Seq != int64(2500-i) {
				t.Fatalf("entry %d has seq %d, want %d", i, e.Seq, 2500-i)
			}
		}
		seen = nil
		must(t, s.EachAudit(ctx, AuditFilter{}, 1234, func(b []AuditEntry) error { seen = append(seen, b...); return nil }))
		if len(seen) != 1234 {
			t.Errorf("EachAudit capped at 1234 gave %d", len(seen))
		}
	})
}

func TestDisclosures(t *testing.T) {
	supervisionStores(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		cat := seeded(t, s)
		gsa, com := firstOf(t, cat, "gsa"), firstOf(t, cat, "commerce")
		from := time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
		until := from.AddDate(2, 0, 0)
		mk := func(status string, active *time.Time, decisions map[string]string, ended *time.Time, endReason string) uint64 {
			id := submittedApp(t, s, gsa, com)
			var ds []ApplicationDataset
			for code, d := range decisions {
				dept := "gsa"
				if code == com {
					dept = "commerce"
				}
				ds = append(ds, ApplicationDataset{ApplicationID: id, DatasetCode: code, Department: dept, Decision: d,
					Reason: "internal reason", DecidedAt: active})
			}
			st := &AppState{ID: id, Status: status, ActiveFrom: active, EndedAt: ended, EndReason: endReason}
			if active != nil {
				st.ActiveUntil = &until
			}
			must(t, s.Apply(ctx, Change{App: st, Datasets: ds}))
			return id
		}
		both := map[string]string{gsa: "approve", com: "approve"}
		mk("active", &from, map[string]string{gsa: "approve", com: "reject"}, nil, "")
		later := from.AddDate(0, 1, 0)
		ended := from.AddDate(0, 6, 0)
		mk("closed", &later, both, &ended, "terminated")
		mk("rejected", nil, map[string]string{gsa: "reject", com: "reject"}, nil, "")
		mk("withdrawn", nil, nil, nil, "")
		mk("agreements", nil, both, nil, "")
		_ = s.CreateApplication(ctx, newDraft(cat, gsa)) // a draft

		f := DisclosureFilter{}
		got, total, err := s.Disclosures(ctx, f)
		must(t, err)
		if total != 2 || len(got) != 2 || got[0].From != "2026-02-05" || got[1].From != "2026-01-05" {
			t.Fatalf("disclosures, newest first: total %d %+v", total, got)
		}
		a := got[1]
		if a.Holder == "" || a.CreditCode == "" || a.Scenario != "小微企业信用评估" || a.Until != "2028-01-05" ||
			!a.Published().Equal(from) || !a.Updated().Equal(from) || a.Key() == got[0].Key() {
			t.Errorf("active authorization: %+v", a)
		}
		if len(a.Datasets) != 1 || a.Datasets[0].Code != gsa || a.Datasets[0].Name == "" || a.Datasets[0].Provider == "" ||
			a.Datasets[0].Provider == "gsa" {
			t.Errorf("only the approved dataset is disclosed, with its provider's name: %+v", a.Datasets)
		}
		// Ended early: the period ends on the day it ended.
		if c := got[0]; c.Until != "2026-07-05" || !c.Updated().Equal(ended) || len(c.Datasets) != 2 {
			t.Errorf("closed authorization: %+v", c)
		}
		p2, total, err := s.Disclosures(ctx, DisclosureFilter{Limit: 1, Offset: 1})
		must(t, err)
		if total != 2 || len(p2) != 1 || p2[0].From != "2026-01-05" {
			t.Errorf("page 2: %d %+v", total, p2)
		}
		p3, _, err := s.Disclosures(ctx, DisclosureFilter{Offset: 5})
		must(t, err)
		if p3 == nil || len(p3) != 0 {
			t.Errorf("past the end: %#v", p3)
		}
	})
}
