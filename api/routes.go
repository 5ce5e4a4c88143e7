package api

import (
	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/rbac"
	"github.com/datagate/datagate/workflows"
)

// route is one endpoint and the action casbin must allow for it.
type route struct {
	method, path string
	action       rbac.Action
	handler      gin.HandlerFunc
}

// routes is the whole HTTP surface, in one place. Every route names its
// action; the gate denies a registered route that has none.
func (s *Server) routes() []route {
	return []route{
		{"GET", "/healthz", rbac.HealthRead, s.healthz},
		{"GET", "/api/v1/openapi.json", rbac.DisclosureRead, s.openAPI},
		{"GET", "/api/v1/calendar/due", rbac.CalendarUse, s.calendarDue},
		{"GET", "/api/v1/catalog", rbac.CatalogRead, s.listDatasets},
		{"GET", "/api/v1/catalog/:code", rbac.CatalogRead, s.getDataset},
		{"GET", "/api/v1/catalog/:code/versions", rbac.CatalogRead, s.datasetVersions},
		{"GET", "/api/v1/calendar/holidays", rbac.CalendarUse, s.listHolidays},
		{"PUT", "/api/v1/calendar/holidays/:year", rbac.CalendarAdmin, s.putHolidays},
		{"GET", "/api/v1/disclosure", rbac.DisclosureRead, s.disclosure},
		{"GET", "/api/v1/disclosure.csv", rbac.DisclosureRead, s.disclosureCSV},
		{"GET", "/api/v1/disclosure.atom", rbac.DisclosureRead, s.disclosureAtom},
		{"GET", "/api/v1/disclosure/restrictions", rbac.DisclosureRead, s.publishedRestrictions},

		{"POST", "/api/v1/session", rbac.SessionOpen, s.login},
		{"DELETE", "/api/v1/session", rbac.SessionClose, s.logout},
		{"POST", "/api/v1/session/totp", rbac.SessionOpen, s.verifySecondFactor},
		{"GET", "/api/v1/me/totp", rbac.MeRead, s.secondFactorStatus},
		{"POST", "/api/v1/me/totp", rbac.MeRead, s.beginTOTP},
		{"POST", "/api/v1/me/totp/confirm", rbac.MeRead, s.confirmTOTP},
		{"GET", "/api/v1/me", rbac.MeRead, s.me},
		{"GET", "/api/v1/orgs", rbac.MeRead, s.listOrgs},
		{"GET", "/api/v1/me/channels", rbac.MeRead, s.getChannels},
		{"PUT", "/api/v1/me/channels", rbac.MeRead, s.putChannels},
		{"GET", "/api/v1/me/deliveries", rbac.MeRead, s.myDeliveries},
		{"GET", "/api/v1/notifications", rbac.MeRead, s.listNotifications},
		{"POST", "/api/v1/notifications/read-all", rbac.MeRead, s.readAllNotifications},
		{"POST", "/api/v1/notifications/:id/read", rbac.MeRead, s.readNotification},
		{"GET", "/api/v1/tokens", rbac.TokenManage, s.listTokens},
		{"POST", "/api/v1/tokens", rbac.TokenManage, s.createToken},
		{"DELETE", "/api/v1/tokens/:id", rbac.TokenManage, s.revokeToken},

		{"GET", "/api/v1/applications", rbac.ApplicationRead, s.listApplications},
		{"POST", "/api/v1/applications", rbac.ApplicationCreate, s.createApplication},
		{"GET", "/api/v1/applications/:id", rbac.ApplicationRead, s.getApplication},
		{"PUT", "/api/v1/applications/:id", rbac.ApplicationEdit, s.editApplication},
		{"GET", "/api/v1/applications/:id/agreements", rbac.ApplicationRead, s.listAgreements},
		{"GET", "/api/v1/applications/:id/agreements/:kind/document", rbac.ApplicationRead, s.agreementDocument},
		{"GET", "/api/v1/applications/:id/agreements/:kind/bundle", rbac.ApplicationRead, s.agreementBundle},
		{"GET", "/api/v1/applications/:id/approval-form", rbac.ApplicationRead, s.approvalForm},
		{"GET", "/api/v1/applications/:id/attachments", rbac.ApplicationRead, s.listAttachments},
		{"POST", attachmentsPath, rbac.AttachmentUpload, s.uploadAttachment},
		{"GET", "/api/v1/applications/:id/attachments/:attachment", rbac.ApplicationRead, s.downloadAttachment},
		{"GET", "/api/v1/applications/:id/copies", rbac.CopyRead, s.listApplicationCopies},
		{"POST", "/api/v1/applications/:id/copies", rbac.CopySend, s.copyApplication},
		// Uses of the data (数据调用), held to the data subjects' consent.
		{"GET", "/api/v1/applications/:id/uses", rbac.ApplicationRead, s.listUses},
		{"POST", "/api/v1/applications/:id/uses", rbac.DataUse, s.recordUse},
		{"GET", "/api/v1/applications/:id/models", rbac.ApplicationRead, s.listModels},
		{"GET", "/api/v1/applications/:id/evaluations", rbac.ApplicationRead, s.listEvaluations},
		{"POST", "/api/v1/applications/:id/supplement", rbac.TaskDecide, s.supplement},
		{"POST", "/api/v1/applications/:id/submit", rbac.ApplicationSubmit, s.submitApplication},
		{"POST", "/api/v1/applications/:id/withdraw", rbac.ApplicationWithdraw, s.action(workflows.UpdateWithdraw)},
		{"POST", "/api/v1/applications/:id/models", rbac.ModelSubmit, s.submitModel},
		{"POST", "/api/v1/applications/:id/evaluations", rbac.EvaluationRequest, s.action(workflows.UpdateRequestEvaluation)},
		{"POST", "/api/v1/applications/:id/exit-notice", rbac.ExitNotice, s.action(workflows.UpdateGiveExitNotice)},
		{"POST", "/api/v1/applications/:id/terminate", rbac.AuthorizationEnd, s.action(workflows.UpdateTerminate)},
		// Restriction (第三十条): the measure, its lifting, the record.
		{"POST", "/api/v1/applications/:id/restrict", rbac.AuthorizationRestrict, s.restrictAuthorization},
		{"POST", "/api/v1/applications/:id/restriction/lift", rbac.AuthorizationRestrict, s.action(workflows.UpdateLiftRestriction)},
		{"GET", "/api/v1/applications/:id/restrictions", rbac.ApplicationRead, s.listRestrictions},
		// A renewal (续期) is a new draft: creating one is the applicant's.
		{"POST", "/api/v1/applications/:id/renewal", rbac.ApplicationCreate, s.createRenewal},
		{"GET", "/api/v1/tasks", rbac.TaskRead, s.inbox},
		{"POST", "/api/v1/tasks/:id/decision", rbac.TaskDecide, s.decide},
		// A batch of decisions: each row as the single decision above.
		{"POST", "/api/v1/tasks/decisions", rbac.TaskDecide, s.decideBatch},
		{"POST", "/api/v1/tasks/:id/claim", rbac.TaskAssign, s.claimTask},
		{"POST", "/api/v1/tasks/:id/release", rbac.TaskAssign, s.releaseTask},
		{"POST", "/api/v1/tasks/:id/transfer", rbac.TaskAssign, s.transferTask},
		{"GET", "/api/v1/copies", rbac.CopyRead, s.listCopies},
		{"POST", "/api/v1/copies/:copy/read", rbac.CopyRead, s.readCopy},

		// The statutory procedures beside the applications (procedures.go).
		{"POST", "/api/v1/catalog/proposals", rbac.CatalogPropose, s.proposeCatalogChange},
		{"POST", "/api/v1/catalog/requests", rbac.CatalogRequest, s.requestOutOfCatalog},
		{"POST", "/api/v1/catalog/:code/objections", rbac.ObjectionFile, s.objectToDataset},
		{"POST", "/api/v1/catalog/:code/updates", rbac.CatalogPropose, s.recordDataUpdate},
		{"GET", "/api/v1/procedures", rbac.ProcedureRead, s.listProcedures},
		{"GET", "/api/v1/procedures/:id", rbac.ProcedureRead, s.getProcedure},

		{"GET", "/api/v1/supervision/overdue", rbac.SupervisionRead, s.overdue},
		{"GET", "/api/v1/supervision/at-risk", rbac.SupervisionRead, s.atRisk},
		{"GET", "/api/v1/supervision/stats", rbac.SupervisionRead, s.departmentStats},
		{"GET", "/api/v1/supervision/procedures", rbac.SupervisionRead, s.procedureStats},
		{"GET", "/api/v1/supervision/stale-datasets", rbac.SupervisionRead, s.staleDatasets},
		{"POST", "/api/v1/supervision/urges", rbac.SupervisionUrge, s.urge},
		{"POST", "/api/v1/supervision/flags", rbac.SupervisionFlag, s.flagGroundless},
		{"GET", "/api/v1/audit", rbac.AuditRead, s.auditLog},
		{"GET", "/api/v1/audit.csv", rbac.AuditRead, s.auditCSV},
		{"GET", "/api/v1/audit/verify", rbac.AuditRead, s.verifyAudit},
		{"GET", "/api/v1/audit/reconcile", rbac.AuditRead, s.reconcileAudit},

		{"GET", "/api/v1/admin/users", rbac.UserAdmin, s.listUsers},
		{"POST", "/api/v1/admin/users", rbac.UserAdmin, s.createUser},
		{"POST", "/api/v1/admin/users/:id/disable", rbac.UserAdmin, s.disableUser},
		{"POST", "/api/v1/admin/orgs", rbac.UserAdmin, s.createOrg},
		{"POST", "/api/v1/admin/roles", rbac.RoleAdminAct, s.assignRole},
		{"POST", "/api/v1/admin/roles/revoke", rbac.RoleAdminAct, s.revokeRole},
		{"GET", "/api/v1/admin/policies", rbac.PolicyRead, s.listPolicies},
	}
}

// RouteInfo describes one registered route, for tests and documentation.
type RouteInfo struct {
	Method, Path string
	Action       rbac.Action
}

// RouteTable lists every route with its action.
func (s *Server) RouteTable() []RouteInfo {
	var out []RouteInfo
	for _, r := range s.routes() {
		out = append(out, RouteInfo{r.method, r.path, r.action})
	}
	return out
}
