package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/httpctx"
)

// pageLabels name each page, by route, for the forbidden page's "you
// tried to open ...". A route not listed is "this page".
var pageLabels = map[string]string{
	"/":                      "forbidden.page.home",
	"/catalog":               "nav.catalog",
	"/catalog/:code":         "forbidden.page.dataset",
	"/catalog/propose":       "propose.title",
	"/catalog/request":       "request.title",
	"/procedures":            "nav.procedures",
	"/procedures/:id":        "forbidden.page.procedure",
	"/disclosure":            "nav.disclosure",
	"/applications":          "nav.applications",
	"/applications/new":      "nav.new_application",
	"/applications/:id":      "forbidden.page.application",
	"/applications/:id/edit": "forbidden.page.edit_application",
	"/account/tokens":        "tokens.title",
	"/account/2fa":           "totp.title",
	"/login/totp":            "login.totp.title",
	"/applications/export":   "forbidden.page.export",
	"/inbox":                 "nav.inbox",
	"/inbox/done":            "done.title",
	"/inbox/copies":          "copies.title",
	"/supervision":           "nav.supervision",
	"/audit":                 "nav.audit",
	"/admin":                 "nav.admin",
	"/notifications":         "notifications.title",
}

// forbiddenData is what the forbidden page shows.
type forbiddenData struct {
	// Tried says which page the user tried to open; Roles, what their
	// roles in their org are (and that these do not allow it).
	Tried, Roles string
	// Back is where the back link goes: the page they came from on this
	// site, or the start page.
	Back string
}

// forbidden answers a signed-in user whose roles do not allow a page (the
// API's gate calls it in place of its JSON 403): the layout with the
// user's navigation, what they tried, the roles they hold in their org,
// and a way back.
func (w *Web) forbidden(c *gin.Context) {
	p := w.frame(c, "forbidden.title")
	cat := w.cat[p.Lang]
	label := cat.translate("forbidden.page.this")
	if k, ok := pageLabels[c.FullPath()]; ok {
		label = cat.translate(k)
	}
	d := forbiddenData{Tried: cat.translate("forbidden.tried", label, c.Request.URL.Path), Back: backLink(c)}
	u, _ := httpctx.User(c)
	org := w.orgName(p.Lang, u.OrgCode)
	held, err := w.deps.RBAC.RolesOf(u.Username)
	if err != nil {
		w.log().Warn("roles for the forbidden page", "user", u.Username, "error", err)
	}
	var roles []string
	for _, r := range held {
		if r[1] == u.OrgCode { // only roles held in the org the user acts in count
			role := r[0]
			if k := "role." + role; cat.has(k) {
				role = cat.translate(k)
			}
			roles = append(roles, role)
		}
	}
	switch len(roles) {
	case 0:
		d.Roles = cat.translate("forbidden.role_none", org)
	case 1:
		d.Roles = cat.translate("forbidden.role_one", roles[0], org)
	default:
		d.Roles = cat.translate("forbidden.role_many", strings.Join(roles, cat.translate("forbidden.role_sep")), org)
	}
	p.Data = d
	w.render(c, http.StatusForbidden, "forbidden", p)
}

// backLink is the page the user came from, when the Referer names a page
// of this site other than this one; otherwise the start page, which sends
// each role to its work.
func backLink(c *gin.Context) string {
	ref, err := url.Parse(c.GetHeader("Referer"))
	if err != nil || ref.Host != c.Request.Host || (ref.Scheme != "http" && ref.Scheme != "https") {
		return "/"
	}
	p := ref.EscapedPath()
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") || ref.Path == c.Request.URL.Path {
		return "/"
	}
	if ref.RawQuery != "" {
		p += "?" + ref.RawQuery
	}
	return p
}
