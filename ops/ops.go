// Package ops is what an operator sees of a running DataGate: request IDs,
// one JSON log line per request, Prometheus metrics (HTTP, tasks, the
// Temporal SDK's), and the readiness endpoint. It knows nothing of the
// API's routes or the workflows; cmd wires it in.
package ops

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"regexp"
	"strings"
)

// RequestIDHeader carries a request's ID in and out.
const RequestIDHeader = "X-Request-ID"

type ctxKey struct{}

// WithRequestID returns ctx carrying a request ID.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// RequestID is the request ID ctx carries, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(ctxKey{}).(string)
	return id
}

// validRequestID: an ID a client or proxy sent is kept only if it is short
// and plain, so that it cannot forge log lines or carry data.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,64}$`)

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// NewLogger is DataGate's logger: JSON lines at level, each carrying the
// request ID of its context, with secrets redacted (see Redacting).
func NewLogger(w interface{ Write([]byte) (int, error) }, level slog.Level) *slog.Logger {
	return slog.New(Redacting(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})))
}

// Redacting wraps h: a record logged with a context gets its request_id,
// and an attribute whose key names a secret (password, token, secret,
// cookie, authorization, csrf, dsn) is logged as "[redacted]", whatever
// its value, so that a careless log call cannot leak one.
func Redacting(h slog.Handler) slog.Handler { return redactor{h} }

type redactor struct{ slog.Handler }

var secretKey = regexp.MustCompile(`(?i)password|passwd|secret|token|cookie|authorization|csrf|dsn|api[_-]?key`)

func (r redactor) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, rec.Message, rec.PC)
	if id := RequestID(ctx); id != "" {
		out.AddAttrs(slog.String("request_id", id))
	}
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return r.Handler.Handle(ctx, out)
}

func (r redactor) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = redactAttr(a)
	}
	return redactor{r.Handler.WithAttrs(clean)}
}

func (r redactor) WithGroup(name string) slog.Handler { return redactor{r.Handler.WithGroup(name)} }

func redactAttr(a slog.Attr) slog.Attr {
	if secretKey.MatchString(a.Key) {
		return slog.String(a.Key, "[redacted]")
	}
	if a.Value.Kind() == slog.KindGroup {
		group := a.Value.Group()
		clean := make([]any, len(group))
		for i, g := range group {
			clean[i] = redactAttr(g)
		}
		return slog.Group(a.Key, clean...)
	}
	return a
}

// ParseLevel reads debug, info, warn or error.
func ParseLevel(s string) slog.Level {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}
