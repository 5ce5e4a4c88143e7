package workflows_test

import (
	"context"
	"testing"
	"time"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
	wf "github.com/datagate/datagate/workflows"
)

func supervisor() wf.Actor { return wf.Actor{User: "supervisor", Role: "supervisor", Org: "inspect"} }

// An urge opens a reply task for the department with its own deadline;
// left unanswered, it becomes overdue like any task; the reply closes it.
func TestUrgeUnansweredBecomesOverdue(t *testing.T) {
	h := newHarness(t, monday)
	h.at(hour, func() { h.decide(domain.TaskInitialReview, bdc, domain.DecisionPass) })
	urge := func(a wf.Actor, msg string) wf.UrgeRequest {
		return wf.UrgeRequest{Actor: a, TaskID: h.task(domain.TaskDepartmentReview, samr).ID, UrgeID: 1, Message: msg}
	}
	h.steps(2*hour,
		func() { h.refused(appWFID, wf.UpdateUrge, urge(actor(bureau), "请办结"), wf.ErrForbidden) },
		func() { h.refused(appWFID, wf.UpdateUrge, urge(supervisor(), " "), wf.ErrInvalid) },
		func() { h.must(appWFID, wf.UpdateUrge, urge(supervisor(), "已近期限,请本周办结")) },
		func() { h.refused(appWFID, wf.UpdateUrge, urge(supervisor(), "再次督办"), wf.ErrConflict) },
		func() {
			reply := h.task(domain.TaskUrgeReply, samr)
			// Urged on Monday 2 March: 3 working days → Thursday 5 March.
			if want := cst(2026, 3, 5, 23, 59, 59); !reply.DueAt.Equal(want) || reply.Subject != h.task(domain.TaskDepartmentReview, samr).ID {
				t.Errorf("reply task due %s subject %s", reply.DueAt, reply.Subject)
			}
		})
	h.at(8*24*hour, func() {
		reply := h.task(domain.TaskUrgeReply, samr)
		if reply.OverdueAt == nil || !reply.OverdueAt.Equal(cst(2026, 3, 5, 23, 59, 59)) {
			t.Errorf("unanswered urge not overdue at its due time: %+v", reply.OverdueAt)
		}
		h.refused(appWFID, wf.UpdateDecide, wf.DecideRequest{TaskID: reply.ID, Actor: actor(samr), Decision: domain.DecisionReply}, wf.ErrInvalid)
	})
	h.steps(8*24*hour+hour,
		func() {
			h.decide(domain.TaskUrgeReply, samr, domain.DecisionReply, withComment("已安排专人,周五前办结"))
		},
		func() {
			for _, task := range h.status().Tasks {
				if task.Kind == domain.TaskUrgeReply {
					t.Errorf("reply task still open: %+v", task)
				}
			}
			h.env.CancelWorkflow()
		})
	h.run()
	audit, _ := h.st.Audit(context.Background(), h.in.ApplicationID)
	var replied bool
	for _, a := range audit {
		if a.Action == "urge.replied" && a.Reason == "已安排专人,周五前办结" && a.Actor == "u-samr" {
			replied = true
		}
	}
	if !replied {
		t.Error("the reply is not in the audit")
	}
}

