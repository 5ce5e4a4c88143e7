//go:build !nodev

package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/identity"
	"github.com/datagate/datagate/internal/browsertest"
	"github.com/datagate/datagate/store"
)

// TestBrowserLifecycle walks one application through its whole life in a
// real browser (Debian's Chromium, driven by chromedp), through the pages
// only: the applicant applies, the initial reviewer passes it, two
// departments decide, the agreements are signed, a model is approved, and
// the supervisor sees an overdue task on the chart and urges it. It saves a
// screenshot of each main page in $DATAGATE_SCREENSHOTS (or a temporary
// directory).
//
// It is skipped when chromium is not on PATH, unless
// DATAGATE_REQUIRE_BROWSER is set (CI sets it), when it fails instead.
func TestBrowserLifecycle(t *testing.T) {
	chromium := browsertest.Chromium(t)
	if testing.Short() {
		t.Skip("starts a Temporal server and a browser")
	}
	shots := screenshotDir(t)

	// The whole stack: embedded Temporal, the worker, the API and the pages.
	cfg, err := parseConfig("dev", []string{"--demo-applications=false", "--data", t.TempDir(), "--http", "127.0.0.1:0",
		"--temporal-port", fmt.Sprint(freePort(t))}, func(string) string { return "" }, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	s, err := startDev(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	(&httpClient{t: t, base: "http://" + s.addr}).waitHealthy()

	// One headless browser; each user gets a tab in a browser context of
	// its own (its own cookies), and signs in once.
	bctx := browsertest.Start(t, chromium)
	w := &walk{t: t, base: "http://" + s.addr, browser: bctx, shots: shots, tabs: map[string]*tab{}}
	defer w.close()

	// The public: the catalog, a dataset, and the way to apply.
	anon := w.tab("")
	anon.open("/")
	anon.waitURL("/catalog")
	anon.wait("table.catalog")
	if !anon.is(`html[lang="zh-CN"]`) {
		t.Error("the catalog is not in zh-CN for a Chinese browser")
	}
	anon.shot("01-catalog")
	anon.open("/catalog/DS-0100")
	anon.wait(`a[href^="/login?next=/applications/new"]`)
	anon.shot("02-dataset")

	// The applicant signs in from the dataset page and lands on the form
	// with the dataset picked.
	app := w.tab("applicant")
	app.open("/catalog/DS-0100")
	app.click(`a[href^="/login?next=/applications/new"]`)
	app.waitURL("/login")
	app.setValue("#username", "applicant")
	app.setValue("#password", identity.DemoPassword)
	app.shot("03-login")
	app.submit("#login-submit")
	app.waitURL("/applications/new")
	if !app.is(`#ds-DS-0100:checked`) {
		t.Fatal("DS-0100 is not picked on the form")
	}
	// Closed data eligible for authorized operation can be picked, for the
	// secure environment only.
	if app.is(`#ds-DS-0103:disabled`) || !app.is(`#ds-DS-0103[data-secure]`) {
		t.Error("closed dataset DS-0103, eligible for authorized operation, cannot be picked, or not for the secure environment only")
	}
	app.setValue("#title", "小微企业信贷风控")
	app.setValue("#domain", "金融服务")
	app.setValue("#purpose", "对本市小微企业进行授信评估")
	app.setValue("#scope", "本市注册的小微企业")
	app.setValue("#security_controls", "沙箱隔离，结果脱敏")
	app.eval(`document.getElementById('ds-DS-0102').closest('details').open = true`)
	app.click("#ds-DS-0102")
	// A period over 5 years is refused by the API; the error shows next to
	// the field, and nothing is created.
	app.setValue("#period_months", "61")
	msg := app.submitExpectingError("#submit-application")
	if !app.is(`#period_months[aria-invalid="true"]`) || !app.is(`#period_months ~ .field-error[role="alert"]`) {
		t.Errorf("the period error %q is not next to the period field", msg)
	}
	app.shot("04-application-form-error")
	// Grade-3 data takes download and API access off the form.
	app.eval(`document.getElementById('ds-DS-0104').closest('details').open = true`)
	app.click("#ds-DS-0104")
	if !app.is(`#access_mode option[value="download"]:disabled`) || app.is(`#access-grade3[hidden]`) {
		t.Error("picking grade-3 data leaves download access on the form")
	}
	app.click("#ds-DS-0104")
	app.setValue("#period_months", "24")
	app.submit("#submit-application")
	app.waitURL("/applications/1")
	// The workflow moves the application on a moment after it starts.
	app.openUntil("/applications/1", `#app-1 .badge.status-initial_review`)
	app.shot("05-application-submitted")
	// The applicant attaches its business licence to it.
	licence := filepath.Join(t.TempDir(), "营业执照.pdf")
	if err := os.WriteFile(licence, []byte("%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	app.setValue("#upload-kind-1", "qualification")
	app.do("choose the licence", chromedp.SetUploadFiles(chromedp.CSS("#upload-file-1"), []string{licence}))
	app.submit(".upload-form button[type=submit]")
	app.wait(".attachment-list")

	// A second application: it will wait too long at initial review.
	app.open("/applications/new?datasets=DS-0100")
	app.setValue("#title", "企业补贴精准推送")
	app.setValue("#purpose", "向符合条件的企业推送补贴政策")
	app.setValue("#period_months", "12")
	app.submit("#submit-application")
	app.waitURL("/applications/2")

	// The big-data center passes the first one from its inbox.
	bdc := w.signIn("initial_reviewer")
	bdc.waitURL("/inbox")
	bdc.openUntil("/inbox", "#task-application-1-t1")
	bdc.shot("06-inbox")
	bdc.click("#task-application-1-t1 details.decide > summary")
	bdc.submit(`#task-application-1-t1 button[value="pass"]`)
	bdc.gone("#task-application-1-t1")
	// 已办: the decision, by the reviewer, in the list of what was decided.
	bdc.wait("#tab-done")
	bdc.openUntil("/inbox/done", "#done-application-1-t1 .decision-pass")

	// Each provider department decides its own share. Commerce first tries
	// to reject without a reason: the refusal shows next to the field.
	gsa := w.signIn("reviewer-gsa")
	// The reviewer sees what it decides: the purpose, and the attachment,
	// which it opens.
	gsa.openUntil("/applications/1", `.attachment-list a[download]`)
	if txt := gsa.text("#app-1"); !strings.Contains(txt, "对本市小微企业进行授信评估") || !strings.Contains(txt, "营业执照.pdf") {
		t.Errorf("the reviewer does not see the purpose and the attachment: %.300s", txt)
	}
	if got := gsa.poll("open the attachment", `(() => { const x = new XMLHttpRequest();
		x.open('GET', document.querySelector('.attachment-list a[download]').href, false); x.send();
		return x.status === 200 && x.responseText.startsWith('%PDF') ? 'pdf' : 'no: ' + x.status; })()`); got != "pdf" {
		t.Errorf("opening the attachment: %s", got)
	}
	gsa.decide(1, "approve")
	com := w.signIn("reviewer-commerce")
	com.openUntil("/applications/1", `.mytasks button[value="reject"]`)
	com.submitExpectingError(`.mytasks button[value="reject"]`)
	if !com.is(`.mytasks textarea[name="reason"][aria-invalid="true"]`) {
		t.Error("rejecting without a reason does not mark the reason field")
	}
	com.shot("07-decision-error")
	com.submit(`.mytasks button[value="approve"]`)

	// The agreements: authorization (bureau, operator), service (operator,
	// applicant) and its filing (bureau), and the applicant's commitment.
	bureau := w.signIn("bureau_officer")
	operator := w.signIn("operator")
	bureau.decide(1, "sign")
	operator.decide(1, "sign")
	operator.decide(1, "sign")
	app.openUntil("/applications/1", `.mytasks button[value="sign"]`)
	app.shot("08-applicant-signs")
	app.decide(1, "sign")
	app.decide(1, "sign")
	bureau.decide(1, "file")
	app.openUntil("/applications/1", `#app-1 .badge.status-active`)
	// Each agreement is a text signed with SM2 by each party in turn; the
	// bundles verify offline with the CLI, and not once a byte changes.
	app.wait(`#agreement-authorization a[href$="/agreements/authorization/bundle"]`)
	if n := app.poll("count the SM2 signatures", `String(document.querySelectorAll('.agreements .badge.sm2').length)`); n != "5" {
		t.Errorf("%s SM2 signatures on the page, want 5 (authorization 2, service 2, commitment 1)", n)
	}
	api := &httpClient{t: t, base: "http://" + s.addr}
	verifyBundle(t, api, "/api/v1/applications/1/agreements/authorization/bundle", "", 2)
	verifyBundle(t, api, "/api/v1/applications/1/agreements/service/bundle", "", 2)

	// A model built on the data, reviewed by the bureau and both
	// departments.
	app.click("#model-form-1 > summary")
	app.setValue("#m-name-1", "风控评分模型")
	app.setValue("#m-desc-1", "仅输出评分，不含个人标识")
	app.submit("#model-form-1 button[type=submit]")
	bureau.decide(1, "approve")
	gsa.decide(1, "approve")
	com.decide(1, "approve")
	app.openUntil("/applications/1", `#app-1 .badge.model-approved`)
	app.open("/applications")
	app.wait("#app-row-1")
	app.shot("09-applicant-dashboard")
	app.phone("10-applicant-phone")

	// The second application's initial review is now long overdue.
	ctx := context.Background()
	task, err := s.store.Task(ctx, "application-2-t1")
	if err != nil {
		t.Fatal(err)
	}
	task.OpenedAt = time.Now().AddDate(0, 0, -20)
	task.DueAt = time.Now().AddDate(0, 0, -10)
	if err := s.store.Apply(ctx, store.Change{Tasks: []store.Task{task}}); err != nil {
		t.Fatal(err)
	}

	// The supervisor sees it on the chart (a red bar), drills down from
	// the chart's table and urges it.
	sup := w.signIn("supervisor")
	sup.waitURL("/supervision")
	sup.openUntil("/supervision", `#chart-overdue svg rect.bar.alert`)
	sup.shot("11-supervision")
	sup.eval(`document.querySelector('#chart-overdue details.chart-data').open = true`)
	sup.click(`#chart-overdue details.chart-data a[href*="department=bdc"]`)
	sup.waitURL("/supervision?department=bdc")
	sup.wait("#sup-task-application-2-t1")
	sup.setValue("#urge-application-2-t1", "已超期，请于两个工作日内办结")
	sup.submit(`#sup-task-application-2-t1 button[type=submit]`)
	sup.wait("#sup-task-application-2-t1 .urges")
	sup.shot("12-supervision-urged")

	// The big-data center sees the overdue task in red, with the urge, and
	// replies to it.
	bdc.openUntil("/inbox", `#task-application-2-t1.is-overdue .urges`)
	bdc.wait(`li.task button[value="reply"]`)
	bdc.eval(`document.querySelector('li.task button[value="reply"]').closest('details').open = true`)
	bdc.shot("13-inbox-overdue-urged")
	bdc.setValue(`form:has(button[value="reply"]) textarea[name="comment"]`, "材料已补齐，今日办结")
	bdc.submit(`li.task button[value="reply"]`)
	bdc.gone(`li.task button[value="reply"]`)

	// The audit log, the public disclosure (in English) and admin.
	sup.open("/audit?application=1")
	sup.wait("table")
	sup.shot("14-audit")
	anon.open("/disclosure")
	anon.click("a.lang")
	anon.poll("switch to English", `document.documentElement.lang === 'en' && document.readyState === 'complete' ? 'yes' : ''`)
	if txt := anon.text("main"); !strings.Contains(txt, "小微企业信贷风控") || !strings.Contains(txt, "Public disclosure") {
		t.Errorf("the disclosure page does not list the authorization in English: %.300s", txt)
	}
	anon.shot("15-disclosure-en")
	admin := w.signIn("admin")
	admin.waitURL("/admin")
	admin.wait("#holidays")
	admin.shot("16-admin")
	// The 2027 holiday table, pasted as JSON: bad JSON is caught on the
	// page, a good table is stored and listed.
	admin.setValue("#h-json", `{"year": 2027, "off": [`)
	admin.submitExpectingError("#holidays button[type=submit]")
	admin.setValue("#h-json", `{"year": 2027, "off": ["2027-01-01"], "work": []}`)
	admin.submit("#holidays button[type=submit]")
	if txt := admin.text("#holidays"); !strings.Contains(txt, "2027") {
		t.Errorf("the uploaded 2027 table is not listed: %.300s", txt)
	}

	if got := app.status(s, 1); got != domain.StatusActive {
		t.Errorf("application 1 is %s, want active", got)
	}
}

// walk is the browser with a tab per user.
type walk struct {
	t       *testing.T
	base    string
	browser context.Context
	shots   string
	tabs    map[string]*tab
	cancels []context.CancelFunc
}

func (w *walk) close() {
	for _, c := range w.cancels {
		c()
	}
}

// tab opens user's tab, in a browser context of its own.
func (w *walk) tab(user string) *tab {
	if tb, ok := w.tabs[user]; ok {
		return tb
	}
	ctx, cancel := chromedp.NewContext(w.browser, chromedp.WithNewBrowserContext())
	w.cancels = append(w.cancels, cancel)
	tb := &tab{w: w, t: w.t, ctx: ctx, user: user}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		w.t.Fatalf("open a tab for %q: %v", user, err)
	}
	w.tabs[user] = tb
	return tb
}

// signIn opens user's tab and signs in on the sign-in page.
func (w *walk) signIn(user string) *tab {
	tb := w.tab(user)
	tb.open("/login")
	tb.setValue("#username", user)
	tb.setValue("#password", identity.DemoPassword)
	tb.submit("#login-submit")
	tb.wait("#sign-out")
	return tb
}

// tab is one user's tab.
type tab struct {
	w    *walk
	t    *testing.T
	ctx  context.Context
	user string
}

const stepTimeout = 30 * time.Second

func (tb *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.fail("%s: %v", what, err)
	}
}

// fail saves a screenshot of the tab and stops the test.
func (tb *tab) fail(format string, args ...any) {
	tb.t.Helper()
	name := "FAILED-" + strings.NewReplacer("_", "-").Replace(tb.user)
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	if png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		_ = os.WriteFile(filepath.Join(tb.w.shots, name+".png"), png, 0o644)
	}
	url, _ := chromedp.Run(ctx, chromedp.Location())
	tb.t.Fatalf("%s at %s: %s (screenshot %s.png)", tb.user, url, fmt.Sprintf(format, args...), name)
}

func (tb *tab) open(path string) {
	tb.t.Helper()
	tb.do("open "+path, chromedp.Navigate(tb.w.base+path))
}

func (tb *tab) wait(sel string) {
	tb.t.Helper()
	tb.do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
}

func (tb *tab) click(sel string) {
	tb.t.Helper()
	tb.do("click "+sel, chromedp.Click(chromedp.CSS(sel)))
}

func (tb *tab) setValue(sel, v string) {
	tb.t.Helper()
	tb.do("fill "+sel, chromedp.SetValue(chromedp.CSS(sel), v))
}

func (tb *tab) eval(js string) {
	tb.t.Helper()
	tb.do("run "+js, chromedp.Evaluate[chromedp.Void](js))
}

func (tb *tab) text(sel string) string {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		tb.fail("read %s: %v", sel, err)
	}
	return s
}

