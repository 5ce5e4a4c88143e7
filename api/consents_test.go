package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// consentMatter is the matter the tests' data subjects consented to.
const consentMatter = "核验贷款申请人的社保缴费记录"

// consentOf is a consent's basis as a body carries it.
func consentOf(accesses int, until string) map[string]any {
	return map[string]any{"matter": consentMatter, "max_accesses": accesses, "until": until, "evidence": "授权书编号 SQ-2026-001"}
}

// consentBody is an application naming DS-0100 and DS-0111 (which
// requires its data subjects' consent), with consents (none when nil).
func consentBody(consents map[string]any) map[string]any {
	b := appBody(map[string]any{"datasets": []string{"DS-0100", "DS-0111"}})
	if consents != nil {
		b["consents"] = consents
	}
	return b
}

// activeWithConsent writes an active authorization of acme-fintech as its
// workflow leaves it: DS-0100 approved (no consent needed), DS-0111
// approved with a consent of accesses until the given day, DS-0112
// approved with a consent ending on the term given, DS-0102 rejected.
func (e *env) activeWithConsent(accesses int, until, until0112 string) uint64 {
	e.t.Helper()
	ctx := context.Background()
	a := &store.Application{ApplicantOrg: "acme-fintech", ApplicantUser: "applicant", Title: "社保缴费核验授信", Purpose: "授信评估",
		PeriodMonths: 12, AccessMode: store.AccessSandbox,
		Datasets: []store.ApplicationDataset{{DatasetCode: "DS-0100"}, {DatasetCode: "DS-0102"}, {DatasetCode: "DS-0111"}, {DatasetCode: "DS-0112"}},
		Consents: []store.ApplicationConsent{
			{DatasetCode: "DS-0111", Matter: consentMatter, MaxAccesses: accesses, Until: until, Evidence: "授权书编号 SQ-2026-001"},
			{DatasetCode: "DS-0112", Matter: "核验公积金缴存", MaxAccesses: 10, Until: until0112, Evidence: "授权书编号 SQ-2026-002"},
		}}
	if err := e.st.CreateApplication(ctx, a); err != nil {
		e.t.Fatal(err)
	}
	if err := e.st.MarkSubmitted(ctx, a.ID, fmt.Sprintf("application-%d", a.ID), e.clock.Now()); err != nil {
		e.t.Fatal(err)
	}
	from := e.clock.Now().Add(-24 * time.Hour)
	decided := func(code, dept, decision string) store.ApplicationDataset {
		d := store.ApplicationDataset{ApplicationID: a.ID, DatasetCode: code, Department: dept, Decision: decision, DecidedAt: &from}
		if decision == domain.DecisionReject {
			d.Reason, d.Basis = "涉及商业秘密", "第九条"
		}
		return d
	}
	if err := e.st.Apply(ctx, store.Change{
		App: &store.AppState{ID: a.ID, Status: domain.StatusActive, ActiveFrom: &from, ActiveUntil: timePtr(from.AddDate(1, 0, 0))},
		Datasets: []store.ApplicationDataset{decided("DS-0100", "gsa", domain.DecisionApprove), decided("DS-0102", "commerce", domain.DecisionReject),
			decided("DS-0111", "hrss", domain.DecisionApprove), decided("DS-0112", "housing", domain.DecisionApprove)},
	}); err != nil {
		e.t.Fatal(err)
	}
	return a.ID
}

// refusal reads a refusal's field, message and hint, in the language
// asked for ("" is the default, zh-CN).
func (e *env) refusal(method, path string, body any, lang string) (r response, field, msg, hint string) {
	e.t.Helper()
	r = e.do(method, path, body, func(req *http.Request) {
		req.Header.Set("Authorization", "Bearer "+e.token("applicant"))
		if lang != "" {
			req.Header.Set("Accept-Language", lang)
		}
	})
	var out struct {
		Error struct{ Field, Message, Hint string }
	}
	r.decode(e.t, &out)
	return r, out.Error.Field, out.Error.Message, out.Error.Hint
}

