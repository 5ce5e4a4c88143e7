package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
)

// Placeholders while the supervision, audit and disclosure endpoints are
// being written; every one answers 501.
func notYet(c *gin.Context) {
	fail(c, newErr(http.StatusNotImplemented, "not_implemented", "", "", "%s %s is not implemented yet", c.Request.Method, c.FullPath()))
}

func (s *Server) departmentStats(c *gin.Context) { notYet(c) }
func (s *Server) urge(c *gin.Context)            { notYet(c) }
func (s *Server) flagGroundless(c *gin.Context)  { notYet(c) }
func (s *Server) auditLog(c *gin.Context)        { notYet(c) }
func (s *Server) auditCSV(c *gin.Context)        { notYet(c) }
func (s *Server) disclosure(c *gin.Context)      { notYet(c) }
func (s *Server) disclosureCSV(c *gin.Context)   { notYet(c) }
func (s *Server) disclosureAtom(c *gin.Context)  { notYet(c) }
