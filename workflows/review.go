package workflows

// The submission and review phase of an application: the initial review,
// the applicant's supplement, the departments' reviews (with a regulator's
// opinion when asked), and withdrawal until the authorization takes
// effect.

import (
	"fmt"
	"strings"

	"go.temporal.io/sdk/workflow"

	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/domain"
)

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
	w.m.open(ctx, &c, domain.TaskInitialReview, w.in.Orgs.BigDataCenter, "", 1)
	_, err := w.commit(ctx, &c)
	return err
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
		if w.standing(d) {
			return refuse(ErrInvalid, p+"dataset", "dataset %s was approved in an earlier round and stays approved; a reopened review decides only the datasets it rejected", it.Dataset)
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
		if d.Department == t.Department && !seen[d.Code] && !w.standing(d) {
			return refuse(ErrInvalid, "items", "dataset %s has no decision; decide every dataset of %s", d.Code, t.Department)
		}
	}
	return nil
}

// standing: a dataset a reopened review does not decide again, because
// an earlier round approved it.
func (w *app) standing(d DatasetState) bool {
	return w.st.ReopenedKeepApproved && d.Decision != ""
}

func (w *app) dataset(code string) (DatasetState, bool) {
	for _, d := range w.st.Datasets {
		if d.Code == code {
			return d, true
		}
	}
	return DatasetState{}, false
}

