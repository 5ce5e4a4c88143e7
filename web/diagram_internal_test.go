package web

import (
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// pdTestWords speak lang from the real catalogs, with orgs named by a map.
func pdTestWords(t *testing.T, lang string) pdWords {
	t.Helper()
	cats, err := loadCatalogs()
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{"bdc": "市大数据发展中心", "gsa": "市政务服务管理局", "health": "市卫生健康委员会",
		"commerce": "市商务局", "nfra": "国家金融监督管理总局市监管分局", "stbd": "市科技与大数据局", "gdo": "市政务数据运营有限公司",
		"acme": "恒信数智金融科技有限公司"}
	return pdWords{lang: lang, t: func(k string, args ...any) string { return cats[lang].translate(k, args...) },
		org: func(code string) string {
			if n, ok := names[code]; ok {
				return n
			}
			return code
		}}
}

func TestWrapKeepsToTheWidth(t *testing.T) {
	cases := []struct {
		s        string
		width    float64
		maxLines int
		want     []string
	}{
		{"初审", 100, 2, []string{"初审"}},
		{"确认数据返还与销毁", 14 * 5, 2, []string{"确认数据返", "还与销毁"}},
		{"Confirm data return and destruction", 150, 2, []string{"Confirm data return", "and destruction"}},
		{"Decided by Municipal Big Data Development Center", 150, 2, []string{"Decided by", "Municipal Big Data…"}},
		{"Supercalifragilisticexpialidocious", 80, 3, nil}, // cut between letters
	}
	for _, c := range cases {
		got := pdWrap(c.s, 14, c.width, c.maxLines, false)
		if c.want != nil && strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("wrap %q to %.0f: %q, want %q", c.s, c.width, got, c.want)
		}
		if len(got) == 0 || len(got) > c.maxLines {
			t.Errorf("wrap %q: %d lines", c.s, len(got))
		}
		for _, l := range got {
			if w := pdTextWidth(l, 14, false); w > c.width {
				t.Errorf("wrap %q: line %q is %.0f wide, more than %.0f", c.s, l, w, c.width)
			}
		}
		if c.want == nil && strings.ReplaceAll(strings.Join(got, ""), "…", "") == "" {
			t.Errorf("wrap %q lost the text: %q", c.s, got)
		}
	}
}

// layoutCase is a diagram with every kind of stage: the initial review
// with its supplement beside it, five departments (one with its
// regulator) in a frame, a single step, a frame of two, and the end.
func layoutCase() *pdModel {
	n := func(step, name string) *pdNode {
		return &pdNode{Step: step, Name: name, State: pdDone, Due: "期限 2026-03-02", Who: "决定：市大数据发展中心"}
	}
	ir, sup := n("initial_review", "初审"), n("supplement", "退回补正")
	depts := [][]*pdNode{{n("department_review", "部门审核")}, {n("department_review", "部门审核"), n("regulator_opinion", "行业主管部门意见")},
		{n("department_review", "部门审核")}, {n("department_review", "部门审核")}, {n("department_review", "部门审核")}}
	long := n("exit_confirmation", "Confirm data return and destruction, a name long enough to wrap onto a second line and more")
	term := &pdNode{Step: "terminal", Name: "已办结", State: pdFuture, Terminal: true}
	return &pdModel{Stages: []*pdStage{
		{Lines: [][]*pdNode{{ir, sup}}, Gap: pdLoopGap, main: ir, links: []pdLink{{from: ir, to: sup, kind: pdLinkReturn, label: "退回补正", done: true},
			{from: sup, to: ir, kind: pdLinkResubmit, label: "重新提交"}}},
		{Box: "各数据提供部门并行审核", Lines: packUnits(depts, 2)},
		{Lines: [][]*pdNode{{long}}, main: long},
		{Box: "授权协议与利用承诺同时签署", Lines: [][]*pdNode{{n("agreement", "授权协议"), n("agreement", "利用承诺")}}},
		{Lines: [][]*pdNode{{term}}, main: term},
	}}
}

