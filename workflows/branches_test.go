package workflows_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/docgen"
	"github.com/datagate/datagate/docsign"
	"github.com/datagate/datagate/documents"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/files"
	"github.com/datagate/datagate/store"
	wf "github.com/datagate/datagate/workflows"
)

func TestRegulatorOpinionAskedAndGiven(t *testing.T) {
	h := newHarness(t, monday)
	h.at(hour, func() { h.decide(domain.TaskInitialReview, bdc, domain.DecisionPass) })
	ask := func(regulatorOrg string) wf.DecideRequest {
		task := h.task(domain.TaskDepartmentReview, health)
		return wf.DecideRequest{TaskID: task.ID, Actor: actor(health), Decision: domain.DecisionAskRegulator, Regulator: regulatorOrg, Comment: "是否涉及金融监管要求?"}
	}
	h.steps(2*hour,
		func() { h.refused(appWFID, wf.UpdateDecide, ask(""), wf.ErrInvalid) },
		func() { h.must(appWFID, wf.UpdateDecide, ask(regulator)) },
		func() { h.refused(appWFID, wf.UpdateDecide, ask(regulator), wf.ErrConflict) }, // already asked
	)
	h.steps(3*hour,
		func() {
			op := h.task(domain.TaskRegulatorOpinion, regulator)
			// Ten working days from Monday 2 March: Monday 16 March.
			if want := cst(2026, 3, 16, 23, 59, 59); !op.DueAt.Equal(want) || op.Subject != health {
				t.Errorf("opinion task due %s subject %s", op.DueAt, op.Subject)
			}
			h.task(domain.TaskDepartmentReview, health) // still open while the regulator answers
			h.refused(appWFID, wf.UpdateDecide, wf.DecideRequest{TaskID: op.ID, Actor: actor(regulator), Decision: domain.DecisionOpinion}, wf.ErrInvalid)
		},
		func() {
			h.decide(domain.TaskRegulatorOpinion, regulator, domain.DecisionOpinion, withComment("同意,需脱敏"))
		})
	h.at(4*hour, func() {
		h.decide(domain.TaskDepartmentReview, health, domain.DecisionApprove)
		h.decide(domain.TaskDepartmentReview, samr, domain.DecisionApprove)
	})
	h.at(5*hour, func() {
		if s := h.status(); s.Status != domain.StatusAgreements {
			t.Errorf("status %s", s.Status)
		}
		h.env.CancelWorkflow()
	})
	h.run()
	var opinion bool
	for _, r := range h.rows() {
		if r.Kind == domain.TaskRegulatorOpinion && r.Decision == domain.DecisionOpinion && r.Comment == "同意,需脱敏" {
			opinion = true
		}
	}
	if !opinion {
		t.Error("the regulator's opinion is not in the read model")
	}
}

func TestAgreementsInOrder(t *testing.T) {
	h := newHarness(t, monday)
	h.at(hour, func() { h.decide(domain.TaskInitialReview, bdc, domain.DecisionPass) })
	h.at(2*hour, func() {
		h.decide(domain.TaskDepartmentReview, health, domain.DecisionApprove)
		h.decide(domain.TaskDepartmentReview, samr, domain.DecisionApprove)
	})
	expect := func(what string, want map[string]int) func() {
		return func() {
			got := map[string]int{}
			for _, t := range h.status().Tasks {
				got[t.Kind]++
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: open tasks %v, want %v", what, got, want)
			}
		}
	}
	sign := func(kind, org, decision string) func() { return func() { h.decide(kind, org, decision) } }
	h.steps(3*hour,
		expect("agreement stage", map[string]int{domain.TaskSignAuthorization: 2, domain.TaskSignCommitment: 1}),
		sign(domain.TaskSignAuthorization, bureau, domain.DecisionSign),
		expect("bureau signed", map[string]int{domain.TaskSignAuthorization: 1, domain.TaskSignCommitment: 1}),
		sign(domain.TaskSignAuthorization, operator, domain.DecisionSign),
		expect("authorization signed", map[string]int{domain.TaskSignService: 2, domain.TaskSignCommitment: 1}),
		sign(domain.TaskSignService, operator, domain.DecisionSign),
		sign(domain.TaskSignService, applicant, domain.DecisionSign),
		expect("service signed", map[string]int{domain.TaskFileService: 1, domain.TaskSignCommitment: 1}),
		sign(domain.TaskFileService, bureau, domain.DecisionFile),
		func() {
			if s := h.status(); s.Status != domain.StatusAgreements {
				t.Errorf("active before the utilization commitment was signed: %s", s.Status)
			}
		},
		sign(domain.TaskSignCommitment, applicant, domain.DecisionSign),
		func() {
			if s := h.status(); s.Status != domain.StatusActive {
				t.Errorf("status %s after every signature, want active", s.Status)
			}
			h.env.CancelWorkflow()
		})
	h.run()
	ags, _ := h.st.Agreements(context.Background(), h.in.ApplicationID)
	for _, ag := range ags {
		if ag.Status != "completed" || ag.CompletedAt == nil {
			t.Errorf("agreement %s in the read model: %+v", ag.Kind, ag)
		}
	}
}