// A rejection flagged as groundless: the department reopens its review,
// whose clock restarts, and the application goes on.
func TestGroundlessFlagReopensReview(t *testing.T) {
	h := newHarness(t, monday)
	h.at(hour, func() { h.decide(domain.TaskInitialReview, bdc, domain.DecisionPass) })
	var healthReview string
	h.steps(2*hour,
		func() {
			healthReview = h.task(domain.TaskDepartmentReview, health).ID
			h.decide(domain.TaskDepartmentReview, health, domain.DecisionReject, withReason("不宜开放", "无"))
			h.decide(domain.TaskDepartmentReview, samr, domain.DecisionReject, withReason("数据不全", "目录第3条"))
		},
		func() {
			if s := h.status(); s.Status != domain.StatusRejected || len(s.Rejections) != 2 {
				t.Errorf("after both reject: %s, rejections %+v", s.Status, s.Rejections)
			}
		})
	flag := func(a wf.Actor, task, reason string) wf.FlagRequest {
		return wf.FlagRequest{Actor: a, TaskID: task, FlagID: 1, Reason: reason}
	}
	reopenAt := 20 * 24 * hour
	h.steps(10*24*hour,
		func() {
			h.refused(appWFID, wf.UpdateFlagGroundless, flag(actor(bureau), healthReview, "x"), wf.ErrForbidden)
		},
		func() {
			h.refused(appWFID, wf.UpdateFlagGroundless, flag(supervisor(), "application-1-t1", "x"), wf.ErrConflict)
		},
		func() {
			h.must(appWFID, wf.UpdateFlagGroundless, flag(supervisor(), healthReview, "所引依据不适用"))
		},
		func() {
			h.refused(appWFID, wf.UpdateFlagGroundless, flag(supervisor(), healthReview, "again"), wf.ErrConflict)
		},
		func() {
			answer := h.task(domain.TaskFlagAnswer, health)
			h.refused(appWFID, wf.UpdateDecide, wf.DecideRequest{TaskID: answer.ID, Actor: actor(health), Decision: domain.DecisionUphold, Reason: "维持"}, wf.ErrInvalid)
		})
	h.at(reopenAt, func() {
		h.decide(domain.TaskFlagAnswer, health, domain.DecisionReopen, withReason("重新审核", ""))
	})
	h.steps(reopenAt+hour,
		func() {
			s := h.status()
			review := h.task(domain.TaskDepartmentReview, health)
			if s.Status != domain.StatusDepartmentReview || review.Round != 2 || !review.OpenedAt.Equal(monday.Add(reopenAt)) {
				t.Errorf("after reopening: %s, review %+v (clock must restart at the reopening)", s.Status, review)
			}
			// 20 working days from Sunday 22 March, past the Qingming
			// holiday (4–6 April): Monday 20 April.
			if want := cst(2026, 4, 20, 23, 59, 59); !review.DueAt.Equal(want) {
				t.Errorf("reopened review due %s, want %s", review.DueAt, want)
			}
		},
		func() { h.decide(domain.TaskDepartmentReview, health, domain.DecisionApprove) },
		func() {
			if s := h.status(); s.Status != domain.StatusAgreements {
				t.Errorf("after the reopened review approved: %s", s.Status)
			}
			h.env.CancelWorkflow()
		})
	h.run()
	var rows []store.Task
	for _, r := range h.rows() {
		if r.Kind == domain.TaskDepartmentReview && r.Department == health {
			rows = append(rows, r)
		}
	}
	if len(rows) != 2 || rows[0].Decision != domain.DecisionReject || rows[1].Decision != domain.DecisionApprove {
		t.Errorf("health's reviews in the read model: %+v", rows)
	}
}

// An upheld rejection, or one nobody flags, closes when the supervision
// window ends.
func TestRejectionClosesAfterSupervisionWindow(t *testing.T) {
	h := newHarness(t, monday)
	var rejectedAt time.Time
	h.at(hour, func() {
		rejectedAt = h.env.Now()
		h.decide(domain.TaskInitialReview, bdc, domain.DecisionReject, withReason("场景不明确", "《办法》第十六条"))
	})
	h.at(10*24*hour, func() {
		h.must(appWFID, wf.UpdateFlagGroundless, wf.FlagRequest{Actor: supervisor(), TaskID: "application-1-t1", FlagID: 1, Reason: "依据不充分"})
	})
	h.at(11*24*hour, func() {
		h.decide(domain.TaskFlagAnswer, bdc, domain.DecisionUphold, withReason("申请材料缺少场景说明", "《办法》第十六条第二款"))
	})
	st := h.finish()
	if st.Status != domain.StatusRejected {
		t.Fatalf("status %s", st.Status)
	}
	if end := h.env.Now(); end.Before(rejectedAt.AddDate(0, 0, 60)) {
		t.Errorf("closed at %s, before the 60-day window after %s", end, rejectedAt)
	}
}
