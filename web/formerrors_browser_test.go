package web_test

import (
	"testing"

	"github.com/datagate/datagate/internal/browsertest"
)

// TestBrowserEveryRefusalAtOnce: an application form sent with several
// fields wrong shows each refusal at its field in one go (no longer one
// a submission), and the first refused field takes the focus.
func TestBrowserEveryRefusalAtOnce(t *testing.T) {
	chromium := browsertest.Chromium(t)
	if testing.Short() {
		t.Skip("starts a browser")
	}
	e := newEnv(t)
	e.wallClock()
	bctx := browsertest.Start(t, chromium)
	app := signedInTab(t, bctx, e, "applicant")
	app.open("/applications/new")
	app.wait("#application-form")
	app.set("#period_months", "0")
	app.submitExpectingError("#application-form button[type=submit]")
	for _, sel := range []string{"#title", "#purpose", "#period_months"} {
		if got := app.fieldError(sel); got == "" {
			t.Errorf("no refusal shown at %s", sel)
		}
	}
	if n := app.poll("count the refusals", `String(document.querySelectorAll('#application-form .field-error').length)`); n != "4" {
		t.Errorf("%s refusals shown, want 4 (title, purpose, period, datasets)", n)
	}
	if got := app.poll("focus", `document.activeElement ? document.activeElement.id || '-' : '-'`); got != "title" {
		t.Errorf("the focus is on %q, want the title", got)
	}
}
