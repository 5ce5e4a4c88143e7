package files_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm3"
	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/datagate/datagate/files"
)

func zipOf(t *testing.T, names ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, n := range names {
		f, err := w.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		f.Write([]byte("<x/>"))
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func imageOf(t *testing.T, enc func(io.Writer, image.Image) error) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := enc(&b, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// Samples are real files of each allowed type, and of some refused ones.
func samples(t *testing.T) map[string][]byte {
	return map[string][]byte{
		"pdf":  []byte("%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
		"png":  imageOf(t, png.Encode),
		"jpeg": imageOf(t, func(w io.Writer, m image.Image) error { return jpeg.Encode(w, m, nil) }),
		"ofd":  zipOf(t, "OFD.xml", "Doc_0/Document.xml"),
		"docx": zipOf(t, "[Content_Types].xml", "word/document.xml"),
		"xlsx": zipOf(t, "[Content_Types].xml", "xl/workbook.xml"),
	}
}

func TestDetectKnowsTypesByContent(t *testing.T) {
	for want, b := range samples(t) {
		got, err := files.Detect(bytes.NewReader(b), int64(len(b)))
		if err != nil || got.Name != want {
			t.Errorf("%s: detected %q, %v", want, got.Name, err)
		}
	}
	refused := map[string][]byte{
		"text":            []byte("just some text, named .pdf"),
		"html":            []byte("<html><script>alert(1)</script></html>"),
		"windows program": append([]byte("MZ\x90\x00"), make([]byte, 64)...),
		"plain zip":       zipOf(t, "a.txt"),
		"broken zip":      []byte("PK\x03\x04 not really"),
		"empty":           nil,
		"pptx":            zipOf(t, "[Content_Types].xml", "ppt/presentation.xml"),
	}
	for name, b := range refused {
		if got, err := files.Detect(bytes.NewReader(b), int64(len(b))); !errors.Is(err, files.ErrTypeNotAllowed) {
			t.Errorf("%s: detected %q, %v; want refused", name, got.Name, err)
		}
	}
}

func TestCleanName(t *testing.T) {
	pdf, _ := files.TypeByName("pdf")
	jpg, _ := files.TypeByName("jpeg")
	ok := map[string]string{
		"资质证明.pdf":                        "资质证明.pdf",
		`C:\Users\张三\营业执照.PDF`:            "营业执照.PDF",
		"../../etc/passwd.pdf":            "passwd.pdf",
		"  报告\x00\r\n<b>.pdf  ":           "报告b.pdf",
		"a\u202egpj.pdf":                  "agpj.pdf", // a right-to-left override hides the real extension
		"scan.JPEG":                       "scan.JPEG",
		strings.Repeat("长", 300) + ".pdf": strings.Repeat("长", files.MaxNameRunes-4) + ".pdf",
	}
	for in, want := range ok {
		typ := pdf
		if strings.HasSuffix(strings.ToLower(in), "jpeg") {
			typ = jpg
		}
		got, err := files.CleanName(in, typ)
		if err != nil || got != want {
			t.Errorf("CleanName(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "...", " / ", ".pdf", "报告.exe", "报告.pdf.exe", "报告"} {
		got, err := files.CleanName(in, pdf)
		var e *files.ErrName
		if !errors.As(err, &e) {
			t.Errorf("CleanName(%q) = %q, %v; want refused", in, got, err)
		}
	}
	_, err := files.CleanName("photo.png", pdf)
	var e *files.ErrName
	if !errors.As(err, &e) || e.Detected.Name != "pdf" || !strings.Contains(err.Error(), ".pdf") {
		t.Errorf("a PDF named .png: %v", err)
	}
}

func spoolCount(t *testing.T, dir string) int {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "datagate-upload-*"))
	if err != nil {
		t.Fatal(err)
	}
	return len(m)
}

func TestReceive(t *testing.T) {
	dir := t.TempDir()
	pdf := samples(t)["pdf"]
	u, err := files.Receive(bytes.NewReader(pdf), int64(len(pdf)), dir)
	if err != nil {
		t.Fatal(err)
	}
	sum := sm3.Sum(pdf)
	if u.Digest != hex.EncodeToString(sum[:]) || u.Size != int64(len(pdf)) || u.Type.Name != "pdf" {
		t.Errorf("upload %+v", u)
	}
	back, _ := io.ReadAll(u.Reader())
	if !bytes.Equal(back, pdf) {
		t.Error("the spool does not hold the bytes")
	}
	u.Close()
	if n := spoolCount(t, dir); n != 0 {
		t.Errorf("%d spools left after Close", n)
	}

	// One byte over the limit: refused, nothing left.
	_, err = files.Receive(bytes.NewReader(pdf), int64(len(pdf))-1, dir)
	var big *files.ErrTooLarge
	if !errors.As(err, &big) || big.Limit != int64(len(pdf))-1 {
		t.Errorf("too large: %v", err)
	}
	// A refused type: nothing left either.
	if _, err := files.Receive(strings.NewReader("#!/bin/sh\nrm -rf /\n"), 1<<20, dir); !errors.Is(err, files.ErrTypeNotAllowed) {
		t.Errorf("a script: %v", err)
	}
	if n := spoolCount(t, dir); n != 0 {
		t.Errorf("%d spools left after refusals", n)
	}
}

// exercise stores and reads back a file, twice (idempotent), and refuses
// a digest that is not one.
func exercise(t *testing.T, s files.Store) {
	t.Helper()
	ctx := context.Background()
	b := samples(t)["png"]
	sum := sm3.Sum(b)
	d := hex.EncodeToString(sum[:])
	if _, err := s.Open(ctx, d); !errors.Is(err, files.ErrNotFound) {
		t.Fatalf("open before put: %v", err)
	}
	for range 2 {
		if err := s.Put(ctx, d, bytes.NewReader(b), int64(len(b))); err != nil {
			t.Fatal(err)
		}
	}
	r, err := s.Open(ctx, d)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(r)
	r.Close()
	if err != nil || !bytes.Equal(got, b) {
		t.Fatalf("read back %d bytes, %v", len(got), err)
	}
	for _, bad := range []string{"../../etc/passwd", strings.ToUpper(d), d[:63], ""} {
		if err := s.Put(ctx, bad, bytes.NewReader(b), int64(len(b))); err == nil {
			t.Errorf("put under %q accepted", bad)
		}
		if _, err := s.Open(ctx, bad); err == nil || errors.Is(err, files.ErrNotFound) {
			t.Errorf("open %q: %v", bad, err)
		}
	}
}

func TestDirStore(t *testing.T) {
	dir := t.TempDir()
	s, err := files.Open(dir, os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	exercise(t, s)
	// Content-addressed: one file under its digest's first two characters,
	// no temporary file left.
	var names []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if !d.IsDir() {
			names = append(names, strings.TrimPrefix(p, dir+"/"))
		}
		return nil
	})
	if len(names) != 1 || len(names[0]) != 2+1+64 || names[0][:2] != names[0][3:5] {
		t.Errorf("files in the store: %v", names)
	}
}

// fakeS3 is the store of bucket datagate on an in-process S3-compatible
// server, with the server's backend, its host and the credentials.
func fakeS3(t *testing.T) (s files.Store, backend *s3mem.Backend, host string, env map[string]string) {
	t.Helper()
	backend = s3mem.New()
	if err := backend.CreateBucket("datagate"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	env = map[string]string{files.EnvS3AccessKey: "ak", files.EnvS3SecretKey: "sk"}
	s, err := files.Open("s3://datagate?endpoint="+u.Host+"&secure=false&region=us-east-1", func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return s, backend, u.Host, env
}

// TestS3Store runs against an in-process S3-compatible server.
func TestS3Store(t *testing.T) {
	s, _, host, env := fakeS3(t)
	if err := s.(*files.S3).Check(context.Background()); err != nil {
		t.Fatal(err)
	}
	exercise(t, s)

	missing, _ := files.Open("s3://nobucket?endpoint="+host+"&secure=false", func(k string) string { return env[k] })
	if err := missing.(*files.S3).Check(context.Background()); err == nil || !strings.Contains(err.Error(), "nobucket") {
		t.Errorf("a missing bucket: %v", err)
	}
}

func TestOpenRefusesBadLocations(t *testing.T) {
	none := func(string) string { return "" }
	for loc, want := range map[string]string{
		"":                         "no location",
		"ftp://host/dir":           "use a directory",
		"s3://bucket":              "endpoint",
		"s3://bucket?endpoint=h:9": files.EnvS3AccessKey,
	} {
		if _, err := files.Open(loc, none); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Open(%q): %v, want %q", loc, err, want)
		}
	}
}
