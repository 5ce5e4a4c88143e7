package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/internal/browsertest"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/worker"
)

// TestBrowserProcedures runs a catalog change through the pages on an
// embedded Temporal server with a worker: a department proposes a dataset
// on /catalog/propose (its refusal shown at the field it names, its data
// items sent as a list), lands on the new procedure's page, and the bureau
// approves it from its inbox; the dataset is then in the catalog, its
// first version in its history.
func TestBrowserProcedures(t *testing.T) {
	chromium := browsertest.Chromium(t)
	if testing.Short() {
		t.Skip("starts a browser")
	}
	e := newEnv(t)
	e.wallClock()
	tc := startTemporal(t)
	e.srv.Temporal = tc
	w := worker.New(tc, &activities.Activities{Store: e.st, Calendar: e.srv.Calendar}, time.Second)
	if err := w.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	bctx := browsertest.Start(t, chromium)

	health := signedInTab(t, bctx, e, "reviewer-health")
	health.open("/catalog")
	health.click("#propose-link")
	health.waitURL("/catalog/propose")
	health.set("#new-code", "DS-0901")
	health.set("#new-name", "医疗机构用电数据")
	health.set("#new-fields", "机构名称\n\n  月用电量  \n")
	health.set("#new-open", "conditional")
	health.set("#new-grade", "2")
	health.set("#new-conditions", "仅限沙箱使用")
	// Conditional data without its grounds: refused at the grounds.
	if msg := health.submitExpectingError("#propose-submit"); !strings.Contains(msg, "依据") || strings.Contains(msg, "proposal.") {
		t.Errorf("no grounds: %q", msg)
	}
	if got := health.fieldError("#new-grounds"); got == "" {
		t.Errorf("the refusal is not at the grounds")
	}
	health.set("#new-grounds", "涉及企业经营信息，《公共数据开放管理办法》第九条")
	health.submit("#propose-submit")
	path := health.poll("the procedure's page", `location.pathname.startsWith('/procedures/') && document.readyState === 'complete' ? location.pathname : ''`)
	if h := health.text("h1"); !strings.Contains(h, "新增数据资源：DS-0901 医疗机构用电数据") {
		t.Errorf("the procedure's page: %q", h)
	}
	if flash := health.poll("the flash", `document.querySelector('#flash .flash')?.textContent || ''`); !strings.Contains(flash, "已提交目录审核") {
		t.Errorf("flash %q", flash)
	}
	procs, _, err := e.st.Procedures(context.Background(), store.ProcedureFilter{Kind: domain.ProcCatalogChange})
	if err != nil || len(procs) != 1 || procs[0].Proposal == nil {
		t.Fatalf("the filed change: %+v %v", procs, err)
	}
	if got := procs[0].Proposal; strings.Join(got.Fields, "|") != "机构名称|月用电量" || got.Grade != 2 || got.OpenAttribute != "conditional" {
		t.Errorf("the proposal as sent: %+v", got)
	}

	bureau := signedInTab(t, bctx, e, "bureau_officer")
	bureau.open("/inbox")
	bureau.wait(`li.task.card`)
	if got := bureau.text(`li.task.card h3`); !strings.Contains(got, "DS-0901") {
		t.Errorf("the bureau's card: %q", got)
	}
	bureau.submit(`li.task.card button[name="decision"][value="approve"]`)
	deadline := time.Now().Add(20 * time.Second)
	for {
		ds, err := e.st.DatasetsByCode(context.Background(), []string{"DS-0901"})
		if err == nil && ds["DS-0901"].State == domain.DatasetActive {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("DS-0901 was not published: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	health.open(path)
	health.wait("main")
	if got := health.text("main"); !strings.Contains(got, "已发布") || !strings.Contains(got, "同意") {
		t.Errorf("the procedure after the approval: %.400s", got)
	}
	health.open("/catalog/DS-0901")
	health.wait("#dataset-history")
	if got := health.text("#dataset-history"); !strings.Contains(got, "第 1 版") || !strings.Contains(got, "新增数据资源") {
		t.Errorf("the dataset's history: %q", got)
	}
	if got := health.text("#dataset-grounds"); !strings.Contains(got, "第九条") || !strings.Contains(got, "仅限沙箱使用") {
		t.Errorf("the dataset's grounds and conditions: %q", got)
	}
}
