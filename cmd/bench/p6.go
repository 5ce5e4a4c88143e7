package main

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/datagate/datagate/api"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/workflows"
)

// p6 counts history events per lifecycle: P1's path, and the longest path
// the bench can drive in real time, in which every task goes overdue
// before anyone acts on it, except the applicant's steps that would lapse
// (deemed withdrawn) at their due time, decided as soon as they open.
func (b *bench) p6(ctx context.Context) error {
	s, err := b.stack(ctx)
	if err != nil {
		return err
	}
	if err := b.calibrate(ctx, s); err != nil {
		return err
	}
	std := *b.lifecycle
	if err := anchorLifecycle(ctx, s.client, "anchor-p6", std, false); err != nil {
		return fmt.Errorf("anchor: %w", err)
	}
	anchor, err := historyShape(ctx, s.client, "anchor-p6")
	if err != nil {
		return err
	}
	b.rep.add(row{P: "P6", What: "history events per lifecycle, P1's path (largest run: " + strconv.Itoa(maxRun(std)) + ")",
		Value: float64(std.Events), Unit: "events", Anchor: float64(anchor.Events), AnchorWhat: "bare workflow, same Updates and local activities",
		Target: "≤ 2,000 per run", Met: met(maxRun(std) <= 2000)})

	status(b.cfg.Progress, "P6 longest path: every task but the applicant's lapsing steps reminded and overdue (%s, then %s) before its decision", b.cfg.P6Warp, 2*b.cfg.P6Warp)
	lp := &longPath{s: s}
	long, err := lp.run(ctx, b.cfg.P6Warp)
	if err != nil {
		return fmt.Errorf("longest path: %w", err)
	}
	b.rep.add(row{P: "P6", What: "history events per lifecycle, longest path (largest run: " + strconv.Itoa(maxRun(long)) + ")",
		Value: float64(long.Events), Unit: "events", Anchor: nanAnchor, Target: "≤ 2,000 per run", Met: met(maxRun(long) <= 2000)})
	b.rep.note("P6: P1's path: %s. Longest path: %s, by run: %s; %d tasks, each reminded and marked overdue before its decision except the applicant's supplement, signatures and first exit confirmation, which would lapse: "+
		"initial review returned for supplement and resubmitted, one department asks a regulator and then decides per dataset, six agreement steps, "+
		"a model sent back for changes and resubmitted, an evaluation, termination, exit verification returned once.",
		std, long, runs(long), lp.tasks)
	return nil
}

func maxRun(l lifecycleShape) int {
	m := 0
	for _, n := range l.PerRun {
		m = max(m, n)
	}
	return m
}

