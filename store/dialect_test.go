package store

import (
	"context"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/domain"
)

// The tests in this file pin down behaviour in which MySQL and MariaDB
// differ from SQLite unless the store takes care; each runs on every test
// store and expects the same result.

// MySQL reports changed rows, not matched ones, as affected: writing the
// same state twice within the resolution of updated_at must not look like
// a missing application.
func TestApplySameStateAgain(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		cat := seeded(t, s)
		a := newDraft(cat, firstOf(t, cat, "samr"))
		must(t, s.CreateApplication(ctx, a))
		st := AppState{ID: a.ID, Status: "department_review", Edits: map[string]string{"purpose": "p2"}}
		for i := 0; i < 50; i++ {
			if err := s.Apply(ctx, Change{App: &st}); err != nil {
				t.Fatalf("applying the same state, time %d: %v", i+1, err)
			}
		}
		wantErr(t, s.Apply(ctx, Change{App: &AppState{ID: a.ID + 1000, Status: "x"}}), ErrNotFound)
	})
}

// Keys and names compare and sort by code point: no folding of case or
// accents (MySQL's default collations fold both).
func TestStringsCompareExactly(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		seeded(t, s)
		for _, name := range []string{"ADMIN", "Admin", "ádmin"} {
			_, err := s.UserByName(ctx, name)
			wantErr(t, err, ErrNotFound)
		}
		codes := []string{"zze", "zzé", "ZZF", "zz1", "zz_a", "zz-b", "zzE"}
		for _, c := range codes {
			must(t, s.db.Create(&Org{Code: c, Name: c, Kind: "probe"}).Error)
		}
		orgs, err := s.Orgs(ctx, "probe")
		must(t, err)
		var got []string
		for _, o := range orgs {
			got = append(got, o.Code)
		}
		sort.Strings(codes)
		if strings.Join(got, " ") != strings.Join(codes, " ") {
			t.Errorf("Orgs(probe) = %q, want %q", got, codes)
		}
		if o, err := s.Org(ctx, "zzé"); err != nil || o.Code != "zzé" {
			t.Errorf("Org(zzé) = %+v, %v", o, err)
		}
	})
}

// Catalog search ignores the case of ASCII letters only, as SQLite's LIKE
// does.
func TestDatasetQueryCase(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		seeded(t, s)
		must(t, s.db.Create(&Dataset{Code: "DS-9101", Name: "Open API 接口", Department: "samr",
			OpenAttribute: OpenConditional, Grade: 1, Summary: "Straße"}).Error)
		for q, want := range map[string]int{"api": 1, "API": 1, "oPEN aPI": 1, "接口": 1, "STRASSE": 0, "straße": 1} {
			ds, total, err := s.Datasets(ctx, DatasetFilter{Query: q})
			must(t, err)
			n := 0
			for _, d := range ds {
				if d.Code == "DS-9101" {
					n++
				}
			}
			if n != want || (want == 1 && total < 1) {
				t.Errorf("Datasets(query %q) found DS-9101 %d times (total %d), want %d", q, n, total, want)
			}
		}
	})
}

// Free text longer than MySQL's TEXT (64 KiB) is stored whole.
func TestLongText(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		cat := seeded(t, s)
		long := strings.Repeat("长文本", 12000) // 108,000 bytes
		a := newDraft(cat, firstOf(t, cat, "samr"))
		a.Description = long
		must(t, s.CreateApplication(ctx, a))
		got, err := s.Application(ctx, a.ID)
		must(t, err)
		if got.Description != long {
			t.Errorf("description of %d bytes read back as %d bytes", len(long), len(got.Description))
		}
		at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
		must(t, s.Apply(ctx, Change{
			Evaluations: []Evaluation{{ID: "e", ApplicationID: a.ID, No: 1, Round: 1, Status: "open", SelfReport: long, OpenedAt: at}},
			Audit:       []AuditEntry{{WorkflowID: "w", Seq: 1, ApplicationID: a.ID, Action: "a", Reason: long, At: at}},
		}))
		ev, err := s.Evaluations(ctx, a.ID)
		must(t, err)
		if len(ev) != 1 || ev[0].SelfReport != long {
			t.Errorf("self report not read back whole")
		}
		au, err := s.Audit(ctx, a.ID)
		must(t, err)
		if len(au) != 1 || au[0].Reason != long {
			t.Errorf("audit reason not read back whole")
		}
	})
}

// Times keep their microseconds: they are neither truncated (MariaDB) nor
// rounded (MySQL) to fewer digits, so they read back equal and compare with
// "now" as the application meant.
func TestTimesKeepMicroseconds(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		cat := seeded(t, s)
		a := newDraft(cat, firstOf(t, cat, "samr"))
		must(t, s.CreateApplication(ctx, a))
		due := time.Date(2025, 6, 10, 11, 59, 59, 999_600_000, time.UTC) // rounds up to 12:00 at 3 digits
		must(t, s.Apply(ctx, Change{Tasks: []Task{{ID: "t", ApplicationID: a.ID, WorkflowID: "w", Kind: "k",
			Department: "samr", Status: domain.TaskOpen, OpenedAt: due.Add(-time.Microsecond), DueAt: due}}}))
		got, err := s.Task(ctx, "t")
		must(t, err)
		if !got.DueAt.Equal(due) || !got.OpenedAt.Equal(due.Add(-time.Microsecond)) {
			t.Errorf("task times = %v, %v; want %v, %v", got.OpenedAt, got.DueAt, due.Add(-time.Microsecond), due)
		}
		for _, tc := range []struct {
			now  time.Time
			want int
		}{
			{due, 0},
			{due.Add(time.Microsecond), 1},
			{time.Date(2025, 6, 10, 11, 59, 59, 999_800_000, time.UTC), 1},
		} {
			late, err := s.Overdue(ctx, tc.now, "samr", 0)
			must(t, err)
			if len(late) != tc.want {
				t.Errorf("Overdue(%v) = %d tasks, want %d", tc.now, len(late), tc.want)
			}
		}
	})
}
