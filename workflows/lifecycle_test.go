package workflows_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
	wf "github.com/datagate/datagate/workflows"
)

const day = 24 * hour

// onlyAuthorizationSigned checks the read model of a case that ended after
// the authorization agreement was signed: the others read cancelled.
func (h *harness) onlyAuthorizationSigned(t *testing.T) {
	t.Helper()
	ags, _ := h.st.Agreements(context.Background(), h.in.ApplicationID)
	for _, ag := range ags {
		want := domain.AgreementCancelled
		if ag.Kind == domain.AgreementAuthorization {
			want = domain.AgreementCompleted
		}
		if ag.Status != want {
			t.Errorf("agreement %s: %s, want %s", ag.Kind, ag.Status, want)
		}
	}
}

// A 12-month authorization with a 12-month interval still has its final
// evaluation (003 十(三): the basis of a new grant): it opens 45 days
// before the end, is rated, and the authorization then expires.
func TestFinalEvaluationBeforeExpiry(t *testing.T) {
	h := newHarness(t, monday)
	h.in.PeriodMonths = 12
	h.toActive()
	// 2 March 2027 is the end; 16 January 2027 is 45 days before it.
	h.at(319*day, func() {
		if s := h.status(); s.EvaluationCount != 0 {
			t.Errorf("before the final window: %d evaluations", s.EvaluationCount)
		}
	})
	h.at(322*day, func() {
		h.decide(domain.TaskSelfEvaluation, applicant, domain.DecisionSubmit, withComment("年度使用情况"))
	})
	h.at(323*day, func() { h.decide(domain.TaskRateEvaluation, bureau, domain.DecisionQualified) })
	h.at(330*day, func() {
		if s := h.status(); s.Evaluation != nil || s.EvaluationCount != 1 || s.Status != domain.StatusActive {
			t.Errorf("after the final rating: %s, %d evaluations, in progress %+v", s.Status, s.EvaluationCount, s.Evaluation)
		}
	})
	h.at(366*day, func() {
		s := h.status()
		if s.Status != domain.StatusExiting || s.EndReason != domain.EndExpired || s.EvaluationCount != 1 {
			t.Errorf("after the end: %s/%s with %d evaluations, want exiting/expired with 1", s.Status, s.EndReason, s.EvaluationCount)
		}
	})
	h.exit(367 * day)
	h.finish()
	evals, _ := h.st.Evaluations(context.Background(), h.in.ApplicationID)
	if len(evals) != 1 || evals[0].Status != domain.EvalQualified {
		t.Errorf("evaluations on the record: %+v, want the final one qualified", evals)
	}
}

// An evaluation the end of the authorization cuts short is recorded as
// lapsed, with its rating so far: never "cancelled" beside a rating.
func TestEvaluationCutShortByTheEndLapses(t *testing.T) {
	h := newHarness(t, monday)
	h.in.PeriodMonths = 12
	h.toActive()
	h.at(322*day, func() {
		h.decide(domain.TaskSelfEvaluation, applicant, domain.DecisionSubmit, withComment("年度使用情况"))
	})
	h.at(323*day, func() {
		h.decide(domain.TaskRateEvaluation, bureau, domain.DecisionRectify, withReason("访问日志留存不足", ""))
	})
	h.at(366*day, func() {
		if s := h.status(); s.Status != domain.StatusExiting || s.Evaluation != nil {
			t.Errorf("after the end: %s, evaluation in progress %+v", s.Status, s.Evaluation)
		}
	})
	h.exit(367 * day)
	h.finish()
	evals, _ := h.st.Evaluations(context.Background(), h.in.ApplicationID)
	if len(evals) != 1 || evals[0].Status != domain.EvalLapsed || evals[0].Rating != domain.DecisionRectify || evals[0].ClosedAt == nil {
		t.Errorf("evaluations on the record: %+v, want one lapsed after a rectify rating", evals)
	}
}

// Once pushed to the departments, the applicant may still withdraw, with a
// reason, until the authorization takes effect: the open reviews are
// cancelled. After activation, withdrawing is refused.
func TestWithdrawDuringDepartmentReview(t *testing.T) {
	h := newHarness(t, monday)
	h.at(hour, func() { h.decide(domain.TaskInitialReview, bdc, domain.DecisionPass) })
	h.at(2*hour, func() { h.decide(domain.TaskDepartmentReview, health, domain.DecisionApprove) })
	h.at(3*hour, func() {
		h.must(appWFID, wf.UpdateWithdraw, wf.ActionRequest{Actor: actor(applicant), Reason: "业务方向调整，不再需要该数据"})
	})
	if st := h.finish(); st.Status != domain.StatusWithdrawn || len(st.Tasks) != 0 {
		t.Fatalf("after withdrawal: %s with open tasks %v", st.Status, st.Tasks)
	}
	for _, r := range h.rows() {
		if r.Kind == domain.TaskDepartmentReview && r.Department == samr && (r.Status != domain.TaskCancelled || r.Reason == "") {
			t.Errorf("the open review: %s %q, want cancelled with the reason", r.Status, r.Reason)
		}
	}
	if a := h.app(); a.Status != domain.StatusWithdrawn {
		t.Errorf("read model: %s", a.Status)
	}
}