func TestModelChangesRequestedResubmittedApprovedAndRejected(t *testing.T) {
	h := newHarness(t, monday)
	last := h.toActive()
	model := wf.ModelWorkflowID(appWFID, 1)
	review := func(org, decision string, mod ...func(*wf.DecideRequest)) func() {
		return func() { h.decide(domain.TaskModelReview, org, decision, mod...) }
	}
	refuse := func(org, as, decision, errType string) func() {
		return func() {
			task := h.task(domain.TaskModelReview, org)
			h.refused(model, wf.UpdateDecide, wf.DecideRequest{TaskID: task.ID, Actor: actor(as), Decision: decision}, errType)
		}
	}
	var round2Opened time.Time
	h.steps(last+hour,
		func() {
			h.refused(appWFID, wf.UpdateSubmitModel, wf.ModelRequest{Actor: actor(applicant), Name: "m1"}, wf.ErrInvalid)
		},
		func() {
			h.must(appWFID, wf.UpdateSubmitModel, wf.ModelRequest{Actor: actor(applicant), Name: "m1", Description: "评分卡"})
		},
		refuse(health, health, domain.DecisionRequestChanges, wf.ErrInvalid), // no reason
		refuse(health, samr, domain.DecisionApprove, wf.ErrForbidden),        // another department's task
		refuse(health, health, domain.DecisionReject, wf.ErrInvalid),         // no reason nor basis
		review(bureau, domain.DecisionApprove),
		review(health, domain.DecisionRequestChanges, withReason("输出含个人标识", "")),
		review(samr, domain.DecisionApprove),
		func() {
			round2Opened = h.env.Now()
			h.decide(domain.TaskModelRevision, applicant, domain.DecisionResubmit, func(r *wf.DecideRequest) {
				r.Edits = map[string]string{"description": "评分卡,输出已去标识"}
			})
		},
		func() {
			task := h.task(domain.TaskModelReview, health)
			if task.Round != 2 || !task.OpenedAt.Equal(round2Opened) {
				t.Errorf("round-2 review %+v, want round 2 opened at %s (clock restarted)", task, round2Opened)
			}
		},
		review(bureau, domain.DecisionApprove),
		review(health, domain.DecisionApprove),
		review(samr, domain.DecisionApprove),
		func() {
			h.must(appWFID, wf.UpdateSubmitModel, wf.ModelRequest{Actor: actor(applicant), Name: "m2", Description: "画像"})
		},
		// The bureau's rejection decides at once: the departments'
		// reviews of m2 are cancelled, not waited for.
		review(bureau, domain.DecisionReject, withReason("超出授权范围", "《办法》第二十条")),
		func() {
			for _, task := range h.openTasks() {
				if task.Kind == domain.TaskModelReview {
					t.Errorf("model review %s of %s still open after the bureau's rejection", task.ID, task.Department)
				}
			}
		},
		func() {
			s := h.status()
			if len(s.Models) != 2 || s.Models[0].Status != domain.ModelApproved || s.Models[1].Status != domain.ModelRejected {
				t.Errorf("models in the application: %+v", s.Models)
			}
			h.env.CancelWorkflow()
		})
	h.run()
	models, _ := h.st.Models(context.Background(), h.in.ApplicationID)
	if len(models) != 2 || models[0].Status != domain.ModelApproved || models[0].Round != 2 ||
		models[0].Description != "评分卡,输出已去标识" || !models[0].SubmittedAt.Equal(monday.Add(last+hour+time.Minute)) || models[1].Status != domain.ModelRejected || models[1].DecidedAt == nil {
		t.Errorf("models in the read model: %+v", models)
	}
	cancelled := 0
	for _, r := range h.rows() {
		if r.WorkflowID == wf.ModelWorkflowID(appWFID, 2) && r.Kind == domain.TaskModelReview && r.Department != bureau {
			if r.Status != domain.TaskCancelled || !strings.Contains(r.Reason, "rejected by "+bureau) {
				t.Errorf("m2's review by %s: %s/%s %q", r.Department, r.Status, r.Decision, r.Reason)
			}
			cancelled++
		}
	}
	if cancelled != 2 {
		t.Errorf("%d of m2's department reviews cancelled, want 2", cancelled)
	}
}

