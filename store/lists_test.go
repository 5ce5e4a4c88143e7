package store

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/datagate/datagate/domain"
)

// The list of applications filters within the scope (never beyond it),
// sorts by an indexed column, pages, and counts what it filters.
func TestApplicationListFilters(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		cat := seeded(t, s)
		samr, gsa := firstOf(t, cat, "samr"), firstOf(t, cat, "gsa")
		day := func(d int) time.Time { return time.Date(2026, 3, d, 10, 0, 0, 0, time.UTC) }
		mk := func(org, title string, submitted int, status string, codes ...string) uint64 {
			a := newDraft(cat, codes...)
			a.ApplicantOrg, a.Title = org, title
			must(t, s.CreateApplication(ctx, a))
			if status != domain.StatusDraft {
				must(t, s.MarkSubmitted(ctx, a.ID, fmt.Sprintf("application-%d", a.ID), day(submitted)))
				must(t, s.Apply(ctx, Change{App: &AppState{ID: a.ID, Status: status}}))
			}
			return a.ID
		}
		a1 := mk("acme-fintech", "信贷风控 100%", 2, domain.StatusInitialReview, samr)
		a2 := mk("acme-fintech", "补贴推送", 5, domain.StatusDepartmentReview, samr, gsa)
		a3 := mk("kangming-medai", "影像诊断", 3, domain.StatusDepartmentReview, gsa)
		a4 := mk("acme-fintech", "草稿", 0, domain.StatusDraft, gsa)
		must(t, s.Apply(ctx, Change{Tasks: []Task{
			{ID: "t1", ApplicationID: a1, WorkflowID: "w1", Kind: domain.TaskInitialReview, Round: 1, Department: "bdc",
				Status: domain.TaskOpen, OpenedAt: day(2), DueAt: day(9)},
			{ID: "t2", ApplicationID: a2, WorkflowID: "w2", Kind: domain.TaskDepartmentReview, Round: 1, Department: "gsa",
				Status: domain.TaskOpen, OpenedAt: day(5), DueAt: day(25)},
			{ID: "t3", ApplicationID: a3, WorkflowID: "w3", Kind: domain.TaskDepartmentReview, Round: 1, Department: "nfra",
				Status: domain.TaskOpen, OpenedAt: day(3), DueAt: day(20)},
		}}))

		list := func(f ApplicationFilter) []uint64 {
			t.Helper()
			apps, err := s.Applications(ctx, f)
			must(t, err)
			n, err := s.CountApplications(ctx, f)
			must(t, err)
			out := []uint64{}
			for _, a := range apps {
				out = append(out, a.ID)
			}
			if f.Limit == 0 && int64(len(out)) != n {
				t.Errorf("%+v: %d rows, counted %d", f, len(out), n)
			}
			return out
		}
		staff := ApplicationFilter{SubmittedOnly: true}
		with := func(f ApplicationFilter, edit func(*ApplicationFilter)) ApplicationFilter { edit(&f); return f }
		for name, tc := range map[string]struct {
			f    ApplicationFilter
			want []uint64
		}{
			"all, newest first":          {staff, []uint64{a3, a2, a1}},
			"by submission, ascending":   {with(staff, func(f *ApplicationFilter) { f.Sort, f.Asc = SortSubmitted, true }), []uint64{a1, a3, a2}},
			"by submission, descending":  {with(staff, func(f *ApplicationFilter) { f.Sort = SortSubmitted }), []uint64{a2, a3, a1}},
			"by status":                  {with(staff, func(f *ApplicationFilter) { f.Sort, f.Asc = SortStatus, true }), []uint64{a2, a3, a1}},
			"status":                     {with(staff, func(f *ApplicationFilter) { f.Status = domain.StatusDepartmentReview }), []uint64{a3, a2}},
			"step":                       {with(staff, func(f *ApplicationFilter) { f.Step = domain.TaskInitialReview }), []uint64{a1}},
			"applicant":                  {with(staff, func(f *ApplicationFilter) { f.Applicant = "kangming-medai" }), []uint64{a3}},
			"involves a provider":        {with(staff, func(f *ApplicationFilter) { f.Involves = "samr" }), []uint64{a2, a1}},
			"involves a regulator asked": {with(staff, func(f *ApplicationFilter) { f.Involves = "nfra" }), []uint64{a3}},
			"keyword":                    {with(staff, func(f *ApplicationFilter) { f.Keyword = " 推送 " }), []uint64{a2}},
			"keyword, literally":         {with(staff, func(f *ApplicationFilter) { f.Keyword = "100%" }), []uint64{a1}},
			"keyword, the number":        {with(staff, func(f *ApplicationFilter) { f.Keyword = fmt.Sprintf("#%d", a3) }), []uint64{a3}},
			"from":                       {with(staff, func(f *ApplicationFilter) { f.From = day(3) }), []uint64{a3, a2}},
			"to, exclusive":              {with(staff, func(f *ApplicationFilter) { f.To = day(5) }), []uint64{a3, a1}},
			"page 2 of 2":                {with(staff, func(f *ApplicationFilter) { f.Limit, f.Offset = 2, 2 }), []uint64{a1}},
			// The scope stays: a filter never widens it.
			"a department's scope":       {ApplicationFilter{Department: "gsa", SubmittedOnly: true}, []uint64{a3, a2}},
			"a department, filtered out": {ApplicationFilter{Department: "gsa", SubmittedOnly: true, Involves: "samr"}, []uint64{a2}},
			"an applicant's scope":       {ApplicationFilter{ApplicantOrg: "acme-fintech"}, []uint64{a4, a2, a1}},
			"an applicant, another's":    {ApplicationFilter{ApplicantOrg: "acme-fintech", Applicant: "kangming-medai"}, []uint64{}},
		} {
			if got := list(tc.f); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s: %v, want %v", name, got, tc.want)
			}
		}
		if n, err := s.CountApplications(ctx, with(staff, func(f *ApplicationFilter) { f.Limit, f.Offset = 2, 2 })); err != nil || n != 3 {
			t.Errorf("the count of a page: %d %v, want 3 (every row, not the page's)", n, err)
		}

		open, err := s.OpenTasksOfApplications(ctx, []uint64{a1, a2, a4})
		must(t, err)
		if len(open) != 2 || open[0].ID != "t1" || open[1].ID != "t2" {
			t.Errorf("open tasks of a1, a2, a4: %+v", open)
		}
	})
}

