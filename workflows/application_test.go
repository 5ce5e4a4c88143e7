package workflows_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/datagate/datagate/store"
	wf "github.com/datagate/datagate/workflows"
)

const hour = time.Hour

// Monday 2 March 2026, 09:00 CST: no holiday near.
var monday = cst(2026, 3, 2, 9, 0, 0)

// toActive drives an application from submission to an active
// authorization, one step an hour, and returns the offset of the last step.
func (h *harness) toActive() time.Duration {
	h.at(1*hour, func() { h.decide(wf.TaskInitialReview, bdc, wf.DecisionPass) })
	h.at(2*hour, func() {
		h.decide(wf.TaskDepartmentReview, health, wf.DecisionApprove)
		h.decide(wf.TaskDepartmentReview, samr, wf.DecisionApprove)
	})
	h.signAll(3 * hour)
	return 5 * hour
}

// check runs f in a step of its own, for assertions on state.
func (h *harness) check(offset time.Duration, f func(wf.Status)) {
	h.at(offset, func() { f(h.status()) })
}

// signAll signs every agreement, starting at offset.
func (h *harness) signAll(offset time.Duration) {
	h.at(offset, func() {
		h.decide(wf.TaskSignAuthorization, bureau, wf.DecisionSign)
		h.decide(wf.TaskSignAuthorization, operator, wf.DecisionSign)
		h.decide(wf.TaskSignCommitment, applicant, wf.DecisionSign)
	})
	h.at(offset+hour, func() {
		h.decide(wf.TaskSignService, operator, wf.DecisionSign)
		h.decide(wf.TaskSignService, applicant, wf.DecisionSign)
	})
	h.at(offset+2*hour, func() { h.decide(wf.TaskFileService, bureau, wf.DecisionFile) })
}

// exit confirms and verifies the exit at offset.
func (h *harness) exit(offset time.Duration) {
	h.at(offset, func() {
		h.decide(wf.TaskExitConfirmation, applicant, wf.DecisionConfirm, withComment("数据已返还并销毁"))
	})
	h.at(offset+hour, func() { h.decide(wf.TaskExitVerification, bureau, wf.DecisionVerify) })
}

func TestHappyPathFullLifecycle(t *testing.T) {
	h := newHarness(t, monday)
	last := h.toActive()
	h.at(last+hour, func() {
		if s := h.status(); s.Status != wf.StatusActive {
			t.Errorf("after filing: status %s, want active", s.Status)
		}
		h.must(appWFID, wf.UpdateSubmitModel, wf.ModelRequest{Actor: actor(applicant), Name: "风控模型", Description: "评分卡"})
	})
	h.at(last+2*hour, func() {
		h.decide(wf.TaskModelReview, bureau, wf.DecisionApprove)
		h.decide(wf.TaskModelReview, health, wf.DecisionApprove)
		h.decide(wf.TaskModelReview, samr, wf.DecisionApprove)
	})
	year := 365 * 24 * hour
	h.at(year+2*24*hour, func() {
		if s := h.status(); s.Evaluation == nil || s.Models[0].Status != wf.ModelApproved {
			t.Errorf("a year on: evaluation %+v, models %+v", s.Evaluation, s.Models)
		}
		h.decide(wf.TaskSelfEvaluation, applicant, wf.DecisionSubmit, withComment("合规使用"))
	})
	h.at(year+3*24*hour, func() { h.decide(wf.TaskRateEvaluation, bureau, wf.DecisionQualified) })
	// Year two's evaluation is also due, then the period expires.
	h.at(2*year+2*24*hour, func() {
		s := h.status()
		if s.Status != wf.StatusExiting || s.EndReason != wf.EndExpired {
			t.Errorf("after 24 months: %s/%s, want exiting/expired", s.Status, s.EndReason)
		}
	})
	h.exit(2*year + 3*24*hour)
	final := h.finish()

	if final.Status != wf.StatusClosed || final.EndReason != wf.EndExpired {
		t.Fatalf("final %s/%s, want closed/expired", final.Status, final.EndReason)
	}
	a := h.app()
	if a.Status != wf.StatusClosed || a.ActiveFrom == nil || a.ActiveUntil == nil || a.ClosedAt == nil {
		t.Errorf("read model application: %+v", a)
	}
	if got := a.ActiveUntil.Sub(*a.ActiveFrom); got < 730*24*hour || got > 731*24*hour {
		t.Errorf("active period %v, want 24 months", got)
	}
	for _, r := range h.rows() {
		if r.Status == store.TaskOpen {
			t.Errorf("task %s %s still open in the read model", r.ID, r.Kind)
		}
	}
	ctx := context.Background()
	models, _ := h.st.Models(ctx, h.in.ApplicationID)
	if len(models) != 1 || models[0].Status != wf.ModelApproved {
		t.Errorf("models: %+v", models)
	}
	evals, _ := h.st.Evaluations(ctx, h.in.ApplicationID)
	if len(evals) < 1 || evals[0].Status != wf.EvalQualified {
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
			task := h.task(wf.TaskInitialReview, bdc)
			h.refused(appWFID, wf.UpdateDecide, wf.DecideRequest{TaskID: task.ID, Actor: actor(bdc), Decision: wf.DecisionReject, Reason: reason, Basis: basis}, wf.ErrInvalid)
		}
	}
	h.steps(hour, reject("不符合", ""), reject("", "第十六条"), reject("  ", "  "))
	h.at(2*hour, func() {
		h.decide(wf.TaskInitialReview, bdc, wf.DecisionReject, withReason("场景与数据不匹配", "《办法》第十六条"))
	})
	if st := h.finish(); st.Status != wf.StatusRejected {
		t.Fatalf("status %s, want rejected", st.Status)
	}
	rows := h.rows()
	if len(rows) != 1 || rows[0].Decision != wf.DecisionReject || rows[0].Basis != "《办法》第十六条" {
		t.Fatalf("task rows: %+v", rows)
	}
}

