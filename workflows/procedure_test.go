package workflows_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
	wf "github.com/datagate/datagate/workflows"
)

// procHarness drives one ProcedureWorkflow in virtual time against a real
// SQLite read model (with the application harness's catalog).
type procHarness struct {
	*harness
	p  store.Procedure
	pi wf.ProcedureInput
}

const procWFID = "procedure-1"

func newProcedure(t *testing.T, start time.Time, p store.Procedure, proposal *activities.Proposal) *procHarness {
	t.Helper()
	cal, err := calendar.Default()
	if err != nil {
		t.Fatal(err)
	}
	return newProcedureWith(t, start, p, proposal, cal)
}

// newProcedureWith is newProcedure on the given calendar.
func newProcedureWith(t *testing.T, start time.Time, p store.Procedure, proposal *activities.Proposal, cal *calendar.Calendar) *procHarness {
	t.Helper()
	h := newHarnessWith(t, start, nil, cal)
	h.env.SetStartWorkflowOptions(client.StartWorkflowOptions{ID: procWFID})
	p.WorkflowID, p.OpenedAt = procWFID, start
	if proposal != nil {
		sp := store.DatasetProposal(*proposal)
		p.Proposal = &sp
	}
	if err := h.st.CreateProcedure(context.Background(), &p); err != nil {
		t.Fatal(err)
	}
	if p.ID != 1 {
		t.Fatalf("procedure ID %d", p.ID)
	}
	return &procHarness{harness: h, p: p, pi: wf.ProcedureInput{
		ProcedureID: p.ID, Kind: p.Kind, Title: p.Title, Requester: actor(p.RequesterOrg), Department: p.Department,
		Bureau: bureau, Dataset: p.DatasetCode, Ground: p.Ground, Proposal: proposal, ReceivedAt: start,
		Deadlines: wf.DefaultDeadlines(),
	}}
}

func (h *procHarness) finish() wf.ProcedureState {
	h.t.Helper()
	h.env.ExecuteWorkflow(wf.ProcedureWorkflowName, h.pi)
	if !h.env.IsWorkflowCompleted() {
		h.t.Fatal("procedure did not complete")
	}
	if err := h.env.GetWorkflowError(); err != nil {
		h.t.Fatalf("procedure error: %v", err)
	}
	var st wf.ProcedureState
	if err := h.env.GetWorkflowResult(&st); err != nil {
		h.t.Fatal(err)
	}
	return st
}

func (h *procHarness) procStatus() wf.ProcedureState {
	h.t.Helper()
	v, err := h.env.QueryWorkflow(wf.QueryStatus)
	if err != nil {
		h.t.Fatalf("query: %v", err)
	}
	var s wf.ProcedureState
	if err := v.Get(&s); err != nil {
		h.t.Fatal(err)
	}
	return s
}

func (h *procHarness) open(kind, org string) activities.Task {
	h.t.Helper()
	for _, t := range h.procStatus().Tasks {
		if t.Kind == kind && t.Department == org {
			return t
		}
	}
	h.t.Fatalf("no open %s task for %s at %s; open: %v", kind, org, h.env.Now(), h.procStatus().Tasks)
	return activities.Task{}
}

// decide decides the procedure's open task of kind held by org.
func (h *procHarness) decide(kind, org, decision string, mod ...func(*wf.DecideRequest)) {
	h.t.Helper()
	t := h.open(kind, org)
	r := wf.DecideRequest{TaskID: t.ID, Actor: actor(org), Decision: decision}
	for _, m := range mod {
		m(&r)
	}
	h.env.UpdateWorkflow(wf.UpdateDecide, "", callback(h.t, decision, nil), r)
}

