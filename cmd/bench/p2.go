package main

import (
	"context"
	"fmt"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/datagate/datagate/workflows"
)

// p2 measures the latency of an approve through HTTP (token check, casbin,
// the task's row, the Update, the Apply activity writing the read model,
// the answer) beside a bare Update round trip (one no-op local activity),
// one request at a time, alternating the two.
func (b *bench) p2(ctx context.Context) error {
	s, err := b.stack(ctx)
	if err != nil {
		return err
	}
	apps := (b.cfg.P2N + 1) / 2
	// Set-up: applications in department review (two open tasks each), and
	// as many anchor workflows waiting for two Updates each.
	bar := newProgress(b.cfg.Progress, "P2 set-up", apps)
	ids := make([]uint64, apps)
	err = runConcurrently(ctx, apps, b.cfg.Conc, bar, func(ctx context.Context, i int) error {
		id, err := s.api.create(ctx, fmt.Sprintf("P2 application %d", i), true)
		if err != nil {
			return err
		}
		ids[i] = id
		if err := s.api.decide(ctx, "initial_reviewer", workflows.ApplicationWorkflowID(id)+"-t1", map[string]any{"decision": "pass"}); err != nil {
			return err
		}
		for _, regular := range []bool{false, true} {
			if _, err := s.client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: p2Anchor(i, regular), TaskQueue: anchorQueue},
				anchorWorkflowName, anchorInput{StartActivities: 1, Updates: 2, Regular: regular}); err != nil {
				return err
			}
		}
		return nil
	})
	bar.finish()
	if err != nil {
		return err
	}
	var dg, anchor, regular samples
	bar = newProgress(b.cfg.Progress, "P2 approve vs bare Updates", b.cfg.P2N)
	err = b.profiled(ctx, s, "p2", func() error {
		for k := range b.cfg.P2N {
			i, second := k/2, k%2 == 1
			wf := workflows.ApplicationWorkflowID(ids[i])
			user, task := "reviewer-gsa", wf+"-t2"
			if second {
				user, task = "reviewer-commerce", wf+"-t3"
			}
			t0 := time.Now()
			if err := s.api.decide(ctx, user, task, map[string]any{"decision": "approve"}); err != nil {
				return err
			}
			dg.add(time.Since(t0))
			for _, a := range []struct {
				regular bool
				s       *samples
			}{{false, &anchor}, {true, &regular}} {
				t0 = time.Now()
				if err := anchorStep(ctx, s.client, p2Anchor(i, a.regular)); err != nil {
					return fmt.Errorf("anchor: %w", err)
				}
				a.s.add(time.Since(t0))
			}
			bar.add(1)
		}
		return nil
	})
	bar.finish()
	if err != nil {
		return err
	}
	for _, p := range []float64{50, 95, 99} {
		r := row{P: "P2", What: fmt.Sprintf("approve over HTTP, p%.0f (n=%d)", p, dg.len()), Value: dg.pct(p), Unit: "ms",
			Anchor: anchor.pct(p), AnchorWhat: "bare Update round trip, one no-op local activity"}
		if p == 95 {
			r.Target, r.Met = "p95 ≤ 2×", met(r.Ratio() <= 2)
		}
		b.rep.add(r)
	}
	for _, p := range []float64{50, 95, 99} {
		b.rep.add(row{P: "P2", What: fmt.Sprintf("approve over HTTP, p%.0f (n=%d)", p, dg.len()), Value: dg.pct(p), Unit: "ms",
			Anchor: regular.pct(p), AnchorWhat: "bare Update round trip, one no-op regular activity"})
	}
	b.rep.note("P2: the approvals alternate between the first department's (the review stays open) and the second's (it completes and opens the three agreement tasks); each is followed by one bare Update of each anchor.")
	return nil
}

// p2Anchor is the ID of P2's anchor workflow i.
func p2Anchor(i int, regular bool) string {
	if regular {
		return fmt.Sprintf("anchor-p2-regular-%d", i)
	}
	return fmt.Sprintf("anchor-p2-%d", i)
}
