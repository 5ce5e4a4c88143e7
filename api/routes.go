package api

import (
	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/workflows"
)

// routes is the whole HTTP surface, in one place.
func (s *Server) routes(r *gin.Engine) {
	r.GET("/healthz", s.healthz)

	v1 := r.Group("/api/v1")
	v1.GET("/calendar/due", s.calendarDue)
	v1.GET("/catalog", s.listDatasets)
	v1.GET("/catalog/:code", s.getDataset)

	auth := v1.Group("", s.identify)
	auth.GET("/me", s.me)
	auth.GET("/applications", s.listApplications)
	auth.POST("/applications", s.createApplication)
	auth.GET("/applications/:id", s.getApplication)
	auth.POST("/applications/:id/submit", s.submitApplication)
	auth.POST("/applications/:id/withdraw", s.action(workflows.UpdateWithdraw))
	auth.POST("/applications/:id/evaluations", s.action(workflows.UpdateRequestEvaluation))
	auth.POST("/applications/:id/exit-notice", s.action(workflows.UpdateGiveExitNotice))
	auth.POST("/applications/:id/terminate", s.action(workflows.UpdateTerminate))
	auth.POST("/applications/:id/models", s.submitModel)
	auth.GET("/tasks", s.inbox)
	auth.POST("/tasks/:id/decision", s.decide)
	auth.GET("/supervision/overdue", s.overdue)
}
