package workflows

import (
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/domain"
)

// continueAsNewAfter is the history length past which an active
// authorization starts a new run at its next quiet moment.
const continueAsNewAfter = 4000

// ApplicationWorkflow carries one application from submission to closing.
// Human decisions arrive as Updates; timers drive reminders, overdue
// marks, evaluations, expiry and the exit notice.
func ApplicationWorkflow(ctx workflow.Context, in ApplicationInput) (AppState, error) {
	w := &app{in: in}
	if in.Resume != nil {
		w.st = *in.Resume
	}
	w.m = newMachine(ctx, &w.st.Core, in.ApplicationID, in.Deadlines)
	if err := w.setup(ctx); err != nil {
		return w.st, err
	}
	return w.run(ctx)
}

type app struct {
	in ApplicationInput
	st AppState
	m  *machine
	// searchable: this run upserts search attributes (not in histories
	// recorded before they existed); indexed is what it last upserted.
	searchable bool
	indexed    searchState
}

func (w *app) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (Status, error) {
		return Status{AppState: w.st, ApplicationID: w.in.ApplicationID,
			HistoryLength: workflow.GetInfo(ctx).GetCurrentHistoryLength(), Applying: w.m.applying()}, nil
	}); err != nil {
		return err
	}
	handlers := []struct {
		name      string
		handler   any
		validator any
	}{
		{UpdateDecide, w.decide, w.validateDecide},
		{UpdateWithdraw, w.withdraw, w.validateWithdraw},
		{UpdateSubmitModel, w.submitModel, w.validateSubmitModel},
		{UpdateRequestEvaluation, w.requestEvaluation, w.validateRequestEvaluation},
		{UpdateGiveExitNotice, w.giveExitNotice, w.validateGiveExitNotice},
		{UpdateTerminate, w.terminate, w.validateTerminate},
		{UpdateUrge, w.m.urge, func(ctx workflow.Context, r UrgeRequest) error { _, err := w.m.validateUrge(r); return err }},
		{UpdateFlagGroundless, w.flagGroundless, func(ctx workflow.Context, r FlagRequest) error { _, err := w.validateFlag(ctx, r); return err }},
	}
	for _, h := range handlers {
		if err := workflow.SetUpdateHandlerWithOptions(ctx, h.name, h.handler,
			workflow.UpdateHandlerOptions{Validator: h.validator}); err != nil {
			return err
		}
	}
	return nil
}

func (w *app) run(ctx workflow.Context) (AppState, error) {
	if w.in.Resume == nil {
		if err := w.submit(ctx); err != nil {
			return w.st, err
		}
	} else {
		for _, t := range w.st.Tasks {
			w.m.arm(t.ID)
		}
	}
	w.st.Runs++
	w.searchable = workflow.GetVersion(ctx, searchAttributesChange, workflow.DefaultVersion, 1) >= 1
	signals := workflow.GetSignalChannel(ctx, SignalModelReviewed)
	workflow.Go(ctx, func(ctx workflow.Context) {
		for {
			var s ModelReviewed
			signals.Receive(ctx, &s)
			w.modelReviewed(s)
		}
	})
	window := workflow.GetVersion(ctx, supervisionWindowChange, workflow.DefaultVersion, 1) >= 1
	for {
		for !terminal(w.st.Status) {
			if err := w.index(ctx); err != nil {
				return w.st, err
			}
			seen := w.m.version
			woke := func() bool { return w.m.version != seen }
			if next := w.nextTimeEvent(); next.IsZero() {
				if err := workflow.Await(ctx, woke); err != nil {
					return w.st, err
				}
			} else if d := next.Sub(workflow.Now(ctx)); d > 0 {
				if _, err := workflow.AwaitWithTimeout(ctx, d, woke); err != nil {
					return w.st, err
				}
			}
			if err := w.onTime(ctx); err != nil {
				return w.st, err
			}
			if w.shouldContinueAsNew(ctx) {
				for {
					var s ModelReviewed
					if !signals.ReceiveAsync(&s) {
						break
					}
					w.modelReviewed(s)
				}
				in := w.in
				st := w.st
				in.Resume = &st
				return w.st, workflow.NewContinueAsNewError(ctx, ApplicationWorkflowName, in)
			}
		}
		// A rejection stays open to supervision for a while: a
		// groundless-rejection flag may reopen the review.
		if !window || w.st.Status != domain.StatusRejected {
			break
		}
		reopened, err := w.supervisionWindow(ctx)
		if err != nil {
			return w.st, err
		}
		if !reopened {
			break
		}
	}
	if err := w.index(ctx); err != nil {
		return w.st, err
	}
	// Let in-flight Updates return before the workflow completes.
	_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
	return w.st, nil
}

