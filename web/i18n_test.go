package web

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// templateFiles lists every template file.
func templateFiles(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, glob := range []string{"templates/*.html", "templates/pages/*.html"} {
		names, err := filepath.Glob(glob)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range names {
			b, err := os.ReadFile(n)
			if err != nil {
				t.Fatal(err)
			}
			out[n] = string(b)
		}
	}
	if len(out) < 10 {
		t.Fatalf("found %d templates", len(out))
	}
	return out
}

func TestCatalogsHaveTheSameKeys(t *testing.T) {
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range langs {
		for _, b := range langs {
			for _, k := range cats[a].keys() {
				if !cats[b].has(k) {
					t.Errorf("key %q is in %s but not in %s", k, a, b)
				}
			}
		}
	}
	for _, l := range langs {
		for k, v := range cats[l] {
			if strings.TrimSpace(v) == "" {
				t.Errorf("%s: key %q is empty", l, k)
			}
		}
	}
}

var (
	actionRE  = regexp.MustCompile(`(?s){{.*?}}`)
	tKeyRE    = regexp.MustCompile(`\bt "([^"]+)"`)
	txRE      = regexp.MustCompile(`\btx "([a-z]+)" "([^"]+)"`)
	textRE    = regexp.MustCompile(`>([^<]*)<`)
	attrRE    = regexp.MustCompile(`\b(placeholder|title|aria-label|alt|label|data-confirm)="([^"]*)"`)
	entityRE  = regexp.MustCompile(`&[a-zA-Z]+;|&#[0-9]+;`)
	goKeyRE   = regexp.MustCompile(`(?:translate|frame\(c,|message\(c, [^,]+,)\s*\(?"([a-z][a-z0-9_.]+)"`)
	goKeyRE2  = regexp.MustCompile(`message\(c, [^,]+, "[a-z_.]+", "([a-z_.]+)"`)
	navKeyRE  = regexp.MustCompile(`"(nav\.[a-z_]+)"`)
	freqKeyRE = regexp.MustCompile(`"(freq\.[a-z]+)"`)
)

// TestTemplatesUseOnlyCatalogKeys: every {{t "key"}} and {{tx "prefix"
// "value"}} in a template, and every key the Go code looks up, is in the
// catalogs.
func TestTemplatesUseOnlyCatalogKeys(t *testing.T) {
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]string{}
	for name, src := range templateFiles(t) {
		for _, act := range actionRE.FindAllString(src, -1) {
			for _, m := range tKeyRE.FindAllStringSubmatch(act, -1) {
				used[m[1]] = name
			}
			for _, m := range txRE.FindAllStringSubmatch(act, -1) {
				used[m[1]+"."+m[2]] = name
			}
		}
	}
	gos, _ := filepath.Glob("*.go")
	for _, n := range gos {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		b, _ := os.ReadFile(n)
		for _, re := range []*regexp.Regexp{goKeyRE, goKeyRE2, navKeyRE, freqKeyRE} {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				used[m[1]] = n
			}
		}
	}
	if len(used) < 200 {
		t.Fatalf("found only %d keys in use; is the scan broken?", len(used))
	}
	for k, where := range used {
		for _, l := range langs {
			if !cats[l].has(k) {
				t.Errorf("%s uses key %q, missing in %s", where, k, l)
			}
		}
	}
}

// TestKnownValuesAreTranslated: every status, task kind, decision, role,
// access mode and open attribute the pages show through tx has its words.
func TestKnownValuesAreTranslated(t *testing.T) {
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for set, codes := range map[string][]string{
		domain.SetKind: domain.TaskKinds(), domain.SetDecision: domain.Decisions(), domain.SetStatus: domain.Statuses(),
		domain.SetRole: domain.Roles(), domain.SetModel: domain.ModelStatuses(), domain.SetAgreement: domain.Agreements(),
		domain.SetEvaluation: domain.EvaluationStatuses(), domain.SetEnd: domain.EndReasons(),
	} {
		for _, c := range codes {
			want = append(want, set+"."+c)
		}
	}
	for _, k := range commentKinds {
		want = append(want, "comment."+k)
	}
	for _, m := range []string{store.AccessDownload, store.AccessAPI, store.AccessSandbox, store.AccessModelResult} {
		want = append(want, "access."+m)
	}
	for _, o := range []string{store.OpenUnconditional, store.OpenConditional, store.OpenClosed} {
		want = append(want, "open."+o, "openhint."+o)
	}
	for _, s := range domain.FinalStatuses() {
		want = append(want, "done."+s)
	}
	for _, k := range want {
		for _, l := range langs {
			if !cats[l].has(k) {
				t.Errorf("%s has no %q", l, k)
			}
		}
	}
}

// TestTemplatesHaveNoHardCodedText: outside {{...}}, a template's text and
// its human-readable attributes hold no letters and no Chinese: every word
// comes from the catalogs.
func TestTemplatesHaveNoHardCodedText(t *testing.T) {
	for name, src := range templateFiles(t) {
		for _, r := range src {
			if unicode.Is(unicode.Han, r) {
				t.Errorf("%s: Chinese text %q outside the catalogs", name, string(r))
				break
			}
		}
		// Actions become a placeholder without letters.
		plain := actionRE.ReplaceAllString(src, "\x00")
		plain = entityRE.ReplaceAllString(plain, "")
		for _, m := range textRE.FindAllStringSubmatch(plain, -1) {
			if hasLetter(m[1]) {
				t.Errorf("%s: hard-coded text %q", name, strings.TrimSpace(m[1]))
			}
		}
		for _, m := range attrRE.FindAllStringSubmatch(plain, -1) {
			if hasLetter(m[2]) {
				t.Errorf("%s: hard-coded %s=%q", name, m[1], m[2])
			}
		}
	}
}

func hasLetter(s string) bool {
	for _, r := range s {
		if unicode.IsLetter(r) {
			return true
		}
	}
	return false
}

// TestScanCatchesHardCodedText makes sure the scan above would fail.
func TestScanCatchesHardCodedText(t *testing.T) {
	for _, src := range []string{`<p>Hello</p>`, `<p>{{t "x"}} more</p>`, `<input placeholder="Name">`, `<p>你好</p>`} {
		plain := actionRE.ReplaceAllString(src, "\x00")
		found := false
		for _, m := range textRE.FindAllStringSubmatch(plain, -1) {
			found = found || hasLetter(m[1])
		}
		for _, m := range attrRE.FindAllStringSubmatch(plain, -1) {
			found = found || hasLetter(m[2])
		}
		if !found {
			t.Errorf("the scan misses %q", src)
		}
	}
}
