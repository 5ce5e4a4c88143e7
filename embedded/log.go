package embedded

import (
	"context"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"

	tlog "go.temporal.io/server/common/log"
	"go.temporal.io/server/common/log/tag"
)

// slogLogger is the embedded server's log written through DataGate's slog
// handler, so that its lines are DataGate's JSON lines (with
// "component":"temporal-server"), at the handler's level or warn,
// whichever is higher: the server's info lines are about its own
// machinery. While the server stops, its warnings (a service dialling one
// that already stopped, a poll cut short) are the stop itself, and are
// dropped, as are its errors that only say a request was cancelled (its
// client closed first); other errors are kept.
type slogLogger struct {
	l        *slog.Logger
	stopping *atomic.Bool
	// cancelled: the tags added by With carry a cancelled request.
	cancelled bool
}

var _ tlog.Logger = slogLogger{}
var _ tlog.WithLogger = slogLogger{}

func newSlogLogger(l *slog.Logger, stopping *atomic.Bool) slogLogger {
	return slogLogger{l: l.With("component", "temporal-server"), stopping: stopping}
}

func (s slogLogger) log(level slog.Level, msg string, tags []tag.Tag) {
	if level < slog.LevelWarn {
		return
	}
	if s.stopping.Load() && (level < slog.LevelError || s.cancelled || cancelled(tags)) {
		return
	}
	ctx := context.Background()
	if !s.l.Enabled(ctx, level) {
		return
	}
	s.l.LogAttrs(ctx, level, msg, attrs(tags)...)
}

// cancelled reports whether a line's error is a cancelled request. The
// server's error tags carry the error's text (zap encodes it so).
func cancelled(tags []tag.Tag) bool {
	for _, t := range tags {
		var text string
		switch v := t.Value().(type) {
		case error:
			text = v.Error()
		case string:
			text = v
		}
		if t.Key() == "error" && strings.Contains(text, context.Canceled.Error()) {
			return true
		}
	}
	return false
}

func attrs(tags []tag.Tag) []slog.Attr {
	out := make([]slog.Attr, 0, len(tags))
	for _, t := range tags {
		out = append(out, slog.Any(t.Key(), t.Value()))
	}
	return out
}

func (s slogLogger) Debug(msg string, tags ...tag.Tag) { s.log(slog.LevelDebug, msg, tags) }
func (s slogLogger) Info(msg string, tags ...tag.Tag)  { s.log(slog.LevelInfo, msg, tags) }
func (s slogLogger) Warn(msg string, tags ...tag.Tag)  { s.log(slog.LevelWarn, msg, tags) }
func (s slogLogger) Error(msg string, tags ...tag.Tag) { s.log(slog.LevelError, msg, tags) }

// DPanic is an error in production builds of Temporal.
func (s slogLogger) DPanic(msg string, tags ...tag.Tag) { s.log(slog.LevelError, msg, tags) }

func (s slogLogger) Panic(msg string, tags ...tag.Tag) {
	s.log(slog.LevelError, msg, tags)
	panic(msg)
}

func (s slogLogger) Fatal(msg string, tags ...tag.Tag) {
	s.log(slog.LevelError, msg, tags)
	os.Exit(1)
}

func (s slogLogger) With(tags ...tag.Tag) tlog.Logger {
	args := make([]any, 0, len(tags))
	for _, a := range attrs(tags) {
		args = append(args, a)
	}
	return slogLogger{l: s.l.With(args...), stopping: s.stopping, cancelled: s.cancelled || cancelled(tags)}
}
