package workflows

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/domain"
)

// ProcedureWorkflowName is the registered name of ProcedureWorkflow.
const ProcedureWorkflowName = "ProcedureWorkflow"

// ProcedureWorkflowID is the workflow ID of a statutory procedure.
func ProcedureWorkflowID(id uint64) string { return fmt.Sprintf("procedure-%d", id) }

// ProcedureInput starts a ProcedureWorkflow.
type ProcedureInput struct {
	ProcedureID uint64 `json:"procedure_id"`
	Kind        string `json:"kind"`
	Title       string `json:"title"`
	// Requester filed it: the proposing department's official, the
	// requester, the objector.
	Requester Actor `json:"requester"`
	// Department is the provider department that answers; Bureau the
	// org that keeps the catalog.
	Department string `json:"department"`
	Bureau     string `json:"bureau"`
	Dataset    string `json:"dataset,omitempty"`
	// Ground is an objection's (domain.ObjectionGrounds).
	Ground string `json:"ground,omitempty"`
	// Proposal is a catalog change's entry as proposed.
	Proposal   *activities.Proposal `json:"proposal,omitempty"`
	ReceivedAt time.Time            `json:"received_at"`
	Deadlines  Deadlines            `json:"deadlines"`
}

// ProcedureState is the whole state of a ProcedureWorkflow.
type ProcedureState struct {
	Core
	Outcome  string               `json:"outcome"`
	Proposal *activities.Proposal `json:"proposal,omitempty"`
	Round    int                  `json:"round"`
	// ProvideDue is when an accepted out-of-catalog request must be
	// provided: 20 working days from its receipt, kept by every later
	// round of providing.
	ProvideDue time.Time `json:"provide_due,omitzero"`
	// Applying (Query answers only): a transition is being written.
	Applying bool `json:"applying,omitempty"`
}

// ProcedureWorkflow runs one statutory procedure beside the applications
// (domain/procedures.go) from its filing to its outcome, each step a task
// with its own working-day clock, reminder, overdue mark and urge, like an
// application's.
func ProcedureWorkflow(ctx workflow.Context, in ProcedureInput) (ProcedureState, error) {
	w := &procedure{in: in, st: ProcedureState{Outcome: domain.OutcomeOpen, Proposal: in.Proposal, Round: 1}}
	w.m = newMachine(ctx, &w.st.Core, 0, in.Deadlines)
	w.m.procID = in.ProcedureID
	// The data owed on an accepted request is owed 20 working days from
	// its receipt, in every round of providing it.
	w.m.countFrom = func(t activities.Task) time.Time {
		if t.Kind == domain.TaskRequestProvide {
			return in.ReceivedAt
		}
		return t.OpenedAt
	}
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (ProcedureState, error) {
		s := w.st
		s.Applying = w.m.applying()
		return s, nil
	}); err != nil {
		return w.st, err
	}
	if err := errors.Join(
		onUpdate(ctx, w.m, UpdateDecide, w.validate, w.decide),
		onUpdate(ctx, w.m, UpdateUrge, w.m.validateUrge, w.m.urge),
	); err != nil {
		return w.st, err
	}
	if err := w.start(ctx); err != nil {
		return w.st, err
	}
	w.m.watchCalendar(ctx)
	if err := workflow.Await(ctx, func() bool { return w.st.Outcome != domain.OutcomeOpen }); err != nil {
		return w.st, err
	}
	_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && !w.m.recountPending(ctx) })
	return w.st, nil
}

type procedure struct {
	in ProcedureInput
	st ProcedureState
	m  *machine
}

