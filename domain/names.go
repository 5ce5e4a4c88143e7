package domain

import "strings"

// Name is what people read for a word: zh-CN first, English second.
type Name struct{ Zh, En string }

// In is the name in lang: English for any "en…" tag, zh-CN otherwise.
func (n Name) In(lang string) string {
	if strings.HasPrefix(strings.ToLower(lang), "en") {
		return n.En
	}
	return n.Zh
}

// The sets of words with names. Each is also the prefix of its keys in
// the pages' catalogs (Catalog): "kind.initial_review".
const (
	SetStatus     = "status"
	SetKind       = "kind"
	SetDecision   = "decision"
	SetRole       = "role"
	SetModel      = "model"
	SetEvaluation = "evaluation"
	SetEnd        = "end"
	SetAgreement  = "agreement"
	SetAttachment = "attachment"
	// SetProcedure, SetOutcome and SetDatasetState: the statutory
	// procedures beside the application (procedures.go).
	SetProcedure    = "procedure"
	SetOutcome      = "outcome"
	SetDatasetState = "dataset_state"
	SetChange       = "change"
	SetGround       = "ground"
	// SetMeasure, SetRestriction and SetAppeal: an authorization's
	// restriction and its appeal (restrictions.go).
	SetMeasure     = "measure"
	SetRestriction = "restriction"
	SetAppeal      = "appeal"
)

