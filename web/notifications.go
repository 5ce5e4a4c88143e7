package web

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/domain"
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
	// ProcedureID: the notification is about a step of this procedure.
	ProcedureID uint64
	At          time.Time
	Unread      bool
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
	steps, err := w.procedureSteps(c.Request.Context(), rows)
	if err != nil {
		w.fail(c, err)
		return
	}
	d := notificationsData{Unread: unread}
	for _, r := range rows {
		row := notificationRow{ID: r.ID, At: r.CreatedAt, Unread: r.ReadAt == nil}
		if s, ok := steps[r.Event.TaskID]; ok {
			row.Subject, row.Body = w.procedureNote(p.Lang, r.Event, s)
			if p.Can["ProcedureRead"] {
				row.ProcedureID = s.proc.ID
			}
			d.Items = append(d.Items, row)
			continue
		}
		msg, err := notify.Render(r.Event, lang)
		if err != nil {
			w.fail(c, err)
			return
		}
		row.Subject, row.Body = msg.Subject, msg.Body
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

// procStep is a procedure's step a notification is about, with its
// procedure.
type procStep struct {
	task store.Task
	proc store.Procedure
}

// procedureSteps finds, among rows, the notifications about a procedure's
// step (an event with a task and no application), by task ID.
func (w *Web) procedureSteps(ctx context.Context, rows []store.InAppNotification) (map[string]procStep, error) {
	tasks := map[string]store.Task{}
	var ids []uint64
	for _, r := range rows {
		id := r.Event.TaskID
		if r.Event.ApplicationID != 0 || id == "" {
			continue
		}
		if _, seen := tasks[id]; seen {
			continue
		}
		t, err := w.deps.Store.Task(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			continue
		} else if err != nil {
			return nil, err
		}
		if t.ProcedureID != 0 {
			tasks[id] = t
			ids = append(ids, t.ProcedureID)
		}
	}
	procs, err := w.deps.Store.ProceduresByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := map[string]procStep{}
	for id, t := range tasks {
		if p, ok := procs[t.ProcedureID]; ok {
			out[id] = procStep{task: t, proc: p}
		}
	}
	return out, nil
}

// procedureNote is a notification about a procedure's step in lang: what
// happened to which step of which procedure, the department that holds it
// and when it is due (notify's messages name an application).
func (w *Web) procedureNote(lang string, ev store.NotifyEvent, s procStep) (subject, body string) {
	c := w.cat[lang]
	kind := ev.Data.TaskKind
	if kind == "" {
		kind = s.task.Kind
	}
	dept := ev.Data.Department
	if dept == "" {
		dept = s.task.Department
	}
	step, title := w.word(lang, domain.SetKind, kind), w.procTitle(lang, s.proc)
	what := "note.proc.event"
	if c.has("note.proc." + ev.Kind) {
		what = "note.proc." + ev.Kind
	}
	subject = c.translate(what, step, title)
	due := s.task.DueAt
	if ev.Data.DueAt != nil {
		due = *ev.Data.DueAt
	}
	lines := []string{
		c.translate("note.proc.procedure", w.word(lang, domain.SetProcedure, s.proc.Kind), title),
		c.translate("note.proc.step", step, w.orgName(lang, dept)),
		c.translate("note.proc.due", formatTime(due, "2006-01-02 15:04")),
	}
	if ev.Data.WasDueAt != nil {
		lines = append(lines, c.translate("note.proc.was_due", formatTime(*ev.Data.WasDueAt, "2006-01-02 15:04")))
	}
	if ev.Data.Message != "" {
		lines = append(lines, c.translate("note.proc.message", ev.Data.Message))
	}
	return subject, strings.Join(lines, "\n")
}
