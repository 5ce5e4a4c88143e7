package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/workflows"
)

// toRenew writes an application of acme-fintech as its workflow
// leaves it in status (with endReason): DS-0100 approved, DS-0102
// rejected, the authorization and service agreements completed, two
// evaluations (the second, rated qualified, is the last).
func (e *env) toRenew(status, endReason string) uint64 {
	e.t.Helper()
	ctx := context.Background()
	a := &store.Application{ApplicantOrg: "acme-fintech", ApplicantUser: "applicant", Title: "小微企业信贷风控", Domain: "金融服务",
		Description: "按授信模型评估小微企业", Purpose: "授信评估", Scope: "本市小微企业", PeriodMonths: 24,
		AccessMode: store.AccessSandbox, SecurityControls: "沙箱隔离，日志审计",
		Datasets: []store.ApplicationDataset{{DatasetCode: "DS-0100"}, {DatasetCode: "DS-0102"}}}
	if err := e.st.CreateApplication(ctx, a); err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.MarkSubmitted(ctx, a.ID, workflows.ApplicationWorkflowID(a.ID), e.clock.Now()); err != nil {
		e.t.Fatal(err)
	}
	from := e.clock.Now().AddDate(-2, 3, 0)
	until := from.AddDate(0, 24, 0)
	closed := e.clock.Now().AddDate(0, -2, 0)
	ch := store.Change{
		App: &store.AppState{ID: a.ID, Status: status, ActiveFrom: &from, ActiveUntil: &until, EndReason: endReason},
		Datasets: []store.ApplicationDataset{
			{ApplicationID: a.ID, DatasetCode: "DS-0100", Department: "gsa", Decision: domain.DecisionApprove, DecidedAt: &from},
			{ApplicationID: a.ID, DatasetCode: "DS-0102", Department: "commerce", Decision: domain.DecisionReject, Reason: "涉及商业秘密", Basis: "第九条", DecidedAt: &from},
		},
		Agreements: []store.Agreement{
			{ApplicationID: a.ID, Kind: domain.AgreementAuthorization, Status: "completed", Parties: []string{"stbd", "gdo"}, CompletedAt: &from},
			{ApplicationID: a.ID, Kind: domain.AgreementService, Status: "completed", Parties: []string{"gdo", "acme-fintech"}, CompletedAt: &from},
		},
		Evaluations: []store.Evaluation{
			{ID: fmt.Sprintf("application-%d-eval-1", a.ID), ApplicationID: a.ID, No: 1, Round: 1, Status: domain.EvalQualified,
				Rating: domain.DecisionQualified, OpenedAt: from.AddDate(1, 0, 0), ClosedAt: ptrTime(from.AddDate(1, 1, 0))},
			{ID: fmt.Sprintf("application-%d-eval-2", a.ID), ApplicationID: a.ID, No: 2, Round: 1, Status: domain.EvalQualified,
				Rating: domain.DecisionQualified, OpenedAt: closed.AddDate(0, -1, 0), ClosedAt: &closed},
		},
	}
	if err := e.st.Apply(ctx, ch); err != nil {
		e.t.Fatal(err)
	}
	return a.ID
}

func ptrTime(t time.Time) *time.Time { return &t }

type renewalDetail struct {
	Application store.Application    `json:"application"`
	Renews      *store.RenewalSource `json:"renews"`
	RenewedBy   *store.RenewalLink   `json:"renewed_by"`
}

