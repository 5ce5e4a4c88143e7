package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/datagate/datagate/identity"
)

// validCreditCode completes 17 characters with their check character.
func validCreditCode(t *testing.T, first17 string) string {
	t.Helper()
	for _, r := range "0123456789ABCDEFGHJKLMNPQRTUWXY" {
		if c := first17 + string(r); identity.CheckCreditCode(c) == nil {
			return c
		}
	}
	t.Fatalf("no check character for %s", first17)
	return ""
}

// An admin creates an org, an enterprise with its 统一社会信用代码
// included, from the admin page; the API checks the code's check character
// and names the field.
func TestAdminCreatesOrg(t *testing.T) {
	e := newEnv(t)
	adm := e.as("admin")
	p := adm.get("/admin")
	mustContain(t, "admin", p, `id="orgs"`, `id="org-form" data-api="/api/v1/admin/orgs"`,
		`name="code"`, `name="name"`, `name="name_en"`, `name="kind"`, `name="credit_code"`,
		`<option value="applicant">开发利用者（企业）</option>`, `<option value="provider">数据提供部门</option>`,
		"统一社会信用代码", `id="org-bdc"`)

	code := validCreditCode(t, "91440300MA5F00001")
	wrong := code[:17] + "0"
	if wrong == code {
		wrong = code[:17] + "1"
	}
	org := map[string]any{"code": "shenlan-data", "name": "深蓝数据科技有限公司", "name_en": "Shenlan Data", "kind": "applicant", "credit_code": wrong}
	r := adm.post("/api/v1/admin/orgs", org)
	if field, msg, hint := apiError(t, r); r.Status != http.StatusBadRequest || field != "credit_code" || !strings.Contains(hint, "统一社会信用代码") ||
		!strings.Contains(msg, "校验位（第 18 位）") {
		t.Errorf("wrong check character: %d field %q message %q hint %q", r.Status, field, msg, hint)
	}
	org["credit_code"] = ""
	if r := adm.post("/api/v1/admin/orgs", org); r.Status != http.StatusBadRequest {
		t.Errorf("an enterprise without a code: %d", r.Status)
	}
	org["credit_code"] = code
	if r := adm.post("/api/v1/admin/orgs", org); r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	p = adm.get("/admin")
	mustContain(t, "created", p, `id="org-shenlan-data"`, "深蓝数据科技有限公司", "Shenlan Data", code,
		`<option value="shenlan-data">`)
	// A department needs no code.
	if r := adm.post("/api/v1/admin/orgs", map[string]any{"code": "water", "name": "市水务局", "kind": "provider"}); r.Status != http.StatusCreated {
		t.Errorf("provider: %d %s", r.Status, r.Body)
	}
	en := e.as("admin")
	en.lang = "en"
	mustContain(t, "english", en.get("/admin"), "Create an org", "Unified social credit code", "Applicant (enterprise)")
	if p := e.as("supervisor").get("/admin"); strings.Contains(p.Body, `id="org-form"`) {
		t.Errorf("a supervisor sees the org form")
	}
}