// index upserts the search attributes when their values changed.
func (w *app) index(ctx workflow.Context) error {
	if !w.searchable {
		return nil
	}
	now := searchState{set: true, step: w.st.Status, overdue: w.overdue()}
	if now == w.indexed {
		return nil
	}
	w.indexed = now
	return workflow.UpsertTypedSearchAttributes(ctx,
		SearchApplicationID.ValueSet(int64(w.in.ApplicationID)),
		SearchApplicantOrg.ValueSet(w.in.ApplicantOrg),
		SearchStep.ValueSet(now.step),
		SearchOverdue.ValueSet(now.overdue))
}

// overdue: an open task is past its due time (marked by its timer).
func (w *app) overdue() bool {
	for _, t := range w.st.Tasks {
		if t.OverdueAt != nil {
			return true
		}
	}
	return false
}

func terminal(status string) bool {
	return status == domain.StatusClosed || status == domain.StatusRejected || status == domain.StatusWithdrawn
}

// shouldContinueAsNew: only an active authorization, with no transition or
// Update in flight, after its history has grown long.
func (w *app) shouldContinueAsNew(ctx workflow.Context) bool {
	if w.st.Status != domain.StatusActive || !workflow.AllHandlersFinished(ctx) {
		return false
	}
	info := workflow.GetInfo(ctx)
	return info.GetContinueAsNewSuggested() || info.GetCurrentHistoryLength() > continueAsNewAfter
}

// nextTimeEvent is the earliest clock-driven transition, zero if none.
func (w *app) nextTimeEvent() time.Time {
	var next time.Time
	consider := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	if w.st.Status == domain.StatusActive {
		consider(w.st.ActiveUntil)
		consider(w.st.ExitEffectiveAt)
		if w.st.Evaluation == nil {
			consider(w.st.NextEvaluationAt)
		} else if w.st.Evaluation.Status == domain.EvalRectification && w.st.Evaluation.RectifyUntil != nil {
			consider(*w.st.Evaluation.RectifyUntil)
		}
	}
	return next
}

// onTime performs the clock-driven transitions that are due.
func (w *app) onTime(ctx workflow.Context) error {
	if w.st.Status != domain.StatusActive {
		return nil
	}
	now := workflow.Now(ctx)
	if err := w.m.lock(ctx); err != nil {
		return err
	}
	defer w.m.mu.Unlock()
	switch {
	case !w.st.ExitEffectiveAt.IsZero() && !now.Before(w.st.ExitEffectiveAt):
		return w.end(ctx, systemActor, domain.EndExit, "exit notice period elapsed", "")
	case !now.Before(w.st.ActiveUntil):
		return w.end(ctx, systemActor, domain.EndExpired, "authorization period ended", "")
	case w.st.Evaluation == nil && !w.st.NextEvaluationAt.IsZero() && !now.Before(w.st.NextEvaluationAt):
		w.st.NextEvaluationAt = w.st.NextEvaluationAt.AddDate(0, w.in.Deadlines.EvaluationIntervalMonths, 0)
		return w.startEvaluation(ctx, systemActor, "periodic evaluation due")
	case w.st.Evaluation != nil && w.st.Evaluation.Status == domain.EvalRectification &&
		w.st.Evaluation.RectifyUntil != nil && !now.Before(*w.st.Evaluation.RectifyUntil):
		return w.reEvaluate(ctx)
	}
	return nil
}

// --- submission and initial review -------------------------------------

func (w *app) submit(ctx workflow.Context) error {
	// Held like every transition's: a decision admitted while t1 is being
	// written waits for it.
	if err := w.m.lock(ctx); err != nil {
		return err
	}
	defer w.m.mu.Unlock()
	w.st.Status = domain.StatusInitialReview
	w.st.InitialRound = 1
	for _, d := range w.in.Datasets {
		w.st.Datasets = append(w.st.Datasets, DatasetState{DatasetRef: d})
	}
	var c change
	w.m.audit(ctx, &c, w.in.Submitter, "application.submitted", w.in.Title, "", "")
	w.m.open(ctx, &c, domain.TaskInitialReview, w.in.Orgs.BigDataCenter, "", 1, w.in.Deadlines.InitialReview, false)
	_, err := w.commit(ctx, &c)
	return err
}

