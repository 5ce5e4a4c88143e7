package workflows_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/datagate/datagate/domain"
	wf "github.com/datagate/datagate/workflows"
)

const hour = time.Hour

// Monday 2 March 2026, 09:00 CST: no holiday near.
var monday = cst(2026, 3, 2, 9, 0, 0)

// toActive drives an application from submission to an active
// authorization, one step an hour, and returns the offset of the last step.
func (h *harness) toActive() time.Duration {
	h.at(1*hour, func() { h.decide(domain.TaskInitialReview, bdc, domain.DecisionPass) })
	h.at(2*hour, func() {
		h.decide(domain.TaskDepartmentReview, health, domain.DecisionApprove)
		h.decide(domain.TaskDepartmentReview, samr, domain.DecisionApprove)
	})
	h.signAll(3 * hour)
	return 5 * hour
}

// signAll signs every agreement, starting at offset.
func (h *harness) signAll(offset time.Duration) {
	h.at(offset, func() {
		h.decide(domain.TaskSignAuthorization, bureau, domain.DecisionSign)
		h.decide(domain.TaskSignAuthorization, operator, domain.DecisionSign)
		h.decide(domain.TaskSignCommitment, applicant, domain.DecisionSign)
	})
	h.at(offset+hour, func() {
		h.decide(domain.TaskSignService, operator, domain.DecisionSign)
		h.decide(domain.TaskSignService, applicant, domain.DecisionSign)
	})
	h.at(offset+2*hour, func() { h.decide(domain.TaskFileService, bureau, domain.DecisionFile) })
}

// exit confirms and verifies the exit at offset.
func (h *harness) exit(offset time.Duration) {
	h.at(offset, func() {
		h.decide(domain.TaskExitConfirmation, applicant, domain.DecisionConfirm, withComment("数据已返还并销毁"))
	})
	h.at(offset+hour, func() { h.decide(domain.TaskExitVerification, bureau, domain.DecisionVerify) })
}

func TestHappyPathFullLifecycle(t *testing.T) {
	h := newHarness(t, monday)
	last := h.toActive()
	h.at(last+hour, func() {
		if s := h.status(); s.Status != domain.StatusActive {
			t.Errorf("after filing: status %s, want active", s.Status)
		}
		h.must(appWFID, wf.UpdateSubmitModel, wf.ModelRequest{Actor: actor(applicant), Name: "风控模型", Description: "评分卡"})
	})
	h.at(last+2*hour, func() {
		h.decide(domain.TaskModelReview, bureau, domain.DecisionApprove)
		h.decide(domain.TaskModelReview, health, domain.DecisionApprove)
		h.decide(domain.TaskModelReview, samr, domain.DecisionApprove)
	})
	year := 365 * 24 * hour
	h.at(year+2*24*hour, func() {
		if s := h.status(); s.Evaluation == nil || s.Models[0].Status != domain.ModelApproved {
			t.Errorf("a year on: evaluation %+v, models %+v", s.Evaluation, s.Models)
		}
		h.decide(domain.TaskSelfEvaluation, applicant, domain.DecisionSubmit, withComment("合规使用"))
	})
	h.at(year+3*24*hour, func() { h.decide(domain.TaskRateEvaluation, bureau, domain.DecisionQualified) })
	// The final evaluation opens 45 days before the end; then the period
	// expires.
	h.at(2*year-40*24*hour, func() {
		h.decide(domain.TaskSelfEvaluation, applicant, domain.DecisionSubmit, withComment("第二年合规使用"))
	})
	h.at(2*year-39*24*hour, func() { h.decide(domain.TaskRateEvaluation, bureau, domain.DecisionQualified) })
	h.at(2*year+2*24*hour, func() {
		s := h.status()
		if s.Status != domain.StatusExiting || s.EndReason != domain.EndExpired {
			t.Errorf("after 24 months: %s/%s, want exiting/expired", s.Status, s.EndReason)
		}
	})
	h.exit(2*year + 3*24*hour)
	final := h.finish()

	if final.Status != domain.StatusClosed || final.EndReason != domain.EndExpired {
		t.Fatalf("final %s/%s, want closed/expired", final.Status, final.EndReason)
	}
	a := h.app()
	if a.Status != domain.StatusClosed || a.ActiveFrom == nil || a.ActiveUntil == nil || a.ClosedAt == nil {
		t.Errorf("read model application: %+v", a)
	}
	if got := a.ActiveUntil.Sub(*a.ActiveFrom); got < 730*24*hour || got > 731*24*hour {
		t.Errorf("active period %v, want 24 months", got)
	}
	for _, r := range h.rows() {
		if r.Status == domain.TaskOpen {
			t.Errorf("task %s %s still open in the read model", r.ID, r.Kind)
		}
	}
	ctx := context.Background()
	models, _ := h.st.Models(ctx, h.in.ApplicationID)
	if len(models) != 1 || models[0].Status != domain.ModelApproved {
		t.Errorf("models: %+v", models)
	}
	evals, _ := h.st.Evaluations(ctx, h.in.ApplicationID)
	if len(evals) != 2 || evals[0].Status != domain.EvalQualified || evals[1].Status != domain.EvalQualified {
		t.Errorf("evaluations: %+v", evals)
	}
	ags, _ := h.st.Agreements(ctx, h.in.ApplicationID)
	if len(ags) != 4 {
		t.Errorf("agreements: %+v", ags)
	}
	for _, ag := range ags {
		if ag.Status != "completed" || len(ag.Signatures) != len(ag.Parties) {
			t.Errorf("agreement %s: %+v", ag.Kind, ag)
		}
	}
	audit, _ := h.st.Audit(ctx, h.in.ApplicationID)
	seqs := map[string][]int64{}
	for _, e := range audit {
		seqs[e.WorkflowID] = append(seqs[e.WorkflowID], e.Seq)
	}
	for id, ss := range seqs {
		for i, s := range ss {
			if s != int64(i+1) {
				t.Fatalf("audit of %s: sequence %v has a gap or a duplicate", id, ss)
			}
		}
	}
	if len(seqs[appWFID]) < 20 {
		t.Errorf("application audit has %d entries; every step should be recorded", len(seqs[appWFID]))
	}
}

