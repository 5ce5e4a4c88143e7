package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// A new org's 统一社会信用代码 is refused naming the field credit_code, with
// what is wrong in the caller's language: a wrong check character, a
// character outside the standard's alphabet, a wrong length, none at all
// for an enterprise.
func TestCreditCodeErrorsNameTheFieldInBothLanguages(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		code   string
		zh, en string
	}{
		{"91440106MA5D7K2R4G", "校验位（第 18 位）是 'G'，但按前 17 位计算应为 'F'", "the check character (position 18) is 'G', but the first 17 characters give 'F'"},
		{"91440106ma5d7k2r4f", "第 9 位 'm' 不允许使用：字母须大写", "character 'm' at position 9 is not allowed; letters must be capitals"},
		{"91440106MO5D7K2R4F", "第 10 位 'O' 不允许使用：只能使用数字和除 I、O、S、V、Z 以外的大写字母", "character 'O' at position 10 is not allowed"},
		{"91440106MA5D7K2R4", "统一社会信用代码有 17 位，应为 18 位", "the credit code has 17 characters"},
		{"", "开发利用者（企业）单位必须填写统一社会信用代码", "credit_code is required for an applicant (enterprise) org"},
	} {
		for _, lang := range []string{"zh-CN", "en"} {
			body := map[string]string{"code": "newco", "name": "新公司", "kind": "applicant", "credit_code": tc.code}
			r := e.do("POST", "/api/v1/admin/orgs", body, func(req *http.Request) {
				req.Header.Set("Authorization", "Bearer "+e.token("admin"))
				req.Header.Set("Accept-Language", lang)
			})
			var out struct {
				Error struct{ Field, Message, Hint string }
			}
			_ = json.Unmarshal(r.Body, &out)
			want := tc.zh
			if lang == "en" {
				want = tc.en
			}
			if r.Status != http.StatusBadRequest || out.Error.Field != "credit_code" || !strings.Contains(out.Error.Message, want) {
				t.Errorf("%q in %s: %d field %q message %q, want %q", tc.code, lang, r.Status, out.Error.Field, out.Error.Message, want)
			}
		}
	}
	// Nothing was created.
	if r := e.do("POST", "/api/v1/admin/orgs", map[string]string{"code": "newco", "name": "新公司", "kind": "applicant", "credit_code": "91440106MA5D7K2R4F"}, "admin"); r.Status != http.StatusCreated {
		t.Errorf("valid: %d %s", r.Status, r.Body)
	}
}
