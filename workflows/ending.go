package workflows

// The end of an authorization and the exit: expiry, exit notice,
// termination for a violation, then the return and destruction of the data
// and its verification.

import (
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
)

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
		if w.finalEvaluation(ctx) {
			e.Status = domain.EvalLapsed
		}
		c.Evaluations = append(c.Evaluations, e)
		w.st.Evaluation = nil
	}
	w.m.cancelOpen(ctx, c, "authorization ended: "+reason)
	w.endRestriction(ctx, c)
	// A supplementary agreement still being signed ends unsigned; the
	// datasets it was for never counted.
	w.cancelUnfinishedAgreements(c)
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
	w.m.open(ctx, c, domain.TaskExitConfirmation, w.in.ApplicantOrg, "", 1)
	opened, err := w.commit(ctx, c)
	for _, t := range opened {
		if t.Kind == domain.TaskExitConfirmation {
			w.st.ExitDueAt = t.DueAt
		}
	}
	return err
}

// renewalPromptChange: ExitNoticeMonths before the end (003 六(六)1
// "提前3个月"), the applicant and the operator are told, so that a renewal
// or an exit plan can be prepared in time. Before it, nobody was told.
const renewalPromptChange = "renewal-prompt"

// renewalPromptAt is when the end is announced: zero when it was, when an
// exit notice is running, or when the period is shorter than the notice.
func (w *app) renewalPromptAt() time.Time {
	if w.noPrompt || w.st.Status != domain.StatusActive || w.st.ActiveUntil.IsZero() || !w.st.RenewalPromptedAt.IsZero() ||
		!w.st.ExitEffectiveAt.IsZero() {
		return time.Time{}
	}
	at := w.st.ActiveUntil.AddDate(0, -w.in.Deadlines.ExitNoticeMonths, 0)
	if !at.After(w.st.ActiveFrom) {
		return time.Time{}
	}
	return at
}

// promptRenewal records that the end is near; the notifications follow
// from the audit entry (store.ActionAuthorizationExpiring), which names the
// application's operator, told with the applicant.
func (w *app) promptRenewal(ctx workflow.Context) error {
	w.st.RenewalPromptedAt = workflow.Now(ctx).UTC()
	var c change
	w.m.audit(ctx, &c, systemActor, "authorization.expiring", w.in.Orgs.Operator,
		"the authorization ends on "+w.st.ActiveUntil.In(calendar.Zone).Format(time.DateOnly)+": apply for renewal or submit the exit plan", "")
	_, err := w.commit(ctx, &c)
	return err
}

// exitClockChange: the return and destruction of the data is due 30 days
// from the end (003 六(六)2 "30日内"), however often the bureau sends the
// confirmation back. Before it, each return restarted the 30 days.
const exitClockChange = "exit-clock-from-end"

func (w *app) onExit(ctx workflow.Context, c *change, t activities.Task, r DecideRequest) error {
	switch r.Decision {
	case domain.DecisionConfirm:
		w.m.audit(ctx, c, r.Actor, "exit.confirmed", "data returned and derived models destroyed", r.Comment, "")
		w.m.open(ctx, c, domain.TaskExitVerification, w.in.Orgs.Bureau, "", t.Round)
	case domain.DecisionVerify:
		w.st.Status = domain.StatusClosed
		w.st.ClosedAt = workflow.Now(ctx).UTC()
		w.m.audit(ctx, c, r.Actor, "exit.verified", w.m.wfID, r.Comment, "")
	case domain.DecisionReturn:
		if !w.st.ExitDueAt.IsZero() && workflow.GetVersion(ctx, exitClockChange, workflow.DefaultVersion, 1) >= 1 {
			w.m.openUntil(ctx, c, domain.TaskExitConfirmation, w.in.ApplicantOrg, "", t.Round+1, w.st.ExitDueAt)
		} else {
			w.m.open(ctx, c, domain.TaskExitConfirmation, w.in.ApplicantOrg, "", t.Round+1)
		}
	}
	_, err := w.commit(ctx, c)
	return err
}
