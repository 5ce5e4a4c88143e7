package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/httpctx"
	"github.com/datagate/datagate/notify"
	"github.com/datagate/datagate/store"
)

// notificationsPage is how many notifications one page lists.
const notificationsPage = 30

type notificationsData struct {
	Items      []notificationRow
	Unread     int64
	Prev, Next string
}

type notificationRow struct {
	ID            uint64
	Subject, Body string
	ApplicationID uint64
	At            time.Time
	Unread        bool
}

// notifications is the signed-in user's own in-app notifications (the
// header's bell links here), newest first, each rendered in the page's
// language as the API renders it (notify.Render), with forms to mark one
// or all read through the API.
func (w *Web) notifications(c *gin.Context) {
	p := w.frame(c, "notifications.title")
	u, ok := httpctx.User(c)
	if !ok {
		w.notFound(c)
		return
	}
	offset, _ := strconv.Atoi(c.Query("offset"))
	offset = max(0, offset)
	rows, more, unread, err := w.deps.Store.Notifications(c.Request.Context(),
		store.NotificationFilter{UserID: u.ID, Limit: notificationsPage, Offset: offset})
	if err != nil {
		w.fail(c, err)
		return
	}
	lang := store.LangZH
	if p.Lang == LangEn {
		lang = store.LangEN
	}
	d := notificationsData{Unread: unread}
	for _, r := range rows {
		msg, err := notify.Render(r.Event, lang)
		if err != nil {
			w.fail(c, err)
			return
		}
		row := notificationRow{ID: r.ID, Subject: msg.Subject, Body: msg.Body, At: r.CreatedAt, Unread: r.ReadAt == nil}
		if p.Can["ApplicationRead"] {
			row.ApplicationID = r.Event.ApplicationID
		}
		d.Items = append(d.Items, row)
	}
	if offset > 0 {
		d.Prev = "/notifications?offset=" + strconv.Itoa(max(0, offset-notificationsPage))
	}
	if more {
		d.Next = "/notifications?offset=" + strconv.Itoa(offset+notificationsPage)
	}
	p.Data = d
	w.render(c, http.StatusOK, "notifications", p)
}
