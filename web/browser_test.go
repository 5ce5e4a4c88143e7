package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	enumspb "go.temporal.io/api/enums/v1"
	temporal "go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	sdklog "go.temporal.io/sdk/log"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/embedded"
	"github.com/datagate/datagate/identity"
	"github.com/datagate/datagate/internal/browsertest"
	"github.com/datagate/datagate/workflows"
)

// TestBrowserForms runs the pages' script (static/app.js) in a real browser
// (Debian's Chromium, driven by chromedp) on the forms of the draft editor,
// the API tokens page and the admin's org form: what is sent, where the
// API's refusal shows, and the token shown once in place. Skipped without
// chromium on PATH (unless DATAGATE_REQUIRE_BROWSER is set) and in -short.
func TestBrowserForms(t *testing.T) {
	chromium := browsertest.Chromium(t)
	if testing.Short() {
		t.Skip("starts a browser")
	}
	e := newEnv(t)
	e.wallClock()
	draft := e.application("acme-fintech", "applicant", "浏览器草稿", domain.StatusDraft, "DS-0100")

	bctx := browsertest.Start(t, chromium)
	tab := func(user string) *btab { return signedInTab(t, bctx, e, user) }

	// The draft editor: a refusal shows at its field; saving goes back to
	// the application's page with the new values.
	app := tab("applicant")
	id := itoa(draft.ID)
	app.open("/applications/" + id)
	app.click("#edit-" + id)
	app.waitURL("/applications/" + id + "/edit")
	// A refusal names its field by the label the reader sees, never by
	// the API's key.
	app.do("clear #title", chromedp.Evaluate[chromedp.Void](`document.querySelector('#title').value = ''`))
	if msg := app.submitExpectingError("#save-draft"); !strings.Contains(msg, "应用场景名称不能为空") || strings.Contains(msg, "title") {
		t.Errorf("no title: %q", msg)
	}
	app.set("#title", "浏览器改名的场景")
	app.set("#period_months", "61")
	if msg := app.submitExpectingError("#save-draft"); !strings.Contains(msg, "5 年") {
		t.Errorf("61 months: %q", msg)
	}
	if got := app.fieldError("#period_months"); got == "" {
		t.Errorf("the period's error is not at its field")
	}
	app.set("#period_months", "18")
	app.submit("#save-draft")
	app.waitURL("/applications/" + id)
	if h := app.text("h1"); !strings.Contains(h, "浏览器改名的场景") {
		t.Errorf("after saving: %q", h)
	}
	got, err := e.st.Application(context.Background(), draft.ID)
	if err != nil || got.Title != "浏览器改名的场景" || got.PeriodMonths != 18 || got.Status != domain.StatusDraft {
		t.Errorf("saved draft: %+v %v", got, err)
	}

	// Save and submit: the draft is saved, then submitted, its workflow
	// started on a real (embedded) Temporal server with the saved values.
	// No worker runs it: the test reads what it was started with.
	tc := startTemporal(t)
	e.srv.Temporal = tc
	app.open("/applications/" + id + "/edit")
	app.set("#title", "提交前再改的场景")
	app.submit("#submit-application")
	app.waitURL("/applications/" + id)
	got, err = e.st.Application(context.Background(), draft.ID)
	if err != nil || got.Title != "提交前再改的场景" || got.Status != domain.StatusSubmitted {
		t.Errorf("saved and submitted: %q %q %v", got.Title, got.Status, err)
	}
	if in := startedWith(t, tc, workflows.ApplicationWorkflowID(draft.ID)); in.Title != "提交前再改的场景" || in.ApplicationID != draft.ID {
		t.Errorf("the workflow was started with %+v", in)
	}
	if app.text("main") == "" || strings.Contains(app.text("main"), "编辑草稿") {
		t.Errorf("a submitted application still offers the editor")
	}

	// API tokens: a refusal at its field, then the token shown once, in
	// place, and listed (without its secret) after the refresh.
	app.open("/account/tokens")
	app.set("#tok-name", "浏览器令牌")
	app.set("#tok-ttl", "400")
	app.click("#token-form button[type=submit]")
	if msg := app.poll("ttl error", `document.querySelector('#tok-ttl').closest('.field').querySelector('.field-error')?.textContent || ''`); !strings.Contains(msg, "365") {
		t.Errorf("400 days: %q", msg)
	}
	app.set("#tok-ttl", "30")
	app.click("#token-form button[type=submit]")
	plain := app.poll("the new token", `(!document.querySelector('#token-once').hidden && document.querySelector('#tok-plain').value) || ''`)
	if !strings.HasPrefix(plain, identity.TokenPrefix) {
		t.Fatalf("shown token %q", plain)
	}
	app.click("#token-done")
	app.poll("the list", `document.readyState === 'complete' && document.querySelector('#token-once')?.hidden && document.querySelector('#tokens').textContent.includes('浏览器令牌') ? 'yes' : ''`)
	if body := app.text("main"); strings.Contains(body, plain) {
		t.Errorf("the secret is on the page after the refresh")
	}

	// The admin's org form: the wrong check character is shown at the
	// credit-code field, in Chinese; the right one creates the org.
	adm := tab("admin")
	adm.open("/admin")
	adm.click("#orgs details.subform summary")
	adm.set("#no-code", "browser-co")
	adm.set("#no-name", "浏览器科技有限公司")
	adm.set("#no-kind", "applicant")
	adm.set("#no-credit", "91440106MA5D7K2R4G")
	if msg := adm.submitExpectingError("#org-form button[type=submit]"); !strings.Contains(msg, "校验位") {
		t.Errorf("wrong check character: %q", msg)
	}
	if got := adm.fieldError("#no-credit"); !strings.Contains(got, "统一社会信用代码") {
		t.Errorf("the credit code's error is not at its field: %q", got)
	}
	adm.set("#no-credit", "91440106MA5D7K2R4F")
	adm.submit("#org-form button[type=submit]")
	adm.wait("#org-browser-co")
}

