package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// The application page shows each agreement's recorded text with its
// fingerprint and bundle, which party's signature is an SM2 signature, and
// the approval form to print; in both languages, and not before a text is
// recorded.
func TestAgreementDocumentsOnTheApplicationPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.application("acme-fintech", "applicant", "信贷风控", domain.StatusAgreements, "DS-0100")
	at := e.clock.Now()
	path := fmt.Sprintf("/applications/%d", a.ID)
	if err := e.st.Apply(ctx, store.Change{Agreements: []store.Agreement{{ApplicationID: a.ID, Kind: domain.AgreementAuthorization,
		Status: domain.AgreementPending, Parties: []string{"stbd", "gdo"}, Signatures: []store.Signature{{Org: "stbd", User: "bureau_officer", At: at}}}}}); err != nil {
		t.Fatal(err)
	}
	before := e.as("bureau_officer").get(path)
	if before.Status != 200 || strings.Contains(before.Body, "/agreements/authorization/document") {
		t.Errorf("before a text is recorded: %d, offering one: %v", before.Status, strings.Contains(before.Body, "/agreements/authorization/document"))
	}
	digest := strings.Repeat("ab", 32)
	if err := e.st.RecordAgreementDocument(ctx, store.AgreementDocument{ApplicationID: a.ID, Kind: domain.AgreementAuthorization,
		SM3: digest, TemplateVersion: "authorization.v1", Size: 1000, RecordedAt: at}); err != nil {
		t.Fatal(err)
	}
	if err := e.st.RecordAgreementSignature(ctx, store.AgreementSignature{ApplicationID: a.ID, Kind: domain.AgreementAuthorization,
		Org: "stbd", DocumentSM3: digest, CMS: []byte{1}, CertSM3: strings.Repeat("cd", 32), SignedAt: at}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		lang string
		want []string
	}{
		{"zh-CN", []string{"协议文本（PDF）", "SM3 指纹 abababababababab…", "验证包（ZIP）", "SM2 签名", "下载审批单（PDF，可打印归档）"}},
		{"en", []string{"Agreement text (PDF)", "Verification bundle (ZIP)", "SM2 signature", "Download the approval form"}},
	} {
		cl := e.as("bureau_officer")
		cl.lang = c.lang
		body := cl.get(path).Body
		for _, w := range append(c.want, fmt.Sprintf("/api/v1/applications/%d/agreements/authorization/document", a.ID),
			fmt.Sprintf("/api/v1/applications/%d/agreements/authorization/bundle", a.ID),
			fmt.Sprintf("/api/v1/applications/%d/approval-form", a.ID)) {
			if !strings.Contains(body, w) {
				t.Errorf("%s: the page lacks %q", c.lang, w)
			}
		}
		// One SM2 badge: the operator has not signed.
		if n := strings.Count(body, `class="badge sm2"`); n != 1 {
			t.Errorf("%s: %d SM2 badges, want 1", c.lang, n)
		}
	}
}

// Every decider sees the documents attached to an application, by kind,
// name, size, uploader's display name and org, with a download link; the
// applicant is offered its kinds to attach, a reviewer a review opinion on
// its own open task, and a department not on the case sees nothing.
func TestAttachmentsOnTheApplicationPage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	a := e.application("acme-fintech", "applicant", "信贷风控", domain.StatusDepartmentReview, "DS-0100")
	e.task(a, 1, domain.TaskDepartmentReview, "gsa", e.clock.Now(), e.clock.Now().AddDate(0, 0, 20))
	att := &store.Attachment{ApplicationID: a.ID, Kind: domain.AttachmentQualification, Name: "营业执照.pdf",
		MediaType: "application/pdf", Size: 182044, SM3: strings.Repeat("0f", 32), UploadedBy: "applicant",
		UploaderOrg: "acme-fintech", UploadedAt: e.clock.Now()}
	if err := e.st.AddAttachment(ctx, att, domain.RoleApplicant, 0); err != nil {
		t.Fatal(err)
	}
	uploader, err := e.st.UserByName(ctx, "applicant")
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/applications/%d", a.ID)
	link := fmt.Sprintf("/api/v1/applications/%d/attachments/%d", a.ID, att.ID)

	reviewer := e.as("reviewer-gsa").get(path).Body
	for _, want := range []string{"资质证明", "营业执照.pdf", link, "178 KB", uploader.DisplayName, "上传附件", "审查意见", `name="task_id"`} {
		if !strings.Contains(reviewer, want) {
			t.Errorf("the reviewer's page lacks %q", want)
		}
	}
	if strings.Contains(reviewer, `value="qualification"`) {
		t.Error("a reviewer is offered the applicant's kinds")
	}
	applicant := e.as("applicant").get(path).Body
	for _, want := range []string{link, `value="qualification"`, `value="destruction_certificate"`, `accept=".pdf,.ofd,.png,.jpg,.jpeg,.docx,.xlsx"`} {
		if !strings.Contains(applicant, want) {
			t.Errorf("the applicant's page lacks %q", want)
		}
	}
	if strings.Contains(applicant, `value="review_opinion"`) {
		t.Error("the applicant is offered a review opinion")
	}
	en := e.as("reviewer-gsa")
	en.lang = "en"
	if body := en.get(path).Body; !strings.Contains(body, "Qualification certificate") || !strings.Contains(body, "Attach a document") {
		t.Error("the English page lacks the kind or the form")
	}
	if p := e.as("reviewer-health").get(path); p.Status == 200 && strings.Contains(p.Body, link) {
		t.Error("a department not on the case sees the attachment")
	}
}
