package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/notify"
	"github.com/datagate/datagate/store"
)

// The reminder before a step that lapses says what happens at the
// deadline: the notice the applicant gets before its application is deemed
// withdrawn.
func TestReminderWarnsOfTheLapse(t *testing.T) {
	due := time.Date(2026, 3, 16, 15, 59, 59, 0, time.UTC)
	for kind, want := range map[string][2]string{
		"supplement":        {"视为撤回", "deemed withdrawn"},
		"sign_commitment":   {"视为撤回", "deemed withdrawn"},
		"exit_confirmation": {"未履行退出义务", "not complied"},
		"department_review": {"", ""},
	} {
		for i, lang := range []string{"zh-CN", "en"} {
			msg, err := notify.Render(store.NotifyEvent{ID: 1, Kind: store.EventTaskReminded, Org: "acme-fintech", ApplicationID: 7,
				TaskID: "application-7-t3", Data: store.EventData{TaskKind: kind, Department: "acme-fintech", DueAt: &due}}, lang)
			if err != nil {
				t.Fatal(err)
			}
			if want[i] == "" {
				if strings.Contains(msg.Body, "撤回") || strings.Contains(msg.Body, "withdrawn") {
					t.Errorf("%s %s warns of a lapse it does not have: %s", kind, lang, msg.Body)
				}
			} else if !strings.Contains(msg.Body, want[i]) {
				t.Errorf("%s %s: %q not in %s", kind, lang, want[i], msg.Body)
			}
		}
	}
}
