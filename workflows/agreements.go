package workflows

// The agreements phase: the authorization agreement, the service agreement
// and its filing, and the utilization commitment; the authorization takes
// effect when the filing and the commitment are complete.

import (
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/domain"
)

func (w *app) startAgreements(ctx workflow.Context, c *change) {
	w.st.Status = domain.StatusAgreements
	o := w.in.Orgs
	w.st.Agreements = []activities.Agreement{
		{Kind: domain.AgreementAuthorization, Status: domain.AgreementPending, Parties: []string{o.Bureau, o.Operator}},
		{Kind: domain.AgreementService, Status: domain.AgreementWaiting, Parties: []string{o.Operator, w.in.ApplicantOrg}},
		{Kind: domain.AgreementFiling, Status: domain.AgreementWaiting, Parties: []string{o.Bureau}},
		{Kind: domain.AgreementCommitment, Status: domain.AgreementPending, Parties: []string{w.in.ApplicantOrg}},
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
	domain.AgreementSupplement:    domain.TaskSignSupplement,
}

func (w *app) openSignatures(ctx workflow.Context, c *change, kind string) {
	a := w.agreement(kind)
	a.Status = domain.AgreementPending
	for _, p := range a.Parties {
		w.m.open(ctx, c, signatureTask[kind], p, kind, 1)
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
	if r.Decision == domain.DecisionDecline {
		// The applicant will not sign: the application ends as withdrawn.
		w.m.audit(ctx, c, r.Actor, "agreement.declined", t.Subject, r.Reason, "")
		w.withdrawn(ctx, c, "the applicant declined the agreements")
		w.m.audit(ctx, c, r.Actor, "application.withdrawn", w.m.wfID, r.Reason, "")
		_, err := w.commit(ctx, c)
		return err
	}
	now := workflow.Now(ctx).UTC()
	a := w.agreement(t.Subject)
	a.Signatures = append(append([]activities.Signature(nil), a.Signatures...), activities.Signature{Org: r.Actor.Org, User: r.Actor.User, At: now})
	w.m.audit(ctx, c, r.Actor, "agreement."+r.Decision, t.Subject, "", "")
	if len(a.Signatures) == len(a.Parties) {
		a.Status = domain.AgreementCompleted
		a.CompletedAt = &now
		switch t.Subject {
		case domain.AgreementAuthorization:
			w.openSignatures(ctx, c, domain.AgreementService)
		case domain.AgreementService:
			w.openSignatures(ctx, c, domain.AgreementFiling)
		}
	}
	c.Agreements = append(c.Agreements, w.st.Agreements...)
	if t.Subject == domain.AgreementSupplement {
		if a.Status == domain.AgreementCompleted {
			w.grantPending(ctx, c)
		}
	} else if w.agreement(domain.AgreementFiling).Status == domain.AgreementCompleted && w.agreement(domain.AgreementCommitment).Status == domain.AgreementCompleted {
		w.activate(ctx, c)
	}
	_, err := w.commit(ctx, c)
	return err
}

// supplementaryAgreementChange: datasets a department approves after the
// agreements (a review reopened by a groundless-rejection flag) count only
// once a supplementary agreement (补充协议) is signed by the same parties:
// until then they are neither disclosed nor provisioned. Before it, such an
// approval widened the authorization with no agreement covering it.
const supplementaryAgreementChange = "supplementary-agreement"

// openSupplement opens the supplementary agreement for signature by the
// bureau, the operator and the applicant; datasets approved while it is
// being signed join it.
func (w *app) openSupplement(ctx workflow.Context, c *change) {
	o := w.in.Orgs
	var s *activities.Agreement
	for i := range w.st.Agreements {
		if w.st.Agreements[i].Kind == domain.AgreementSupplement {
			s = &w.st.Agreements[i]
		}
	}
	switch {
	case s == nil:
		w.st.Agreements = append(w.st.Agreements, activities.Agreement{Kind: domain.AgreementSupplement,
			Parties: []string{o.Bureau, o.Operator, w.in.ApplicantOrg}})
	case s.Status == domain.AgreementPending:
		// Being signed: the new datasets join it, and its text changes.
		if len(s.Signatures) > 0 && workflow.GetVersion(ctx, supplementResignChange, workflow.DefaultVersion, 1) >= 1 {
			w.resignSupplement(ctx, c, s)
		}
		return
	default: // a later supplement, after one that was completed
		s.Signatures, s.CompletedAt = nil, nil
	}
	w.openSignatures(ctx, c, domain.AgreementSupplement)
	c.Agreements = append(c.Agreements, w.st.Agreements...)
	w.m.audit(ctx, c, systemActor, "agreement.supplement_opened", domain.AgreementSupplement, "datasets approved after the agreements", "")
}

// supplementResignChange: a party signs exactly the text in front of it,
// so datasets joining a supplementary agreement that some parties have
// already signed void those signatures, and those parties sign the new
// text. Before it, their signatures on the earlier text counted for
// datasets it did not name.
const supplementResignChange = "supplement-resign"

// resignSupplement voids the signatures made on the supplementary
// agreement's earlier text and asks those parties to sign the new one;
// the parties yet to sign sign the new text on the tasks they hold. The
// earlier signatures stay on the record, on the text they were made on.
func (w *app) resignSupplement(ctx workflow.Context, c *change, s *activities.Agreement) {
	for _, sig := range s.Signatures {
		w.m.open(ctx, c, domain.TaskSignSupplement, sig.Org, domain.AgreementSupplement, 2)
	}
	s.Signatures = nil
	c.Agreements = append(c.Agreements, w.st.Agreements...)
	w.m.audit(ctx, c, systemActor, "agreement.supplement_revised", domain.AgreementSupplement,
		"more datasets approved: the signatures on the earlier text are void, and every party signs the new text", "")
}

// cancelUnfinishedAgreements: the case ends before the agreements not yet
// complete are signed; they read cancelled.
func (w *app) cancelUnfinishedAgreements(c *change) {
	cancelled := false
	for i, ag := range w.st.Agreements {
		if ag.Status != domain.AgreementCompleted {
			w.st.Agreements[i].Status = domain.AgreementCancelled
			cancelled = true
		}
	}
	if cancelled {
		c.Agreements = append(c.Agreements, w.st.Agreements...)
	}
}

// grantPending: the supplementary agreement is signed, so the datasets it
// covers are approved; an active authorization provisions them now (one
// not yet active does at activation).
func (w *app) grantPending(ctx workflow.Context, c *change) {
	now := workflow.Now(ctx).UTC()
	var codes []string
	for i, d := range w.st.Datasets {
		if d.Decision == domain.DatasetApprovePending {
			w.st.Datasets[i].Decision = domain.DecisionApprove
			c.Datasets = append(c.Datasets, activities.DatasetDecision{Dataset: d.Code, Department: d.Department,
				Decision: domain.DecisionApprove, DecidedAt: &now})
			codes = append(codes, d.Code)
		}
	}
	if w.st.Status == domain.StatusActive && len(codes) > 0 {
		w.m.audit(ctx, c, systemActor, "access.provisioned", strings.Join(codes, ","),
			fmt.Sprintf("supplementary agreement signed; %s access until %s", w.in.AccessMode, w.st.ActiveUntil.Format(time.DateOnly)), "")
	}
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
