// Package api is DataGate's HTTP API (gin). Identity is, for now, a demo
// header naming a seeded user; access control arrives with rbac.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/workflows"
)

// Server holds the API's dependencies.
type Server struct {
	Store     *store.Store
	Temporal  client.Client
	Calendar  *calendar.Calendar
	Orgs      workflows.Orgs
	Deadlines workflows.Deadlines
	Log       *slog.Logger
	// Ready reports whether Temporal, the database and the worker are up.
	Ready func(ctx context.Context) error
	// Now is the clock for working-days-left figures; time.Now if nil.
	Now func() time.Time
}

// Handler builds the gin engine.
func (s *Server) Handler() http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery())
	r.HandleMethodNotAllowed = true
	r.NoRoute(func(c *gin.Context) {
		fail(c, newErr(http.StatusNotFound, "not_found", "", "see /api/v1 routes in the README", "no route %s %s", c.Request.Method, c.Request.URL.Path))
	})
	s.routes(r)
	return r
}

func (s *Server) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Server) healthz(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	if s.Ready != nil {
		if err := s.Ready(ctx); err != nil {
			c.JSON(http.StatusServiceUnavailable, gin.H{"status": "unavailable", "error": err.Error()})
			return
		}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ok"})
}
