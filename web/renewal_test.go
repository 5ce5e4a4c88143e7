package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// authorized writes an application of acme-fintech in status (with
// endReason) as its workflow leaves it, with its authorization agreement
// completed and one evaluation rated qualified.
func (e *env) authorized(title, status, endReason string) store.Application {
	e.t.Helper()
	a := e.application("acme-fintech", "applicant", title, status, "DS-0100")
	from := e.clock.Now().AddDate(-1, 0, 0)
	until := from.AddDate(0, 24, 0)
	closed := e.clock.Now().AddDate(0, -1, 0)
	err := e.st.Apply(context.Background(), store.Change{
		App: &store.AppState{ID: a.ID, Status: status, ActiveFrom: &from, ActiveUntil: &until, EndReason: endReason},
		Datasets: []store.ApplicationDataset{{ApplicationID: a.ID, DatasetCode: "DS-0100", Department: "gsa",
			Decision: domain.DecisionApprove, DecidedAt: &from}},
		Agreements: []store.Agreement{{ApplicationID: a.ID, Kind: domain.AgreementAuthorization, Status: domain.AgreementCompleted,
			Parties: []string{"stbd", "gdo"}, CompletedAt: &from}},
		Evaluations: []store.Evaluation{{ID: "application-" + itoa(a.ID) + "-eval-1", ApplicationID: a.ID, No: 1, Round: 1,
			Status: domain.EvalQualified, Rating: domain.DecisionQualified, OpenedAt: closed.Add(-240 * time.Hour), ClosedAt: &closed}},
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// The applicant's active authorization offers "申请续期"; the renewal draft
// it makes says what it renews, with the old one's last evaluation and
// agreements, and the old one links to its renewal. Others see no button;
// a terminated authorization offers none.
func TestRenewalPages(t *testing.T) {
	e := newEnv(t)
	old := e.authorized("小微企业信贷风控", domain.StatusActive, "")
	oldPage := "/applications/" + itoa(old.ID)
	applicant := e.as("applicant")

	p := applicant.get(oldPage)
	if p.Status != http.StatusOK {
		t.Fatalf("old application: %d %.300s", p.Status, p.Body)
	}
	form := `<form class="api-form inline" id="renew-form-` + itoa(old.ID) + `" data-api="/api/v1/applications/` + itoa(old.ID) + `/renewal" data-next="/applications/{application.id}"`
	mustContain(t, "the applicant's active authorization", p, form, `id="renew-`+itoa(old.ID)+`"`, "申请续期")
	mustNotContain(t, "the applicant's active authorization", p, "续期自", "已申请续期")
	mustNotContain(t, "the bureau's view", e.as("bureau_officer").get(oldPage), `id="renew-form-`)
	if p := e.as("applicant2").get(oldPage); p.Status != http.StatusNotFound {
		t.Errorf("another org's applicant: %d", p.Status)
	}
	applicant.lang = "en"
	mustContain(t, "in English", applicant.get(oldPage), "Apply for renewal")
	applicant.lang = ""

	// The form's request, as the page's script sends it.
	r := applicant.post("/api/v1/applications/"+itoa(old.ID)+"/renewal", map[string]any{})
	if r.Status != http.StatusCreated {
		t.Fatalf("renewal: %d %s", r.Status, r.Body)
	}
	var created struct {
		Application store.Application `json:"application"`
	}
	if err := json.Unmarshal([]byte(r.Body), &created); err != nil {
		t.Fatal(err)
	}
	renewal := created.Application.ID

	p = applicant.get("/applications/" + itoa(renewal))
	mustContain(t, "the renewal draft", p, "续期自", `<a href="/applications/`+itoa(old.ID)+`" id="renews-`+itoa(old.ID)+`">#`+itoa(old.ID)+` 小微企业信贷风控</a>`,
		"最近一次评估（第 1 次）", "合格", "授权协议 已完成", "小微企业信贷风控（续期）", "/applications/"+itoa(renewal)+"/edit")
	mustNotContain(t, "the renewal draft", p, `id="renew-form-`, "decision.qualified", "agreement.authorization")
	applicant.lang = "en"
	mustContain(t, "the renewal draft in English", applicant.get("/applications/"+itoa(renewal)), "Renews", "Qualified", "Authorization agreement")
	applicant.lang = ""

	p = applicant.get(oldPage)
	mustContain(t, "the renewed authorization", p, "已申请续期", `<a href="/applications/`+itoa(renewal)+`" id="renewed-by-`+itoa(renewal)+`">#`+itoa(renewal)+`</a>`)
	mustNotContain(t, "the renewed authorization", p, `id="renew-form-`)
	// The draft is its applicant's: the bureau sees no link to it.
	mustNotContain(t, "the bureau's view of the renewed one", e.as("bureau_officer").get(oldPage), "已申请续期")

	terminated := e.authorized("被终止的场景", domain.StatusExiting, domain.EndTerminated)
	mustNotContain(t, "a terminated authorization", applicant.get("/applications/"+itoa(terminated.ID)), `id="renew-form-`)
}
