package web_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/datagate/datagate/domain"
)

// send sends a JSON request to the API as the signed-in user, with the
// CSRF token, as the page's script does.
func (c *client) send(method, path string, body any) page {
	c.e.t.Helper()
	var r *bytes.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		r = bytes.NewReader(raw)
	} else {
		r = bytes.NewReader(nil)
	}
	req, _ := http.NewRequest(method, c.e.http.URL+path, r)
	req.Header.Set("Content-Type", "application/json")
	if c.csrf != "" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	return c.do(req)
}

// apiError reads the API's {"error":{...}} answer.
func apiError(t *testing.T, p page) (field, message, hint string) {
	t.Helper()
	var out struct {
		Error struct{ Field, Message, Hint string }
	}
	if err := json.Unmarshal([]byte(p.Body), &out); err != nil {
		t.Fatalf("not an API error: %d %.300s", p.Status, p.Body)
	}
	return out.Error.Field, out.Error.Message, out.Error.Hint
}

// An applicant edits the org's draft on a page: the create form filled
// with the draft, sent to PUT /api/v1/applications/:id (the create form's
// rules), with "save and submit"; the application's page links to it. Only
// drafts, only the applicant org's applicants.
func TestEditDraftPage(t *testing.T) {
	e := newEnv(t)
	f := e.fixture()
	id := itoa(f.draft.ID)
	app := e.as("applicant")

	// The draft's page links to the edit page, next to submit.
	p := app.get("/applications/" + id)
	mustContain(t, "draft page", p, `href="/applications/`+id+`/edit"`, `data-api="/api/v1/applications/`+id+`/submit"`)

	p = app.get("/applications/" + id + "/edit")
	if p.Status != http.StatusOK {
		t.Fatalf("edit page: %d %.300s", p.Status, p.Body)
	}
	mustContain(t, "edit page", p, "<title>编辑草稿 #"+id+" 草稿场景",
		`data-api="/api/v1/applications/`+id+`" data-method="PUT" data-next="/applications/`+id+`"`,
		`id="title" name="title" maxlength="200" aria-describedby="title-hint" value="草稿场景"`,
		`id="ds-DS-0100" name="datasets" value="DS-0100" data-array data-grade="2" checked`,
		`value="24"`, `<option value="sandbox" selected>`, "授信评估",
		`data-then="/api/v1/applications/`+id+`/submit"`, "保存并提交", `href="/applications/`+id+`"`)
	// Saving never sends submit: the API refuses it on an edit.
	mustNotContain(t, "edit page", p, `name="submit"`, `data-api="/api/v1/applications" `)

	// What the form sends: the API applies the create form's rules and
	// names the field it refuses.
	body := map[string]any{"title": "改后的场景", "domain": "金融服务", "purpose": "贷前审查", "scope": "本市",
		"period_months": 36, "access_mode": "model-result", "security_controls": "结果脱敏", "datasets": []string{"DS-0100", "DS-0104"}}
	bad := map[string]any{}
	for k, v := range body {
		bad[k] = v
	}
	bad["period_months"] = 61
	if r := app.send("PUT", "/api/v1/applications/"+id, bad); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("61 months: %d %s", r.Status, r.Body)
	} else if field, msg, _ := apiError(t, r); field != "period_months" || !strings.Contains(msg, "5 年") {
		t.Errorf("61 months: field %q message %q", field, msg)
	}
	bad["period_months"], bad["access_mode"] = 36, "download"
	if r := app.send("PUT", "/api/v1/applications/"+id, bad); r.Status != http.StatusUnprocessableEntity {
		t.Errorf("grade 3 by download: %d %s", r.Status, r.Body)
	} else if field, _, _ := apiError(t, r); field != "access_mode" {
		t.Errorf("grade 3 by download: field %q", field)
	}
	if r := app.send("PUT", "/api/v1/applications/"+id, body); r.Status != http.StatusOK {
		t.Fatalf("save: %d %s", r.Status, r.Body)
	}
	p = app.get("/applications/" + id + "/edit")
	mustContain(t, "edited draft", p, `value="改后的场景"`, `value="36"`, `<option value="model-result" selected>`, "贷前审查", "结果脱敏",
		`id="ds-DS-0104" name="datasets" value="DS-0104" data-array data-grade="3" checked`,
		// grade-3 data picked: download and API are off the form
		`value="download" disabled`)

	// A colleague with the applicant role may edit it too; in English.
	en := e.as("applicant")
	en.lang = "en"
	mustContain(t, "english", en.get("/applications/"+id+"/edit"), "Edit draft #"+id, "Save and submit")

	// A submitted application cannot be edited: no link, and the page says so.
	sub := itoa(f.app.ID)
	mustNotContain(t, "submitted page", app.get("/applications/"+sub), `href="/applications/`+sub+`/edit"`)
	if p := app.get("/applications/" + sub + "/edit"); p.Status != http.StatusConflict || !strings.Contains(p.Body, "只有草稿可以编辑") {
		t.Errorf("submitted: %d %.200s", p.Status, p.Body)
	}
	// Another org's draft is not found; an unknown one neither.
	other := e.application("kangming-medai", "applicant2", "别家的草稿", domain.StatusDraft, "DS-0100")
	for _, path := range []string{"/applications/" + itoa(other.ID) + "/edit", "/applications/99999/edit", "/applications/x/edit"} {
		if p := app.get(path); p.Status != http.StatusNotFound {
			t.Errorf("%s: %d, want 404", path, p.Status)
		}
	}
	// Roles other than applicant get the forbidden page; signed out, sign in.
	for _, user := range []string{"initial_reviewer", "reviewer-gsa", "supervisor", "admin"} {
		p := e.as(user).get("/applications/" + id + "/edit")
		if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "「编辑申请草稿」") {
			t.Errorf("%s: %d, want the forbidden page", user, p.Status)
		}
	}
	if p := e.as("").get("/applications/" + id + "/edit"); p.Status != http.StatusSeeOther {
		t.Errorf("anonymous: %d", p.Status)
	}
	// A reviewer on a submitted application gets no edit link.
	mustNotContain(t, "reviewer", e.as("reviewer-gsa").get("/applications/"+sub), "/edit")
}
