package embedded

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"

	"go.temporal.io/server/common/log/tag"
)

// TestStopDropsItsOwnNoise: once the stop begins, warnings and errors that
// only say a request was cancelled are not logged; other errors are.
func TestStopDropsItsOwnNoise(t *testing.T) {
	var out bytes.Buffer
	stopping := new(atomic.Bool)
	l := newSlogLogger(slog.New(slog.NewJSONHandler(&out, nil)), stopping)
	cancelledErr := fmt.Errorf("GetTaskQueue operation failed. Error: %w", context.Canceled)
	textOnly := errors.New("Failed to check if task queue existed. Error: context canceled")

	l.Info("started")
	l.Warn("dial failed")
	l.Error("request failed", tag.Error(cancelledErr))
	before := strings.Count(out.String(), "\n")
	if before != 2 {
		t.Fatalf("before the stop, %d lines, want the warning and the error:\n%s", before, out.String())
	}
	out.Reset()
	stopping.Store(true)
	l.Warn("dial failed")
	l.Error("request failed", tag.Error(cancelledErr))
	l.With(tag.Error(textOnly)).Error("operation failed")
	l.Error("request failed", tag.Error(textOnly))
	if out.Len() != 0 {
		t.Errorf("the stop's own lines were logged:\n%s", out.String())
	}
	l.Error("persistence failed", tag.Error(errors.New("disk full")))
	if !strings.Contains(out.String(), "disk full") {
		t.Errorf("a real error during the stop was dropped: %q", out.String())
	}
}
