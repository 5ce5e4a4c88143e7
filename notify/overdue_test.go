package notify_test

import (
	"strings"
	"testing"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/notify"
	"github.com/datagate/datagate/store"
)

// An overdue task says who was told: a department's is reported to the
// supervision office; an applicant's own step is not, and the org awaiting
// it is asked to follow it up.
func TestOverdueSaysWhoIsTold(t *testing.T) {
	due := cst(2026, 3, 20, 23, 59)
	event := func(org, dept, kind string, applicant bool) store.NotifyEvent {
		return store.NotifyEvent{ID: 1, Kind: store.EventTaskOverdue, Org: org, ApplicationID: 7, TaskID: "application-7-t3",
			Data: store.EventData{Title: "小微企业信贷风控", TaskKind: kind, Department: dept, DepartmentName: "某科技公司",
				DepartmentNameEn: "Acme", DueAt: &due, ApplicantStep: applicant}}
	}
	cases := []struct {
		name     string
		ev       store.NotifyEvent
		lang     string
		has, not []string
	}{
		{"the department", event("gsa", "gsa", domain.TaskDepartmentReview, false), store.LangZH, []string{"已报督查部门"}, nil},
		{"the supervision office", event("inspect", "gsa", domain.TaskDepartmentReview, false), store.LangEN, []string{"Supervision: a task of Acme"}, nil},
		{"the applicant", event("acme-fintech", "acme-fintech", domain.TaskSupplement, true), store.LangZH,
			[]string{"贵单位作为申请人的待办事项已超过办理期限"}, []string{"督查"}},
		{"the applicant in English", event("acme-fintech", "acme-fintech", domain.TaskSupplement, true), store.LangEN,
			[]string{"Your task as the applicant is past its deadline"}, []string{"upervision"}},
		{"the org awaiting it", event("bdc", "acme-fintech", domain.TaskSupplement, true), store.LangZH,
			[]string{"申请人 某科技公司 的待办事项已超过办理期限，请跟进"}, []string{"督查"}},
		{"the org awaiting it in English", event("bdc", "acme-fintech", domain.TaskSupplement, true), store.LangEN,
			[]string{"The applicant Acme is past the deadline of its task; follow it up"}, []string{"upervision"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg, err := notify.Render(c.ev, c.lang)
			must(t, err)
			for _, s := range c.has {
				if !strings.Contains(msg.Body, s) {
					t.Errorf("body lacks %q:\n%s", s, msg.Body)
				}
			}
			for _, s := range c.not {
				if strings.Contains(msg.Subject+msg.Body, s) {
					t.Errorf("message says %q:\n%s\n%s", s, msg.Subject, msg.Body)
				}
			}
		})
	}
}

// An automatic urge tells each org its part: the department to act, the
// applicant that it may withdraw while a review keeps it waiting, the
// bureau and supervision offices that they may urge for a written reply.
// None shows an empty message or the system as a person.
func TestAutomaticUrgeSaysWhoIsTold(t *testing.T) {
	due := cst(2026, 3, 20, 23, 59)
	event := func(org, kind string, applicant bool) store.NotifyEvent {
		return store.NotifyEvent{ID: 1, Kind: store.EventTaskUrged, Org: org, ApplicationID: 7, TaskID: "application-7-t3",
			Data: store.EventData{Title: "小微企业信贷风控", TaskKind: kind, Department: "gsa", DepartmentName: "市场监管局",
				DepartmentNameEn: "SAMR", DueAt: &due, Supervisor: store.AutomaticUrger, Automatic: true, ToApplicant: applicant}}
	}
	cases := []struct {
		name     string
		ev       store.NotifyEvent
		lang     string
		has, not []string
	}{
		{"the department", event("gsa", domain.TaskDepartmentReview, false), store.LangZH, []string{"系统已自动督办", "请尽快办理"}, []string{"撤回"}},
		{"the applicant", event("acme-fintech", domain.TaskDepartmentReview, true), store.LangZH, []string{"市场监管局", "可说明理由撤回申请"}, nil},
		{"the applicant, a model's review", event("acme-fintech", domain.TaskModelReview, true), store.LangEN, []string{"SAMR"}, []string{"withdraw"}},
		{"the supervision office", event("inspect", domain.TaskDepartmentReview, false), store.LangEN, []string{"Urge it yourself"}, []string{"withdraw"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			msg, err := notify.Render(c.ev, c.lang)
			must(t, err)
			for _, s := range append(c.not, "督办意见", "Message:", "system") {
				if strings.Contains(msg.Body, s) {
					t.Errorf("body says %q:\n%s", s, msg.Body)
				}
			}
			for _, s := range c.has {
				if !strings.Contains(msg.Body, s) {
					t.Errorf("body lacks %q:\n%s", s, msg.Body)
				}
			}
		})
	}
}
