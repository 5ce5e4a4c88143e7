// Package pdftext reads a PDF's text back in tests, with poppler's
// pdftotext: what a reader's viewer would extract.
package pdftext

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Text is the PDF's text as pdftotext extracts it (UTF-8), with extra
// pdftotext arguments. Without pdftotext the test is skipped, unless
// DATAGATE_REQUIRE_PDFTOTEXT is set (CI), when it fails.
func Text(t testing.TB, pdf []byte, args ...string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		if os.Getenv("DATAGATE_REQUIRE_PDFTOTEXT") != "" {
			t.Fatal("pdftotext (poppler-utils) is required: DATAGATE_REQUIRE_PDFTOTEXT is set")
		}
		t.Skip("pdftotext (apt poppler-utils) is not installed")
	}
	path := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, append(append([]string{"-enc", "UTF-8"}, args...), path, "-")...).Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return string(out)
}