func TestEvaluationRectificationThenQualified(t *testing.T) {
	h := newHarness(t, monday)
	h.in.Deadlines.EvaluationIntervalMonths = 6
	last := h.toActive()
	half := 185 * 24 * hour
	h.at(half, func() {
		h.decide(domain.TaskSelfEvaluation, applicant, domain.DecisionSubmit, withComment("自评"))
	})
	h.steps(half+hour,
		func() {
			task := h.task(domain.TaskRateEvaluation, bureau)
			h.refused(appWFID, wf.UpdateDecide, wf.DecideRequest{TaskID: task.ID, Actor: actor(bureau), Decision: domain.DecisionRectify}, wf.ErrInvalid)
		},
		func() {
			h.decide(domain.TaskRateEvaluation, bureau, domain.DecisionRectify, withReason("日志留存不足", ""))
		})
	h.at(half+2*hour, func() {
		s := h.status()
		if s.Evaluation == nil || s.Evaluation.Status != domain.EvalRectification || len(s.Tasks) != 1 ||
			s.Tasks[0].Kind != domain.TaskRectificationReport || !s.Tasks[0].DueAt.Equal(*s.Evaluation.RectifyUntil) {
			t.Errorf("during rectification: %+v, tasks %v, want the applicant's report due at its end", s.Evaluation, s.Tasks)
		}
	})
	// Thirty days later, with no report, the re-evaluation opens.
	h.at(half+31*24*hour, func() {
		task := h.task(domain.TaskSelfEvaluation, applicant)
		if task.Round != 2 {
			t.Errorf("re-evaluation round %d", task.Round)
		}
		h.decide(domain.TaskSelfEvaluation, applicant, domain.DecisionSubmit, withComment("已整改"))
	})
	h.steps(half+31*24*hour+hour,
		func() { h.decide(domain.TaskRateEvaluation, bureau, domain.DecisionQualified) },
		func() {
			if s := h.status(); s.Evaluation != nil || s.Status != domain.StatusActive || s.EvaluationCount != 1 {
				t.Errorf("after qualified: %s %+v", s.Status, s.Evaluation)
			}
			h.env.CancelWorkflow()
		})
	_ = last
	h.run()
	evals, _ := h.st.Evaluations(context.Background(), h.in.ApplicationID)
	if len(evals) != 1 || evals[0].Status != domain.EvalQualified || evals[0].Round != 2 || evals[0].SelfReport != "已整改" {
		t.Errorf("evaluations in the read model: %+v", evals)
	}
}

