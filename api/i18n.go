package api

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/workflows"
)

// Messages speak zh-CN first and English second: a caller gets English
// only when its Accept-Language prefers it.

// prefersEnglish reads Accept-Language: of the two languages spoken here,
// the one with the higher weight wins; without either, zh-CN.
func prefersEnglish(header string) bool {
	best, bestQ := "zh", -1.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		if !strings.HasPrefix(tag, "en") && !strings.HasPrefix(tag, "zh") {
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if q > bestQ {
			best, bestQ = tag[:2], q
		}
	}
	return best == "en"
}

// PrefersEnglish tells the web's pages the same choice as the API's errors.
func PrefersEnglish(header string) bool { return prefersEnglish(header) }

// localize returns a copy of e in the caller's language.
func localize(c *gin.Context, e *Error) *Error {
	out := *e
	if prefersEnglish(c.GetHeader("Accept-Language")) {
		c.Header("Content-Language", "en")
		return &out
	}
	c.Header("Content-Language", "zh-CN")
	switch {
	case zhMessages[e.format] != "":
		args := make([]any, len(e.args))
		for i, a := range e.args {
			if s, ok := a.(string); ok {
				a = workflows.ZhWord(s)
			}
			args[i] = a
		}
		out.Message = fmt.Sprintf(zhMessages[e.format], args...)
	case e.zh != "":
		out.Message = e.zh
	}
	if h := zhHints[e.Hint]; h != "" {
		out.Hint = h
	}
	return &out
}
