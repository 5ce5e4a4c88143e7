package workflows

import (
	"errors"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/datagate/datagate/domain"
)

// A refusal's Chinese names statuses and actions in Chinese too.
func TestRefusalArgumentsInChinese(t *testing.T) {
	err := refuse(ErrConflict, "", "cannot %s: the application is %s, not active", "give exit notice", domain.StatusInitialReview)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) {
		t.Fatal(err)
	}
	var field, zh string
	if err := appErr.Details(&field, &zh); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(zh, "提出退出") || !strings.Contains(zh, "初审") || strings.Contains(zh, "give exit notice") {
		t.Errorf("zh refusal %q", zh)
	}
	if !strings.Contains(appErr.Message(), "give exit notice") {
		t.Errorf("English refusal %q", appErr.Message())
	}
}
