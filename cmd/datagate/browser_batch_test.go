//go:build !nodev

package main

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/internal/browsertest"
	"github.com/datagate/datagate/store"
)

// TestBrowserBatchDecisions decides three initial reviews in one batch
// from 待办 in a real browser, over the whole stack (the embedded
// Temporal and the worker decide for real): while the page is open a
// colleague claims the third, so the batch passes two and the third is
// refused in its row. After the page reloads, the summary says so, each
// row has its line, and the refusal, in Chinese words with no internal
// ID, stands next to the row still in 待办; the two passed have left it.
func TestBrowserBatchDecisions(t *testing.T) {
	chromium := browsertest.Chromium(t)
	if testing.Short() {
		t.Skip("starts a Temporal server and a browser")
	}
	s, _ := startTestDev(t, env("DATAGATE_RATE_LIMIT", "off"))
	c := &httpClient{t: t, base: "http://" + s.addr}
	c.waitHealthy()
	ctx := context.Background()
	ids, tasks := submitForReview(t, c, 3)

	bctx := browsertest.Start(t, chromium)
	w := &walk{t: t, base: "http://" + s.addr, browser: bctx, shots: screenshotDir(t), tabs: map[string]*tab{}}
	defer w.close()
	bdc := w.signIn("initial_reviewer")
	bdc.open("/inbox")
	bdc.wait("#batch")
	for _, id := range tasks {
		bdc.wait(fmt.Sprintf(`#row-%s input.batch-pick`, id))
	}
	if !bdc.is(`#batch-submit[disabled]`) || !bdc.is(`#batch input[value="pass"][disabled]`) {
		t.Error("with nothing ticked, the toolbar offers a decision")
	}

	// A colleague claims the third while the page is open.
	colleague := &store.User{Username: "reviewer-bdc-2", DisplayName: "初审员乙 · 市大数据发展中心", OrgCode: "bdc", Role: domain.RoleInitialReviewer}
	if err := s.store.CreateUser(ctx, colleague); err != nil {
		t.Fatal(err)
	}
	if err := s.store.ClaimTask(ctx, tasks[2], colleague.Username); err != nil {
		t.Fatal(err)
	}

	for _, id := range tasks {
		bdc.click(fmt.Sprintf(`#row-%s input.batch-pick`, id))
	}
	bdc.wait(`#batch input[value="pass"]:not([disabled])`)
	if got := bdc.text("#batch-count"); !strings.Contains(got, "已选择 3 项") {
		t.Errorf("the count says %q", got)
	}
	bdc.click(`#batch input[value="pass"]`)
	if bdc.is(`#batch-reason-field:not([hidden])`) {
		t.Error("a pass asks for a reason")
	}
	bdc.shot("batch-ticked")
	bdc.submit("#batch-submit")
	bdc.wait("#batch-results")
	bdc.shot("batch-results")

	if got := bdc.text("#batch-results .summary"); got != "办理成功 2 项，未办理 1 项。" {
		t.Errorf("the summary says %q", got)
	}
	lines := bdc.poll("the result lines", `[...document.querySelectorAll('#batch-results li')].map((li) => li.className + ': ' + li.textContent).join('\n')`)
	for i, want := range []string{"batch-ok: #%d 信贷风控 · 初审 — 已办理：通过", "batch-ok: #%d 信贷风控 · 初审 — 已办理：通过", "batch-refused: #%d 信贷风控 · 初审 — 未办理："} {
		if line := strings.Split(lines, "\n")[i]; !strings.HasPrefix(line, fmt.Sprintf(want, ids[i])) {
			t.Errorf("result line %d: %q, want %q…", i, line, fmt.Sprintf(want, ids[i]))
		}
	}
	// The refusal next to its row, which is still to do; the passed rows
	// have left 待办.
	refusal := bdc.text(fmt.Sprintf("#row-%s .batch-error", tasks[2]))
	if !strings.HasPrefix(refusal, "未办理：该任务已由 初审员乙 · 市大数据发展中心 认领") || !strings.Contains(refusal, "认领") || strings.Contains(refusal, tasks[2]) ||
		strings.Contains(refusal, colleague.Username) {
		t.Errorf("the refusal next to its row: %q", refusal)
	}
	for _, id := range tasks[:2] {
		if bdc.is("#row-" + id) {
			t.Errorf("the passed task %s is still in 待办", id)
		}
	}
	for i, want := range []string{domain.TaskDone, domain.TaskDone, domain.TaskOpen} {
		if task, err := s.store.Task(ctx, tasks[i]); err != nil || task.Status != want {
			t.Errorf("task %d: %s %v, want %s", i, task.Status, err, want)
		}
	}
	// The results are shown once: a reload is the plain 待办.
	bdc.open("/inbox")
	bdc.wait("#todo-list")
	if bdc.is("#batch-results:not([hidden])") || bdc.is(".batch-error") {
		t.Error("the batch's results show again after a reload")
	}
}
