package api

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/identity"
	"github.com/datagate/datagate/store"
)

// adminAudit records an administrative change with the admin who made it.
func (s *Server) adminAudit(ctx context.Context, admin store.User, action, target, reason string) error {
	return s.Store.AppendAudit(ctx, store.AdminAuditStream, store.AuditEntry{
		Actor: admin.Username, Role: domain.RoleAdmin, Department: admin.OrgCode,
		Action: action, Target: target, Reason: reason, At: s.now(),
	})
}

func (s *Server) listUsers(c *gin.Context) {
	users, err := s.Store.Users(c.Request.Context())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"users": users})
}

type userBody struct {
	Username    string `json:"username"`
	DisplayName string `json:"display_name"`
	Org         string `json:"org"`
	Role        string `json:"role"`
	Password    string `json:"password"`
}

var usernamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,63}$`)

func (s *Server) createUser(c *gin.Context) {
	ctx := c.Request.Context()
	var b userBody
	if err := bind(c, &b); err != nil {
		fail(c, err)
		return
	}
	if !usernamePattern.MatchString(b.Username) {
		fail(c, badRequest("username", "use 2–64 lowercase letters, digits, dot, dash or underscore", "username %q is not valid", b.Username))
		return
	}
	if err := checkFields(fieldCheck{"display_name", &b.DisplayName, textRule{max: 200}}); err != nil {
		fail(c, err)
		return
	}
	if err := s.checkRole(ctx, b.Role, b.Org); err != nil {
		fail(c, err)
		return
	}
	if err := identity.CheckPasswordPolicy(b.Username, b.Password); err != nil {
		fail(c, passwordError(err))
		return
	}
	hash, err := identity.HashPassword(b.Password)
	if err != nil {
		fail(c, err)
		return
	}
	u := store.User{Username: b.Username, DisplayName: b.DisplayName, OrgCode: b.Org, Role: b.Role, PasswordHash: hash}
	if err := s.Store.CreateUser(ctx, &u); err != nil {
		fail(c, onConflict(err, newErr(http.StatusConflict, "conflict", "username", "choose another username",
			"the username %q is taken", b.Username)))
		return
	}
	if err := s.RBAC.AssignRole(u.Username, b.Role, b.Org); err != nil {
		fail(c, err)
		return
	}
	if err := s.adminAudit(ctx, user(c), "user.created", u.Username, b.Role+"@"+b.Org); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, u)
}

// checkRole validates a role and the org it is held in.
func (s *Server) checkRole(ctx context.Context, role, org string) error {
	if !contains(domain.Roles(), role) {
		return badRequest("role", "use one of: "+strings.Join(domain.Roles(), ", "), "role %q is not known", role)
	}
	if _, err := s.Store.Org(ctx, org); err != nil {
		return badRequest("org", "use an org code from the org list", "org %q does not exist", org)
	}
	return nil
}

func (s *Server) disableUser(c *gin.Context) {
	ctx := c.Request.Context()
	id, err := strconv.ParseUint(c.Param("id"), 10, 63)
	if err != nil {
		fail(c, badRequest("id", "use the numeric user id", "user id %q is not a number", c.Param("id")))
		return
	}
	u, err := s.Store.UserByID(ctx, uint(id))
	if err != nil {
		fail(c, err)
		return
	}
	if u.ID == user(c).ID {
		fail(c, unprocessable("id", "ask another admin", "you cannot disable your own account"))
		return
	}
	if err := s.Auth.DisableUser(ctx, u.ID); err != nil {
		fail(c, err)
		return
	}
	if err := s.adminAudit(ctx, user(c), "user.disabled", u.Username, ""); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

type orgBody struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	NameEn     string `json:"name_en"`
	Kind       string `json:"kind"`
	CreditCode string `json:"credit_code"`
}

var orgKinds = []string{store.KindBigDataCenter, store.KindBureau, store.KindOperator, store.KindSupervision,
	store.KindProvider, store.KindRegulator, store.KindApplicant}

var orgCodePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,63}$`)

func (s *Server) createOrg(c *gin.Context) {
	ctx := c.Request.Context()
	var b orgBody
	if err := bind(c, &b); err != nil {
		fail(c, err)
		return
	}
	switch {
	case !orgCodePattern.MatchString(b.Code):
		fail(c, badRequest("code", "use 2–64 lowercase letters, digits or dashes", "org code %q is not valid", b.Code))
		return
	case strings.TrimSpace(b.Name) == "" || len([]rune(b.Name)) > 200 || len([]rune(b.NameEn)) > 200:
		fail(c, badRequest("name", "give the org's registered name, at most 200 characters", "name is required and at most 200 characters"))
		return
	case !contains(orgKinds, b.Kind):
		fail(c, badRequest("kind", "use one of: "+strings.Join(orgKinds, ", "), "kind %q is not known", b.Kind))
		return
	}
	if err := checkFields(fieldCheck{"name", &b.Name, ruleName}, fieldCheck{"name_en", &b.NameEn, textRule{max: 200}}); err != nil {
		fail(c, err)
		return
	}
	if b.Kind == store.KindApplicant || b.CreditCode != "" {
		if err := identity.CheckCreditCode(b.CreditCode); err != nil {
			fail(c, creditCodeError(err))
			return
		}
	}
	o := store.Org{Code: b.Code, Name: b.Name, NameEn: b.NameEn, Kind: b.Kind, CreditCode: b.CreditCode}
	if err := s.Store.CreateOrg(ctx, o); err != nil {
		fail(c, onConflict(err, newErr(http.StatusConflict, "conflict", "code", "choose another code",
			"an org with code %q already exists", b.Code)))
		return
	}
	if err := s.adminAudit(ctx, user(c), "org.created", o.Code, o.Kind); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, o)
}

