package workflows

// An authorization's restriction (domain/restrictions.go): the bureau
// suspends or restricts an active authorization with reason and basis,
// the holder may appeal within AppealDays, the bureau decides the appeal
// within AppealReviewDays, and lifts the measure when it decides so or at
// any time. The workflow keeps the measures; the read model publishes
// them.

import (
	"fmt"
	"slices"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/domain"
)

// The restriction's Updates.
const (
	UpdateRestrict        = "restrict"
	UpdateLiftRestriction = "lift_restriction"
)

// RestrictRequest is the argument of the restrict Update.
type RestrictRequest struct {
	Actor   Actor  `json:"actor"`
	Measure string `json:"measure"`
	// Scope is what a restriction limits (a suspension pauses all access).
	Scope  string `json:"scope,omitempty"`
	Reason string `json:"reason"`
	Basis  string `json:"basis"`
}

// restriction is the measure in force, if any.
func (w *app) restriction() (*activities.Restriction, bool) {
	if n := len(w.st.Restrictions); n > 0 && w.st.Restrictions[n-1].State == domain.RestrictionInForce {
		return &w.st.Restrictions[n-1], true
	}
	return nil, false
}

func (w *app) validateRestrict(_ workflow.Context, r RestrictRequest) error {
	if err := w.checkActive(r.Actor, w.in.Orgs.Bureau, "restrict the authorization"); err != nil {
		return err
	}
	if !slices.Contains(domain.Measures(), r.Measure) {
		return refuse(ErrInvalid, "measure", "measure %q is not one of: %s", r.Measure, strings.Join(domain.Measures(), ", "))
	}
	if r.Measure == domain.MeasureRestrict && strings.TrimSpace(r.Scope) == "" {
		return refuse(ErrInvalid, "scope", "a restriction says what it limits: fill in scope")
	}
	if _, ok := w.restriction(); ok {
		return refuse(ErrConflict, "", "a measure is in force already: lift it before taking another")
	}
	return requireReasonBasis("", r.Reason, r.Basis)
}

// restrict takes the measure: access is paused (or limited), no model is
// submitted while it holds, and the holder's appeal period opens.
func (w *app) restrict(ctx workflow.Context, r RestrictRequest) (UpdateResult, error) {
	now := w.m.now(ctx)
	res := activities.Restriction{No: len(w.st.Restrictions) + 1, Measure: r.Measure, Scope: r.Scope, Reason: r.Reason,
		Basis: r.Basis, ImposedBy: r.Actor.User, StartedAt: now, State: domain.RestrictionInForce, Appeal: domain.AppealNone}
	w.st.Restrictions = append(w.st.Restrictions, res)
	var c change
	c.Restrictions = []activities.Restriction{res}
	subject := fmt.Sprintf("restriction-%d", res.No)
	w.m.audit(ctx, &c, r.Actor, "authorization."+r.Measure, subject, r.Reason, r.Basis)
	if r.Measure == domain.MeasureSuspend {
		w.m.audit(ctx, &c, systemActor, "access.suspended", w.m.wfID, "", "")
	} else {
		w.m.audit(ctx, &c, systemActor, "access.restricted", w.m.wfID, r.Scope, "")
	}
	w.m.open(ctx, &c, domain.TaskAppeal, w.in.ApplicantOrg, subject, res.No)
	if _, err := w.commit(ctx, &c); err != nil {
		w.st.Restrictions = w.st.Restrictions[:len(w.st.Restrictions)-1]
		return UpdateResult{}, err
	}
	return UpdateResult{Status: w.st.Status, Opened: w.m.lastOpened}, nil
}

func (w *app) validateLift(_ workflow.Context, r ActionRequest) error {
	if err := w.checkActive(r.Actor, w.in.Orgs.Bureau, "lift the measure"); err != nil {
		return err
	}
	if _, ok := w.restriction(); !ok {
		return refuse(ErrConflict, "", "no measure is in force on this authorization")
	}
	return requireReason(domain.DecisionLift, r.Reason)
}