// refuse sends a decision that must be refused as invalid, naming field,
// and checks the record did not move.
func (h *procHarness) refuse(kind, org, decision, field string, mod ...func(*wf.DecideRequest)) {
	h.t.Helper()
	t := h.open(kind, org)
	r := wf.DecideRequest{TaskID: t.ID, Actor: actor(org), Decision: decision}
	for _, m := range mod {
		m(&r)
	}
	before := len(h.audit())
	h.env.UpdateWorkflow(wf.UpdateDecide, "", callback(h.t, decision, func(err error) {
		if err == nil {
			h.t.Errorf("%s on %s: accepted, want a refusal naming %s", decision, kind, field)
			return
		}
		if got := refusedField(err); got != field {
			h.t.Errorf("%s on %s: refusal names %q, want %q (%v)", decision, kind, got, field, err)
		}
		if after := len(h.audit()); after != before {
			h.t.Errorf("%s refused but the audit grew from %d to %d", decision, before, after)
		}
	}), r)
}

func (h *procHarness) audit() []store.AuditEntry {
	h.t.Helper()
	es, err := h.st.AuditOfWorkflow(context.Background(), procWFID)
	if err != nil {
		h.t.Fatal(err)
	}
	return es
}

func (h *procHarness) actions() []string {
	var out []string
	for _, e := range h.audit() {
		out = append(out, e.Action)
	}
	return out
}

func (h *procHarness) row() store.Procedure {
	h.t.Helper()
	p, err := h.st.Procedure(context.Background(), h.p.ID)
	if err != nil {
		h.t.Fatal(err)
	}
	return p
}

func (h *procHarness) dataset(code string) store.Dataset {
	h.t.Helper()
	ds, err := h.st.DatasetsByCode(context.Background(), []string{code})
	if err != nil {
		h.t.Fatal(err)
	}
	return ds[code]
}

func withProposal(p activities.Proposal) func(*wf.DecideRequest) {
	return func(r *wf.DecideRequest) { r.Proposal = &p }
}

func newEntry(code string) activities.Proposal {
	return activities.Proposal{Change: domain.ChangeCreate, Code: code, Name: "企业用电数据", Summary: "按月汇总",
		Fields: []string{"企业名称", "月用电量"}, Format: "CSV", UpdateFrequency: "月度", OpenAttribute: "conditional",
		Grade: 2, OpenConditions: "仅限沙箱使用", Grounds: "《公共数据开放管理办法》第九条"}
}

// A catalog change the department will not revise as the bureau
// suggests goes to a joint consultation, whose record the approval
// carries; the approved entry is the dataset's first version, with its
// grounds and conditions.
func TestCatalogChangeGoesToJointConsultation(t *testing.T) {
	start := cst(2027, time.March, 1, 9, 0, 0) // a Monday
	entry := newEntry("DS-N1")
	h := newProcedure(t, start, store.Procedure{Kind: domain.ProcCatalogChange, Title: "新增企业用电数据",
		RequesterOrg: health, RequesterUser: "u-health", Department: health, DatasetCode: "DS-N1"}, &entry)
	h.steps(time.Hour,
		func() {
			h.refuse(domain.TaskCatalogReview, bureau, domain.DecisionSuggest, "reason")
			h.refuse(domain.TaskCatalogReview, bureau, domain.DecisionReject, "basis", withReason("不符合", ""))
		},
		func() {
			h.decide(domain.TaskCatalogReview, bureau, domain.DecisionSuggest, withReason("建议列为无条件开放", ""))
		},
		func() {
			bad := entry
			bad.OpenConditions = ""
			h.refuse(domain.TaskCatalogRevise, health, domain.DecisionRevise, "proposal.open_conditions", withProposal(bad))
			other := entry
			other.Code = "DS-H1"
			h.refuse(domain.TaskCatalogRevise, health, domain.DecisionRevise, "proposal.code", withProposal(other))
		},
		func() {
			h.decide(domain.TaskCatalogRevise, health, domain.DecisionDisagree, withReason("涉及企业商业秘密", ""))
		},
		func() { h.refuse(domain.TaskCatalogConsult, bureau, domain.DecisionApprove, "comment") },
		func() {
			h.decide(domain.TaskCatalogConsult, bureau, domain.DecisionApprove,
				withComment("会同编办、司法局联合会商，同意按有条件开放列入目录"))
		},
	)
	st := h.finish()
	if st.Outcome != domain.OutcomePublished {
		t.Fatalf("outcome %s", st.Outcome)
	}
	d := h.dataset("DS-N1")
	if d.Version != 1 || d.OpenAttribute != "conditional" || d.Grounds != entry.Grounds || d.OpenConditions != entry.OpenConditions ||
		d.Department != health || d.State != domain.DatasetActive {
		t.Errorf("published dataset %+v", d)
	}
	vs, err := h.st.DatasetVersions(context.Background(), "DS-N1")
	if err != nil || len(vs) != 1 || vs[0].ProcedureID != 1 || vs[0].ApprovedBy != "u-"+bureau {
		t.Errorf("versions %+v %v", vs, err)
	}
	want := []string{"procedure.filed", "task.decided", "catalog.changes_suggested", "task.decided",
		"catalog.consultation_requested", "task.decided", "catalog.published", "procedure.closed"}
	if got := h.actions(); !slices.Equal(got, want) {
		t.Errorf("audit %v\nwant  %v", got, want)
	}
	p := h.row()
	if p.Outcome != domain.OutcomePublished || p.ClosedAt == nil {
		t.Errorf("procedure row %+v", p)
	}
	tasks, _ := h.st.TasksOfProcedure(context.Background(), 1)
	if len(tasks) != 3 || tasks[2].Kind != domain.TaskCatalogConsult || tasks[2].Comment == "" || tasks[2].ApplicationID != 0 {
		t.Errorf("tasks %+v", tasks)
	}
}

