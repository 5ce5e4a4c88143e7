package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/domain"
)

// ModelReviewWorkflow reviews one model (一模型一审定): the bureau and every
// provider department decide; one rejection rejects it, a request for
// changes sends it back to the applicant, whose resubmission restarts every
// reviewer's clock. The result is written to the read model and signalled to
// the application.
func ModelReviewWorkflow(ctx workflow.Context, in ModelInput) (ModelStatus, error) {
	w := &modelReview{in: in, st: ModelStatus{Status: domain.ModelInReview, Round: 1}}
	w.m = newMachine(ctx, &w.st.Core, in.ApplicationID, in.Deadlines)
	w.m.applicant = in.ApplicantOrg
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (ModelStatus, error) {
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
	err := workflow.Await(ctx, func() bool { return w.final() })
	if err != nil && temporal.IsCanceledError(err) {
		return w.cancelled(ctx)
	}
	if err != nil {
		return w.st, err
	}
	_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
	return w.st, w.notify(ctx)
}

// start opens the reviews, holding the lock as every transition does.
func (w *modelReview) start(ctx workflow.Context) error {
	if err := w.m.lock(ctx); err != nil {
		return err
	}
	defer w.m.mu.Unlock()
	var c change
	w.m.audit(ctx, &c, w.in.Submitter, "model.review_started", w.in.Name, "", "")
	w.openReviews(ctx, &c)
	_, err := w.m.apply(ctx, &c)
	return err
}

type modelReview struct {
	in ModelInput
	st ModelStatus
	m  *machine
}

func (w *modelReview) final() bool {
	return w.st.Status == domain.ModelApproved || w.st.Status == domain.ModelRejected
}

func (w *modelReview) openReviews(ctx workflow.Context, c *change) {
	for _, org := range w.in.Reviewers {
		w.m.open(ctx, c, domain.TaskModelReview, org, fmt.Sprintf("model-%d", w.in.No), w.st.Round)
	}
}

func (w *modelReview) row(ctx workflow.Context) activities.Model {
	r := activities.Model{ID: w.m.wfID, ApplicationID: w.in.ApplicationID, No: w.in.No, Name: w.in.Name,
		Description: w.in.Description, Status: w.st.Status, Round: w.st.Round, SubmittedAt: w.in.SubmittedAt}
	if w.st.Status != domain.ModelInReview && w.st.Status != domain.ModelChangesRequested {
		now := workflow.Now(ctx).UTC()
		r.DecidedAt = &now
	}
	return r
}

func (w *modelReview) validate(ctx workflow.Context, r DecideRequest) error {
	t, err := w.m.checkTask(r)
	if err != nil {
		return err
	}
	if t.Kind == domain.TaskUrgeReply && strings.TrimSpace(r.Comment) == "" {
		return refuse(ErrInvalid, "comment", "a reply to an urge needs its text: fill in comment")
	}
	switch r.Decision {
	case domain.DecisionReject:
		return requireReasonBasis("", r.Reason, r.Basis)
	case domain.DecisionRequestChanges:
		return requireReason(r.Decision, r.Reason)
	}
	return nil
}

func (w *modelReview) decide(ctx workflow.Context, r DecideRequest) (UpdateResult, error) {
	t, _ := w.m.task(r.TaskID)
	var c change
	w.m.close(ctx, &c, t, r.Actor, r.Decision, r.Reason, r.Basis, r.Comment)
	if t.Kind == domain.TaskUrgeReply {
		if err := w.m.reply(ctx, &c, t, r); err != nil {
			return UpdateResult{}, err
		}
		return UpdateResult{Status: w.st.Status}, nil
	}
	if t.Kind == domain.TaskModelReview {
		w.st.Decisions = append(w.st.Decisions, c.Tasks[len(c.Tasks)-1])
	}
	if t.Kind == domain.TaskModelRevision {
		w.st.Round++
		w.st.Status = domain.ModelInReview
		if d, ok := r.Edits["description"]; ok {
			w.in.Description = d
		}
		w.m.audit(ctx, &c, r.Actor, "model.resubmitted", w.in.Name, fmt.Sprintf("round %d", w.st.Round), "")
		w.openReviews(ctx, &c)
	} else if t.Kind == domain.TaskModelReview && r.Decision == domain.DecisionReject &&
		workflow.GetVersion(ctx, rejectEndsModelReviewChange, workflow.DefaultVersion, 1) >= 1 {
		// One reviewer's rejection decides: the model is rejected now,
		// and the other reviews of it (and urges of them) are cancelled.
		w.st.Status = domain.ModelRejected
		w.m.cancelOpen(ctx, &c, "the model was rejected by "+t.Department)
		w.m.audit(ctx, &c, systemActor, "model."+w.st.Status, w.in.Name, "", "")
	} else if w.roundDecided(&c) {
		w.st.Status = w.roundOutcome()
		w.m.audit(ctx, &c, systemActor, "model."+w.st.Status, w.in.Name, "", "")
		if w.st.Status == domain.ModelChangesRequested {
			w.m.open(ctx, &c, domain.TaskModelRevision, w.in.ApplicantOrg, fmt.Sprintf("model-%d", w.in.No), w.st.Round)
		}
	}
	c.Models = []activities.Model{w.row(ctx)}
	if _, err := w.m.apply(ctx, &c); err != nil {
		return UpdateResult{}, err
	}
	return UpdateResult{Status: w.st.Status, Opened: w.m.lastOpened}, nil
}

// rejectEndsModelReviewChange: a reviewer's rejection ends the model
// review at once (一模型一审定: one rejection is the outcome). Before it,
// the review waited for every other reviewer to decide first.
const rejectEndsModelReviewChange = "reject-ends-model-review"

func (w *modelReview) roundDecided(c *change) bool {
	for _, t := range w.m.openOf(domain.TaskModelReview) {
		if !contains(c.closed, t.ID) {
			return false
		}
	}
	return true
}

func (w *modelReview) roundOutcome() string {
	outcome := domain.ModelApproved
	for _, d := range w.st.Decisions {
		if d.Round != w.st.Round {
			continue
		}
		switch d.Decision {
		case domain.DecisionReject:
			return domain.ModelRejected
		case domain.DecisionRequestChanges:
			outcome = domain.ModelChangesRequested
		}
	}
	return outcome
}

func (w *modelReview) notify(ctx workflow.Context) error {
	err := workflow.SignalExternalWorkflow(ctx, w.in.ApplicationWorkflowID, "", SignalModelReviewed,
		ModelReviewed{No: w.in.No, Status: w.st.Status}).Get(ctx, nil)
	var notFound *temporal.UnknownExternalWorkflowExecutionError
	if errors.As(err, &notFound) {
		return nil // the application has already closed
	}
	return err
}

// cancelled closes the review when its application ended.
func (w *modelReview) cancelled(ctx workflow.Context) (ModelStatus, error) {
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	w.m.rootCtx = dctx
	var c change
	w.m.cancelOpen(dctx, &c, "authorization ended")
	w.st.Status = domain.ModelCancelled
	c.Models = []activities.Model{w.row(dctx)}
	if _, err := w.m.apply(dctx, &c); err != nil {
		return w.st, err
	}
	return w.st, temporal.NewCanceledError()
}

// --- submitting a model (the application workflow's side) -------------

func (w *app) validateSubmitModel(ctx workflow.Context, r ModelRequest) error {
	if err := w.checkActive(r.Actor, w.in.ApplicantOrg, "submit a model"); err != nil {
		return err
	}
	if res, ok := w.restriction(); ok {
		return refuse(ErrConflict, "", "no model is submitted while a measure is in force (%s since %s)", res.Measure, res.StartedAt.Format(time.DateOnly))
	}
	if strings.TrimSpace(r.Name) == "" {
		return refuse(ErrInvalid, "name", "a model needs a name: fill in name")
	}
	if strings.TrimSpace(r.Description) == "" {
		return refuse(ErrInvalid, "description", "describe the model and how it uses the data: fill in description")
	}
	return nil
}

func (w *app) submitModel(ctx workflow.Context, r ModelRequest) (UpdateResult, error) {
	no := len(w.st.Models) + 1
	id := ModelWorkflowID(w.m.wfID, no)
	now := workflow.Now(ctx).UTC()
	var c change
	c.Models = []activities.Model{{ID: id, ApplicationID: w.in.ApplicationID, No: no, Name: r.Name,
		Description: r.Description, Status: domain.ModelInReview, Round: 1, SubmittedAt: now}}
	w.m.audit(ctx, &c, r.Actor, "model.submitted", id, r.Name, "")
	if _, err := w.commit(ctx, &c); err != nil {
		return UpdateResult{}, err
	}
	reviewers := []string{w.in.Orgs.Bureau}
	for _, d := range w.approved() {
		if !contains(reviewers, d.Department) {
			reviewers = append(reviewers, d.Department)
		}
	}
	opts := workflow.ChildWorkflowOptions{
		WorkflowID: id,
		// The review outlives a continue-as-new of this run; an ended
		// authorization cancels it explicitly.
		ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
		// A cancelled review closes its tasks before it ends.
		WaitForCancellation: true,
	}
	if w.searchable {
		opts.TypedSearchAttributes = temporal.NewSearchAttributes(
			SearchApplicationID.ValueSet(int64(w.in.ApplicationID)),
			SearchApplicantOrg.ValueSet(w.in.ApplicantOrg))
	}
	cctx := workflow.WithChildOptions(ctx, opts)
	child := workflow.ExecuteChildWorkflow(cctx, ModelReviewWorkflowName, ModelInput{
		ApplicationID: w.in.ApplicationID, ApplicationWorkflowID: w.m.wfID, No: no,
		Name: r.Name, Description: r.Description, ApplicantOrg: w.in.ApplicantOrg,
		Submitter: r.Actor, Reviewers: reviewers, Deadlines: w.in.Deadlines, SubmittedAt: now,
	})
	if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		return UpdateResult{}, fmt.Errorf("start model review %s: %w", id, err)
	}
	w.st.Models = append(w.st.Models, ModelState{No: no, WorkflowID: id, Name: r.Name, Status: domain.ModelInReview})
	w.m.version++
	return UpdateResult{Status: w.st.Status, Model: id}, nil
}

func (w *app) modelReviewed(s ModelReviewed) {
	for i := range w.st.Models {
		if w.st.Models[i].No == s.No && w.st.Models[i].Status != domain.ModelCancelled {
			w.st.Models[i].Status = s.Status
		}
	}
	w.m.version++
}
