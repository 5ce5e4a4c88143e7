package api

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// maxCopyNote bounds a copy's note.
const maxCopyNote = 2000

// copyBody sends an application for information (抄送): to one person
// (to_user) or to a whole department (to_org), with a note.
type copyBody struct {
	ToUser string `json:"to_user"`
	ToOrg  string `json:"to_org"`
	Note   string `json:"note"`
}

// copyApplication sends an application in the caller's scope to a
// colleague or another government org for information. Only an org that
// holds or held a step of the application sends it; the recipient's org
// may read the application from then on. An applicant is never a
// recipient: a copy carries the reviewers' deliberation.
func (s *Server) copyApplication(c *gin.Context) {
	ctx := c.Request.Context()
	id, err := s.visibleID(c)
	if err != nil {
		fail(c, err)
		return
	}
	var b copyBody
	if err := bind(c, &b); err != nil {
		fail(c, err)
		return
	}
	u := user(c)
	note, err := checkText("note", b.Note, maxCopyNote)
	if err != nil {
		fail(c, err)
		return
	}
	to, err := s.copyRecipient(c, strings.TrimSpace(b.ToUser), strings.TrimSpace(b.ToOrg))
	if err != nil {
		fail(c, err)
		return
	}
	tasks, err := s.Store.TasksOf(ctx, id)
	if err != nil {
		fail(c, err)
		return
	}
	if !slices.ContainsFunc(tasks, func(t store.Task) bool { return t.Department == u.OrgCode }) {
		fail(c, newErr(http.StatusForbidden, "forbidden", "", "copy an application your organisation has a step in",
			"your organisation has no step in this application, so it does not send it for information"))
		return
	}
	cp := store.Copy{ApplicationID: id, FromUser: u.Username, FromOrg: u.OrgCode, ToOrg: to.OrgCode, ToUser: to.Username,
		Note: note, CreatedAt: s.now()}
	if err := s.Store.AddCopy(ctx, &cp, u.Role); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, cp)
}

// copyRecipient checks a copy's recipient: exactly one of a user and an
// org, a government org (never an applicant), and never the sender.
func (s *Server) copyRecipient(c *gin.Context, toUser, toOrg string) (store.User, error) {
	ctx := c.Request.Context()
	u := user(c)
	hint := "name one person (to_user, a username) or one department (to_org, an org code)"
	switch {
	case toUser == "" && toOrg == "":
		return store.User{}, badRequest("to_user", hint, "to_user or to_org is required")
	case toUser != "" && toOrg != "":
		return store.User{}, badRequest("to_org", hint, "give to_user or to_org, not both")
	case toUser != "":
		r, err := s.Store.UserByName(ctx, toUser)
		if errors.Is(err, store.ErrNotFound) || (err == nil && r.Disabled) {
			return r, unprocessable("to_user", "choose a colleague or an official of another department", "no active user %q", toUser)
		} else if err != nil {
			return r, err
		}
		if r.Username == u.Username {
			return r, unprocessable("to_user", "choose a colleague or an official of another department", "a copy goes to someone else, not to yourself")
		}
		o, err := s.Store.Org(ctx, r.OrgCode)
		if err != nil {
			return r, err
		}
		if o.Kind == store.KindApplicant || r.Role == domain.RoleApplicant || r.Role == domain.RoleAdmin {
			return r, unprocessable("to_user", "choose a colleague or an official of another department", "%q is not an official taking part in the process", toUser)
		}
		return store.User{Username: r.Username, OrgCode: r.OrgCode}, nil
	}
	o, err := s.Store.Org(ctx, toOrg)
	if errors.Is(err, store.ErrNotFound) {
		return store.User{}, unprocessable("to_org", "take an org code from GET /api/v1/orgs", "no org %q", toOrg)
	} else if err != nil {
		return store.User{}, err
	}
	if o.Kind == store.KindApplicant {
		return store.User{}, unprocessable("to_org", "choose a government department", "%q is an applicant, not a government department", toOrg)
	}
	if o.Code == u.OrgCode {
		return store.User{}, unprocessable("to_org", "name one colleague with to_user instead", "your own department sees the application already")
	}
	return store.User{OrgCode: o.Code}, nil
}

// listApplicationCopies lists the copies of an application in the
// caller's scope; the applicant sees none (they are the reviewers').
func (s *Server) listApplicationCopies(c *gin.Context) {
	id, err := s.visibleID(c)
	if err != nil {
		fail(c, err)
		return
	}
	list, err := s.Store.CopiesOf(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	if list == nil {
		list = []store.Copy{}
	}
	c.JSON(http.StatusOK, gin.H{"copies": list})
}

// listCopies is the caller's 抄送 list: the copies to its org as a whole
// or to the caller, newest first; unread=true leaves out those read.
func (s *Server) listCopies(c *gin.Context) {
	limit, offset, err := paging(c)
	if err != nil {
		fail(c, err)
		return
	}
	u := user(c)
	f := store.CopyFilter{Org: u.OrgCode, User: u.Username, Limit: limit, Offset: offset}
	if f.Unread, err = unreadOnly(c); err != nil {
		fail(c, err)
		return
	}
	list, total, err := s.Store.CopiesReceived(c.Request.Context(), f)
	if err != nil {
		fail(c, err)
		return
	}
	if list == nil {
		list = []store.Copy{}
	}
	c.JSON(http.StatusOK, gin.H{"copies": list, "total": total})
}

// readCopy marks a copy the caller received read (已阅), once.
func (s *Server) readCopy(c *gin.Context) {
	id, err := strconv.ParseUint(c.Param("copy"), 10, 63)
	if err != nil || id == 0 {
		fail(c, badRequest("copy", "take the copy's id from GET /api/v1/copies", "%q is not a copy id", c.Param("copy")))
		return
	}
	u := user(c)
	cp, err := s.Store.MarkCopyRead(c.Request.Context(), id, u.Username, u.OrgCode, u.Role, s.now())
	if errors.Is(err, store.ErrNotFound) {
		fail(c, newErr(http.StatusNotFound, "not_found", "copy", "take the copy's id from GET /api/v1/copies", "no copy %d was sent to you", id))
		return
	} else if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, cp)
}
