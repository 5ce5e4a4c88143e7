package web

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/httpctx"
)

// The two languages the pages speak. zh-CN is the default; a visitor gets
// English by the toggle (the lang cookie) or by an Accept-Language that
// prefers it.
const (
	LangZh = "zh-CN"
	LangEn = "en"
)

// langs lists the languages in the order of the toggle.
var langs = []string{LangZh, LangEn}

// langCookie remembers the visitor's choice of language.
const langCookie = "lang"

//go:embed i18n/*.json
var catalogFS embed.FS

// catalog is one language's messages by key.
type catalog map[string]string

// loadCatalogs reads every language's catalog, with the domain's names.
func loadCatalogs() (map[string]catalog, error) {
	out := map[string]catalog{}
	for _, l := range langs {
		raw, err := fs.ReadFile(catalogFS, "i18n/"+l+".json")
		if err != nil {
			return nil, fmt.Errorf("read catalog %s: %w", l, err)
		}
		var c catalog
		if err := json.Unmarshal(raw, &c); err != nil {
			return nil, fmt.Errorf("parse catalog %s: %w", l, err)
		}
		// The domain's words ("status.active", "kind.initial_review", ...)
		// are named once, in package domain.
		for k, v := range domain.Catalog(l) {
			if _, dup := c[k]; dup {
				return nil, fmt.Errorf("catalog %s: %q is the domain's word: name it in package domain", l, k)
			}
			c[k] = v
		}
		out[l] = c
	}
	return out, nil
}

// translate looks key up and formats it with args (fmt verbs, %[n]d to
// reorder). A missing key shows as the key itself, so it is seen and
// reported by the tests rather than silently blank.
func (c catalog) translate(key string, args ...any) string {
	msg, ok := c[key]
	if !ok {
		return key
	}
	if len(args) == 0 {
		return msg
	}
	return fmt.Sprintf(msg, args...)
}

// has reports whether the catalog has key.
func (c catalog) has(key string) bool { _, ok := c[key]; return ok }

// keys lists the catalog's keys, sorted.
func (c catalog) keys() []string {
	out := make([]string, 0, len(c))
	for k := range c {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// language picks the page language: the lang cookie, then Accept-Language,
// then zh-CN.
func language(c *gin.Context) string {
	if v, err := c.Cookie(langCookie); err == nil {
		if l, ok := normLang(v); ok {
			return l
		}
	}
	if httpctx.PrefersEnglish(c.GetHeader("Accept-Language")) {
		return LangEn
	}
	return LangZh
}

// normLang maps a language tag to one of langs.
func normLang(v string) (string, bool) {
	v = strings.ToLower(strings.TrimSpace(v))
	switch {
	case strings.HasPrefix(v, "en"):
		return LangEn, true
	case strings.HasPrefix(v, "zh"):
		return LangZh, true
	}
	return "", false
}
