package domain

import (
	"go/build"
	"slices"
	"strings"
	"testing"
)

// Every word a page, a notification or a refusal can show has a name in
// both languages; the lists are the process's, with no word twice.
func TestEveryWordHasBothNames(t *testing.T) {
	sets := map[string][]string{
		SetStatus:       Statuses(),
		SetKind:         TaskKinds(),
		SetDecision:     Decisions(),
		SetRole:         append(Roles(), RoleSystem),
		SetModel:        ModelStatuses(),
		SetEvaluation:   EvaluationStatuses(),
		SetEnd:          EndReasons(),
		SetAgreement:    Agreements(),
		SetAttachment:   AttachmentKinds(),
		SetProcedure:    ProcedureKinds(),
		SetOutcome:      Outcomes(),
		SetDatasetState: DatasetStates(),
		SetChange:       ChangeKinds(),
		SetGround:       ObjectionGrounds(),
		SetMeasure:      Measures(),
		SetRestriction:  RestrictionStates(),
		SetAppeal:       AppealStates(),
	}
	for set, codes := range sets {
		if len(names[set]) != len(codes) {
			t.Errorf("%s: %d names for %d words", set, len(names[set]), len(codes))
		}
		seen := map[string]bool{}
		for _, c := range codes {
			if seen[c] {
				t.Errorf("%s: %q listed twice", set, c)
			}
			seen[c] = true
			n, ok := names[set][c]
			if !ok || n.Zh == "" || n.En == "" {
				t.Errorf("%s.%s: names %+v", set, c, n)
			}
		}
	}
	for _, k := range TaskKinds() {
		if len(AllowedDecisions(k)) == 0 {
			t.Errorf("kind %s accepts no decision", k)
		}
	}
	if got := ReviewKinds(); !slices.Equal(got, []string{TaskInitialReview, TaskDepartmentReview, TaskModelReview}) {
		t.Errorf("review kinds %v", got)
	}
	if AllowedDecisions("no_such_kind") != nil {
		t.Error("an unknown kind accepts decisions")
	}
	// A caller's edit of the answer does not reach the table.
	AllowedDecisions(TaskInitialReview)[0] = "x"
	if AllowedDecisions(TaskInitialReview)[0] != DecisionPass {
		t.Error("AllowedDecisions hands out its table")
	}
}

func TestNamesInEachLanguage(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{KindName(TaskUrgeReply, "zh-CN"), "答复督办"},
		{KindName(TaskUrgeReply, "en-GB"), "Reply to an urge"},
		{StatusName(StatusClosed, ""), "已办结"},
		{DecisionName("no_such", "en"), "no_such"},
		{Catalog("en")["model.rejected"], "Rejected"},
		{Catalog("zh-CN")["status.rejected"], "已驳回"},
	} {
		if c.got != c.want {
			t.Errorf("got %q, want %q", c.got, c.want)
		}
	}
	// A code that is both a status and a kind reads as the status.
	if w, ok := Word(StatusSupplement, "zh-CN"); !ok || w != "退回补正" {
		t.Errorf("Word(supplement) = %q, %v", w, ok)
	}
}

// The package is a leaf: it imports nothing of DataGate's.
func TestDomainIsALeaf(t *testing.T) {
	p, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range p.Imports {
		if strings.HasPrefix(imp, "github.com/datagate/") {
			t.Errorf("domain imports %s", imp)
		}
	}
}
