package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/internal/browsertest"
)

// In Chromium, the applicant attaches a PDF from the application page and
// sees it listed; a file whose content is not a PDF though it is named
// .pdf is refused next to the file input in Chinese and adds nothing.
func TestBrowserAttachments(t *testing.T) {
	chromium := browsertest.Chromium(t)
	if testing.Short() {
		t.Skip("starts a browser")
	}
	e := newEnv(t)
	e.wallClock()
	a := e.application("acme-fintech", "applicant", "附件测试", domain.StatusInitialReview, "DS-0100")
	dir := t.TempDir()
	good := filepath.Join(dir, "营业执照.pdf")
	bad := filepath.Join(dir, "伪装.pdf")
	if err := os.WriteFile(good, []byte("%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("这不是 PDF"), 0o600); err != nil {
		t.Fatal(err)
	}

	b := signedInTab(t, browsertest.Start(t, chromium), e, "applicant")

	id := itoa(a.ID)
	file := "#upload-file-" + id
	b.open("/applications/" + id)
	b.do("choose the disguised file", chromedp.SetUploadFiles(chromedp.CSS(file), []string{bad}))
	if msg := b.submitExpectingError(".upload-form button[type=submit]"); !strings.Contains(msg, "伪装.pdf") || !strings.Contains(msg, "不属于允许的类型") {
		t.Errorf("the refusal reads %q", msg)
	}
	if got := b.fieldError(file); got == "" {
		t.Error("the refusal is not shown at the file input")
	}
	if list, _ := e.st.Attachments(context.Background(), a.ID); len(list) != 0 {
		t.Fatalf("a refused file was recorded: %+v", list)
	}

	b.do("choose the PDF", chromedp.SetUploadFiles(chromedp.CSS(file), []string{good}))
	b.submit(".upload-form button[type=submit]")
	b.wait(".attachment-list")
	if got := b.text(".attachment-list"); !strings.Contains(got, "营业执照.pdf") || !strings.Contains(got, "资质证明") {
		t.Errorf("the list reads %q", got)
	}
	if list, _ := e.st.Attachments(context.Background(), a.ID); len(list) != 1 || list[0].Name != "营业执照.pdf" {
		t.Errorf("recorded %+v", list)
	}
}
