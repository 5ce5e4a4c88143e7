package notify

import (
	"embed"
	"fmt"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/httpctx"
	"github.com/datagate/datagate/store"
)

// Message is a notification as one person reads it.
type Message struct {
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

//go:embed templates/*.tmpl
var templateFiles embed.FS

// What a change of status tells the applicant, as a phrase of its own (the
// statuses' names are domain.StatusName's); a status missing here shows
// by its name.
var (
	statusNames = map[string][2]string{
		"rejected":   {"未获通过（已驳回）", "rejected"},
		"withdrawn":  {"已撤回", "withdrawn"},
		"agreements": {"审核通过，进入协议签署", "approved; the agreements are to be signed"},
		"active":     {"授权已生效", "the authorization is in force"},
		"exiting":    {"授权终止，进入退出程序", "the authorization has ended; exit in progress"},
		"closed":     {"已办结", "closed"},
	}
)

// Languages reports the notification languages, the first the default.
func Languages() []string { return []string{store.LangZH, store.LangEN} }

// langIndex is 0 for Chinese (the default) and 1 for English.
func langIndex(lang string) int {
	if strings.HasPrefix(strings.ToLower(lang), "en") {
		return 1
	}
	return 0
}

// statusNews is what a change to status tells the applicant.
func statusNews(status, lang string) string {
	if n, ok := statusNames[status]; ok {
		return n[langIndex(lang)]
	}
	return domain.StatusName(status, lang)
}

// view is what a template sees.
type view struct {
	E      store.NotifyEvent
	D      store.EventData
	Task   string // the task kind's name
	Dept   string // the department's name
	Sign   bool   // the task is a signature
	Digest *store.Digest
	// Overdue and DueSoon total a digest's departments.
	Overdue, DueSoon int
}

// renderer holds the parsed templates of each language.
type renderer struct {
	sets [2]*template.Template
}

var loadRenderer = sync.OnceValues(func() (*renderer, error) {
	r := &renderer{}
	for i, lang := range Languages() {
		funcs := template.FuncMap{
			"date":     func(t any) string { return formatTime(t, time.DateOnly) },
			"datetime": func(t any) string { return formatTime(t, "2006-01-02 15:04") },
			"task":     func(kind string) string { return domain.KindName(kind, lang) },
			"status":   func(s string) string { return statusNews(s, lang) },
			"reason":   func(s string) string { return domain.EndName(s, lang) },
			"outcome":  func(s string) string { return domain.Display(domain.SetOutcome, s, lang) },
			"dept": func(d store.DigestDepartment) string {
				if i == 1 && d.NameEn != "" {
					return d.NameEn
				}
				if d.Name != "" {
					return d.Name
				}
				return d.Department
			},
			"pct": func(r *float64) string {
				if r == nil {
					return map[bool]string{true: "n/a", false: "无"}[i == 1]
				}
				return fmt.Sprintf("%.1f%%", *r*100)
			},
			"sub": func(a, b int) int { return a - b },
		}
		t, err := template.New(lang).Funcs(funcs).Option("missingkey=error").
			ParseFS(templateFiles, "templates/"+lang+".tmpl")
		if err != nil {
			return nil, fmt.Errorf("parse the %s notification templates: %w", lang, err)
		}
		r.sets[i] = t
	}
	return r, nil
})

// formatTime formats a time or a *time.Time in Asia/Shanghai; nil is "—".
func formatTime(v any, layout string) string {
	switch t := v.(type) {
	case time.Time:
		return t.In(calendar.Zone).Format(layout)
	case *time.Time:
		if t != nil {
			return t.In(calendar.Zone).Format(layout)
		}
	}
	return "—"
}

// Render writes an event in a language (zh-CN unless lang starts with
// "en").
func Render(ev store.NotifyEvent, lang string) (Message, error) {
	r, err := loadRenderer()
	if err != nil {
		return Message{}, err
	}
	i := langIndex(lang)
	v := view{E: ev, D: ev.Data, Task: domain.KindName(ev.Data.TaskKind, lang), Digest: ev.Data.Digest,
		Sign: strings.HasPrefix(ev.Data.TaskKind, "sign_")}
	v.Dept = ev.Data.DepartmentName
	if i == 1 && ev.Data.DepartmentNameEn != "" {
		v.Dept = ev.Data.DepartmentNameEn
	}
	if v.Dept == "" {
		v.Dept = ev.Data.Department
	}
	if v.Digest != nil {
		for _, d := range v.Digest.Departments {
			v.Overdue += d.OverdueCount
			v.DueSoon += d.DueSoonCount
		}
	} else if strings.HasPrefix(ev.Kind, "digest.") {
		v.Digest = &store.Digest{}
	}
	var subject, body strings.Builder
	set := r.sets[i]
	if set.Lookup(ev.Kind+".subject") == nil {
		return Message{}, fmt.Errorf("no template for notifications of kind %q", ev.Kind)
	}
	if err := set.ExecuteTemplate(&subject, ev.Kind+".subject", v); err != nil {
		return Message{}, fmt.Errorf("render the subject of event %d: %w", ev.ID, err)
	}
	if err := set.ExecuteTemplate(&body, ev.Kind+".body", v); err != nil {
		return Message{}, fmt.Errorf("render event %d: %w", ev.ID, err)
	}
	return Message{
		Subject: strings.Join(strings.Fields(subject.String()), " "),
		Body:    strings.TrimSpace(body.String()) + "\n",
	}, nil
}

// LanguageFor picks the notification language an Accept-Language header
// prefers, by the API's rule (httpctx.PrefersEnglish): English when it
// weighs English above Chinese, else zh-CN.
func LanguageFor(acceptLanguage string) string {
	if httpctx.PrefersEnglish(acceptLanguage) {
		return store.LangEN
	}
	return store.LangZH
}