func TestLayoutPlacesStagesTopDownWithoutOverlap(t *testing.T) {
	m := layoutCase()
	m.layout()
	var all []*pdNode
	prevBottom := 0.0
	for i, s := range m.Stages {
		if s.top < prevBottom+pdStageGap-0.01 && i > 0 {
			t.Errorf("stage %d starts at %.1f, %.1f after the previous one", i, s.top, s.top-prevBottom)
		}
		prevBottom = s.bottom
		for _, line := range s.Lines {
			for _, n := range line {
				all = append(all, n)
				if n.y != line[0].y || n.h != line[0].h {
					t.Errorf("stage %d: %q is not level with %q", i, n.Name, line[0].Name)
				}
				if n.y < s.top || n.bottom() > s.bottom {
					t.Errorf("stage %d: %q (%.1f–%.1f) is outside its stage (%.1f–%.1f)", i, n.Name, n.y, n.bottom(), s.top, s.bottom)
				}
				minX, maxX := pdMargin, pdWidth-pdMargin
				if s.Box != "" {
					minX, maxX = minX+pdBoxPad, maxX-pdBoxPad
				}
				if n.x < minX-0.01 || n.right() > maxX+0.01 {
					t.Errorf("stage %d: %q spans %.1f–%.1f, outside %.1f–%.1f", i, n.Name, n.x, n.right(), minX, maxX)
				}
				for _, l := range append(append([]string{}, n.nameLines...), n.subs...) {
					size := pdSubSize
					if len(n.nameLines) > 0 && l == n.nameLines[0] {
						size = pdNameSize
					}
					if w := pdTextWidth(l, size, size == pdNameSize); w > n.w-pdTextX-pdPadRight+0.01 && !n.Terminal {
						t.Errorf("%q: line %q is %.0f wide in a node of %.0f", n.Name, l, w, n.w)
					}
				}
			}
		}
	}
	for i, a := range all {
		for _, b := range all[i+1:] {
			if a.x < b.right() && b.x < a.right() && a.y < b.bottom() && b.y < a.bottom() {
				t.Errorf("%q and %q overlap", a.Name, b.Name)
			}
		}
	}
	if last := m.Stages[len(m.Stages)-1]; m.Height < last.bottom {
		t.Errorf("the height %.1f cuts the last stage at %.1f", m.Height, last.bottom)
	}
	// Five departments, one with its regulator, two to a line: the one with
	// the regulator keeps it beside it; an odd one out is centred.
	depts := m.Stages[1].Lines
	if len(depts) != 4 {
		t.Fatalf("%d lines of departments, want 4", len(depts))
	}
	if len(depts[1]) != 2 || depts[1][1].Step != "regulator_opinion" || depts[1][0].Step != "department_review" {
		t.Errorf("the regulator is not beside its department: %v", depts[1])
	}
	if odd := depts[0][0]; len(depts[0]) != 1 || odd.cx() != pdWidth/2 {
		t.Errorf("a lone department is not centred: %d at %.1f", len(depts[0]), odd.cx())
	}
	// The long name wraps onto two lines and the node grows with it.
	long := m.Stages[2].Lines[0][0]
	if len(long.nameLines) != 2 || !strings.HasSuffix(long.nameLines[1], "…") || long.h <= m.Stages[4].Lines[0][0].h {
		t.Errorf("long name: %q, height %.1f", long.nameLines, long.h)
	}
	// The initial review and its supplement side by side, the loop's gap
	// between them; the flow leaves from the initial review.
	ir, sup := m.Stages[0].Lines[0][0], m.Stages[0].Lines[0][1]
	if sup.x-ir.right() != pdLoopGap || m.Stages[0].anchor() != ir.cx() {
		t.Errorf("initial review %.1f–%.1f, supplement from %.1f, anchor %.1f", ir.x, ir.right(), sup.x, m.Stages[0].anchor())
	}
	if m.Stages[4].Lines[0][0].w != pdTermW {
		t.Errorf("the end is not a pill")
	}
}

