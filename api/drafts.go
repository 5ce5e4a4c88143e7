package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/workflows"
)

// editApplication replaces a draft's fields, datasets and consents.
func (s *Server) editApplication(c *gin.Context) {
	ctx := c.Request.Context()
	id, err := s.visibleID(c)
	if err != nil {
		fail(c, err)
		return
	}
	var b applicationBody
	if err := bind(c, &b); err != nil {
		fail(c, err)
		return
	}
	if b.Submit {
		fail(c, badRequest("submit", "save the draft, then POST /api/v1/applications/{id}/submit", "submit is not accepted when editing"))
		return
	}
	found, err := s.checkApplication(ctx, &b)
	if err != nil {
		fail(c, err)
		return
	}
	a := &store.Application{ID: id, Title: b.Title, Domain: b.Domain, Description: b.Description, Purpose: b.Purpose,
		Scope: b.Scope, PeriodMonths: b.PeriodMonths, AccessMode: b.AccessMode, SecurityControls: b.SecurityControls}
	for _, code := range b.Datasets {
		a.Datasets = append(a.Datasets, store.ApplicationDataset{DatasetCode: code, Department: found[code].Department})
	}
	a.Consents = consentsOf(b)
	if err := s.Store.UpdateDraft(ctx, a); err != nil {
		fail(c, onConflict(err, notADraft(id)))
		return
	}
	s.respondApplication(c, http.StatusOK, id)
}

type supplementBody struct {
	Comment string            `json:"comment"`
	Edits   map[string]string `json:"edits"`
}

// supplement resubmits an application returned for supplement (退回补正):
// the applicant's open supplement task is decided with its edits.
func (s *Server) supplement(c *gin.Context) {
	ctx := c.Request.Context()
	id, err := s.visibleID(c)
	if err != nil {
		fail(c, err)
		return
	}
	var b supplementBody
	if err := bind(c, &b); err != nil {
		fail(c, err)
		return
	}
	if err := checkFields(fieldCheck{"comment", &b.Comment, ruleReport}); err != nil {
		fail(c, err)
		return
	}
	if err := checkEdits(b.Edits); err != nil {
		fail(c, err)
		return
	}
	u := user(c)
	tasks, err := s.Store.TasksOf(ctx, id)
	if err != nil {
		fail(c, err)
		return
	}
	for _, t := range tasks {
		if t.Kind == domain.TaskSupplement && t.Status == domain.TaskOpen && t.Department == u.OrgCode {
			if err := s.holds(c, t); err != nil {
				fail(c, err)
				return
			}
			res, err := s.update(c, t.WorkflowID, workflows.UpdateDecide, workflows.DecideRequest{
				TaskID: t.ID, Actor: actorOf(u), Decision: domain.DecisionResubmit, Comment: b.Comment, Edits: b.Edits})
			if err != nil {
				fail(c, err)
				return
			}
			c.JSON(http.StatusOK, answerOf(res))
			return
		}
	}
	fail(c, newErr(http.StatusConflict, "conflict", "", "supplement only after the big-data center returns the application",
		"application %d is not waiting for a supplement", id))
}

func (s *Server) listAgreements(c *gin.Context) {
	s.listOf(c, "agreements", func(id uint64) (any, error) { return s.Store.Agreements(c.Request.Context(), id) })
}

func (s *Server) listModels(c *gin.Context) {
	s.listOf(c, "models", func(id uint64) (any, error) { return s.Store.Models(c.Request.Context(), id) })
}

func (s *Server) listEvaluations(c *gin.Context) {
	s.listOf(c, "evaluations", func(id uint64) (any, error) { return s.Store.Evaluations(c.Request.Context(), id) })
}

// listOf answers {name: rows} for an application the caller may see.
func (s *Server) listOf(c *gin.Context, name string, load func(uint64) (any, error)) {
	id, err := s.visibleID(c)
	if err != nil {
		fail(c, err)
		return
	}
	rows, err := load(id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{name: rows})
}

// notADraft: the application was submitted meanwhile.
func notADraft(id uint64) *Error {
	return newErr(http.StatusConflict, "conflict", "", "reload the application to see where it stands",
		"application %d is no longer a draft", id)
}