func TestUnqualifiedTerminatesThenExit(t *testing.T) {
	h := newHarness(t, monday)
	h.toActive()
	h.steps(6*hour,
		func() {
			h.refused(appWFID, wf.UpdateRequestEvaluation, wf.ActionRequest{Actor: actor(applicant)}, wf.ErrForbidden)
		},
		func() {
			h.must(appWFID, wf.UpdateRequestEvaluation, wf.ActionRequest{Actor: actor(bureau), Reason: "投诉"})
			h.must(appWFID, wf.UpdateSubmitModel, wf.ModelRequest{Actor: actor(applicant), Name: "m", Description: "d"})
		},
		func() {
			h.refused(appWFID, wf.UpdateRequestEvaluation, wf.ActionRequest{Actor: actor(bureau)}, wf.ErrConflict)
		})
	h.at(7*hour, func() { h.decide(domain.TaskSelfEvaluation, applicant, domain.DecisionSubmit, withComment("自评")) })
	h.steps(8*hour,
		func() {
			task := h.task(domain.TaskRateEvaluation, bureau)
			h.refused(appWFID, wf.UpdateDecide, wf.DecideRequest{TaskID: task.ID, Actor: actor(bureau), Decision: domain.DecisionUnqualified, Reason: "违规"}, wf.ErrInvalid)
		},
		func() {
			h.decide(domain.TaskRateEvaluation, bureau, domain.DecisionUnqualified, withReason("违规向第三方提供数据", "《办法》第六条(二)2"))
		})
	h.at(9*hour, func() {
		s := h.status()
		if s.Status != domain.StatusExiting || s.EndReason != domain.EndTerminated || s.Models[0].Status != domain.ModelCancelled {
			t.Errorf("after unqualified: %s/%s models %+v", s.Status, s.EndReason, s.Models)
		}
		exit := h.task(domain.TaskExitConfirmation, applicant)
		// 30 calendar days from Monday 2 March: 1 April, end of day.
		if want := cst(2026, 4, 1, 23, 59, 59); !exit.DueAt.Equal(want) {
			t.Errorf("exit confirmation due %s, want %s", exit.DueAt, want)
		}
		h.decide(domain.TaskExitConfirmation, applicant, domain.DecisionConfirm, withComment("已销毁"))
	})
	h.at(10*hour, func() {
		h.decide(domain.TaskExitVerification, bureau, domain.DecisionReturn, withReason("缺少销毁证明", ""))
	})
	h.exit(11 * hour)
	if st := h.finish(); st.Status != domain.StatusClosed || st.EndReason != domain.EndTerminated {
		t.Fatalf("final %s/%s", st.Status, st.EndReason)
	}
	models, _ := h.st.Models(context.Background(), h.in.ApplicationID)
	if len(models) != 1 || models[0].Status != domain.ModelCancelled {
		t.Errorf("model after termination: %+v", models)
	}
	for _, r := range h.rows() {
		if r.Status == domain.TaskOpen {
			t.Errorf("task %s %s left open after the application closed", r.ID, r.Kind)
		}
	}
}

func TestVoluntaryExitAfterNotice(t *testing.T) {
	h := newHarness(t, monday)
	h.toActive()
	h.steps(6*hour,
		func() {
			h.must(appWFID, wf.UpdateGiveExitNotice, wf.ActionRequest{Actor: actor(applicant), Reason: "业务调整"})
		},
		func() {
			h.refused(appWFID, wf.UpdateGiveExitNotice, wf.ActionRequest{Actor: actor(applicant)}, wf.ErrConflict)
		})
	h.at(80*24*hour, func() {
		if s := h.status(); s.Status != domain.StatusActive {
			t.Errorf("ended before the three months' notice ran out: %s", s.Status)
		}
	})
	h.at(95*24*hour, func() {
		if s := h.status(); s.Status != domain.StatusExiting || s.EndReason != domain.EndExit {
			t.Errorf("three months after notice: %s/%s", s.Status, s.EndReason)
		}
	})
	h.exit(96 * 24 * hour)
	if st := h.finish(); st.EndReason != domain.EndExit {
		t.Fatalf("end reason %s", st.EndReason)
	}
}