// TestSVGIsWellFormed: the drawing parses as XML, carries its title and
// description, nothing focusable, and one group per node.
func TestSVGIsWellFormed(t *testing.T) {
	m := layoutCase()
	m.layout()
	svg := m.svg("process-9", `标题 <"&'>`, "说明")
	dec := xml.NewDecoder(strings.NewReader(svg))
	groups := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed: %v\n%s", err, svg)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local == "a" {
				t.Error("a link in the SVG")
			}
			for _, a := range se.Attr {
				if a.Name.Local == "tabindex" || a.Name.Local == "href" || a.Name.Local == "style" {
					t.Errorf("%s has %s", se.Name.Local, a.Name.Local)
				}
				if a.Name.Local == "class" && strings.HasPrefix(a.Value, "pd-node ") {
					groups++
				}
				// The style sheet shows a unit at 1.14 px at desktop width
				// (40rem for 560 units): 12 px needs 10.5 units; none is
				// smaller than 13.
				if a.Name.Local == "font-size" {
					if size, err := strconv.ParseFloat(a.Value, 64); err != nil || size < 13 {
						t.Errorf("text at %q units", a.Value)
					}
				}
			}
		}
	}
	if groups != 12 {
		t.Errorf("%d node groups, want 12", groups)
	}
	for _, s := range []string{`role="img"`, `<title id="process-9-t">标题 &lt;&#34;&amp;&#39;&gt;</title>`, `<desc id="process-9-d">说明</desc>`,
		`class="pd-arc return done"`, `class="pd-arc resubmit future"`, `viewBox="0 0 560 `} {
		if !strings.Contains(svg, s) {
			t.Errorf("the SVG lacks %s", s)
		}
	}
}

// pdTestTask is a task of the application under test as the page shows it.
func pdTestTask(kind, org, subject, status, decision string, round int, due time.Time, overdue bool) taskView {
	tv := taskView{Task: store.Task{Kind: kind, Department: org, Subject: subject, Status: status, Decision: decision, Round: round,
		OpenedAt: due.Add(-7 * 24 * time.Hour), DueAt: due}, IsOverdue: overdue}
	return tv
}

func pdStatesOf(m *pdModel) string {
	var out []string
	for _, s := range m.Stages {
		for _, n := range s.nodes() {
			out = append(out, n.Step+":"+n.State)
		}
	}
	return strings.Join(out, " ")
}

