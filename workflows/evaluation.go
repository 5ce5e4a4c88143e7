package workflows

// The evaluation phase of an active authorization: periodic and on-demand
// evaluations, the self-evaluation, the rating and rectification.

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/domain"
)

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
	w.m.cancelOpen(ctx, &c, "rectification period elapsed without a report", domain.TaskRectificationReport)
	w.m.audit(ctx, &c, systemActor, "evaluation.reevaluation", e.ID, "rectification period elapsed", "")
	return w.evaluationStep(ctx, &c, domain.TaskSelfEvaluation)
}

// rectificationReportChange: a rectify rating opens a rectification
// report (整改报告) for the applicant, due at the end of the period; the
// report opens the re-evaluation at once, rated by the bureau on it. Before
// it, the re-evaluation waited the whole period and began with a new
// self-evaluation.
const rectificationReportChange = "rectification-report"

// evaluationStep opens the next evaluation task and writes the evaluation.
func (w *app) evaluationStep(ctx workflow.Context, c *change, kind string) error {
	e := w.st.Evaluation
	if kind == domain.TaskSelfEvaluation {
		w.m.open(ctx, c, kind, w.in.ApplicantOrg, e.ID, e.Round)
	} else {
		w.m.open(ctx, c, kind, w.in.Orgs.Bureau, e.ID, e.Round)
	}
	c.Evaluations = append(c.Evaluations, *e)
	_, err := w.commit(ctx, c)
	return err
}

func (w *app) onEvaluation(ctx workflow.Context, c *change, t activities.Task, r DecideRequest) error {
	e := *w.st.Evaluation
	w.st.Evaluation = &e
	now := workflow.Now(ctx).UTC()
	switch t.Kind {
	case domain.TaskSelfEvaluation:
		e.Status = domain.EvalRating
		e.SelfReport = r.Comment
		return w.evaluationStep(ctx, c, domain.TaskRateEvaluation)
	case domain.TaskRectificationReport:
		// The re-evaluation opens now, on the report.
		e.Round++
		e.Status = domain.EvalRating
		e.SelfReport = r.Comment
		e.RectifyUntil = nil
		w.m.audit(ctx, c, r.Actor, "evaluation.rectified", e.ID, "", "")
		return w.evaluationStep(ctx, c, domain.TaskRateEvaluation)
	}
	e.Rating, e.Reason = r.Decision, r.Reason
	switch r.Decision {
	case domain.DecisionQualified:
		e.Status = domain.EvalQualified
		e.ClosedAt = &now
		w.st.Evaluation = nil
		w.st.LastRatedAt = now
		if w.evaluationsFromRating(ctx) {
			// One evaluation at a time: the next periodic one counts from
			// this rating, whether this one was periodic or on demand.
			w.st.NextEvaluationAt = now.AddDate(0, w.in.Deadlines.EvaluationIntervalMonths, 0)
		}
	case domain.DecisionRectify:
		e.Status = domain.EvalRectification
		until := now.AddDate(0, 0, w.in.Deadlines.RectificationDays)
		e.RectifyUntil = &until
		if workflow.GetVersion(ctx, rectificationReportChange, workflow.DefaultVersion, 1) >= 1 {
			w.st.RectificationReports = true
			w.m.openUntil(ctx, c, domain.TaskRectificationReport, w.in.ApplicantOrg, e.ID, e.Round, until)
		}
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

// evaluationsFromRatingChange: the next periodic evaluation counts from
// the last rating. Before it, the periodic schedule ran from activation
// regardless: an on-demand evaluation did not move it, and one that ran
// long was followed at once by the next.
const evaluationsFromRatingChange = "evaluations-from-rating"

func (w *app) evaluationsFromRating(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, evaluationsFromRatingChange, workflow.DefaultVersion, 1) >= 1
}

// finalEvaluationChange: the last evaluation of an authorization runs
// before it ends (003 十(三) makes it the basis of a new grant), opening
// FinalEvaluationDays before the end unless an evaluation was rated
// since; an evaluation the end cuts short is recorded as lapsed. Before
// it, an authorization whose period was a multiple of the interval ended
// with no final evaluation, and a cut-short one read "cancelled".
const finalEvaluationChange = "final-evaluation-before-expiry"

func (w *app) finalEvaluation(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, finalEvaluationChange, workflow.DefaultVersion, 1) >= 1
}

// finalEvaluationAt is when the final evaluation opens: zero when none is
// owed (not active, a period shorter than the final window, or an
// evaluation rated in the window).
func (w *app) finalEvaluationAt() time.Time {
	if w.noFinal || w.st.Status != domain.StatusActive || w.st.ActiveUntil.IsZero() {
		return time.Time{}
	}
	at := w.st.ActiveUntil.AddDate(0, 0, -orDefault(w.in.Deadlines.FinalEvaluationDays, 45))
	if !at.After(w.st.ActiveFrom) {
		return time.Time{}
	}
	if !w.st.LastRatedAt.IsZero() && !w.st.LastRatedAt.Before(at) {
		return time.Time{}
	}
	return at
}

// dueInRun: a time-driven rule's time (at) has come, in a run that follows
// the rule. Its version is asked only then, so that an authorization
// active before the rule takes it up at its next wake; a run that does not
// follow it sets off, and the rule is not due in it again.
func dueInRun(ctx workflow.Context, now, at time.Time, change string, off *bool) bool {
	if at.IsZero() || now.Before(at) {
		return false
	}
	if workflow.GetVersion(ctx, change, workflow.DefaultVersion, 1) < 1 {
		*off = true
		return false
	}
	return true
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
	if err := w.startEvaluation(ctx, r.Actor, firstNonEmpty(r.Reason, "on demand")); err != nil {
		return UpdateResult{}, err
	}
	return UpdateResult{Status: w.st.Status, Opened: w.m.lastOpened}, nil
}
