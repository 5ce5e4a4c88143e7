package api

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/httpctx"
	"github.com/datagate/datagate/identity"
	"github.com/datagate/datagate/store"
)

// Second factor (TOTP) over HTTP. A session the password opened for a
// user who has a second factor waits for the code (second_factor "totp"):
// it reaches only the code step and sign-out. One for a user whose roles
// require a second factor not yet set up must enrol (second_factor
// "enrol"): it reaches only enrolment and sign-out. Anything else answers
// as to nobody signed in, with a message that says what is missing (a
// page sends the browser to the step). API tokens stay single-factor; a
// user who has or needs a second factor creates them only in a session
// that passed it.

// partialKey holds the state of a session that may not act yet, for a
// route it may not reach.
const partialKey = "partial_session"

// partialRoutes are what a session waiting for its second factor may
// reach, by state ("METHOD path", gin's path).
var partialRoutes = map[string]map[string]bool{
	store.SecondFactorPending: {
		"POST /api/v1/session/totp": true, "DELETE /api/v1/session": true,
		"GET /login/totp": true,
	},
	store.SecondFactorEnrol: {
		"GET /api/v1/me/totp": true, "POST /api/v1/me/totp": true, "POST /api/v1/me/totp/confirm": true,
		"DELETE /api/v1/session": true, "GET /account/2fa": true, "GET /login/totp": true,
	},
}

// partialSession answers a request a waiting session may not make: the
// API says what is missing; a page sends the browser to the step.
func partialSession(c *gin.Context, state string) {
	if !strings.HasPrefix(c.FullPath(), "/api/") && c.Request.Method == http.MethodGet {
		to := "/login/totp"
		if state == store.SecondFactorEnrol {
			to = "/account/2fa"
		}
		c.Redirect(http.StatusSeeOther, to+"?next="+url.QueryEscape(c.Request.URL.RequestURI()))
		c.Abort()
		return
	}
	if state == store.SecondFactorEnrol {
		fail(c, unauthenticated("", "set up the second factor: POST /api/v1/me/totp, then POST /api/v1/me/totp/confirm with a code from the app",
			"your roles require a second factor (an authenticator app) that is not set up yet"))
		return
	}
	fail(c, unauthenticated("code", "send the code from your authenticator app to POST /api/v1/session/totp",
		"the sign-in is not finished: the code from your authenticator app is still to come"))
}

func (s *Server) setSessionCookie(c *gin.Context, sess identity.Session) {
	secure := c.Request.TLS != nil || c.GetHeader("X-Forwarded-Proto") == "https"
	http.SetCookie(c.Writer, &http.Cookie{
		Name: sessionCookie, Value: sess.Cookie, Path: "/", Expires: sess.ExpiresAt,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode,
	})
}

type codeBody struct {
	Code string `json:"code"`
}

// bindCode reads {"code"} and checks its form: six digits or a recovery
// code, before it is counted.
func bindCode(c *gin.Context) (string, bool) {
	var b codeBody
	if err := bind(c, &b); err != nil {
		fail(c, err)
		return "", false
	}
	if !identity.IsSecondFactorCode(b.Code) {
		fail(c, badRequest("code", "type the 6 digits your authenticator app shows, or one of your recovery codes (such as k7m2q-xw9ta)",
			"code is not a 6-digit code nor a recovery code"))
		return "", false
	}
	return b.Code, true
}

// secondFactorError maps the errors of a code check.
func secondFactorError(c *gin.Context, err error) {
	switch {
	case errors.Is(err, identity.ErrLocked):
		fail(c, newErr(http.StatusTooManyRequests, "locked", "code", "wait until the lock ends, or ask an admin", "%v", err))
	case errors.Is(err, identity.ErrBadCode):
		fail(c, unauthenticated("code", "type the code your app shows now (each code works once), or a recovery code", "wrong code"))
	case errors.Is(err, identity.ErrNoSecondFactorStep):
		fail(c, newErr(http.StatusConflict, "conflict", "", "sign in again with POST /api/v1/session", "this session is not waiting for a code"))
	default:
		fail(c, err)
	}
}