// TestBuildDiagramFollowsTheCase builds the diagram of cases in the
// middle: back with the applicant for supplement, signing the agreements,
// and in the exit with the confirmation sent back once.
func TestBuildDiagramFollowsTheCase(t *testing.T) {
	wd := pdTestWords(t, LangZh)
	due := time.Date(2026, 3, 2, 23, 59, 0, 0, time.UTC)
	app := store.Application{ID: 3, ApplicantOrg: "acme", Datasets: []store.ApplicationDataset{{DatasetCode: "DS-1", Department: "gsa"}}}

	// Returned for supplement: the supplement is current, the way back
	// greyed.
	app.Status = domain.StatusSupplement
	av := appView{App: app, Steps: []taskView{
		pdTestTask(domain.TaskInitialReview, "bdc", "", domain.TaskDone, domain.DecisionReturn, 1, due, false),
		pdTestTask(domain.TaskSupplement, "acme", "", domain.TaskOpen, "", 1, due.Add(48*time.Hour), false),
	}}
	m := buildDiagram(wd, av)
	want := "initial_review:done supplement:current department_review:future agreement:future agreement:future agreement:future agreement:future active:future end:future exit_confirmation:future exit_verification:future terminal:future"
	if got := pdStatesOf(m); got != want {
		t.Errorf("supplement:\n got %s\nwant %s", got, want)
	}
	if l := m.Stages[0].links; len(l) != 2 || !l[0].done || l[1].done || l[0].label != "退回补正" {
		t.Errorf("supplement: links %+v", l)
	}
	if sup := m.Stages[0].Lines[0][1]; sup.Who != "承办：恒信数智金融科技有限公司" || sup.Due != "期限 2026-03-05" {
		t.Errorf("supplement: %q %q", sup.Who, sup.Due)
	}

	// Signing: the authorization half signed and late, the commitment
	// signed, the service agreement waiting with its parties known.
	app.Status = domain.StatusAgreements
	av = appView{App: app, Steps: []taskView{
		pdTestTask(domain.TaskInitialReview, "bdc", "", domain.TaskDone, domain.DecisionPass, 1, due, false),
		pdTestTask(domain.TaskDepartmentReview, "gsa", "", domain.TaskDone, domain.DecisionApprove, 1, due, false),
		pdTestTask(domain.TaskSignAuthorization, "stbd", domain.AgreementAuthorization, domain.TaskDone, domain.DecisionSign, 1, due, false),
		pdTestTask(domain.TaskSignAuthorization, "gdo", domain.AgreementAuthorization, domain.TaskOpen, "", 1, due, true),
		pdTestTask(domain.TaskSignCommitment, "acme", domain.AgreementCommitment, domain.TaskDone, domain.DecisionSign, 1, due, false),
	}, Agreements: []store.Agreement{{Kind: domain.AgreementService, Status: domain.AgreementWaiting, Parties: []string{"gdo", "acme"}}}}
	m = buildDiagram(wd, av)
	want = "initial_review:done department_review:done agreement:overdue agreement:done agreement:future agreement:future active:future end:future exit_confirmation:future exit_verification:future terminal:future"
	if got := pdStatesOf(m); got != want {
		t.Errorf("agreements:\n got %s\nwant %s", got, want)
	}
	if auth := m.Stages[2].Lines[0][0]; auth.Who != "承办：市政务数据运营有限公司" || !strings.Contains(auth.Due, "今日已超期") {
		t.Errorf("authorization: %q %q", auth.Who, auth.Due)
	}
	if svc := m.Stages[3].Lines[0][0]; svc.Who != "承办：市政务数据运营有限公司、恒信数智金融科技有限公司" {
		t.Errorf("service agreement: %q", svc.Who)
	}
	if d := m.describe(wd, av); !strings.Contains(d, "其中超期 1 个") || !strings.Contains(d, "当前：授权协议（市政务数据运营有限公司）（已超期）") {
		t.Errorf("description: %s", d)
	}

	// Exiting: the confirmation sent back once and confirmed again, the
	// verification current; everything before done though the case has no
	// model or evaluation.
	app.Status = domain.StatusExiting
	app.EndReason = domain.EndTerminated
	av = appView{App: app, Steps: []taskView{
		pdTestTask(domain.TaskExitConfirmation, "acme", "", domain.TaskDone, domain.DecisionConfirm, 1, due, false),
		pdTestTask(domain.TaskExitVerification, "stbd", "", domain.TaskDone, domain.DecisionReturn, 1, due, false),
		pdTestTask(domain.TaskExitConfirmation, "acme", "", domain.TaskDone, domain.DecisionConfirm, 2, due, false),
		pdTestTask(domain.TaskExitVerification, "stbd", "", domain.TaskOpen, "", 2, due, false),
	}}
	m = buildDiagram(wd, av)
	want = "initial_review:done department_review:done agreement:done agreement:done agreement:done agreement:done active:done end:done exit_confirmation:done exit_verification:current terminal:future"
	if got := pdStatesOf(m); got != want {
		t.Errorf("exiting:\n got %s\nwant %s", got, want)
	}
	ev := m.Stages[len(m.Stages)-2]
	if len(ev.links) != 1 || ev.links[0].kind != pdLinkExitReturn || ev.links[0].label != "退回重新确认" {
		t.Errorf("exiting: links %+v", ev.links)
	}
	if end := m.Stages[len(m.Stages)-4].Lines[0][0]; end.Name != "授权结束：终止授权" {
		t.Errorf("exiting: the end is %q", end.Name)
	}
}