// An applicant renews an active authorization: a draft of its org,
// prefilled from the old application with the approved datasets only,
// linked both ways, carrying the old one's last evaluation and agreements.
func TestRenewActiveApplication(t *testing.T) {
	e := newEnv(t)
	old := e.toRenew(domain.StatusActive, "")
	path := fmt.Sprintf("/api/v1/applications/%d/renewal", old)

	r := e.do("POST", path, nil, "applicant")
	if r.Status != http.StatusCreated {
		t.Fatalf("renewal: %d %s", r.Status, r.Body)
	}
	var created renewalDetail
	r.decode(t, &created)
	n := created.Application
	if n.ID == 0 || n.ID == old || n.Status != domain.StatusDraft || n.ApplicantOrg != "acme-fintech" {
		t.Fatalf("renewal = %+v", n)
	}
	if n.Title != "小微企业信贷风控（续期）" || n.Domain != "金融服务" || n.Description != "按授信模型评估小微企业" ||
		n.Purpose != "授信评估" || n.Scope != "本市小微企业" || n.SecurityControls != "沙箱隔离，日志审计" ||
		n.AccessMode != store.AccessSandbox || n.PeriodMonths != 24 {
		t.Errorf("renewal fields = %+v", n)
	}
	if len(n.Datasets) != 1 || n.Datasets[0].DatasetCode != "DS-0100" || n.Datasets[0].Decision != "" {
		t.Errorf("renewal datasets = %+v, want DS-0100 (approved) alone, undecided", n.Datasets)
	}
	if n.RenewsApplicationID == nil || *n.RenewsApplicationID != old {
		t.Errorf("renews_application_id = %v, want %d", n.RenewsApplicationID, old)
	}

	// The new one shows what it renews, with the references.
	var got renewalDetail
	r = e.do("GET", fmt.Sprintf("/api/v1/applications/%d", n.ID), nil, "applicant")
	r.decode(t, &got)
	src := got.Renews
	if src == nil || src.ID != old || src.Title != "小微企业信贷风控" || src.ActiveUntil == nil {
		t.Fatalf("renews = %+v: %s", src, r.Body)
	}
	if ev := src.LastEvaluation; ev == nil || ev.No != 2 || ev.Status != domain.EvalQualified || ev.Rating != domain.DecisionQualified || ev.ClosedAt == nil {
		t.Errorf("renews.last_evaluation = %+v, want no 2, qualified, closed", ev)
	}
	if len(src.Agreements) != 2 || src.Agreements[0].Kind != domain.AgreementAuthorization || src.Agreements[0].Status != "completed" ||
		src.Agreements[0].CompletedAt == nil || src.Agreements[1].Kind != domain.AgreementService {
		t.Errorf("renews.agreements = %+v", src.Agreements)
	}
	if got.RenewedBy != nil {
		t.Errorf("the renewal is renewed by %+v", got.RenewedBy)
	}
	for _, key := range []string{`"renews":`, `"last_evaluation":`, `"completed_at":`} {
		if !strings.Contains(string(r.Body), key) {
			t.Errorf("GET the renewal: no %s in %s", key, r.Body)
		}
	}

	// The old one shows its renewal, to its applicant; a department does
	// not see a draft.
	got = renewalDetail{}
	e.do("GET", fmt.Sprintf("/api/v1/applications/%d", old), nil, "applicant").decode(t, &got)
	if got.RenewedBy == nil || got.RenewedBy.ID != n.ID || got.RenewedBy.Status != domain.StatusDraft || got.Renews != nil {
		t.Errorf("old application: renewed_by = %+v, renews = %+v", got.RenewedBy, got.Renews)
	}
	got = renewalDetail{}
	e.do("GET", fmt.Sprintf("/api/v1/applications/%d", old), nil, "bureau_officer").decode(t, &got)
	if got.RenewedBy != nil {
		t.Errorf("the bureau sees the renewal draft %+v", got.RenewedBy)
	}
	// Submitted, the bureau sees it.
	if err := e.st.MarkSubmitted(context.Background(), n.ID, workflows.ApplicationWorkflowID(n.ID), e.clock.Now()); err != nil {
		t.Fatal(err)
	}
	e.do("GET", fmt.Sprintf("/api/v1/applications/%d", old), nil, "bureau_officer").decode(t, &got)
	if got.RenewedBy == nil || got.RenewedBy.ID != n.ID || got.RenewedBy.Status != domain.StatusSubmitted {
		t.Errorf("the bureau: renewed_by = %+v, want %d submitted", got.RenewedBy, n.ID)
	}

	// An expired authorization may be renewed too, once it ended.
	expired := e.toRenew(domain.StatusClosed, domain.EndExpired)
	if r := e.do("POST", fmt.Sprintf("/api/v1/applications/%d/renewal", expired), "{}", "applicant"); r.Status != http.StatusCreated {
		t.Errorf("renewal of an expired authorization: %d %s", r.Status, r.Body)
	}
}

