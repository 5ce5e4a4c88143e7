package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// scope narrows the applications a user sees to what their roles in their
// org allow: the process's central orgs see every submitted application, a
// provider department those naming its datasets, a regulator those it was
// asked about, an applicant its own org's.
func (s *Server) scope(u store.User) (store.ApplicationFilter, error) {
	pairs, err := s.RBAC.RolesOf(u.Username)
	if err != nil {
		return store.ApplicationFilter{}, err
	}
	has := map[string]bool{}
	for _, p := range pairs {
		if p[1] == u.OrgCode {
			has[p[0]] = true
		}
	}
	switch {
	case has[domain.RoleInitialReviewer] || has[domain.RoleBureauOfficer] || has[domain.RoleOperator] ||
		has[domain.RoleSupervisor]:
		return store.ApplicationFilter{SubmittedOnly: true}, nil
	case has[domain.RoleDeptReviewer]:
		return store.ApplicationFilter{Department: u.OrgCode, SubmittedOnly: true}, nil
	case has[domain.RoleRegulator]:
		return store.ApplicationFilter{TaskOrg: u.OrgCode, SubmittedOnly: true}, nil
	case has[domain.RoleApplicant]:
		return store.ApplicationFilter{ApplicantOrg: u.OrgCode}, nil
	}
	return store.ApplicationFilter{ApplicantOrg: "\x00"}, nil // sees nothing
}

// visible answers 404 for an application outside the caller's scope, as if
// it did not exist.
func (s *Server) visible(c *gin.Context, id uint64) error {
	f, err := s.scope(user(c))
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
