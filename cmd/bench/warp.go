package main

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/store"
)

// warp moves deadlines, for the measurements that need them to fall due
// within the run. DataGate counts deadlines in working days and a due time
// is the end of a day, so a task opened now falls due a day or more later
// and no Deadlines setting makes it sooner; the embedded server's timers run
// on the wall clock. The bench therefore registers its own Apply under
// activities.ApplyName: it runs the real Apply, then, for the workflows a
// rule names, rewrites the due (and reminder) times of the tasks just opened
// and writes them to the read model too. Everything after that is
// DataGate's own code: the workflow arms its timers from these times, and at
// the due time marks the task overdue, escalates it, writes the read model
// and the audit, and upserts its search attributes.
type warp struct {
	acts *activities.Activities

	mu    sync.Mutex
	byApp map[string]warpRule  // by application workflow ID, model reviews included
	marks *markCounter         // overdue marks written
	armed *markCounter         // tasks opened with a rule's fixed due time
	tasks map[string]time.Time // task ID -> overdue mark, for P6
}

// warpRule: either every opened task falls due at At, with no reminder
// (P5), or its reminder goes out Remind after it opens and it falls due
// Remind later (P6).
type warpRule struct {
	At     time.Time
	Remind time.Duration
}

func newWarp(acts *activities.Activities) *warp {
	return &warp{acts: acts, byApp: map[string]warpRule{}, marks: newMarkCounter(), armed: newMarkCounter(),
		tasks: map[string]time.Time{}}
}

func (w *warp) setApp(wfID string, r warpRule) {
	w.mu.Lock()
	w.byApp[wfID] = r
	w.mu.Unlock()
}

func (w *warp) rule(wfID string) (warpRule, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if r, ok := w.byApp[wfID]; ok {
		return r, true
	}
	// A model review's ID is its application's followed by -model-N.
	if i := strings.LastIndex(wfID, "-model-"); i > 0 {
		r, ok := w.byApp[wfID[:i]]
		return r, ok
	}
	return warpRule{}, false
}

// overdueAt is when task id's overdue mark was written (zero: not yet).
func (w *warp) overdueAt(id string) time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.tasks[id]
}

// apply is DataGate's Apply, then the rule's deadlines.
func (w *warp) apply(ctx context.Context, c activities.Change) (activities.Applied, error) {
	out, err := w.acts.Apply(ctx, c)
	if err != nil {
		return out, err
	}
	now := time.Now()
	for _, a := range c.Audit {
		if a.Action == "task.overdue" {
			w.marks.hit(a.WorkflowID+"#"+strconv.FormatInt(a.Seq, 10), now)
		}
	}
	for _, t := range c.Tasks {
		if t.OverdueAt != nil {
			w.mu.Lock()
			if _, ok := w.tasks[t.ID]; !ok {
				w.tasks[t.ID] = now
			}
			w.mu.Unlock()
		}
	}
	if len(out.Opened) == 0 {
		return out, nil
	}
	r, ok := w.rule(activity.GetInfo(ctx).WorkflowExecution.ID)
	if !ok {
		return out, nil
	}
	for i := range out.Opened {
		t := &out.Opened[i]
		if !r.At.IsZero() {
			t.DueAt, t.RemindAt = r.At.UTC(), nil
			continue
		}
		remind := now.Add(r.Remind).UTC()
		t.RemindAt, t.DueAt = &remind, remind.Add(r.Remind)
	}
	rows := make([]store.Task, len(out.Opened))
	for i, t := range out.Opened {
		rows[i] = t.Row()
	}
	if err := w.acts.Store.Apply(ctx, store.Change{Tasks: rows}); err != nil {
		return activities.Applied{}, err
	}
	if !r.At.IsZero() {
		for _, t := range out.Opened {
			w.armed.hit(t.ID, now)
		}
	}
	return out, nil
}

// markCounter counts distinct marks and remembers when the last one came.
type markCounter struct {
	mu   sync.Mutex
	seen map[string]bool
	last time.Time
}

func newMarkCounter() *markCounter { return &markCounter{seen: map[string]bool{}} }

func (m *markCounter) hit(key string, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.seen[key] {
		return
	}
	m.seen[key] = true
	if at.After(m.last) {
		m.last = at
	}
}

func (m *markCounter) count() (int, time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.seen), m.last
}

func (m *markCounter) reset() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.seen = map[string]bool{}
	m.last = time.Time{}
}