// A task opened on Friday 26 September 2025, before the National Day
// holiday (1–8 October, with Sunday 28 September and Saturday 11 October
// worked), is reminded 3 working days before it falls due and marked
// overdue at the end of its due day, never during the holiday.
func TestReminderAndOverdueSkipHolidayWeek(t *testing.T) {
	h := newHarness(t, cst(2025, 9, 26, 10, 0, 0))
	var reminded, overdue time.Time
	h.at(60*24*hour, func() {
		task := h.task(domain.TaskInitialReview, bdc)
		if task.RemindedAt == nil || task.OverdueAt == nil {
			t.Fatalf("not reminded or not overdue: %+v", task)
		}
		reminded, overdue = *task.RemindedAt, *task.OverdueAt
		h.decide(domain.TaskInitialReview, bdc, domain.DecisionReject, withReason("r", "b"))
	})
	h.finish()
	// 5 working days: 28, 29, 30 Sep, 9, 10 Oct → due Friday 10 October.
	if want := cst(2025, 9, 29, 9, 0, 0); !reminded.Equal(want) {
		t.Errorf("reminded at %s, want %s", reminded.In(want.Location()), want)
	}
	if want := cst(2025, 10, 10, 23, 59, 59); !overdue.Equal(want) {
		t.Errorf("overdue at %s, want %s", overdue.In(want.Location()), want)
	}
	row := h.rows()[0]
	if row.OverdueAt == nil || !row.OverdueAt.Equal(overdue) || row.Decision != domain.DecisionReject {
		t.Errorf("read model row: %+v", row)
	}
}

func TestRefusalsLeaveStateUnchanged(t *testing.T) {
	h := newHarness(t, monday)
	req := func(org, decision string) func() wf.DecideRequest {
		return func() wf.DecideRequest {
			task := h.task(domain.TaskInitialReview, bdc)
			return wf.DecideRequest{TaskID: task.ID, Actor: actor(org), Decision: decision}
		}
	}
	refuse := func(name string, arg func() wf.DecideRequest, errType string) func() {
		return func() { h.refused(appWFID, name, arg(), errType) }
	}
	h.steps(hour,
		refuse(wf.UpdateDecide, req(health, domain.DecisionPass), wf.ErrForbidden), // wrong department
		refuse(wf.UpdateDecide, req(bdc, domain.DecisionApprove), wf.ErrInvalid),   // not a decision of this step
		refuse(wf.UpdateDecide, req(bdc, domain.DecisionReject), wf.ErrInvalid),    // no reason, no basis
		refuse(wf.UpdateDecide, func() wf.DecideRequest {
			return wf.DecideRequest{TaskID: "application-1-t99", Actor: actor(bdc), Decision: domain.DecisionPass}
		}, wf.ErrConflict),
		refuse(wf.UpdateDecide, func() wf.DecideRequest {
			r := req(bdc, domain.DecisionPass)()
			r.Actor.User = ""
			return r
		}, wf.ErrInvalid),
		func() {
			h.refused(appWFID, wf.UpdateSubmitModel, wf.ModelRequest{Actor: actor(applicant), Name: "m", Description: "d"}, wf.ErrConflict)
		},
		func() {
			h.refused(appWFID, wf.UpdateTerminate, wf.ActionRequest{Actor: actor(bureau), Reason: "x", Basis: "y"}, wf.ErrConflict)
		},
		func() {
			h.refused(appWFID, wf.UpdateGiveExitNotice, wf.ActionRequest{Actor: actor(applicant)}, wf.ErrConflict)
		},
	)
	var first wf.DecideRequest
	h.steps(2*hour,
		func() {
			first = req(bdc, domain.DecisionPass)()
			h.must(appWFID, wf.UpdateDecide, first)
		},
		// The same task decided again: already decided.
		func() { h.refused(appWFID, wf.UpdateDecide, first, wf.ErrConflict) },
		func() {
			task := h.task(domain.TaskDepartmentReview, health)
			h.refused(appWFID, wf.UpdateDecide, wf.DecideRequest{TaskID: task.ID, Actor: actor(health), Decision: domain.DecisionDecide,
				Items: []wf.DatasetItem{{Dataset: "DS-H1", Decision: domain.DecisionApprove}, {Dataset: "DS-H2", Decision: domain.DecisionReject, Reason: "r"}}}, wf.ErrInvalid)
		},
		func() { h.env.CancelWorkflow() })
	h.run()
	rows := h.rows()
	if len(rows) != 3 || rows[0].Decision != domain.DecisionPass {
		t.Errorf("read model after refusals: %+v", rows)
	}
}

