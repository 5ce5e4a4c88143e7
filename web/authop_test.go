package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/store/seeddata"
)

// notEligible is a closed dataset outside authorized operation. The demo
// catalog has none (its closed datasets are all in the Longhua plan's 表1),
// so the tests add one.
const notEligible = "DS-9101"

func addNotEligible(t *testing.T, e *env) {
	t.Helper()
	err := e.st.Seed(context.Background(), seeddata.Catalog{Datasets: []seeddata.Dataset{{
		Code: notEligible, Name: "个人健康档案原始数据", Department: "health", Fields: []string{"身份证号"},
		OpenAttribute: store.OpenClosed, Grade: 3, UpdateFrequency: "每日", Format: "API", Summary: "不开放，亦未纳入授权运营范围",
	}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
}

// The catalog shows both attributes, by their display names, in zh-CN and
// in English: the open attribute (开放属性) and eligibility for authorized
// operation (授权运营).
func TestCatalogShowsAuthorizedOperation(t *testing.T) {
	e := newEnv(t)
	addNotEligible(t, e)
	anon := e.as("")
	p := anon.get("/catalog?open=closed")
	mustContain(t, "closed datasets", p, `<th scope="col">授权运营</th>`, "DS-0103", notEligible, "未纳入")
	row := func(p page, code string) string {
		i := strings.Index(p.Body, `<td class="nowrap">`+code+`</td>`)
		if i < 0 {
			t.Fatalf("no row for %s", code)
		}
		r := p.Body[i:]
		return r[:strings.Index(r, "</tr>")]
	}
	if r := row(p, "DS-0103"); !strings.Contains(r, "非开放") || !strings.Contains(r, `<span class="badge authop">可授权运营</span>`) {
		t.Errorf("the DS-0103 row does not show closed and eligible: %s", r)
	}
	if r := row(p, notEligible); !strings.Contains(r, "非开放") || strings.Contains(r, "可授权运营") || !strings.Contains(r, "未纳入") {
		t.Errorf("the %s row does not show closed and not eligible: %s", notEligible, r)
	}
	mustNotContain(t, "closed datasets", p, "authorized_operation", ">true<", ">false<")

	en := e.as("")
	en.lang = "en"
	p = en.get("/catalog?open=closed")
	mustContain(t, "closed datasets in English", p, `<th scope="col">Authorized operation</th>`, `<span class="badge authop">Eligible</span>`, "Not eligible")
	mustNotContain(t, "closed datasets in English", p, "可授权运营", "未纳入")

	// The dataset's page says what each attribute allows.
	p = anon.get("/catalog/DS-0103")
	mustContain(t, "DS-0103", p, "非开放", "不向社会开放", "可授权运营", "已纳入授权运营范围，可申请在安全环境中使用（沙箱或模型结果）")
	p = anon.get("/catalog/" + notEligible)
	mustContain(t, notEligible, p, "非开放", "未纳入", "不可申请")
	// An applicant may apply for DS-0103 from its page, not for the other.
	a := e.as("applicant")
	mustContain(t, "DS-0103 for an applicant", a.get("/catalog/DS-0103"), `id="apply-DS-0103"`)
	mustNotContain(t, notEligible+" for an applicant", a.get("/catalog/"+notEligible), `id="apply-`+notEligible+`"`)
}

// The form lets an applicant pick closed data eligible for authorized
// operation, for the secure environment only, and not closed data outside
// it.
func TestApplicationFormAuthorizedOperation(t *testing.T) {
	e := newEnv(t)
	addNotEligible(t, e)
	p := e.as("applicant2").get("/applications/new?datasets=DS-0103&datasets=" + notEligible)
	if p.Status != http.StatusOK {
		t.Fatalf("form: %d", p.Status)
	}
	// DS-0103 is picked, and download and API are off the form.
	mustContain(t, "DS-0103 picked", p,
		`id="ds-DS-0103" name="datasets" value="DS-0103" data-array data-grade="3" checked aria-describedby="ds-DS-0103-authop" data-secure>`,
		`id="ds-DS-0103-authop">非开放，仅可通过授权运营在安全环境中使用（沙箱或模型结果）`,
		`value="download" disabled`, `value="api" disabled`)
	if strings.Contains(p.Body, `id="access-grade3" data-grade-note hidden`) {
		t.Error("the secure-environment note is hidden with DS-0103 picked")
	}
	// The dataset neither open nor eligible cannot be picked, even asked for.
	mustContain(t, notEligible+" not pickable", p,
		`id="ds-`+notEligible+`" name="datasets" value="`+notEligible+`" data-array data-grade="3" disabled aria-describedby="ds-`+notEligible+`-closed" data-secure>`,
		`id="ds-`+notEligible+`-closed">非开放，且未纳入授权运营范围，不可申请`)
}