// start records the filing and opens the first step: the bureau's review
// of a catalog change, the department's assessment of a request, its
// handling of an objection. An objection about personal information
// suspends the dataset at once (第二十九条: "发现数据泄露的，应当立即采取补救措施").
func (w *procedure) start(ctx workflow.Context) error {
	if err := w.m.lock(ctx); err != nil {
		return err
	}
	defer w.m.mu.Unlock()
	var c change
	w.m.audit(ctx, &c, w.in.Requester, "procedure.filed", w.in.Kind+" "+w.target(), w.in.Title, "")
	switch w.in.Kind {
	case domain.ProcCatalogChange:
		w.m.open(ctx, &c, domain.TaskCatalogReview, w.in.Bureau, w.target(), w.st.Round)
	case domain.ProcCatalogRequest:
		w.m.open(ctx, &c, domain.TaskRequestAssess, w.in.Department, "", w.st.Round)
	case domain.ProcObjection:
		if w.in.Ground == domain.GroundPersonal {
			c.DatasetStates = append(c.DatasetStates, activities.DatasetState{Code: w.in.Dataset, State: domain.DatasetSuspended})
			w.m.audit(ctx, &c, systemActor, "dataset.suspended", w.in.Dataset, "objection about personal information", "")
		}
		w.m.open(ctx, &c, domain.TaskObjectionHandle, w.in.Department, w.in.Dataset, w.st.Round)
	default:
		return fmt.Errorf("procedure %d: unknown kind %q", w.in.ProcedureID, w.in.Kind)
	}
	c.Procedure = w.row()
	_, err := w.m.apply(ctx, &c)
	return err
}

// target names what the procedure is about: the dataset's code.
func (w *procedure) target() string {
	if w.st.Proposal != nil {
		return w.st.Proposal.Code
	}
	return w.in.Dataset
}

func (w *procedure) row() *activities.ProcedureRow {
	return &activities.ProcedureRow{ID: w.in.ProcedureID, Outcome: w.st.Outcome, Proposal: w.st.Proposal}
}

func (w *procedure) validate(_ workflow.Context, r DecideRequest) error {
	t, err := w.m.checkTask(r)
	if err != nil {
		return err
	}
	switch t.Kind {
	case domain.TaskUrgeReply:
		if strings.TrimSpace(r.Comment) == "" {
			return refuse(ErrInvalid, "comment", "a reply to an urge needs its text: fill in comment")
		}
	case domain.TaskCatalogReview:
		switch r.Decision {
		case domain.DecisionReject:
			return requireReasonBasis("", r.Reason, r.Basis)
		case domain.DecisionSuggest:
			return requireReason(r.Decision, r.Reason)
		}
	case domain.TaskCatalogRevise:
		if r.Decision == domain.DecisionDisagree {
			return requireReason(r.Decision, r.Reason)
		}
		if r.Proposal == nil {
			return refuse(ErrInvalid, "proposal", "a revision carries the revised catalog entry: fill in proposal")
		}
		if r.Proposal.Code != w.target() || r.Proposal.Change != w.st.Proposal.Change {
			return refuse(ErrInvalid, "proposal.code", "a revision changes the entry proposed (%s), not another: keep proposal.code and proposal.change", w.target())
		}
		return CheckProposal(*r.Proposal)
	case domain.TaskCatalogConsult:
		if strings.TrimSpace(r.Comment) == "" {
			return refuse(ErrInvalid, "comment", "record the joint consultation (who took part and what was agreed): fill in comment")
		}
		if r.Decision == domain.DecisionReject {
			return requireReasonBasis("", r.Reason, r.Basis)
		}
	case domain.TaskRequestAssess:
		if r.Decision == domain.DecisionRefuse {
			return requireReasonBasis("", r.Reason, r.Basis)
		}
	case domain.TaskRequestProvide:
		if r.Proposal == nil {
			return refuse(ErrInvalid, "proposal", "the data is provided by its catalog entry: fill in proposal")
		}
		if r.Proposal.Change != domain.ChangeCreate {
			return refuse(ErrInvalid, "proposal.change", "requested data joins the catalog as a new dataset: set proposal.change to create")
		}
		return CheckProposal(*r.Proposal)
	case domain.TaskObjectionHandle:
		return requireReason(r.Decision, r.Reason)
	}
	return nil
}