// An application naming a dataset that requires its data subjects'
// consent carries the consent's basis: a missing or incomplete one, a
// term ending before today or no accesses are refused with 400 naming the
// field, in Chinese and in English, and change nothing, whether the
// draft is created, edited or submitted.
func TestConsentBasisIsRequired(t *testing.T) {
	e := newEnv(t)
	ok := consentOf(3, "2026-12-31")
	for _, c := range []struct {
		name, field, zh, en string
		consents            map[string]any
	}{
		{"no basis", "consents.DS-0111", "须经数据主体授权同意后使用", "is used only with its data subjects' consent", nil},
		{"no term", "consents.DS-0111.until", "不能为空", "is required",
			map[string]any{"DS-0111": map[string]any{"matter": consentMatter, "max_accesses": 3, "evidence": "授权书"}}},
		{"a term ended yesterday", "consents.DS-0111.until", "授权同意的使用期限已届满", "the consent's term has ended",
			map[string]any{"DS-0111": consentOf(3, "2026-03-01")}},
		{"not a date", "consents.DS-0111.until", "不是有效日期", "is not a date", map[string]any{"DS-0111": consentOf(3, "2026-02-30")}},
		{"no accesses", "consents.DS-0111.max_accesses", "至少为 1", "must be at least 1", map[string]any{"DS-0111": consentOf(0, "2026-12-31")}},
		{"no matter", "consents.DS-0111.matter", "不能为空", "is required",
			map[string]any{"DS-0111": map[string]any{"matter": " ", "max_accesses": 3, "until": "2026-12-31", "evidence": "授权书"}}},
		{"no evidence", "consents.DS-0111.evidence", "不能为空", "is required",
			map[string]any{"DS-0111": map[string]any{"matter": consentMatter, "max_accesses": 3, "until": "2026-12-31"}}},
		{"a basis for a dataset not named", "consents.DS-0112", "不在申请的数据资源", "not among the datasets",
			map[string]any{"DS-0111": ok, "DS-0112": ok}},
		{"a basis for a dataset that needs none", "consents.DS-0100", "无需数据主体授权同意", "does not require",
			map[string]any{"DS-0111": ok, "DS-0100": ok}},
	} {
		before := e.counts()
		for _, lang := range []string{"", "en"} {
			r, field, msg, hint := e.refusal("POST", "/api/v1/applications", consentBody(c.consents), lang)
			want := c.zh
			if lang == "en" {
				want = c.en
			}
			if r.Status != http.StatusBadRequest || field != c.field || !strings.Contains(msg, want) || hint == "" {
				t.Errorf("%s (%q): %d field %q %q / %q; want 400 naming %s and saying %q", c.name, lang, r.Status, field, msg, hint, c.field, want)
			}
		}
		if !equalCounts(before, e.counts()) {
			t.Errorf("%s: refused but changed rows", c.name)
		}
	}

	// A complete basis is stored with the draft and answered with it.
	r := e.do("POST", "/api/v1/applications", consentBody(map[string]any{"DS-0111": map[string]any{
		"matter": " " + consentMatter + " ", "max_accesses": 3, "until": "2026-03-02", "evidence": "授权书编号 SQ-2026-001"}}), "applicant")
	if r.Status != http.StatusCreated {
		t.Fatalf("create with a consent ending today: %d %s", r.Status, r.Body)
	}
	var created struct{ Application store.Application }
	r.decode(t, &created)
	id := created.Application.ID
	if cs := created.Application.Consents; len(cs) != 1 || cs[0].DatasetCode != "DS-0111" || cs[0].Matter != consentMatter ||
		cs[0].MaxAccesses != 3 || cs[0].Until != "2026-03-02" {
		t.Errorf("the answer's consents: %+v", cs)
	}

	// An edit without it is refused and leaves the draft as it was.
	path := fmt.Sprintf("/api/v1/applications/%d", id)
	e.refusedUnchanged("PUT", path, consentBody(nil), "applicant", http.StatusBadRequest)
	if a, _ := e.st.Application(context.Background(), id); len(a.Consents) != 1 {
		t.Errorf("a refused edit changed the consents: %+v", a.Consents)
	}
	if r := e.do("PUT", path, consentBody(map[string]any{"DS-0111": consentOf(5, "2026-12-31")}), "applicant"); r.Status != http.StatusOK {
		t.Fatalf("edit: %d %s", r.Status, r.Body)
	}
	if r := e.do("PUT", path, consentBody(map[string]any{"DS-0111": consentOf(5, "2026-03-02")}), "applicant"); r.Status != http.StatusOK {
		t.Fatalf("edit: %d %s", r.Status, r.Body)
	}

	// The next day the term has ended: the draft is not submitted.
	e.clock.Add(24 * time.Hour)
	e.tokens = map[string]string{} // the day's tokens have expired
	r, field, msg, _ := e.refusal("POST", path+"/submit", nil, "")
	if r.Status != http.StatusBadRequest || field != "consents.DS-0111.until" || !strings.Contains(msg, "使用期限已届满") {
		t.Errorf("submit with a consent that ended: %d %q %q", r.Status, field, msg)
	}
	if a, _ := e.st.Application(context.Background(), id); a.Status != domain.StatusDraft || a.SubmittedAt != nil {
		t.Errorf("a refused submission changed the draft: %s", a.Status)
	}
	// So is a draft saved before its dataset required consent.
	old := e.draft("acme-fintech", "applicant")
	if err := e.st.UpdateDraft(context.Background(), &store.Application{ID: old, Title: "场景", Purpose: "p", PeriodMonths: 12,
		AccessMode: store.AccessSandbox, Datasets: []store.ApplicationDataset{{DatasetCode: "DS-0112"}}}); err != nil {
		t.Fatal(err)
	}
	e.refusedUnchanged("POST", fmt.Sprintf("/api/v1/applications/%d/submit", old), nil, "applicant", http.StatusBadRequest)
}