// startTemporal starts an embedded Temporal server and a client of it,
// both stopped when the test ends.
func startTemporal(t *testing.T) temporal.Client {
	t.Helper()
	port, err := embedded.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	srv, err := embedded.Start(embedded.Options{FrontendPort: port, Namespace: "web-test", LogLevel: "error"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	c, err := temporal.Dial(temporal.Options{HostPort: srv.Address(), Namespace: "web-test",
		Logger: sdklog.NewStructuredLogger(slog.New(slog.DiscardHandler))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
}

// startedWith is the input workflow id was started with, from the first
// event of its history.
func startedWith(t *testing.T, c temporal.Client, id string) workflows.ApplicationInput {
	t.Helper()
	var in workflows.ApplicationInput
	it := c.GetWorkflowHistory(context.Background(), id, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	if !it.HasNext() {
		t.Fatalf("workflow %s was not started", id)
	}
	ev, err := it.Next()
	if err != nil {
		t.Fatalf("history of %s: %v", id, err)
	}
	if err := converter.GetDefaultDataConverter().FromPayloads(ev.GetWorkflowExecutionStartedEventAttributes().GetInput(), &in); err != nil {
		t.Fatalf("input of %s: %v", id, err)
	}
	return in
}

// wallClock sets the test clock to the wall clock: the browser keeps a
// cookie until its expiry by the wall clock.
func (e *env) wallClock() {
	e.clock.mu.Lock()
	e.clock.now = time.Now()
	e.clock.mu.Unlock()
}

// signedInTab opens a tab of its own (its own cookies) in the browser bctx
// and signs user in there.
func signedInTab(t *testing.T, bctx context.Context, e *env, user string) *btab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// The tab opens on the context's first use, which must not be one
	// with a timeout: the tab would close with it.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab for %s: %v", user, err)
	}
	b := &btab{t: t, ctx: ctx, base: e.http.URL}
	b.open("/login")
	b.set("#username", user)
	b.set("#password", identity.DemoPassword)
	b.submit("#login-submit")
	b.wait("#sign-out")
	return b
}

// btab is one user's tab.
type btab struct {
	t    *testing.T
	ctx  context.Context
	base string
}

func (b *btab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
}

func (b *btab) open(path string) { b.t.Helper(); b.do("open "+path, chromedp.Navigate(b.base+path)) }
func (b *btab) wait(sel string) {
	b.t.Helper()
	b.do("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
}
func (b *btab) click(sel string) { b.t.Helper(); b.do("click "+sel, chromedp.Click(chromedp.CSS(sel))) }
func (b *btab) set(sel, v string) {
	b.t.Helper()
	b.do("fill "+sel, chromedp.SetValue(chromedp.CSS(sel), v))
}

func (b *btab) text(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("read %s: %v", sel, err)
	}
	return s
}

// poll evaluates js until it returns a non-empty string, across page loads.
func (b *btab) poll(what, js string) string {
	b.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
		cancel()
		if err == nil && s != "" {
			return s
		}
		time.Sleep(50 * time.Millisecond)
	}
	b.t.Fatalf("%s: timed out", what)
	return ""
}

// fieldError is the error shown in the field of the input sel, if any.
func (b *btab) fieldError(sel string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	s, _ := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(
		`(() => { const el = document.querySelector(%q); const e = el && el.closest('.field').querySelector('.field-error');
		 return e && el.getAttribute('aria-invalid') === 'true' ? e.textContent : ''; })()`, sel)))
	return s
}

// browserOutcome is "loaded" once a new page has loaded after the mark, or
// the text of the first form error shown on the old page.
const browserOutcome = `(() => {
  if (!window.__dgStale && document.readyState === 'complete') return 'loaded';
  const e = window.__dgStale && document.querySelector('.field-error, .form-error');
  return e ? 'error: ' + e.textContent : '';
})()`

func (b *btab) submit(sel string) {
	b.t.Helper()
	b.do("mark", chromedp.Evaluate[chromedp.Void](`window.__dgStale = true`))
	b.click(sel)
	if got := b.poll("submit "+sel, browserOutcome); got != "loaded" {
		b.t.Fatalf("submit %s: %s", sel, got)
	}
}

func (b *btab) submitExpectingError(sel string) string {
	b.t.Helper()
	b.do("mark", chromedp.Evaluate[chromedp.Void](`window.__dgStale = true`))
	b.click(sel)
	got := b.poll("submit "+sel, browserOutcome)
	if !strings.HasPrefix(got, "error: ") {
		b.t.Fatalf("submit %s: want an error, got %s", sel, got)
	}
	return strings.TrimPrefix(got, "error: ")
}

func (b *btab) waitURL(path string) {
	b.t.Helper()
	b.poll("wait for "+path, fmt.Sprintf(`location.pathname === %q && document.readyState === 'complete' && !window.__dgStale ? 'yes' : ''`, path))
}
