package web_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm3"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// attachmentList is the page's list of attachments (its first), "" when
// it has none.
func attachmentList(body string) string {
	i := strings.Index(body, `<ul class="plain attachment-list">`)
	if i < 0 {
		return ""
	}
	j := strings.Index(body[i:], "</ul>")
	if j < 0 {
		return body[i:]
	}
	return body[i : i+j]
}

// Every decider sees the documents attached to an application, on its page
// and on the inbox card: kind, name as a download, size, the uploader's
// display name and org name (never a login name or an org code), the time
// and the SM3 fingerprint; in Chinese and in English. The applicant is
// offered its kinds to attach, a reviewer a review opinion on its own open
// task; a department not on the case sees nothing.
func TestAttachmentsOnTheApplicationPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.application("acme-fintech", "applicant", "信贷风控", domain.StatusDepartmentReview, "DS-0100")
	task := e.task(a, 1, domain.TaskDepartmentReview, "gsa", e.clock.Now(), e.clock.Now().AddDate(0, 0, 20))

	pdf := []byte("%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
	sum := sm3.Sum(pdf)
	digest := hex.EncodeToString(sum[:])
	if err := e.srv.Files.Put(ctx, digest, bytes.NewReader(pdf), int64(len(pdf))); err != nil {
		t.Fatal(err)
	}
	qualification := &store.Attachment{ApplicationID: a.ID, Kind: domain.AttachmentQualification, Name: "营业执照.pdf",
		MediaType: "application/pdf", Size: 182044, SM3: digest, UploadedBy: "applicant",
		UploaderOrg: "acme-fintech", UploadedAt: e.clock.Now()}
	opinion := &store.Attachment{ApplicationID: a.ID, Kind: domain.AttachmentReviewOpinion, TaskID: task.ID, Name: "审查意见书.pdf",
		MediaType: "application/pdf", Size: 3670016, SM3: strings.Repeat("0f", 32), UploadedBy: "reviewer-gsa",
		UploaderOrg: "gsa", UploadedAt: e.clock.Now()}
	if err := e.st.AddAttachment(ctx, qualification, domain.RoleApplicant, 0); err != nil {
		t.Fatal(err)
	}
	if err := e.st.AddAttachment(ctx, opinion, domain.RoleDeptReviewer, 0); err != nil {
		t.Fatal(err)
	}
	users := map[string]store.User{}
	for _, n := range []string{"applicant", "reviewer-gsa"} {
		u, err := e.st.UserByName(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		users[n] = u
	}
	orgs := map[string]store.Org{}
	for _, c := range []string{"acme-fintech", "gsa"} {
		o, err := e.st.Org(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		orgs[c] = o
	}
	path := fmt.Sprintf("/applications/%d", a.ID)
	links := []string{fmt.Sprintf("/api/v1/applications/%d/attachments/%d", a.ID, qualification.ID),
		fmt.Sprintf("/api/v1/applications/%d/attachments/%d", a.ID, opinion.ID)}

	for _, lang := range []string{"zh-CN", "en"} {
		orgName := func(code string) string {
			if o := orgs[code]; lang == "en" && o.NameEn != "" {
				return o.NameEn
			}
			return orgs[code].Name
		}
		want := append([]string{
			domain.Display(domain.SetAttachment, domain.AttachmentQualification, lang),
			domain.Display(domain.SetAttachment, domain.AttachmentReviewOpinion, lang),
			"营业执照.pdf", "审查意见书.pdf", "178 KB", "3.5 MB",
			users["applicant"].DisplayName, users["reviewer-gsa"].DisplayName,
			orgName("acme-fintech"), orgName("gsa"),
			digest, digest[:16] + "…",
		}, links...)
		for _, who := range []string{"applicant", "reviewer-gsa", "bureau_officer", "supervisor"} {
			for _, where := range []string{path, "/inbox"} {
				if where == "/inbox" && who != "reviewer-gsa" {
					continue
				}
				cl := e.as(who)
				cl.lang = lang
				p := cl.get(where)
				list := attachmentList(p.Body)
				if p.Status != 200 || list == "" {
					t.Errorf("%s, %s %s: %d, no list of attachments", lang, who, where, p.Status)
					continue
				}
				for _, w := range want {
					if !strings.Contains(list, w) {
						t.Errorf("%s, %s %s: the list lacks %q", lang, who, where, w)
					}
				}
				for _, code := range []string{">applicant<", "reviewer-gsa", "acme-fintech", " gsa "} {
					if strings.Contains(list, code) {
						t.Errorf("%s, %s %s: the list shows the internal name %q", lang, who, where, code)
					}
				}
			}
		}
		if domain.Display(domain.SetAttachment, domain.AttachmentQualification, lang) == domain.AttachmentQualification {
			t.Errorf("%s: the kind has no display name", lang)
		}
	}

	// The link downloads the file.
	if p := e.as("reviewer-gsa").get(links[0]); p.Status != 200 || p.Body != string(pdf) ||
		!strings.HasPrefix(p.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("the download: %d %q %q", p.Status, p.Header.Get("Content-Disposition"), p.Body)
	}

	// What each may attach.
	reviewer := e.as("reviewer-gsa").get(path).Body
	for _, w := range []string{`class="upload-form`, "上传附件", `value="review_opinion"`, `name="task_id"`, `value="` + task.ID + `"`} {
		if !strings.Contains(reviewer, w) {
			t.Errorf("the reviewer's page lacks %q", w)
		}
	}
	if strings.Contains(reviewer, `value="qualification"`) {
		t.Error("a reviewer is offered the applicant's kinds")
	}
	applicant := e.as("applicant").get(path).Body
	for _, w := range []string{`class="upload-form`, `value="qualification"`, `value="security_policy"`, `value="requirements"`,
		`value="destruction_certificate"`, `accept=".pdf,.ofd,.png,.jpg,.jpeg,.docx,.xlsx"`, `<progress`,
		fmt.Sprintf(`data-upload="/api/v1/applications/%d/attachments"`, a.ID)} {
		if !strings.Contains(applicant, w) {
			t.Errorf("the applicant's page lacks %q", w)
		}
	}
	if strings.Contains(applicant, `value="review_opinion"`) {
		t.Error("the applicant is offered a review opinion")
	}
	if strings.Contains(e.as("supervisor").get(path).Body, `class="upload-form`) {
		t.Error("the supervisor is offered to attach")
	}
	en := e.as("applicant")
	en.lang = "en"
	if body := en.get(path).Body; !strings.Contains(body, "Attach a document") || !strings.Contains(body, ">Qualification certificate</option>") {
		t.Error("the English form lacks its title or the kinds' names")
	}

	// A department not on the case: neither the page nor its inbox names
	// the files.
	other := e.as("reviewer-health")
	for _, where := range []string{path, "/inbox", links[0], fmt.Sprintf("/api/v1/applications/%d/attachments", a.ID)} {
		p := other.get(where)
		for _, w := range append([]string{"营业执照.pdf", "审查意见书.pdf"}, links...) {
			if strings.Contains(p.Body, w) {
				t.Errorf("another department's %s (%d) shows %q", where, p.Status, w)
			}
		}
		if strings.HasPrefix(where, "/api/") && p.Status == 200 {
			t.Errorf("another department reads %s", where)
		}
	}
}

// The new-application page says that documents are attached from the
// application's page once the draft is saved.
func TestNewApplicationSaysWhereToAttach(t *testing.T) {
	e := newEnv(t)
	for lang, want := range map[string]string{"zh-CN": "保存草稿后，在申请页面上传", "en": "are attached from the application&#39;s page once the draft is saved"} {
		cl := e.as("applicant")
		cl.lang = lang
		if p := cl.get("/applications/new"); p.Status != 200 || !strings.Contains(p.Body, want) {
			t.Errorf("%s: %d, the page lacks %q", lang, p.Status, want)
		}
	}
	a := e.application("acme-fintech", "applicant", "草稿", domain.StatusDraft, "DS-0100")
	if p := e.as("applicant").get(fmt.Sprintf("/applications/%d/edit", a.ID)); p.Status == 200 &&
		!strings.Contains(p.Body, fmt.Sprintf(`<a href="/applications/%d">前往申请页面</a>`, a.ID)) {
		t.Error("the draft's edit page does not link to its page to attach")
	}
}
