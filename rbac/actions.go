// Package rbac decides who may do what: casbin RBAC with domains, where a
// domain is an org (department or enterprise), roles are held per org, and
// every HTTP route names the action it performs.
package rbac

import "github.com/datagate/datagate/domain"

// RolePublic is everyone, signed in or not: a policy subject, not a role
// a user holds (those are domain.Roles()).
const RolePublic = "public"

// AnyDomain in a policy means the role's permission holds in whatever org
// the role is held.
const AnyDomain = "*"

// Action is an object and an operation on it.
type Action struct {
	Obj string
	Act string
}

func (a Action) String() string { return a.Obj + ":" + a.Act }

// Every action a route may perform.
var (
	HealthRead  = Action{"health", "read"}
	CatalogRead = Action{"catalog", "read"}
	CalendarUse = Action{"calendar", "read"}
	SessionOpen = Action{"session", "create"}
	// DisclosureRead is the public register of authorizations (信息披露)
	// and the API description.
	DisclosureRead = Action{"disclosure", "read"}

	SessionClose = Action{"session", "delete"}
	MeRead       = Action{"me", "read"}
	TokenManage  = Action{"token", "manage"}

	ApplicationCreate   = Action{"application", "create"}
	ApplicationRead     = Action{"application", "read"}
	ApplicationSubmit   = Action{"application", "submit"}
	ApplicationWithdraw = Action{"application", "withdraw"}
	ApplicationEdit     = Action{"application", "edit"}
	ModelSubmit         = Action{"model", "submit"}
	// AttachmentUpload is attaching a document to an application in the
	// caller's scope; which kinds each org may attach is the API's rule.
	AttachmentUpload = Action{"attachment", "upload"}
	// CopySend is sending an application for information (抄送) to a
	// colleague or another department; CopyRead is reading the copies
	// received and an application's copies.
	CopySend          = Action{"copy", "send"}
	CopyRead          = Action{"copy", "read"}
	ExitNotice        = Action{"exit", "notice"}
	DataUse           = Action{"data", "use"} // recording a use of an active authorization's data (数据调用)
	EvaluationRequest = Action{"evaluation", "request"}
	AuthorizationEnd  = Action{"authorization", "terminate"}
	// AuthorizationRestrict is suspending or restricting an active
	// authorization, and lifting the measure (第三十条).
	AuthorizationRestrict = Action{"authorization", "restrict"}
	TaskRead              = Action{"task", "read"}
	TaskDecide            = Action{"task", "decide"}
	// TaskAssign is claiming, releasing and transferring (转办) a task
	// within the department.
	TaskAssign      = Action{"task", "assign"}
	SupervisionRead = Action{"supervision", "read"}
	SupervisionUrge = Action{"supervision", "urge"}
	SupervisionFlag = Action{"supervision", "flag"}
	AuditRead       = Action{"audit", "read"}
	// The statutory procedures beside the applications: a provider
	// department proposes catalog changes (CatalogPropose), an applicant
	// asks for data outside the catalog (CatalogRequest), anyone taking
	// part objects to published data (ObjectionFile), and each reads the
	// procedures in its scope (ProcedureRead); their steps are tasks,
	// decided with TaskDecide.
	CatalogPropose = Action{"catalog", "propose"}
	CatalogRequest = Action{"catalog", "request"}
	ObjectionFile  = Action{"objection", "file"}
	ProcedureRead  = Action{"procedure", "read"}
	CalendarAdmin  = Action{"calendar", "admin"}
	UserAdmin      = Action{"user", "admin"}
	RoleAdminAct   = Action{"role", "admin"}
	PolicyRead     = Action{"policy", "read"}
)

// Builtin is the policy every deployment starts with: role, domain, action.
// Admins may add to it; seeding adds what is missing and removes nothing.
var Builtin = func() [][3]string {
	grant := func(role string, acts ...Action) [][3]string {
		var out [][3]string
		for _, a := range acts {
			out = append(out, [3]string{role, a.Obj, a.Act})
		}
		return out
	}
	signedIn := []Action{SessionClose, MeRead, TokenManage}
	var p [][3]string
	p = append(p, grant(RolePublic, HealthRead, CatalogRead, CalendarUse, SessionOpen, DisclosureRead)...)
	for _, r := range domain.Roles() {
		p = append(p, grant(r, signedIn...)...)
		// Every actor of the process reads the applications in its scope;
		// the admin runs the system and takes no part in them.
		if r != domain.RoleAdmin {
			p = append(p, grant(r, ApplicationRead, ProcedureRead, ObjectionFile)...)
		}
	}
	p = append(p, grant(domain.RoleDeptReviewer, CatalogPropose)...)
	p = append(p, grant(domain.RoleApplicant, CatalogRequest)...)
	p = append(p, grant(domain.RoleApplicant, ApplicationCreate, ApplicationEdit, ApplicationSubmit, ApplicationWithdraw,
		ModelSubmit, ExitNotice, TaskRead, TaskDecide, TaskAssign, AttachmentUpload, DataUse)...)
	p = append(p, grant(domain.RoleInitialReviewer, TaskRead, TaskDecide, TaskAssign, AttachmentUpload, CopySend, CopyRead)...)
	p = append(p, grant(domain.RoleDeptReviewer, TaskRead, TaskDecide, TaskAssign, AttachmentUpload, CopySend, CopyRead)...)
	p = append(p, grant(domain.RoleRegulator, TaskRead, TaskDecide, TaskAssign, AttachmentUpload, CopySend, CopyRead)...)
	p = append(p, grant(domain.RoleBureauOfficer, TaskRead, TaskDecide, TaskAssign, EvaluationRequest, AuthorizationEnd, AuthorizationRestrict, SupervisionRead, AttachmentUpload,
		CopySend, CopyRead)...)
	p = append(p, grant(domain.RoleOperator, TaskRead, TaskDecide, TaskAssign, AttachmentUpload, CopySend, CopyRead)...)
	// Supervisors read everything and decide nothing, except urges and
	// groundless-rejection flags; they read what is copied to them.
	p = append(p, grant(domain.RoleSupervisor, SupervisionRead, SupervisionUrge, SupervisionFlag, AuditRead, CopyRead)...)
	p = append(p, grant(domain.RoleAdmin, UserAdmin, RoleAdminAct, PolicyRead, CalendarAdmin, AuditRead)...)
	return p
}()