func runs(l lifecycleShape) string {
	var ids []string
	for id := range l.PerRun {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	var out []string
	for _, id := range ids {
		out = append(out, fmt.Sprintf("%s %d", id, l.PerRun[id]))
	}
	return strings.Join(out, ", ")
}

// longPath drives one application through the longest path.
type longPath struct {
	s     *stack
	app   uint64
	tasks int
}

// userOf is the demo user acting for an org.
func (s *stack) userOf(org string) string {
	for _, prefix := range []string{"reviewer-", "regulator-"} {
		if _, ok := s.api.tokens[prefix+org]; ok {
			return prefix + org
		}
	}
	return s.users[org]
}

func (lp *longPath) run(ctx context.Context, remind time.Duration) (lifecycleShape, error) {
	s := lp.s
	var err error
	if lp.app, err = s.api.create(ctx, "P6 longest path", false); err != nil {
		return lifecycleShape{}, err
	}
	wf := workflows.ApplicationWorkflowID(lp.app)
	s.warp.setApp(wf, warpRule{Remind: remind})
	app := "/api/v1/applications/" + strconv.FormatUint(lp.app, 10)
	post := func(user, path string, body any) error {
		return s.api.call(ctx, user, http.MethodPost, app+path, body, nil)
	}
	orgs, err := api.FixedOrgs(ctx, s.store)
	if err != nil {
		return lifecycleShape{}, err
	}
	applicant := s.applicantOrg
	gsa, commerce, regulator := "gsa", "commerce", "nfra"
	steps := []func() error{
		func() error { return post("applicant", "/submit", nil) },
		lp.act(ctx, domain.TaskInitialReview, orgs.BigDataCenter, map[string]any{"decision": "return", "reason": "材料不全"}),
		lp.inTime(ctx, domain.TaskSupplement, applicant, map[string]any{"decision": "resubmit", "edits": map[string]string{"purpose": "授信评估(补正)"}}),
		lp.act(ctx, domain.TaskInitialReview, orgs.BigDataCenter, map[string]any{"decision": "pass"}),
		lp.act(ctx, domain.TaskDepartmentReview, gsa, map[string]any{"decision": "ask_regulator", "regulator": regulator, "comment": "请出具行业意见"}),
		lp.act(ctx, domain.TaskRegulatorOpinion, regulator, map[string]any{"decision": "opinion", "comment": "同意"}),
		lp.act(ctx, domain.TaskDepartmentReview, gsa, map[string]any{"decision": "decide", "items": []map[string]string{{"dataset": "DS-0100", "decision": "approve"}}}),
		lp.act(ctx, domain.TaskDepartmentReview, commerce, map[string]any{"decision": "approve"}),
		lp.act(ctx, domain.TaskSignAuthorization, orgs.Bureau, map[string]any{"decision": "sign"}),
		lp.act(ctx, domain.TaskSignAuthorization, orgs.Operator, map[string]any{"decision": "sign"}),
		lp.inTime(ctx, domain.TaskSignCommitment, applicant, map[string]any{"decision": "sign"}),
		lp.act(ctx, domain.TaskSignService, orgs.Operator, map[string]any{"decision": "sign"}),
		lp.inTime(ctx, domain.TaskSignService, applicant, map[string]any{"decision": "sign"}),
		lp.act(ctx, domain.TaskFileService, orgs.Bureau, map[string]any{"decision": "file"}),
		func() error {
			return post("applicant", "/models", map[string]any{"name": "风控评分模型", "description": "仅输出评分,不含个人标识"})
		},
		lp.act(ctx, domain.TaskModelReview, orgs.Bureau, map[string]any{"decision": "request_changes", "reason": "补充脱敏说明"}),
		lp.act(ctx, domain.TaskModelReview, gsa, map[string]any{"decision": "approve"}),
		lp.act(ctx, domain.TaskModelReview, commerce, map[string]any{"decision": "approve"}),
		lp.act(ctx, domain.TaskModelRevision, applicant, map[string]any{"decision": "resubmit", "comment": "已补充"}),
		lp.act(ctx, domain.TaskModelReview, orgs.Bureau, map[string]any{"decision": "approve"}),
		lp.act(ctx, domain.TaskModelReview, gsa, map[string]any{"decision": "approve"}),
		lp.act(ctx, domain.TaskModelReview, commerce, map[string]any{"decision": "approve"}),
		func() error { return post("bureau_officer", "/evaluations", map[string]any{"reason": "年度抽查"}) },
		lp.act(ctx, domain.TaskSelfEvaluation, applicant, map[string]any{"decision": "submit", "comment": "按约定范围使用"}),
		lp.act(ctx, domain.TaskRateEvaluation, orgs.Bureau, map[string]any{"decision": "qualified"}),
		func() error {
			return post("bureau_officer", "/terminate", map[string]any{"reason": "向第三方提供数据", "basis": "授权协议第六条"})
		},
		lp.inTime(ctx, domain.TaskExitConfirmation, applicant, map[string]any{"decision": "confirm", "comment": "数据已返还"}),
		lp.act(ctx, domain.TaskExitVerification, orgs.Bureau, map[string]any{"decision": "return", "reason": "衍生模型未销毁"}),
		lp.act(ctx, domain.TaskExitConfirmation, applicant, map[string]any{"decision": "confirm", "comment": "衍生模型已销毁"}),
		lp.act(ctx, domain.TaskExitVerification, orgs.Bureau, map[string]any{"decision": "verify"}),
	}
	bar := newProgress(s.cfg.Progress, "P6 longest path", len(steps))
	for i, step := range steps {
		if err := step(); err != nil {
			bar.finish()
			return lifecycleShape{}, fmt.Errorf("step %d: %w", i+1, err)
		}
		bar.add(1)
	}
	bar.finish()
	if err := s.client.GetWorkflow(ctx, wf, "").Get(ctx, nil); err != nil {
		return lifecycleShape{}, err
	}
	return historyShape(ctx, s.client, wf, workflows.ModelWorkflowID(wf, 1))
}

// act waits for the open task of kind for org, and for its overdue mark,
// then sends the decision as the org's demo user.
func (lp *longPath) act(ctx context.Context, kind, org string, body map[string]any) func() error {
	return lp.decideWhen(ctx, kind, org, body, true)
}

// inTime is act for a step of the applicant that would lapse at its due
// time (a supplement, a signature, the first exit confirmation): it is
// decided as soon as it is open.
func (lp *longPath) inTime(ctx context.Context, kind, org string, body map[string]any) func() error {
	return lp.decideWhen(ctx, kind, org, body, false)
}

func (lp *longPath) decideWhen(ctx context.Context, kind, org string, body map[string]any, overdue bool) func() error {
	return func() error {
		deadline := time.Now().Add(time.Minute)
		for {
			t, ok, err := lp.open(ctx, kind, org)
			if err != nil {
				return err
			}
			if ok && (!overdue || !lp.s.warp.overdueAt(t.ID).IsZero()) {
				lp.tasks++
				return lp.s.api.decide(ctx, lp.s.userOf(org), t.ID, body)
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("no overdue %s task for %s within a minute (found: %v)", kind, org, ok)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
}

func (lp *longPath) open(ctx context.Context, kind, org string) (store.Task, bool, error) {
	tasks, err := lp.s.store.TasksOf(ctx, lp.app)
	if err != nil {
		return store.Task{}, false, err
	}
	for i := len(tasks) - 1; i >= 0; i-- {
		t := tasks[i]
		if t.Status == domain.TaskOpen && t.Kind == kind && t.Department == org {
			return t, true, nil
		}
	}
	return store.Task{}, false, nil
}
