package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/workflows"
)

// An authorization's restriction (domain/restrictions.go): the bureau
// suspends or restricts it and lifts the measure; the holder's appeal and
// the bureau's decision on it are tasks. Every measure is published.

type restrictBody struct {
	Measure string `json:"measure"`
	Scope   string `json:"scope"`
	Reason  string `json:"reason"`
	Basis   string `json:"basis"`
}

func (s *Server) restrictAuthorization(c *gin.Context) {
	id, err := s.visibleID(c)
	if err != nil {
		fail(c, err)
		return
	}
	var b restrictBody
	if err := bind(c, &b); err != nil {
		fail(c, err)
		return
	}
	if err := checkFields(fieldCheck{"measure", &b.Measure, ruleDomain}, fieldCheck{"scope", &b.Scope, ruleReason},
		fieldCheck{"reason", &b.Reason, ruleReason}, fieldCheck{"basis", &b.Basis, ruleBasis}); err != nil {
		fail(c, err)
		return
	}
	res, err := s.update(c, workflows.ApplicationWorkflowID(id), workflows.UpdateRestrict, workflows.RestrictRequest{
		Actor: actorOf(user(c)), Measure: b.Measure, Scope: b.Scope, Reason: b.Reason, Basis: b.Basis})
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, answerOf(res))
}

func (s *Server) listRestrictions(c *gin.Context) {
	id, err := s.visibleID(c)
	if err != nil {
		fail(c, err)
		return
	}
	rs, err := s.Store.Restrictions(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"restrictions": rs})
}

// publishedRestrictions is the public list of the measures taken against
// authorizations and their outcomes (第三十条 "予以公示").
func (s *Server) publishedRestrictions(c *gin.Context) {
	limit, offset, err := paging(c)
	if err != nil {
		fail(c, err)
		return
	}
	list, total, err := s.Store.PublishedRestrictions(c.Request.Context(), limit, offset)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"restrictions": list, "total": total})
}
