// Package domain holds the domain's words, each defined once: application
// and task statuses, task kinds and the decisions each accepts, roles,
// agreements, model and evaluation statuses, end reasons, and the names
// people read for each, in zh-CN and English (names.go).
//
// It is a leaf: every package of DataGate may import it, and it imports
// nothing of DataGate's. The values are stored in the database, in
// workflow histories and in casbin policies: never change one.
package domain

import "slices"

// Application statuses. Draft and Submitted are the read model's alone:
// an application's workflow starts at InitialReview.
const (
	StatusDraft            = "draft"
	StatusSubmitted        = "submitted"
	StatusInitialReview    = "initial_review"
	StatusSupplement       = "supplement"
	StatusDepartmentReview = "department_review"
	StatusAgreements       = "agreements"
	StatusActive           = "active"
	StatusExiting          = "exiting"
	StatusClosed           = "closed"
	StatusRejected         = "rejected"
	StatusWithdrawn        = "withdrawn"
)

// Statuses lists the application statuses in process order.
func Statuses() []string {
	return []string{StatusDraft, StatusSubmitted, StatusInitialReview, StatusSupplement, StatusDepartmentReview,
		StatusAgreements, StatusActive, StatusExiting, StatusClosed, StatusRejected, StatusWithdrawn}
}

// FinalStatuses are the statuses an application never leaves.
func FinalStatuses() []string { return []string{StatusClosed, StatusRejected, StatusWithdrawn} }

// DisclosedStatuses are the statuses of applications that are or were
// authorized, which the public disclosure (信息披露) shows; drafts,
// applications under review, rejected and withdrawn ones never are.
func DisclosedStatuses() []string { return []string{StatusActive, StatusExiting, StatusClosed} }

// End reasons of an authorization.
const (
	EndExpired    = "expired"
	EndExit       = "exit"
	EndTerminated = "terminated"
	// EndLapsed: an application the applicant left without supplement or
	// signature past the deadline, deemed withdrawn (视为撤回).
	EndLapsed = "lapsed"
)

// EndReasons lists the end reasons.
func EndReasons() []string { return []string{EndExpired, EndExit, EndTerminated, EndLapsed} }

// Task statuses.
const (
	TaskOpen      = "open"
	TaskDone      = "done"
	TaskCancelled = "cancelled"
)

// Task kinds.
const (
	TaskInitialReview     = "initial_review"
	TaskSupplement        = "supplement"
	TaskDepartmentReview  = "department_review"
	TaskRegulatorOpinion  = "regulator_opinion"
	TaskSignAuthorization = "sign_authorization"
	TaskSignService       = "sign_service"
	TaskFileService       = "file_service"
	TaskSignCommitment    = "sign_commitment"
	// TaskSignSupplement: a party signs the supplementary agreement
	// (补充协议) that covers datasets approved after the agreements.
	TaskSignSupplement = "sign_supplement"
	TaskSelfEvaluation = "self_evaluation"
	TaskRateEvaluation = "rate_evaluation"
	// TaskRectificationReport: the applicant reports its rectification
	// (整改报告) within the rectification period.
	TaskRectificationReport = "rectification_report"
	TaskExitConfirmation    = "exit_confirmation"
	TaskExitVerification    = "exit_verification"
	TaskModelReview         = "model_review"
	TaskModelRevision       = "model_revision"
	// TaskUrgeReply is a department's reply to a supervisor's urge.
	TaskUrgeReply = "urge_reply"
	// TaskFlagAnswer is a department's answer to a groundless-rejection
	// flag.
	TaskFlagAnswer = "flag_answer"
)

// Decisions.
const (
	DecisionPass           = "pass"
	DecisionReject         = "reject"
	DecisionReturn         = "return"
	DecisionResubmit       = "resubmit"
	DecisionApprove        = "approve"
	DecisionDecide         = "decide"
	DecisionAskRegulator   = "ask_regulator"
	DecisionOpinion        = "opinion"
	DecisionSign           = "sign"
	DecisionFile           = "file"
	DecisionSubmit         = "submit"
	DecisionQualified      = "qualified"
	DecisionRectify        = "rectify"
	DecisionUnqualified    = "unqualified"
	DecisionConfirm        = "confirm"
	DecisionVerify         = "verify"
	DecisionRequestChanges = "request_changes"
	DecisionReply          = "reply"
	DecisionUphold         = "uphold"
	DecisionReopen         = "reopen"
	// DecisionDecline: the applicant will not sign; the application ends
	// as withdrawn.
	DecisionDecline = "decline"
	// DecisionWithdrawRequest: a department withdraws its request for a
	// regulator's opinion, with a reason; its review stays open.
	DecisionWithdrawRequest = "withdraw_request"
	// DatasetApprovePending is a dataset's decision when a department
	// approved it after the agreements: it counts (disclosed, provisioned)
	// once the supplementary agreement is signed.
	DatasetApprovePending = "approve_pending"
	// DecisionCancelled closes a task the process no longer needs.
	DecisionCancelled = "cancelled"
)

