package web

import (
	"net/http"
	"sort"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

type adminData struct {
	Users []store.User
	Orgs  []store.Org
	Roles []string
	// OrgKinds are the kinds an admin may create an org of.
	OrgKinds []string
	Grouping []roleRow
	Years    []holidayYear
	Self     uint
}

type roleRow struct{ User, Role, Org string }

type holidayYear struct {
	Year      int
	Off, Work int
}

// orgKinds are the org kinds of the create-org form, the API's list, an
// enterprise (applicant) first: it is what an admin adds most.
var orgKinds = []string{store.KindApplicant, store.KindProvider, store.KindRegulator, store.KindBigDataCenter,
	store.KindBureau, store.KindOperator, store.KindSupervision}

// admin is users (create, disable), orgs (list, create), roles (assign, revoke) and the
// holiday tables (upload). Each section shows only when the admin's roles
// allow its action.
func (w *Web) admin(c *gin.Context) {
	ctx := c.Request.Context()
	p := w.frame(c, "admin.title")
	v := w.viewerOf(c, p)
	d := adminData{Roles: domain.Roles(), OrgKinds: orgKinds, Self: v.User.ID}
	var err error
	if d.Users, err = w.deps.Store.Users(ctx); err != nil {
		w.fail(c, err)
		return
	}
	if d.Orgs, err = w.deps.Store.Orgs(ctx, ""); err != nil {
		w.fail(c, err)
		return
	}
	if p.Can["RoleAdmin"] {
		g, err := w.deps.RBAC.Grouping()
		if err != nil {
			w.fail(c, err)
			return
		}
		for _, r := range g {
			if len(r) >= 3 {
				d.Grouping = append(d.Grouping, roleRow{r[0], r[1], r[2]})
			}
		}
		sort.Slice(d.Grouping, func(i, j int) bool {
			a, b := d.Grouping[i], d.Grouping[j]
			if a.User != b.User {
				return a.User < b.User
			}
			return a.Role+a.Org < b.Role+b.Org
		})
	}
	for _, y := range w.deps.Calendar.Years() {
		if t, ok := w.deps.Calendar.Year(y); ok {
			d.Years = append(d.Years, holidayYear{Year: y, Off: len(t.Off), Work: len(t.Work)})
		}
	}
	p.Data = d
	w.render(c, http.StatusOK, "admin", p)
}