func (w *app) liftRestriction(ctx workflow.Context, r ActionRequest) (UpdateResult, error) {
	var c change
	w.lift(ctx, &c, r.Actor, r.Reason, "")
	if _, err := w.commit(ctx, &c); err != nil {
		return UpdateResult{}, err
	}
	return UpdateResult{Status: w.st.Status}, nil
}

// lift ends the measure in force: access is restored, and an appeal still
// open is no longer needed (appeal, when set, is how it ended).
func (w *app) lift(ctx workflow.Context, c *change, a Actor, reason, appeal string) {
	res, _ := w.restriction()
	now := w.m.now(ctx)
	res.State, res.EndedAt, res.Decision = domain.RestrictionLifted, &now, reason
	if appeal != "" {
		res.Appeal = appeal
	}
	w.m.cancelOpen(ctx, c, "the measure was lifted", domain.TaskAppeal, domain.TaskAppealReview)
	c.Restrictions = append(c.Restrictions, *res)
	w.m.audit(ctx, c, a, "authorization.measure_lifted", fmt.Sprintf("restriction-%d", res.No), reason, "")
	w.m.audit(ctx, c, systemActor, "access.restored", w.m.wfID, "", "")
}

// endRestriction closes a measure in force when the authorization ends.
func (w *app) endRestriction(ctx workflow.Context, c *change) {
	if res, ok := w.restriction(); ok {
		now := w.m.now(ctx)
		res.State, res.EndedAt = domain.RestrictionEnded, &now
		c.Restrictions = append(c.Restrictions, *res)
	}
}

func validateAppealStep(t activities.Task, r DecideRequest) error {
	switch {
	case t.Kind == domain.TaskAppeal && r.Decision == domain.DecisionAppeal:
		if strings.TrimSpace(r.Reason) == "" {
			return refuse(ErrInvalid, "reason", "an appeal states its grounds: fill in reason")
		}
	case t.Kind == domain.TaskAppealReview && r.Decision == domain.DecisionUphold:
		return requireReasonBasis("", r.Reason, r.Basis)
	case t.Kind == domain.TaskAppealReview && r.Decision == domain.DecisionLift:
		return requireReason(r.Decision, r.Reason)
	}
	return nil
}

// onAppeal records the holder's appeal (or its waiver) and the bureau's
// decision on it.
func (w *app) onAppeal(ctx workflow.Context, c *change, t activities.Task, r DecideRequest) error {
	res, ok := w.restriction()
	if !ok {
		return refuse(ErrConflict, "task_id", "no measure is in force on this authorization")
	}
	subject := fmt.Sprintf("restriction-%d", res.No)
	switch r.Decision {
	case domain.DecisionAppeal:
		now := w.m.now(ctx)
		res.Appeal, res.AppealReason, res.AppealedAt = domain.AppealPending, r.Reason, &now
		w.m.audit(ctx, c, r.Actor, "restriction.appealed", subject, r.Reason, "")
		w.m.open(ctx, c, domain.TaskAppealReview, w.in.Orgs.Bureau, subject, res.No)
		c.Restrictions = append(c.Restrictions, *res)
	case domain.DecisionWaive:
		res.Appeal = domain.AppealWaived
		c.Restrictions = append(c.Restrictions, *res)
	case domain.DecisionUphold:
		res.Appeal, res.Decision = domain.AppealUpheld, r.Reason
		w.m.audit(ctx, c, r.Actor, "restriction.appeal_dismissed", subject, r.Reason, r.Basis)
		c.Restrictions = append(c.Restrictions, *res)
	case domain.DecisionLift:
		w.lift(ctx, c, r.Actor, r.Reason, domain.AppealGranted)
	}
	_, err := w.commit(ctx, c)
	return err
}

// appealLapsed closes an appeal period that ran out: the measure stands.
func (w *app) appealLapsed(ctx workflow.Context, t activities.Task) (bool, error) {
	res, ok := w.restriction()
	if !ok {
		return false, nil
	}
	var c change
	w.m.close(ctx, &c, t, systemActor, domain.DecisionCancelled, "the appeal period elapsed without an appeal", "", "")
	res.Appeal = domain.AppealLapsed
	c.Restrictions = append(c.Restrictions, *res)
	_, err := w.commit(ctx, &c)
	return true, err
}
