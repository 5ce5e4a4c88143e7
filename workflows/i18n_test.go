package workflows_test

import (
	"testing"

	"github.com/datagate/datagate/internal/catalogcheck"
)

// Every refusal a workflow gives has its zh-CN translation.
func TestEveryRefusalHasChinese(t *testing.T) {
	catalogcheck.Check(t, ".", map[string][2]int{"refuse": {-1, 2}}, "zhRefusals", "")
}
