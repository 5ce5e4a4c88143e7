package api_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/emmansun/gmsm/sm3"

	"github.com/datagate/datagate/api"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/files"
	"github.com/datagate/datagate/store"
)

// samplePDF is a small PDF; n varies its bytes (and so its digest).
func samplePDF(n int) []byte {
	return []byte(fmt.Sprintf("%%PDF-1.7\n%% sample %d\n1 0 obj<<>>endobj\ntrailer<<>>\n%%%%EOF\n", n))
}

// storedFiles lists what the file store holds.
func storedFiles(t *testing.T, e *env) []string {
	t.Helper()
	dir := e.srv.Files.(*files.Dir).Path
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func attachmentAudit(t *testing.T, e *env, appID uint64) []store.AuditEntry {
	t.Helper()
	entries, err := e.st.AuditStream(context.Background(), store.AttachmentStream(appID))
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// TestAttachmentRoundTrip: the applicant attaches a document, a reviewer
// of a department on the application sees it on the application and
// downloads exactly its bytes, as a download; both acts are in the audit
// with the file's SM3 digest.
func TestAttachmentRoundTrip(t *testing.T) {
	e := newEnv(t)
	id := e.submitted("acme-fintech", "applicant")
	pdf := samplePDF(1)
	sum := sm3.Sum(pdf)
	digest := hex.EncodeToString(sum[:])

	r := e.do("POST", fmt.Sprintf("/api/v1/applications/%d/attachments", id),
		attach(domain.AttachmentQualification, "", `C:\scans\营业执照 "正本".pdf`, pdf), "applicant")
	if r.Status != http.StatusCreated {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	var a store.Attachment
	r.decode(t, &a)
	if a.SM3 != digest || a.Size != int64(len(pdf)) || a.MediaType != "application/pdf" || a.Name != "营业执照 正本.pdf" ||
		a.Kind != domain.AttachmentQualification || a.UploaderOrg != "acme-fintech" {
		t.Errorf("attachment %+v", a)
	}

	var detail struct{ Attachments []store.Attachment }
	e.do("GET", fmt.Sprintf("/api/v1/applications/%d", id), nil, "reviewer-gsa").decode(t, &detail)
	if len(detail.Attachments) != 1 || detail.Attachments[0].ID != a.ID {
		t.Fatalf("the reviewer's application shows %+v", detail.Attachments)
	}

	r = e.do("GET", fmt.Sprintf("/api/v1/applications/%d/attachments/%d", id, a.ID), nil, "reviewer-gsa")
	if r.Status != http.StatusOK || !bytes.Equal(r.Body, pdf) {
		t.Fatalf("download: %d, %d bytes", r.Status, len(r.Body))
	}
	for h, want := range map[string]string{
		"Content-Type":           "application/pdf",
		"X-Content-Type-Options": "nosniff",
		"Digest":                 "sm3=" + digest,
		"Content-Disposition":    `attachment; filename="____ __.pdf"; filename*=UTF-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7%20%E6%AD%A3%E6%9C%AC.pdf`,
	} {
		if got := r.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}

	audit := attachmentAudit(t, e, id)
	if len(audit) != 2 {
		t.Fatalf("audit %+v", audit)
	}
	for i, want := range []struct{ action, actor, org string }{
		{store.AuditAttachmentUploaded, "applicant", "acme-fintech"},
		{store.AuditAttachmentDownloaded, "reviewer-gsa", "gsa"},
	} {
		got := audit[i]
		if got.Action != want.action || got.Actor != want.actor || got.Department != want.org ||
			got.ApplicationID != id || !strings.Contains(got.Target, "sm3:"+digest) {
			t.Errorf("audit %d: %+v, want %+v", i, got, want)
		}
	}
	// The entries are on the application's audit, in the chain.
	if v, err := e.st.VerifyAuditChain(context.Background()); err != nil || !v.OK {
		t.Errorf("audit chain: %+v %v", v, err)
	}
}

// TestAttachmentRefusalsStoreNothing: every refused upload answers its
// status, names the file or the field, and leaves no row, no audit entry
// and no file.
func TestAttachmentRefusalsStoreNothing(t *testing.T) {
	e := newEnv(t)
	id := e.submitted("acme-fintech", "applicant")
	theirs := e.submitted("kangming-medai", "applicant2")
	gsaTask := e.openTask(id, domain.TaskDepartmentReview, "gsa")
	samrTask := e.openTask(id, domain.TaskDepartmentReview, "samr")
	ended := e.toRenew(domain.StatusClosed, domain.EndExpired)
	path := func(app uint64) string { return fmt.Sprintf("/api/v1/applications/%d/attachments", app) }
	e.srv.AttachmentLimits = limits(64, 1<<20)
	big := append(samplePDF(2), bytes.Repeat([]byte(" "), 64)...)

	for _, c := range []struct {
		name   string
		app    uint64
		body   any
		who    string
		status int
		field  string
		says   string
	}{
		{"a text file named .pdf", id, attach("qualification", "", "资质.pdf", []byte("not a PDF at all")), "applicant", 415, "file", "资质.pdf"},
		{"a program", id, attach("qualification", "", "setup.pdf", append([]byte("MZ"), make([]byte, 40)...)), "applicant", 415, "file", "setup.pdf"},
		{"a PDF named .docx", id, attach("qualification", "", "资质.docx", samplePDF(3)), "applicant", 415, "file", ".pdf"},
		{"over the limit for one file", id, attach("qualification", "", "大.pdf", big), "applicant", 413, "file", "大.pdf"},
		{"a name that is only dots", id, attach("qualification", "", "...", samplePDF(4)), "applicant", 400, "file", ""},
		{"no kind", id, multipartBody{filename: "a.pdf", content: samplePDF(5)}, "applicant", 400, "kind", ""},
		{"an unknown kind", id, attach("passport", "", "a.pdf", samplePDF(5)), "applicant", 400, "kind", "passport"},
		{"no file", id, multipartBody{fields: map[string]string{"kind": "qualification"}}, "applicant", 400, "file", ""},
		{"an unknown field", id, multipartBody{fields: map[string]string{"kind": "qualification", "owner": "x"}, filename: "a.pdf", content: samplePDF(6)}, "applicant", 400, "owner", ""},
		{"JSON", id, `{"kind":"qualification"}`, "applicant", 415, "Content-Type", ""},
		{"another org's application", theirs, attach("qualification", "", "a.pdf", samplePDF(7)), "applicant", 404, "id", ""},
		{"a department not on it", id, attach("review_opinion", gsaTask, "a.pdf", samplePDF(8)), "reviewer-health", 404, "id", ""},
		{"the applicant's kind by a reviewer", id, attach("qualification", "", "a.pdf", samplePDF(9)), "reviewer-gsa", 403, "kind", ""},
		{"a review opinion without its task", id, attach("review_opinion", "", "a.pdf", samplePDF(10)), "reviewer-gsa", 400, "task_id", ""},
		{"a review opinion on another org's task", id, attach("review_opinion", samrTask, "a.pdf", samplePDF(11)), "reviewer-gsa", 400, "task_id", ""},
		{"an ended application", ended, attach("destruction_certificate", "", "a.pdf", samplePDF(12)), "applicant", 409, "", ""},
		{"a supervisor", id, attach("qualification", "", "a.pdf", samplePDF(13)), "supervisor", 403, "", ""},
	} {
		before := e.counts()
		r := e.do("POST", path(c.app), c.body, c.who)
		var out struct {
			Error struct{ Field, Message string }
		}
		json.Unmarshal(r.Body, &out)
		if r.Status != c.status || out.Error.Field != c.field || !strings.Contains(out.Error.Message, c.says) {
			t.Errorf("%s: %d field %q %q, want %d field %q naming %q", c.name, r.Status, out.Error.Field, out.Error.Message, c.status, c.field, c.says)
		}
		if after := e.counts(); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Errorf("%s: rows changed: %v -> %v", c.name, before, after)
		}
		if list, _ := e.st.Attachments(context.Background(), c.app); len(list) != 0 {
			t.Errorf("%s: recorded %+v", c.name, list)
		}
		if f := storedFiles(t, e); len(f) != 0 {
			t.Errorf("%s: stored %v", c.name, f)
		}
	}

	// A declared length over the limit is refused before the body is read.
	req, _ := http.NewRequest("POST", e.http.URL+path(id), bytes.NewReader(make([]byte, 200<<10)))
	req.Header.Set("Content-Type", "multipart/form-data; boundary=x")
	req.Header.Set("Authorization", "Bearer "+e.token("applicant"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a declared 200 KiB body: %d", resp.StatusCode)
	}

	// In Chinese by default, naming the file.
	r := e.do("POST", path(id), attach("qualification", "", "资质.pdf", []byte("text")), "applicant")
	if !strings.Contains(string(r.Body), "文件 \\\"资质.pdf\\\" 的内容不属于允许的类型") {
		t.Errorf("the zh-CN refusal: %s", r.Body)
	}
}

// TestAttachmentQuotaUnderConcurrentUploads: uploads racing to one
// application never take it over its total: with room for three files,
// of eight concurrent uploads exactly three are recorded.
func TestAttachmentQuotaUnderConcurrentUploads(t *testing.T) {
	e := newEnv(t)
	id := e.submitted("acme-fintech", "applicant")
	one := int64(len(samplePDF(100)))
	e.srv.AttachmentLimits = limits(1<<20, 3*one+one/2)
	tok := e.token("applicant")
	var wg sync.WaitGroup
	statuses := make([]int, 8)
	for i := range statuses {
		wg.Go(func() {
			r := e.do("POST", fmt.Sprintf("/api/v1/applications/%d/attachments", id),
				attach("qualification", "", fmt.Sprintf("第%d份.pdf", i), samplePDF(100+i)),
				func(req *http.Request) { req.Header.Set("Authorization", "Bearer "+tok) })
			statuses[i] = r.Status
		})
	}
	wg.Wait()
	created, refused := 0, 0
	for _, s := range statuses {
		switch s {
		case http.StatusCreated:
			created++
		case http.StatusRequestEntityTooLarge:
			refused++
		}
	}
	list, err := e.st.Attachments(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if created != 3 || refused != 5 || len(list) != 3 || len(attachmentAudit(t, e, id)) != 3 {
		t.Errorf("statuses %v: %d recorded, %d audited", statuses, len(list), len(attachmentAudit(t, e, id)))
	}
}

// TestAttachmentsNeedAFileStore: a server without one says so, and
// changes nothing.
func TestAttachmentsNeedAFileStore(t *testing.T) {
	e := newEnv(t)
	e.srv.Files = nil
	id := e.submitted("acme-fintech", "applicant")
	r := e.do("POST", fmt.Sprintf("/api/v1/applications/%d/attachments", id), attach("qualification", "", "a.pdf", samplePDF(1)), "applicant")
	if r.Status != http.StatusServiceUnavailable || !strings.Contains(string(r.Body), "DATAGATE_FILES") {
		t.Errorf("%d %s", r.Status, r.Body)
	}
	if list, _ := e.st.Attachments(context.Background(), id); len(list) != 0 {
		t.Errorf("recorded %+v", list)
	}
}

func limits(perFile, perApplication int64) api.AttachmentLimits {
	return api.AttachmentLimits{PerFile: perFile, PerApplication: perApplication}
}