// verifySecondFactor is the code step of a sign-in: the waiting session
// is replaced by one that passed (a new cookie and CSRF token).
func (s *Server) verifySecondFactor(c *gin.Context) {
	if s.LoginLimiter != nil && !s.LoginLimiter.Allow(c.ClientIP()) {
		c.Header("Retry-After", "60")
		fail(c, newErr(http.StatusTooManyRequests, "rate_limited", "", "wait a minute before trying again", "too many sign-in attempts from this address"))
		return
	}
	cookie := httpctx.Session(c)
	if cookie == "" {
		fail(c, newErr(http.StatusConflict, "conflict", "", "sign in at POST /api/v1/session first", "no sign-in is waiting for a code"))
		return
	}
	code, ok := bindCode(c)
	if !ok {
		return
	}
	u, sess, err := s.Auth.VerifySecondFactor(c.Request.Context(), cookie, code)
	if err != nil {
		secondFactorError(c, err)
		return
	}
	s.setSessionCookie(c, sess)
	c.JSON(http.StatusOK, gin.H{"user": u, "csrf_token": sess.CSRFToken, "expires_at": sess.ExpiresAt, "second_factor": sess.SecondFactor})
}

// secondFactorStatus: is a second factor set up, is one required, how
// many recovery codes are left.
func (s *Server) secondFactorStatus(c *gin.Context) {
	st, err := s.Auth.SecondFactor(c.Request.Context(), user(c))
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"enrolled": st.Enrolled, "required": st.Required, "recovery_codes_left": st.RecoveryCodesLeft})
}

// needSession refuses a second-factor change made with a bearer token:
// tokens are single-factor.
func needSession(c *gin.Context) bool {
	if httpctx.Session(c) == "" {
		fail(c, newErr(http.StatusForbidden, "forbidden", "", "sign in with your password (POST /api/v1/session) and do it in that session",
			"the second factor is set up in a signed-in session, not with an API token"))
		return false
	}
	return true
}

// beginTOTP makes a new secret and answers it once: base32, the
// otpauth:// URL and its QR code as a PNG (base64).
func (s *Server) beginTOTP(c *gin.Context) {
	if !needSession(c) {
		return
	}
	e, err := s.Auth.BeginTOTP(c.Request.Context(), user(c))
	if err != nil {
		fail(c, onConflict(err, newErr(http.StatusConflict, "conflict", "", "a second factor is set up already; sign in with it",
			"a second factor is already set up for this account")))
		return
	}
	c.JSON(http.StatusCreated, gin.H{"secret": e.Secret, "otpauth_url": e.URL,
		"qr_png": base64.StdEncoding.EncodeToString(e.QRPNG),
		"note":   "the secret is shown this once; scan the QR code, then confirm with the first code"})
}

// confirmTOTP confirms the new secret with a first code and answers the
// recovery codes, once. The session is replaced by one that passed.
func (s *Server) confirmTOTP(c *gin.Context) {
	if !needSession(c) {
		return
	}
	code, ok := bindCode(c)
	if !ok {
		return
	}
	codes, sess, err := s.Auth.ConfirmTOTP(c.Request.Context(), user(c), httpctx.Session(c), code)
	if errors.Is(err, store.ErrConflict) {
		fail(c, newErr(http.StatusConflict, "conflict", "", "begin with POST /api/v1/me/totp",
			"no second factor is being set up"))
		return
	}
	if err != nil {
		secondFactorError(c, err)
		return
	}
	s.setSessionCookie(c, sess)
	c.JSON(http.StatusOK, gin.H{"recovery_codes": codes, "csrf_token": sess.CSRFToken, "expires_at": sess.ExpiresAt,
		"note": "each recovery code works once, in place of a code from the app; keep them somewhere safe: they are shown this once"})
}

// tokenNeedsSecondFactor refuses to create an API token when the user has
// or needs a second factor and the request did not pass it: made with a
// token, or in a session that has not given a code.
func (s *Server) tokenNeedsSecondFactor(c *gin.Context) bool {
	st, err := s.Auth.SecondFactor(c.Request.Context(), user(c))
	if err != nil {
		fail(c, err)
		return true
	}
	if !st.Enrolled && !st.Required {
		return false
	}
	if httpctx.SecondFactor(c) == store.SecondFactorPassed {
		return false
	}
	fail(c, newErr(http.StatusForbidden, "forbidden", "", "sign in with your password and the code from your authenticator app, and create the token in that session",
		"an API token of an account with a second factor is created only in a session that passed it"))
	return true
}