// A change of an entry is its next version; the earlier one is kept, and
// the applications already naming the dataset keep what they were given.
func TestCatalogChangeIsANewVersion(t *testing.T) {
	start := cst(2027, time.March, 1, 9, 0, 0)
	entry := newEntry("DS-H1")
	entry.Change, entry.OpenAttribute, entry.OpenConditions = domain.ChangeModify, "closed", ""
	h := newProcedure(t, start, store.Procedure{Kind: domain.ProcCatalogChange, Title: "调整开放属性",
		RequesterOrg: health, RequesterUser: "u-health", Department: health, DatasetCode: "DS-H1"}, &entry)
	h.steps(time.Hour, func() { h.decide(domain.TaskCatalogReview, bureau, domain.DecisionApprove) })
	h.finish()
	d := h.dataset("DS-H1")
	if d.Version != 2 || d.OpenAttribute != "closed" || d.Name != entry.Name {
		t.Errorf("dataset after the change %+v", d)
	}
	a, err := h.st.Application(context.Background(), 1)
	if err != nil || len(a.Datasets) != 3 || a.Datasets[0].DatasetCode != "DS-H1" {
		t.Errorf("application %+v %v", a, err)
	}
}

// An out-of-catalog request: the department assesses it within 5 working
// days of its receipt (late here: marked overdue and escalated), then
// owes the data within 20 working days of the receipt. The bureau's
// rejection of the entry sends it back with the same due date; its
// approval provides the data.
func TestOutOfCatalogRequestClocks(t *testing.T) {
	start := cst(2027, time.March, 1, 9, 0, 0)
	h := newProcedure(t, start, store.Procedure{Kind: domain.ProcCatalogRequest, Title: "请求开放企业用电数据",
		RequesterOrg: applicant, RequesterUser: "u-acme", Department: health, Body: "用于信贷风控"}, nil)
	cal, _ := calendar.Default()
	assessDue := cal.DueAt(start, 5)
	provideDue := cal.DueAt(start, 20)
	var provide activities.Task
	h.at(time.Hour, func() {
		if got := h.open(domain.TaskRequestAssess, health).DueAt; !got.Equal(assessDue) {
			t.Errorf("assessment due %s, want %s", got, assessDue)
		}
	})
	late := assessDue.Sub(start) + time.Hour
	h.steps(late,
		func() {
			if h.open(domain.TaskRequestAssess, health).OverdueAt == nil {
				t.Error("the assessment is past due and not marked overdue")
			}
		},
		func() { h.decide(domain.TaskRequestAssess, health, domain.DecisionAccept) },
		func() {
			provide = h.open(domain.TaskRequestProvide, health)
			if !provide.DueAt.Equal(provideDue) {
				t.Errorf("providing due %s, want 20 working days from the receipt, %s", provide.DueAt, provideDue)
			}
			e := newEntry("DS-N2")
			e.Change = domain.ChangeModify
			h.refuse(domain.TaskRequestProvide, health, domain.DecisionProvide, "proposal.change", withProposal(e))
		},
		func() {
			h.decide(domain.TaskRequestProvide, health, domain.DecisionProvide, withProposal(newEntry("DS-N2")))
		},
		func() {
			h.decide(domain.TaskCatalogReview, bureau, domain.DecisionReject, withReason("数据项不完整", "第十一条"))
		},
		func() {
			if got := h.open(domain.TaskRequestProvide, health); !got.DueAt.Equal(provideDue) || got.Round != 2 {
				t.Errorf("providing again: due %s round %d, want %s round 2", got.DueAt, got.Round, provideDue)
			}
			h.decide(domain.TaskRequestProvide, health, domain.DecisionProvide, withProposal(newEntry("DS-N2")))
		},
		func() { h.decide(domain.TaskCatalogReview, bureau, domain.DecisionApprove) },
	)
	st := h.finish()
	if st.Outcome != domain.OutcomeProvided {
		t.Fatalf("outcome %s", st.Outcome)
	}
	if d := h.dataset("DS-N2"); d.Department != health || d.Version != 1 {
		t.Errorf("provided dataset %+v", d)
	}
	acts := h.actions()
	for _, a := range []string{"task.overdue", "task.escalated", "catalog.rejected", "catalog.published", "procedure.closed"} {
		if !slices.Contains(acts, a) {
			t.Errorf("audit lacks %s: %v", a, acts)
		}
	}
}

