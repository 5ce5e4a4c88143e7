package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/workflows"
)

// activeWithConsent writes an active authorization of acme-fintech as its
// workflow leaves it: DS-0100 and DS-0111 approved, DS-0111 used with its
// data subjects' consent, of accesses until the day given.
func (e *env) activeWithConsent(accesses int, until string) store.Application {
	e.t.Helper()
	ctx := context.Background()
	a := &store.Application{ApplicantOrg: "acme-fintech", ApplicantUser: "applicant", Title: "社保缴费核验授信", Purpose: "授信评估",
		PeriodMonths: 12, AccessMode: store.AccessSandbox,
		Datasets: []store.ApplicationDataset{{DatasetCode: "DS-0100"}, {DatasetCode: "DS-0111"}},
		Consents: []store.ApplicationConsent{{DatasetCode: "DS-0111", Matter: "核验贷款申请人的社保缴费记录", MaxAccesses: accesses,
			Until: until, Evidence: "授权书编号 SQ-2026-001"}}}
	if err := e.st.CreateApplication(ctx, a); err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.MarkSubmitted(ctx, a.ID, workflows.ApplicationWorkflowID(a.ID), e.clock.Now()); err != nil {
		e.t.Fatal(err)
	}
	now := e.clock.Now()
	end := now.AddDate(1, 0, 0)
	if err := e.st.Apply(ctx, store.Change{App: &store.AppState{ID: a.ID, Status: domain.StatusActive, ActiveFrom: &now, ActiveUntil: &end},
		Datasets: []store.ApplicationDataset{
			{ApplicationID: a.ID, DatasetCode: "DS-0100", Department: "gsa", Decision: domain.DecisionApprove, DecidedAt: &now},
			{ApplicationID: a.ID, DatasetCode: "DS-0111", Department: "hrss", Decision: domain.DecisionApprove, DecidedAt: &now}}}); err != nil {
		e.t.Fatal(err)
	}
	got, err := e.st.Application(ctx, a.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	return got
}

// The data subjects' consent (数据主体授权同意) on the pages: the catalog
// marks the datasets that require it; the application form asks for the
// consent's basis of each such dataset, and only while it is picked; the
// draft's form shows the basis it has.
func TestConsentInTheCatalogAndTheForm(t *testing.T) {
	e := newEnv(t)
	anon := e.as("")
	mustContain(t, "the catalog", anon.get("/catalog?department=hrss"), "DS-0111", `<span class="badge consent">须授权同意</span>`)
	mustContain(t, "a dataset requiring consent", anon.get("/catalog/DS-0111"), `id="consent"`, "须经数据主体授权同意后使用", "第二十五条")
	if p := anon.get("/catalog/DS-0100"); !strings.Contains(section(p.Body, `id="consent"`, "</dd>"), "无需") {
		t.Errorf("a dataset without consent: %s", section(p.Body, `id="consent"`, "</dd>"))
	}

	app := e.as("applicant")
	p := app.get("/applications/new?datasets=DS-0111")
	picked := section(p.Body, `id="consent-DS-0111"`, "</fieldset>")
	if picked == "" || strings.Contains(picked, " hidden") || strings.Contains(picked, "disabled") {
		t.Fatalf("the picked dataset's consent: %q", picked)
	}
	for _, want := range []string{"数据主体授权同意：DS-0111 社会保险数据", `data-field="consents.DS-0111"`, `name="consents.DS-0111.matter"`,
		`name="consents.DS-0111.max_accesses"`, `data-type="int"`, `name="consents.DS-0111.until" type="date"`, `name="consents.DS-0111.evidence"`,
		"授权的具体事项", "约定访问次数", "使用期限（截止日）", "授权凭证"} {
		if !strings.Contains(picked, want) {
			t.Errorf("the consent's fieldset lacks %q", want)
		}
	}
	if other := section(p.Body, `id="consent-DS-0112"`, "</fieldset>"); !strings.Contains(other, "hidden disabled") {
		t.Errorf("a dataset not picked asks for its consent: %q", other)
	}
	mustContain(t, "the picker", p, `data-consent="consent-DS-0111"`, `data-consent="consent-DS-0131"`)
	if strings.Contains(p.Body, `id="consent-DS-0100"`) || strings.Count(p.Body, `class="consent-basis"`) != 3 {
		t.Errorf("the form asks for consents of %d datasets", strings.Count(p.Body, `class="consent-basis"`))
	}

	// A draft's form shows its basis.
	a := &store.Application{ApplicantOrg: "acme-fintech", ApplicantUser: "applicant", Title: "社保缴费核验", Purpose: "授信评估",
		PeriodMonths: 12, AccessMode: store.AccessSandbox, Datasets: []store.ApplicationDataset{{DatasetCode: "DS-0111"}},
		Consents: []store.ApplicationConsent{{DatasetCode: "DS-0111", Matter: "核验贷款申请人的社保缴费记录", MaxAccesses: 3,
			Until: "2026-12-31", Evidence: "授权书编号 SQ-2026-001"}}}
	if err := e.st.CreateApplication(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	edit := section(app.get(fmt.Sprintf("/applications/%d/edit", a.ID)).Body, `id="consent-DS-0111"`, "</fieldset>")
	for _, want := range []string{`value="核验贷款申请人的社保缴费记录"`, `value="3"`, `value="2026-12-31"`, ">授权书编号 SQ-2026-001</textarea>"} {
		if !strings.Contains(edit, want) {
			t.Errorf("the draft's consent lacks %q: %s", want, edit)
		}
	}
	app.lang = "en"
	mustContain(t, "the form in English", app.get("/applications/new?datasets=DS-0111"), "Data subjects&#39; consent: DS-0111", "Matter consented to", "Accesses agreed", "Term (last day)")
}

// An active authorization's page shows the consents' bases, the uses of
// the data with the accesses each consent has left, and, to the
// applicant, a form that records a use; every reader sees the uses,
// by display name; a use past the consent is refused in words.
func TestUsesOnTheApplicationPage(t *testing.T) {
	e := newEnv(t)
	a := e.activeWithConsent(2, "2026-12-31")
	path := fmt.Sprintf("/applications/%d", a.ID)
	app := e.as("applicant")
	p := app.get(path)
	mustContain(t, "the consent's basis", p, `id="app-consent-DS-0111"`, "核验贷款申请人的社保缴费记录", "2 次", "2026-12-31", "授权书编号 SQ-2026-001")
	mustContain(t, "the uses, before any", p, `id="uses-`, "尚无数据调用记录", "已调用 0 次，约定 2 次，剩余 2 次",
		`data-api="/api/v1/applications/1/uses"`, `data-flash="已登记数据调用"`, `<option value="DS-0111">DS-0111 社会保险数据 · 授权事项：核验贷款申请人的社保缴费记录</option>`,
		`<option value="核验贷款申请人的社保缴费记录">`)

	for range 2 {
		if r := app.post("/api/v1/applications/1/uses", map[string]string{"dataset": "DS-0111", "matter": "核验贷款申请人的社保缴费记录"}); r.Status != 201 {
			t.Fatalf("use: %d %s", r.Status, r.Body)
		}
	}
	r := app.post("/api/v1/applications/1/uses", map[string]string{"dataset": "DS-0111", "matter": "核验贷款申请人的社保缴费记录"})
	if r.Status != 409 || !strings.Contains(r.Body, "数据主体对数据资源 DS-0111 同意的 2 次访问已用完") {
		t.Errorf("a third use: %d %s", r.Status, r.Body)
	}
	p = app.get(path)
	uses := section(p.Body, fmt.Sprintf(`id="uses-%d"`, a.ID), "</section>")
	for _, want := range []string{"已调用 2 次，约定 2 次，剩余 0 次", "访问次数已用完", "申请人 · 恒信数智金融科技有限公司", "<td>数据调用</td><td>DS-0111</td>"} {
		if !strings.Contains(uses+p.Body, want) {
			t.Errorf("the uses after two lack %q", want)
		}
	}
	if strings.Contains(uses, ">applicant<") {
		t.Errorf("the uses name a login name: %s", uses)
	}

	// A department reads the uses and records none.
	hrss := e.as("reviewer-hrss")
	p = hrss.get(path)
	mustContain(t, "the department's page", p, "已调用 2 次，约定 2 次，剩余 0 次", "核验贷款申请人的社保缴费记录")
	mustNotContain(t, "the department's page", p, `id="use-form-`)
	hrss.lang = "en"
	mustContain(t, "the department's page in English", hrss.get(path), "Uses of the data", "2 of 2 accesses used, 0 left", "Data subjects&#39; consent")
}
