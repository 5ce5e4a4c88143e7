package web_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// 抄送: a reviewer whose department has a step sends the application to
// another department from its page; that department finds it under 抄送我的
// with the sender's display name, its org and the note, reads the
// application, and marks the copy read; the applicant sees no copies.
// Names are display names and org names, in Chinese and in English.
func TestCopiesOnThePages(t *testing.T) {
	e := newEnv(t)
	a := e.application("acme-fintech", "applicant", "小微企业信贷风控", domain.StatusDepartmentReview, "DS-0100")
	now := e.clock.Now()
	e.task(a, 2, domain.TaskDepartmentReview, "gsa", now, now.AddDate(0, 0, 20))
	appPath := fmt.Sprintf("/applications/%d", a.ID)

	gsa := e.as("reviewer-gsa")
	p := gsa.get(appPath)
	mustContain(t, "the sender's application page", p, `id="copies-`, "抄送他人", "市人力资源和社会保障局", `data-api="/api/v1/applications/1/copies"`)
	mustNotContain(t, "the sender's choices", p, `<option value="acme-fintech"`)
	hrss := e.as("reviewer-hrss")
	if p := hrss.get(appPath); p.Status != 404 {
		t.Fatalf("hrss reads the application before the copy: %d", p.Status)
	}
	mustContain(t, "hrss's copies, before", hrss.get("/inbox/copies"), "还没有抄送给您或本部门的申请")

	r := gsa.post("/api/v1/applications/1/copies", map[string]string{"to_org": "hrss", "note": "涉及贵局人才补贴数据，请知悉"})
	if r.Status != 201 {
		t.Fatalf("copy: %d %s", r.Status, r.Body)
	}
	var cp store.Copy
	if err := json.Unmarshal([]byte(r.Body), &cp); err != nil {
		t.Fatal(err)
	}
	p = hrss.get("/inbox/copies")
	mustContain(t, "hrss's copies", p, "小微企业信贷风控", "涉及贵局人才补贴数据，请知悉", "部门审核员 · 市政务服务管理局", "未读", "标记已阅")
	mustNotContain(t, "hrss's copies", p, "reviewer-gsa", ">gsa<")
	if p := hrss.get(appPath); p.Status != 200 {
		t.Errorf("hrss reads the application after the copy: %d", p.Status)
	}
	if r := hrss.post(fmt.Sprintf("/api/v1/copies/%d/read", cp.ID), nil); r.Status != 200 {
		t.Fatalf("read: %d %s", r.Status, r.Body)
	}
	mustContain(t, "hrss's unread copies", hrss.get("/inbox/copies?unread=1"), "没有未读的抄送")
	p = gsa.get(appPath)
	mustContain(t, "the copies on the application", p, "涉及贵局人才补贴数据，请知悉", "部门审核员 · 市人力资源和社会保障局 已阅",
		"<td>抄送</td><td>市人力资源和社会保障局</td>", "<td>已阅抄送</td><td>市人力资源和社会保障局</td>")
	mustNotContain(t, "the record of the copy", p, fmt.Sprintf("<td>%d hrss</td>", cp.ID))
	hrss.lang = "en"
	mustContain(t, "hrss's copies in English", hrss.get("/inbox/copies"), "Copied to me", "Municipal Government Services Administration", "Read by")

	app := e.as("applicant")
	p = app.get(appPath)
	if strings.Contains(p.Body, `id="copies-`) || strings.Contains(p.Body, "涉及贵局人才补贴数据") {
		i := strings.Index(p.Body, "涉及贵局人才补贴数据")
		t.Errorf("the applicant sees the copies: %s", p.Body[max(0, i-600):i+100])
	}
	if p := app.get("/inbox/copies"); p.Status != 403 {
		t.Errorf("the applicant's 抄送 list: %d", p.Status)
	}
}