// A request the department refuses states its reasons and basis.
func TestOutOfCatalogRequestRefused(t *testing.T) {
	start := cst(2027, time.March, 1, 9, 0, 0)
	h := newProcedure(t, start, store.Procedure{Kind: domain.ProcCatalogRequest, Title: "请求开放人口数据",
		RequesterOrg: applicant, RequesterUser: "u-acme", Department: health, Body: "用于选址"}, nil)
	h.steps(time.Hour,
		func() { h.refuse(domain.TaskRequestAssess, health, domain.DecisionRefuse, "reason") },
		func() {
			h.decide(domain.TaskRequestAssess, health, domain.DecisionRefuse, withReason("涉及个人隐私", "第九条第二款"))
		},
	)
	if st := h.finish(); st.Outcome != domain.OutcomeRefused {
		t.Fatalf("outcome %s", st.Outcome)
	}
	if p := h.row(); p.Reason != "涉及个人隐私" || p.Basis != "第九条第二款" || p.ClosedAt == nil {
		t.Errorf("row %+v", p)
	}
}

// An objection about personal information suspends the dataset at once;
// it cannot be requested until the department handles the objection.
func TestObjectionAboutPersonalDataSuspendsAtOnce(t *testing.T) {
	for _, c := range []struct {
		decision, outcome, state string
	}{
		{domain.DecisionKeepOpen, domain.OutcomeKeptOpen, domain.DatasetActive},
		{domain.DecisionWithdrawData, domain.OutcomeDataWithdrawn, domain.DatasetWithdrawn},
	} {
		t.Run(c.decision, func(t *testing.T) {
			start := cst(2027, time.March, 1, 9, 0, 0)
			h := newProcedure(t, start, store.Procedure{Kind: domain.ProcObjection, Title: "异议：含个人手机号",
				RequesterOrg: applicant, RequesterUser: "u-acme", Department: health, DatasetCode: "DS-H1",
				Ground: domain.GroundPersonal, Body: "第3列为手机号"}, nil)
			cal, _ := calendar.Default()
			h.steps(time.Minute,
				func() {
					d := h.dataset("DS-H1")
					if d.State != domain.DatasetSuspended || d.Requestable() {
						t.Errorf("after the objection the dataset is %s (requestable %v)", d.State, d.Requestable())
					}
					if due := h.open(domain.TaskObjectionHandle, health).DueAt; !due.Equal(cal.DueAt(start, 15)) {
						t.Errorf("handling due %s, want 15 working days", due)
					}
					h.refuse(domain.TaskObjectionHandle, health, c.decision, "reason")
				},
				func() { h.decide(domain.TaskObjectionHandle, health, c.decision, withReason("已核实", "")) },
			)
			if st := h.finish(); st.Outcome != c.outcome {
				t.Fatalf("outcome %s", st.Outcome)
			}
			if d := h.dataset("DS-H1"); d.State != c.state {
				t.Errorf("dataset %s after %s", d.State, c.decision)
			}
		})
	}
}

