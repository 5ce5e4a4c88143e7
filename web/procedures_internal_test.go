package web

import (
	"testing"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// The words the procedures' pages look up by a value (a step's reason
// hint, a dataset state's explanation, what a notification about a step
// says) are in both catalogs, for every value.
func TestProcedureWordsAreInTheCatalogs(t *testing.T) {
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, k := range []string{domain.TaskCatalogReview, domain.TaskCatalogRevise, domain.TaskCatalogConsult,
		domain.TaskRequestAssess, domain.TaskRequestProvide, domain.TaskObjectionHandle} {
		keys = append(keys, "reasonhint."+k)
	}
	for _, s := range domain.DatasetStates() {
		if s != domain.DatasetActive {
			keys = append(keys, "statehint."+s)
		}
	}
	for _, ev := range []string{store.EventTaskOpened, store.EventTaskReminded, store.EventTaskOverdue, store.EventTaskUrged,
		store.EventTaskDueMoved, store.EventTaskCancelled} {
		keys = append(keys, "note.proc."+ev)
	}
	for set, codes := range map[string][]string{domain.SetProcedure: domain.ProcedureKinds(), domain.SetOutcome: domain.Outcomes(),
		domain.SetChange: domain.ChangeKinds(), domain.SetGround: domain.ObjectionGrounds(), domain.SetDatasetState: domain.DatasetStates()} {
		for _, c := range codes {
			keys = append(keys, set+"."+c)
		}
	}
	for _, k := range keys {
		for _, l := range langs {
			if !cats[l].has(k) {
				t.Errorf("%s has no %q", l, k)
			}
		}
	}
}

// A procedure's title names its kind of change or its ground in the
// page's language; a title written otherwise is shown as written.
func TestProcedureTitleInEachLanguage(t *testing.T) {
	w := New(nil)
	change := store.Procedure{Kind: domain.ProcCatalogChange, Title: "撤销数据资源：DS-0001 行政许可",
		Proposal: &store.DatasetProposal{Change: domain.ChangeRetire, Code: "DS-0001"}}
	objection := store.Procedure{Kind: domain.ProcObjection, Title: "违反规定或约定开放：行政许可", Ground: domain.GroundUnlawful}
	request := store.Procedure{Kind: domain.ProcCatalogRequest, Title: "请求开放床位数据"}
	for _, c := range []struct {
		p          store.Procedure
		lang, want string
	}{
		{change, LangZh, "撤销数据资源：DS-0001 行政许可"},
		{change, LangEn, "Retire a dataset: DS-0001 行政许可"},
		{objection, LangEn, "Opened against the law or an agreement: 行政许可"},
		{request, LangEn, "请求开放床位数据"},
		{store.Procedure{Kind: domain.ProcObjection, Title: "another title", Ground: domain.GroundError}, LangEn, "another title"},
	} {
		if got := w.procTitle(c.lang, c.p); got != c.want {
			t.Errorf("%s: %q, want %q", c.lang, got, c.want)
		}
	}
}
