package web_test

import (
	"strings"
	"testing"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/internal/browsertest"
)

// TestBrowserCopy walks a 抄送 in a real browser: a reviewer sends its
// application to another department from the application's page, first
// without a note (refused at the field), then with one; that department
// finds it under 抄送我的, opens the application, and marks the copy read.
func TestBrowserCopy(t *testing.T) {
	chromium := browsertest.Chromium(t)
	if testing.Short() {
		t.Skip("starts a browser")
	}
	e := newEnv(t)
	e.wallClock()
	now := e.clock.Now()
	a := e.application("acme-fintech", "applicant", "小微企业信贷风控", domain.StatusDepartmentReview, "DS-0100")
	e.task(a, 2, domain.TaskDepartmentReview, "gsa", now, now.AddDate(0, 0, 20))
	bctx := browsertest.Start(t, chromium)

	gsa := signedInTab(t, bctx, e, "reviewer-gsa")
	gsa.open("/applications/1")
	gsa.wait("#copies-1 .copy-form")
	gsa.set("#copy-org-1", "hrss")
	if msg := gsa.submitExpectingError(".copy-form button[type=submit]"); !strings.Contains(msg, "note") && !strings.Contains(msg, "备注") {
		t.Errorf("a copy without a note: %q", msg)
	}
	if got := gsa.fieldError("#copy-note-1"); got == "" {
		t.Errorf("the refusal is not shown at the note")
	}
	gsa.set("#copy-note-1", "涉及贵局人才补贴数据，请知悉")
	gsa.submit(".copy-form button[type=submit]")
	gsa.wait(".copy-list li")
	if got := gsa.text(".copy-list li"); !strings.Contains(got, "市人力资源和社会保障局") || !strings.Contains(got, "未读") {
		t.Errorf("the copy on the application page: %q", got)
	}

	hrss := signedInTab(t, bctx, e, "reviewer-hrss")
	hrss.open("/inbox/copies")
	hrss.wait("#copies-list")
	hrss.shot("copies-list")
	if got := hrss.text("#copies-list tbody tr"); !strings.Contains(got, "涉及贵局人才补贴数据，请知悉") || !strings.Contains(got, "部门审核员 · 市政务服务管理局") {
		t.Errorf("the copy in 抄送我的: %q", got)
	}
	hrss.submit("#copies-list tbody tr button[type=submit]")
	hrss.wait("#copies-list")
	if got := hrss.text("#copies-list tbody tr"); !strings.Contains(got, "已阅") {
		t.Errorf("after marking it read: %q", got)
	}
	hrss.click("#copies-list td.title a")
	hrss.waitURL("/applications/1")
	hrss.wait("#app-1")
}