func TestReturnForSupplementRestartsClock(t *testing.T) {
	h := newHarness(t, monday)
	h.at(hour, func() {
		h.decide(wf.TaskInitialReview, bdc, wf.DecisionReturn, withReason("缺少安全措施说明", ""))
	})
	// Resubmitted 9 days later: the new initial review's 5 working days run from then.
	h.at(9*24*hour, func() {
		task := h.task(wf.TaskSupplement, applicant)
		h.must(appWFID, wf.UpdateDecide, wf.DecideRequest{TaskID: task.ID, Actor: actor(applicant), Decision: wf.DecisionResubmit,
			Edits: map[string]string{"security_controls": "沙箱隔离"}})
	})
	h.at(9*24*hour+hour, func() {
		task := h.task(wf.TaskInitialReview, bdc)
		// Opened Wed 11 March 09:00 → 5 working days → Wed 18 March end of day.
		if want := cst(2026, 3, 18, 23, 59, 59); !task.DueAt.Equal(want) || task.Round != 2 {
			t.Errorf("round %d due %s, want round 2 due %s", task.Round, task.DueAt.In(want.Location()), want)
		}
		if !task.OpenedAt.Equal(monday.Add(9 * 24 * hour)) {
			t.Errorf("round-2 review opened %s, want at the resubmission", task.OpenedAt)
		}
		h.must(appWFID, wf.UpdateWithdraw, wf.ActionRequest{Actor: actor(applicant), Reason: "changed plans"})
	})
	if st := h.finish(); st.Status != wf.StatusWithdrawn {
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

func TestWithdrawOnlyUntilInitialDecision(t *testing.T) {
	h := newHarness(t, monday)
	h.steps(hour,
		func() { h.refused(appWFID, wf.UpdateWithdraw, wf.ActionRequest{Actor: actor(samr)}, wf.ErrForbidden) },
		func() { h.decide(wf.TaskInitialReview, bdc, wf.DecisionPass) },
		func() {
			h.refused(appWFID, wf.UpdateWithdraw, wf.ActionRequest{Actor: actor(applicant)}, wf.ErrConflict)
		})
	h.at(2*hour, func() {
		h.decide(wf.TaskDepartmentReview, health, wf.DecisionReject, withReason("涉及个人隐私", "《个人信息保护法》第十三条"))
		h.decide(wf.TaskDepartmentReview, samr, wf.DecisionReject, withReason("数据不全", "目录第3条"))
	})
	if st := h.finish(); st.Status != wf.StatusRejected {
		t.Fatalf("all departments rejected: status %s, want rejected", st.Status)
	}
	for _, d := range h.app().Datasets {
		if d.Decision != wf.DecisionReject || d.Basis == "" {
			t.Errorf("dataset %s: %+v", d.DatasetCode, d)
		}
	}
}

func TestOneDepartmentRejectsOtherApproves(t *testing.T) {
	h := newHarness(t, monday)
	h.at(hour, func() { h.decide(wf.TaskInitialReview, bdc, wf.DecisionPass) })
	h.steps(2*hour,
		func() {
			h.decide(wf.TaskDepartmentReview, health, wf.DecisionReject, withReason("敏感", "第九条"))
		},
		func() {
			if s := h.status(); s.Status != wf.StatusDepartmentReview {
				t.Errorf("after one of two departments: %s", s.Status)
			}
			task := h.task(wf.TaskDepartmentReview, samr)
			// Per-dataset items must cover exactly the department's datasets.
			h.refused(appWFID, wf.UpdateDecide, wf.DecideRequest{TaskID: task.ID, Actor: actor(samr), Decision: wf.DecisionDecide,
				Items: []wf.DatasetItem{{Dataset: "DS-H1", Decision: wf.DecisionApprove}}}, wf.ErrInvalid)
		},
		func() {
			task := h.task(wf.TaskDepartmentReview, samr)
			h.must(appWFID, wf.UpdateDecide, wf.DecideRequest{TaskID: task.ID, Actor: actor(samr), Decision: wf.DecisionDecide,
				Items: []wf.DatasetItem{{Dataset: "DS-S1", Decision: wf.DecisionApprove}}})
		})
	h.at(3*hour-time.Minute, func() {
		if s := h.status(); s.Status != wf.StatusAgreements {
			t.Errorf("status %s, want agreements", s.Status)
		}
		h.refused(appWFID, wf.UpdateWithdraw, wf.ActionRequest{Actor: actor(applicant)}, wf.ErrConflict)
	})
	h.signAll(4 * hour)
	h.steps(7*hour,
		func() {
			h.refused(appWFID, wf.UpdateTerminate, wf.ActionRequest{Actor: actor(bureau), Reason: "违规"}, wf.ErrInvalid)
		},
		func() {
			if s := h.status(); s.Status != wf.StatusActive {
				t.Errorf("status %s, want active", s.Status)
			}
			h.must(appWFID, wf.UpdateTerminate, wf.ActionRequest{Actor: actor(bureau), Reason: "违规", Basis: "第六条"})
		})
	h.exit(8 * hour)
	if st := h.finish(); st.Status != wf.StatusClosed || st.EndReason != wf.EndTerminated {
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
