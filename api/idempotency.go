package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/httpctx"
	"github.com/datagate/datagate/store"
)

// idempotencyHeader lets a client retry a POST or PUT safely.
const idempotencyHeader = "Idempotency-Key"

// idempotent answers a retried request (same user, same key, same route)
// with the first response, and runs nothing again. A request that failed
// part-way after it noted where to resume (noteResume), or whose process
// died holding its key (store.IdempotencyExpiry), runs again: its handler
// finds the note with resumed.
func (s *Server) idempotent(c *gin.Context) {
	key := c.GetHeader(idempotencyHeader)
	u, signedIn := httpctx.User(c)
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
	claim, prev, err := s.Store.BeginIdempotent(ctx, u.ID, key, route, s.now())
	switch {
	case errors.Is(err, store.ErrIdempotencyInFlight):
		// The first request is still running: its answer is stored when it
		// ends, and a retry then replays it.
		c.Header("Retry-After", "1")
		fail(c, newErr(http.StatusConflict, "conflict", idempotencyHeader, "retry in a moment with the same key to get its answer",
			"a request with this Idempotency-Key is still in progress"))
		return
	case errors.Is(err, store.ErrIdempotencyOtherRoute):
		fail(c, newErr(http.StatusConflict, "conflict", idempotencyHeader, "use a new key for each different request",
			"this Idempotency-Key was already used on another request"))
		return
	case err != nil:
		fail(c, err)
		return
	}
	if claim == nil {
		c.Header("Idempotent-Replayed", "true")
		c.Data(prev.Status, "application/json; charset=utf-8", []byte(prev.Body))
		c.Abort()
		return
	}
	c.Set(claimKey, claim)
	w := &capture{ResponseWriter: c.Writer}
	c.Writer = w
	c.Next()
	status := w.Status()
	if c.GetBool(retryKey) && status < http.StatusInternalServerError {
		// Kept like a 5xx: not kept, so that a retry runs again (retryKey).
		status = http.StatusInternalServerError
	}
	if err := s.Store.FinishIdempotent(context.WithoutCancel(ctx), claim, status, w.body.Bytes()); err != nil && s.Log != nil {
		s.Log.Error("store idempotent response", "error", err)
	}
}

// claimKey holds the request's *store.IdempotencyClaim in the gin context.
const claimKey = "datagate.idempotency"

// resumed returns what an earlier request with this request's
// Idempotency-Key noted before it failed part-way or its process died,
// or "" (a fresh key, or no key).
func resumed(c *gin.Context) string {
	v, _ := c.Get(claimKey)
	if claim, ok := v.(*store.IdempotencyClaim); ok {
		return claim.Resume
	}
	return ""
}

// noteResume records on the request's Idempotency-Key (if it has one)
// what a retry needs to resume should the request fail from here on: the
// key is then kept, with the note, even after a 5xx. A failure to record
// it is logged, and the request goes on.
func (s *Server) noteResume(c *gin.Context, note any) {
	v, _ := c.Get(claimKey)
	claim, ok := v.(*store.IdempotencyClaim)
	if !ok {
		return
	}
	b, err := json.Marshal(note)
	if err == nil {
		err = s.Store.NoteIdempotent(context.WithoutCancel(c.Request.Context()), claim, string(b))
	}
	if err != nil && s.Log != nil {
		s.Log.Error("note on idempotency key", "error", err)
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