// A use of the data is recorded only within the authorization and, for a
// dataset used with its data subjects' consent, within the consented
// matter, accesses and term: each refusal is a 409 naming the field, in
// Chinese and in English, and writes nothing.
func TestUseIsHeldToTheConsent(t *testing.T) {
	e := newEnv(t)
	id := e.activeWithConsent(2, "2026-12-31", "2026-03-04")
	uses := fmt.Sprintf("/api/v1/applications/%d/uses", id)
	use := func(dataset, matter string) map[string]string {
		return map[string]string{"dataset": dataset, "matter": matter}
	}

	var answer struct {
		ID      uint64
		Dataset string
		Consent *store.ConsentUse
	}
	r := e.do("POST", uses, use("DS-0111", consentMatter), "applicant")
	r.decode(t, &answer)
	if r.Status != http.StatusCreated || answer.Dataset != "DS-0111" || answer.Consent == nil || answer.Consent.Remaining != 1 || answer.Consent.Used != 1 {
		t.Fatalf("first use: %d %s", r.Status, r.Body)
	}
	// A dataset without consent: any matter, as often as needed.
	for range 3 {
		if r := e.do("POST", uses, use("DS-0100", "授信评估"), "applicant"); r.Status != http.StatusCreated || strings.Contains(string(r.Body), `"consent"`) {
			t.Fatalf("use of a dataset without consent: %d %s", r.Status, r.Body)
		}
	}

	refuse := func(name string, body any, status int, field, zh, en string) {
		t.Helper()
		before := e.counts()
		for _, lang := range []string{"", "en"} {
			r, f, msg, hint := e.refusal("POST", uses, body, lang)
			want := zh
			if lang == "en" {
				want = en
			}
			if r.Status != status || f != field || !strings.Contains(msg, want) || hint == "" {
				t.Errorf("%s (%q): %d field %q %q / %q; want %d naming %q and saying %q", name, lang, r.Status, f, msg, hint, status, field, want)
			}
		}
		if !equalCounts(before, e.counts()) {
			t.Errorf("%s: refused but changed rows", name)
		}
	}
	refuse("another matter", use("DS-0111", "营销获客"), http.StatusConflict, "matter", "数据主体仅同意将数据资源 DS-0111 用于", "for \""+consentMatter+"\" only")
	if r := e.do("POST", uses, use("DS-0111", consentMatter), "applicant"); r.Status != http.StatusCreated {
		t.Fatalf("second use: %d %s", r.Status, r.Body)
	}
	refuse("used up", use("DS-0111", consentMatter), http.StatusConflict, "dataset", "同意的 2 次访问已用完", "the 2 accesses")
	refuse("a rejected dataset", use("DS-0102", "授信评估"), http.StatusConflict, "dataset", "未获同意", "is not approved")
	refuse("a dataset not named", use("DS-0001", "授信评估"), http.StatusBadRequest, "dataset", "不在本申请的数据资源之中", "is not one of this application's datasets")
	refuse("no matter", use("DS-0100", ""), http.StatusBadRequest, "matter", "不能为空", "is required")
	refuse("no dataset", use(" ", "授信评估"), http.StatusBadRequest, "dataset", "不能为空", "is required")
	refuse("a matter on two lines", use("DS-0100", "授信\n评估"), http.StatusBadRequest, "matter", "控制字符", "control character")

	// DS-0112's consent ends on 4 March; on the 5th it is refused.
	if r := e.do("POST", uses, use("DS-0112", "核验公积金缴存"), "applicant"); r.Status != http.StatusCreated {
		t.Fatalf("use within the term: %d %s", r.Status, r.Body)
	}
	e.clock.Add(3 * 24 * time.Hour)
	e.tokens = map[string]string{} // the day's tokens have expired
	refuse("past the term", use("DS-0112", "核验公积金缴存"), http.StatusConflict, "dataset", "已于 2026-03-04 到期", "ended on 2026-03-04")

	// What was used, and what is left.
	var list struct {
		Uses     []store.DataUse
		Consents []store.ConsentUse
	}
	r = e.do("GET", uses, nil, "bureau_officer")
	r.decode(t, &list)
	if r.Status != http.StatusOK || len(list.Uses) != 6 || len(list.Consents) != 2 {
		t.Fatalf("list: %d %s", r.Status, r.Body)
	}
	if c := list.Consents[0]; c.DatasetCode != "DS-0111" || c.Used != 2 || c.Remaining != 0 || c.Expired {
		t.Errorf("DS-0111's consent: %+v", c)
	}
	if c := list.Consents[1]; c.DatasetCode != "DS-0112" || c.Used != 1 || c.Remaining != 9 || !c.Expired {
		t.Errorf("DS-0112's consent: %+v", c)
	}
	audit, err := e.st.AuditStream(context.Background(), store.UseStream(id))
	if err != nil {
		t.Fatal(err)
	}
	if len(audit) != 6 || audit[0].Action != store.AuditDataUsed || audit[0].Reason != consentMatter || audit[0].Actor != "applicant" {
		t.Errorf("audit of the uses: %+v", audit)
	}

	// Only an active authorization's data is used, by its applicant.
	submitted := e.submitted("acme-fintech", "applicant")
	e.refusedUnchanged("POST", fmt.Sprintf("/api/v1/applications/%d/uses", submitted), use("DS-0100", "授信评估"), "applicant", http.StatusConflict)
	e.refusedUnchanged("POST", uses, use("DS-0100", "授信评估"), "applicant2", http.StatusNotFound)
	e.refusedUnchanged("POST", uses, use("DS-0100", "授信评估"), "bureau_officer", http.StatusForbidden)
	e.refusedUnchanged("GET", uses, nil, "applicant2", http.StatusNotFound)
}

// TestUsesUnderConcurrentRequests: uses racing for one consent never
// exceed it: with three accesses left, of eight concurrent requests
// exactly three are recorded and audited, and five are refused.
func TestUsesUnderConcurrentRequests(t *testing.T) {
	e := newEnv(t)
	id := e.activeWithConsent(3, "2026-12-31", "2026-12-31")
	tok := e.token("applicant")
	var wg sync.WaitGroup
	statuses := make([]int, 8)
	for i := range statuses {
		wg.Go(func() {
			r := e.do("POST", fmt.Sprintf("/api/v1/applications/%d/uses", id), map[string]string{"dataset": "DS-0111", "matter": consentMatter},
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
		case http.StatusConflict:
			refused++
		}
	}
	list, err := e.st.DataUses(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	audit, err := e.st.AuditStream(context.Background(), store.UseStream(id))
	if err != nil {
		t.Fatal(err)
	}
	if created != 3 || refused != 5 || len(list) != 3 || len(audit) != 3 {
		t.Errorf("statuses %v: %d recorded, %d audited", statuses, len(list), len(audit))
	}
	if v, err := e.st.VerifyAuditChain(context.Background()); err != nil || !v.OK {
		t.Errorf("audit chain: %+v %v", v, err)
	}
}
