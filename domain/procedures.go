package domain

// The statutory procedures beside the application, each a workflow of its
// own with its own clock (《公共数据开放管理办法》):
//
//   - a catalog change (第九条–第十三条): a provider department proposes a
//     dataset, a change of one, or its retirement; the bureau approves,
//     rejects, or suggests changes; a department that disagrees with the
//     suggestion takes it to joint consultation (联合会商), whose outcome
//     the bureau records;
//   - an out-of-catalog request (第十八条): the holding department refuses
//     within 5 working days of receiving it, with reasons, or provides the
//     data within 20, by proposing its catalog entry, which the bureau
//     reviews as a catalog change;
//   - an objection to published data (第二十九条): the department handles
//     it within 15 working days by withdrawing the data, opening it after
//     treatment, or keeping it open; an objection about personal
//     information suspends the dataset at once.
const (
	ProcCatalogChange  = "catalog_change"
	ProcCatalogRequest = "catalog_request"
	ProcObjection      = "objection"
)

// ProcedureKinds lists the procedure kinds.
func ProcedureKinds() []string {
	return []string{ProcCatalogChange, ProcCatalogRequest, ProcObjection}
}

// Task kinds of the procedures.
const (
	TaskCatalogReview   = "catalog_review"
	TaskCatalogRevise   = "catalog_revise"
	TaskCatalogConsult  = "catalog_consult"
	TaskRequestAssess   = "request_assess"
	TaskRequestProvide  = "request_provide"
	TaskObjectionHandle = "objection_handle"
)

// Decisions of the procedures' tasks.
const (
	DecisionSuggest      = "suggest"
	DecisionRevise       = "revise"
	DecisionDisagree     = "disagree"
	DecisionAccept       = "accept"
	DecisionRefuse       = "refuse"
	DecisionProvide      = "provide"
	DecisionWithdrawData = "withdraw_data"
	DecisionTreatAndOpen = "treat_and_open"
	DecisionKeepOpen     = "keep_open"
)

// Outcomes of a procedure: open until it ends with one of the others.
const (
	OutcomeOpen          = "open"
	OutcomePublished     = "published"
	OutcomeRejected      = "rejected"
	OutcomeProvided      = "provided"
	OutcomeRefused       = "refused"
	OutcomeDataWithdrawn = "data_withdrawn"
	OutcomeTreated       = "treated"
	OutcomeKeptOpen      = "kept_open"
)

// Outcomes lists the outcomes.
func Outcomes() []string {
	return []string{OutcomeOpen, OutcomePublished, OutcomeRejected, OutcomeProvided, OutcomeRefused,
		OutcomeDataWithdrawn, OutcomeTreated, OutcomeKeptOpen}
}

// Catalog change kinds: what a proposal does to the catalog.
const (
	ChangeCreate = "create"
	ChangeModify = "modify"
	ChangeRetire = "retire"
)

// ChangeKinds lists the kinds of catalog change.
func ChangeKinds() []string { return []string{ChangeCreate, ChangeModify, ChangeRetire} }

// Dataset states: open, suspended (an objection about personal information
// pauses it at once), or withdrawn (retired, or withdrawn after an
// objection). A dataset that is not open cannot be requested; the
// authorizations already granted on it are not changed by its state.
const (
	DatasetActive    = "active"
	DatasetSuspended = "suspended"
	DatasetWithdrawn = "withdrawn"
)

// DatasetStates lists the dataset states.
func DatasetStates() []string { return []string{DatasetActive, DatasetSuspended, DatasetWithdrawn} }

// Objection grounds (第二十九条 (一)–(五)).
const (
	GroundPersonal  = "personal"  // 侵犯商业秘密、个人信息和隐私
	GroundAttribute = "attribute" // 开放属性不符合规定
	GroundQuality   = "quality"   // 质量不符合规定
	GroundError     = "error"     // 存在错误、遗漏
	GroundUnlawful  = "unlawful"  // 违反规定或约定开放
)

// ObjectionGrounds lists the grounds of an objection.
func ObjectionGrounds() []string {
	return []string{GroundPersonal, GroundAttribute, GroundQuality, GroundError, GroundUnlawful}
}