// callback reports an Update's outcome: to done when given, else as a
// test error when it failed.
func callback(t *testing.T, what string, done func(error)) *testsuite.TestUpdateCallback {
	report := func(err error) {
		if done != nil {
			done(err)
		} else if err != nil {
			t.Errorf("%s: %v", what, err)
		}
	}
	return &testsuite.TestUpdateCallback{
		OnAccept:   func() {},
		OnReject:   report,
		OnComplete: func(_ any, err error) { report(err) },
	}
}

// refusedField is the field a refusal names.
func refusedField(err error) string {
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		return ""
	}
	var field string
	_ = appErr.Details(&field)
	return field
}

// The other branches of a catalog change: the bureau suggests, the
// department revises (a new round of review, with its own clock, reminded
// before it falls due), a supervisor urges the late review and the bureau
// replies, and the bureau rejects with reason and basis: nothing is
// published.
func TestCatalogChangeRevisedUrgedAndRejected(t *testing.T) {
	start := cst(2027, time.March, 1, 9, 0, 0)
	entry := newEntry("DS-N3")
	h := newProcedure(t, start, store.Procedure{Kind: domain.ProcCatalogChange, Title: "新增",
		RequesterOrg: health, RequesterUser: "u-health", Department: health, DatasetCode: "DS-N3"}, &entry)
	cal, _ := calendar.Default()
	revised := entry
	revised.OpenAttribute, revised.OpenConditions, revised.Grounds = "unconditional", "", ""
	h.steps(time.Hour,
		func() {
			h.decide(domain.TaskCatalogReview, bureau, domain.DecisionSuggest, withReason("建议无条件开放", ""))
		},
		func() { h.decide(domain.TaskCatalogRevise, health, domain.DecisionRevise, withProposal(revised)) },
		func() {
			r := h.open(domain.TaskCatalogReview, bureau)
			if r.Round != 2 || !r.DueAt.Equal(cal.DueAt(r.OpenedAt, 15)) || r.RemindAt == nil {
				t.Errorf("the second review: round %d due %s remind %v", r.Round, r.DueAt, r.RemindAt)
			}
		},
	)
	late := cal.DueAt(start, 16).Sub(start)
	h.steps(late,
		func() {
			r := h.open(domain.TaskCatalogReview, bureau)
			if r.RemindedAt == nil || r.OverdueAt == nil {
				t.Errorf("a late review: reminded %v overdue %v", r.RemindedAt, r.OverdueAt)
			}
			h.env.UpdateWorkflow(wf.UpdateUrge, "", callback(t, "urge", nil),
				wf.UrgeRequest{Actor: supervisor(), TaskID: r.ID, UrgeID: 1, Message: "请本周办结"})
		},
		func() { h.decide(domain.TaskUrgeReply, bureau, domain.DecisionReply, withComment("本周办结")) },
		func() {
			h.decide(domain.TaskCatalogReview, bureau, domain.DecisionReject, withReason("数据项缺少口径说明", "第十一条"))
		},
	)
	st := h.finish()
	if st.Outcome != domain.OutcomeRejected || st.Proposal.OpenAttribute != "unconditional" || st.Round != 2 {
		t.Fatalf("state %+v", st)
	}
	if d := h.dataset("DS-N3"); d.Code != "" {
		t.Errorf("a rejected change was published: %+v", d)
	}
	if p := h.row(); p.Proposal == nil || p.Proposal.OpenAttribute != "unconditional" || p.Basis != "第十一条" {
		t.Errorf("row %+v", p)
	}
	acts := h.actions()
	for _, a := range []string{"catalog.revised", "task.reminded", "task.overdue", "task.escalated", "urge.reply_requested", "urge.replied"} {
		if !slices.Contains(acts, a) {
			t.Errorf("audit lacks %s: %v", a, acts)
		}
	}
}

