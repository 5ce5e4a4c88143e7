package api

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/httpctx"
	"github.com/datagate/datagate/identity"
	"github.com/datagate/datagate/rbac"
	"github.com/datagate/datagate/store"
)

const (
	sessionCookie = "dg_session"
	csrfHeader    = "X-CSRF-Token"
	// tokenKey holds in a request the API token it is signed with
	// (store.APIToken); absent for a session or nobody.
	tokenKey = "api_token"
)

// bearerToken is the API token the request is signed with, if it is.
func bearerToken(c *gin.Context) (store.APIToken, bool) {
	v, ok := c.Get(tokenKey)
	if !ok {
		return store.APIToken{}, false
	}
	tok, ok := v.(store.APIToken)
	return tok, ok
}

// authenticate resolves the caller: a bearer token, or a session cookie
// (whose state-changing requests must carry the session's CSRF token), or
// nobody. A bad bearer token is refused at once; a stale cookie is ignored.
func (s *Server) authenticate(c *gin.Context) {
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.bodyLimit(c))
	ctx := c.Request.Context()
	if h := c.GetHeader("Authorization"); h != "" {
		bearer, ok := strings.CutPrefix(h, "Bearer ")
		if !ok {
			fail(c, unauthenticated("Authorization", "send Authorization: Bearer <token>", "the Authorization header is not a bearer token"))
			return
		}
		u, tok, err := s.Auth.TokenUser(ctx, strings.TrimSpace(bearer))
		if err != nil && !signedOut(err) {
			fail(c, err) // the check itself failed (the database): not the caller's fault
			return
		}
		if err != nil {
			fail(c, unauthenticated("Authorization", "create a new token, or ask an admin whether your account is active",
				"the token is unknown, expired, revoked, or its user is disabled"))
			return
		}
		httpctx.SetUser(c, u)
		c.Set(tokenKey, tok)
		c.Next()
		return
	}
	cookie, err := c.Cookie(sessionCookie)
	if err != nil || cookie == "" {
		c.Next()
		return
	}
	u, sess, err := s.Auth.SessionUser(ctx, cookie)
	if err != nil && !signedOut(err) {
		fail(c, err)
		return
	}
	if err != nil {
		c.Next() // an expired or revoked session is no one
		return
	}
	signIn := c.Request.Method == http.MethodPost && c.Request.URL.Path == "/api/v1/session"
	if unsafeMethod(c.Request.Method) && !signIn && c.GetHeader(csrfHeader) != sess.CSRFToken && c.PostForm("csrf_token") != sess.CSRFToken {
		fail(c, newErr(http.StatusForbidden, "csrf", csrfHeader, "send the csrf_token from sign-in in the X-CSRF-Token header",
			"this request changes something but carries no valid CSRF token"))
		return
	}
	if st := sess.SecondFactor; st == store.SecondFactorPending || st == store.SecondFactorEnrol {
		// Signed in by the password only: the second factor's steps,
		// and nothing else (secondfactor.go).
		if !partialRoutes[st][c.Request.Method+" "+c.FullPath()] {
			c.Set(partialKey, st)
			c.Next() // as nobody; the gate answers a route that needs someone
			return
		}
	}
	httpctx.SetUser(c, u)
	httpctx.SetSession(c, cookie, sess.CSRFToken)
	httpctx.SetSecondFactor(c, sess.SecondFactor)
	c.Next()
}

// signedOut: the credential is unknown, expired, revoked or its user
// disabled, as opposed to a check that could not be made.
func signedOut(err error) bool {
	return errors.Is(err, identity.ErrUnauthenticated) || errors.Is(err, identity.ErrDisabled)
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

func unauthenticated(field, hint, msg string) *Error {
	e := newErr(http.StatusUnauthorized, "unauthenticated", field, hint, "%s", msg)
	e.format, e.args = msg, nil // the message is its own catalog key
	return e
}

// gate lets a request through when casbin allows its route's action to
// the public or to the caller in the caller's org. A route with no action
// is denied: nothing is reachable by being forgotten. A page (a route with
// a handler in forbidden, by "METHOD path") that the signed-in caller may
// not open is answered by that handler, an HTML page, not the API's JSON.
func (s *Server) gate(actions map[string]rbac.Action, forbidden map[string]gin.HandlerFunc) gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.FullPath() == "" { // no route: NoRoute answers 404
			c.Next()
			return
		}
		key := c.Request.Method + " " + c.FullPath()
		a, ok := actions[key]
		if !ok {
			fail(c, newErr(http.StatusForbidden, "forbidden", "", "", "no policy covers %s %s", c.Request.Method, c.FullPath()))
			return
		}
		if ok, err := s.RBAC.AllowPublic(a); err != nil {
			fail(c, err)
			return
		} else if ok {
			c.Next()
			return
		}
		u, signedIn := httpctx.User(c)
		if !signedIn {
			if st := c.GetString(partialKey); st != "" {
				partialSession(c, st)
				return
			}
			if !strings.HasPrefix(c.FullPath(), "/api/") && c.Request.Method == http.MethodGet {
				// A page: send the browser to the sign-in page and back.
				c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(c.Request.URL.RequestURI()))
				c.Abort()
				return
			}
			fail(c, unauthenticated("", "sign in at POST /api/v1/session, or send a bearer token", "sign in first"))
			return
		}
		allowed, err := s.RBAC.Allow(u.Username, u.OrgCode, a)
		if err != nil {
			fail(c, err)
			return
		}
		if !allowed {
			if page := forbidden[key]; page != nil && c.Request.Method == http.MethodGet {
				c.Abort()
				page(c)
				return
			}
			fail(c, newErr(http.StatusForbidden, "forbidden", "", "ask an admin for a role that allows it",
				"your roles in %s do not allow %s", u.OrgCode, a))
			return
		}
		c.Next()
	}
}