// The applicant may decline the agreements: its signature task closes as
// declined, the other signatures are cancelled, the agreements not yet
// complete read cancelled, and the application ends as withdrawn. Another
// party cannot decline, and no one can withdraw an active authorization.
func TestApplicantDeclinesTheAgreements(t *testing.T) {
	h := newHarness(t, monday)
	h.at(hour, func() { h.decide(domain.TaskInitialReview, bdc, domain.DecisionPass) })
	h.at(2*hour, func() {
		h.decide(domain.TaskDepartmentReview, health, domain.DecisionApprove)
		h.decide(domain.TaskDepartmentReview, samr, domain.DecisionApprove)
	})
	h.at(3*hour, func() {
		h.decide(domain.TaskSignAuthorization, bureau, domain.DecisionSign)
		h.decide(domain.TaskSignAuthorization, operator, domain.DecisionSign)
	})
	h.steps(4*hour,
		func() {
			task := h.task(domain.TaskSignService, operator)
			h.refused(appWFID, wf.UpdateDecide, wf.DecideRequest{TaskID: task.ID, Actor: actor(operator), Decision: domain.DecisionDecline, Reason: "x"}, wf.ErrForbidden)
		},
		func() {
			task := h.task(domain.TaskSignCommitment, applicant)
			h.refused(appWFID, wf.UpdateDecide, wf.DecideRequest{TaskID: task.ID, Actor: actor(applicant), Decision: domain.DecisionDecline}, wf.ErrInvalid)
		},
		func() {
			h.decide(domain.TaskSignCommitment, applicant, domain.DecisionDecline, withReason("协议中的数据使用范围与申请不符", ""))
		})
	st := h.finish()
	if st.Status != domain.StatusWithdrawn || len(st.Tasks) != 0 {
		t.Fatalf("after declining: %s with open tasks %v", st.Status, st.Tasks)
	}
	for _, r := range h.rows() {
		switch {
		case r.Kind == domain.TaskSignCommitment && (r.Decision != domain.DecisionDecline || r.Reason == ""):
			t.Errorf("the declined commitment: %s %q", r.Decision, r.Reason)
		case r.Kind == domain.TaskSignService && r.Status != domain.TaskCancelled:
			t.Errorf("the service agreement's signature %s: %s, want cancelled", r.Department, r.Status)
		}
	}
	h.onlyAuthorizationSigned(t)
}

func TestNoWithdrawalOnceActive(t *testing.T) {
	h := newHarness(t, monday)
	last := h.toActive()
	h.at(last+hour, func() {
		h.refused(appWFID, wf.UpdateWithdraw, wf.ActionRequest{Actor: actor(applicant), Reason: "不想用了"}, wf.ErrConflict)
	})
	h.at(last+2*hour, func() { h.env.CancelWorkflow() })
	h.run()
}

// A regulator asked on day 15 of the department's 20 working days is due
// on the department's day 20, not 10 working days later (day 25). While
// the opinion is pending the department cannot decide: it waits, or
// withdraws the request with a reason, on the record.
func TestRegulatorOpinionWithinTheReview(t *testing.T) {
	h := newHarness(t, monday)
	h.at(hour, func() { h.decide(domain.TaskInitialReview, bdc, domain.DecisionPass) })
	// Monday 2 March plus 14 working days: Friday 20 March.
	asked := 18*day + hour
	h.at(asked, func() {
		task := h.task(domain.TaskDepartmentReview, health)
		h.must(appWFID, wf.UpdateDecide, wf.DecideRequest{TaskID: task.ID, Actor: actor(health),
			Decision: domain.DecisionAskRegulator, Regulator: regulator, Comment: "是否涉及金融监管要求?"})
	})
	h.steps(asked+hour,
		func() {
			review, op := h.task(domain.TaskDepartmentReview, health), h.task(domain.TaskRegulatorOpinion, regulator)
			if !op.DueAt.Equal(review.DueAt) {
				t.Errorf("the opinion is due %s, want the review's due date %s", op.DueAt, review.DueAt)
			}
			h.refused(appWFID, wf.UpdateDecide, wf.DecideRequest{TaskID: review.ID, Actor: actor(health),
				Decision: domain.DecisionApprove}, wf.ErrConflict)
		},
		func() {
			review := h.task(domain.TaskDepartmentReview, health)
			h.refused(appWFID, wf.UpdateDecide, wf.DecideRequest{TaskID: review.ID, Actor: actor(health),
				Decision: domain.DecisionReject, Reason: "x", Basis: "y"}, wf.ErrConflict)
		},
		func() {
			review := h.task(domain.TaskDepartmentReview, health)
			h.refused(appWFID, wf.UpdateDecide, wf.DecideRequest{TaskID: review.ID, Actor: actor(health),
				Decision: domain.DecisionWithdrawRequest}, wf.ErrInvalid)
		},
		func() {
			h.decide(domain.TaskDepartmentReview, health, domain.DecisionWithdrawRequest, withReason("监管部门书面答复已另行取得", ""))
		},
		func() {
			h.decide(domain.TaskDepartmentReview, health, domain.DecisionApprove)
			h.decide(domain.TaskDepartmentReview, samr, domain.DecisionApprove)
		},
		func() {
			if s := h.status(); s.Status != domain.StatusAgreements {
				t.Errorf("status %s, want agreements", s.Status)
			}
			h.env.CancelWorkflow()
		})
	h.run()
	var withdrawn bool
	for _, r := range h.rows() {
		if r.Kind == domain.TaskRegulatorOpinion {
			withdrawn = r.Status == domain.TaskCancelled && r.ActorUser == actor(health).User && r.Reason != ""
		}
	}
	audit, _ := h.st.Audit(context.Background(), h.in.ApplicationID)
	var recorded bool
	for _, e := range audit {
		recorded = recorded || (e.Action == "regulator.request_withdrawn" && e.Reason == "监管部门书面答复已另行取得")
	}
	if !withdrawn || !recorded {
		t.Errorf("the withdrawn request: task cancelled by the department %v, in the audit %v", withdrawn, recorded)
	}
}

