package main

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/datagate/datagate/workflows"
)

// lifecycleShape is what one lifecycle did to Temporal, read from its
// histories.
type lifecycleShape struct {
	Requests   int // HTTP requests the client sent (404 retries excluded)
	Workflows  int
	Updates    int // Updates accepted
	Activities int // activities scheduled (DataGate's write steps)
	Markers    int // marker events: local activities, GetVersion markers
	Timers     int // timers started
	Events     int // history events, all workflows
	PerRun     map[string]int
}

func (l lifecycleShape) String() string {
	return fmt.Sprintf("%d HTTP requests, %d workflows, %d Updates, %d activities, %d markers, %d timers, %d history events",
		l.Requests, l.Workflows, l.Updates, l.Activities, l.Markers, l.Timers, l.Events)
}

// standardLifecycle takes one application through the README's
// walkthrough over HTTP: submit, initial review, two departments, five
// signatures and the filing, a model reviewed by the bureau and both
// departments, an evaluation on demand, termination, exit confirmation and
// verification. It returns the application's ID and the requests sent.
func standardLifecycle(ctx context.Context, ac *apiClient, title string) (uint64, int, error) {
	id, err := ac.create(ctx, title, true)
	if err != nil {
		return 0, 1, err
	}
	wf := workflows.ApplicationWorkflowID(id)
	app := "/api/v1/applications/" + strconv.FormatUint(id, 10)
	approve := map[string]any{"decision": "approve"}
	sign := map[string]any{"decision": "sign"}
	type step struct {
		user, task string
		body       map[string]any
		// path, when set, is a POST to the application instead.
		path string
	}
	steps := []step{
		{"initial_reviewer", wf + "-t1", map[string]any{"decision": "pass"}, ""},
		{"reviewer-gsa", wf + "-t2", approve, ""},
		{"reviewer-commerce", wf + "-t3", approve, ""},
		{"bureau_officer", wf + "-t4", sign, ""},
		{"operator", wf + "-t5", sign, ""},
		{"applicant", wf + "-t6", sign, ""},
		{"operator", wf + "-t7", sign, ""},
		{"applicant", wf + "-t8", sign, ""},
		{"bureau_officer", wf + "-t9", map[string]any{"decision": "file"}, ""},
		{"applicant", "", map[string]any{"name": "风控评分模型", "description": "仅输出评分,不含个人标识"}, app + "/models"},
		{"bureau_officer", wf + "-model-1-t1", approve, ""},
		{"reviewer-gsa", wf + "-model-1-t2", approve, ""},
		{"reviewer-commerce", wf + "-model-1-t3", approve, ""},
		{"bureau_officer", "", map[string]any{"reason": "年度抽查"}, app + "/evaluations"},
		{"applicant", wf + "-t10", map[string]any{"decision": "submit", "comment": "按约定范围使用"}, ""},
		{"bureau_officer", wf + "-t11", map[string]any{"decision": "qualified"}, ""},
		{"bureau_officer", "", map[string]any{"reason": "向第三方提供数据", "basis": "授权协议第六条"}, app + "/terminate"},
		{"applicant", wf + "-t12", map[string]any{"decision": "confirm", "comment": "数据已返还,衍生模型已销毁"}, ""},
		{"bureau_officer", wf + "-t13", map[string]any{"decision": "verify"}, ""},
	}
	for i, st := range steps {
		var err error
		if st.path != "" {
			err = ac.call(ctx, st.user, http.MethodPost, st.path, st.body, nil)
		} else {
			err = ac.decide(ctx, st.user, st.task, st.body)
		}
		if err != nil {
			return id, i + 1, fmt.Errorf("application %d step %d: %w", id, i+1, err)
		}
	}
	return id, len(steps) + 1, nil
}

// historyShape counts the events of the workflows' latest runs.
func historyShape(ctx context.Context, c client.Client, ids ...string) (lifecycleShape, error) {
	sh := lifecycleShape{PerRun: map[string]int{}}
	for _, id := range ids {
		it := c.GetWorkflowHistory(ctx, id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		n := 0
		for it.HasNext() {
			e, err := it.Next()
			if err != nil {
				return sh, fmt.Errorf("history of %s: %w", id, err)
			}
			n++
			switch e.GetEventType() {
			case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
				sh.Workflows++
			case enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
				sh.Updates++
			case enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
				sh.Activities++
			case enumspb.EVENT_TYPE_MARKER_RECORDED:
				sh.Markers++
			case enumspb.EVENT_TYPE_TIMER_STARTED:
				sh.Timers++
			}
		}
		sh.PerRun[id] = n
		sh.Events += n
	}
	return sh, nil
}

// runConcurrently runs fn(0..n-1) on conc goroutines; the first error
// stops the rest.
func runConcurrently(ctx context.Context, n, conc int, bar *progress, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for range min(conc, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
				if bar != nil {
					bar.add(1)
				}
			}
		}()
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if first != nil {
		return first
	}
	return ctx.Err()
}

