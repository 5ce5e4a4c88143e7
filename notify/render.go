package notify

import (
	"embed"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"text/template"
	"time"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/store"
)

// Message is a notification as one person reads it.
type Message struct {
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

//go:embed templates/*.tmpl
var templateFiles embed.FS

// Task kinds and application statuses as people read them. The kinds are
// the workflows' (workflows.Task*); a kind missing here shows as itself.
var (
	taskNames = map[string][2]string{ // kind: {zh-CN, en}
		"initial_review":     {"初审", "initial review"},
		"supplement":         {"补正材料", "supplementing the application"},
		"department_review":  {"部门审核", "department review"},
		"regulator_opinion":  {"行业主管部门意见", "regulator's opinion"},
		"sign_authorization": {"签署授权协议", "signing the authorization agreement"},
		"sign_service":       {"签署授权开发利用服务协议", "signing the service agreement"},
		"file_service":       {"服务协议备案", "filing the service agreement"},
		"sign_commitment":    {"签署利用承诺", "signing the utilization commitment"},
		"self_evaluation":    {"定期评估自评", "self-evaluation"},
		"rate_evaluation":    {"定期评估评级", "evaluation rating"},
		"exit_confirmation":  {"退出确认（数据返还与销毁）", "exit confirmation (data returned and destroyed)"},
		"exit_verification":  {"退出核验", "exit verification"},
		"model_review":       {"模型审定", "model review"},
		"model_revision":     {"模型修改", "model revision"},
		"urge_reply":         {"督办回复", "reply to an urge"},
		"flag_answer":        {"答复无依据驳回标记", "answer to a groundless-rejection flag"},
	}
	statusNames = map[string][2]string{
		"rejected":   {"未获通过（已驳回）", "rejected"},
		"withdrawn":  {"已撤回", "withdrawn"},
		"agreements": {"审核通过，进入协议签署", "approved; the agreements are to be signed"},
		"active":     {"授权已生效", "the authorization is in force"},
		"exiting":    {"授权终止，进入退出程序", "the authorization has ended; exit in progress"},
		"closed":     {"已办结", "closed"},
	}
	endReasons = map[string][2]string{
		"expired":    {"授权期满", "the period expired"},
		"exit":       {"主动退出", "voluntary exit"},
		"terminated": {"违规终止", "terminated for a violation"},
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

func named(names map[string][2]string, key, lang string) string {
	if n, ok := names[key]; ok {
		return n[langIndex(lang)]
	}
	return key
}

// TaskName is a task kind as people read it.
func TaskName(kind, lang string) string { return named(taskNames, kind, lang) }

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
			"task":     func(kind string) string { return named(taskNames, kind, lang) },
			"status":   func(s string) string { return named(statusNames, s, lang) },
			"reason":   func(s string) string { return named(endReasons, s, lang) },
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
	v := view{E: ev, D: ev.Data, Task: named(taskNames, ev.Data.TaskKind, lang), Digest: ev.Data.Digest,
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
// prefers: English when it weighs English above Chinese, else zh-CN.
func LanguageFor(acceptLanguage string) string {
	best, bestQ := store.LangZH, -1.0
	for _, part := range strings.Split(acceptLanguage, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		var lang string
		switch {
		case strings.HasPrefix(tag, "en"):
			lang = store.LangEN
		case strings.HasPrefix(tag, "zh"):
			lang = store.LangZH
		default:
			continue
		}
		q := 1.0
		if v, ok := strings.CutPrefix(strings.TrimSpace(params), "q="); ok {
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				q = f
			}
		}
		if q > bestQ {
			best, bestQ = lang, q
		}
	}
	return best
}