// Three months before the end (003 六(六)1 "提前3个月") the applicant is
// told the authorization is ending, once, so that a renewal or the exit
// can be prepared; an exit notice already given needs no such word.
func TestTheEndIsAnnouncedThreeMonthsAhead(t *testing.T) {
	h := newHarness(t, monday)
	h.in.PeriodMonths = 12
	h.toActive()
	expiring := func() int {
		audit, _ := h.st.Audit(context.Background(), h.in.ApplicationID)
		n := 0
		for _, e := range audit {
			if e.Action == "authorization.expiring" {
				n++
			}
		}
		return n
	}
	// 2 December 2026 is three months before the end (2 March 2027).
	h.at(270*day, func() {
		if n := expiring(); n != 0 {
			t.Errorf("in November: %d announcements", n)
		}
	})
	h.at(276*day, func() {
		if n := expiring(); n != 1 {
			t.Errorf("in December: %d announcements, want 1", n)
		}
		events, _ := h.st.EventsOf(context.Background(), h.in.ApplicationID)
		told := false
		for _, e := range events {
			told = told || (e.Kind == "application.expiring" && e.Org == applicant && e.Data.EndsAt != nil)
		}
		if !told {
			t.Errorf("the applicant was not told: %+v", events)
		}
		h.env.CancelWorkflow()
	})
	h.run()
}

// The applicant reports its rectification (整改报告) when it is done and
// the re-evaluation opens at once, rated on the report. Rectification can
// be ordered twice (rectification_rounds); the third rating is qualified
// or unqualified.
func TestRectificationReportOpensTheReEvaluation(t *testing.T) {
	h := newHarness(t, monday)
	h.in.Deadlines.EvaluationIntervalMonths = 6
	h.toActive()
	half := 185 * day
	h.at(half, func() { h.decide(domain.TaskSelfEvaluation, applicant, domain.DecisionSubmit, withComment("自评")) })
	h.at(half+hour, func() {
		h.decide(domain.TaskRateEvaluation, bureau, domain.DecisionRectify, withReason("日志留存不足", ""))
	})
	h.at(half+day, func() {
		h.decide(domain.TaskRectificationReport, applicant, domain.DecisionSubmit, withComment("日志留存已延长至六个月"))
	})
	h.steps(half+day+hour,
		func() {
			s := h.status()
			if s.Evaluation == nil || s.Evaluation.Status != domain.EvalRating || s.Evaluation.Round != 2 || s.Evaluation.SelfReport != "日志留存已延长至六个月" {
				t.Errorf("after the report: %+v, want round 2 being rated on the report", s.Evaluation)
			}
		},
		func() {
			h.decide(domain.TaskRateEvaluation, bureau, domain.DecisionRectify, withReason("仍缺审计记录", ""))
		})
	h.at(half+2*day, func() {
		h.decide(domain.TaskRectificationReport, applicant, domain.DecisionSubmit, withComment("审计记录已补齐"))
	})
	h.steps(half+2*day+hour,
		func() {
			task := h.task(domain.TaskRateEvaluation, bureau)
			h.refused(appWFID, wf.UpdateDecide, wf.DecideRequest{TaskID: task.ID, Actor: actor(bureau),
				Decision: domain.DecisionRectify, Reason: "再整改"}, wf.ErrConflict)
		},
		func() { h.decide(domain.TaskRateEvaluation, bureau, domain.DecisionQualified) },
		func() {
			if s := h.status(); s.Evaluation != nil || s.Status != domain.StatusActive {
				t.Errorf("after the third rating: %s %+v", s.Status, s.Evaluation)
			}
			h.env.CancelWorkflow()
		})
	h.run()
	evals, _ := h.st.Evaluations(context.Background(), h.in.ApplicationID)
	if len(evals) != 1 || evals[0].Status != domain.EvalQualified || evals[0].Round != 3 {
		t.Errorf("evaluations on the record: %+v", evals)
	}
}

