package web

import "testing"

// Every label of the forbidden page is in both catalogs, and every page
// of the web either has a label or is one the public may open.
func TestForbiddenLabelsAreInTheCatalogs(t *testing.T) {
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"forbidden.page.this"}
	for _, k := range pageLabels {
		keys = append(keys, k)
	}
	for _, k := range keys {
		for _, l := range langs {
			if !cats[l].has(k) {
				t.Errorf("%s has no %q", l, k)
			}
		}
	}
	w := &Web{}
	for _, p := range w.Pages() {
		if p.Forbidden == nil {
			t.Errorf("%s %s has no forbidden page", p.Method, p.Path)
		}
		if _, ok := pageLabels[p.Path]; !ok && p.Path != "/static/*path" && p.Path != "/favicon.ico" && p.Path != "/lang" && p.Path != "/login" {
			t.Errorf("%s has no label for the forbidden page", p.Path)
		}
	}
}
