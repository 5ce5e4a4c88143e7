package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"
)

// An Update sent to a workflow that has completed answers 409 in the
// caller's language, without Temporal's own English text in it.
func TestWorkflowNotFoundSaysNothingOfTemporal(t *testing.T) {
	e := asError(serviceerror.NewNotFound("workflow execution already completed"))
	if e.status != http.StatusConflict {
		t.Errorf("status %d, want 409", e.status)
	}
	for _, lang := range []string{"zh-CN", "en"} {
		c, _ := gin.CreateTestContext(httptest.NewRecorder())
		c.Request = httptest.NewRequest("POST", "/", nil)
		c.Request.Header.Set("Accept-Language", lang)
		out := localize(c, e)
		if strings.Contains(out.Message, "workflow execution") || out.Message == "" {
			t.Errorf("%s: %q", lang, out.Message)
		}
		if lang == "zh-CN" && !strings.Contains(out.Message, "审批流程") {
			t.Errorf("zh-CN: %q is not in Chinese", out.Message)
		}
	}
}
