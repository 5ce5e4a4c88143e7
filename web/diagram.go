package web

import (
	"fmt"
	"html/template"
	"slices"
	"strings"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// The process diagram (流程图) of an application: its whole path from the
// initial review to the end, drawn server-side as inline SVG (no script,
// no library), from what the application page already loads: its tasks,
// agreements, models and evaluations (appView). Nothing here reads the
// store, so the diagram shows no more than the page's timeline does.
//
// It is drawn top to bottom, one stage under the other, so that it stays
// narrow enough for a phone: steps that run in parallel (the provider
// departments, the authorization agreement and the commitment, models and
// evaluations) sit side by side in a framed group; a regulator's opinion
// sits next to the department that asked for it; a return for supplement
// and its resubmission, and an exit confirmation sent back, are arcs.
// A case that was rejected or withdrawn ends where it happened.
//
// Every state has its own stroke and icon besides its colour (the legend
// says which), every node carries its step name, due date and decider (an
// org's display name, never a login name or an ID), and the page lists the
// same steps as text (processDiagram.Steps).

// Node states, also the suffix of their CSS classes (state-done, ...).
const (
	pdFuture   = "future"
	pdCurrent  = "current"
	pdOverdue  = "overdue"
	pdDone     = "done"
	pdRejected = "rejected"
	pdSkipped  = "skipped"
)

// pdStates lists the states in the legend's order.
var pdStates = []string{pdDone, pdCurrent, pdOverdue, pdRejected, pdFuture, pdSkipped}

// Link kinds: the arcs of a return and a resubmission, the exit
// confirmation sent back, and a department's request to a regulator.
const (
	pdLinkReturn     = "return"
	pdLinkResubmit   = "resubmit"
	pdLinkExitReturn = "exit-return"
	pdLinkAsk        = "ask"
)

// Geometry, in the SVG's user units; the style sheet scales the SVG to its
// container, no wider than 40rem (640 px): 1.14 px a unit at desktop width,
// so that the smallest text (13 units) shows at about 15 px.
const (
	pdWidth     = 560.0
	pdMargin    = 8.0
	pdTop       = 22.0 // room above the first stage for an arc's label
	pdBoxPad    = 12.0
	pdBoxLabel  = 24.0
	pdSlotGap   = 28.0
	pdLoopGap   = 120.0 // between the initial review and the supplement
	pdLineGap   = 16.0
	pdStageGap  = 44.0
	pdNameSize  = 16.0
	pdSubSize   = 14.0
	pdArcSize   = 13.0
	pdNameLH    = 20.0
	pdSubLH     = 18.0
	pdPadTop    = 10.0
	pdPadBottom = 10.0
	pdTextX     = 34.0 // text starts right of the state icon
	pdPadRight  = 10.0
	pdTermW     = 220.0
	pdTermH     = 40.0
	pdLoopOut   = 46.0 // how far the exit's return arc bulges right
)

// pdNode is one step of the diagram.
type pdNode struct {
	// Step says what the step is: a task kind, "agreement", "active",
	// "end" or "terminal" (class step-…).
	Step  string
	Name  string
	State string
	// Note (a round), Due and Who (the decider, or who holds it now) are
	// the node's smaller lines; empty ones are left out.
	Note, Due, Who string
	// Orgs are the orgs of Who, for the description of what is current.
	Orgs string
	// More is said in the text alternative only (the decision, who asked
	// a regulator, how often it was returned).
	More []string
	// Terminal: the end of the case (closed, rejected, withdrawn), drawn
	// as a pill.
	Terminal bool

	// Layout: the box, and the text's lines.
	x, y, w, h      float64
	nameLines, subs []string
}

func (n *pdNode) cx() float64     { return n.x + n.w/2 }
func (n *pdNode) bottom() float64 { return n.y + n.h }
func (n *pdNode) right() float64  { return n.x + n.w }

// pdLink joins two nodes of one stage.
type pdLink struct {
	from, to *pdNode
	kind     string
	label    string
	// done: it happened (drawn solid-coloured); otherwise it is the way
	// back still open (greyed).
	done bool
}

// pdStage is one row of the path: one node, or nodes side by side.
type pdStage struct {
	// Box frames parallel steps with a label; empty: no frame.
	Box   string
	Lines [][]*pdNode
	// Gap between the nodes of a line (pdSlotGap when zero).
	Gap float64
	// main is where the flow enters and leaves (the frame when nil).
	main  *pdNode
	links []pdLink

	top, bottom float64
}

func (s *pdStage) nodes() []*pdNode {
	var out []*pdNode
	for _, l := range s.Lines {
		out = append(out, l...)
	}
	return out
}

// reached: something in the stage happened or is happening.
func (s *pdStage) reached() bool {
	for _, n := range s.nodes() {
		if n.State != pdFuture {
			return true
		}
	}
	return false
}

// anchor is the x where the flow enters and leaves the stage.
func (s *pdStage) anchor() float64 {
	if s.main != nil {
		return s.main.cx()
	}
	return pdWidth / 2
}

// pdModel is the whole diagram, laid out by layout.
type pdModel struct {
	Stages []*pdStage
	Height float64
}

// pdWords are what the diagram says, in the page's language.
type pdWords struct {
	lang string
	t    func(key string, args ...any) string
	org  func(code string) string
}

// orgs joins orgs' display names in the language's way.
func (wd pdWords) orgs(codes []string) string {
	names := make([]string, 0, len(codes))
	for _, c := range codes {
		names = append(names, wd.org(c))
	}
	sep := "、"
	if wd.lang == LangEn {
		sep = ", "
	}
	return strings.Join(names, sep)
}

// processDiagram is the diagram as the page shows it.
type processDiagram struct {
	AppID       uint64
	Title, Desc string
	SVG         template.HTML
	Legend      []pdKey
	Steps       []pdItem
}

// pdKey is one entry of the legend.
type pdKey struct {
	Class, Label string
	Swatch       template.HTML
}

// pdItem is one step in the text alternative; a group of parallel steps
// has Children.
type pdItem struct {
	State, StateWord string
	Text             string
	Children         []pdItem
}

// diagram is av's process diagram in lang.
func (w *Web) diagram(lang string, av appView) processDiagram {
	wd := pdWords{lang: lang, t: func(key string, args ...any) string { return w.cat[lang].translate(key, args...) },
		org: func(code string) string { return w.orgName(lang, code) }}
	m := buildDiagram(wd, av)
	m.layout()
	id := fmt.Sprintf("process-%d", av.App.ID)
	d := processDiagram{AppID: av.App.ID, Title: wd.t("diagram.svg_title", av.App.Title), Desc: m.describe(wd, av)}
	d.SVG = template.HTML(m.svg(id, d.Title, d.Desc)) // #nosec: every text in it is escaped
	d.Legend = legend(wd)
	d.Steps = m.items(wd)
	return d
}

// --- what the diagram shows -------------------------------------------------

// Phases: where each stage stands in the process, to place the steps that
// have no task of their own (the authorization in force, its end) or whose
// tasks predate the record.
const (
	phInitial = iota
	phDepartments
	phAgreementsA
	phAgreementsB
	phAgreementsC
	phActive
	phEnd
	phExitConfirm
	phExitVerify
	phClosed
	phAll
)

// statusPhase is the phase an application status stands in; -1 when the
// status says nothing about the steps (a draft, a rejected or withdrawn
// case: their tasks tell).
func statusPhase(status string) int {
	switch status {
	case domain.StatusSubmitted, domain.StatusInitialReview, domain.StatusSupplement:
		return phInitial
	case domain.StatusDepartmentReview:
		return phDepartments
	case domain.StatusAgreements:
		return phAgreementsA
	case domain.StatusActive:
		return phActive
	case domain.StatusExiting:
		return phExitConfirm
	case domain.StatusClosed:
		return phAll
	}
	return -1
}

type pdBuilder struct {
	wd    pdWords
	av    appView
	phase int
}

// inferred is the state of a step without tasks in phase p.
func (b *pdBuilder) inferred(p int) string {
	switch {
	case b.phase < 0 || p > b.phase:
		return pdFuture
	case p < b.phase:
		return pdDone
	}
	return pdCurrent
}

// fromTasks sets n's state, due date and decider from its tasks (in the
// order they opened): open ones make it current (overdue when one is
// late); otherwise the last one decides: cancelled, it was skipped; a
// rejection, or the applicant declining, ends the case there.
func (b *pdBuilder) fromTasks(n *pdNode, ts []taskView, p int) {
	wd := b.wd
	if len(ts) == 0 {
		n.State = b.inferred(p)
		return
	}
	var open, done []taskView
	for _, t := range ts {
		switch {
		case t.Status == domain.TaskOpen:
			open = append(open, t)
		case t.Status == domain.TaskDone && t.Decision != domain.DecisionCancelled:
			done = append(done, t)
		}
	}
	if len(open) > 0 {
		n.State = pdCurrent
		first := open[0]
		var orgs []string
		for _, t := range open {
			if t.DueAt.Before(first.DueAt) {
				first = t
			}
			if t.IsOverdue {
				n.State = pdOverdue
			}
			if !slices.Contains(orgs, t.Department) {
				orgs = append(orgs, t.Department)
			}
		}
		n.Due = wd.t("diagram.due", formatTime(first.DueAt, "2006-01-02"))
		if first.IsOverdue {
			if first.Overdue != nil && *first.Overdue > 0 {
				n.Due += " · " + wd.t("clock.overdue", *first.Overdue)
			} else {
				n.Due += " · " + wd.t("clock.overdue_today")
			}
		}
		n.Orgs = wd.orgs(orgs)
		n.Who = wd.t("diagram.holder", n.Orgs)
		return
	}
	last := ts[len(ts)-1]
	if len(done) == 0 || last.Status != domain.TaskDone || last.Decision == domain.DecisionCancelled {
		n.State = pdSkipped
		n.Due = wd.t("diagram.due", formatTime(last.DueAt, "2006-01-02"))
		return
	}
	n.State = pdDone
	if last.Decision == domain.DecisionReject || last.Decision == domain.DecisionDecline {
		n.State = pdRejected
	}
	var orgs []string
	for _, t := range done {
		if t.Round == last.Round && !slices.Contains(orgs, t.Department) {
			orgs = append(orgs, t.Department)
		}
	}
	n.Due = wd.t("diagram.due", formatTime(last.DueAt, "2006-01-02"))
	n.Orgs = wd.orgs(orgs)
	n.Who = wd.t("diagram.decided_by", n.Orgs)
	if last.Decision != "" {
		n.More = append(n.More, wd.t("diagram.decision", wd.t(domain.SetDecision+"."+last.Decision)))
	}
	if last.DecidedAt != nil {
		n.More = append(n.More, wd.t("diagram.decided_at", formatTime(last.DecidedAt, "2006-01-02 15:04")))
	}
}

// arcLabel is a link's label with how often it happened, when more than
// once.
func (b *pdBuilder) arcLabel(key string, n int) string {
	s := b.wd.t(key)
	if n > 1 {
		s += fmt.Sprintf(" ×%d", n)
	}
	return s
}

// buildDiagram lays out av's path in stages, each step with its state.
func buildDiagram(wd pdWords, av appView) *pdModel {
	b := &pdBuilder{wd: wd, av: av, phase: statusPhase(av.App.Status)}
	a := av.App
	byKind := map[string][]taskView{}
	for _, t := range av.Steps {
		byKind[t.Kind] = append(byKind[t.Kind], t)
	}
	count := func(ts []taskView, decision string) int {
		n := 0
		for _, t := range ts {
			if t.Status == domain.TaskDone && t.Decision == decision {
				n++
			}
		}
		return n
	}
	node := func(step, name string) *pdNode { return &pdNode{Step: step, Name: name} }
	single := func(n *pdNode) *pdStage { return &pdStage{Lines: [][]*pdNode{{n}}, main: n} }
	var stages []*pdStage

	// The initial review, with the applicant's supplement beside it.
	irTasks, supTasks := byKind[domain.TaskInitialReview], byKind[domain.TaskSupplement]
	ir := node(domain.TaskInitialReview, wd.t("kind.initial_review"))
	b.fromTasks(ir, irTasks, phInitial)
	if len(irTasks) > 1 {
		ir.Note = wd.t("diagram.round", len(irTasks))
	}
	st := single(ir)
	if len(supTasks) > 0 || a.Status == domain.StatusSupplement {
		sup := node(domain.TaskSupplement, wd.t("kind.supplement"))
		b.fromTasks(sup, supTasks, phInitial)
		returns, resubmits := count(irTasks, domain.DecisionReturn), count(supTasks, domain.DecisionResubmit)
		st.Lines, st.Gap = [][]*pdNode{{ir, sup}}, pdLoopGap
		st.links = []pdLink{
			{from: ir, to: sup, kind: pdLinkReturn, label: b.arcLabel("diagram.arc.return", returns), done: returns > 0},
			{from: sup, to: ir, kind: pdLinkResubmit, label: b.arcLabel("diagram.arc.resubmit", resubmits), done: resubmits > 0},
		}
		if returns > 0 {
			ir.More = append(ir.More, wd.t("diagram.returns", returns))
		}
		if resubmits > 0 {
			ir.More = append(ir.More, wd.t("diagram.resubmits", resubmits))
		}
	}
	stages = append(stages, st)

	// The provider departments in parallel, each with the regulator it
	// asked.
	var depts []string
	for _, d := range a.Datasets {
		if d.Department != "" && !slices.Contains(depts, d.Department) {
			depts = append(depts, d.Department)
		}
	}
	for _, t := range byKind[domain.TaskDepartmentReview] {
		if !slices.Contains(depts, t.Department) {
			depts = append(depts, t.Department)
		}
	}
	if len(depts) > 0 {
		st := &pdStage{Box: wd.t("diagram.box.departments")}
		var units [][]*pdNode
		for _, dept := range depts {
			var ts, ops []taskView
			for _, t := range byKind[domain.TaskDepartmentReview] {
				if t.Department == dept {
					ts = append(ts, t)
				}
			}
			for _, t := range byKind[domain.TaskRegulatorOpinion] {
				if t.Subject == dept {
					ops = append(ops, t)
				}
			}
			n := node(domain.TaskDepartmentReview, wd.t("kind.department_review"))
			b.fromTasks(n, ts, phDepartments)
			if n.Who == "" {
				n.Orgs = wd.org(dept)
				n.Who = wd.t("diagram.holder", n.Orgs)
			}
			if len(ts) > 1 {
				n.Note = wd.t("diagram.round", len(ts))
			}
			if n.State == pdDone && allRejected(a.Datasets, dept) {
				n.State = pdRejected
			}
			unit := []*pdNode{n}
			if len(ops) > 0 {
				r := node(domain.TaskRegulatorOpinion, wd.t("kind.regulator_opinion"))
				b.fromTasks(r, ops, phDepartments)
				r.More = append(r.More, wd.t("diagram.asked_by", wd.org(dept)))
				unit = append(unit, r)
				st.links = append(st.links, pdLink{from: n, to: r, kind: pdLinkAsk, done: true})
			}
			units = append(units, unit)
		}
		st.Lines = packUnits(units, 2)
		if len(units) == 1 && len(units[0]) == 1 {
			st.Box, st.main = "", units[0][0]
		}
		stages = append(stages, st)
	}

	// The agreements: authorization and commitment, then service, then
	// filing.
	agreement := func(kind string, p int) *pdNode {
		n := node("agreement", wd.t(domain.SetAgreement+"."+kind))
		var ts []taskView
		for _, t := range byKind[signatureTask(kind)] {
			if t.Subject == kind || t.Subject == "" {
				ts = append(ts, t)
			}
		}
		b.fromTasks(n, ts, p)
		if n.Who == "" {
			for _, ag := range av.Agreements {
				if ag.Kind == kind && len(ag.Parties) > 0 {
					n.Orgs = wd.orgs(ag.Parties)
					n.Who = wd.t("diagram.holder", n.Orgs)
				}
			}
		}
		return n
	}
	auth, commit := agreement(domain.AgreementAuthorization, phAgreementsA), agreement(domain.AgreementCommitment, phAgreementsA)
	stages = append(stages,
		&pdStage{Box: wd.t("diagram.box.agreements"), Lines: [][]*pdNode{{auth, commit}}},
		single(agreement(domain.AgreementService, phAgreementsB)),
		single(agreement(domain.AgreementFiling, phAgreementsC)))

	// The authorization in force, with its models, evaluations and any
	// supplementary agreement.
	active := node("active", wd.t("diagram.active"))
	active.State = b.inferred(phActive)
	if a.ActiveFrom != nil && a.ActiveUntil != nil {
		active.Due = wd.t("diagram.period", formatTime(a.ActiveFrom, "2006-01-02"), formatTime(a.ActiveUntil, "2006-01-02"))
	}
	var extras []*pdNode
	for _, mdl := range av.Models {
		n := node(domain.TaskModelReview, wd.t("diagram.model", mdl.Name))
		var ts []taskView
		for _, t := range av.Steps {
			if (t.Kind == domain.TaskModelReview || t.Kind == domain.TaskModelRevision) && t.WorkflowID == mdl.ID {
				ts = append(ts, t)
			}
		}
		b.fromTasks(n, ts, phActive)
		if n.State != pdCurrent && n.State != pdOverdue {
			switch mdl.Status {
			case domain.ModelApproved:
				n.State = pdDone
			case domain.ModelRejected:
				n.State = pdRejected
			case domain.ModelCancelled:
				n.State = pdSkipped
			default:
				n.State = pdCurrent
			}
		}
		if len(ts) == 0 || n.State == pdCurrent || n.State == pdOverdue {
			n.More = append(n.More, wd.t(domain.SetModel+"."+mdl.Status))
		}
		extras = append(extras, n)
	}
	for _, ev := range av.Evaluations {
		n := node("evaluation", wd.t("diagram.evaluation", ev.No))
		var ts []taskView
		for _, t := range av.Steps {
			if t.Subject == ev.ID && (t.Kind == domain.TaskSelfEvaluation || t.Kind == domain.TaskRateEvaluation ||
				t.Kind == domain.TaskRectificationReport) {
				ts = append(ts, t)
			}
		}
		b.fromTasks(n, ts, phActive)
		if n.State != pdCurrent && n.State != pdOverdue {
			switch ev.Status {
			case domain.EvalQualified:
				n.State = pdDone
			case domain.EvalUnqualified:
				n.State = pdRejected
			case domain.EvalCancelled, domain.EvalLapsed:
				n.State = pdSkipped
			default:
				n.State = pdCurrent
			}
		}
		if len(ts) == 0 || n.State == pdCurrent || n.State == pdOverdue {
			n.More = append(n.More, wd.t(domain.SetEvaluation+"."+ev.Status))
		}
		extras = append(extras, n)
	}
	if ts := byKind[domain.TaskSignSupplement]; len(ts) > 0 {
		n := node("agreement", wd.t(domain.SetAgreement+"."+domain.AgreementSupplement))
		b.fromTasks(n, ts, phActive)
		extras = append(extras, n)
	}
	if len(extras) == 0 {
		stages = append(stages, single(active))
	} else {
		st := &pdStage{Box: wd.t("diagram.box.active"), Lines: [][]*pdNode{{active}}}
		st.Lines = append(st.Lines, packUnits(unitsOf(extras), 2)...)
		stages = append(stages, st)
	}

	// The end, the exit confirmation and its verification.
	end := node("end", wd.t("diagram.end"))
	if a.EndReason != "" && a.EndReason != domain.EndLapsed {
		end.Name = wd.t("diagram.end.reason", wd.t(domain.SetEnd+"."+a.EndReason))
	}
	end.State = b.inferred(phEnd)
	if a.EndedAt != nil {
		end.State = pdDone
		end.Due = wd.t("diagram.ended_at", formatTime(a.EndedAt, "2006-01-02"))
	}
	stages = append(stages, single(end))
	ecTasks, evTasks := byKind[domain.TaskExitConfirmation], byKind[domain.TaskExitVerification]
	ec := node(domain.TaskExitConfirmation, wd.t("kind.exit_confirmation"))
	b.fromTasks(ec, ecTasks, phExitConfirm)
	if len(ecTasks) > 1 {
		ec.Note = wd.t("diagram.round", len(ecTasks))
	}
	ev := node(domain.TaskExitVerification, wd.t("kind.exit_verification"))
	b.fromTasks(ev, evTasks, phExitVerify)
	if len(evTasks) == 0 && ec.State == pdSkipped {
		ev.State = pdSkipped
	}
	stages = append(stages, single(ec))
	evStage := single(ev)
	if n := count(evTasks, domain.DecisionReturn); n > 0 {
		evStage.links = []pdLink{{from: ev, to: ec, kind: pdLinkExitReturn, label: b.arcLabel("diagram.arc.exit_return", n), done: true}}
		ec.More = append(ec.More, wd.t("diagram.exit_returns", n))
	}
	stages = append(stages, evStage)

	// The end of the case: closed after all that, or rejected or withdrawn
	// where it happened.
	term := node("terminal", wd.t(domain.SetStatus+"."+domain.StatusClosed))
	term.Terminal = true
	term.State = b.inferred(phClosed)
	switch a.Status {
	case domain.StatusRejected, domain.StatusWithdrawn:
		last := -1
		for i, s := range stages {
			if s.reached() {
				last = i
			}
		}
		stages = stages[:last+1]
		term.Name = wd.t(domain.SetStatus + "." + a.Status)
		term.State = pdDone
		if a.Status == domain.StatusRejected {
			term.State = pdRejected
		}
		if a.EndReason == domain.EndLapsed {
			term.Note = wd.t(domain.SetEnd + "." + domain.EndLapsed)
		}
	}
	stages = append(stages, single(term))
	return &pdModel{Stages: stages}
}

// signatureTask is the task kind that signs an agreement kind.
func signatureTask(kind string) string {
	switch kind {
	case domain.AgreementAuthorization:
		return domain.TaskSignAuthorization
	case domain.AgreementService:
		return domain.TaskSignService
	case domain.AgreementFiling:
		return domain.TaskFileService
	case domain.AgreementCommitment:
		return domain.TaskSignCommitment
	}
	return domain.TaskSignSupplement
}

// allRejected: every one of dept's datasets in the application was
// rejected.
func allRejected(ds []store.ApplicationDataset, dept string) bool {
	n := 0
	for _, d := range ds {
		if d.Department != dept {
			continue
		}
		if d.Decision != domain.DecisionReject {
			return false
		}
		n++
	}
	return n > 0
}

func unitsOf(ns []*pdNode) [][]*pdNode {
	out := make([][]*pdNode, len(ns))
	for i, n := range ns {
		out[i] = []*pdNode{n}
	}
	return out
}

// packUnits fills lines of at most slots nodes with units kept whole (a
// department with its regulator), in order.
func packUnits(units [][]*pdNode, slots int) [][]*pdNode {
	var lines [][]*pdNode
	var cur []*pdNode
	for _, u := range units {
		if len(cur) > 0 && len(cur)+len(u) > slots {
			lines = append(lines, cur)
			cur = nil
		}
		cur = append(cur, u...)
	}
	if len(cur) > 0 {
		lines = append(lines, cur)
	}
	return lines
}

// --- layout -----------------------------------------------------------------

// layout places every stage under the previous one and every node in its
// line, and wraps the nodes' text to their width.
func (m *pdModel) layout() {
	y := pdTop
	for _, s := range m.Stages {
		s.top = y
		x0, x1 := pdMargin, pdWidth-pdMargin
		if s.Box != "" {
			x0, x1 = x0+pdBoxPad, x1-pdBoxPad
			y += pdBoxLabel
		}
		gap := s.Gap
		if gap == 0 {
			gap = pdSlotGap
		}
		for i, line := range s.Lines {
			if i > 0 {
				y += pdLineGap
			}
			slotW := (x1 - x0 - pdSlotGap) / 2
			h := 0.0
			for j, n := range line {
				switch {
				case n.Terminal:
					n.w = pdTermW
					n.x = (pdWidth - n.w) / 2
				case len(line) == 1:
					n.w = slotW
					n.x = (pdWidth - n.w) / 2
				default:
					n.w = (x1 - x0 - gap*float64(len(line)-1)) / float64(len(line))
					n.x = x0 + float64(j)*(n.w+gap)
				}
				n.y = y
				n.wrapText()
				h = max(h, n.h)
			}
			// The nodes of a line are as tall as its tallest.
			for _, n := range line {
				n.h = h
			}
			y += h
		}
		if s.Box != "" {
			y += pdBoxPad
		}
		s.bottom = y
		y += pdStageGap
	}
	m.Height = y - pdStageGap + pdTop
}

// wrapText splits the node's name and smaller lines to its width and sets
// its height.
func (n *pdNode) wrapText() {
	if n.Terminal {
		n.nameLines = pdWrap(n.Name, pdNameSize, n.w-pdTextX-pdPadRight, 1, true)
		n.subs = nil
		if n.Note != "" {
			n.subs = pdWrap(n.Note, pdSubSize, n.w-pdTextX-pdPadRight, 1, false)
			n.h = pdTermH + pdSubLH
			return
		}
		n.h = pdTermH
		return
	}
	avail := n.w - pdTextX - pdPadRight
	n.nameLines = pdWrap(n.Name, pdNameSize, avail, 2, true)
	n.subs = nil
	for i, s := range []string{n.Note, n.Due, n.Who} {
		// An org's name may take three lines: English ones are long.
		if s != "" {
			n.subs = append(n.subs, pdWrap(s, pdSubSize, avail, 2+i/2, false)...)
		}
	}
	n.h = pdPadTop + float64(len(n.nameLines))*pdNameLH + float64(len(n.subs))*pdSubLH + pdPadBottom
}

// pdTextWidth estimates how wide s is at size: a Chinese character (or a
// full-width mark) takes a full em, a Latin letter or digit a little over
// half of one.
func pdTextWidth(s string, size float64, bold bool) float64 {
	w := 0.0
	for _, r := range s {
		switch {
		case r >= 0x2E80:
			w += size
		case r == ' ':
			w += size * 0.3
		case r >= 'A' && r <= 'Z', r == 'm', r == 'w', r == 'M', r == 'W':
			w += size * 0.68
		default:
			w += size * 0.56
		}
	}
	if bold {
		w *= 1.06
	}
	return w
}

// pdWrap breaks s into at most maxLines lines no wider than width, at
// spaces between words and anywhere between Chinese characters; what does
// not fit ends in "…".
func pdWrap(s string, size, width float64, maxLines int, bold bool) []string {
	// Tokens: a Chinese character alone, or a word with the space before it.
	var tokens []string
	var cur strings.Builder
	flush := func() {
		if cur.Len() > 0 {
			tokens = append(tokens, cur.String())
			cur.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r >= 0x2E80:
			flush()
			tokens = append(tokens, string(r))
		case r == ' ':
			flush()
			cur.WriteRune(r)
		default:
			cur.WriteRune(r)
		}
	}
	flush()
	var lines []string
	line := ""
	for _, tok := range tokens {
		if line == "" {
			tok = strings.TrimLeft(tok, " ")
		}
		if pdTextWidth(line+tok, size, bold) <= width {
			line += tok
			continue
		}
		if line != "" {
			lines = append(lines, line)
			line = strings.TrimLeft(tok, " ")
		} else {
			line = tok
		}
		// A word wider than the line is cut between its letters.
		for pdTextWidth(line, size, bold) > width {
			rs := []rune(line)
			k := len(rs)
			for k > 1 && pdTextWidth(string(rs[:k]), size, bold) > width {
				k--
			}
			lines = append(lines, string(rs[:k]))
			line = string(rs[k:])
		}
	}
	if line != "" {
		lines = append(lines, line)
	}
	if len(lines) > maxLines {
		last := []rune(lines[maxLines-1])
		for len(last) > 0 && pdTextWidth(string(last)+"…", size, bold) > width {
			last = last[:len(last)-1]
		}
		lines = append(lines[:maxLines-1], strings.TrimRight(string(last), " ")+"…")
	}
	return lines
}

// --- drawing ----------------------------------------------------------------

// svg draws the laid-out diagram with its title and description.
func (m *pdModel) svg(id, title, desc string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="process-svg" viewBox="0 0 %.0f %.0f" width="%.0f" height="%.0f" role="img" aria-labelledby="%s-t" aria-describedby="%s-d" focusable="false" preserveAspectRatio="xMidYMin meet">`,
		pdWidth, m.Height, pdWidth, m.Height, id, id)
	fmt.Fprintf(&b, `<title id="%s-t">%s</title><desc id="%s-d">%s</desc>`, id, esc(title), id, esc(desc))
	b.WriteString(`<defs>`)
	for _, k := range []string{"flow", "future", "return", "ask"} {
		fmt.Fprintf(&b, `<marker id="%s-m-%s" class="pd-head-%s" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"></path></marker>`, id, k, k)
	}
	b.WriteString(`</defs>`)
	// Frames first, then the flow between stages, then the nodes over them.
	for _, s := range m.Stages {
		if s.Box == "" {
			continue
		}
		fmt.Fprintf(&b, `<g class="pd-box"><rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="10"></rect><text x="%.1f" y="%.1f" font-size="%.0f">%s</text></g>`,
			pdMargin, s.top, pdWidth-2*pdMargin, s.bottom-s.top, pdMargin+pdBoxPad, s.top+17, pdArcSize,
			esc(pdWrap(s.Box, pdArcSize, pdWidth-2*pdMargin-2*pdBoxPad, 1, false)[0]))
	}
	for i := 1; i < len(m.Stages); i++ {
		prev, next := m.Stages[i-1], m.Stages[i]
		x1, y1, x2, y2 := prev.anchor(), prev.bottom, next.anchor(), next.top
		cls, head := "pd-flow done", "flow"
		if !next.reached() {
			cls, head = "pd-flow future", "future"
		}
		d := fmt.Sprintf("M%.1f,%.1f V%.1f", x1, y1, y2-1)
		if x1 != x2 {
			ym := (y1 + y2) / 2
			d = fmt.Sprintf("M%.1f,%.1f V%.1f H%.1f V%.1f", x1, y1, ym, x2, y2-1)
		}
		fmt.Fprintf(&b, `<path class="%s" d="%s" marker-end="url(#%s-m-%s)"></path>`, cls, d, id, head)
	}
	for _, s := range m.Stages {
		for _, n := range s.nodes() {
			drawNode(&b, n)
		}
		for _, l := range s.links {
			drawLink(&b, id, l)
		}
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// drawNode draws a node: its frame, its state's icon, its text, and a
// tooltip with all of it.
func drawNode(b *strings.Builder, n *pdNode) {
	cls := "pd-node state-" + n.State + " step-" + strings.ReplaceAll(n.Step, "_", "-")
	if n.Terminal {
		cls += " terminal"
	}
	tip := n.Name
	for _, s := range []string{n.Note, n.Due, n.Who} {
		if s != "" {
			tip += " · " + s
		}
	}
	fmt.Fprintf(b, `<g class="%s"><title>%s</title>`, cls, esc(tip))
	rx := 8.0
	if n.Terminal {
		rx = pdTermH / 2
	}
	fmt.Fprintf(b, `<rect class="frame" x="%.1f" y="%.1f" width="%.1f" height="%.1f" rx="%.1f"></rect>`, n.x, n.y, n.w, n.h, rx)
	iconY := n.y + pdPadTop + 9
	if n.Terminal {
		iconY = n.y + pdTermH/2
	}
	icon(b, n.State, n.x+17, iconY)
	ty := n.y + pdPadTop + 15
	if n.Terminal {
		ty = n.y + pdTermH/2 + 6
	}
	for _, l := range n.nameLines {
		fmt.Fprintf(b, `<text class="name" x="%.1f" y="%.1f" font-size="%.0f">%s</text>`, n.x+pdTextX, ty, pdNameSize, esc(l))
		ty += pdNameLH
	}
	if n.Terminal {
		ty = n.y + pdTermH + 13
	}
	for _, l := range n.subs {
		fmt.Fprintf(b, `<text class="sub" x="%.1f" y="%.1f" font-size="%.0f">%s</text>`, n.x+pdTextX, ty-2, pdSubSize, esc(l))
		ty += pdSubLH
	}
	b.WriteString(`</g>`)
}

// icon draws a state's mark centred at x, y: each state has its own shape,
// so that colour is not the only sign.
func icon(b *strings.Builder, state string, x, y float64) {
	fmt.Fprintf(b, `<g class="icon" transform="translate(%.1f %.1f)">`, x, y)
	switch state {
	case pdDone:
		b.WriteString(`<circle r="8"></circle><path class="glyph" d="M-4,0.5 L-1,3.5 L4.5,-3"></path>`)
	case pdCurrent:
		b.WriteString(`<circle class="ring" r="7.5"></circle><circle class="dot" r="3.5"></circle>`)
	case pdOverdue:
		b.WriteString(`<path d="M0,-9 L9,7.5 L-9,7.5 z"></path><path class="glyph" d="M0,-3.5 V2"></path><circle class="glyph-dot" cy="5" r="1.2"></circle>`)
	case pdRejected:
		b.WriteString(`<circle r="8"></circle><path class="glyph" d="M-3.5,-3.5 L3.5,3.5 M3.5,-3.5 L-3.5,3.5"></path>`)
	case pdSkipped:
		b.WriteString(`<circle class="ring" r="7.5"></circle><path class="glyph" d="M-4,0 H4"></path>`)
	default:
		b.WriteString(`<circle class="ring" r="7.5"></circle>`)
	}
	b.WriteString(`</g>`)
}

// drawLink draws a link of a stage: the arcs of a return and a
// resubmission between the initial review and the supplement (above and
// below), the exit's return as a loop on the right, and a department's
// request to a regulator as a short two-way line.
func drawLink(b *strings.Builder, id string, l pdLink) {
	state := "future"
	if l.done {
		state = "done"
	}
	switch l.kind {
	case pdLinkAsk:
		y := l.from.y + pdPadTop + 9
		fmt.Fprintf(b, `<path class="pd-ask" d="M%.1f,%.1f H%.1f" marker-start="url(#%s-m-ask)" marker-end="url(#%s-m-ask)"></path>`,
			l.from.right()+2, y, l.to.x-2, id, id)
	case pdLinkReturn, pdLinkResubmit:
		x1, x2 := l.from.right(), l.to.x
		y, bulge, ly := l.from.y+22, -18.0, l.from.y+22-18-7
		if l.kind == pdLinkResubmit {
			x1, x2 = l.from.x, l.to.right()
			y = l.from.bottom() - 22
			bulge, ly = 18, y+18+15
		}
		fmt.Fprintf(b, `<path class="pd-arc %s %s" d="M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f" marker-end="url(#%s-m-return)"></path>`,
			l.kind, state, x1, y, (x1*2+x2)/3, y+bulge, (x1+x2*2)/3, y+bulge, x2, y, id)
		fmt.Fprintf(b, `<text class="pd-arc-label %s" x="%.1f" y="%.1f" text-anchor="middle" font-size="%.0f">%s</text>`,
			state, (x1+x2)/2, ly, pdArcSize, esc(l.label))
	case pdLinkExitReturn:
		x := l.from.right()
		y1, y2 := l.from.y+l.from.h/2, l.to.y+l.to.h/2
		fmt.Fprintf(b, `<path class="pd-arc %s %s" d="M%.1f,%.1f C%.1f,%.1f %.1f,%.1f %.1f,%.1f" marker-end="url(#%s-m-return)"></path>`,
			l.kind, state, x, y1, x+pdLoopOut, y1, x+pdLoopOut, y2, x+2, y2, id)
		fmt.Fprintf(b, `<text class="pd-arc-label %s" x="%.1f" y="%.1f" font-size="%.0f">%s</text>`,
			state, x+pdLoopOut-6+10, (y1+y2)/2+4, pdArcSize, esc(l.label))
	}
}

// legend is the key to the states' shapes and colours and to the arcs.
func legend(wd pdWords) []pdKey {
	var out []pdKey
	for _, s := range pdStates {
		var b strings.Builder
		fmt.Fprintf(&b, `<svg class="pd-key" viewBox="0 0 44 24" width="44" height="24" aria-hidden="true" focusable="false"><g class="pd-node state-%s"><rect class="frame" x="1.5" y="1.5" width="41" height="21" rx="6"></rect>`, s)
		icon(&b, s, 14, 12)
		b.WriteString(`</g></svg>`)
		out = append(out, pdKey{Class: "state-" + s, Label: wd.t("diagram.state." + s), Swatch: template.HTML(b.String())}) // #nosec: no text
	}
	arc := `<svg class="pd-key" viewBox="0 0 44 24" width="44" height="24" aria-hidden="true" focusable="false"><path class="pd-arc done" d="M3,16 C14,4 28,4 36,13"></path><path class="pd-key-head" d="M33,8 L40,17 L30,16 z"></path></svg>`
	out = append(out, pdKey{Class: "arc", Label: wd.t("diagram.legend.return"), Swatch: template.HTML(arc)}) // #nosec: no text
	return out
}

// --- the text alternative ----------------------------------------------------

// describe sums the diagram up for the SVG's description: how many steps
// are done, current (and late) and to come, and which are current.
func (m *pdModel) describe(wd pdWords, av appView) string {
	counts := map[string]int{}
	var now []string
	total := 0
	for _, s := range m.Stages {
		for _, n := range s.nodes() {
			total++
			counts[n.State]++
			if n.State == pdCurrent || n.State == pdOverdue {
				label := n.Name
				if n.Orgs != "" {
					label = wd.t("diagram.desc.who", n.Name, n.Orgs)
				}
				if n.State == pdOverdue {
					label += wd.t("diagram.desc.late")
				}
				now = append(now, label)
			}
		}
	}
	out := wd.t("diagram.desc", total, counts[pdDone]+counts[pdRejected], counts[pdCurrent]+counts[pdOverdue], counts[pdOverdue], counts[pdFuture])
	if len(now) > 0 {
		sep := "、"
		if wd.lang == LangEn {
			sep = "; "
		}
		out += " " + wd.t("diagram.desc.now", strings.Join(now, sep))
	}
	if slices.Contains(domain.FinalStatuses(), av.App.Status) {
		out += " " + wd.t("diagram.desc.final", wd.t(domain.SetStatus+"."+av.App.Status))
	}
	return out
}

// items are the steps as a list: a group of parallel steps as one item
// with the steps inside.
func (m *pdModel) items(wd pdWords) []pdItem {
	var out []pdItem
	for _, s := range m.Stages {
		ns := s.nodes()
		if s.Box == "" || len(ns) < 2 {
			for _, n := range ns {
				out = append(out, item(wd, n))
			}
			continue
		}
		group := pdItem{Text: s.Box}
		for _, n := range ns {
			group.Children = append(group.Children, item(wd, n))
		}
		out = append(out, group)
	}
	return out
}

func item(wd pdWords, n *pdNode) pdItem {
	parts := []string{n.Name}
	for _, s := range append([]string{n.Note, n.Due, n.Who}, n.More...) {
		if s != "" {
			parts = append(parts, s)
		}
	}
	return pdItem{State: n.State, StateWord: wd.t("diagram.list.state", wd.t("diagram.state."+n.State)), Text: strings.Join(parts, " · ")}
}
