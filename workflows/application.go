package workflows

import (
	"errors"
	"slices"
	"strings"
	"time"

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
	w.m.atDue = w.lapse
	w.m.applicant = in.ApplicantOrg
	w.m.timeEvent = w.clockEvent
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
	// noFinal and noPrompt: this run follows the rules from before the
	// final evaluation and the renewal prompt (their GetVersion answered
	// the default), so neither is due in it.
	noFinal, noPrompt bool
	// windowEnds is when the supervision window of a rejection closes,
	// while the run waits in it with one timer (oneTimerChange).
	windowEnds time.Time
}

func (w *app) setup(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryStatus, func() (Status, error) {
		return Status{AppState: w.st, ApplicationID: w.in.ApplicationID,
			HistoryLength: workflow.GetInfo(ctx).GetCurrentHistoryLength(), Applying: w.m.applying()}, nil
	}); err != nil {
		return err
	}
	return errors.Join(
		onUpdate(ctx, w.m, UpdateDecide, w.validateDecide, w.decide),
		onUpdate(ctx, w.m, UpdateWithdraw, w.validateWithdraw, w.withdraw),
		onUpdate(ctx, w.m, UpdateSubmitModel, w.validateSubmitModel, w.submitModel),
		onUpdate(ctx, w.m, UpdateRequestEvaluation, w.validateRequestEvaluation, w.requestEvaluation),
		onUpdate(ctx, w.m, UpdateGiveExitNotice, w.validateGiveExitNotice, w.giveExitNotice),
		onUpdate(ctx, w.m, UpdateTerminate, w.validateTerminate, w.terminate),
		onUpdate(ctx, w.m, UpdateUrge, w.m.validateUrge, w.m.urge),
		onUpdate(ctx, w.m, UpdateFlagGroundless, w.validateFlag, w.flagGroundless),
		onUpdate(ctx, w.m, UpdateRestrict, w.validateRestrict, w.restrict),
		onUpdate(ctx, w.m, UpdateLiftRestriction, w.validateLift, w.liftRestriction),
	)
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
	w.m.watchCalendar(ctx)
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
			if next := w.nextTimeEvent(); w.m.oneTimer {
				// The machine's clock wakes the workflow at next.
				if err := workflow.Await(ctx, func() bool { return woke() || reached(ctx, next) }); err != nil {
					return w.st, err
				}
			} else if next.IsZero() {
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
	// A transition a timer drives (a step lapsing at its due time) may
	// have ended the case and still be writing: wait until it is written.
	if workflow.GetVersion(ctx, lapseChange, workflow.DefaultVersion, 1) >= 1 {
		if err := w.m.lock(ctx); err != nil {
			return w.st, err
		}
		w.m.mu.Unlock()
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
	return slices.Contains(domain.FinalStatuses(), status)
}

// shouldContinueAsNew: only an active authorization, with no transition or
// Update in flight, after its history has grown long.
func (w *app) shouldContinueAsNew(ctx workflow.Context) bool {
	if w.st.Status != domain.StatusActive || !workflow.AllHandlersFinished(ctx) || w.m.recountPending(ctx) {
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
		consider(w.renewalPromptAt())
		if w.st.Evaluation == nil {
			consider(w.st.NextEvaluationAt)
			consider(w.finalEvaluationAt())
		} else if w.st.Evaluation.Status == domain.EvalRectification && w.st.Evaluation.RectifyUntil != nil {
			consider(*w.st.Evaluation.RectifyUntil)
		}
	}
	return next
}

// clockEvent is the application's next time event for the machine's
// clock: while active, nextTimeEvent; while a rejection waits in its
// supervision window, the window's end.
func (w *app) clockEvent() time.Time {
	if w.st.Status == domain.StatusRejected {
		return w.windowEnds
	}
	return w.nextTimeEvent()
}

// reached: t is set and the workflow's time has come to it.
func reached(ctx workflow.Context, t time.Time) bool {
	return !t.IsZero() && !workflow.Now(ctx).Before(t)
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
	case dueInRun(ctx, now, w.renewalPromptAt(), renewalPromptChange, &w.noPrompt):
		return w.promptRenewal(ctx)
	case w.st.Evaluation == nil && !w.st.NextEvaluationAt.IsZero() && !now.Before(w.st.NextEvaluationAt):
		if w.evaluationsFromRating(ctx) {
			// The rating sets the next one; until then none is due.
			w.st.NextEvaluationAt = time.Time{}
		} else {
			w.st.NextEvaluationAt = w.st.NextEvaluationAt.AddDate(0, w.in.Deadlines.EvaluationIntervalMonths, 0)
		}
		return w.startEvaluation(ctx, systemActor, "periodic evaluation due")
	case w.st.Evaluation == nil && dueInRun(ctx, now, w.finalEvaluationAt(), finalEvaluationChange, &w.noFinal):
		return w.startEvaluation(ctx, systemActor, "final evaluation before the authorization ends")
	case w.st.Evaluation != nil && w.st.Evaluation.Status == domain.EvalRectification &&
		w.st.Evaluation.RectifyUntil != nil && !now.Before(*w.st.Evaluation.RectifyUntil):
		return w.reEvaluate(ctx)
	}
	return nil
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
	case domain.TaskAppeal, domain.TaskAppealReview:
		return validateAppealStep(t, r)
	}
	if t.Kind == domain.TaskDepartmentReview && w.st.OpinionsWithinReview &&
		r.Decision != domain.DecisionAskRegulator && r.Decision != domain.DecisionWithdrawRequest {
		// The consultation the department asked for (002 三(二)) does not
		// vanish: it is answered, or withdrawn with a reason, first.
		if o, ok := w.pendingOpinion(t.Department); ok {
			return refuse(ErrConflict, "decision", "the opinion asked of %s is pending: wait for it, or withdraw the request with a reason (decision withdraw_request)", o.Department)
		}
	}
	switch r.Decision {
	case domain.DecisionReject:
		if t.Kind == domain.TaskDepartmentReview || t.Kind == domain.TaskInitialReview {
			return requireReasonBasis("", r.Reason, r.Basis)
		}
	case domain.DecisionUnqualified:
		return requireReasonBasis("", r.Reason, r.Basis)
	case domain.DecisionRectify:
		if n := orDefault(w.in.Deadlines.RectificationRounds, 2); w.st.RectificationReports && w.st.Evaluation != nil && w.st.Evaluation.Round > n {
			return refuse(ErrConflict, "decision", "rectification was already ordered %d times: rate the evaluation qualified or unqualified", n)
		}
		return requireReason(r.Decision, r.Reason)
	case domain.DecisionReturn:
		return requireReason(r.Decision, r.Reason)
	case domain.DecisionDecline:
		if t.Department != w.in.ApplicantOrg {
			return refuse(ErrForbidden, "decision", "only the applicant may decline the agreements; %s may sign", t.Department)
		}
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
		if o, ok := w.pendingOpinion(t.Department); ok {
			return refuse(ErrConflict, "decision", "an opinion from %s is already pending for this review", o.Department)
		}
	case domain.DecisionWithdrawRequest:
		if _, ok := w.pendingOpinion(t.Department); !ok {
			return refuse(ErrConflict, "decision", "no regulator's opinion is pending for this review")
		}
		return requireReason(r.Decision, r.Reason)
	}
	if r.Decision == domain.DecisionDecide {
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

func (w *app) decide(ctx workflow.Context, r DecideRequest) (UpdateResult, error) {
	t, _ := w.m.task(r.TaskID)
	var c change
	if r.Decision != domain.DecisionAskRegulator && r.Decision != domain.DecisionWithdrawRequest { // the review stays open
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
	case domain.TaskSignAuthorization, domain.TaskSignService, domain.TaskFileService, domain.TaskSignCommitment, domain.TaskSignSupplement:
		err = w.onSignature(ctx, &c, t, r)
	case domain.TaskSelfEvaluation, domain.TaskRateEvaluation, domain.TaskRectificationReport:
		err = w.onEvaluation(ctx, &c, t, r)
	case domain.TaskExitConfirmation, domain.TaskExitVerification:
		err = w.onExit(ctx, &c, t, r)
	case domain.TaskAppeal, domain.TaskAppealReview:
		err = w.onAppeal(ctx, &c, t, r)
	default:
		err = refuse(ErrConflict, "task_id", "task kind %s cannot be decided here", t.Kind)
	}
	if err != nil {
		return UpdateResult{}, err
	}
	return UpdateResult{Status: w.st.Status, Opened: w.m.lastOpened}, nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
