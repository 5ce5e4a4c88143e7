package workflows_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
	wf "github.com/datagate/datagate/workflows"
)

// The bureau suspends an active authorization with reason and basis: access
// is paused and no model can be submitted. The holder appeals within its
// period; the bureau lifts the measure on the appeal, within its own, and
// access is restored. A second measure, a restriction, is not appealed:
// its appeal period elapses and the measure stands, until the
// authorization is terminated and the measure ends with it.
func TestRestrictionAppealAndLift(t *testing.T) {
	h := newHarness(t, monday)
	last := h.toActive()
	cal, _ := calendar.Default()
	model := wf.ModelRequest{Actor: actor(applicant), Name: "风控模型", Description: "评分卡"}
	suspend := wf.RestrictRequest{Actor: actor(bureau), Measure: domain.MeasureSuspend, Reason: "超范围使用数据", Basis: "《管理办法》第三十条"}
	var restrictedAt time.Time
	next := h.steps(last+hour,
		func() {
			bad := suspend
			bad.Basis = ""
			h.refused(appWFID, wf.UpdateRestrict, bad, wf.ErrInvalid)
		},
		func() {
			bad := suspend
			bad.Actor = actor(applicant)
			h.refused(appWFID, wf.UpdateRestrict, bad, wf.ErrForbidden)
		},
		func() {
			bad := suspend
			bad.Measure = domain.MeasureRestrict // with no scope
			h.refused(appWFID, wf.UpdateRestrict, bad, wf.ErrInvalid)
		},
		func() {
			h.refused(appWFID, wf.UpdateLiftRestriction, wf.ActionRequest{Actor: actor(bureau), Reason: "x"}, wf.ErrConflict)
		},
		func() { restrictedAt = h.env.Now(); h.must(appWFID, wf.UpdateRestrict, suspend) },
		func() {
			h.refused(appWFID, wf.UpdateRestrict, suspend, wf.ErrConflict)
			appeal := h.task(domain.TaskAppeal, applicant)
			if want := cal.DueAt(restrictedAt, 15); !appeal.DueAt.Equal(want) {
				t.Errorf("the appeal period ends %s, want 15 working days on, %s", appeal.DueAt, want)
			}
		},
		func() { h.refused(appWFID, wf.UpdateSubmitModel, model, wf.ErrConflict) },
		func() {
			h.decide(domain.TaskAppeal, applicant, domain.DecisionAppeal, withReason("使用范围经书面同意", ""))
		},
		func() {
			if h.status().Status != domain.StatusActive {
				t.Errorf("a suspended authorization is %s, want active (access paused)", h.status().Status)
			}
		},
		func() { h.decide(domain.TaskAppealReview, bureau, domain.DecisionLift, withReason("申诉成立", "")) },
		func() { h.must(appWFID, wf.UpdateSubmitModel, model) },
		func() {
			h.must(appWFID, wf.UpdateRestrict, wf.RestrictRequest{Actor: actor(bureau), Measure: domain.MeasureRestrict,
				Scope: "停止 API 调用，仅保留沙箱访问", Reason: "调用频次异常", Basis: "《授权运营管理办法》九(三)"})
		},
	)
	// The second measure's appeal period elapses unused.
	lapsed := next + 22*24*hour
	h.at(lapsed, func() {
		for _, task := range h.status().Tasks {
			if task.Kind == domain.TaskAppeal {
				t.Errorf("the appeal period is still open after it elapsed: %+v", task)
			}
		}
		h.must(appWFID, wf.UpdateTerminate, wf.ActionRequest{Actor: actor(bureau), Reason: "拒不整改", Basis: "第六条"})
	})
	h.exit(lapsed + hour)
	h.finish()

	rs, err := h.st.Restrictions(context.Background(), h.in.ApplicationID)
	if err != nil || len(rs) != 2 {
		t.Fatalf("restrictions %+v %v", rs, err)
	}
	first, second := rs[1], rs[0]
	if first.Measure != domain.MeasureSuspend || first.State != domain.RestrictionLifted || first.Appeal != domain.AppealGranted ||
		first.AppealReason != "使用范围经书面同意" || first.Decision != "申诉成立" || first.EndedAt == nil {
		t.Errorf("the suspension %+v", first)
	}
	if second.Measure != domain.MeasureRestrict || second.State != domain.RestrictionEnded || second.Appeal != domain.AppealLapsed {
		t.Errorf("the restriction %+v", second)
	}
	audit, _ := h.st.Audit(context.Background(), h.in.ApplicationID)
	var actions []string
	for _, a := range audit {
		actions = append(actions, a.Action)
	}
	for _, want := range []string{"authorization.suspend", "access.suspended", "restriction.appealed", "authorization.measure_lifted",
		"access.restored", "authorization.restrict", "access.restricted", "authorization.terminated"} {
		if !slices.Contains(actions, want) {
			t.Errorf("audit lacks %s: %v", want, actions)
		}
	}
	rows := h.rows()
	var appeals []store.Task
	for _, r := range rows {
		if r.Kind == domain.TaskAppeal {
			appeals = append(appeals, r)
		}
	}
	if len(appeals) != 2 || appeals[0].Decision != domain.DecisionAppeal || appeals[1].Decision != domain.DecisionCancelled {
		t.Errorf("appeal tasks %+v", appeals)
	}
}

// The bureau upholds a measure on appeal only with reason and basis; the
// measure stands.
func TestAppealDismissedKeepsTheMeasure(t *testing.T) {
	h := newHarness(t, monday)
	last := h.toActive()
	h.steps(last+hour,
		func() {
			h.must(appWFID, wf.UpdateRestrict, wf.RestrictRequest{Actor: actor(bureau), Measure: domain.MeasureSuspend,
				Reason: "超范围使用数据", Basis: "第三十条"})
		},
		func() { h.decide(domain.TaskAppeal, applicant, domain.DecisionAppeal, withReason("不服", "")) },
		func() {
			task := h.task(domain.TaskAppealReview, bureau)
			h.refused(appWFID, wf.UpdateDecide, wf.DecideRequest{TaskID: task.ID, Actor: actor(bureau), Decision: domain.DecisionUphold,
				Reason: "证据确凿"}, wf.ErrInvalid)
		},
		func() {
			h.decide(domain.TaskAppealReview, bureau, domain.DecisionUphold, withReason("证据确凿", "第三十条"))
		},
		func() {
			h.refused(appWFID, wf.UpdateSubmitModel, wf.ModelRequest{Actor: actor(applicant), Name: "m", Description: "d"}, wf.ErrConflict)
			h.must(appWFID, wf.UpdateLiftRestriction, wf.ActionRequest{Actor: actor(bureau), Reason: "整改完成"})
		},
	)
	h.at(last+48*hour, func() {
		h.must(appWFID, wf.UpdateTerminate, wf.ActionRequest{Actor: actor(bureau), Reason: "结束", Basis: "第六条"})
	})
	h.exit(last + 49*hour)
	h.finish()
	rs, _ := h.st.Restrictions(context.Background(), h.in.ApplicationID)
	if len(rs) != 1 || rs[0].Appeal != domain.AppealUpheld || rs[0].State != domain.RestrictionLifted || rs[0].Decision != "整改完成" {
		t.Errorf("restriction %+v", rs)
	}
}
