package api

import (
	"fmt"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/httpctx"
	"github.com/datagate/datagate/workflows"
)

// Messages speak zh-CN first and English second: a caller gets English
// only when its Accept-Language prefers it.

// localize returns a copy of e in the caller's language.
func localize(c *gin.Context, e *Error) *Error {
	out := *e
	if httpctx.PrefersEnglish(c.GetHeader("Accept-Language")) {
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
	out.Others = nil
	for _, o := range e.Others {
		out.Others = append(out.Others, localize(c, o))
	}
	return &out
}
