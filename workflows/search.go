package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// Search attributes: what Temporal's own tools (`temporal workflow list
// --query`, the Web UI) can find workflows by. They must be registered in
// the namespace before a worker runs the workflows (datagate does it at
// start-up; see SearchAttributeTypes).
//
//	temporal workflow list --query 'DataGateOverdue = true'
//	temporal workflow list --query 'DataGateApplicantOrg = "acme-fintech" AND DataGateStep = "department_review"'
//	temporal workflow list --query 'DataGateApplicationId = 1'
var (
	// SearchApplicationID is the application's ID, on the application's
	// workflow and on its model reviews.
	SearchApplicationID = temporal.NewSearchAttributeKeyInt64("DataGateApplicationId")
	// SearchApplicantOrg is the applicant org's code, on both workflows.
	SearchApplicantOrg = temporal.NewSearchAttributeKeyKeyword("DataGateApplicantOrg")
	// SearchStep is the application's status: its current step
	// (initial_review, department_review, agreements, active, ...).
	SearchStep = temporal.NewSearchAttributeKeyKeyword("DataGateStep")
	// SearchOverdue is true while one of the application's open tasks is
	// past its due time.
	SearchOverdue = temporal.NewSearchAttributeKeyBool("DataGateOverdue")
)

// SearchAttributeTypes are the custom search attributes to register in the
// namespace, by name.
func SearchAttributeTypes() map[string]enumspb.IndexedValueType {
	return map[string]enumspb.IndexedValueType{
		SearchApplicationID.GetName(): enumspb.INDEXED_VALUE_TYPE_INT,
		SearchApplicantOrg.GetName():  enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SearchStep.GetName():          enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SearchOverdue.GetName():       enumspb.INDEXED_VALUE_TYPE_BOOL,
	}
}

// searchAttributesChange guards the search attribute upserts: histories
// recorded before them replay without them (workflow.GetVersion).
const searchAttributesChange = "search-attributes"

// searchState is the last upserted value of the attributes that change.
type searchState struct {
	set     bool
	step    string
	overdue bool
}
