package web

import (
	"slices"
	"strings"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// The statutory procedures beside the applications (domain/procedures.go):
// a provider department's catalog change, an applicant's request for data
// outside the catalog, an objection to published data. Each has its page
// (/procedures/:id) with what was filed, its steps and its record; its
// steps are tasks in the answering org's 待办, decided there or on the
// procedure's page through POST /api/v1/tasks/:id/decision.

// procTitle is a procedure's title in lang. The API writes the title of a
// catalog change and of an objection in Chinese, after the kind of change
// or the ground ("新增数据资源：DS-0901 …"): that word is said in lang.
func (w *Web) procTitle(lang string, p store.Procedure) string {
	set, code := "", ""
	switch {
	case p.Kind == domain.ProcCatalogChange && p.Proposal != nil:
		set, code = domain.SetChange, p.Proposal.Change
	case p.Kind == domain.ProcObjection:
		set, code = domain.SetGround, p.Ground
	default:
		return p.Title
	}
	rest, ok := strings.CutPrefix(p.Title, domain.Display(set, code, LangZh)+"：")
	if !ok {
		return p.Title
	}
	return w.cat[lang].translate("proc.title", domain.Display(set, code, lang), rest)
}

// frequencies are the catalog's update frequencies a form offers, in
// order (frequencyKeys says them in each language).
var frequencies = []string{"实时", "每日", "每周", "月度", "季度", "年度", "不定期更新"}

// openAttributes are the open attributes, in order.
var openAttributes = []string{store.OpenUnconditional, store.OpenConditional, store.OpenClosed}

// entryForm is the form of a catalog entry as a department proposes it (a
// new dataset, a change of one, the revision the bureau suggested, the
// entry that provides requested data): its inputs are named as the API
// reads them ("proposal.name", ...), and their ids start with ID.
type entryForm struct {
	ID    string
	Entry store.DatasetProposal
	// Fixed: the code is the procedure's or the dataset's, not chosen.
	Fixed bool
	// Lines are the data items, one a line.
	Lines string
	// Frequencies are the update frequencies offered: the known ones, and
	// the entry's own when it is another.
	Frequencies []string
	Attributes  []string
	Grades      []int
}

func newEntryForm(id string, e store.DatasetProposal, fixed bool) *entryForm {
	f := &entryForm{ID: id, Entry: e, Fixed: fixed, Lines: strings.Join(e.Fields, "\n"),
		Frequencies: slices.Clone(frequencies), Attributes: openAttributes, Grades: []int{1, 2, 3, 4}}
	if e.UpdateFrequency != "" && !slices.Contains(f.Frequencies, e.UpdateFrequency) {
		f.Frequencies = append(f.Frequencies, e.UpdateFrequency)
	}
	if f.Entry.Grade == 0 {
		f.Entry.Grade = 1
	}
	if f.Entry.OpenAttribute == "" {
		f.Entry.OpenAttribute = store.OpenUnconditional
	}
	return f
}

// entryOf is a dataset's catalog entry as a change of it starts.
func entryOf(d store.Dataset, change string) store.DatasetProposal {
	return store.DatasetProposal{Change: change, Code: d.Code, Name: d.Name, Summary: d.Summary, Fields: d.Fields,
		Format: d.Format, UpdateFrequency: d.UpdateFrequency, OpenAttribute: d.OpenAttribute, Grade: d.Grade,
		OpenConditions: d.OpenConditions, Grounds: d.Grounds, AuthorizedOperation: d.AuthorizedOperation}
}