func (w *app) onInitialReview(ctx workflow.Context, c *change, t activities.Task, r DecideRequest) error {
	switch r.Decision {
	case domain.DecisionPass:
		w.st.Status = domain.StatusDepartmentReview
		for _, dept := range w.departments() {
			w.m.open(ctx, c, domain.TaskDepartmentReview, dept, "", 1)
		}
		w.m.audit(ctx, c, r.Actor, "application.pushed", strings.Join(w.departments(), ","), "", "")
	case domain.DecisionReject:
		w.st.Status = domain.StatusRejected
		w.st.RejectedAt = workflow.Now(ctx).UTC()
		w.recordRejection(t)
		w.m.audit(ctx, c, r.Actor, "application.rejected", "initial_review", r.Reason, r.Basis)
	case domain.DecisionReturn:
		w.st.Status = domain.StatusSupplement
		w.m.open(ctx, c, domain.TaskSupplement, w.in.ApplicantOrg, "", w.st.InitialRound)
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
	w.m.open(ctx, c, domain.TaskInitialReview, w.in.Orgs.BigDataCenter, "", w.st.InitialRound)
	if len(r.Edits) > 0 {
		c.App = &activities.AppRow{Edits: r.Edits}
	}
	_, err := w.commit(ctx, c)
	return err
}

func (w *app) onDepartmentReview(ctx workflow.Context, c *change, t activities.Task, r DecideRequest) error {
	switch r.Decision {
	case domain.DecisionAskRegulator:
		w.m.audit(ctx, c, r.Actor, "regulator.asked", r.Regulator, r.Comment, "")
		within := workflow.GetVersion(ctx, regulatorWithinReviewChange, workflow.DefaultVersion, 1) >= 1
		w.st.OpinionsWithinReview = w.st.OpinionsWithinReview || within
		// A review already late keeps the lateness: the regulator has its
		// own time.
		if within && t.DueAt.After(workflow.Now(ctx)) {
			w.m.openWithin(ctx, c, domain.TaskRegulatorOpinion, r.Regulator, t.Department, 1, t.DueAt)
		} else {
			w.m.open(ctx, c, domain.TaskRegulatorOpinion, r.Regulator, t.Department, 1)
		}
		_, err := w.commit(ctx, c)
		return err
	case domain.DecisionWithdrawRequest:
		// The validator made sure one is pending.
		o, _ := w.pendingOpinion(t.Department)
		w.m.close(ctx, c, o, r.Actor, domain.DecisionCancelled, "request withdrawn: "+r.Reason, "", "")
		w.m.audit(ctx, c, r.Actor, "regulator.request_withdrawn", o.Department, r.Reason, "")
		_, err := w.commit(ctx, c)
		return err
	}
	now := workflow.Now(ctx).UTC()
	rejected, pending := false, false
	// After the agreements, an approval needs a supplementary agreement.
	late := len(w.st.Agreements) > 0 && workflow.GetVersion(ctx, supplementaryAgreementChange, workflow.DefaultVersion, 1) >= 1
	decided := map[string]DatasetItem{}
	for _, it := range r.Items {
		decided[it.Dataset] = it
	}
	for i, d := range w.st.Datasets {
		if d.Department != t.Department || w.standing(d) {
			continue
		}
		it, ok := decided[d.Code]
		if !ok { // approve or reject as a whole
			it = DatasetItem{Dataset: d.Code, Decision: r.Decision, Reason: r.Reason, Basis: r.Basis}
		}
		if it.Decision == domain.DecisionApprove {
			it.Reason, it.Basis = "", ""
			if late {
				it.Decision, pending = domain.DatasetApprovePending, true
			}
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
	if pending {
		w.openSupplement(ctx, c)
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

// regulatorWithinReviewChange: a regulator's opinion is due no later than
// the department review that asked for it (the department must decide in
// its own time, 《广州市公共数据开放管理办法》第十六条). Before it, the
// opinion had its own 10 working days from the asking, which could run past
// the department's.
const regulatorWithinReviewChange = "regulator-within-review"

// pendingOpinion is the open regulator opinion a department asked for.
func (w *app) pendingOpinion(dept string) (activities.Task, bool) {
	for _, o := range w.m.openOf(domain.TaskRegulatorOpinion) {
		if o.Subject == dept {
			return o, true
		}
	}
	return activities.Task{}, false
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

func (w *app) validateWithdraw(ctx workflow.Context, r ActionRequest) error {
	if err := checkActor(r.Actor); err != nil {
		return err
	}
	if r.Actor.Org != w.in.ApplicantOrg {
		return refuse(ErrForbidden, "actor.org", "only the applicant %s may withdraw this application", w.in.ApplicantOrg)
	}
	switch w.st.Status {
	case domain.StatusInitialReview, domain.StatusSupplement:
		return nil
	case domain.StatusDepartmentReview, domain.StatusAgreements:
		// Departments have worked on it: they are told why.
		if strings.TrimSpace(r.Reason) == "" {
			return refuse(ErrInvalid, "reason", "the departments have started on this application: fill in reason to say why it is withdrawn")
		}
		return nil
	}
	return refuse(ErrConflict, "", "an application can be withdrawn only until the authorization takes effect; it is %s", w.st.Status)
}

func (w *app) withdraw(ctx workflow.Context, r ActionRequest) (UpdateResult, error) {
	if (w.st.Status == domain.StatusDepartmentReview || w.st.Status == domain.StatusAgreements) &&
		workflow.GetVersion(ctx, withdrawUntilActivationChange, workflow.DefaultVersion, 1) < 1 {
		// A history from before the rule refused this here.
		return UpdateResult{}, refuse(ErrConflict, "", "an application can be withdrawn only until the initial decision; it is %s", w.st.Status)
	}
	var c change
	w.withdrawn(ctx, &c, "withdrawn by the applicant")
	w.m.audit(ctx, &c, r.Actor, "application.withdrawn", w.m.wfID, r.Reason, "")
	if _, err := w.commit(ctx, &c); err != nil {
		return UpdateResult{}, err
	}
	return UpdateResult{Status: w.st.Status}, nil
}

// lapseChange: a step the applicant leaves past its deadline ends the
// case instead of keeping it open for ever: an unanswered supplement or an
// unsigned agreement is deemed withdrawn (视为撤回), an unconfirmed exit
// is recorded as not complied and the case closed. The reminder before the
// deadline says so. Before it, such a step stayed overdue indefinitely.
const lapseChange = "lapse-at-due"

// lapse ends the case when the applicant's own step t falls due unanswered;
// false for every other step, which is marked overdue and escalated.
func (w *app) lapse(ctx workflow.Context, t activities.Task) (bool, error) {
	if t.Department != w.in.ApplicantOrg {
		return false, nil
	}
	var why string
	switch t.Kind {
	case domain.TaskAppeal:
		// A task of code newer than every recorded history.
		return w.appealLapsed(ctx, t)
	case domain.TaskRectificationReport:
		// Due when the rectification period ends, when the re-evaluation
		// opens and cancels it: not late on its own.
		return true, nil
	case domain.TaskSupplement:
		why = "not supplemented by the deadline: deemed withdrawn (视为撤回)"
	case domain.TaskSignCommitment, domain.TaskSignService:
		// Only when the applicant alone holds the case up: with another
		// party's signature outstanding the lateness is not the applicant's.
		for _, o := range w.m.core.Tasks {
			if o.ID != t.ID && o.Department != w.in.ApplicantOrg {
				return false, nil
			}
		}
		why = "the agreements were not signed by the deadline: deemed withdrawn (视为撤回)"
	case domain.TaskExitConfirmation:
		// The first round only: a round the bureau sent back after the
		// deadline is the bureau's to record.
		if t.Round > 1 {
			return false, nil
		}
		why = "the return and destruction of the data was not confirmed by the deadline"
	default:
		return false, nil
	}
	if workflow.GetVersion(ctx, lapseChange, workflow.DefaultVersion, 1) < 1 {
		return false, nil
	}
	var c change
	w.m.close(ctx, &c, t, systemActor, domain.DecisionCancelled, why, "", "")
	if t.Kind == domain.TaskExitConfirmation {
		// A finding on the record, for supervision; the case is closed.
		w.m.cancelOpen(ctx, &c, "exit not complied")
		w.st.Status = domain.StatusClosed
		w.st.ClosedAt = workflow.Now(ctx).UTC()
		w.m.audit(ctx, &c, systemActor, "exit.not_complied", w.m.wfID, why, "")
	} else {
		w.withdrawn(ctx, &c, why)
		w.st.EndReason = domain.EndLapsed
		w.m.audit(ctx, &c, systemActor, "application.lapsed", w.m.wfID, why, "")
	}
	_, err := w.commit(ctx, &c)
	return true, err
}

// withdrawUntilActivationChange: the applicant may withdraw until the
// authorization takes effect. Before it, only until the initial decision;
// the validator admits the wider rule, and the handler, which replays,
// keeps the old refusal for histories from before it.
const withdrawUntilActivationChange = "withdraw-until-activation"

// withdrawn ends the application before the authorization takes effect
// (the applicant withdrew, declined or let a step lapse): open tasks are
// cancelled with why (their holders are told), and agreements not yet
// complete are cancelled with them. The caller records the action.
func (w *app) withdrawn(ctx workflow.Context, c *change, why string) {
	w.m.cancelOpen(ctx, c, why)
	w.cancelUnfinishedAgreements(c)
	w.st.Status = domain.StatusWithdrawn
}
