package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/datagate/datagate/identity"
	"github.com/datagate/datagate/rbac"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/workflows"
)

// Error is the JSON body of every failed request.
type Error struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
	Hint    string `json:"hint,omitempty"`
	// RequestID, on a 5xx, is the request's X-Request-ID, to quote to
	// the administrator, who finds the cause in the log by it.
	RequestID string `json:"request_id,omitempty"`
	// Others are the request's other refusals, one a field, when more
	// than one field is at fault (a draft's form): each is shown at its
	// field at once.
	Others []*Error `json:"others,omitempty"`
	status int
	// format and args rebuild the message in another language; zh is a
	// message already translated (a workflow's refusal).
	format string
	args   []any
	zh     string
	// cause is an unexpected error behind a 500: logged, never sent.
	cause error
}

func (e *Error) Error() string { return e.Message }

// newErr builds an error; format and hint are English and are looked up in
// the zh-CN catalogs (i18n.go) when the caller prefers Chinese.
func newErr(status int, code, field, hint, format string, args ...any) *Error {
	return &Error{status: status, Code: code, Field: field, Hint: hint, Message: fmt.Sprintf(format, args...),
		format: format, args: args}
}

func badRequest(field, hint, format string, args ...any) *Error {
	return newErr(http.StatusBadRequest, "invalid", field, hint, format, args...)
}

func unprocessable(field, hint, format string, args ...any) *Error {
	return newErr(http.StatusUnprocessableEntity, "rule", field, hint, format, args...)
}

// fieldErrors collects the refusals of a request's fields.
type fieldErrors []*Error

// add keeps err, an *Error (nil is nothing).
func (fe *fieldErrors) add(err error) {
	var e *Error
	if errors.As(err, &e) {
		*fe = append(*fe, e)
	}
}

// has reports whether field is refused already.
func (fe fieldErrors) has(field string) bool {
	for _, e := range fe {
		if e.Field == field {
			return true
		}
	}
	return false
}

// err is the first refusal, with the others: nil when there is none.
// The first decides the status.
func (fe fieldErrors) err() error {
	if len(fe) == 0 {
		return nil
	}
	first := *fe[0]
	first.Others = fe[1:]
	return &first
}

// fail writes err as JSON with the fitting status: one mapping for every
// error the handlers and the workflows return.
func fail(c *gin.Context, err error) {
	status, out := errorBody(c, err)
	if status == http.StatusServiceUnavailable {
		c.Header("Retry-After", unavailableRetryAfter)
	}
	c.AbortWithStatusJSON(status, gin.H{"error": out})
}

// errorBody is what fail answers for err: its status and its body in the
// caller's language. An unexpected cause is logged, never sent; a 5xx
// carries the request's ID.
func errorBody(c *gin.Context, err error) (int, *Error) {
	e := asError(err)
	if e.cause != nil {
		if log, _ := c.Value(logKey).(*slog.Logger); log != nil {
			log.ErrorContext(c.Request.Context(), "request failed", "method", c.Request.Method,
				"path", c.FullPath(), "error", e.cause)
		}
	}
	out := localize(c, e)
	if e.status >= http.StatusInternalServerError {
		out.RequestID = c.Writer.Header().Get("X-Request-ID")
	}
	return e.status, out
}

// unavailableRetryAfter is the Retry-After, in seconds, of a 503.
const unavailableRetryAfter = "5"

// onConflict answers e when err is the store's ErrConflict, and err
// otherwise: a handler's own words for a conflict whose store text is
// internal.
func onConflict(err error, e *Error) error {
	if errors.Is(err, store.ErrConflict) {
		return e
	}
	return err
}

// asError maps err to the Error, and so the status, the API answers it with.
func asError(err error) *Error {
	var e *Error
	var appErr *temporal.ApplicationError
	var notFound *serviceerror.NotFound
	var already *serviceerror.WorkflowExecutionAlreadyStarted
	var unavailable *serviceerror.Unavailable
	var timedOut *serviceerror.DeadlineExceeded
	var notReady *serviceerror.WorkflowNotReady
	switch {
	case errors.As(err, &e):
	case errors.As(err, &appErr):
		var field, zh string
		if appErr.HasDetails() {
			_ = appErr.Details(&field, &zh)
		}
		status, code := http.StatusInternalServerError, "internal"
		switch appErr.Type() {
		case workflows.ErrInvalid:
			status, code = http.StatusBadRequest, "invalid"
		case workflows.ErrForbidden:
			status, code = http.StatusForbidden, "forbidden"
		case workflows.ErrConflict:
			status, code = http.StatusConflict, "conflict"
		case workflows.ErrNotFound:
			status, code = http.StatusNotFound, "not_found"
		}
		e = &Error{status: status, Code: code, Field: field, Message: appErr.Message(), zh: zh}
	case errors.Is(err, rbac.ErrInvalid), errors.Is(err, identity.ErrInvalid):
		e = newErr(http.StatusBadRequest, "invalid", "", "", "%v", err)
	case errors.Is(err, rbac.ErrExists):
		e = newErr(http.StatusConflict, "conflict", "", "", "%v", err)
	case errors.Is(err, rbac.ErrNotFound), errors.Is(err, store.ErrNotFound):
		// The store's text names tables and internal IDs: a handler that
		// has more to say maps the error itself.
		e = newErr(http.StatusNotFound, "not_found", "", "check the ID in the path or the body", "no such record")
	case errors.Is(err, store.ErrConflict):
		e = newErr(http.StatusConflict, "conflict", "", "reload it to see where it stands, then retry",
			"the record changed or is not in a state that allows this")
	case errors.As(err, &notFound):
		e = newErr(http.StatusConflict, "conflict", "", "reload the application to see where it stands",
			"the application's workflow has ended or has not started")
	case errors.As(err, &already):
		e = newErr(http.StatusConflict, "conflict", "", "", "the application was already submitted")
	case errors.As(err, &notReady):
		// Its last workflow task failed (a worker died, an error) and is
		// being retried: nothing of this request was applied.
		e = newErr(http.StatusServiceUnavailable, "unavailable", "",
			"retry in a few seconds; with the same Idempotency-Key a retry takes effect at most once",
			"the application's workflow is recovering from an interrupted step; nothing was changed")
	case errors.As(err, &unavailable), errors.As(err, &timedOut), errors.Is(err, context.DeadlineExceeded):
		e = newErr(http.StatusServiceUnavailable, "unavailable", "",
			"retry in a few seconds; with the same Idempotency-Key a retry takes effect at most once",
			"the workflow service did not answer in time")
	default:
		// The cause (SQL, a stack's text, internal IDs) is logged with the
		// request ID, which the client has in X-Request-ID to quote.
		e = newErr(http.StatusInternalServerError, "internal", "", "try again; if it persists, tell the administrator with the X-Request-ID of this answer",
			"the server failed on this request")
		e.cause = err
	}
	return e
}
