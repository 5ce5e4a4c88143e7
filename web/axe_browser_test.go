package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/internal/browsertest"
	"github.com/datagate/datagate/store"
)

// TestBrowserAxe runs axe-core (from npm) on every page, as each role
// that opens it, in Chinese and in English, and fails on any serious or
// critical violation (issue 17).
func TestBrowserAxe(t *testing.T) {
	chromium := browsertest.Chromium(t)
	axe := browsertest.Axe(t)
	if testing.Short() {
		t.Skip("starts a browser")
	}
	e := newEnv(t)
	e.wallClock()
	f := e.fixture()
	now := e.clock.Now()
	closed := e.application("acme-fintech", "applicant", "已办结场景", domain.StatusClosed, "DS-0100")
	e.task(closed, 1, domain.TaskInitialReview, "bdc", now.Add(-40*24*time.Hour), now.Add(-30*24*time.Hour))
	app := fmt.Sprintf("/applications/%d", f.app.ID)
	if r := e.as("reviewer-gsa").post("/api/v1/applications/"+itoa(f.app.ID)+"/copies", map[string]string{"to_org": "hrss", "note": "请知悉"}); r.Status != 201 {
		t.Fatalf("copy: %d %s", r.Status, r.Body)
	}
	consented := e.activeWithConsent(3, now.AddDate(1, 0, 0).Format(time.DateOnly))
	if r := e.as("applicant").post(fmt.Sprintf("/api/v1/applications/%d/uses", consented.ID),
		map[string]string{"dataset": "DS-0111", "matter": "核验贷款申请人的社保缴费记录"}); r.Status != 201 {
		t.Fatalf("use: %d %s", r.Status, r.Body)
	}
	pf := e.procFixture()
	proc := func(id uint64) string { return fmt.Sprintf("/procedures/%d", id) }
	// A measure in force on the consented authorization: its section, the
	// bureau's lifting form and the public list.
	if err := e.st.Apply(t.Context(), store.Change{Restrictions: []store.Restriction{{ApplicationID: consented.ID, No: 1,
		Measure: domain.MeasureRestrict, Scope: "仅保留沙箱访问", Reason: "调用频次异常", Basis: "第三十条", ImposedBy: "bureau_officer",
		StartedAt: now, State: domain.RestrictionInForce, Appeal: domain.AppealNone}}}); err != nil {
		t.Fatal(err)
	}
	bctx := browsertest.Start(t, chromium)

	pages := map[string][]string{
		"": {"/login", "/catalog", "/catalog/DS-0100", "/catalog/DS-0111", "/disclosure"},
		"applicant": {"/applications", app, fmt.Sprintf("/applications/%d", closed.ID), "/applications/new",
			"/applications/new?datasets=DS-0111", fmt.Sprintf("/applications/%d", consented.ID),
			fmt.Sprintf("/applications/%d/edit", f.draft.ID), "/account/tokens", "/account/2fa",
			"/procedures", proc(pf.objection.ID), "/catalog/request", "/catalog/DS-0104"},
		"reviewer-health":  {"/inbox", "/procedures", proc(pf.change.ID), proc(pf.objection.ID), "/catalog/propose", "/catalog/DS-0104"},
		"reviewer-gsa":     {"/inbox", "/inbox/done", app},
		"reviewer-hrss":    {"/inbox/copies", app},
		"initial_reviewer": {"/inbox", "/applications"},
		"supervisor":       {"/supervision", "/audit", app, "/procedures", proc(pf.change.ID)},
		"admin":            {"/admin"},
		"bureau_officer":   {fmt.Sprintf("/applications/%d", consented.ID), app},
	}
	run := fmt.Sprintf(`(async () => {
	  if (!window.axe) { %s }
	  const r = await axe.run(document, {resultTypes: ['violations']});
	  return JSON.stringify(r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
	    .map(v => ({id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})));
	})()`, axe)
	for user, paths := range pages {
		var tab *btab
		if user == "" {
			ctx, cancel := chromedp.NewContext(bctx, chromedp.WithNewBrowserContext())
			t.Cleanup(cancel)
			if err := chromedp.Do(ctx); err != nil {
				t.Fatal(err)
			}
			tab = &btab{t: t, ctx: ctx, base: e.http.URL}
		} else {
			tab = signedInTab(t, bctx, e, user)
		}
		for _, lang := range []string{"zh-CN", "en"} {
			if lang == "en" {
				tab.do("English", chromedp.Evaluate[chromedp.Void](`document.cookie = 'lang=en; path=/'`))
			}
			for _, path := range paths {
				tab.open(path)
				tab.wait("main")
				ctx, cancel := context.WithTimeout(tab.ctx, 60*time.Second)
				out, err := chromedp.Run(ctx, chromedp.Evaluate[string](run, chromedp.EvalAwaitPromise))
				cancel()
				if err != nil {
					t.Fatalf("axe on %s as %q: %v", path, user, err)
				}
				var found []struct {
					ID, Impact, Help string
					Nodes            []string
				}
				if err := json.Unmarshal([]byte(out), &found); err != nil {
					t.Fatalf("axe's answer on %s: %v", path, err)
				}
				for _, v := range found {
					t.Errorf("%s (%s, %q): %s %s: %s at %s", path, lang, user, v.Impact, v.ID, v.Help, strings.Join(v.Nodes, " | "))
				}
			}
		}
	}
}