// A supplement the applicant leaves past its deadline is deemed withdrawn
// (视为撤回): the case ends instead of staying open for ever.
func TestAbandonedSupplementLapses(t *testing.T) {
	h := newHarness(t, monday)
	h.at(hour, func() {
		h.decide(domain.TaskInitialReview, bdc, domain.DecisionReturn, withReason("请补充数据安全管理制度", ""))
	})
	h.at(25*day, func() {
		if s := h.status(); s.Status != domain.StatusSupplement {
			t.Errorf("before the deadline: %s", s.Status)
		}
	})
	st := h.finish()
	if st.Status != domain.StatusWithdrawn || st.EndReason != domain.EndLapsed || len(st.Tasks) != 0 {
		t.Fatalf("after the deadline: %s/%s, open %v; want withdrawn/lapsed", st.Status, st.EndReason, st.Tasks)
	}
	for _, r := range h.rows() {
		if r.Kind == domain.TaskSupplement && (r.Status != domain.TaskCancelled || r.Reason == "" || r.RemindedAt == nil) {
			t.Errorf("the supplement: %+v, want reminded, then cancelled with the reason", r)
		}
	}
	if a := h.app(); a.Status != domain.StatusWithdrawn || a.EndReason != domain.EndLapsed {
		t.Errorf("read model: %s/%s", a.Status, a.EndReason)
	}
}

// Agreements the applicant alone leaves unsigned past the deadline lapse
// the same way (while another party's signature is outstanding, the
// lateness is not the applicant's); an exit never confirmed is recorded as
// not complied and closed.
func TestUnsignedAgreementsLapseAndUnconfirmedExitCloses(t *testing.T) {
	t.Run("unsigned", func(t *testing.T) {
		h := newHarness(t, monday)
		h.at(hour, func() { h.decide(domain.TaskInitialReview, bdc, domain.DecisionPass) })
		h.at(2*hour, func() {
			h.decide(domain.TaskDepartmentReview, health, domain.DecisionApprove)
			h.decide(domain.TaskDepartmentReview, samr, domain.DecisionApprove)
		})
		h.at(3*hour, func() {
			h.decide(domain.TaskSignAuthorization, bureau, domain.DecisionSign)
			h.decide(domain.TaskSignAuthorization, operator, domain.DecisionSign)
		})
		h.at(4*hour, func() { h.decide(domain.TaskSignService, operator, domain.DecisionSign) })
		st := h.finish()
		if st.Status != domain.StatusWithdrawn || st.EndReason != domain.EndLapsed {
			t.Fatalf("unsigned: %s/%s, want withdrawn/lapsed", st.Status, st.EndReason)
		}
		h.onlyAuthorizationSigned(t)
		for _, r := range h.rows() {
			if r.Status == domain.TaskCancelled && strings.Contains(r.Reason, "withdrawn by the applicant") {
				t.Errorf("a lapse is recorded as the applicant's withdrawal: %s %q", r.ID, r.Reason)
			}
		}
	})
	t.Run("exit", func(t *testing.T) {
		h := newHarness(t, monday)
		h.toActive()
		h.at(6*hour, func() {
			h.must(appWFID, wf.UpdateTerminate, wf.ActionRequest{Actor: actor(bureau), Reason: "违规", Basis: "第六条"})
		})
		st := h.finish()
		if st.Status != domain.StatusClosed || st.EndReason != domain.EndTerminated {
			t.Fatalf("unconfirmed exit: %s/%s, want closed/terminated", st.Status, st.EndReason)
		}
		audit, _ := h.st.Audit(context.Background(), h.in.ApplicationID)
		found := false
		for _, e := range audit {
			found = found || e.Action == "exit.not_complied"
		}
		if !found {
			t.Error("no exit.not_complied finding on the record")
		}
	})
}

