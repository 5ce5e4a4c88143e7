package api

import (
	"bytes"
	"context"
	"net/http"

	"github.com/gin-gonic/gin"
)

// idempotencyHeader lets a client retry a POST or PUT safely.
const idempotencyHeader = "Idempotency-Key"

// idempotent answers a retried request (same user, same key, same route)
// with the first response, and runs nothing again.
func (s *Server) idempotent(c *gin.Context) {
	key := c.GetHeader(idempotencyHeader)
	u, signedIn := currentUser(c)
	if key == "" || !signedIn {
		c.Next()
		return
	}
	if len(key) > 128 {
		fail(c, badRequest(idempotencyHeader, "use a key of at most 128 characters, e.g. a UUID", "the Idempotency-Key header is too long"))
		return
	}
	ctx := c.Request.Context()
	route := c.Request.Method + " " + c.Request.URL.Path
	prev, done, err := s.Store.BeginIdempotent(ctx, u.ID, key, route)
	if err != nil {
		fail(c, err)
		return
	}
	if done {
		c.Header("Idempotent-Replayed", "true")
		c.Data(prev.Status, "application/json; charset=utf-8", []byte(prev.Body))
		c.Abort()
		return
	}
	w := &capture{ResponseWriter: c.Writer}
	c.Writer = w
	c.Next()
	if err := s.Store.FinishIdempotent(context.WithoutCancel(ctx), u.ID, key, w.Status(), w.body.Bytes()); err != nil && s.Log != nil {
		s.Log.Error("store idempotent response", "error", err)
	}
}

// capture keeps a copy of the response body.
type capture struct {
	gin.ResponseWriter
	body bytes.Buffer
}

func (w *capture) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.ResponseWriter.Write(b)
}

func (w *capture) WriteString(s string) (int, error) {
	w.body.WriteString(s)
	return w.ResponseWriter.WriteString(s)
}

var _ http.ResponseWriter = (*capture)(nil)
