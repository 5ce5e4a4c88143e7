package main

import (
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// samples are latencies.
type samples struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *samples) add(d time.Duration) {
	s.mu.Lock()
	s.d = append(s.d, d)
	s.mu.Unlock()
}

func (s *samples) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.d)
}

// pct is the p-th percentile (nearest rank), in milliseconds.
func (s *samples) pct(p float64) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.d) == 0 {
		return math.NaN()
	}
	d := slices.Clone(s.d)
	slices.Sort(d)
	i := int(math.Ceil(p/100*float64(len(d)))) - 1
	i = min(max(i, 0), len(d)-1)
	return float64(d[i]) / float64(time.Millisecond)
}

func (s *samples) summary() string {
	return fmt.Sprintf("n=%d p50 %.2f ms, p95 %.2f ms, p99 %.2f ms", s.len(), s.pct(50), s.pct(95), s.pct(99))
}

// progress draws a progress bar on a terminal, or a line every 10% on
// anything else.
type progress struct {
	w     io.Writer
	tty   bool
	label string
	total int64
	done  atomic.Int64
	start time.Time
	stop  chan struct{}
	wg    sync.WaitGroup
	last  int64 // last tenth printed (not a terminal)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func newProgress(w io.Writer, label string, total int) *progress {
	if w == nil {
		w = io.Discard
	}
	p := &progress{w: w, tty: isTerminal(w), label: label, total: int64(total), start: time.Now(), stop: make(chan struct{}), last: -1}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-p.stop:
				return
			case <-t.C:
				p.draw(false)
			}
		}
	}()
	return p
}

func (p *progress) add(n int) { p.done.Add(int64(n)) }

func (p *progress) draw(final bool) {
	done := p.done.Load()
	el := time.Since(p.start)
	rate := float64(done) / el.Seconds()
	frac := 0.0
	if p.total > 0 {
		frac = math.Min(1, float64(done)/float64(p.total))
	}
	eta := ""
	if rate > 0 && done < p.total {
		eta = fmt.Sprintf(" ETA %s", time.Duration(float64(p.total-done)/rate*float64(time.Second)).Round(time.Second))
	}
	if !p.tty {
		tenth := int64(frac * 10)
		if tenth == p.last && !final {
			return
		}
		p.last = tenth
		fmt.Fprintf(p.w, "%s: %d/%d (%.1f/s, %s)\n", p.label, done, p.total, rate, el.Round(time.Second))
		return
	}
	const width = 30
	n := int(frac * width)
	bar := strings.Repeat("=", n) + strings.Repeat(" ", width-n)
	if n < width && n > 0 {
		bar = strings.Repeat("=", n-1) + ">" + strings.Repeat(" ", width-n)
	}
	fmt.Fprintf(p.w, "\r\033[K%-34s [%s] %d/%d  %.1f/s  %s%s", p.label, bar, done, p.total, rate, el.Round(time.Second), eta)
	if final {
		fmt.Fprintln(p.w)
	}
}

// finish draws the bar one last time.
func (p *progress) finish() {
	close(p.stop)
	p.wg.Wait()
	p.draw(true)
}

// status prints a line between bars.
func status(w io.Writer, format string, args ...any) {
	if w == nil {
		return
	}
	fmt.Fprintf(w, format+"\n", args...)
}
