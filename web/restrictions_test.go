package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// A measure against an authorization on the pages: the application page
// shows it to everyone who reads the application, with the bureau's form
// to lift the measure in force (and to take one when none is); the public
// disclosure page publishes it with its outcome (第三十条 予以公示).
func TestRestrictionsOnThePages(t *testing.T) {
	e := newEnv(t)
	a := e.application("acme-fintech", "applicant", "小微企业信贷风控", domain.StatusActive, "DS-0100")
	path := fmt.Sprintf("/applications/%d", a.ID)
	bureau := e.as("bureau_officer")
	mustContain(t, "no measure yet", bureau.get(path), `data-api="/api/v1/applications/`+fmt.Sprint(a.ID)+`/restrict"`, "暂停或限制授权")
	now := e.clock.Now()
	if err := e.st.Apply(context.Background(), store.Change{Restrictions: []store.Restriction{{ApplicationID: a.ID, No: 1,
		Measure: domain.MeasureSuspend, Reason: "超范围使用数据", Basis: "《公共数据开放管理办法》第三十条", ImposedBy: "bureau_officer",
		StartedAt: now, State: domain.RestrictionInForce, Appeal: domain.AppealPending, AppealReason: "使用范围已获书面同意"}}}); err != nil {
		t.Fatal(err)
	}
	p := bureau.get(path)
	mustContain(t, "a measure in force, for the bureau", p, `class="restriction-banner"`, "暂停授权", "超范围使用数据",
		"使用范围已获书面同意", "申诉处理中", `/restriction/lift"`, "解除措施")
	if strings.Contains(p.Body, `/restrict"`) {
		t.Error("the bureau is offered a second measure while one is in force")
	}
	own := e.as("applicant").get(path)
	mustContain(t, "the holder's page", own, "暂停授权", "超范围使用数据")
	if strings.Contains(own.Body, `/restriction/lift"`) || strings.Contains(own.Body, "bureau_officer") {
		t.Error("the holder sees the bureau's form or a login name")
	}
	en := e.as("applicant")
	en.lang = "en"
	mustContain(t, "in English", en.get(path), "Suspension", "Appeal pending")
	pub := e.as("").get("/disclosure")
	mustContain(t, "the public disclosure", pub, `id="measures"`, "违法违规行为及处理措施公示", "小微企业信贷风控", "暂停授权",
		"《公共数据开放管理办法》第三十条", "执行中")
}