// names holds every word's names, by set.
var names = map[string]map[string]Name{
	SetStatus: {
		StatusDraft:            {"草稿", "Draft"},
		StatusSubmitted:        {"已提交", "Submitted"},
		StatusInitialReview:    {"初审", "Initial review"},
		StatusSupplement:       {"退回补正", "Returned for supplement"},
		StatusDepartmentReview: {"部门审核", "Department review"},
		StatusAgreements:       {"协议签署", "Agreements"},
		StatusActive:           {"授权有效", "Active"},
		StatusExiting:          {"退出中", "Exiting"},
		StatusClosed:           {"已办结", "Closed"},
		StatusRejected:         {"已驳回", "Rejected"},
		StatusWithdrawn:        {"已撤回", "Withdrawn"},
	},
	SetKind: {
		TaskInitialReview:       {"初审", "Initial review"},
		TaskSupplement:          {"退回补正", "Supplement"},
		TaskDepartmentReview:    {"部门审核", "Department review"},
		TaskRegulatorOpinion:    {"行业主管部门意见", "Regulator's opinion"},
		TaskSignAuthorization:   {"签署授权协议", "Sign the authorization agreement"},
		TaskSignService:         {"签署授权开发利用服务协议", "Sign the service agreement"},
		TaskFileService:         {"服务协议备案", "File the service agreement"},
		TaskSignCommitment:      {"签署利用承诺", "Sign the utilization commitment"},
		TaskSignSupplement:      {"签署补充协议", "Sign the supplementary agreement"},
		TaskSelfEvaluation:      {"自评", "Self-evaluation"},
		TaskRateEvaluation:      {"评估评定", "Rate the evaluation"},
		TaskRectificationReport: {"整改报告", "Rectification report"},
		TaskExitConfirmation:    {"确认数据返还与销毁", "Confirm data return and destruction"},
		TaskExitVerification:    {"核验退出", "Verify the exit"},
		TaskModelReview:         {"模型审定", "Model review"},
		TaskModelRevision:       {"模型修改", "Model revision"},
		TaskUrgeReply:           {"答复督办", "Reply to an urge"},
		TaskFlagAnswer:          {"答复无依据驳回认定", "Answer a groundless-rejection flag"},
		TaskCatalogReview:       {"目录审核", "Catalog review"},
		TaskCatalogRevise:       {"研究修改建议", "Consider the suggested changes"},
		TaskCatalogConsult:      {"联合会商", "Joint consultation"},
		TaskRequestAssess:       {"目录外需求评估", "Assess an out-of-catalog request"},
		TaskRequestProvide:      {"提供目录外数据", "Provide the requested data"},
		TaskObjectionHandle:     {"处理异议", "Handle an objection"},
		TaskAppeal:              {"申诉期", "Appeal against a restriction"},
		TaskAppealReview:        {"申诉处理", "Decide an appeal"},
	},
	SetDecision: {
		DecisionPass:            {"通过", "Pass"},
		DecisionReject:          {"驳回", "Reject"},
		DecisionReturn:          {"退回补正", "Return for supplement"},
		DecisionResubmit:        {"重新提交", "Resubmit"},
		DecisionApprove:         {"同意", "Approve"},
		DecisionDecide:          {"逐项审核", "Decide per dataset"},
		DecisionAskRegulator:    {"征求行业主管部门意见", "Ask a regulator"},
		DecisionOpinion:         {"提交意见", "Give the opinion"},
		DecisionSign:            {"签署", "Sign"},
		DecisionFile:            {"备案", "File"},
		DecisionSubmit:          {"提交", "Submit"},
		DecisionQualified:       {"合格", "Qualified"},
		DecisionRectify:         {"限期整改", "Rectification required"},
		DecisionUnqualified:     {"不合格", "Unqualified"},
		DecisionConfirm:         {"确认", "Confirm"},
		DecisionVerify:          {"核验通过", "Verify"},
		DecisionRequestChanges:  {"要求修改", "Request changes"},
		DecisionReply:           {"提交答复", "Reply"},
		DecisionUphold:          {"维持驳回", "Uphold the rejection"},
		DecisionReopen:          {"重新审核", "Reopen the review"},
		DatasetApprovePending:   {"已同意，待签补充协议", "Approved, awaiting the supplementary agreement"},
		DecisionDecline:         {"拒绝签署", "Decline to sign"},
		DecisionWithdrawRequest: {"撤回征求意见", "Withdraw the request for an opinion"},
		DecisionCancelled:       {"已取消", "Cancelled"},
		DecisionSuggest:         {"提出修改建议", "Suggest changes"},
		DecisionRevise:          {"按建议修改", "Revise as suggested"},
		DecisionDisagree:        {"不同意，提请联合会商", "Disagree: ask for joint consultation"},
		DecisionAccept:          {"符合开放条件，受理", "Accept: the data can be opened"},
		DecisionRefuse:          {"不予开放", "Refuse, with reasons"},
		DecisionProvide:         {"提交目录条目", "Provide: propose the catalog entry"},
		DecisionWithdrawData:    {"撤回数据", "Withdraw the data"},
		DecisionTreatAndOpen:    {"依法处理后开放", "Open after treatment"},
		DecisionKeepOpen:        {"继续开放", "Keep the data open"},
		DecisionAppeal:          {"提起申诉", "Appeal"},
		DecisionWaive:           {"不申诉", "Do not appeal"},
		DecisionLift:            {"解除措施", "Lift the measure"},
	},
	SetProcedure: {
		ProcCatalogChange:  {"目录编制与调整", "Catalog change"},
		ProcCatalogRequest: {"目录外数据需求", "Out-of-catalog request"},
		ProcObjection:      {"数据异议", "Objection to published data"},
	},
	SetOutcome: {
		OutcomeOpen:          {"办理中", "In progress"},
		OutcomePublished:     {"已发布", "Published"},
		OutcomeRejected:      {"未通过", "Not approved"},
		OutcomeProvided:      {"已提供", "Provided"},
		OutcomeRefused:       {"不予开放", "Refused"},
		OutcomeDataWithdrawn: {"数据已撤回", "Data withdrawn"},
		OutcomeTreated:       {"处理后开放", "Opened after treatment"},
		OutcomeKeptOpen:      {"继续开放", "Kept open"},
	},
	SetChange: {
		ChangeCreate: {"新增数据资源", "Add a dataset"},
		ChangeModify: {"调整目录信息", "Change a dataset"},
		ChangeRetire: {"撤销数据资源", "Retire a dataset"},
	},
	SetGround: {
		GroundPersonal:  {"侵犯商业秘密、个人信息或隐私", "Infringes trade secrets, personal information or privacy"},
		GroundAttribute: {"开放属性不符合规定", "The open attribute breaks the rules"},
		GroundQuality:   {"数据质量不符合规定", "The data's quality breaks the rules"},
		GroundError:     {"数据存在错误、遗漏", "The data has errors or omissions"},
		GroundUnlawful:  {"违反规定或约定开放", "Opened against the law or an agreement"},
	},
	SetMeasure: {
		MeasureSuspend:  {"暂停授权", "Suspension"},
		MeasureRestrict: {"限制措施", "Restriction"},
	},
	SetRestriction: {
		RestrictionInForce: {"执行中", "In force"},
		RestrictionLifted:  {"已解除", "Lifted"},
		RestrictionEnded:   {"随授权终止", "Ended with the authorization"},
	},
	SetAppeal: {
		AppealNone:    {"申诉期内", "Within the appeal period"},
		AppealPending: {"申诉处理中", "Appeal pending"},
		AppealUpheld:  {"申诉未获支持，维持措施", "Appeal dismissed: the measure stands"},
		AppealGranted: {"申诉成立，措施解除", "Appeal granted: the measure is lifted"},
		AppealWaived:  {"未申诉", "Not appealed"},
		AppealLapsed:  {"申诉期满未申诉", "Appeal period elapsed"},
	},
	SetDatasetState: {
		DatasetActive:    {"开放中", "Open"},
		DatasetSuspended: {"暂停开放", "Suspended"},
		DatasetWithdrawn: {"已撤回", "Withdrawn"},
	},
	SetRole: {
		RoleApplicant:       {"开发利用者", "Applicant"},
		RoleInitialReviewer: {"初审", "Initial reviewer"},
		RoleDeptReviewer:    {"数据提供部门审核", "Department reviewer"},
		RoleRegulator:       {"行业主管部门", "Regulator"},
		RoleBureauOfficer:   {"实施机构", "Bureau officer"},
		RoleOperator:        {"运营机构", "Operator"},
		RoleSupervisor:      {"督查", "Supervisor"},
		RoleAdmin:           {"管理员", "Administrator"},
		RoleSystem:          {"系统", "System"},
	},
	SetModel: {
		ModelInReview:         {"审定中", "In review"},
		ModelChangesRequested: {"要求修改", "Changes requested"},
		ModelApproved:         {"已通过", "Approved"},
		ModelRejected:         {"未通过", "Rejected"},
		ModelCancelled:        {"已取消", "Cancelled"},
	},
	SetEvaluation: {
		EvalSelf:          {"待自评", "Self-evaluation"},
		EvalRating:        {"待评定", "Rating"},
		EvalRectification: {"整改中", "Rectification"},
		EvalQualified:     {"合格", "Qualified"},
		EvalUnqualified:   {"不合格", "Unqualified"},
		EvalCancelled:     {"已取消", "Cancelled"},
		EvalLapsed:        {"授权结束时未完成", "Unfinished when the authorization ended"},
	},
	SetEnd: {
		EndExpired:    {"期满", "expired"},
		EndExit:       {"主动退出", "voluntary exit"},
		EndTerminated: {"终止授权", "terminated"},
		EndLapsed:     {"逾期视为撤回", "lapsed (deemed withdrawn)"},
	},
	SetAgreement: {
		AgreementAuthorization: {"授权协议", "Authorization agreement"},
		AgreementService:       {"授权开发利用服务协议", "Service agreement"},
		AgreementFiling:        {"服务协议备案", "Filing"},
		AgreementCommitment:    {"利用承诺", "Utilization commitment"},
		AgreementSupplement:    {"补充协议", "Supplementary agreement"},
	},
	SetAttachment: {
		AttachmentQualification:  {"资质证明", "Qualification certificate"},
		AttachmentSecurityPolicy: {"安全管理制度", "Security management rules"},
		AttachmentRequirements:   {"数据需求说明", "Statement of data requirements"},
		AttachmentConsent:        {"数据主体授权同意书", "Data subjects' consent"},
		AttachmentSupplement:     {"补正材料", "Supplementary material"},
		AttachmentReviewOpinion:  {"审查意见", "Review opinion"},
		AttachmentModelDoc:       {"模型说明文档", "Model documentation"},
		AttachmentSelfEvaluation: {"自评报告", "Self-evaluation report"},
		AttachmentRectification:  {"整改报告", "Rectification report"},
		AttachmentDestruction:    {"销毁证明", "Destruction certificate"},
	},
}