func TestRejectAtInitialReview(t *testing.T) {
	h := newHarness(t, monday)
	reject := func(reason, basis string) func() {
		return func() {
			task := h.task(domain.TaskInitialReview, bdc)
			h.refused(appWFID, wf.UpdateDecide, wf.DecideRequest{TaskID: task.ID, Actor: actor(bdc), Decision: domain.DecisionReject, Reason: reason, Basis: basis}, wf.ErrInvalid)
		}
	}
	h.steps(hour, reject("不符合", ""), reject("", "第十六条"), reject("  ", "  "))
	h.at(2*hour, func() {
		h.decide(domain.TaskInitialReview, bdc, domain.DecisionReject, withReason("场景与数据不匹配", "《办法》第十六条"))
	})
	if st := h.finish(); st.Status != domain.StatusRejected {
		t.Fatalf("status %s, want rejected", st.Status)
	}
	rows := h.rows()
	if len(rows) != 1 || rows[0].Decision != domain.DecisionReject || rows[0].Basis != "《办法》第十六条" {
		t.Fatalf("task rows: %+v", rows)
	}
}

func TestReturnForSupplementRestartsClock(t *testing.T) {
	h := newHarness(t, monday)
	h.at(hour, func() {
		h.decide(domain.TaskInitialReview, bdc, domain.DecisionReturn, withReason("缺少安全措施说明", ""))
	})
	// Resubmitted 9 days later: the new initial review's 5 working days run from then.
	h.at(9*24*hour, func() {
		task := h.task(domain.TaskSupplement, applicant)
		h.must(appWFID, wf.UpdateDecide, wf.DecideRequest{TaskID: task.ID, Actor: actor(applicant), Decision: domain.DecisionResubmit,
			Edits: map[string]string{"security_controls": "沙箱隔离"}})
	})
	h.at(9*24*hour+hour, func() {
		task := h.task(domain.TaskInitialReview, bdc)
		// Opened Wed 11 March 09:00 → 5 working days → Wed 18 March end of day.
		if want := cst(2026, 3, 18, 23, 59, 59); !task.DueAt.Equal(want) || task.Round != 2 {
			t.Errorf("round %d due %s, want round 2 due %s", task.Round, task.DueAt.In(want.Location()), want)
		}
		if !task.OpenedAt.Equal(monday.Add(9 * 24 * hour)) {
			t.Errorf("round-2 review opened %s, want at the resubmission", task.OpenedAt)
		}
		h.must(appWFID, wf.UpdateWithdraw, wf.ActionRequest{Actor: actor(applicant), Reason: "changed plans"})
	})
	if st := h.finish(); st.Status != domain.StatusWithdrawn {
		t.Fatalf("status %s", st.Status)
	}
	if a := h.app(); a.SecurityControls != "沙箱隔离" {
		t.Errorf("supplemented field not written: %q", a.SecurityControls)
	}
	first := h.rows()[0]
	if want := cst(2026, 3, 9, 23, 59, 59); !first.DueAt.Equal(want) {
		t.Errorf("first review due %s, want %s", first.DueAt, want)
	}
}