// An unqualified rating ends the authorization in the same transition: the
// rating task's row keeps its decision (it used to be cancelled a second
// time by the end of the authorization), and the audit records one
// decision for it.
func TestUnqualifiedRatingStandsOnTheRecord(t *testing.T) {
	h := newHarness(t, monday)
	h.toActive()
	h.at(6*hour, func() {
		h.must(appWFID, wf.UpdateRequestEvaluation, wf.ActionRequest{Actor: actor(bureau), Reason: "投诉"})
	})
	h.at(7*hour, func() { h.decide(domain.TaskSelfEvaluation, applicant, domain.DecisionSubmit, withComment("自评")) })
	var rating string
	h.at(8*hour, func() {
		rating = h.task(domain.TaskRateEvaluation, bureau).ID
		h.decide(domain.TaskRateEvaluation, bureau, domain.DecisionUnqualified, withReason("违规", "第六条"))
	})
	h.at(9*hour, func() { h.env.CancelWorkflow() })
	h.run()
	for _, r := range h.rows() {
		if r.ID == rating && (r.Status != domain.TaskDone || r.Decision != domain.DecisionUnqualified) {
			t.Errorf("the rating's row: %s/%s, want done/unqualified", r.Status, r.Decision)
		}
	}
	audit, err := h.st.Audit(context.Background(), h.in.ApplicationID)
	if err != nil {
		t.Fatal(err)
	}
	var entries []string
	for _, a := range audit {
		if strings.HasPrefix(a.Target, rating+" ") {
			entries = append(entries, a.Action+" "+a.Target)
		}
	}
	if len(entries) != 1 || entries[0] != "task.decided "+rating+" rate_evaluation unqualified" {
		t.Errorf("audit of the rating task: %q", entries)
	}
}

// One evaluation at a time, and the next periodic one counts from the last
// rating: an on-demand evaluation rated in September 2026 moves the
// periodic one from March 2027 (a year after activation) to September
// 2027.
func TestOnDemandEvaluationMovesThePeriodicOne(t *testing.T) {
	h := newHarness(t, monday)
	h.toActive()
	demand := 190 * 24 * hour // 8 September 2026
	h.at(demand, func() {
		h.must(appWFID, wf.UpdateRequestEvaluation, wf.ActionRequest{Actor: actor(bureau), Reason: "抽查"})
	})
	h.at(demand+hour, func() { h.decide(domain.TaskSelfEvaluation, applicant, domain.DecisionSubmit, withComment("自评")) })
	var rated time.Time
	h.at(demand+2*hour, func() {
		rated = h.env.Now()
		h.decide(domain.TaskRateEvaluation, bureau, domain.DecisionQualified)
	})
	h.at(demand+3*hour, func() {
		if s := h.status(); !s.NextEvaluationAt.Equal(rated.UTC().AddDate(1, 0, 0)) {
			t.Errorf("next evaluation %s, want a year after the rating (%s)", s.NextEvaluationAt, rated.AddDate(1, 0, 0))
		}
	})
	// 20 March 2027, past a year after activation: no second evaluation.
	h.at(383*24*hour, func() {
		if s := h.status(); s.EvaluationCount != 1 || s.Evaluation != nil {
			t.Errorf("a year after activation: %d evaluations, in progress %+v", s.EvaluationCount, s.Evaluation)
		}
	})
	// A year and a day after the rating: the periodic one has started.
	h.at(demand+366*24*hour, func() {
		if s := h.status(); s.EvaluationCount != 2 || s.Evaluation == nil {
			t.Errorf("a year after the rating: %d evaluations, in progress %+v", s.EvaluationCount, s.Evaluation)
		}
		h.env.CancelWorkflow()
	})
	h.run()
}

