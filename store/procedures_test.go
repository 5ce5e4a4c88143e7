package store

import (
	"context"
	"fmt"
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