// creditCodeError names the credit_code field and says what is wrong with
// the code, in the caller's language (an applicant's code is required).
func creditCodeError(err error) *Error {
	const hint = "copy the 18-character unified social credit code (统一社会信用代码) from the business licence"
	var ce *identity.CreditCodeError
	if !errors.As(err, &ce) {
		return badRequest("credit_code", hint, "%v", err)
	}
	switch {
	case ce.Pos > 0 && ce.Lowercase():
		return badRequest("credit_code", hint, "credit code %q: character %q at position %d is not allowed; letters must be capitals", ce.Code, ce.Char, ce.Pos)
	case ce.Pos > 0:
		return badRequest("credit_code", hint, "credit code %q: character %q at position %d is not allowed; use digits and capital letters other than I, O, S, V and Z", ce.Code, ce.Char, ce.Pos)
	case ce.Check != 0:
		return badRequest("credit_code", hint, "credit code %q: the check character (position 18) is %q, but the first 17 characters give %q; the code is mistyped", ce.Code, ce.Check, ce.Want)
	case ce.Length == 0:
		return badRequest("credit_code", hint, "credit_code is required for an applicant (enterprise) org")
	}
	return badRequest("credit_code", hint, "the credit code has %d characters; a unified social credit code has 18", ce.Length)
}

type roleBody struct {
	Username string `json:"username"`
	Role     string `json:"role"`
	Org      string `json:"org"`
}

func (s *Server) assignRole(c *gin.Context) { s.changeRole(c, true) }
func (s *Server) revokeRole(c *gin.Context) { s.changeRole(c, false) }

func (s *Server) changeRole(c *gin.Context, assign bool) {
	ctx := c.Request.Context()
	var b roleBody
	if err := bind(c, &b); err != nil {
		fail(c, err)
		return
	}
	if _, err := s.Store.UserByName(ctx, b.Username); err != nil {
		fail(c, badRequest("username", "use an existing username", "user %q does not exist", b.Username))
		return
	}
	if err := s.checkRole(ctx, b.Role, b.Org); err != nil {
		fail(c, err)
		return
	}
	change, action := s.RBAC.AssignRole, "role.assigned"
	if !assign {
		change, action = s.RBAC.RevokeRole, "role.revoked"
	}
	if err := change(b.Username, b.Role, b.Org); err != nil {
		fail(c, err)
		return
	}
	if err := s.adminAudit(ctx, user(c), action, b.Username, b.Role+"@"+b.Org); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}

func (s *Server) listPolicies(c *gin.Context) {
	p, err := s.RBAC.Policies()
	if err != nil {
		fail(c, err)
		return
	}
	g, err := s.RBAC.Grouping()
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"policies": p, "roles": g, "as_of": time.Now().UTC()})
}

// publicOrg is an org as any signed-in user may read it.
type publicOrg struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	NameEn string `json:"name_en,omitempty"`
	Kind   string `json:"kind"`
}

// listOrgs lists the offices a user deals with, by kind: the regulator
// codes a department may ask (ask_regulator), the providers, the bureau.
// Applicant orgs are not listed: who applies is not another applicant's
// business (the disclosure names those authorized).
func (s *Server) listOrgs(c *gin.Context) {
	kind := c.Query("kind")
	listable := slices.DeleteFunc(slices.Clone(orgKinds), func(k string) bool { return k == store.KindApplicant })
	if kind != "" && !contains(listable, kind) {
		fail(c, badRequest("kind", "use one of: "+strings.Join(listable, ", "), "kind %q cannot be listed", kind))
		return
	}
	orgs, err := s.Store.Orgs(c.Request.Context(), kind)
	if err != nil {
		fail(c, err)
		return
	}
	out := []publicOrg{}
	for _, o := range orgs {
		if o.Kind != store.KindApplicant {
			out = append(out, publicOrg{Code: o.Code, Name: o.Name, NameEn: o.NameEn, Kind: o.Kind})
		}
	}
	c.JSON(http.StatusOK, gin.H{"orgs": out})
}