// The data's return and destruction is due 30 days from the end of the
// authorization (003 六(六)2), however often the bureau sends the
// confirmation back: a return on day 12 does not restart the 30 days.
func TestExitClockRunsFromTheEnd(t *testing.T) {
	h := newHarness(t, monday)
	h.toActive()
	h.at(6*hour, func() {
		h.must(appWFID, wf.UpdateTerminate, wf.ActionRequest{Actor: actor(bureau), Reason: "违规", Basis: "第六条"})
	})
	var first time.Time
	h.at(5*24*hour, func() {
		task := h.task(domain.TaskExitConfirmation, applicant)
		first = task.DueAt
		if want := cst(2026, 4, 1, 23, 59, 59); !first.Equal(want) {
			t.Errorf("exit confirmation due %s, want %s", first.In(want.Location()), want)
		}
		h.decide(domain.TaskExitConfirmation, applicant, domain.DecisionConfirm, withComment("已销毁"))
	})
	h.at(12*24*hour, func() {
		h.decide(domain.TaskExitVerification, bureau, domain.DecisionReturn, withReason("缺少销毁证明", ""))
	})
	h.at(12*24*hour+hour, func() {
		task := h.task(domain.TaskExitConfirmation, applicant)
		if task.Round != 2 || !task.DueAt.Equal(first) {
			t.Errorf("the returned confirmation: round %d due %s, want round 2 due %s", task.Round, task.DueAt, first)
		}
	})
	h.at(20*24*hour, func() {
		h.decide(domain.TaskExitConfirmation, applicant, domain.DecisionConfirm, withComment("补交销毁证明"))
	})
	h.at(20*24*hour+hour, func() { h.decide(domain.TaskExitVerification, bureau, domain.DecisionVerify) })
	if st := h.finish(); st.Status != domain.StatusClosed {
		t.Fatalf("final %s", st.Status)
	}
	audit, _ := h.st.Audit(context.Background(), h.in.ApplicationID)
	if last := audit[len(audit)-1]; last.Action != "exit.verified" {
		t.Errorf("the case closed with %s, want exit.verified", last.Action)
	}
}

