package web

import (
	"errors"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/httpctx"
	"github.com/datagate/datagate/store"
)

// Second factor pages: the code step of a sign-in (/login/totp), and
// setting up a TOTP authenticator app (/account/2fa), both driven by the
// API (POST /api/v1/session/totp, /api/v1/me/totp and /confirm).

type secondFactorData struct {
	Next string
	// Enrolled: a confirmed second factor; Left its unused recovery codes.
	Enrolled bool
	Left     int
	// MustEnrol: the session was opened by the password of a user whose
	// role requires a second factor, and may do nothing else yet.
	MustEnrol bool
}

// loginCode is the step after the password: a session waiting for its
// code gets the code form; one that must set up a second factor is sent
// to do so; one signed in already goes on to next; nobody signs in first.
func (w *Web) loginCode(c *gin.Context) {
	next := safeNext(c.Query("next"), "/")
	if _, ok := httpctx.User(c); !ok {
		c.Redirect(http.StatusSeeOther, "/login?next="+url.QueryEscape(next))
		return
	}
	switch httpctx.SecondFactor(c) {
	case store.SecondFactorPending:
		p := w.frame(c, "login.totp.title")
		p.User = nil // not signed in yet: no name, no sign-in links
		p.Data = secondFactorData{Next: next}
		w.render(c, http.StatusOK, "login_totp", p)
	case store.SecondFactorEnrol:
		c.Redirect(http.StatusSeeOther, "/account/2fa?next="+url.QueryEscape(next))
	default:
		c.Redirect(http.StatusSeeOther, next)
	}
}

// secondFactor shows whether the caller's second factor is on, and sets
// one up: the QR code and the key, shown once; the first code; the
// recovery codes, shown once.
func (w *Web) secondFactor(c *gin.Context) {
	p := w.frame(c, "totp.title")
	v := w.viewerOf(c, p)
	d := secondFactorData{Next: safeNext(c.Query("next"), "/"), MustEnrol: httpctx.SecondFactor(c) == store.SecondFactorEnrol}
	sec, err := w.deps.Store.TOTPSecretOf(c.Request.Context(), v.User.ID)
	switch {
	case err == nil && sec.ConfirmedAt != nil:
		d.Enrolled = true
		if d.Left, err = w.deps.Store.RecoveryCodesLeft(c.Request.Context(), v.User.ID); err != nil {
			w.fail(c, err)
			return
		}
	case err != nil && !errors.Is(err, store.ErrNotFound):
		w.fail(c, err)
		return
	}
	p.Data = d
	w.render(c, http.StatusOK, "account_2fa", p)
}
