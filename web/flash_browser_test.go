package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/internal/browsertest"
)

// flashJS is the flash message the page shows, once the page has loaded
// and its script had the time to show one: "none" for none.
const flashJS = `(() => {
  if (document.readyState !== 'complete' || window.__dgStale) return '';
  if (!window.__dgLoaded) { window.__dgLoaded = Date.now(); return ''; }
  if (Date.now() - window.__dgLoaded < 600) return '';
  const region = document.getElementById('flash');
  if (!region || region.getAttribute('role') !== 'status') return 'no status region';
  const p = region.querySelector('.flash span');
  return p ? p.textContent : 'none';
})()`

// TestBrowserFlash: after an action the next page says what was done, in
// the page's language, in a role="status" region, once: a reload does not
// show it again; its button dismisses it. Saving a draft (Chinese), then
// claiming a task (English).
func TestBrowserFlash(t *testing.T) {
	chromium := browsertest.Chromium(t)
	if testing.Short() {
		t.Skip("starts a browser")
	}
	e := newEnv(t)
	e.wallClock()
	now := e.clock.Now()
	draft := e.application("acme-fintech", "applicant", "提示草稿", domain.StatusDraft, "DS-0100")
	inReview := e.application("acme-fintech", "applicant", "认领场景", domain.StatusDepartmentReview, "DS-0100")
	task := e.task(inReview, 1, domain.TaskDepartmentReview, "commerce", now, now.Add(10*24*time.Hour))

	bctx := browsertest.Start(t, chromium)
	id := itoa(draft.ID)

	app := signedInTab(t, bctx, e, "applicant")
	app.open("/applications/" + id + "/edit")
	app.set("#title", "提示草稿改名")
	app.submit("#save-draft")
	app.waitURL("/applications/" + id)
	if got := app.poll("the message", flashJS); got != "已保存草稿" {
		t.Errorf("after saving a draft the page says %q", got)
	}
	// Once: a reload does not show it again.
	app.do("reload", chromedp.Reload())
	if got := app.poll("after a reload", flashJS); got != "none" {
		t.Errorf("after a reload the page still says %q", got)
	}
	// Nor does the next page.
	app.open("/applications")
	if got := app.poll("the next page", flashJS); got != "none" {
		t.Errorf("the next page says %q", got)
	}

	// In English, claiming a task: "Task claimed", then dismissed.
	rc := signedInTab(t, bctx, e, "reviewer-commerce")
	rc.open("/lang?to=en&next=/inbox")
	rc.waitURL("/inbox")
	rc.submit("#task-" + task.ID + " .assign button[type=submit]")
	if got := rc.poll("the message", flashJS); got != "Task claimed" {
		t.Errorf("after claiming the page says %q", got)
	}
	if got := rc.text("#flash"); !strings.Contains(got, "Task claimed") {
		t.Errorf("the status region holds %q", got)
	}
	if label := rc.poll("dismiss", `document.querySelector('#flash .flash-close')?.getAttribute('aria-label') || ''`); label != "Dismiss" {
		t.Errorf("the dismiss button is named %q", label)
	}
	rc.click("#flash .flash-close")
	if n := rc.count("#flash .flash"); n != 0 {
		t.Errorf("dismissed, %d messages remain", n)
	}
	if h := rc.text("#task-" + task.ID + " .assign"); !strings.Contains(h, "Release") {
		t.Errorf("the task was not claimed: %q", h)
	}
}