// A renewal is refused, changing nothing, for a terminated, withdrawn or
// rejected application, a second time, and for another org (404, as any
// application outside the caller's scope) or another role (403); the
// refusal names the rule and, for a second renewal, the first.
func TestRenewalRefused(t *testing.T) {
	e := newEnv(t)
	active := e.toRenew(domain.StatusActive, "")
	renew := func(id uint64) string { return fmt.Sprintf("/api/v1/applications/%d/renewal", id) }

	r := e.do("POST", renew(active), nil, "applicant")
	if r.Status != http.StatusCreated {
		t.Fatalf("first renewal: %d %s", r.Status, r.Body)
	}
	var first renewalDetail
	r.decode(t, &first)

	r = e.refusedUnchanged("POST", renew(active), nil, "applicant", http.StatusConflict)
	var body struct {
		Error struct {
			Code, Message, Hint string
		} `json:"error"`
		RenewalID uint64 `json:"renewal_id"`
	}
	r.decode(t, &body)
	if body.Error.Code != "conflict" || body.RenewalID != first.Application.ID ||
		!strings.Contains(body.Error.Message, fmt.Sprint(first.Application.ID)) || !strings.Contains(body.Error.Message, "续期") {
		t.Errorf("second renewal: %s", r.Body)
	}
	r = e.refusedUnchanged("POST", renew(active), nil, func(req *http.Request) {
		req.Header.Set("Authorization", "Bearer "+e.token("applicant"))
		req.Header.Set("Accept-Language", "en")
	}, http.StatusConflict)
	if !strings.Contains(string(r.Body), "one renewal at a time") {
		t.Errorf("second renewal in English: %s", r.Body)
	}

	for _, tc := range []struct {
		status, end, says string
	}{
		{domain.StatusExiting, domain.EndTerminated, "违约被终止"},
		{domain.StatusClosed, domain.EndTerminated, "违约被终止"},
		{domain.StatusClosed, domain.EndExit, "主动退出"},
		{domain.StatusWithdrawn, "", "已撤回"},
		{domain.StatusRejected, "", "已驳回"},
		{domain.StatusDepartmentReview, "", "部门审核"},
	} {
		id := e.toRenew(tc.status, tc.end)
		r := e.refusedUnchanged("POST", renew(id), nil, "applicant", http.StatusConflict)
		if !strings.Contains(string(r.Body), tc.says) || !strings.Contains(string(r.Body), "期满") {
			t.Errorf("renewal of a %s/%s application: %s, want it to say %s and the rule", tc.status, tc.end, r.Body, tc.says)
		}
	}

	e.refusedUnchanged("POST", renew(active), nil, "applicant2", http.StatusNotFound)
	e.refusedUnchanged("POST", renew(active), nil, "bureau_officer", http.StatusForbidden)
	e.refusedUnchanged("POST", renew(active), nil, "", http.StatusUnauthorized)
	e.refusedUnchanged("POST", renew(999999), nil, "applicant", http.StatusNotFound)
	e.refusedUnchanged("POST", "/api/v1/applications/x/renewal", nil, "applicant", http.StatusBadRequest)
}

// A retry with the same Idempotency-Key answers the first response and
// creates no second draft.
func TestRenewalIdempotent(t *testing.T) {
	e := newEnv(t)
	old := e.toRenew(domain.StatusActive, "")
	withKey := func(req *http.Request) {
		req.Header.Set("Authorization", "Bearer "+e.token("applicant"))
		req.Header.Set("Idempotency-Key", "renew-1")
	}
	path := fmt.Sprintf("/api/v1/applications/%d/renewal", old)
	first := e.do("POST", path, nil, withKey)
	again := e.do("POST", path, nil, withKey)
	if first.Status != http.StatusCreated || again.Status != http.StatusCreated || string(first.Body) != string(again.Body) ||
		again.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry: %d %s / %d %s", first.Status, first.Body, again.Status, again.Header)
	}
}