// logKey holds the server's logger in a request, for fail.
const logKey = "log"

// user is the signed-in caller of a gated, non-public route.
func user(c *gin.Context) store.User {
	u, _ := httpctx.User(c)
	return u
}

// --- sign-in -------------------------------------------------------------

type loginBody struct {
	Username string `json:"username"`
	Password string `json:"password"`
}

func (s *Server) login(c *gin.Context) {
	if s.LoginLimiter != nil && !s.LoginLimiter.Allow(c.ClientIP()) {
		c.Header("Retry-After", "60")
		fail(c, newErr(http.StatusTooManyRequests, "rate_limited", "", "wait a minute before trying again", "too many sign-in attempts from this address"))
		return
	}
	var b loginBody
	if err := bind(c, &b); err != nil {
		fail(c, err)
		return
	}
	if strings.TrimSpace(b.Username) == "" || b.Password == "" {
		field := "username"
		if strings.TrimSpace(b.Username) != "" {
			field = "password"
		}
		fail(c, badRequest(field, `send {"username": "...", "password": "..."}`, "%s is required", field))
		return
	}
	u, sess, err := s.Auth.Login(c.Request.Context(), b.Username, b.Password)
	switch {
	case errors.Is(err, identity.ErrLocked):
		fail(c, newErr(http.StatusTooManyRequests, "locked", "username", "wait until the lock ends, or ask an admin", "%v", err))
		return
	case errors.Is(err, identity.ErrDisabled):
		fail(c, newErr(http.StatusForbidden, "disabled", "username", "ask an admin to enable your account", "this account is disabled"))
		return
	case errors.Is(err, identity.ErrBadCredentials):
		fail(c, unauthenticated("password", "check the username and the password", "wrong username or password"))
		return
	case err != nil:
		fail(c, err)
		return
	}
	s.setSessionCookie(c, sess)
	c.JSON(http.StatusOK, gin.H{"user": u, "csrf_token": sess.CSRFToken, "expires_at": sess.ExpiresAt, "second_factor": sess.SecondFactor})
}

func (s *Server) logout(c *gin.Context) {
	if cookie := httpctx.Session(c); cookie != "" {
		if err := s.Auth.Logout(c.Request.Context(), cookie); err != nil {
			fail(c, err)
			return
		}
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	c.Status(http.StatusNoContent)
}

func (s *Server) me(c *gin.Context) {
	u := user(c)
	org, err := s.Store.Org(c.Request.Context(), u.OrgCode)
	if err != nil {
		fail(c, err)
		return
	}
	roles, err := s.RBAC.RolesOf(u.Username)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"user": u, "org": org, "roles": roles})
}

// --- API tokens ------------------------------------------------------------

type tokenBody struct {
	Name    string `json:"name"`
	TTLDays int    `json:"ttl_days"`
}

func (s *Server) createToken(c *gin.Context) {
	var b tokenBody
	if err := bind(c, &b); err != nil {
		fail(c, err)
		return
	}
	if strings.TrimSpace(b.Name) == "" || len([]rune(b.Name)) > 100 {
		fail(c, badRequest("name", "name the client that will use the token, in at most 100 characters", "name is required and at most 100 characters"))
		return
	}
	if b.TTLDays < 1 || b.TTLDays > 365 {
		fail(c, badRequest("ttl_days", "give a lifetime of 1 to 365 days", "ttl_days %d is out of range", b.TTLDays))
		return
	}
	if s.tokenNeedsSecondFactor(c) {
		return
	}
	ttl := time.Duration(b.TTLDays) * 24 * time.Hour
	var plain string
	var tok store.APIToken
	var err error
	if parent, ok := bearerToken(c); ok {
		// A token cannot outlive the token that creates it; a session's
		// user may ask for up to the longest lifetime.
		plain, tok, err = s.Auth.CreateTokenFromToken(c.Request.Context(), parent, b.Name, ttl)
	} else {
		plain, tok, err = s.Auth.CreateToken(c.Request.Context(), user(c).ID, b.Name, ttl)
	}
	var outlives *identity.TokenOutlivesError
	if errors.As(err, &outlives) {
		days := int(outlives.MaxTTL / (24 * time.Hour))
		if days < 1 {
			fail(c, badRequest("ttl_days", "create the token from a signed-in session (POST /api/v1/session), or with a token that lives longer",
				"the token this request is signed with expires at %s, in less than a day; a token it creates cannot outlive it",
				outlives.ParentExpiresAt.Format(time.RFC3339)))
			return
		}
		fail(c, badRequest("ttl_days", "give a smaller ttl_days, or create the token from a signed-in session (POST /api/v1/session)",
			"ttl_days %d outlives the token this request is signed with, which expires at %s; a token it creates may live at most %d day(s)",
			b.TTLDays, outlives.ParentExpiresAt.Format(time.RFC3339), days))
		return
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, gin.H{"token": plain, "id": tok.ID, "name": tok.Name, "prefix": tok.Prefix,
		"expires_at": tok.ExpiresAt, "note": "the token is shown once; store it now"})
}

func (s *Server) listTokens(c *gin.Context) {
	toks, err := s.Store.APITokensOf(c.Request.Context(), user(c).ID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"tokens": toks})
}

func (s *Server) revokeToken(c *gin.Context) {
	id, err := strconv.ParseUint(c.Param("id"), 10, 63)
	if err != nil {
		fail(c, badRequest("id", "use the numeric token id from GET /api/v1/tokens", "token id %q is not a number", c.Param("id")))
		return
	}
	if err := s.Auth.RevokeToken(c.Request.Context(), user(c).ID, uint(id)); err != nil {
		fail(c, err)
		return
	}
	c.Status(http.StatusNoContent)
}
