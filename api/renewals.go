package api

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// createRenewal applies for the renewal (续期) of an application of the
// caller's org: a draft prefilled from it and linked to it (store
// CreateRenewal), answered 201 as the new application. It is refused (409)
// when the application is not active and did not end by expiry, or when
// it already has a renewal (the answer's renewal_id names it). It takes
// no body, like submit: one sent is not read.
func (s *Server) createRenewal(c *gin.Context) {
	id, err := s.visibleID(c)
	if err != nil {
		fail(c, err)
		return
	}
	u := user(c)
	a, err := s.Store.CreateRenewal(c.Request.Context(), id, u.OrgCode, u.Username)
	var refused *store.RenewalRefused
	switch {
	case errors.As(err, &refused):
		e := renewalRefusal(refused)
		if refused.Renewal == 0 {
			fail(c, e)
			return
		}
		c.AbortWithStatusJSON(e.status, gin.H{"error": localize(c, e), "renewal_id": refused.Renewal})
		return
	case errors.Is(err, store.ErrNotFound):
		// Another org's application, like one outside the scope.
		fail(c, newErr(http.StatusNotFound, "not_found", "id", "list your applications at GET /api/v1/applications", "no application %d", id))
		return
	case err != nil:
		fail(c, err)
		return
	}
	s.respondApplication(c, http.StatusCreated, a.ID)
}

// renewalRefusal says, in the caller's language, which rule refused a
// renewal.
func renewalRefusal(r *store.RenewalRefused) *Error {
	const conflict = http.StatusConflict
	switch {
	case r.Renewal != 0:
		return newErr(conflict, "conflict", "id", "continue with that renewal; another may be applied for only once it is withdrawn or rejected",
			"application %d already has a renewal, application %d: one renewal at a time", r.ApplicationID, r.Renewal)
	case r.EndReason == domain.EndTerminated:
		return newErr(conflict, "conflict", "id", "apply with a new application (POST /api/v1/applications)",
			"application %d was terminated for a violation: only an active authorization, or one whose period expired, can be renewed (续期)", r.ApplicationID)
	case r.EndReason == domain.EndExit:
		return newErr(conflict, "conflict", "id", "apply with a new application (POST /api/v1/applications)",
			"application %d ended by the applicant's exit: only an active authorization, or one whose period expired, can be renewed (续期)", r.ApplicationID)
	}
	hint := "apply with a new application (POST /api/v1/applications)"
	if r.Status != domain.StatusRejected && r.Status != domain.StatusWithdrawn && r.Status != domain.StatusExiting && r.Status != domain.StatusClosed {
		hint = "apply for the renewal once the authorization is active"
	}
	return newErr(conflict, "conflict", "id", hint,
		"application %d is %s: only an active authorization, or one whose period expired, can be renewed (续期)", r.ApplicationID, r.Status)
}

// renewalLinks fills d's links to the application it renews and to its
// renewal; the renewal only when the caller's scope shows it (a draft is
// its applicant's alone).
func (s *Server) renewalLinks(c *gin.Context, d *applicationDetail) error {
	ctx := c.Request.Context()
	if old := d.Application.RenewsApplicationID; old != nil {
		src, err := s.Store.RenewalSourceOf(ctx, *old)
		if err != nil {
			return err
		}
		d.Renews = &src
	}
	link, ok, err := s.Store.RenewalOf(ctx, d.Application.ID)
	if err != nil || !ok {
		return err
	}
	f, err := s.Scope(user(c))
	if err != nil {
		return err
	}
	if ok, err = s.Store.ApplicationVisible(ctx, link.ID, f); err != nil || !ok {
		return err
	}
	d.RenewedBy = &link
	return nil
}
