package store

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/datagate/datagate/domain"
)

// A filing whose workflow never started is removed; one whose workflow
// wrote its first entry is kept, whatever a late cleanup asks.
func TestUnstartedProcedureIsRemovedOnly(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		file := func() Procedure {
			p := Procedure{Kind: domain.ProcObjection, Title: "异议", RequesterOrg: "acme", RequesterUser: "u",
				Department: "samr", DatasetCode: "DS-0001", Ground: domain.GroundError, OpenedAt: time.Now()}
			must(t, s.CreateProcedure(ctx, &p))
			must(t, s.SetProcedureWorkflow(ctx, p.ID, fmt.Sprintf("procedure-%d", p.ID)))
			p, err := s.Procedure(ctx, p.ID)
			must(t, err)
			return p
		}
		unstarted, started := file(), file()
		must(t, s.Apply(ctx, Change{Audit: []AuditEntry{{WorkflowID: started.WorkflowID, Seq: 1, Actor: "u",
			Role: "applicant", Department: "acme", Action: "procedure.filed", Target: "objection DS-0001", At: time.Now()}}}))
		must(t, s.DeleteUnstartedProcedure(ctx, unstarted.ID))
		must(t, s.DeleteUnstartedProcedure(ctx, started.ID))
		if _, err := s.Procedure(ctx, unstarted.ID); err == nil {
			t.Error("the unstarted filing is still there")
		}
		if _, err := s.Procedure(ctx, started.ID); err != nil {
			t.Errorf("the started procedure was removed: %v", err)
		}
	})
}

// An approved change is published once: the write retried after a lost
// answer adds no version, and each version keeps what it said.
func TestPublishIsOnceAndKeepsEveryVersion(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		seeded(t, s)
		before := mustDataset(t, s, "DS-0001")
		at := time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC)
		pub := func(id uint64, p DatasetProposal) Change {
			return Change{Publish: &Publication{Proposal: p, Department: before.Department, ProcedureID: id, At: at, By: "officer"}}
		}
		change := DatasetProposal{Change: domain.ChangeModify, Code: "DS-0001", Name: "改名后的数据", Fields: []string{"a"},
			OpenAttribute: OpenConditional, Grade: 2, OpenConditions: "沙箱", Grounds: "第九条"}
		must(t, s.Apply(ctx, pub(7, change)))
		must(t, s.Apply(ctx, pub(7, change))) // retried
		retire := DatasetProposal{Change: domain.ChangeRetire, Code: "DS-0001"}
		must(t, s.Apply(ctx, pub(8, retire)))
		vs, err := s.DatasetVersions(ctx, "DS-0001")
		must(t, err)
		if len(vs) != 2 || vs[0].Version != before.Version+2 || vs[1].Version != before.Version+1 {
			t.Fatalf("versions %+v", vs)
		}
		if vs[1].Name != "改名后的数据" || vs[1].OpenAttribute != OpenConditional || vs[1].State != domain.DatasetActive {
			t.Errorf("the change's version %+v", vs[1])
		}
		if vs[0].State != domain.DatasetWithdrawn || vs[0].Name != "改名后的数据" {
			t.Errorf("the retirement's version %+v", vs[0])
		}
		d := mustDataset(t, s, "DS-0001")
		if d.State != domain.DatasetWithdrawn || d.Requestable() || d.Version != before.Version+2 {
			t.Errorf("dataset after retirement %+v", d)
		}
		if err := s.Apply(ctx, pub(9, DatasetProposal{Change: domain.ChangeModify, Code: "DS-9999", Name: "x"})); err == nil {
			t.Error("a change of no dataset was published")
		}
	})
}

