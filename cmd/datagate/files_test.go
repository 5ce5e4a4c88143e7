package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/datagate/datagate/files"
	"github.com/datagate/datagate/store"
)

// TestFilesCheck: `datagate files check` finds, in a dev data directory,
// an attachment whose file is missing and one whose bytes were changed
// (exit 1, naming each by its application and record), and lists the
// orphans; with --delete-orphans it deletes the old orphan and spares the
// young one and every named file.
func TestFilesCheck(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open("sqlite://" + filepath.Join(dir, "datagate.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	fs := files.NewDir(filepath.Join(dir, "files"))
	put := func(content string, age time.Duration) string {
		sum := sm3.Sum([]byte(content))
		d := hex.EncodeToString(sum[:])
		if err := fs.Put(ctx, d, strings.NewReader(content), int64(len(content))); err != nil {
			t.Fatal(err)
		}
		at := time.Now().Add(-age)
		if err := os.Chtimes(filepath.Join(fs.Path, d[:2], d), at, at); err != nil {
			t.Fatal(err)
		}
		return d
	}
	attach := func(name, digest string) {
		a := &store.Attachment{ApplicationID: 1, Kind: "qualification", Name: name, MediaType: "application/pdf", Size: 10,
			SM3: digest, UploadedBy: "applicant", UploaderOrg: "acme", UploadedAt: time.Now()}
		if err := st.AddAttachment(ctx, a, "applicant", 0); err != nil {
			t.Fatal(err)
		}
	}
	kept := put("%PDF-1.7 kept", 90*24*time.Hour)
	attach("营业执照.pdf", kept)
	changed := put("%PDF-1.7 changed", time.Hour)
	attach("安全管理制度.pdf", changed)
	if err := os.WriteFile(filepath.Join(fs.Path, changed[:2], changed), []byte("%PDF-1.7 edited"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := hex.EncodeToString(bytes.Repeat([]byte{0xab}, 32))
	attach("数据需求说明.pdf", missing)
	oldOrphan := put("%PDF-1.7 an old orphan", 48*time.Hour)
	youngOrphan := put("%PDF-1.7 a young orphan", time.Hour)
	st.Close()

	check := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append([]string{"files", "check", "--data", dir}, args...), func(string) string { return "" }, &out, io.Discard)
		return out.String(), err
	}
	out, err := check()
	if err == nil {
		t.Errorf("a missing and a changed file, and the check passed:\n%s", out)
	}
	for _, want := range []string{"missing: application 1, attachment 3 数据需求说明.pdf, sm3 " + missing,
		"changed (its bytes are not those recorded): application 1, attachment 2 安全管理制度.pdf",
		"orphan: sm3 " + oldOrphan, "orphan: sm3 " + youngOrphan, "2 missing or changed, 2 orphans"} {
		if !strings.Contains(out, want) {
			t.Errorf("the check does not say %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, kept) {
		t.Errorf("the check reports the intact file:\n%s", out)
	}

	// Deleting the orphans spares the young one and every named file
	// (the changed one is reported again, and kept).
	out, _ = check("--delete-orphans")
	if !strings.Contains(out, "orphan, deleted: sm3 "+oldOrphan) || !strings.Contains(out, "orphan, spared (younger than --min-age): sm3 "+youngOrphan) {
		t.Errorf("deleting the orphans:\n%s", out)
	}
	left := map[string]bool{}
	fs.List(ctx, func(e files.Entry) error { left[e.Digest] = true; return nil })
	if left[oldOrphan] || !left[youngOrphan] || !left[kept] || !left[changed] {
		t.Errorf("left in the store: %v", left)
	}
	if _, err := check("--delete-orphans", "--min-age", "1m"); err == nil {
		t.Error("a --min-age shorter than an upload's time was accepted")
	}
}