// CheckProposal checks a catalog entry as proposed: a name, its data
// items, an open attribute and grade, the grounds of a closed or
// conditional classification and a conditional one's conditions (第九条,
// 第十一条). A retirement needs only the code. The API checks the same
// before filing.
func CheckProposal(p activities.Proposal) error {
	if !slices.Contains(domain.ChangeKinds(), p.Change) {
		return refuse(ErrInvalid, "proposal.change", "proposal.change %q is not one of: %s", p.Change, strings.Join(domain.ChangeKinds(), ", "))
	}
	if strings.TrimSpace(p.Code) == "" {
		return refuse(ErrInvalid, "proposal.code", "a catalog entry needs its code: fill in proposal.code")
	}
	if p.Change == domain.ChangeRetire {
		return nil
	}
	if strings.TrimSpace(p.Name) == "" {
		return refuse(ErrInvalid, "proposal.name", "a catalog entry needs its name: fill in proposal.name")
	}
	if len(p.Fields) == 0 {
		return refuse(ErrInvalid, "proposal.fields", "a catalog entry lists its data items: fill in proposal.fields")
	}
	attrs := []string{"unconditional", "conditional", "closed"}
	if !slices.Contains(attrs, p.OpenAttribute) {
		return refuse(ErrInvalid, "proposal.open_attribute", "proposal.open_attribute %q is not one of: %s", p.OpenAttribute, strings.Join(attrs, ", "))
	}
	if p.Grade < 1 || p.Grade > 4 {
		return refuse(ErrInvalid, "proposal.grade", "proposal.grade %d is not a grade: use 1 to 4", p.Grade)
	}
	if p.RequiresConsent && p.OpenAttribute == "unconditional" {
		return refuse(ErrInvalid, "proposal.requires_consent", "data used only with its subjects' consent is not open unconditionally (第九条): set proposal.open_attribute to conditional or closed")
	}
	if p.OpenAttribute != "unconditional" && strings.TrimSpace(p.Grounds) == "" {
		return refuse(ErrInvalid, "proposal.grounds", "a closed or conditional classification states its grounds (依据): fill in proposal.grounds")
	}
	if p.OpenAttribute == "conditional" && strings.TrimSpace(p.OpenConditions) == "" {
		return refuse(ErrInvalid, "proposal.open_conditions", "conditional data states its conditions (开放条件): fill in proposal.open_conditions")
	}
	return nil
}