// Who is late in each procedure: a department's overdue objection and
// its late request step count under their procedures, its application
// review under the applications' process; an applicant's own step never.
func TestProcedureStats(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		seeded(t, s)
		now := time.Date(2027, 3, 10, 2, 0, 0, 0, time.UTC)
		opened, due := now.AddDate(0, 0, -10), now.AddDate(0, 0, -1)
		file := func(kind string) uint64 {
			p := Procedure{Kind: kind, Title: kind, RequesterOrg: "acme-fintech", RequesterUser: "applicant", Department: "samr", OpenedAt: opened}
			must(t, s.CreateProcedure(ctx, &p))
			return p.ID
		}
		objection, request := file(domain.ProcObjection), file(domain.ProcCatalogRequest)
		app := submittedApp(t, s, "DS-0100")
		late := due.Add(time.Hour)
		tasks := []Task{
			{ID: "procedure-x-t1", WorkflowID: "procedure-x", ProcedureID: objection, Kind: domain.TaskObjectionHandle, Department: "samr",
				Status: domain.TaskOpen, Round: 1, OpenedAt: opened, DueAt: due},
			{ID: "procedure-y-t1", WorkflowID: "procedure-y", ProcedureID: request, Kind: domain.TaskRequestAssess, Department: "samr",
				Status: domain.TaskDone, Round: 1, OpenedAt: opened, DueAt: due, DecidedAt: &late, Decision: domain.DecisionAccept},
			{ID: fmt.Sprintf("application-%d-t1", app), ApplicationID: app, WorkflowID: fmt.Sprintf("application-%d", app),
				Kind: domain.TaskDepartmentReview, Department: "samr", Status: domain.TaskOpen, Round: 1, OpenedAt: opened, DueAt: now.AddDate(0, 0, 5)},
			{ID: fmt.Sprintf("application-%d-t2", app), ApplicationID: app, WorkflowID: fmt.Sprintf("application-%d", app),
				Kind: domain.TaskSupplement, Department: "acme-fintech", Status: domain.TaskOpen, Round: 1, OpenedAt: opened, DueAt: due},
		}
		must(t, s.Apply(ctx, Change{Tasks: tasks}))
		got, err := s.ProcedureStats(ctx, now, now.AddDate(0, -1, 0), now.AddDate(0, 0, 1))
		must(t, err)
		want := []ProcedureStat{
			{Procedure: domain.ProcObjection, Department: "samr", Open: 1, Overdue: 1},
			{Procedure: ProcedureApplication, Department: "samr", Open: 1},
			{Procedure: domain.ProcCatalogRequest, Department: "samr", Decided: 1},
		}
		if !slices.Equal(got, want) {
			t.Errorf("stats\n got %+v\nwant %+v", got, want)
		}
	})
}

// A dataset is flagged once its update frequency is missed, and no longer
// once its department records an update; data updated at no set interval,
// or not open, is never flagged.
func TestStaleDatasets(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		seeded(t, s)
		then := time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
		must(t, s.db.Model(&Dataset{}).Where("1 = 1").Update("data_updated_at", then).Error)
		stale, err := s.StaleDatasets(ctx, then.AddDate(0, 1, 2), "")
		must(t, err)
		var monthly string
		for _, d := range stale {
			if d.UpdateFrequency == "年度" || d.UpdateFrequency == "季度" || d.UpdateFrequency == "不定期更新" {
				t.Errorf("%s (%s) flagged a month on", d.Code, d.UpdateFrequency)
			}
			if d.UpdateFrequency == "月度" && monthly == "" {
				monthly = d.Code
			}
		}
		if monthly == "" {
			t.Fatalf("no monthly dataset flagged a month and two days on: %+v", stale)
		}
		must(t, s.RecordDataUpdate(ctx, monthly, then.AddDate(0, 1, 1), AuditEntry{Actor: "reviewer", Role: domain.RoleDeptReviewer,
			Department: mustDataset(t, s, monthly).Department, Action: "dataset.updated", Target: monthly, At: then.AddDate(0, 1, 1)}))
		stale, err = s.StaleDatasets(ctx, then.AddDate(0, 1, 2), "")
		must(t, err)
		for _, d := range stale {
			if d.Code == monthly {
				t.Errorf("%s still flagged after its update", monthly)
			}
		}
	})
}

// A keyword finds procedures by title or by number.
func TestProceduresByKeyword(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		var ids []uint64
		for _, title := range []string{"请求开放企业用电数据", "异议：数据有误_100%"} {
			p := Procedure{Kind: domain.ProcObjection, Title: title, RequesterOrg: "acme", RequesterUser: "u", Department: "samr", OpenedAt: time.Now()}
			must(t, s.CreateProcedure(ctx, &p))
			ids = append(ids, p.ID)
		}
		for kw, want := range map[string][]uint64{"用电": {ids[0]}, "_100%": {ids[1]}, fmt.Sprintf("#%d", ids[1]): {ids[1]}, "无此": nil} {
			got, total, err := s.Procedures(ctx, ProcedureFilter{Keyword: kw})
			must(t, err)
			var gotIDs []uint64
			for _, p := range got {
				gotIDs = append(gotIDs, p.ID)
			}
			if !slices.Equal(gotIDs, want) || total != int64(len(want)) {
				t.Errorf("%q: %v (%d), want %v", kw, gotIDs, total, want)
			}
		}
	})
}
