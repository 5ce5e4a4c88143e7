// Package browsertest starts the headless Chromium that the browser tests
// drive with chromedp.
package browsertest

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Chromium is the path of Debian's chromium. Without it the test is
// skipped, or fails when DATAGATE_REQUIRE_BROWSER is set (CI sets it).
func Chromium(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("DATAGATE_REQUIRE_BROWSER") == "" {
			t.Skip("chromium is not on PATH: install it with `apt-get install -y chromium fonts-wqy-microhei` " +
				"(set DATAGATE_REQUIRE_BROWSER=1 to fail instead of skipping)")
		}
		t.Fatalf("DATAGATE_REQUIRE_BROWSER is set, but chromium is not on PATH: %v", err)
	}
	return path
}

// Start starts one headless browser, a Chinese user's (the pages speak
// zh-CN until the toggle), 1280×900, stopped when the test ends. Tabs are
// chromedp contexts made from the one it returns; give each user
// chromedp.WithNewBrowserContext() for cookies of its own.
func Start(t testing.TB, chromium string) context.Context {
	t.Helper()
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "zh-CN"), chromedp.Flag("accept-lang", "zh-CN,zh"),
		chromedp.UserDataDir(t.TempDir()), chromedp.WindowSize(1280, 900))
	t.Cleanup(cancelAlloc)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	began := time.Now()
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	t.Logf("chromium started in %s", time.Since(began).Round(time.Millisecond))
	return bctx
}

// Axe is the source of axe-core (axe.min.js, from npm), read from the
// file DATAGATE_AXE names, for the accessibility checks the browser tests
// inject into each page. Without it the check is skipped, or fails when
// DATAGATE_REQUIRE_AXE is set (CI installs axe-core and sets both).
func Axe(t testing.TB) string {
	t.Helper()
	path := os.Getenv("DATAGATE_AXE")
	if path == "" {
		if os.Getenv("DATAGATE_REQUIRE_AXE") == "" {
			t.Skip("DATAGATE_AXE is not set: `npm install axe-core@4.14.1` and set it to node_modules/axe-core/axe.min.js " +
				"(set DATAGATE_REQUIRE_AXE=1 to fail instead of skipping)")
		}
		t.Fatal("DATAGATE_REQUIRE_AXE is set, but DATAGATE_AXE names no axe.min.js")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read axe-core: %v", err)
	}
	return string(b)
}