// A retirement withdraws the dataset as its next version; an objection on
// other grounds leaves the dataset open while it is handled, and opening
// it after treatment keeps it open.
func TestRetirementAndObjectionTreated(t *testing.T) {
	start := cst(2027, time.March, 1, 9, 0, 0)
	retire := activities.Proposal{Change: domain.ChangeRetire, Code: "DS-H2"}
	h := newProcedure(t, start, store.Procedure{Kind: domain.ProcCatalogChange, Title: "撤销",
		RequesterOrg: health, RequesterUser: "u-health", Department: health, DatasetCode: "DS-H2"}, &retire)
	h.steps(time.Hour, func() { h.decide(domain.TaskCatalogReview, bureau, domain.DecisionApprove) })
	h.finish()
	if d := h.dataset("DS-H2"); d.State != domain.DatasetWithdrawn || d.Version != 2 || d.Requestable() {
		t.Errorf("retired dataset %+v", d)
	}

	o := newProcedure(t, start, store.Procedure{Kind: domain.ProcObjection, Title: "异议：数据有误",
		RequesterOrg: applicant, RequesterUser: "u-acme", Department: health, DatasetCode: "DS-H1", Ground: domain.GroundError}, nil)
	o.steps(time.Minute,
		func() {
			if d := o.dataset("DS-H1"); d.State != domain.DatasetActive {
				t.Errorf("an objection on errors suspended the dataset: %s", d.State)
			}
		},
		func() {
			o.decide(domain.TaskObjectionHandle, health, domain.DecisionTreatAndOpen, withReason("已更正第3列", ""))
		},
	)
	if st := o.finish(); st.Outcome != domain.OutcomeTreated {
		t.Fatalf("outcome %s", st.Outcome)
	}
	if d := o.dataset("DS-H1"); d.State != domain.DatasetActive {
		t.Errorf("after treatment the dataset is %s", d.State)
	}
}

// A holiday table that arrives late moves the data owed on an accepted
// request to 20 working days from its receipt by the new table, not from
// when the department accepted it.
func TestLateHolidayTableCountsARequestFromItsReceipt(t *testing.T) {
	full, without, t2027 := calendarWithout(t, 2027)
	start := cst(2026, 12, 18, 9, 0, 0)
	want, provisional := full.DueAt(start, 20), without.DueAt(start, 20)
	if want.Equal(provisional) {
		t.Fatalf("the tables agree (%s): the test would show nothing", want)
	}
	h := newProcedureWith(t, start, store.Procedure{Kind: domain.ProcCatalogRequest, Title: "请求",
		RequesterOrg: applicant, RequesterUser: "u-acme", Department: health, Body: "用途"}, nil, without)
	// Accepted on Tuesday 22 December, two working days after the receipt.
	h.steps(4*24*time.Hour,
		func() { h.decide(domain.TaskRequestAssess, health, domain.DecisionAccept) },
		func() {
			raw, _ := json.Marshal(t2027)
			if err := h.st.PutHolidayTable(context.Background(), store.HolidayTable{Year: 2027, Table: string(raw),
				UpdatedBy: "admin", UpdatedAt: h.env.Now()}); err != nil {
				t.Fatal(err)
			}
			h.env.SignalWorkflow(wf.SignalCalendarChanged, wf.CalendarChanged{Years: []int{2027}, Why: "holiday table 2027 uploaded"})
		},
		func() {
			if got := h.open(domain.TaskRequestProvide, health).DueAt; !got.Equal(want) {
				t.Errorf("the data is owed %s, want 20 working days from the receipt by the 2027 table, %s (provisionally %s)", got, want, provisional)
			}
		},
		func() {
			h.decide(domain.TaskRequestProvide, health, domain.DecisionProvide, withProposal(newEntry("DS-N4")))
		},
		func() { h.decide(domain.TaskCatalogReview, bureau, domain.DecisionApprove) },
	)
	h.finish()
}