// anchorLifecycle is one bare workflow doing a lifecycle's Updates and
// activities: one no-op per Update, and one for each write step no Update
// made; local activities, or regular ones.
func anchorLifecycle(ctx context.Context, c client.Client, id string, sh lifecycleShape, regular bool) error {
	run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: anchorQueue}, anchorWorkflowName,
		anchorInput{StartActivities: max(0, sh.Activities-sh.Updates), Updates: sh.Updates, Regular: regular})
	if err != nil {
		return err
	}
	for range sh.Updates {
		if err := anchorStep(ctx, c, id); err != nil {
			return err
		}
	}
	return run.Get(ctx, nil)
}

// anchorStep is one bare Update round trip: sent, run (one no-op local
// activity), completed.
func anchorStep(ctx context.Context, c client.Client, id string) error {
	h, err := c.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: id, UpdateName: anchorUpdate,
		WaitForStage: client.WorkflowUpdateStageCompleted})
	if err != nil {
		return err
	}
	return h.Get(ctx, nil)
}

// cpu is CPU time used so far by the bench process and the server process.
type cpu struct{ self, server time.Duration }

func (s *stack) cpu() cpu {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	c := cpu{self: time.Duration(ru.Utime.Nano() + ru.Stime.Nano())}
	if s.server.cmd != nil && s.server.cmd.Process != nil {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.server.cmd.Process.Pid)); err == nil {
			// Fields after the command name: state is field 3, utime 14, stime 15.
			if i := strings.LastIndexByte(string(b), ')'); i > 0 {
				f := strings.Fields(string(b)[i+1:])
				if len(f) > 13 {
					ut, _ := strconv.ParseInt(f[11], 10, 64)
					st, _ := strconv.ParseInt(f[12], 10, 64)
					c.server = time.Duration(ut+st) * (time.Second / 100) // USER_HZ
				}
			}
		}
	}
	return c
}

func (c cpu) sub(o cpu) cpu { return cpu{c.self - o.self, c.server - o.server} }

func (c cpu) add(o cpu) cpu { return cpu{c.self + o.self, c.server + o.server} }

// per is CPU milliseconds per unit of work, e.g. "41 ms (server 25 + worker/API/client 16)".
func (c cpu) per(n int) string {
	f := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) / float64(n) }
	if c.server == 0 {
		return fmt.Sprintf("%.1f ms (one process)", f(c.self))
	}
	return fmt.Sprintf("%.1f ms (Temporal server %.1f + worker, API and client %.1f)", f(c.self+c.server), f(c.server), f(c.self))
}

// profiled runs fn, with CPU profiles of both processes (NAME-bench.pprof
// and NAME-server.pprof) when -profile is set.
func (b *bench) profiled(ctx context.Context, s *stack, name string, fn func() error) error {
	if b.cfg.Profile == "" {
		return fn()
	}
	f, err := os.Create(filepath.Join(b.cfg.Profile, name+"-bench.pprof"))
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	if err := s.server.cpuProfile(ctx, filepath.Join(b.cfg.Profile, name+"-server.pprof")); err != nil {
		pprof.StopCPUProfile()
		return err
	}
	err = fn()
	pprof.StopCPUProfile()
	return errors.Join(err, s.server.cpuProfile(context.WithoutCancel(ctx), ""))
}