func (w *procedure) decide(ctx workflow.Context, r DecideRequest) (UpdateResult, error) {
	t, _ := w.m.task(r.TaskID)
	var c change
	w.m.close(ctx, &c, t, r.Actor, r.Decision, r.Reason, r.Basis, r.Comment)
	if t.Kind == domain.TaskUrgeReply {
		if err := w.m.reply(ctx, &c, t, r); err != nil {
			return UpdateResult{}, err
		}
		return UpdateResult{Status: w.st.Outcome}, nil
	}
	switch t.Kind {
	case domain.TaskCatalogReview, domain.TaskCatalogConsult:
		switch r.Decision {
		case domain.DecisionApprove:
			w.publish(ctx, &c, r.Actor)
		case domain.DecisionReject:
			w.rejected(ctx, &c, r)
		case domain.DecisionSuggest:
			w.m.audit(ctx, &c, r.Actor, "catalog.changes_suggested", w.target(), r.Reason, "")
			w.m.open(ctx, &c, domain.TaskCatalogRevise, w.in.Department, w.target(), w.st.Round)
		}
	case domain.TaskCatalogRevise:
		if r.Decision == domain.DecisionRevise {
			w.st.Proposal = r.Proposal
			w.st.Round++
			w.m.audit(ctx, &c, r.Actor, "catalog.revised", w.target(), fmt.Sprintf("round %d", w.st.Round), "")
			w.m.open(ctx, &c, domain.TaskCatalogReview, w.in.Bureau, w.target(), w.st.Round)
		} else {
			// 第九条: no agreement on the bureau's suggestion goes to a
			// joint consultation, which the bureau convenes and records.
			w.m.audit(ctx, &c, r.Actor, "catalog.consultation_requested", w.target(), r.Reason, "")
			w.m.open(ctx, &c, domain.TaskCatalogConsult, w.in.Bureau, w.target(), w.st.Round)
		}
	case domain.TaskRequestAssess:
		if r.Decision == domain.DecisionRefuse {
			w.finish(ctx, &c, r.Actor, domain.OutcomeRefused, r.Reason, r.Basis)
			break
		}
		received := w.in.ReceivedAt
		w.m.open(ctx, &c, domain.TaskRequestProvide, w.in.Department, "", w.st.Round)
		c.Open[len(c.Open)-1].Deadline.From = &received
	case domain.TaskRequestProvide:
		w.st.Proposal = r.Proposal
		w.m.audit(ctx, &c, r.Actor, "catalog.proposed", w.target(), w.in.Title, "")
		w.m.open(ctx, &c, domain.TaskCatalogReview, w.in.Bureau, w.target(), w.st.Round)
	case domain.TaskObjectionHandle:
		state, outcome := domain.DatasetActive, domain.OutcomeKeptOpen
		switch r.Decision {
		case domain.DecisionWithdrawData:
			state, outcome = domain.DatasetWithdrawn, domain.OutcomeDataWithdrawn
		case domain.DecisionTreatAndOpen:
			outcome = domain.OutcomeTreated
		}
		c.DatasetStates = append(c.DatasetStates, activities.DatasetState{Code: w.in.Dataset, State: state})
		w.finish(ctx, &c, r.Actor, outcome, r.Reason, r.Basis)
	}
	c.Procedure = w.row()
	if w.st.Outcome != domain.OutcomeOpen {
		now := w.m.now(ctx)
		c.Procedure.ClosedAt, c.Procedure.Reason, c.Procedure.Basis = &now, r.Reason, r.Basis
	}
	if _, err := w.m.apply(ctx, &c); err != nil {
		return UpdateResult{}, err
	}
	if t.Kind == domain.TaskRequestAssess && r.Decision == domain.DecisionAccept {
		w.st.ProvideDue = w.m.lastOpened[0].DueAt
	}
	return UpdateResult{Status: w.st.Outcome, Opened: w.m.lastOpened}, nil
}

// publish makes the proposal the dataset's next catalog version. A
// request provided this way ends as provided, and its requester is told.
func (w *procedure) publish(ctx workflow.Context, c *change, by Actor) {
	p := *w.st.Proposal
	c.Publish = &activities.Publication{Proposal: p, Department: w.in.Department, ProcedureID: w.in.ProcedureID,
		At: w.m.now(ctx), By: by.User}
	w.m.audit(ctx, c, by, "catalog.published", p.Change+" "+p.Code, p.Name, "")
	outcome := domain.OutcomePublished
	if w.in.Kind == domain.ProcCatalogRequest {
		outcome = domain.OutcomeProvided
	}
	w.finish(ctx, c, by, outcome, "", "")
}

// rejected ends a catalog change as rejected. A request's catalog entry
// rejected by the bureau goes back to the department, which still owes
// the data by the request's own due date.
func (w *procedure) rejected(ctx workflow.Context, c *change, r DecideRequest) {
	if w.in.Kind != domain.ProcCatalogRequest {
		w.finish(ctx, c, r.Actor, domain.OutcomeRejected, r.Reason, r.Basis)
		return
	}
	w.st.Round++
	w.m.audit(ctx, c, r.Actor, "catalog.rejected", w.target(), r.Reason, r.Basis)
	w.m.openUntil(ctx, c, domain.TaskRequestProvide, w.in.Department, "", w.st.Round, w.st.ProvideDue)
}

// finish ends the procedure with its outcome; open tasks (an urge's reply)
// are cancelled.
func (w *procedure) finish(ctx workflow.Context, c *change, a Actor, outcome, reason, basis string) {
	w.st.Outcome = outcome
	w.m.cancelOpen(ctx, c, "the procedure ended: "+outcome)
	w.m.audit(ctx, c, a, "procedure.closed", w.in.Kind+" "+outcome, reason, basis)
}
