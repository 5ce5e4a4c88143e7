package workflows_test

import (
	"context"
	"testing"

	"github.com/datagate/datagate/domain"
)

const day = 24 * hour

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