// p1 measures lifecycles per second, beside two anchors: the bare
// workflow with local activities (the anchor of the target), and the same
// with regular activities (the record-true design's own price).
func (b *bench) p1(ctx context.Context) error {
	s, err := b.stack(ctx)
	if err != nil {
		return err
	}
	if err := b.calibrate(ctx, s); err != nil {
		return err
	}
	sh := *b.lifecycle
	// Warm-up of the anchors, then the anchors and DataGate.
	for _, regular := range []bool{false, true} {
		if err := anchorLifecycle(ctx, s.client, fmt.Sprintf("anchor-p1-warmup-%t", regular), sh, regular); err != nil {
			return fmt.Errorf("anchor warm-up: %w", err)
		}
	}
	// The three alternate in rounds, so that all see the same machine: on
	// a shared host, load from elsewhere comes and goes.
	n, conc := b.cfg.N, b.cfg.Conc
	rounds := min(4, n)
	bar := newProgress(b.cfg.Progress, "P1 lifecycles, anchors and DataGate", 3*n)
	ids := make([]uint64, 0, n)
	done := 0 // lifecycles of each side run in the rounds before
	type side struct {
		name string
		took time.Duration
		cpu  cpu
		run  func(ctx context.Context, i int, got []uint64) error
	}
	anchor := func(regular bool) func(ctx context.Context, i int, _ []uint64) error {
		return func(ctx context.Context, i int, _ []uint64) error {
			return anchorLifecycle(ctx, s.client, fmt.Sprintf("anchor-p1-%t-%d", regular, i), sh, regular)
		}
	}
	sides := []*side{{name: "anchor", run: anchor(false)}, {name: "anchor-regular", run: anchor(true)},
		{name: "datagate", run: func(ctx context.Context, i int, got []uint64) error {
			id, _, err := standardLifecycle(ctx, s.api, fmt.Sprintf("P1 lifecycle %d", i))
			got[i-done] = id
			return err
		}}}
	before := s.api.retries.Load()
	// With -profile, each round of each side has its own profiles
	// (p1-anchor-rN, p1-anchor-regular-rN, p1-datagate-rN); go tool pprof
	// merges them.
	for r := range rounds {
		m := (n*(r+1))/rounds - done
		got := make([]uint64, m)
		for _, sd := range sides {
			c0, t0 := s.cpu(), time.Now()
			err := b.profiled(ctx, s, fmt.Sprintf("p1-%s-r%d", sd.name, r+1), func() error {
				return runConcurrently(ctx, m, conc, bar, func(ctx context.Context, i int) error {
					return sd.run(ctx, done+i, got)
				})
			})
			sd.took += time.Since(t0)
			sd.cpu = sd.cpu.add(s.cpu().sub(c0))
			if err != nil {
				bar.finish()
				return fmt.Errorf("%s: %w", sd.name, err)
			}
		}
		ids = append(ids, got...)
		done += m
	}
	bar.finish()
	b.p1Apps = ids
	rateOf := func(sd *side) float64 { return float64(n) / sd.took.Seconds() }
	dg, local, regular := sides[2], sides[0], sides[1]
	rate := rateOf(dg)
	ratio := rate / rateOf(local)
	what := fmt.Sprintf("lifecycles/s, %d over HTTP, %d clients", n, conc)
	b.rep.add(row{P: "P1", What: what, Value: rate, Unit: "/s",
		Anchor: rateOf(local), AnchorWhat: "bare workflow, same Updates and local activities",
		Target: "≥ 0.5× and ≥ 5/s", Met: met(ratio >= 0.5 && rate >= 5)})
	b.rep.add(row{P: "P1", What: what, Value: rate, Unit: "/s",
		Anchor: rateOf(regular), AnchorWhat: "bare workflow, same Updates and regular activities"})
	b.rep.note("P1: one lifecycle is %s; each anchor lifecycle is one workflow with %d Updates and %d no-op activities. "+
		"The three ran alternately in %d rounds of %d; DataGate took %s in all, the anchors %s (local activities) and %s (regular).",
		sh, sh.Updates, max(sh.Activities, sh.Updates), rounds, n/rounds, dg.took.Round(time.Millisecond),
		local.took.Round(time.Millisecond), regular.took.Round(time.Millisecond))
	b.rep.note("P1: CPU per lifecycle: DataGate %s; anchor with local activities %s; with regular activities %s. Decisions resent because their task was not written yet: %d.",
		dg.cpu.per(n), local.cpu.per(n), regular.cpu.per(n), s.api.retries.Load()-before)
	if math.IsNaN(ratio) {
		return fmt.Errorf("no rate measured")
	}
	return nil
}

// calibrate runs one standard lifecycle and reads its shape from the
// histories; the anchor and P6 use it.
func (b *bench) calibrate(ctx context.Context, s *stack) error {
	if b.lifecycle != nil {
		return nil
	}
	status(b.cfg.Progress, "calibration: one lifecycle over HTTP, then its histories")
	id, requests, err := standardLifecycle(ctx, s.api, "calibration lifecycle")
	if err != nil {
		return fmt.Errorf("calibration lifecycle: %w", err)
	}
	wf := workflows.ApplicationWorkflowID(id)
	if err := s.client.GetWorkflow(ctx, wf, "").Get(ctx, nil); err != nil {
		return fmt.Errorf("calibration lifecycle: %w", err)
	}
	sh, err := historyShape(ctx, s.client, wf, workflows.ModelWorkflowID(wf, 1))
	if err != nil {
		return err
	}
	sh.Requests = requests
	b.lifecycle = &sh
	return nil
}