// Display is the name of code in set, in lang; the code itself when it
// has none, so that a missing name is seen rather than blank.
func Display(set, code, lang string) string {
	if n, ok := names[set][code]; ok {
		return n.In(lang)
	}
	return code
}

// StatusName is an application status as people read it.
func StatusName(status, lang string) string { return Display(SetStatus, status, lang) }

// KindName is a task kind as people read it.
func KindName(kind, lang string) string { return Display(SetKind, kind, lang) }

// DecisionName is a decision as people read it.
func DecisionName(decision, lang string) string { return Display(SetDecision, decision, lang) }

// RoleName is a role as people read it.
func RoleName(role, lang string) string { return Display(SetRole, role, lang) }

// EndName is an end reason as people read it.
func EndName(reason, lang string) string { return Display(SetEnd, reason, lang) }

// Word is the name of a code that a message carries without saying which
// set it is from: an application status, else a task kind, else a
// decision. ok is false when none has it. (Roles are left out: a demo
// user's login name can be a role's code.)
func Word(code, lang string) (name string, ok bool) {
	for _, set := range []string{SetStatus, SetKind, SetDecision} {
		if n, ok := names[set][code]; ok {
			return n.In(lang), true
		}
	}
	return code, false
}

// Catalog is every name in lang, keyed as the pages' catalogs key them:
// the set, a dot and the code ("status.active").
func Catalog(lang string) map[string]string {
	out := map[string]string{}
	for set, codes := range names {
		for code, n := range codes {
			out[set+"."+code] = n.In(lang)
		}
	}
	return out
}
