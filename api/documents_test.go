package api_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm3"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/internal/pdftext"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/workflows"
)

// pdfText is the PDF's text as a reader's viewer would extract it.
func pdfText(t *testing.T, pdf []byte) string { return pdftext.Text(t, pdf) }

// The approval form (审批单) and an agreement's text say what the record
// holds: the fields, each step's decider by name and org, the decision,
// its reason and basis, the approved datasets only, and the agreement's
// fingerprint, which is the one the agreement's own download gives.
func TestApprovalFormAndAgreementText(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	id := e.toRenew(domain.StatusActive, "")
	wf := workflows.ApplicationWorkflowID(id)
	at := e.clock.Now().AddDate(0, -6, 0)
	ptr := func(t time.Time) *time.Time { return &t }
	if err := e.st.Apply(ctx, store.Change{Tasks: []store.Task{
		{ID: wf + "-t1", ApplicationID: id, WorkflowID: wf, Kind: domain.TaskInitialReview, Department: "bdc", Status: domain.TaskDone,
			Round: 1, OpenedAt: at, DueAt: at.AddDate(0, 0, 7), DecidedAt: ptr(at.AddDate(0, 0, 2)), Decision: domain.DecisionPass,
			ActorUser: "initial_reviewer", ActorRole: domain.RoleInitialReviewer},
		{ID: wf + "-t2", ApplicationID: id, WorkflowID: wf, Kind: domain.TaskDepartmentReview, Department: "commerce", Status: domain.TaskDone,
			Round: 1, OpenedAt: at.AddDate(0, 0, 3), DueAt: at.AddDate(0, 1, 0), DecidedAt: ptr(at.AddDate(0, 0, 9)), Decision: domain.DecisionReject,
			Reason: "涉及商业秘密", Basis: "第九条", ActorUser: "reviewer-commerce", ActorRole: domain.RoleDeptReviewer},
		{ID: wf + "-t3", ApplicationID: id, WorkflowID: wf, Kind: domain.TaskSignCommitment, Department: "acme-fintech", Status: domain.TaskOpen,
			Round: 1, OpenedAt: at.AddDate(0, 0, 20), DueAt: at.AddDate(0, 1, 20)},
	}}); err != nil {
		t.Fatal(err)
	}
	reviewer, err := e.st.UserByName(ctx, "reviewer-commerce")
	if err != nil {
		t.Fatal(err)
	}

	doc := e.do("GET", fmt.Sprintf("/api/v1/applications/%d/agreements/commitment/document", id), nil, "applicant")
	if doc.Status != 200 || doc.Header.Get("Content-Type") != "application/pdf" || doc.Header.Get("X-Template-Version") != "commitment.v1" {
		t.Fatalf("commitment: %d %v", doc.Status, doc.Header)
	}
	again := e.do("GET", fmt.Sprintf("/api/v1/applications/%d/agreements/commitment/document", id), nil, "bureau_officer")
	if string(again.Body) != string(doc.Body) {
		t.Error("the same record gave two different documents")
	}
	text := pdfText(t, doc.Body)
	for _, want := range []string{"公共数据利用承诺书", "小微企业信贷风控", "授信评估", "本市小微企业", "沙箱隔离，日志审计"} {
		if !strings.Contains(text, want) {
			t.Errorf("the commitment lacks %q", want)
		}
	}
	approved, _ := e.st.DatasetsByCode(ctx, []string{"DS-0100", "DS-0102"})
	if !strings.Contains(text, approved["DS-0100"].Name) || strings.Contains(text, approved["DS-0102"].Name) {
		t.Errorf("the commitment lists %q (approved) and %q (rejected): %v, %v", approved["DS-0100"].Name, approved["DS-0102"].Name,
			strings.Contains(text, approved["DS-0100"].Name), strings.Contains(text, approved["DS-0102"].Name))
	}

	form := e.do("GET", fmt.Sprintf("/api/v1/applications/%d/approval-form", id), nil, "supervisor")
	if form.Status != 200 || !strings.Contains(form.Header.Get("Content-Disposition"), "filename*=UTF-8''") {
		t.Fatalf("approval form: %d %v", form.Status, form.Header)
	}
	text = pdfText(t, form.Body)
	flat := strings.Join(strings.Fields(text), "")
	digest := strings.TrimPrefix(doc.Header.Get("Digest"), "sm3=")
	for _, want := range []string{"审批单", "小微企业信贷风控", "初审", "通过", "部门审核", "驳回", "涉及商业秘密", "第九条",
		reviewer.DisplayName, "待处理", "公共数据利用承诺书", digest} {
		if !strings.Contains(flat, strings.Join(strings.Fields(want), "")) {
			t.Errorf("the approval form lacks %q", want)
		}
	}
	for _, internal := range []string{"reviewer-commerce", wf + "-t2", "initial_review"} {
		if strings.Contains(text, internal) {
			t.Errorf("the approval form shows the internal %q", internal)
		}
	}

	// Once recorded when the signing opened, the agreement's text is the
	// recorded document, read back from the file store by its digest.
	kept := samplePDF(42)
	sum := sm3.Sum(kept)
	digest = hex.EncodeToString(sum[:])
	if err := e.srv.Files.Put(ctx, digest, bytes.NewReader(kept), int64(len(kept))); err != nil {
		t.Fatal(err)
	}
	if err := e.st.RecordAgreementDocument(ctx, store.AgreementDocument{ApplicationID: id, Kind: domain.AgreementCommitment,
		SM3: digest, TemplateVersion: "commitment.v1", Size: int64(len(kept)), RecordedAt: at}); err != nil {
		t.Fatal(err)
	}
	doc = e.do("GET", fmt.Sprintf("/api/v1/applications/%d/agreements/commitment/document", id), nil, "applicant")
	if !bytes.Equal(doc.Body, kept) || doc.Header.Get("Digest") != "sm3="+digest {
		t.Errorf("the recorded document was not served: %d bytes, %s", len(doc.Body), doc.Header.Get("Digest"))
	}
}
