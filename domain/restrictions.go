package domain

// An authorization's restriction (《公共数据开放管理办法》第三十条 "限制措施…
// 予以公示…提起申诉"; 003 九(三) "暂停"; 000 三(七) "及时中止"): the
// bureau suspends an active authorization (access paused) or restricts it
// (access limited as the measure says), with reason and basis; while a
// measure is in force no model is submitted. The holder may appeal (申诉)
// within AppealDays; the bureau decides the appeal within
// AppealReviewDays, upholding the measure or lifting it, and may lift it
// at any time. Every measure and its outcome is published.
const (
	MeasureSuspend  = "suspend"
	MeasureRestrict = "restrict"
)

// Measures lists the measures.
func Measures() []string { return []string{MeasureSuspend, MeasureRestrict} }

// Task kinds and decisions of an appeal.
const (
	TaskAppeal       = "appeal"
	TaskAppealReview = "appeal_review"

	DecisionAppeal = "appeal"
	DecisionWaive  = "waive"
	DecisionLift   = "lift"
)

// A restriction's state.
const (
	RestrictionInForce = "in_force"
	RestrictionLifted  = "lifted"
	RestrictionEnded   = "ended"
)

// RestrictionStates lists a restriction's states.
func RestrictionStates() []string {
	return []string{RestrictionInForce, RestrictionLifted, RestrictionEnded}
}

// An appeal's state: none yet (within the period), pending, upheld (the
// measure stands), granted (lifted), waived, or lapsed (the period ran
// out).
const (
	AppealNone    = "none"
	AppealPending = "pending"
	AppealUpheld  = "upheld"
	AppealGranted = "granted"
	AppealWaived  = "waived"
	AppealLapsed  = "lapsed"
)

// AppealStates lists an appeal's states.
func AppealStates() []string {
	return []string{AppealNone, AppealPending, AppealUpheld, AppealGranted, AppealWaived, AppealLapsed}
}
