package web

import (
	"net/http"
	"sort"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/store"
)

type tokensData struct {
	Tokens []tokenRow
	// TTLDays is the form's default lifetime, within the API's 1 to 365.
	TTLDays int
}

// tokenRow is one API token as the page shows it: never its secret, which
// the API answers once, when the token is created.
type tokenRow struct {
	store.APIToken
	// State is active, expired or revoked.
	State string
}

// Token states.
const (
	tokenActive  = "active"
	tokenExpired = "expired"
	tokenRevoked = "revoked"
)

// tokens is the signed-in user's API tokens (Authorization: Bearer dg_…):
// the list with each token's prefix, expiry and last use, a form that
// creates one through POST /api/v1/tokens and shows it once, and a revoke
// button (DELETE /api/v1/tokens/:id) on each active token. A user sees and
// revokes only their own tokens; the API enforces the same.
func (w *Web) tokens(c *gin.Context) {
	p := w.frame(c, "tokens.title")
	v := w.viewerOf(c, p)
	toks, err := w.deps.Store.APITokensOf(c.Request.Context(), v.User.ID)
	if err != nil {
		w.fail(c, err)
		return
	}
	d := tokensData{TTLDays: 90}
	now := w.now()
	for _, t := range toks {
		r := tokenRow{APIToken: t, State: tokenActive}
		switch {
		case t.RevokedAt != nil:
			r.State = tokenRevoked
		case !now.Before(t.ExpiresAt):
			r.State = tokenExpired
		}
		d.Tokens = append(d.Tokens, r)
	}
	// Active tokens first, newest first within each state.
	order := map[string]int{tokenActive: 0, tokenExpired: 1, tokenRevoked: 2}
	sort.SliceStable(d.Tokens, func(i, j int) bool {
		a, b := d.Tokens[i], d.Tokens[j]
		if order[a.State] != order[b.State] {
			return order[a.State] < order[b.State]
		}
		return a.CreatedAt.After(b.CreatedAt) || (a.CreatedAt.Equal(b.CreatedAt) && a.ID > b.ID)
	})
	p.Data = d
	w.render(c, http.StatusOK, "tokens", p)
}
