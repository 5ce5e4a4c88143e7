package httpctx

import (
	"testing"
	"time"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// Of zh-CN and English, the language with the higher weight wins; any
// other language, or none, leaves zh-CN.
func TestPrefersEnglish(t *testing.T) {
	for header, want := range map[string]bool{
		"":                            false,
		"en":                          true,
		"en-GB,en;q=0.9":              true,
		"zh-CN,zh;q=0.9,en;q=0.8":     false,
		"en;q=0.9,zh-CN;q=0.5":        true,
		"zh;q=0.4, en-US;q=0.6":       true,
		"fr-FR,de;q=0.9":              false,
		"fr,en;q=0.1":                 true,
		"EN-us":                       true,
		"zh-TW;q=0.9,en;q=bogus":      true, // an unreadable weight counts as 1
		"  en ; q=0.2 , zh ; q=0.3  ": false,
	} {
		if got := PrefersEnglish(header); got != want {
			t.Errorf("PrefersEnglish(%q) = %v, want %v", header, got, want)
		}
	}
}

// An open task's figures count working days of the statutory calendar: a
// task due after the National Day week has its holidays left out, and one
// past due counts the working days since. A closed task has none.
func TestDueFigures(t *testing.T) {
	cal, err := calendar.Default()
	if err != nil {
		t.Fatal(err)
	}
	d := &Deps{Calendar: cal}
	at := func(day string) time.Time {
		v, err := time.ParseInLocation(time.DateOnly, day, calendar.Zone)
		if err != nil {
			t.Fatal(err)
		}
		return v.Add(12 * time.Hour)
	}
	open := store.Task{Status: domain.TaskOpen, DueAt: at("2026-10-09")}
	left, overdue := d.DueFigures(open, at("2026-09-29"))
	if overdue != nil || left == nil || *left != cal.Between(at("2026-09-29"), at("2026-10-09")) || *left > 5 {
		t.Errorf("before the due date: left %v, overdue %v", deref(left), deref(overdue))
	}
	left, overdue = d.DueFigures(open, at("2026-10-13"))
	if left != nil || overdue == nil || *overdue != cal.Between(at("2026-10-09"), at("2026-10-13")) {
		t.Errorf("after the due date: left %v, overdue %v", deref(left), deref(overdue))
	}
	if l, o := d.DueFigures(store.Task{Status: domain.TaskDone, DueAt: open.DueAt}, at("2026-10-13")); l != nil || o != nil {
		t.Error("a decided task has working-day figures")
	}
}

func deref(p *int) any {
	if p == nil {
		return nil
	}
	return *p
}
