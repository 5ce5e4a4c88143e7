package web

import (
	"regexp"
	"strings"
	"testing"
)

var (
	formRE   = regexp.MustCompile(`(?s)<form\b[^>]*>.*?</form>`)
	openRE   = regexp.MustCompile(`(?s)^<form\b[^>]*>`)
	submitRE = regexp.MustCompile(`<button\b[^>]*type="submit"[^>]*>`)
	latinRE  = regexp.MustCompile(`[A-Za-z]`)
)

// Every action of the pages leaves a message for the next page (app.js
// shows it once): each form sent to the API (data-api, data-upload) names
// one in data-flash, on the form or on each of its submit buttons; only a
// form whose answer is shown in place (data-show) and the sign-in forms
// leave none. The messages are words of the page's language: no
// key, ID or login name in the Chinese ones.
func TestEveryActionLeavesAFlashMessage(t *testing.T) {
	forms := 0
	for name, src := range templateFiles(t) {
		for _, form := range formRE.FindAllString(src, -1) {
			open := openRE.FindString(form)
			if !strings.Contains(open, "data-api=") && !strings.Contains(open, "data-upload=") {
				continue
			}
			if strings.Contains(open, "data-show=") || strings.Contains(open, `id="login-form"`) || strings.Contains(open, `id="totp-form"`) {
				continue
			}
			forms++
			if strings.Contains(open, "data-flash=") {
				continue
			}
			buttons := submitRE.FindAllString(form, -1)
			if len(buttons) == 0 {
				t.Errorf("%s: %s has no data-flash and no submit button", name, open)
			}
			for _, b := range buttons {
				if !strings.Contains(b, "data-flash=") {
					t.Errorf("%s: %s: %s leaves no message", name, open, b)
				}
			}
		}
	}
	if forms < 30 {
		t.Errorf("found %d action forms; is the scan broken?", forms)
	}
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for k, v := range cats[LangZh] {
		if !strings.HasPrefix(k, "flash.") {
			continue
		}
		n++
		if latinRE.MatchString(strings.ReplaceAll(v, "%s", "")) {
			t.Errorf("zh-CN %s = %q has latin letters", k, v)
		}
	}
	if n < 20 {
		t.Errorf("%d flash messages in zh-CN", n)
	}
}