// 已办: the tasks an org decided, the latest decision first, its own
// user's when asked, with the count.
func TestDoneTasks(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		cat := seeded(t, s)
		a := newDraft(cat, firstOf(t, cat, "gsa"))
		must(t, s.CreateApplication(ctx, a))
		at := func(h int) *time.Time { x := time.Date(2026, 3, 2, h, 0, 0, 0, time.UTC); return &x }
		task := func(id, dept, status, actor string, decided *time.Time) Task {
			t := Task{ID: id, ApplicationID: a.ID, WorkflowID: "wf", Kind: domain.TaskDepartmentReview, Round: 1,
				Department: dept, Status: status, OpenedAt: *at(1), DueAt: *at(23), DecidedAt: decided, ActorUser: actor}
			if status == domain.TaskDone {
				t.Decision = domain.DecisionApprove
			}
			return t
		}
		must(t, s.Apply(ctx, Change{Tasks: []Task{
			task("g-open", "gsa", domain.TaskOpen, "", nil),
			task("g-1", "gsa", domain.TaskDone, "reviewer-gsa", at(3)),
			task("g-2", "gsa", domain.TaskDone, "reviewer-gsa2", at(5)),
			task("g-3", "gsa", domain.TaskDone, "reviewer-gsa", at(4)),
			task("g-cancelled", "gsa", domain.TaskCancelled, "", at(6)),
			task("c-1", "commerce", domain.TaskDone, "reviewer-commerce", at(7)),
		}}))
		ids := func(f DoneFilter) ([]string, int64) {
			ts, n, err := s.DoneTasks(ctx, f)
			must(t, err)
			out := []string{}
			for _, x := range ts {
				out = append(out, x.ID)
			}
			return out, n
		}
		for _, tc := range []struct {
			f     DoneFilter
			want  []string
			total int64
		}{
			{DoneFilter{Department: "gsa"}, []string{"g-2", "g-3", "g-1"}, 3},
			{DoneFilter{Department: "gsa", Limit: 1, Offset: 1}, []string{"g-3"}, 3},
			{DoneFilter{Department: "gsa", Actor: "reviewer-gsa"}, []string{"g-3", "g-1"}, 2},
			{DoneFilter{Department: "bdc"}, []string{}, 0},
		} {
			got, n := ids(tc.f)
			if !reflect.DeepEqual(got, tc.want) || n != tc.total {
				t.Errorf("DoneTasks(%+v) = %v (%d), want %v (%d)", tc.f, got, n, tc.want, tc.total)
			}
		}
		n, err := s.CountInbox(ctx, InboxFilter{Department: "gsa", Status: domain.TaskOpen})
		if err != nil || n != 1 {
			t.Errorf("CountInbox(gsa, open) = %d %v, want 1", n, err)
		}
	})
}

