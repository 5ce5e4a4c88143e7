package web_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/datagate/datagate/internal/browsertest"
)

// TestBrowserDiagram shows the process diagram of a case returned once
// and now in two departments' parallel review, in Chromium, at a desktop's
// width and a phone's: the drawing is there with its done, current and
// future steps and the return's arc, and fits the screen (the page never
// scrolls sideways).
func TestBrowserDiagram(t *testing.T) {
	chromium := browsertest.Chromium(t)
	if testing.Short() {
		t.Skip("starts a browser")
	}
	e := newEnv(t)
	e.wallClock()
	a := e.reviewAfterReturn()
	bctx := browsertest.Start(t, chromium)
	tab := signedInTab(t, bctx, e, "reviewer-gsa")
	for _, width := range []int64{1280, 390} {
		tab.do("width", chromedp.EmulateViewport(width, 900))
		tab.open("/applications/" + itoa(a.ID))
		tab.wait("#process-" + itoa(a.ID) + " svg")
		got := tab.poll("the diagram", `(() => {
		  const svg = document.querySelector('.process svg');
		  if (!svg || document.readyState !== 'complete') return '';
		  const r = svg.getBoundingClientRect();
		  const n = (s) => svg.querySelectorAll(s).length;
		  return [r.width > 200 ? 'drawn' : 'tiny ' + r.width, r.right <= window.innerWidth + 0.5 ? 'fits' : 'cut off',
		    n('.pd-node.state-done') > 0 && n('.pd-node.state-current') >= 2 && n('.pd-node.state-future') > 0 ? 'states' : 'states missing',
		    n('.pd-arc.return') === 1 ? 'arc' : 'no arc',
		    document.documentElement.scrollWidth <= window.innerWidth ? 'no sideways scroll' : 'scrolls sideways'].join(', ');
		})()`)
		if got != "drawn, fits, states, arc, no sideways scroll" {
			t.Errorf("at %d px: %s", width, got)
		}
		tab.shot("diagram-" + itoa(uint64(width)))
	}
}
