package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
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