// The text of each agreement is recorded when its signing opens: the
// template version and the SM3 digest of the PDF the record renders, the
// document every party then signs.
func TestAgreementTextsRecordedWhenSigningOpens(t *testing.T) {
	h := newHarness(t, monday)
	ctx := context.Background()
	for _, o := range []store.Org{{Code: bureau, Name: "市政务服务数据管理局", Kind: store.KindBureau},
		{Code: operator, Name: "市数据运营公司", Kind: store.KindOperator}} {
		if err := h.st.CreateOrg(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	recorded := func() map[string]store.AgreementDocument {
		docs, err := h.st.AgreementDocuments(ctx, h.in.ApplicationID)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]store.AgreementDocument{}
		for _, d := range docs {
			out[d.Kind] = d
		}
		return out
	}
	check := func(when string, kinds ...string) {
		got := recorded()
		if len(got) != len(kinds) {
			t.Errorf("%s: recorded %v, want %v", when, got, kinds)
		}
		for _, k := range kinds {
			in, err := documents.Agreement(ctx, h.st, h.in.ApplicationID, k)
			if err != nil {
				t.Fatal(err)
			}
			doc, err := docgen.Render(in)
			if err != nil {
				t.Fatal(err)
			}
			if d := got[k]; d.SM3 != doc.SM3 || d.TemplateVersion != doc.TemplateVersion || d.Size != int64(len(doc.PDF)) {
				t.Errorf("%s: %s recorded %+v, the record renders %s %s", when, k, d, doc.TemplateVersion, doc.SM3)
			}
		}
	}
	h.at(hour, func() { h.decide(domain.TaskInitialReview, bdc, domain.DecisionPass) })
	h.at(2*hour, func() {
		check("under review")
		h.decide(domain.TaskDepartmentReview, health, domain.DecisionApprove)
		h.decide(domain.TaskDepartmentReview, samr, domain.DecisionApprove)
	})
	h.steps(3*hour,
		func() { check("the agreements open", domain.AgreementAuthorization, domain.AgreementCommitment) },
		func() { h.decide(domain.TaskSignAuthorization, bureau, domain.DecisionSign) },
		func() { h.decide(domain.TaskSignAuthorization, operator, domain.DecisionSign) },
		func() {
			check("the service agreement opens", domain.AgreementAuthorization, domain.AgreementCommitment, domain.AgreementService)
			h.env.CancelWorkflow()
		})
	h.run()
}

// Every party's signing decision signs the agreement's recorded document
// with the party's SM2 key: a detached CMS that verifies offline against
// the platform CA, names the party, and fails once a byte of the document
// changes.
func TestAgreementsSignedWithSM2(t *testing.T) {
	h := newHarness(t, monday)
	ctx := context.Background()
	for _, o := range []store.Org{{Code: bureau, Name: "市政务服务数据管理局", Kind: store.KindBureau},
		{Code: operator, Name: "市数据运营公司", Kind: store.KindOperator},
		{Code: applicant, Name: "某某数据科技有限公司", Kind: store.KindApplicant, CreditCode: "91440300MA5G0C1X3H"}} {
		if err := h.st.CreateOrg(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	master, err := docsign.NewMasterKey(bytes.Repeat([]byte{7}, docsign.MasterKeySize))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := docsign.OpenAuthority(ctx, documents.KeyStore{Store: h.st}, master, docsign.Options{})
	if err != nil {
		t.Fatal(err)
	}
	fs := files.NewDir(t.TempDir())
	h.acts.Files, h.acts.Signer = fs, signer

	h.at(hour, func() { h.decide(domain.TaskInitialReview, bdc, domain.DecisionPass) })
	h.at(2*hour, func() {
		h.decide(domain.TaskDepartmentReview, health, domain.DecisionApprove)
		h.decide(domain.TaskDepartmentReview, samr, domain.DecisionApprove)
	})
	h.steps(3*hour,
		func() { h.decide(domain.TaskSignAuthorization, bureau, domain.DecisionSign) },
		func() { h.decide(domain.TaskSignAuthorization, operator, domain.DecisionSign) },
		func() { h.decide(domain.TaskSignCommitment, applicant, domain.DecisionSign) },
		func() { h.env.CancelWorkflow() })
	h.run()

	sigs, err := h.st.AgreementSignatures(ctx, h.in.ApplicationID)
	if err != nil {
		t.Fatal(err)
	}
	docs, err := h.st.AgreementDocuments(ctx, h.in.ApplicationID)
	if err != nil {
		t.Fatal(err)
	}
	latest := documents.Latest(docs)
	want := map[string]bool{"authorization/" + bureau: true, "authorization/" + operator: true, "commitment/" + applicant: true}
	if len(sigs) != len(want) {
		t.Fatalf("signatures %+v, want %v", sigs, want)
	}
	caPEM, err := documents.CACertificatePEM(ctx, h.st)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := docsign.ParseCertificate(caPEM)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sigs {
		if !want[s.Kind+"/"+s.Org] || s.DocumentSM3 != latest[s.Kind].SM3 {
			t.Errorf("signature %s by %s on %s; the %s document is %s", s.Kind, s.Org, s.DocumentSM3, s.Kind, latest[s.Kind].SM3)
			continue
		}
		r, err := fs.Open(ctx, s.DocumentSM3)
		if err != nil {
			t.Fatal(err)
		}
		pdf, _ := io.ReadAll(r)
		r.Close()
		signed, err := docsign.Verify(pdf, s.CMS, ca)
		if err != nil || signed.OrgCode != s.Org || signed.Fingerprint != s.CertSM3 {
			t.Errorf("%s by %s: %+v %v", s.Kind, s.Org, signed, err)
		}
		pdf[len(pdf)/2] ^= 1
		if _, err := docsign.Verify(pdf, s.CMS, ca); !errors.Is(err, docsign.ErrDocumentChanged) {
			t.Errorf("%s by %s verifies a changed document: %v", s.Kind, s.Org, err)
		}
	}
}
