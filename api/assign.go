package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/rbac"
	"github.com/datagate/datagate/store"
)

// ownTask loads the path's task, of the caller's department: one of an
// application the caller cannot see is 404, another department's 403.
func (s *Server) ownTask(c *gin.Context) (store.Task, error) {
	return s.ownTaskAt(c, "id", c.Param("id"))
}

// ownTaskAt is ownTask of task id, named by field (in the path or the
// body).
func (s *Server) ownTaskAt(c *gin.Context, field, id string) (store.Task, error) {
	t, err := s.scopedTask(c, field, id)
	if err != nil {
		return t, err
	}
	if u := user(c); t.Department != u.OrgCode {
		return t, newErr(http.StatusForbidden, "forbidden", "", "", "task %s belongs to %s; %s cannot act on it", t.ID, t.Department, u.OrgCode)
	}
	return t, nil
}

// holds refuses a decision on a task a colleague claimed (认领) or was
// transferred (转办): it is theirs until they release or pass it on.
func (s *Server) holds(c *gin.Context, t store.Task) error {
	u := user(c)
	if t.Assignee == "" || t.Assignee == u.Username {
		return nil
	}
	holder := t.Assignee
	if h, err := s.Store.UserByName(c.Request.Context(), t.Assignee); err == nil && h.DisplayName != "" {
		holder = h.DisplayName
	}
	return newErr(http.StatusConflict, "conflict", "", "ask them to release it or transfer it to you",
		"task %s is held by %s, who claimed it", t.ID, holder)
}

func (s *Server) claimTask(c *gin.Context) {
	s.assignTask(c, "task.claimed", func(ctx context.Context, t store.Task, u store.User) (string, error) {
		return u.Username, s.Store.ClaimTask(ctx, t.ID, u.Username)
	})
}

func (s *Server) releaseTask(c *gin.Context) {
	s.assignTask(c, "task.released", func(ctx context.Context, t store.Task, u store.User) (string, error) {
		return u.Username, s.Store.ReleaseTask(ctx, t.ID, u.Username)
	})
}

type transferBody struct {
	To     string `json:"to"`
	Reason string `json:"reason"`
}

// transferTask (转办) passes a task to a colleague of the same department
// who may decide it.
func (s *Server) transferTask(c *gin.Context) {
	s.assignTask(c, "task.transferred", func(ctx context.Context, t store.Task, u store.User) (string, error) {
		var b transferBody
		if err := bind(c, &b); err != nil {
			return "", err
		}
		if err := checkFields(fieldCheck{"reason", &b.Reason, ruleShortReason}); err != nil {
			return "", err
		}
		to, err := s.Store.UserByName(ctx, b.To)
		if err != nil || to.OrgCode != t.Department || to.Disabled {
			return "", badRequest("to", "name an active colleague of your department", "%q is not an active user of %s", b.To, t.Department)
		}
		if ok, err := s.RBAC.Allow(to.Username, to.OrgCode, rbac.TaskDecide); err != nil || !ok {
			return "", badRequest("to", "transfer to a colleague whose role decides tasks", "%s may not decide tasks", b.To)
		}
		return b.To + " " + b.Reason, s.Store.TransferTask(ctx, t.ID, u.Username, to.Username)
	})
}

// assignTask runs one change of who holds a task and records it in the
// application's audit.
func (s *Server) assignTask(c *gin.Context, action string, change func(context.Context, store.Task, store.User) (string, error)) {
	ctx := c.Request.Context()
	t, err := s.ownTask(c)
	if err != nil {
		fail(c, err)
		return
	}
	u := user(c)
	detail, err := change(ctx, t, u)
	if err != nil {
		fail(c, onConflict(err, newErr(http.StatusConflict, "conflict", "id", "reload your inbox to see who holds it",
			"task %s is no longer open, or a colleague holds it", t.ID)))
		return
	}
	if err := s.Store.AppendAudit(ctx, "assign-"+t.WorkflowID, store.AuditEntry{ApplicationID: t.ApplicationID,
		Actor: u.Username, Role: u.Role, Department: u.OrgCode, Action: action, Target: t.ID, Reason: detail, At: s.now()}); err != nil {
		fail(c, err)
		return
	}
	t, err = s.Store.Task(ctx, t.ID)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, t)
}
