package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/internal/browsertest"
	"github.com/datagate/datagate/store"
)

// TestBrowserConsent runs the application form's consent in a real
// browser: picking a dataset that requires its data subjects' consent
// shows the consent's fieldset; a missing basis and a term that ended are
// refused at their fields, by their labels; a complete one is saved with
// the draft; unpicking the dataset hides the fieldset and sends none of
// it. On an active authorization, the applicant records a use: another
// matter is refused at the matter, the consented one is recorded.
func TestBrowserConsent(t *testing.T) {
	chromium := browsertest.Chromium(t)
	if testing.Short() {
		t.Skip("starts a browser")
	}
	e := newEnv(t)
	e.wallClock()
	ctx := context.Background()
	today := time.Now().In(calendar.Zone)
	bctx := browsertest.Start(t, chromium)
	app := signedInTab(t, bctx, e, "applicant")

	app.open("/applications/new?datasets=DS-0100")
	app.wait("#application-form")
	if hidden := app.poll("the fieldset", `document.getElementById('consent-DS-0111').hidden ? 'hidden' : 'shown'`); hidden != "hidden" {
		t.Errorf("the consent of a dataset not picked is %s", hidden)
	}
	pick := func(on bool) {
		t.Helper()
		app.do("pick DS-0111", chromedp.Evaluate[chromedp.Void](`(() => { const b = document.getElementById('ds-DS-0111');
			b.closest('details').open = true; if (b.checked !== `+map[bool]string{true: "true", false: "false"}[on]+`) b.click(); })()`))
	}
	pick(true)
	app.wait("#consent-DS-0111-matter")
	app.set("#title", "社保缴费核验授信")
	app.set("#purpose", "核验贷款申请人的社保缴费记录")
	if msg := app.submitExpectingError("#save-draft"); !strings.Contains(msg, "须经数据主体授权同意后使用") {
		t.Errorf("no basis: %q", msg)
	}
	app.set("#consent-DS-0111-matter", "核验贷款申请人的社保缴费记录")
	app.set("#consent-DS-0111-accesses", "3")
	app.set("#consent-DS-0111-until", today.AddDate(0, 0, -1).Format(time.DateOnly))
	app.set("#consent-DS-0111-evidence", "授权书编号 SQ-2026-001")
	app.submitExpectingError("#save-draft")
	if msg := app.fieldError("#consent-DS-0111-until"); !strings.Contains(msg, "“使用期限（截止日）”") || !strings.Contains(msg, "已届满") || strings.Contains(msg, "consents.") {
		t.Errorf("a term that ended, at its field: %q", msg)
	}
	until := today.AddDate(1, 0, 0).Format(time.DateOnly)
	app.set("#consent-DS-0111-until", until)
	app.submit("#save-draft")
	app.wait("#app-consent-DS-0111")
	list, err := e.st.Applications(ctx, store.ApplicationFilter{ApplicantOrg: "acme-fintech"})
	if err != nil || len(list) != 1 {
		t.Fatalf("drafts: %d %v", len(list), err)
	}
	id := list[0].ID
	a, err := e.st.Application(ctx, id)
	if err != nil || len(a.Consents) != 1 || a.Consents[0].MaxAccesses != 3 || a.Consents[0].Until != until || a.Consents[0].Matter != "核验贷款申请人的社保缴费记录" {
		t.Fatalf("the saved consent: %+v %v", a.Consents, err)
	}

	// Unpicked, the dataset's consent is neither shown nor sent.
	app.open("/applications/" + itoa(id) + "/edit")
	app.wait("#consent-DS-0111-matter")
	pick(false)
	if hidden := app.poll("the fieldset", `document.getElementById('consent-DS-0111').hidden ? 'hidden' : 'shown'`); hidden != "hidden" {
		t.Errorf("the consent of an unpicked dataset is %s", hidden)
	}
	app.submit("#save-draft")
	app.waitURL("/applications/" + itoa(id))
	if a, err := e.st.Application(ctx, id); err != nil || len(a.Consents) != 0 || len(a.Datasets) != 1 {
		t.Errorf("after unpicking: %+v %+v %v", a.Datasets, a.Consents, err)
	}

	// An active authorization: a use for another matter is refused at the
	// matter; the consented one is recorded, and the accesses left shown.
	act := e.activeWithConsent(2, until)
	form := "#use-form-" + itoa(act.ID)
	app.open("/applications/" + itoa(act.ID))
	app.wait(form)
	app.set("#use-dataset-"+itoa(act.ID), "DS-0111")
	app.set("#use-matter-"+itoa(act.ID), "营销获客")
	if msg := app.submitExpectingError(form + " button[type=submit]"); !strings.Contains(msg, "数据主体仅同意") {
		t.Errorf("another matter: %q", msg)
	}
	if got := app.fieldError("#use-matter-" + itoa(act.ID)); got == "" {
		t.Errorf("the refusal is not shown at the matter")
	}
	app.set("#use-matter-"+itoa(act.ID), "核验贷款申请人的社保缴费记录")
	app.submit(form + " button[type=submit]")
	app.wait("#consent-use-DS-0111")
	if got := app.text("#consent-use-DS-0111"); !strings.Contains(got, "剩余 1 次") {
		t.Errorf("after a use: %q", got)
	}
	if got := app.poll("the flash", `document.querySelector('#flash .flash')?.textContent || ''`); !strings.Contains(got, "已登记数据调用") {
		t.Errorf("the flash after a use: %q", got)
	}
}