// An applicant's own step that falls due (a model revision) is marked
// overdue but not escalated to supervision, which aims at the departments
// (002 四(三) 责任单位); a department's late review still is.
func TestApplicantLatenessIsNotEscalated(t *testing.T) {
	h := newHarness(t, monday)
	last := h.toActive()
	h.at(last+hour, func() {
		h.must(appWFID, wf.UpdateSubmitModel, wf.ModelRequest{Actor: actor(applicant), Name: "风控模型", Description: "评分卡"})
	})
	h.at(last+2*hour, func() {
		h.decide(domain.TaskModelReview, bureau, domain.DecisionRequestChanges, withReason("请补充特征说明", ""))
		h.decide(domain.TaskModelReview, health, domain.DecisionApprove)
	})
	// samr decides late; the revision opens then, and is left late too.
	h.at(35*day, func() { h.decide(domain.TaskModelReview, samr, domain.DecisionApprove) })
	h.at(70*day, func() { h.env.CancelWorkflow() })
	h.run()
	audit, _ := h.st.Audit(context.Background(), h.in.ApplicationID)
	overdue := map[string]bool{}
	escalated := map[string]bool{}
	for _, e := range audit {
		switch e.Action {
		case "task.overdue":
			overdue[e.Target] = true
		case "task.escalated":
			escalated[e.Target] = true
		case "task.urged":
			if strings.HasSuffix(e.Target, " "+applicant) {
				t.Errorf("the applicant's own step was urged: %+v", e)
			}
		}
	}
	var revision, review bool
	for target := range overdue {
		switch {
		case strings.Contains(target, domain.TaskModelRevision):
			revision = true
			if escalated[target] {
				t.Errorf("the applicant's late revision was escalated: %s", target)
			}
		case strings.Contains(target, domain.TaskModelReview):
			review = true
			if !escalated[target] {
				t.Errorf("a department's late review was not escalated: %s", target)
			}
		}
	}
	if !revision || !review {
		t.Errorf("overdue marks: %v; want the revision and the other reviews", overdue)
	}
}

// A review reopened by a groundless-rejection flag after activation does
// not widen the authorization: the datasets it approves wait for a
// supplementary agreement (补充协议) signed by the same parties, and are
// neither disclosed nor provisioned until then.
func TestApprovalAfterTheAgreementsNeedsASupplement(t *testing.T) {
	h := newHarness(t, monday)
	h.at(hour, func() { h.decide(domain.TaskInitialReview, bdc, domain.DecisionPass) })
	h.at(2*hour, func() {
		h.decide(domain.TaskDepartmentReview, health, domain.DecisionReject, withReason("涉及个人隐私", "第九条"))
		h.decide(domain.TaskDepartmentReview, samr, domain.DecisionApprove)
	})
	h.signAll(3 * hour)
	var reviewTask string
	h.at(6*hour, func() {
		for _, r := range h.rows() {
			if r.Kind == domain.TaskDepartmentReview && r.Department == health {
				reviewTask = r.ID
			}
		}
		h.must(appWFID, wf.UpdateFlagGroundless, wf.FlagRequest{Actor: supervisor(), TaskID: reviewTask, FlagID: 1, Reason: "依据不充分"})
	})
	h.at(7*hour, func() { h.decide(domain.TaskFlagAnswer, health, domain.DecisionReopen, withReason("重新审核", "")) })
	h.at(8*hour, func() { h.decide(domain.TaskDepartmentReview, health, domain.DecisionApprove) })
	disclosed := func() []string {
		var out []string
		for _, d := range h.app().Datasets {
			if d.Decision == domain.DecisionApprove {
				out = append(out, d.DatasetCode)
			}
		}
		return out
	}
	h.at(9*hour, func() {
		if got := disclosed(); len(got) != 1 || got[0] != "DS-S1" {
			t.Errorf("before the supplement: approved %v, want only DS-S1", got)
		}
		h.decide(domain.TaskSignSupplement, bureau, domain.DecisionSign)
		h.decide(domain.TaskSignSupplement, operator, domain.DecisionSign)
		h.decide(domain.TaskSignSupplement, applicant, domain.DecisionSign)
	})
	h.at(10*hour, func() {
		if got := disclosed(); len(got) != 3 {
			t.Errorf("after the supplement: approved %v, want all three", got)
		}
		if s := h.status(); s.Status != domain.StatusActive || !s.ActiveFrom.Equal(h.start.Add(5*hour).UTC()) {
			t.Errorf("after the supplement: %s from %s; the authorization must not start again", s.Status, s.ActiveFrom)
		}
		h.env.CancelWorkflow()
	})
	h.run()
	audit, _ := h.st.Audit(context.Background(), h.in.ApplicationID)
	var provisioned []string
	for _, e := range audit {
		if e.Action == "access.provisioned" {
			provisioned = append(provisioned, e.Target)
		}
	}
	if len(provisioned) != 2 || provisioned[0] != "DS-S1" || provisioned[1] != "DS-H1,DS-H2" {
		t.Errorf("provisioned %v, want DS-S1 at activation, then DS-H1,DS-H2 after the supplement", provisioned)
	}
}

