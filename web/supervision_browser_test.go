package web_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/internal/browsertest"
)

// chartTextJS is the smallest text of the dashboard's charts as drawn on
// the screen, in px, and any label cut with "…", or links inside a chart.
const chartTextJS = `(() => {
  if (document.readyState !== 'complete') return '';
  const svgs = [...document.querySelectorAll('svg.chart')];
  if (!svgs.length) return 'no charts';
  let min = 1e9; const bad = [];
  for (const svg of svgs) {
    const k = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    for (const t of svg.querySelectorAll('text')) {
      min = Math.min(min, parseFloat(getComputedStyle(t).fontSize) * k);
      if (t.textContent.includes('…')) bad.push('cut: ' + t.textContent);
    }
    if (svg.querySelector('a')) bad.push('a link in ' + svg.id);
  }
  const over = document.documentElement.scrollWidth - window.innerWidth;
  if (over > 0) bad.push('the page is ' + over + ' px wider than the screen');
  return min.toFixed(1) + (bad.length ? ' ' + bad.join('; ') : '');
})()`

// TestBrowserSupervisionCharts: the dashboard's chart text is at least
// 12 px on the screen, at a desktop's width and a phone's 390 px, in
// Chinese and in English (long department names wrap, uncut), and no
// chart holds a link.
func TestBrowserSupervisionCharts(t *testing.T) {
	chromium := browsertest.Chromium(t)
	if testing.Short() {
		t.Skip("starts a browser")
	}
	e := newEnv(t)
	e.wallClock()
	now := e.clock.Now()
	e.fixture()
	// Overdue work in departments with long English names.
	for i, org := range []string{"culture", "nfra", "samr", "hrss"} {
		a := e.application("acme-fintech", "applicant", "超期场景", domain.StatusDepartmentReview, "DS-0100")
		e.task(a, i+1, domain.TaskDepartmentReview, org, now.Add(-20*24*time.Hour), now.Add(-time.Duration(i+1)*24*time.Hour))
	}
	bctx := browsertest.Start(t, chromium)
	sup := signedInTab(t, bctx, e, "supervisor")
	for _, lang := range []string{"zh-CN", "en"} {
		sup.open("/lang?to=" + lang + "&next=/supervision")
		sup.waitURL("/supervision")
		for _, w := range []int64{1280, 390} {
			sup.do("width", chromedp.EmulateViewport(w, 900))
			sup.open("/supervision")
			got := sup.poll("chart text", chartTextJS)
			size, rest, _ := strings.Cut(got, " ")
			if px, err := strconv.ParseFloat(size, 64); err != nil || px < 11.95 || rest != "" {
				t.Errorf("%s at %d px: smallest chart text %s px; %s", lang, w, size, rest)
			}
			sup.shot("supervision-" + lang + "-" + itoa(uint64(w)))
		}
	}
}