// commit writes a change together with the application's lifecycle row.
func (w *app) commit(ctx workflow.Context, c *change) ([]activities.Task, error) {
	c.App = w.appRow(c.App)
	return w.m.apply(ctx, c)
}

func (w *app) appRow(edits *activities.AppRow) *activities.AppRow {
	row := &activities.AppRow{Status: w.st.Status, EndReason: w.st.EndReason,
		ActiveFrom: timePtr(w.st.ActiveFrom), ActiveUntil: timePtr(w.st.ActiveUntil),
		EndedAt: timePtr(w.st.EndedAt), ClosedAt: timePtr(w.st.ClosedAt)}
	if edits != nil {
		row.Edits = edits.Edits
	}
	return row
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// --- decide -------------------------------------------------------------

func (w *app) validateDecide(ctx workflow.Context, r DecideRequest) error {
	t, err := w.m.checkTask(r)
	if err != nil {
		return err
	}
	switch t.Kind {
	case domain.TaskFlagAnswer:
		return validateFlagAnswer(r)
	case domain.TaskUrgeReply:
		if strings.TrimSpace(r.Comment) == "" {
			return refuse(ErrInvalid, "comment", "a reply to an urge needs its text: fill in comment")
		}
		return nil
	}
	switch r.Decision {
	case domain.DecisionReject:
		if t.Kind == domain.TaskDepartmentReview || t.Kind == domain.TaskInitialReview {
			return requireReasonBasis("", r.Reason, r.Basis)
		}
	case domain.DecisionUnqualified:
		return requireReasonBasis("", r.Reason, r.Basis)
	case domain.DecisionReturn, domain.DecisionRectify:
		return requireReason(r.Decision, r.Reason)
	case domain.DecisionOpinion:
		if strings.TrimSpace(r.Comment) == "" {
			return refuse(ErrInvalid, "comment", "an opinion needs its text: fill in comment")
		}
	case domain.DecisionSubmit:
		if strings.TrimSpace(r.Comment) == "" {
			return refuse(ErrInvalid, "comment", "a self-evaluation needs its report: fill in comment")
		}
	case domain.DecisionAskRegulator:
		if strings.TrimSpace(r.Regulator) == "" {
			return refuse(ErrInvalid, "regulator", "name the regulator to ask: fill in regulator with its org code")
		}
		for _, o := range w.m.openOf(domain.TaskRegulatorOpinion) {
			if o.Subject == t.Department {
				return refuse(ErrConflict, "decision", "an opinion from %s is already pending for this review", o.Department)
			}
		}
	case domain.DecisionDecide:
		return w.checkItems(t, r.Items)
	}
	if r.Decision == domain.DecisionResubmit {
		for field := range r.Edits {
			if !activities.EditableField(field) {
				return refuse(ErrInvalid, "edits."+field, "field %q cannot be supplemented; editable fields are description, purpose, scope, security_controls", field)
			}
		}
	}
	return nil
}

// checkItems: a department decides every one of its datasets, and each
// rejection states its reason and basis.
func (w *app) checkItems(t activities.Task, items []DatasetItem) error {
	seen := map[string]bool{}
	for i, it := range items {
		p := fmt.Sprintf("items[%d].", i)
		d, ok := w.dataset(it.Dataset)
		if !ok || d.Department != t.Department {
			return refuse(ErrInvalid, p+"dataset", "dataset %q is not one of %s's datasets in this application", it.Dataset, t.Department)
		}
		if seen[it.Dataset] {
			return refuse(ErrInvalid, p+"dataset", "dataset %q is decided twice", it.Dataset)
		}
		seen[it.Dataset] = true
		switch it.Decision {
		case domain.DecisionApprove:
		case domain.DecisionReject:
			if err := requireReasonBasis(p, it.Reason, it.Basis); err != nil {
				return err
			}
		default:
			return refuse(ErrInvalid, p+"decision", "decision %q on dataset %s: use approve or reject", it.Decision, it.Dataset)
		}
	}
	for _, d := range w.st.Datasets {
		if d.Department == t.Department && !seen[d.Code] {
			return refuse(ErrInvalid, "items", "dataset %s has no decision; decide every dataset of %s", d.Code, t.Department)
		}
	}
	return nil
}

func (w *app) dataset(code string) (DatasetState, bool) {
	for _, d := range w.st.Datasets {
		if d.Code == code {
			return d, true
		}
	}
	return DatasetState{}, false
}

func (w *app) decide(ctx workflow.Context, r DecideRequest) (UpdateResult, error) {
	if err := w.m.lock(ctx); err != nil {
		return UpdateResult{}, err
	}
	defer w.m.mu.Unlock()
	// Checked again under the lock: another decision may have landed
	// between this Update's validation and now.
	if err := w.validateDecide(ctx, r); err != nil {
		return UpdateResult{}, err
	}
	t, _ := w.m.task(r.TaskID)
	var c change
	if r.Decision != domain.DecisionAskRegulator { // asking keeps the review open
		w.m.close(ctx, &c, t, r.Actor, r.Decision, r.Reason, r.Basis, r.Comment)
	}
	var err error
	switch t.Kind {
	case domain.TaskInitialReview:
		err = w.onInitialReview(ctx, &c, t, r)
	case domain.TaskUrgeReply:
		err = w.m.reply(ctx, &c, t, r)
	case domain.TaskFlagAnswer:
		err = w.onFlagAnswer(ctx, &c, t, r)
	case domain.TaskSupplement:
		err = w.onSupplement(ctx, &c, r)
	case domain.TaskDepartmentReview:
		err = w.onDepartmentReview(ctx, &c, t, r)
	case domain.TaskRegulatorOpinion:
		_, err = w.commit(ctx, &c)
	case domain.TaskSignAuthorization, domain.TaskSignService, domain.TaskFileService, domain.TaskSignCommitment:
		err = w.onSignature(ctx, &c, t, r)
	case domain.TaskSelfEvaluation, domain.TaskRateEvaluation:
		err = w.onEvaluation(ctx, &c, t, r)
	case domain.TaskExitConfirmation, domain.TaskExitVerification:
		err = w.onExit(ctx, &c, t, r)
	default:
		err = refuse(ErrConflict, "task_id", "task kind %s cannot be decided here", t.Kind)
	}
	if err != nil {
		return UpdateResult{}, err
	}
	return UpdateResult{Status: w.st.Status, Opened: w.m.lastOpened}, nil
}

func (w *app) onInitialReview(ctx workflow.Context, c *change, t activities.Task, r DecideRequest) error {
	switch r.Decision {
	case domain.DecisionPass:
		w.st.Status = domain.StatusDepartmentReview
		for _, dept := range w.departments() {
			w.m.open(ctx, c, domain.TaskDepartmentReview, dept, "", 1, w.in.Deadlines.DepartmentReview, false)
		}
		w.m.audit(ctx, c, r.Actor, "application.pushed", strings.Join(w.departments(), ","), "", "")
	case domain.DecisionReject:
		w.st.Status = domain.StatusRejected
		w.st.RejectedAt = workflow.Now(ctx).UTC()
		w.recordRejection(t)
		w.m.audit(ctx, c, r.Actor, "application.rejected", "initial_review", r.Reason, r.Basis)
	case domain.DecisionReturn:
		w.st.Status = domain.StatusSupplement
		w.m.open(ctx, c, domain.TaskSupplement, w.in.ApplicantOrg, "", w.st.InitialRound, w.in.Deadlines.Supplement, false)
	}
	_, err := w.commit(ctx, c)
	return err
}

// departments lists the provider departments, in the order of first mention.
func (w *app) departments() []string {
	var out []string
	for _, d := range w.st.Datasets {
		if !contains(out, d.Department) {
			out = append(out, d.Department)
		}
	}
	return out
}

func (w *app) onSupplement(ctx workflow.Context, c *change, r DecideRequest) error {
	w.st.Status = domain.StatusInitialReview
	w.st.InitialRound++
	w.m.audit(ctx, c, r.Actor, "application.resubmitted", fmt.Sprintf("round %d", w.st.InitialRound), "", "")
	w.m.open(ctx, c, domain.TaskInitialReview, w.in.Orgs.BigDataCenter, "", w.st.InitialRound, w.in.Deadlines.InitialReview, false)
	if len(r.Edits) > 0 {
		c.App = &activities.AppRow{Edits: r.Edits}
	}
	_, err := w.commit(ctx, c)
	return err
}

func (w *app) onDepartmentReview(ctx workflow.Context, c *change, t activities.Task, r DecideRequest) error {
	if r.Decision == domain.DecisionAskRegulator {
		w.m.audit(ctx, c, r.Actor, "regulator.asked", r.Regulator, r.Comment, "")
		w.m.open(ctx, c, domain.TaskRegulatorOpinion, r.Regulator, t.Department, 1, w.in.Deadlines.RegulatorOpinion, false)
		_, err := w.commit(ctx, c)
		return err
	}
	now := workflow.Now(ctx).UTC()
	rejected := false
	decided := map[string]DatasetItem{}
	for _, it := range r.Items {
		decided[it.Dataset] = it
	}
	for i, d := range w.st.Datasets {
		if d.Department != t.Department {
			continue
		}
		it, ok := decided[d.Code]
		if !ok { // approve or reject as a whole
			it = DatasetItem{Dataset: d.Code, Decision: r.Decision, Reason: r.Reason, Basis: r.Basis}
		}
		if it.Decision == domain.DecisionApprove {
			it.Reason, it.Basis = "", ""
		}
		w.st.Datasets[i].Decision, w.st.Datasets[i].Reason, w.st.Datasets[i].Basis = it.Decision, it.Reason, it.Basis
		c.Datasets = append(c.Datasets, activities.DatasetDecision{
			Dataset: d.Code, Department: d.Department, Decision: it.Decision, Reason: it.Reason, Basis: it.Basis, DecidedAt: &now})
		w.m.audit(ctx, c, r.Actor, "dataset."+it.Decision, d.Code, it.Reason, it.Basis)
		if it.Decision == domain.DecisionReject && !rejected {
			rejected = true
			w.recordRejection(t)
		}
	}
	// A pending regulator opinion is no longer needed.
	for _, o := range w.m.openOf(domain.TaskRegulatorOpinion) {
		if o.Subject == t.Department {
			w.m.close(ctx, c, o, systemActor, domain.DecisionCancelled, "department decided", "", "")
		}
	}
	// The last department decides where the application goes; a review
	// reopened later (a flag) only adds its decisions.
	if w.st.Status == domain.StatusDepartmentReview && w.pendingDepartments(c) == 0 {
		if len(w.approved()) == 0 {
			w.st.Status = domain.StatusRejected
			w.st.RejectedAt = workflow.Now(ctx).UTC()
			w.m.audit(ctx, c, systemActor, "application.rejected", "department_review", "every dataset was rejected", "")
		} else {
			w.startAgreements(ctx, c)
		}
	}
	_, err := w.commit(ctx, c)
	return err
}

// pendingDepartments counts department reviews still open after c.
func (w *app) pendingDepartments(c *change) int {
	n := 0
	for _, t := range w.m.openOf(domain.TaskDepartmentReview) {
		if !contains(c.closed, t.ID) {
			n++
		}
	}
	return n
}

func (w *app) approved() []DatasetState {
	var out []DatasetState
	for _, d := range w.st.Datasets {
		if d.Decision == domain.DecisionApprove {
			out = append(out, d)
		}
	}
	return out
}

// --- agreements ---------------------------------------------------------

func (w *app) startAgreements(ctx workflow.Context, c *change) {
	w.st.Status = domain.StatusAgreements
	o := w.in.Orgs
	w.st.Agreements = []activities.Agreement{
		{Kind: domain.AgreementAuthorization, Status: "pending", Parties: []string{o.Bureau, o.Operator}},
		{Kind: domain.AgreementService, Status: "waiting", Parties: []string{o.Operator, w.in.ApplicantOrg}},
		{Kind: domain.AgreementFiling, Status: "waiting", Parties: []string{o.Bureau}},
		{Kind: domain.AgreementCommitment, Status: "pending", Parties: []string{w.in.ApplicantOrg}},
	}
	c.Agreements = append(c.Agreements, w.st.Agreements...)
	w.m.audit(ctx, c, systemActor, "application.approved", fmt.Sprintf("%d datasets approved", len(w.approved())), "", "")
	w.openSignatures(ctx, c, domain.AgreementAuthorization)
	w.openSignatures(ctx, c, domain.AgreementCommitment)
}

var signatureTask = map[string]string{
	domain.AgreementAuthorization: domain.TaskSignAuthorization,
	domain.AgreementService:       domain.TaskSignService,
	domain.AgreementFiling:        domain.TaskFileService,
	domain.AgreementCommitment:    domain.TaskSignCommitment,
}

func (w *app) openSignatures(ctx workflow.Context, c *change, kind string) {
	a := w.agreement(kind)
	a.Status = "pending"
	for _, p := range a.Parties {
		w.m.open(ctx, c, signatureTask[kind], p, kind, 1, w.in.Deadlines.Signature, false)
	}
}

func (w *app) agreement(kind string) *activities.Agreement {
	for i := range w.st.Agreements {
		if w.st.Agreements[i].Kind == kind {
			return &w.st.Agreements[i]
		}
	}
	panic("unknown agreement " + kind)
}

func (w *app) onSignature(ctx workflow.Context, c *change, t activities.Task, r DecideRequest) error {
	now := workflow.Now(ctx).UTC()
	a := w.agreement(t.Subject)
	a.Signatures = append(append([]activities.Signature(nil), a.Signatures...), activities.Signature{Org: r.Actor.Org, User: r.Actor.User, At: now})
	w.m.audit(ctx, c, r.Actor, "agreement."+r.Decision, t.Subject, "", "")
	if len(a.Signatures) == len(a.Parties) {
		a.Status = "completed"
		a.CompletedAt = &now
		switch t.Subject {
		case domain.AgreementAuthorization:
			w.openSignatures(ctx, c, domain.AgreementService)
		case domain.AgreementService:
			w.openSignatures(ctx, c, domain.AgreementFiling)
		}
	}
	c.Agreements = append(c.Agreements, w.st.Agreements...)
	if w.agreement(domain.AgreementFiling).Status == "completed" && w.agreement(domain.AgreementCommitment).Status == "completed" {
		w.activate(ctx, c)
	}
	_, err := w.commit(ctx, c)
	return err
}

func (w *app) activate(ctx workflow.Context, c *change) {
	now := workflow.Now(ctx).UTC()
	w.st.Status = domain.StatusActive
	w.st.ActiveFrom = now
	w.st.ActiveUntil = now.AddDate(0, w.in.PeriodMonths, 0)
	w.st.NextEvaluationAt = now.AddDate(0, w.in.Deadlines.EvaluationIntervalMonths, 0)
	var codes []string
	for _, d := range w.approved() {
		codes = append(codes, d.Code)
	}
	w.m.audit(ctx, c, systemActor, "access.provisioned", strings.Join(codes, ","),
		fmt.Sprintf("%s access until %s", w.in.AccessMode, w.st.ActiveUntil.Format(time.DateOnly)), "")
}

// --- evaluations --------------------------------------------------------

func (w *app) startEvaluation(ctx workflow.Context, a Actor, why string) error {
	w.st.EvaluationCount++
	now := workflow.Now(ctx).UTC()
	w.st.Evaluation = &activities.Evaluation{
		ID:            fmt.Sprintf("%s-evaluation-%d", w.m.wfID, w.st.EvaluationCount),
		ApplicationID: w.in.ApplicationID, No: w.st.EvaluationCount, Round: 1,
		Status: domain.EvalSelf, OpenedAt: now,
	}
	var c change
	w.m.audit(ctx, &c, a, "evaluation.started", w.st.Evaluation.ID, why, "")
	return w.evaluationStep(ctx, &c, domain.TaskSelfEvaluation)
}

func (w *app) reEvaluate(ctx workflow.Context) error {
	e := *w.st.Evaluation
	e.Round++
	e.Status = domain.EvalSelf
	w.st.Evaluation = &e
	var c change
	w.m.audit(ctx, &c, systemActor, "evaluation.reevaluation", e.ID, "rectification period elapsed", "")
	return w.evaluationStep(ctx, &c, domain.TaskSelfEvaluation)
}

// evaluationStep opens the next evaluation task and writes the evaluation.
func (w *app) evaluationStep(ctx workflow.Context, c *change, kind string) error {
	e := w.st.Evaluation
	if kind == domain.TaskSelfEvaluation {
		w.m.open(ctx, c, kind, w.in.ApplicantOrg, e.ID, e.Round, w.in.Deadlines.SelfEvaluation, false)
	} else {
		w.m.open(ctx, c, kind, w.in.Orgs.Bureau, e.ID, e.Round, w.in.Deadlines.Rating, false)
	}
	c.Evaluations = append(c.Evaluations, *e)
	_, err := w.commit(ctx, c)
	return err
}

func (w *app) onEvaluation(ctx workflow.Context, c *change, t activities.Task, r DecideRequest) error {
	e := *w.st.Evaluation
	w.st.Evaluation = &e
	now := workflow.Now(ctx).UTC()
	if t.Kind == domain.TaskSelfEvaluation {
		e.Status = domain.EvalRating
		e.SelfReport = r.Comment
		return w.evaluationStep(ctx, c, domain.TaskRateEvaluation)
	}
	e.Rating, e.Reason = r.Decision, r.Reason
	switch r.Decision {
	case domain.DecisionQualified:
		e.Status = domain.EvalQualified
		e.ClosedAt = &now
		w.st.Evaluation = nil
	case domain.DecisionRectify:
		e.Status = domain.EvalRectification
		until := now.AddDate(0, 0, w.in.Deadlines.RectificationDays)
		e.RectifyUntil = &until
	case domain.DecisionUnqualified:
		e.Status = domain.EvalUnqualified
		e.ClosedAt = &now
		w.st.Evaluation = nil
		c.Evaluations = append(c.Evaluations, e)
		w.m.audit(ctx, c, r.Actor, "evaluation."+e.Status, e.ID, r.Reason, r.Basis)
		return w.end(ctx, r.Actor, domain.EndTerminated, r.Reason, r.Basis, c)
	}
	c.Evaluations = append(c.Evaluations, e)
	w.m.audit(ctx, c, r.Actor, "evaluation."+e.Status, e.ID, r.Reason, r.Basis)
	_, err := w.commit(ctx, c)
	return err
}

func (w *app) validateRequestEvaluation(ctx workflow.Context, r ActionRequest) error {
	if err := w.checkActive(r.Actor, w.in.Orgs.Bureau, "request an evaluation"); err != nil {
		return err
	}
	if w.st.Evaluation != nil {
		return refuse(ErrConflict, "", "evaluation %s is still in progress", w.st.Evaluation.ID)
	}
	return nil
}

func (w *app) requestEvaluation(ctx workflow.Context, r ActionRequest) (UpdateResult, error) {
	if err := w.m.lock(ctx); err != nil {
		return UpdateResult{}, err
	}
	defer w.m.mu.Unlock()
	if err := w.validateRequestEvaluation(ctx, r); err != nil {
		return UpdateResult{}, err
	}
	if err := w.startEvaluation(ctx, r.Actor, firstNonEmpty(r.Reason, "on demand")); err != nil {
		return UpdateResult{}, err
	}
	return UpdateResult{Status: w.st.Status, Opened: w.m.lastOpened}, nil
}

// --- end of an authorization -------------------------------------------

func (w *app) checkActive(a Actor, org, what string) error {
	if err := checkActor(a); err != nil {
		return err
	}
	if a.Org != org {
		return refuse(ErrForbidden, "actor.org", "only %s may %s on this application; %s may not", org, what, a.Org)
	}
	if w.st.Status != domain.StatusActive {
		return refuse(ErrConflict, "", "cannot %s: the application is %s, not active", what, w.st.Status)
	}
	return nil
}

func (w *app) validateGiveExitNotice(ctx workflow.Context, r ActionRequest) error {
	if err := w.checkActive(r.Actor, w.in.ApplicantOrg, "give exit notice"); err != nil {
		return err
	}
	if !w.st.ExitEffectiveAt.IsZero() {
		return refuse(ErrConflict, "", "exit notice was already given; the authorization ends on %s", w.st.ExitEffectiveAt.Format(time.DateOnly))
	}
	return nil
}

func (w *app) giveExitNotice(ctx workflow.Context, r ActionRequest) (UpdateResult, error) {
	if err := w.m.lock(ctx); err != nil {
		return UpdateResult{}, err
	}
	defer w.m.mu.Unlock()
	if err := w.validateGiveExitNotice(ctx, r); err != nil {
		return UpdateResult{}, err
	}
	w.st.ExitEffectiveAt = workflow.Now(ctx).UTC().AddDate(0, w.in.Deadlines.ExitNoticeMonths, 0)
	var c change
	w.m.audit(ctx, &c, r.Actor, "exit.notice", w.st.ExitEffectiveAt.Format(time.DateOnly), r.Reason, "")
	if _, err := w.commit(ctx, &c); err != nil {
		return UpdateResult{}, err
	}
	return UpdateResult{Status: w.st.Status}, nil
}

func (w *app) validateTerminate(ctx workflow.Context, r ActionRequest) error {
	if err := w.checkActive(r.Actor, w.in.Orgs.Bureau, "terminate the authorization"); err != nil {
		return err
	}
	return requireReasonBasis("", r.Reason, r.Basis)
}

func (w *app) terminate(ctx workflow.Context, r ActionRequest) (UpdateResult, error) {
	if err := w.m.lock(ctx); err != nil {
		return UpdateResult{}, err
	}
	defer w.m.mu.Unlock()
	if err := w.validateTerminate(ctx, r); err != nil {
		return UpdateResult{}, err
	}
	if err := w.end(ctx, r.Actor, domain.EndTerminated, r.Reason, r.Basis); err != nil {
		return UpdateResult{}, err
	}
	return UpdateResult{Status: w.st.Status, Opened: w.m.lastOpened}, nil
}

// end stops an active authorization: open work is cancelled, model reviews
// are cancelled, access is revoked, and the applicant has ExitConfirmationDays
// to confirm return and destruction. An optional change is continued.
func (w *app) end(ctx workflow.Context, a Actor, reason, why, basis string, cs ...*change) error {
	c := &change{}
	if len(cs) > 0 {
		c = cs[0]
	}
	now := workflow.Now(ctx).UTC()
	if w.st.Evaluation != nil {
		e := *w.st.Evaluation
		e.Status, e.ClosedAt = domain.EvalCancelled, &now
		c.Evaluations = append(c.Evaluations, e)
		w.st.Evaluation = nil
	}
	w.m.cancelOpen(ctx, c, "authorization ended: "+reason)
	for i, mdl := range w.st.Models {
		if mdl.Status == domain.ModelInReview || mdl.Status == domain.ModelChangesRequested {
			// The child writes its own rows when it sees the cancellation.
			_ = workflow.RequestCancelExternalWorkflow(ctx, mdl.WorkflowID, "").Get(ctx, nil)
			w.st.Models[i].Status = domain.ModelCancelled
		}
	}
	w.st.Status = domain.StatusExiting
	w.st.EndedAt = now
	w.st.EndReason = reason
	w.m.audit(ctx, c, a, "authorization."+reason, w.m.wfID, why, basis)
	w.m.audit(ctx, c, systemActor, "access.revoked", w.m.wfID, "", "")
	w.m.open(ctx, c, domain.TaskExitConfirmation, w.in.ApplicantOrg, "", 1, w.in.Deadlines.ExitConfirmationDays, true)
	_, err := w.commit(ctx, c)
	return err
}

func (w *app) onExit(ctx workflow.Context, c *change, t activities.Task, r DecideRequest) error {
	switch r.Decision {
	case domain.DecisionConfirm:
		w.m.audit(ctx, c, r.Actor, "exit.confirmed", "data returned and derived models destroyed", r.Comment, "")
		w.m.open(ctx, c, domain.TaskExitVerification, w.in.Orgs.Bureau, "", t.Round, w.in.Deadlines.ExitVerification, false)
	case domain.DecisionVerify:
		w.st.Status = domain.StatusClosed
		w.st.ClosedAt = workflow.Now(ctx).UTC()
		w.m.audit(ctx, c, r.Actor, "exit.verified", w.m.wfID, r.Comment, "")
	case domain.DecisionReturn:
		w.m.open(ctx, c, domain.TaskExitConfirmation, w.in.ApplicantOrg, "", t.Round+1, w.in.Deadlines.ExitConfirmationDays, true)
	}
	_, err := w.commit(ctx, c)
	return err
}

// --- withdraw -----------------------------------------------------------

func (w *app) validateWithdraw(ctx workflow.Context, r ActionRequest) error {
	if err := checkActor(r.Actor); err != nil {
		return err
	}
	if r.Actor.Org != w.in.ApplicantOrg {
		return refuse(ErrForbidden, "actor.org", "only the applicant %s may withdraw this application", w.in.ApplicantOrg)
	}
	if w.st.Status != domain.StatusInitialReview && w.st.Status != domain.StatusSupplement {
		return refuse(ErrConflict, "", "an application can be withdrawn only until the initial decision; it is %s", w.st.Status)
	}
	return nil
}

func (w *app) withdraw(ctx workflow.Context, r ActionRequest) (UpdateResult, error) {
	if err := w.m.lock(ctx); err != nil {
		return UpdateResult{}, err
	}
	defer w.m.mu.Unlock()
	if err := w.validateWithdraw(ctx, r); err != nil {
		return UpdateResult{}, err
	}
	var c change
	w.m.cancelOpen(ctx, &c, "withdrawn by the applicant")
	w.st.Status = domain.StatusWithdrawn
	w.m.audit(ctx, &c, r.Actor, "application.withdrawn", w.m.wfID, r.Reason, "")
	if _, err := w.commit(ctx, &c); err != nil {
		return UpdateResult{}, err
	}
	return UpdateResult{Status: w.st.Status}, nil
}

// --- models -------------------------------------------------------------

func (w *app) validateSubmitModel(ctx workflow.Context, r ModelRequest) error {
	if err := w.checkActive(r.Actor, w.in.ApplicantOrg, "submit a model"); err != nil {
		return err
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
	if err := w.m.lock(ctx); err != nil {
		return UpdateResult{}, err
	}
	defer w.m.mu.Unlock()
	if err := w.validateSubmitModel(ctx, r); err != nil {
		return UpdateResult{}, err
	}
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

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