// A party signs exactly the text in front of it: datasets that join a
// supplementary agreement after a party signed it change its text, so that
// signature is void and the party signs again; the datasets count only
// once every party has signed the text that names them.
func TestDatasetsJoiningASupplementVoidItsSignatures(t *testing.T) {
	h := newHarness(t, monday)
	h.at(hour, func() { h.decide(domain.TaskInitialReview, bdc, domain.DecisionPass) })
	h.at(2*hour, func() {
		h.decide(domain.TaskDepartmentReview, health, domain.DecisionApprove, func(r *wf.DecideRequest) {
			r.Items = []wf.DatasetItem{{Dataset: "DS-H1", Decision: domain.DecisionApprove},
				{Dataset: "DS-H2", Decision: domain.DecisionReject, Reason: "涉及个人隐私", Basis: "第九条"}}
		})
		h.decide(domain.TaskDepartmentReview, samr, domain.DecisionReject, withReason("未开放", "第十条"))
	})
	h.signAll(3 * hour)
	approved := func() int {
		n := 0
		for _, d := range h.app().Datasets {
			if d.Decision == domain.DecisionApprove {
				n++
			}
		}
		return n
	}
	review := map[string]string{}
	h.at(6*hour, func() {
		for _, r := range h.rows() {
			if r.Kind == domain.TaskDepartmentReview {
				review[r.Department] = r.ID
			}
		}
		h.must(appWFID, wf.UpdateFlagGroundless, wf.FlagRequest{Actor: supervisor(), TaskID: review[health], FlagID: 1, Reason: "依据不充分"})
		h.must(appWFID, wf.UpdateFlagGroundless, wf.FlagRequest{Actor: supervisor(), TaskID: review[samr], FlagID: 2, Reason: "依据不充分"})
	})
	h.at(7*hour, func() {
		h.decide(domain.TaskFlagAnswer, health, domain.DecisionReopen, withReason("重新审核", ""))
		h.decide(domain.TaskFlagAnswer, samr, domain.DecisionReopen, withReason("重新审核", ""))
	})
	// The reopened review decides only what it rejected: DS-H1, approved
	// and provisioned, is not decided again.
	h.at(7*hour+30*time.Minute, func() {
		task := h.task(domain.TaskDepartmentReview, health)
		h.refused(appWFID, wf.UpdateDecide, wf.DecideRequest{TaskID: task.ID, Actor: actor(health), Decision: domain.DecisionDecide,
			Items: []wf.DatasetItem{{Dataset: "DS-H1", Decision: domain.DecisionReject, Reason: "改判", Basis: "第九条"},
				{Dataset: "DS-H2", Decision: domain.DecisionApprove}}}, wf.ErrInvalid)
	})
	h.at(8*hour, func() { h.decide(domain.TaskDepartmentReview, health, domain.DecisionApprove) })
	h.at(9*hour, func() {
		if n := approved(); n != 1 {
			t.Errorf("the reopened review approved DS-H2 after the agreements: %d datasets approved, want DS-H1 alone until the supplement", n)
		}
		h.decide(domain.TaskSignSupplement, bureau, domain.DecisionSign)
	})
	// samr approves too: DS-S1 joins the supplement the bureau has signed.
	h.at(10*hour, func() { h.decide(domain.TaskDepartmentReview, samr, domain.DecisionApprove) })
	h.at(11*hour, func() {
		h.decide(domain.TaskSignSupplement, operator, domain.DecisionSign)
		h.decide(domain.TaskSignSupplement, applicant, domain.DecisionSign)
	})
	h.at(12*hour, func() {
		if n := approved(); n != 1 {
			t.Errorf("signed by the operator and the applicant on the new text, by the bureau on the old: %d datasets approved, want 1", n)
		}
		if s := h.status(); s.Status != domain.StatusActive {
			t.Errorf("status %s, want active", s.Status)
		}
		h.decide(domain.TaskSignSupplement, bureau, domain.DecisionSign)
	})
	h.at(13*hour, func() {
		if n := approved(); n != 3 {
			t.Errorf("after the bureau signed the new text: %d datasets approved, want 3", n)
		}
		h.env.CancelWorkflow()
	})
	h.run()
	audit, _ := h.st.Audit(context.Background(), h.in.ApplicationID)
	var revised, provisioned int
	for _, e := range audit {
		switch e.Action {
		case "agreement.supplement_revised":
			revised++
		case "access.provisioned":
			provisioned++
			if provisioned == 2 && e.Target != "DS-H2,DS-S1" {
				t.Errorf("provisioned after the supplement: %s, want DS-H2,DS-S1", e.Target)
			}
		}
	}
	if revised != 1 || provisioned != 2 {
		t.Errorf("%d revisions and %d provisionings on the record, want 1 and 2", revised, provisioned)
	}
}

