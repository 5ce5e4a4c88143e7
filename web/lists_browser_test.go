package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/internal/browsertest"
	"github.com/datagate/datagate/store"
)

// TestBrowserLists walks the lists in a real browser (issue 17): a
// reviewer goes from a row of 待办 to the application's page, where its
// form is; once the task is decided (written as its workflow would: no
// worker runs here) it has left 待办 and shows in 已办. The applicant's 30
// applications page by their numbered links, and at a phone's 390 px the
// table is a column of labelled cards, nothing wider than the screen.
func TestBrowserLists(t *testing.T) {
	chromium := browsertest.Chromium(t)
	if testing.Short() {
		t.Skip("starts a browser")
	}
	e := newEnv(t)
	e.wallClock()
	now := e.clock.Now()
	f := e.fixture()
	for i := 1; i <= 30; i++ {
		title := fmt.Sprintf("场景%02d", i)
		if i%4 == 0 {
			title = "一个名称很长很长的应用场景，用来看手机上是否会被截断或者撑出屏幕之外" + title
		}
		a := e.application("acme-fintech", "applicant", title, domain.StatusInitialReview, "DS-0100")
		e.task(a, 1, domain.TaskInitialReview, "bdc", now, now.AddDate(0, 0, i))
	}

	bctx := browsertest.Start(t, chromium)
	tab := func(user string) *btab { return signedInTab(t, bctx, e, user) }

	// 待办 → the application's page, with the decision form.
	gsa := tab("reviewer-gsa")
	gsa.open("/inbox")
	gsa.wait("#row-" + f.gsa.ID)
	gsa.click(`#row-` + f.gsa.ID + ` td.title a`)
	gsa.waitURL("/applications/" + itoa(f.app.ID))
	gsa.wait(`.mytasks button[value="approve"]`)
	// Decided.
	at := time.Now().Add(-time.Minute)
	decided := f.gsa
	decided.Status, decided.Decision, decided.DecidedAt, decided.ActorUser = domain.TaskDone, domain.DecisionApprove, &at, "reviewer-gsa"
	if err := e.st.Apply(context.Background(), store.Change{Tasks: []store.Task{decided}}); err != nil {
		t.Fatal(err)
	}
	gsa.open("/inbox")
	gsa.wait("#tab-done")
	if gsa.exists("#row-" + f.gsa.ID) {
		t.Errorf("the decided task is still in 待办")
	}
	gsa.click("#tab-done")
	gsa.waitURL("/inbox/done")
	gsa.wait("#done-" + f.gsa.ID + " .decision-approve")
	gsa.shot("lists-done")
	if got := gsa.text("#done-" + f.gsa.ID); !strings.Contains(got, "部门审核员 · 市政务服务管理局") || !strings.Contains(got, at.In(calendar.Zone).Format("2006-01-02 15:04")) {
		t.Errorf("the done row: %q", got)
	}

	// The applicant's list: three pages; page 3 by its number.
	app := tab("applicant")
	app.open("/applications")
	app.wait("#applications-list")
	app.click(`.pager a[aria-label="第 3 页"]`)
	app.waitURL("/applications")
	app.wait(`.pager a.current[aria-label="第 3 页"]`)
	app.shot("lists-applicant-page3")
	if n := app.count("#applications-list tbody tr"); n != 10 {
		t.Errorf("page 3 holds %d rows, want 10 (32 applications, 10 a page)", n)
	}

	// A phone: cards with their labels, nothing wider than the screen.
	app.do("phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)))
	app.open("/applications")
	app.wait("#applications-list")
	if got := app.poll("overflow", `document.readyState === 'complete' ? String(document.documentElement.scrollWidth - window.innerWidth) : ''`); got != "0" {
		t.Errorf("the list at 390 px is %s px wider than the screen", got)
	}
	const cellJS = `(() => {
	  const rows = [...document.querySelectorAll('#applications-list tbody tr')];
	  const bad = [];
	  for (const tr of rows) {
	    if (getComputedStyle(tr).display !== 'block') bad.push(tr.id + ' is not a card');
	    if (tr.getBoundingClientRect().right > window.innerWidth + 0.5) bad.push(tr.id + ' is cut off');
	    for (const td of tr.cells) {
	      const label = getComputedStyle(td, '::before').content;
	      if (!label || label === 'none' || label === '""') bad.push(tr.id + ' has a cell without its label');
	      if (td.getBoundingClientRect().right > window.innerWidth + 0.5) bad.push(tr.id + ': ' + td.dataset.label + ' is cut off');
	    }
	  }
	  return rows.length ? (bad.join('; ') || 'ok') : '';
	})()`
	if got := app.poll("cards", cellJS); got != "ok" {
		t.Errorf("at 390 px: %s", got)
	}
	app.shot("lists-applicant-390")
	if got := app.poll("the table head", `getComputedStyle(document.querySelector('#applications-list thead')).position`); got != "absolute" {
		t.Errorf("the table head shows on a phone (%s)", got)
	}
}

// exists reports whether sel matches an element now.
func (b *btab) exists(sel string) bool {
	b.t.Helper()
	return b.count(sel) > 0
}

// count counts the elements sel matches now.
func (b *btab) count(sel string) int {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll(%q).length`, sel)))
	if err != nil {
		b.t.Fatalf("count %s: %v", sel, err)
	}
	return n
}

// shot saves a full-page screenshot in $DATAGATE_SCREENSHOTS, when set.
func (b *btab) shot(name string) {
	b.t.Helper()
	dir := os.Getenv("DATAGATE_SCREENSHOTS")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}
