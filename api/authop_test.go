package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/store/seeddata"
)

// notEligible is a closed dataset outside authorized operation: neither
// open nor eligible. The demo catalog has none (its closed datasets are
// all in the Longhua plan's 表1), so the tests add one.
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

// imaging is the Longhua plan's scenario 5 (003 七, 表2): AI中医大模型训练
// "通过脱敏后的放射影像数据", by the medical-AI applicant.
func imaging(over map[string]any) map[string]any {
	b := map[string]any{"title": "AI中医大模型训练", "domain": "医疗健康",
		"purpose": "以脱敏后的放射影像数据训练肩周炎辅助诊疗模型", "scope": "授权运营域内训练，仅输出模型",
		"period_months": 24, "access_mode": "sandbox", "security_controls": "沙箱隔离，原始数据不出域",
		"datasets": []string{"DS-0103"}}
	for k, v := range over {
		b[k] = v
	}
	return b
}

type apiError struct {
	Error struct{ Code, Message, Field, Hint string } `json:"error"`
}

// refusal sends a draft in one language and returns the refusal.
func refusal(t *testing.T, e *env, body map[string]any, lang string) (int, apiError) {
	t.Helper()
	r := e.do("POST", "/api/v1/applications", body, func(req *http.Request) {
		req.Header.Set("Authorization", "Bearer "+e.token("applicant2"))
		req.Header.Set("Accept-Language", lang)
	})
	var out apiError
	_ = json.Unmarshal(r.Body, &out)
	return r.Status, out
}

// Closed data eligible for authorized operation (授权运营) is requested for
// the secure environment: the AI imaging-training scenario with DS-0103
// (医疗放射影像数据, closed, grade 3) in the sandbox or by model results is
// accepted; by download or API it is refused, naming access_mode.
func TestClosedDataForAuthorizedOperation(t *testing.T) {
	e := newEnv(t)
	for _, mode := range []string{store.AccessSandbox, store.AccessModelResult} {
		r := e.do("POST", "/api/v1/applications", imaging(map[string]any{"access_mode": mode}), "applicant2")
		if r.Status != http.StatusCreated {
			t.Fatalf("imaging training with DS-0103 by %s: %d %s, want 201", mode, r.Status, r.Body)
		}
		var created struct{ Application store.Application }
		r.decode(t, &created)
		a, err := e.st.Application(context.Background(), created.Application.ID)
		if err != nil {
			t.Fatal(err)
		}
		if a.AccessMode != mode || len(a.Datasets) != 1 || a.Datasets[0].DatasetCode != "DS-0103" || a.Datasets[0].Department != "health" {
			t.Errorf("the draft by %s: %+v", mode, a)
		}
	}
	for _, mode := range []string{store.AccessDownload, store.AccessAPI} {
		before := e.counts()
		status, en := refusal(t, e, imaging(map[string]any{"access_mode": mode}), "en")
		if status != http.StatusUnprocessableEntity || en.Error.Field != "access_mode" || en.Error.Code != "rule" {
			t.Errorf("DS-0103 by %s: %d %+v, want 422 on access_mode", mode, status, en.Error)
		}
		for _, want := range []string{"DS-0103", "closed", "authorized operation", "access_mode", "sandbox", "model-result"} {
			if !strings.Contains(en.Error.Message+" "+en.Error.Hint, want) {
				t.Errorf("DS-0103 by %s: the English refusal %q / %q does not say %q", mode, en.Error.Message, en.Error.Hint, want)
			}
		}
		_, zh := refusal(t, e, imaging(map[string]any{"access_mode": mode}), "zh-CN")
		for _, want := range []string{"DS-0103", "非开放", "授权运营", "access_mode", "sandbox"} {
			if !strings.Contains(zh.Error.Message+" "+zh.Error.Hint, want) {
				t.Errorf("DS-0103 by %s: the Chinese refusal %q / %q does not say %q", mode, zh.Error.Message, zh.Error.Hint, want)
			}
		}
		if !equalCounts(before, e.counts()) {
			t.Errorf("DS-0103 by %s: refused but changed rows", mode)
		}
	}
	// Grade-3 data stays in the secure environment whatever its open
	// attribute: DS-0104 is conditional and grade 3.
	if status, en := refusal(t, e, imaging(map[string]any{"access_mode": "download", "datasets": []string{"DS-0104"}}), "en"); status != 422 || en.Error.Field != "access_mode" {
		t.Errorf("grade-3 DS-0104 by download: %d %+v, want 422 on access_mode", status, en.Error)
	}
	// Editing a draft follows the same rules.
	r := e.do("POST", "/api/v1/applications", imaging(map[string]any{"datasets": []string{"DS-0104"}}), "applicant2")
	var created struct{ Application store.Application }
	r.decode(t, &created)
	path := fmt.Sprintf("/api/v1/applications/%d", created.Application.ID)
	if r := e.do("PUT", path, imaging(map[string]any{"access_mode": "api"}), "applicant2"); r.Status != 422 || errorField(t, r) != "access_mode" {
		t.Errorf("edit to DS-0103 by API: %d %s, want 422 on access_mode", r.Status, r.Body)
	}
	if r := e.do("PUT", path, imaging(nil), "applicant2"); r.Status != http.StatusOK {
		t.Errorf("edit to DS-0103 in the sandbox: %d %s, want 200", r.Status, r.Body)
	}
}