// Edges of the clocks: a regulator asked by a review already late gets its
// own time (the lateness stays the department's); a confirmation the bureau
// sends back after the 30 days does not close the case at once; a period
// shorter than the final window has no final evaluation.
func TestClockEdges(t *testing.T) {
	t.Run("late review asks a regulator", func(t *testing.T) {
		h := newHarness(t, monday)
		h.at(hour, func() { h.decide(domain.TaskInitialReview, bdc, domain.DecisionPass) })
		h.at(40*day, func() {
			task := h.task(domain.TaskDepartmentReview, health)
			h.must(appWFID, wf.UpdateDecide, wf.DecideRequest{TaskID: task.ID, Actor: actor(health),
				Decision: domain.DecisionAskRegulator, Regulator: regulator})
		})
		h.at(40*day+hour, func() {
			if op := h.task(domain.TaskRegulatorOpinion, regulator); !op.DueAt.After(h.env.Now()) || op.OverdueAt != nil {
				t.Errorf("the opinion asked by a late review: due %s, overdue %v", op.DueAt, op.OverdueAt)
			}
			h.env.CancelWorkflow()
		})
		h.run()
	})
	t.Run("late return of the exit", func(t *testing.T) {
		h := newHarness(t, monday)
		h.toActive()
		h.at(6*hour, func() {
			h.must(appWFID, wf.UpdateTerminate, wf.ActionRequest{Actor: actor(bureau), Reason: "违规", Basis: "第六条"})
		})
		h.at(20*day, func() {
			h.decide(domain.TaskExitConfirmation, applicant, domain.DecisionConfirm, withComment("已销毁"))
		})
		h.at(35*day, func() {
			h.decide(domain.TaskExitVerification, bureau, domain.DecisionReturn, withReason("缺少销毁证明", ""))
		})
		h.at(36*day, func() {
			if s := h.status(); s.Status != domain.StatusExiting {
				t.Errorf("a day after the bureau's late return: %s, want still exiting", s.Status)
			}
			h.env.CancelWorkflow()
		})
		h.run()
	})
	t.Run("short period", func(t *testing.T) {
		h := newHarness(t, monday)
		h.in.PeriodMonths = 1
		h.toActive()
		h.at(20*day, func() {
			if s := h.status(); s.EvaluationCount != 0 {
				t.Errorf("a one-month authorization: %d evaluations", s.EvaluationCount)
			}
			h.env.CancelWorkflow()
		})
		h.run()
	})
}

// A department review nobody answers climbs the ladder: reminded before its
// due date, overdue and escalated at it, then urged automatically
// (督办) auto_urge_days working days later: the urge is recorded (it asks
// no written reply, as a supervisor's does), and the applicant, told, may
// still withdraw. A review a supervisor urged already is not urged again,
// and the applicant's own steps never are.
func TestOverdueReviewIsUrgedAutomatically(t *testing.T) {
	cal, err := calendar.Default()
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, monday)
	h.at(hour, func() { h.decide(domain.TaskInitialReview, bdc, domain.DecisionPass) })
	h.at(2*hour, func() {
		h.must(appWFID, wf.UpdateUrge, wf.UrgeRequest{Actor: supervisor(),
			TaskID: h.task(domain.TaskDepartmentReview, health).ID, Message: "请按期办结"})
	})
	h.at(3*hour, func() { h.decide(domain.TaskUrgeReply, health, domain.DecisionReply, withComment("正在办理")) })
	var review activities.Task
	var urgeAt time.Time
	h.at(4*hour, func() {
		review = h.task(domain.TaskDepartmentReview, samr)
		urgeAt = cal.DueAt(review.DueAt, wf.DefaultDeadlines().AutoUrgeDays)
		if review.UrgeAt == nil || !review.UrgeAt.Equal(urgeAt) {
			t.Errorf("the review is urged at %v, want %s", review.UrgeAt, urgeAt)
		}
		// Checked after the urge time is known.
		h.at(urgeAt.Sub(h.env.Now())-hour, func() {
			if r := h.task(domain.TaskDepartmentReview, samr); r.OverdueAt == nil {
				t.Error("the review is not overdue before it is urged")
			}
			if r := h.task(domain.TaskDepartmentReview, samr); r.UrgedAt != nil {
				t.Errorf("urged before its time, at %s", r.UrgedAt)
			}
		})
		h.at(urgeAt.Sub(h.env.Now())+hour, func() {
			for _, o := range h.openTasks() {
				if o.Kind == domain.TaskUrgeReply {
					t.Errorf("the automatic urge asked a reply: %+v", o)
				}
			}
			if r := h.task(domain.TaskDepartmentReview, samr); r.UrgedAt == nil || !r.UrgedAt.Equal(urgeAt) {
				t.Errorf("the review's urge time: %v", r.UrgedAt)
			}
			h.must(appWFID, wf.UpdateWithdraw, wf.ActionRequest{Actor: actor(applicant), Reason: "等待过久，另行安排"})
		})
	})
	if st := h.finish(); st.Status != domain.StatusWithdrawn {
		t.Fatalf("after the applicant's withdrawal: %s", st.Status)
	}
	audit, _ := h.st.Audit(context.Background(), h.in.ApplicationID)
	urged := map[string]int{}
	for _, e := range audit {
		if e.Action == "task.urged" && e.Actor == domain.RoleSystem {
			urged[e.Target]++
			if !e.At.Equal(urgeAt) || !strings.Contains(e.Reason, "5 working days") {
				t.Errorf("automatic urge entry: %+v", e)
			}
		}
	}
	if len(urged) != 1 || urged[review.ID+" "+samr] != 1 {
		t.Errorf("automatic urges: %v; want one, on the late review only", urged)
	}
	rows, err := h.st.UrgesOf(context.Background(), review.ID)
	if err != nil || len(rows) != 1 || rows[0].Supervisor != store.AutomaticUrger || rows[0].Department != samr {
		t.Errorf("recorded urges of the review: %+v %v", rows, err)
	}
}

