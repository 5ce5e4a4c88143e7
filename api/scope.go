package api

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/store"
)

// visible answers 404 for an application outside the caller's scope, as if
// it did not exist.
func (s *Server) visible(c *gin.Context, id uint64) error {
	f, err := s.Scope(user(c))
	if err != nil {
		return err
	}
	ok, err := s.Store.ApplicationVisible(c.Request.Context(), id, f)
	if err != nil {
		return err
	}
	if !ok {
		return newErr(http.StatusNotFound, "not_found", "id", "list your applications at GET /api/v1/applications", "no application %d", id)
	}
	return nil
}

// visibleID is the path's application id, if the caller may see it.
func (s *Server) visibleID(c *gin.Context) (uint64, error) {
	id, err := pathID(c)
	if err != nil {
		return 0, err
	}
	return id, s.visible(c, id)
}

// scopedTask loads task id (named by field, in the path or the body) if
// the caller's org holds it or may see its application; a task outside
// the caller's scope answers 404 like one that does not exist, so its ID
// reveals nothing.
func (s *Server) scopedTask(c *gin.Context, field, id string) (store.Task, error) {
	missing := newErr(http.StatusNotFound, "not_found", field,
		"take the task ID from GET /api/v1/tasks or an application's timeline", "no task %q", id)
	t, err := s.Store.Task(c.Request.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		return t, missing
	} else if err != nil {
		return t, err
	}
	if t.Department == user(c).OrgCode {
		return t, nil // the caller's org holds it
	}
	visible := func() error { return s.visible(c, t.ApplicationID) }
	if t.ProcedureID != 0 {
		visible = func() error { return s.procedureVisible(c, t.ProcedureID) }
	}
	if err := visible(); err != nil {
		var e *Error
		if errors.As(err, &e) && e.status == http.StatusNotFound {
			return t, missing
		}
		return t, err
	}
	return t, nil
}