// kinds lists every task kind in process order, with the decisions it
// accepts (in display order) and whether it is a review: a review's
// rejection must state its reason and basis, and a supervisor may flag it
// as groundless.
var kinds = []struct {
	kind      string
	decisions []string
	review    bool
}{
	{TaskInitialReview, []string{DecisionPass, DecisionReject, DecisionReturn}, true},
	{TaskSupplement, []string{DecisionResubmit}, false},
	{TaskDepartmentReview, []string{DecisionApprove, DecisionReject, DecisionDecide, DecisionAskRegulator, DecisionWithdrawRequest}, true},
	{TaskRegulatorOpinion, []string{DecisionOpinion}, false},
	{TaskSignAuthorization, []string{DecisionSign}, false},
	{TaskSignService, []string{DecisionSign, DecisionDecline}, false},
	{TaskFileService, []string{DecisionFile}, false},
	{TaskSignCommitment, []string{DecisionSign, DecisionDecline}, false},
	{TaskSignSupplement, []string{DecisionSign}, false},
	{TaskSelfEvaluation, []string{DecisionSubmit}, false},
	{TaskRateEvaluation, []string{DecisionQualified, DecisionRectify, DecisionUnqualified}, false},
	{TaskRectificationReport, []string{DecisionSubmit}, false},
	{TaskExitConfirmation, []string{DecisionConfirm}, false},
	{TaskExitVerification, []string{DecisionVerify, DecisionReturn}, false},
	{TaskModelReview, []string{DecisionApprove, DecisionReject, DecisionRequestChanges}, true},
	{TaskModelRevision, []string{DecisionResubmit}, false},
	{TaskUrgeReply, []string{DecisionReply}, false},
	{TaskFlagAnswer, []string{DecisionUphold, DecisionReopen}, false},
	// The statutory procedures beside the application (procedures.go).
	{TaskCatalogReview, []string{DecisionApprove, DecisionSuggest, DecisionReject}, false},
	{TaskCatalogRevise, []string{DecisionRevise, DecisionDisagree}, false},
	{TaskCatalogConsult, []string{DecisionApprove, DecisionReject}, false},
	{TaskRequestAssess, []string{DecisionAccept, DecisionRefuse}, false},
	{TaskRequestProvide, []string{DecisionProvide}, false},
	{TaskObjectionHandle, []string{DecisionWithdrawData, DecisionTreatAndOpen, DecisionKeepOpen}, false},
	// An authorization's restriction and the holder's appeal (restrictions.go).
	{TaskAppeal, []string{DecisionAppeal, DecisionWaive}, false},
	{TaskAppealReview, []string{DecisionUphold, DecisionLift}, false},
}

// TaskKinds lists every task kind, in process order.
func TaskKinds() []string {
	out := make([]string, len(kinds))
	for i, k := range kinds {
		out[i] = k.kind
	}
	return out
}

// AllowedDecisions returns the decisions a task kind accepts, in display
// order; none for an unknown kind.
func AllowedDecisions(kind string) []string {
	for _, k := range kinds {
		if k.kind == kind {
			return slices.Clone(k.decisions)
		}
	}
	return nil
}

// batchDecisions are the decisions a batch may take (POST
// /api/v1/tasks/decisions, the inbox's toolbar), by task kind: the initial
// review and the signatures and filing, whose decisions need no form of
// their own. Any other kind, and a signature's decline, is decided one
// task at a time.
var batchDecisions = map[string][]string{
	TaskInitialReview:     {DecisionPass, DecisionReturn, DecisionReject},
	TaskSignAuthorization: {DecisionSign},
	TaskSignService:       {DecisionSign},
	TaskSignCommitment:    {DecisionSign},
	TaskSignSupplement:    {DecisionSign},
	TaskFileService:       {DecisionFile},
}

// BatchKinds lists the task kinds a batch may decide, in process order.
func BatchKinds() []string {
	var out []string
	for _, k := range kinds {
		if _, ok := batchDecisions[k.kind]; ok {
			out = append(out, k.kind)
		}
	}
	return out
}

// BatchDecisions returns the decisions a batch may take on a task of
// kind; none when the kind is decided one task at a time.
func BatchDecisions(kind string) []string {
	return slices.Clone(batchDecisions[kind])
}

// Decisions lists every decision a task can close with, in order of first
// use, then DecisionCancelled.
func Decisions() []string {
	var out []string
	for _, k := range kinds {
		for _, d := range k.decisions {
			if !slices.Contains(out, d) {
				out = append(out, d)
			}
		}
	}
	return append(out, DecisionCancelled, DatasetApprovePending)
}