// A holiday table that arrives later moves the automatic urge of a task
// whose due date it leaves alone: the urge is counted again, and fires on
// the new date; no due date is recorded as moved.
func TestLateHolidayTableMovesTheAutomaticUrge(t *testing.T) {
	full, cal, t2027 := calendarWithout(t, 2027)
	start := cst(2026, 12, 1, 9, 0, 0)
	h := newHarnessWith(t, start, nil, cal)
	h.at(time.Minute, func() { h.decide(domain.TaskInitialReview, bdc, domain.DecisionPass) })
	var provisional, want time.Time
	h.at(time.Hour, func() {
		r := h.task(domain.TaskDepartmentReview, samr)
		provisional, want = cal.DueAt(r.DueAt, 5), full.DueAt(r.DueAt, 5)
		if r.DueAt.Year() != 2026 || provisional.Equal(want) || r.UrgeAt == nil || !r.UrgeAt.Equal(provisional) {
			t.Errorf("setup: due %s, urged at %v; provisional %s, with the table %s", r.DueAt, r.UrgeAt, provisional, want)
		}
		h.at(want.Add(hour).Sub(h.env.Now()), func() {
			if r := h.task(domain.TaskDepartmentReview, samr); r.UrgedAt == nil || !r.UrgedAt.Equal(want) {
				t.Errorf("urged at %v, want %s", r.UrgedAt, want)
			}
			h.env.CancelWorkflow()
		})
	})
	h.at(cst(2026, 12, 28, 10, 0, 0).Sub(start), func() {
		raw, _ := json.Marshal(t2027)
		if err := h.st.PutHolidayTable(context.Background(), store.HolidayTable{Year: 2027, Table: string(raw),
			UpdatedBy: "admin", UpdatedAt: h.env.Now()}); err != nil {
			t.Fatal(err)
		}
		h.env.SignalWorkflow(wf.SignalCalendarChanged, wf.CalendarChanged{Years: []int{2027}, Why: "holiday table 2027 uploaded"})
	})
	h.at(cst(2026, 12, 28, 11, 0, 0).Sub(start), func() {
		if r := h.task(domain.TaskDepartmentReview, samr); r.UrgeAt == nil || !r.UrgeAt.Equal(want) {
			t.Errorf("after the table: urged at %v, want %s", r.UrgeAt, want)
		}
	})
	h.run()
	audit, _ := h.st.Audit(context.Background(), h.in.ApplicationID)
	for _, e := range audit {
		if e.Action == "task.due_moved" {
			t.Errorf("a due date recorded as moved: %+v", e)
		}
	}
}

// The run's one timer (one per workflow, not per task) takes every step of
// every open task once and on its time: two department reviews left
// unanswered are each reminded, marked overdue, escalated and urged
// exactly once, at their own times; the first department's decision, on
// the eve of the reminders, closes its steps without taking the other's.
func TestClockTakesEachStepOnce(t *testing.T) {
	h := newHarness(t, monday)
	h.at(hour, func() { h.decide(domain.TaskInitialReview, bdc, domain.DecisionPass) })
	var reviews []activities.Task
	h.at(2*hour, func() {
		reviews = []activities.Task{h.task(domain.TaskDepartmentReview, health), h.task(domain.TaskDepartmentReview, samr)}
	})
	h.at(3*hour, func() {
		r := h.task(domain.TaskDepartmentReview, health)
		if r.RemindAt == nil || r.UrgeAt == nil {
			t.Fatalf("the review has no reminder or urge time: %+v", r)
		}
		h.at(r.RemindAt.Sub(h.env.Now())-hour, func() {
			h.decide(domain.TaskDepartmentReview, health, domain.DecisionApprove)
		})
		h.at(r.UrgeAt.Sub(h.env.Now())+2*day, func() { h.env.CancelWorkflow() })
	})
	h.run()
	if len(reviews) != 2 {
		t.Fatal("the reviews were not opened")
	}
	late := reviews[1]
	audit, _ := h.st.Audit(context.Background(), h.in.ApplicationID)
	want := map[string]time.Time{"task.reminded": *late.RemindAt, "task.overdue": late.DueAt,
		"task.escalated": late.DueAt, "task.urged": *late.UrgeAt}
	got := map[string]int{}
	for _, e := range audit {
		if e.Actor != domain.RoleSystem || want[e.Action].IsZero() {
			continue
		}
		if !strings.HasPrefix(e.Target, late.ID+" ") {
			t.Errorf("%s on another task than the late review: %+v", e.Action, e)
			continue
		}
		got[e.Action]++
		if !e.At.Equal(want[e.Action]) {
			t.Errorf("%s at %s, want %s", e.Action, e.At, want[e.Action])
		}
	}
	for action := range want {
		if got[action] != 1 {
			t.Errorf("%s %d times, want once", action, got[action])
		}
	}
}