func TestWithdrawAfterPushNeedsAReason(t *testing.T) {
	h := newHarness(t, monday)
	h.steps(hour,
		func() { h.refused(appWFID, wf.UpdateWithdraw, wf.ActionRequest{Actor: actor(samr)}, wf.ErrForbidden) },
		func() { h.decide(domain.TaskInitialReview, bdc, domain.DecisionPass) },
		func() {
			h.refused(appWFID, wf.UpdateWithdraw, wf.ActionRequest{Actor: actor(applicant)}, wf.ErrInvalid)
		})
	h.at(2*hour, func() {
		h.decide(domain.TaskDepartmentReview, health, domain.DecisionReject, withReason("涉及个人隐私", "《个人信息保护法》第十三条"))
		h.decide(domain.TaskDepartmentReview, samr, domain.DecisionReject, withReason("数据不全", "目录第3条"))
	})
	if st := h.finish(); st.Status != domain.StatusRejected {
		t.Fatalf("all departments rejected: status %s, want rejected", st.Status)
	}
	for _, d := range h.app().Datasets {
		if d.Decision != domain.DecisionReject || d.Basis == "" {
			t.Errorf("dataset %s: %+v", d.DatasetCode, d)
		}
	}
}

func TestOneDepartmentRejectsOtherApproves(t *testing.T) {
	h := newHarness(t, monday)
	h.at(hour, func() { h.decide(domain.TaskInitialReview, bdc, domain.DecisionPass) })
	h.steps(2*hour,
		func() {
			h.decide(domain.TaskDepartmentReview, health, domain.DecisionReject, withReason("敏感", "第九条"))
		},
		func() {
			if s := h.status(); s.Status != domain.StatusDepartmentReview {
				t.Errorf("after one of two departments: %s", s.Status)
			}
			task := h.task(domain.TaskDepartmentReview, samr)
			// Per-dataset items must cover exactly the department's datasets.
			h.refused(appWFID, wf.UpdateDecide, wf.DecideRequest{TaskID: task.ID, Actor: actor(samr), Decision: domain.DecisionDecide,
				Items: []wf.DatasetItem{{Dataset: "DS-H1", Decision: domain.DecisionApprove}}}, wf.ErrInvalid)
		},
		func() {
			task := h.task(domain.TaskDepartmentReview, samr)
			h.must(appWFID, wf.UpdateDecide, wf.DecideRequest{TaskID: task.ID, Actor: actor(samr), Decision: domain.DecisionDecide,
				Items: []wf.DatasetItem{{Dataset: "DS-S1", Decision: domain.DecisionApprove}}})
		})
	h.at(3*hour-time.Minute, func() {
		if s := h.status(); s.Status != domain.StatusAgreements {
			t.Errorf("status %s, want agreements", s.Status)
		}
		h.refused(appWFID, wf.UpdateWithdraw, wf.ActionRequest{Actor: actor(applicant)}, wf.ErrInvalid)
	})
	h.signAll(4 * hour)
	h.steps(7*hour,
		func() {
			h.refused(appWFID, wf.UpdateTerminate, wf.ActionRequest{Actor: actor(bureau), Reason: "违规"}, wf.ErrInvalid)
		},
		func() {
			if s := h.status(); s.Status != domain.StatusActive {
				t.Errorf("status %s, want active", s.Status)
			}
			h.must(appWFID, wf.UpdateTerminate, wf.ActionRequest{Actor: actor(bureau), Reason: "违规", Basis: "第六条"})
		})
	h.exit(8 * hour)
	if st := h.finish(); st.Status != domain.StatusClosed || st.EndReason != domain.EndTerminated {
		t.Fatalf("final %s/%s, want closed/terminated", st.Status, st.EndReason)
	}
	var got []string
	for _, d := range h.app().Datasets {
		got = append(got, d.DatasetCode+":"+d.Decision)
	}
	if want := "[DS-H1:reject DS-H2:reject DS-S1:approve]"; fmt.Sprint(got) != want {
		t.Errorf("dataset decisions %v, want %s", got, want)
	}
}
