package ops

import (
	"log/slog"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
)

// Middleware is the operational middleware for the API, in order: request
// ID, metrics, access log. It runs before authentication.
func (m *Metrics) Middleware(log *slog.Logger) []gin.HandlerFunc {
	return []gin.HandlerFunc{RequestIDMiddleware, m.httpMiddleware, AccessLog(log)}
}

// RequestIDMiddleware gives every request an ID: the client's
// X-Request-ID when it is plain and short, else a random one. The ID is
// sent back in X-Request-ID and carried by the request's context, so that
// every log line of the request names it.
func RequestIDMiddleware(c *gin.Context) {
	id := c.GetHeader(RequestIDHeader)
	if !validRequestID.MatchString(id) {
		id = newRequestID()
	}
	c.Header(RequestIDHeader, id)
	c.Request = c.Request.WithContext(WithRequestID(c.Request.Context(), id))
	c.Next()
}

// route is the request's route template (/api/v1/applications/:id), never
// its path: labels stay few, and IDs stay out of metrics.
func route(c *gin.Context) string {
	if r := c.FullPath(); r != "" {
		return r
	}
	return "unmatched"
}

// AccessLog writes one line per request: method, route template, path,
// status, duration, size and request ID. Never the query string, headers
// or body, which may carry personal data or credentials, nor the client's
// address.
func AccessLog(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		began := time.Now()
		c.Next()
		status := c.Writer.Status()
		level := slog.LevelInfo
		if status >= 500 {
			level = slog.LevelError
		}
		log.LogAttrs(c.Request.Context(), level, "http request",
			slog.String("method", c.Request.Method),
			slog.String("route", route(c)),
			slog.String("path", c.Request.URL.Path),
			slog.Int("status", status),
			slog.Float64("duration_ms", float64(time.Since(began).Microseconds())/1000),
			slog.Int("bytes", max(c.Writer.Size(), 0)),
		)
	}
}

func (m *Metrics) httpMiddleware(c *gin.Context) {
	began := time.Now()
	m.inFlight.Inc()
	defer m.inFlight.Dec()
	c.Next()
	r := route(c)
	code := strconv.Itoa(c.Writer.Status())
	m.requests.With(prometheus.Labels{"method": c.Request.Method, "route": r, "code": code}).Inc()
	m.duration.With(prometheus.Labels{"method": c.Request.Method, "route": r}).Observe(time.Since(began).Seconds())
}
