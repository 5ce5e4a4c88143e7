package web

import "testing"

// Every phrase the pages put in words for the workflows (said) has its
// words in both catalogs.
func TestSystemPhrasesAreInTheCatalogs(t *testing.T) {
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"said.request_withdrawn"}
	for _, k := range systemPhrases {
		keys = append(keys, k)
	}
	for _, p := range systemPatterns {
		keys = append(keys, p.key)
	}
	for _, k := range keys {
		for _, l := range langs {
			if !cats[l].has(k) {
				t.Errorf("%s has no %q", l, k)
			}
		}
	}
	w := &Web{cat: cats}
	for text, want := range map[string]string{
		"overdue 3 working days: urged automatically": "超期 3 个工作日，系统自动督办",
		"authorization ended: terminated":             "授权已结束（" + cats[LangZh].translate("end.terminated") + "）",
		"sandbox access until 2028-03-01":             "使用方式：" + cats[LangZh].translate("access.sandbox") + "，至 2028-03-01",
		"department decided":                          "部门已作出决定",
		"a person's own words":                        "a person's own words",
	} {
		if got := w.said(LangZh, "system", text); got != want {
			t.Errorf("said(%q) = %q, want %q", text, got, want)
		}
	}
	if got := w.said(LangZh, "reviewer-gsa", "department decided"); got != "department decided" {
		t.Errorf("a person's words were translated: %q", got)
	}
}