// ReviewKinds are the task kinds whose decisions are reviews: their
// rejections state reason and basis, count in the supervision statistics,
// and may be flagged as groundless.
func ReviewKinds() []string {
	var out []string
	for _, k := range kinds {
		if k.review {
			out = append(out, k.kind)
		}
	}
	return out
}

// IsReview reports whether kind is a review.
func IsReview(kind string) bool { return slices.Contains(ReviewKinds(), kind) }

// Agreement kinds, signed in this order (the commitment alongside).
const (
	AgreementAuthorization = "authorization"
	AgreementService       = "service"
	AgreementFiling        = "filing"
	AgreementCommitment    = "commitment"
	// AgreementSupplement (补充协议): signed by the parties of the
	// agreements for datasets approved after them.
	AgreementSupplement = "supplement"
)

// Agreement statuses.
const (
	AgreementWaiting   = "waiting" // not started: an earlier one is unsigned
	AgreementPending   = "pending"
	AgreementCompleted = "completed"
	// AgreementCancelled: the application was withdrawn before it was
	// complete.
	AgreementCancelled = "cancelled"
)

// Agreements lists the agreement kinds in signing order.
func Agreements() []string {
	return []string{AgreementAuthorization, AgreementService, AgreementFiling, AgreementCommitment, AgreementSupplement}
}

// Attachment kinds: what a document attached to an application is. The
// applicant's org attaches all but review opinions, which a reviewer
// attaches to a task its org holds.
const (
	AttachmentQualification  = "qualification"   // 资质证明
	AttachmentSecurityPolicy = "security_policy" // 安全管理制度
	AttachmentRequirements   = "requirements"    // 数据需求说明
	AttachmentConsent        = "consent"         // 数据主体授权同意书
	AttachmentSupplement     = "supplement"      // 补正材料
	AttachmentReviewOpinion  = "review_opinion"  // 审查意见
	AttachmentModelDoc       = "model_documentation"
	AttachmentSelfEvaluation = "self_evaluation_report"
	AttachmentRectification  = "rectification_report"
	AttachmentDestruction    = "destruction_certificate" // 销毁证明
)

// AttachmentKinds lists the attachment kinds in process order.
func AttachmentKinds() []string {
	return []string{AttachmentQualification, AttachmentSecurityPolicy, AttachmentRequirements, AttachmentConsent, AttachmentSupplement,
		AttachmentReviewOpinion, AttachmentModelDoc, AttachmentSelfEvaluation, AttachmentRectification, AttachmentDestruction}
}

// AttachedByApplicant reports whether the applicant's org attaches
// documents of the kind (every kind but review opinions).
func AttachedByApplicant(kind string) bool { return kind != AttachmentReviewOpinion }

// Model review statuses.
const (
	ModelInReview         = "in_review"
	ModelChangesRequested = "changes_requested"
	ModelApproved         = "approved"
	ModelRejected         = "rejected"
	ModelCancelled        = "cancelled"
)

// ModelStatuses lists the model review statuses.
func ModelStatuses() []string {
	return []string{ModelInReview, ModelChangesRequested, ModelApproved, ModelRejected, ModelCancelled}
}

// Evaluation statuses.
const (
	EvalSelf          = "self_evaluation"
	EvalRating        = "rating"
	EvalRectification = "rectification"
	EvalQualified     = "qualified"
	EvalUnqualified   = "unqualified"
	EvalCancelled     = "cancelled"
	// EvalLapsed: the authorization ended before the evaluation was
	// finished; its rounds and any rating so far stay on the record.
	EvalLapsed = "lapsed"
)

// EvaluationStatuses lists the evaluation statuses.
func EvaluationStatuses() []string {
	return []string{EvalSelf, EvalRating, EvalRectification, EvalQualified, EvalUnqualified, EvalCancelled, EvalLapsed}
}

// Roles a user holds in their org. Casbin policies are written in these
// names.
const (
	RoleApplicant       = "applicant"        // 开发利用者
	RoleInitialReviewer = "initial_reviewer" // 初审 (市大数据发展中心)
	RoleDeptReviewer    = "dept_reviewer"    // 数据提供部门
	RoleRegulator       = "regulator"        // 行业主管部门
	RoleBureauOfficer   = "bureau_officer"   // 实施机构 (市科技与大数据局)
	RoleOperator        = "operator"         // 运营机构
	RoleSupervisor      = "supervisor"       // 督查
	RoleAdmin           = "admin"            // 管理员
	// RoleSystem is the actor of what the workflows do on their own
	// (timers); no user holds it.
	RoleSystem = "system"
)

// Roles lists the roles a user can hold, in the order of the process.
func Roles() []string {
	return []string{RoleApplicant, RoleInitialReviewer, RoleDeptReviewer, RoleRegulator,
		RoleBureauOfficer, RoleOperator, RoleSupervisor, RoleAdmin}
}