// The new lists read their page in order from their index (migration
// 00011): 已办 by (department, status, decided_at, id), the applications
// sorted by submission time by idx_applications_submitted_at.
func TestListsReadTheirPageFromAnIndex(t *testing.T) {
	ctx := context.Background()
	for _, s := range openTestStores(t) {
		t.Run(s.dialect, func(t *testing.T) {
			// A decided task, so that DoneTasks reads a page after its count.
			cat := seeded(t, s)
			a := newDraft(cat, firstOf(t, cat, "samr"))
			must(t, s.CreateApplication(ctx, a))
			decided := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			must(t, s.Apply(ctx, Change{Tasks: []Task{{ID: "done-1", ApplicationID: a.ID, WorkflowID: "wf", Kind: domain.TaskInitialReview,
				Round: 1, Department: "samr", Status: domain.TaskDone, OpenedAt: decided, DueAt: decided, DecidedAt: &decided,
				Decision: domain.DecisionPass, ActorUser: "someone"}}}))
			rec := &sqlRecorder{}
			traced := &Store{db: s.db.Session(&gorm.Session{Logger: rec}), r: s.r.Session(&gorm.Session{Logger: rec}), dialect: s.dialect}
			for _, run := range []struct {
				name, index string
				query       func() error
			}{
				{"done", "idx_tasks_done", func() error {
					_, _, err := traced.DoneTasks(ctx, DoneFilter{Department: "samr"})
					return err
				}},
				{"applications by submission", "idx_applications_submitted_at", func() error {
					_, err := traced.Applications(ctx, ApplicationFilter{SubmittedOnly: true, Sort: SortSubmitted})
					return err
				}},
			} {
				// The page's query is the one that orders (DoneTasks counts
				// first; Applications preloads the datasets after).
				before := len(rec.statements())
				if err := run.query(); err != nil {
					t.Fatalf("%s: %v", run.name, err)
				}
				var q string
				for _, st := range rec.statements()[before:] {
					if strings.Contains(st, "ORDER BY") && q == "" {
						q = st
					}
				}
				if q == "" {
					t.Fatalf("%s ran no ordered query", run.name)
				}
				plan := explain(t, s, q)
				if !strings.Contains(plan, run.index) {
					t.Errorf("%s does not use %s:\n%s\n%s", run.name, run.index, q, plan)
				}
				for _, sorts := range []string{"TEMP B-TREE", "filesort"} {
					if strings.Contains(plan, sorts) {
						t.Errorf("%s sorts its rows (%s) instead of reading them in index order:\n%s\n%s", run.name, sorts, q, plan)
					}
				}
			}
		})
	}
}
