package store

import (
	"context"
	"testing"
	"time"

	"github.com/datagate/datagate/domain"
)

// A measure is published with its application's title and holder, and a
// rewrite of it (the appeal, the lifting) updates the one row.
func TestPublishedRestrictions(t *testing.T) {
	forEachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		seeded(t, s)
		app := submittedApp(t, s, "DS-0100")
		at := time.Date(2027, 3, 1, 2, 0, 0, 0, time.UTC)
		r := Restriction{ApplicationID: app, No: 1, Measure: domain.MeasureSuspend, Reason: "超范围使用", Basis: "第三十条",
			ImposedBy: "bureau_officer", StartedAt: at, State: domain.RestrictionInForce, Appeal: domain.AppealNone}
		must(t, s.Apply(ctx, Change{Restrictions: []Restriction{r}}))
		ended := at.Add(time.Hour)
		r.State, r.Appeal, r.EndedAt, r.Decision = domain.RestrictionLifted, domain.AppealGranted, &ended, "申诉成立"
		must(t, s.Apply(ctx, Change{Restrictions: []Restriction{r}}))
		list, total, err := s.PublishedRestrictions(ctx, 10, 0)
		must(t, err)
		if total != 1 || len(list) != 1 {
			t.Fatalf("published %d: %+v", total, list)
		}
		p := list[0]
		a, err := s.Application(ctx, app)
		must(t, err)
		if p.Title != a.Title || p.ApplicantOrg != a.ApplicantOrg || p.Applicant == "" || p.State != domain.RestrictionLifted ||
			p.EndedAt == nil || !p.EndedAt.Equal(ended) || !p.StartedAt.Equal(at) {
			t.Errorf("published %+v", p)
		}
	})
}
