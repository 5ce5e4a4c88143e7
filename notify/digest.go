package notify

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/store"
)

// Digest kinds.
const (
	DigestDaily  = "daily"
	DigestWeekly = "weekly"
)

// How many tasks a digest lists per department and list; the counts are
// of all of them.
const (
	dailyListed  = 20
	weeklyListed = 3
)

// onTimeDays is the period of the digests' on-time rate.
const onTimeDays = 30

// DigestInput asks for one digest run.
type DigestInput struct {
	// Kind is DigestDaily (each department's) or DigestWeekly (the
	// supervisors').
	Kind string `json:"kind"`
	// At is the time the digest is made for; the workflow sets it.
	At time.Time `json:"at,omitzero"`
}

// DigestResult says what a digest run wrote.
type DigestResult struct {
	// Events is how many digests were new (a rerun on the same day writes
	// none).
	Events int `json:"events"`
	// Skipped says why nothing was made, e.g. a day off.
	Skipped string `json:"skipped,omitempty"`
}

// Digest makes the digests of one kind as notification events: each
// department's daily digest (on working days, and only for a department
// with something overdue or falling due), or the weekly digest of every
// department for each supervision office.
func (a *Activities) Digest(ctx context.Context, in DigestInput) (DigestResult, error) {
	if in.At.IsZero() {
		in.At = a.now()
	}
	events, skipped, err := a.DigestEvents(ctx, in)
	if err != nil || skipped != "" {
		return DigestResult{Skipped: skipped}, err
	}
	n, err := a.store.AddEvents(ctx, events)
	if err != nil {
		return DigestResult{}, err
	}
	return DigestResult{Events: n}, nil
}

// DigestEvents builds the digest events of one run without writing them.
func (a *Activities) DigestEvents(ctx context.Context, in DigestInput) ([]store.NotifyEvent, string, error) {
	if in.Kind != DigestDaily && in.Kind != DigestWeekly {
		return nil, "", fmt.Errorf("digest kind %q: use %q or %q", in.Kind, DigestDaily, DigestWeekly)
	}
	at := in.At.In(calendar.Zone)
	if in.Kind == DigestDaily && !a.cal.IsWorkingDay(at) {
		return nil, "not a working day", nil
	}
	n := a.cfg.DueSoonWorkingDays
	// Due within n working days: up to the end of the n-th working day
	// after today.
	windowEnd := a.cal.AddWorkingDays(at, n).AddDate(0, 0, 1)
	tasks, err := a.store.DepartmentTasksDueBefore(ctx, windowEnd)
	if err != nil {
		return nil, "", err
	}
	stats, err := a.store.DepartmentStats(ctx, store.StatsQuery{From: at.AddDate(0, 0, -onTimeDays), To: at, Now: at})
	if err != nil {
		return nil, "", err
	}
	departments, supervision, err := a.store.DigestOrgs(ctx)
	if err != nil {
		return nil, "", err
	}
	parts := make(map[string]*store.DigestDepartment, len(departments))
	var order []string
	for _, o := range departments {
		parts[o.Code] = &store.DigestDepartment{Department: o.Code, Name: o.Name, NameEn: o.NameEn,
			Overdue: []store.DigestTask{}, DueSoon: []store.DigestTask{}}
		order = append(order, o.Code)
	}
	for _, t := range tasks {
		d := parts[t.Department]
		if d == nil {
			continue // not a department's (an org of kind applicant)
		}
		dt := store.DigestTask{ID: t.ID, ApplicationID: t.ApplicationID, Kind: t.Kind, DueAt: t.DueAt.UTC()}
		if t.DueAt.Before(at) {
			dt.WorkingDays = a.cal.Between(t.DueAt, at)
			d.OverdueCount++
			d.Overdue = append(d.Overdue, dt)
		} else {
			dt.WorkingDays = a.cal.Between(at, t.DueAt)
			d.DueSoonCount++
			d.DueSoon = append(d.DueSoon, dt)
		}
	}
	for _, st := range stats {
		if d := parts[st.Department]; d != nil {
			d.Decided, d.OnTime, d.OnTimeRate = st.Decided, st.OnTime, st.OnTimeRate
		}
	}
	date := at.Format(time.DateOnly)
	digest := func(ds []store.DigestDepartment) *store.Digest {
		return &store.Digest{Date: date, DueBy: a.cal.DueAt(at, n).UTC(), WorkingDays: n, Departments: ds}
	}
	var events []store.NotifyEvent
	if in.Kind == DigestDaily {
		for _, code := range order {
			d := *parts[code]
			if d.OverdueCount+d.DueSoonCount == 0 {
				continue
			}
			d.Overdue, d.DueSoon = firstN(d.Overdue, dailyListed), firstN(d.DueSoon, dailyListed)
			events = append(events, store.NotifyEvent{
				EventKey: "digest.daily:" + date + ":" + code, Kind: store.EventDigestDaily, Org: code,
				Data: store.EventData{Department: code, DepartmentName: d.Name, DepartmentNameEn: d.NameEn,
					Digest: digest([]store.DigestDepartment{d})},
				CreatedAt: at.UTC(),
			})
		}
		return events, "", nil
	}
	var all []store.DigestDepartment
	for _, code := range order {
		d := *parts[code]
		if d.OverdueCount+d.DueSoonCount == 0 && d.Decided == 0 {
			continue
		}
		d.Overdue, d.DueSoon = firstN(d.Overdue, weeklyListed), firstN(d.DueSoon, weeklyListed)
		all = append(all, d)
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].OverdueCount > all[j].OverdueCount })
	if all == nil {
		all = []store.DigestDepartment{}
	}
	for _, o := range supervision {
		events = append(events, store.NotifyEvent{
			EventKey: "digest.weekly:" + date + ":" + o.Code, Kind: store.EventDigestWeekly, Org: o.Code,
			Data: store.EventData{Digest: digest(all)}, CreatedAt: at.UTC(),
		})
	}
	return events, "", nil
}

// firstN keeps the first n; the overdue list is earliest due first, so the
// most overdue are kept.
func firstN(ts []store.DigestTask, n int) []store.DigestTask {
	if len(ts) > n {
		return ts[:n:n]
	}
	return ts
}