// is reports whether an element matches sel now.
func (tb *tab) is(sel string) bool {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`document.querySelector(%q) !== null`, sel)))
	if err != nil {
		tb.fail("query %s: %v", sel, err)
	}
	return ok
}

// poll evaluates js until it returns a non-empty string, across page
// loads, and returns it.
func (tb *tab) poll(what, js string) string {
	tb.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		cancel()
		if err == nil && s != "" {
			return s
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.fail("%s: timed out", what)
	return ""
}

// outcome is "loaded" once a new page has loaded after the mark, or the
// text of the first form error shown on the old page.
const outcome = `(() => {
  if (!window.__dgStale && document.readyState === 'complete') return 'loaded';
  const e = window.__dgStale && document.querySelector('.field-error, .form-error');
  return e ? 'error: ' + e.textContent : '';
})()`

// submit clicks a form's button (the form goes to the API through app.js)
// and waits for the page the form leads to.
func (tb *tab) submit(sel string) {
	tb.t.Helper()
	tb.eval(`window.__dgStale = true`)
	tb.click(sel)
	if got := tb.poll("submit "+sel, outcome); got != "loaded" {
		tb.fail("submit %s: %s", sel, got)
	}
}

// submitExpectingError clicks a form's button and waits for the error the
// API answers, shown on the page; it returns the error's text.
func (tb *tab) submitExpectingError(sel string) string {
	tb.t.Helper()
	tb.eval(`window.__dgStale = true`)
	tb.click(sel)
	got := tb.poll("submit "+sel, outcome)
	if !strings.HasPrefix(got, "error: ") {
		tb.fail("submit %s: want an error, got %s", sel, got)
	}
	return strings.TrimPrefix(got, "error: ")
}

func (tb *tab) waitURL(prefix string) {
	tb.t.Helper()
	tb.poll("wait for "+prefix, fmt.Sprintf(`location.href.startsWith(%q) && document.readyState === 'complete' ? 'yes' : ''`, tb.w.base+prefix))
}

// gone waits until sel matches nothing.
func (tb *tab) gone(sel string) {
	tb.t.Helper()
	tb.poll("wait until "+sel+" is gone", fmt.Sprintf(`document.readyState === 'complete' && !document.querySelector(%q) ? 'yes' : ''`, sel))
}

// openUntil loads path again until sel shows: a workflow may open the next
// step a moment after the last one was decided.
func (tb *tab) openUntil(path, sel string) {
	tb.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for {
		tb.open(path)
		if tb.is(sel) {
			return
		}
		if time.Now().After(deadline) {
			tb.fail("%s never showed %s", path, sel)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// decide opens the application and submits the first of the user's open
// tasks with that decision.
func (tb *tab) decide(appID int, decision string) {
	tb.t.Helper()
	sel := fmt.Sprintf(`#app-%d .mytasks button[value=%q]`, appID, decision)
	tb.openUntil(fmt.Sprintf("/applications/%d", appID), sel)
	tb.submit(sel)
}

// shot saves a full-page screenshot.
func (tb *tab) shot(name string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		tb.fail("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(tb.w.shots, name+".png"), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
}

// phone saves a screenshot at a phone's width, then returns to the laptop
// width.
func (tb *tab) phone(name string) {
	tb.t.Helper()
	tb.do("phone width", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2)), chromedp.Reload())
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		tb.fail("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(tb.w.shots, name+".png"), png, 0o644); err != nil {
		tb.t.Fatal(err)
	}
	if overflow := tb.is(`html`) && tb.evalBool(`document.documentElement.scrollWidth > window.innerWidth + 1`); overflow {
		tb.t.Errorf("%s: the page is wider than a phone's screen", name)
	}
	tb.do("laptop width", chromedp.EmulateViewport(1280, 900), chromedp.Reload())
}

func (tb *tab) evalBool(js string) bool {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
	if err != nil {
		tb.fail("run %s: %v", js, err)
	}
	return ok
}

// status reads an application's status from the store.
func (tb *tab) status(s *stack, id uint64) string {
	tb.t.Helper()
	a, err := s.store.Application(context.Background(), id)
	if err != nil {
		tb.t.Fatal(err)
	}
	return a.Status
}

// screenshotDir is $DATAGATE_SCREENSHOTS (created), or a temporary
// directory.
func screenshotDir(t *testing.T) string {
	shots := os.Getenv("DATAGATE_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	} else if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshots in %s", shots)
	return shots
}
