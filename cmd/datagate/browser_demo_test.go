package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/datagate/datagate/internal/browsertest"
)

// On a first start's demo data, in a real browser: a department reviewer
// finds the application waiting in its inbox, with its purpose, and
// approves it from there at once; the bureau, an applicant and the
// supervisor each find theirs. The screenshots of docs/screenshots
// (inbox, department review, applicant, supervision) are these.
func TestBrowserDemoData(t *testing.T) {
	chromium := browsertest.Chromium(t)
	if testing.Short() {
		t.Skip("starts a Temporal server and a browser")
	}
	shots := screenshotDir(t)
	cfg, err := parseConfig("dev", []string{"--data", t.TempDir(), "--http", "127.0.0.1:0",
		"--temporal-port", fmt.Sprint(freePort(t)), "--temporal-ui-port", "off"}, env("DATAGATE_RATE_LIMIT", "off"), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	s, err := startDev(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	bctx := browsertest.Start(t, chromium)
	w := &walk{t: t, base: "http://" + s.addr, browser: bctx, shots: shots, tabs: map[string]*tab{}}
	defer w.close()

	// The department's inbox: 小微企业信贷风控, with what it is for.
	gsa := w.signIn("reviewer-gsa")
	gsa.openUntil("/inbox", `[id^="task-application-"] details.decide`)
	card := "#" + gsa.poll("the card of 小微企业信贷风控", `(() => {
  const c = [...document.querySelectorAll('[id^="task-application-"]')].find(e => e.textContent.includes('小微企业信贷风控'));
  return c ? c.id : '';
})()`)
	gsa.eval(`document.querySelector('` + card + ` details.app-facts').open = true`)
	if got := gsa.text(card); !strings.Contains(got, "授信评估与贷后风险预警") {
		t.Errorf("the department's inbox card does not show the application's purpose: %q", got)
	}
	gsa.shot("demo-01-inbox-department")
	gsa.click(card + " details.decide > summary")
	gsa.shot("demo-02-department-review")
	gsa.submit(card + ` button[value="approve"]`)
	gsa.gone(card)

	bureau := w.signIn("bureau_officer")
	bureau.openUntil("/inbox", `[id^="task-application-"]`)
	if got := bureau.text("main"); !containsAll(got, "商业健康险快速理赔", "惠企政策匹配模型") {
		t.Errorf("the bureau's inbox lacks the agreement to sign or the model to review: %q", got)
	}
	bureau.shot("demo-03-inbox-bureau")

	app := w.signIn("applicant2")
	app.open("/applications")
	app.wait("main")
	if got := app.text("main"); !containsAll(got, "基层慢病管理辅助决策", "商业健康险快速理赔", "景区客流预测与疏导") {
		t.Errorf("the applicant's applications page lacks its demo applications: %q", got)
	}
	app.shot("demo-04-applicant")

	sup := w.signIn("supervisor")
	// Nothing is overdue on day one: the dashboard says so, and lists
	// what falls due soon.
	sup.openUntil("/supervision", `#sup-summary`)
	sup.shot("demo-05-supervision")
}

func containsAll(s string, parts ...string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