// A dataset neither open nor eligible for authorized operation is still
// refused, in every access mode, naming the dataset's field and the fix.
func TestNeitherOpenNorEligibleIsRefused(t *testing.T) {
	e := newEnv(t)
	addNotEligible(t, e)
	for _, mode := range []string{store.AccessSandbox, store.AccessModelResult, store.AccessDownload} {
		before := e.counts()
		body := imaging(map[string]any{"access_mode": mode, "datasets": []string{"DS-0103", notEligible}})
		status, en := refusal(t, e, body, "en")
		if status != http.StatusUnprocessableEntity || en.Error.Field != "datasets[1]" {
			t.Errorf("%s by %s: %d %+v, want 422 on datasets[1]", notEligible, mode, status, en.Error)
		}
		for _, want := range []string{notEligible, "closed", "not eligible for authorized operation", "remove it from datasets"} {
			if !strings.Contains(en.Error.Message+" "+en.Error.Hint, want) {
				t.Errorf("%s by %s: the English refusal %q / %q does not say %q", notEligible, mode, en.Error.Message, en.Error.Hint, want)
			}
		}
		_, zh := refusal(t, e, body, "zh-CN")
		for _, want := range []string{notEligible, "非开放", "未纳入授权运营范围", "datasets"} {
			if !strings.Contains(zh.Error.Message+" "+zh.Error.Hint, want) {
				t.Errorf("%s by %s: the Chinese refusal %q / %q does not say %q", notEligible, mode, zh.Error.Message, zh.Error.Hint, want)
			}
		}
		if !equalCounts(before, e.counts()) {
			t.Errorf("%s by %s: refused but changed rows", notEligible, mode)
		}
	}
}

// The catalog API shows both attributes, and filters by eligibility.
func TestCatalogShowsAuthorizedOperation(t *testing.T) {
	e := newEnv(t)
	addNotEligible(t, e)
	for code, want := range map[string]bool{"DS-0103": true, "DS-0110": true, "DS-0111": true, "DS-0112": true, "DS-0001": false, notEligible: false} {
		var d map[string]any
		e.do("GET", "/api/v1/catalog/"+code, nil, "").decode(t, &d)
		if got, ok := d["authorized_operation"].(bool); !ok || got != want || d["open_attribute"] == nil {
			t.Errorf("GET /api/v1/catalog/%s: authorized_operation = %v, want %v: %v", code, d["authorized_operation"], want, d)
		}
	}
	var list struct {
		Datasets []map[string]any
		Total    int
	}
	e.do("GET", "/api/v1/catalog?open=closed&authorized_operation=true&limit=500", nil, "").decode(t, &list)
	codes := map[string]bool{}
	for _, d := range list.Datasets {
		codes[d["code"].(string)] = true
		if d["authorized_operation"] != true || d["open_attribute"] != store.OpenClosed {
			t.Errorf("closed, eligible filter: %v", d)
		}
	}
	if !codes["DS-0103"] || !codes["DS-0112"] || codes[notEligible] || list.Total != len(list.Datasets) {
		t.Errorf("closed datasets eligible for authorized operation: %v (total %d)", codes, list.Total)
	}
	var neither struct {
		Datasets []map[string]any
		Total    int
	}
	e.do("GET", "/api/v1/catalog?open=closed&authorized_operation=false", nil, "").decode(t, &neither)
	if neither.Total != 1 || len(neither.Datasets) != 1 || neither.Datasets[0]["code"] != notEligible {
		t.Errorf("closed datasets not eligible: %v, want %s alone", neither.Datasets, notEligible)
	}
	if r := e.do("GET", "/api/v1/catalog?authorized_operation=yes", nil, ""); r.Status != http.StatusBadRequest || errorField(t, r) != "authorized_operation" {
		t.Errorf("authorized_operation=yes: %d %s, want 400 on authorized_operation", r.Status, r.Body)
	}
}
