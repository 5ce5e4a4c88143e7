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

// A signer reads the text it signs from the signing task itself.
func TestSigningTaskLinksItsText(t *testing.T) {
	e := newEnv(t)
	a := e.application("acme-fintech", "applicant", "信贷风控", domain.StatusAgreements, "DS-0100")
	e.task(a, 1, domain.TaskSignCommitment, "acme-fintech", e.clock.Now(), e.clock.Now().AddDate(0, 0, 10))
	e.task(a, 2, domain.TaskFileService, "stbd", e.clock.Now(), e.clock.Now().AddDate(0, 0, 10))
	link := fmt.Sprintf("/api/v1/applications/%d/agreements/commitment/document", a.ID)
	for _, path := range []string{fmt.Sprintf("/applications/%d", a.ID), "/inbox"} {
		if body := e.as("applicant").get(path).Body; !strings.Contains(body, link) || !strings.Contains(body, "阅读待签署的利用承诺文本（PDF）") {
			t.Errorf("%s: the signing task does not link its text", path)
		}
	}
	// Filing (备案) is an act on the signed bundle, not a signature of a text.
	if body := e.as("bureau_officer").get("/inbox").Body; strings.Contains(body, "阅读待签署") {
		t.Error("the filing task offers a text to sign")
	}
}
