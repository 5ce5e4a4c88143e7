package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/datagate/datagate/domain"
)

// Renewal (续期). An authorization whose period ends without a renewal
// applied for is an exit (《龙华区公共数据资源授权运营实施方案（试行）》六(六)1(1):
// "运营期满未申请续期…提前3个月"). A renewal is a new application, linked to
// the old one by Application.RenewsApplicationID, prefilled from it and
// reviewed like any other; it carries the old one's last evaluation and
// agreements as references (RenewalSourceOf).

// RenewalMarker ends the title of a renewal.
const RenewalMarker = "（续期）"

// Renewable reports whether a may be renewed: while it is active (the
// prompt comes three months before the end), or once it ended because
// its period expired. One terminated for a violation, ended by the
// applicant's exit, rejected, withdrawn or not yet authorized is not.
func Renewable(a Application) bool {
	switch a.Status {
	case domain.StatusActive:
		return true
	case domain.StatusExiting, domain.StatusClosed:
		return a.EndReason == domain.EndExpired
	}
	return false
}

// liveRenewal reports whether a renewal in status st stands in the way of
// another: every renewal does, but one rejected or withdrawn.
func liveRenewal(st string) bool {
	return st != domain.StatusRejected && st != domain.StatusWithdrawn
}

// RenewalRefused is why an application cannot be renewed now. It is an
// ErrConflict.
type RenewalRefused struct {
	// ApplicationID is the application to renew, with its Status and
	// EndReason when the refusal is about them.
	ApplicationID uint64
	Status        string
	EndReason     string
	// Renewal is the renewal that exists already (draft or under way,
	// active, ended), when that is the reason; zero otherwise.
	Renewal uint64
}

func (e *RenewalRefused) Error() string {
	if e.Renewal != 0 {
		return fmt.Sprintf("application %d is already renewed by application %d", e.ApplicationID, e.Renewal)
	}
	return fmt.Sprintf("application %d (%s, end reason %q) cannot be renewed", e.ApplicationID, e.Status, e.EndReason)
}

func (e *RenewalRefused) Unwrap() error { return ErrConflict }

// RenewalLink names a renewal: RenewedBy of the application it renews.
type RenewalLink struct {
	ID     uint64 `json:"id"`
	Status string `json:"status"`
}

// Blocks reports whether the renewal stands in the way of another: every
// renewal does, but one rejected or withdrawn. RenewalOf's renewal is the
// newest, so it is the one that can.
func (l RenewalLink) Blocks() bool { return liveRenewal(l.Status) }

// EvaluationRef is an evaluation as a renewal refers to it.
type EvaluationRef struct {
	No       int        `json:"no"`
	Status   string     `json:"status"`
	Rating   string     `json:"rating,omitempty"`
	ClosedAt *time.Time `json:"closed_at,omitempty"`
}

// AgreementRef is an agreement as a renewal refers to it.
type AgreementRef struct {
	Kind        string     `json:"kind"`
	Status      string     `json:"status"`
	CompletedAt *time.Time `json:"completed_at,omitempty"`
}

// RenewalSource is what a renewal carries of the application it renews:
// its title and period's end, its last evaluation (none when it was never
// evaluated) and its agreements, as references for the reviewers.
type RenewalSource struct {
	ID             uint64         `json:"id"`
	Title          string         `json:"title"`
	ActiveUntil    *time.Time     `json:"active_until,omitempty"`
	LastEvaluation *EvaluationRef `json:"last_evaluation,omitempty"`
	Agreements     []AgreementRef `json:"agreements"`
}

// RenewalOf finds the renewal of application id: the newest application
// that renews it, whatever its status (a rejected or withdrawn renewal
// may be followed by another). ok is false when there is none.
func (s *Store) RenewalOf(ctx context.Context, id uint64) (link RenewalLink, ok bool, err error) {
	var a Application
	err = s.reader(ctx).Select("id", "status").Where("renews_application_id = ?", id).Order("id DESC").Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return RenewalLink{}, false, nil
	}
	if err != nil {
		return RenewalLink{}, false, fmt.Errorf("find the renewal of application %d: %w", id, err)
	}
	return RenewalLink{ID: a.ID, Status: a.Status}, true, nil
}

// RenewalSourceOf loads the references a renewal of application id
// carries.
func (s *Store) RenewalSourceOf(ctx context.Context, id uint64) (RenewalSource, error) {
	db := s.reader(ctx)
	var a Application
	if err := db.Select("id", "title", "active_until").Where("id = ?", id).Take(&a).Error; err != nil {
		return RenewalSource{}, fmt.Errorf("load renewed application %d: %w", id, notFound(err))
	}
	out := RenewalSource{ID: a.ID, Title: a.Title, ActiveUntil: a.ActiveUntil, Agreements: []AgreementRef{}}
	var ev Evaluation
	err := db.Where("application_id = ?", id).Order("no DESC, round DESC, id DESC").Take(&ev).Error
	switch {
	case err == nil:
		out.LastEvaluation = &EvaluationRef{No: ev.No, Status: ev.Status, Rating: ev.Rating, ClosedAt: ev.ClosedAt}
	case !errors.Is(err, gorm.ErrRecordNotFound):
		return RenewalSource{}, fmt.Errorf("load the last evaluation of application %d: %w", id, err)
	}
	var ags []Agreement
	if err := db.Where("application_id = ?", id).Order("kind").Find(&ags).Error; err != nil {
		return RenewalSource{}, fmt.Errorf("load the agreements of application %d: %w", id, err)
	}
	for _, ag := range ags {
		out.Agreements = append(out.Agreements, AgreementRef{Kind: ag.Kind, Status: ag.Status, CompletedAt: ag.CompletedAt})
	}
	return out, nil
}

// renewalTitle is the title of a renewal of an application titled title:
// the title with RenewalMarker once, within the 200 characters a title
// may have.
func renewalTitle(title string) string {
	base := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(title), RenewalMarker))
	room := 200 - len([]rune(RenewalMarker))
	if r := []rune(base); len(r) > room {
		base = string(r[:room])
	}
	return base + RenewalMarker
}

// CreateRenewal creates, as user of org, a draft renewing application
// oldID, prefilled from it: its title with RenewalMarker, domain,
// description, purpose, scope, security controls, access mode and period,
// and the datasets that were approved and may still be requested; not the
// data subjects' consents, whose basis the renewal states anew. The old
// application must be org's and Renewable (else ErrNotFound, or a
// *RenewalRefused), and have no renewal that is not rejected or withdrawn
// (else a *RenewalRefused naming it). The check and the insert are one
// transaction, the old row locked on MySQL (SQLite has one writer), so
// that two requests create one renewal.
func (s *Store) CreateRenewal(ctx context.Context, oldID uint64, org, user string) (Application, error) {
	var out Application
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		q := tx
		if s.dialect == "mysql" {
			q = q.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		var old Application
		if err := q.Where("id = ?", oldID).Take(&old).Error; err != nil {
			return fmt.Errorf("load application %d: %w", oldID, notFound(err))
		}
		if old.ApplicantOrg != org {
			return fmt.Errorf("application %d is not %s's: %w", oldID, org, ErrNotFound)
		}
		if !Renewable(old) {
			return &RenewalRefused{ApplicationID: oldID, Status: old.Status, EndReason: old.EndReason}
		}
		var others []Application
		if err := tx.Select("id", "status").Where("renews_application_id = ?", oldID).Order("id").Find(&others).Error; err != nil {
			return fmt.Errorf("find the renewals of application %d: %w", oldID, err)
		}
		for _, r := range others {
			if liveRenewal(r.Status) {
				return &RenewalRefused{ApplicationID: oldID, Status: old.Status, EndReason: old.EndReason, Renewal: r.ID}
			}
		}
		var approved []string
		if err := tx.Model(&ApplicationDataset{}).Where("application_id = ? AND decision = ?", oldID, domain.DecisionApprove).
			Order("dataset_code").Pluck("dataset_code", &approved).Error; err != nil {
			return fmt.Errorf("list the approved datasets of application %d: %w", oldID, err)
		}
		// A dataset the catalog no longer holds, or no longer lets anyone
		// request, is left out: the applicant sees the draft's list.
		var cat []Dataset
		if len(approved) > 0 {
			if err := tx.Where("code IN ?", approved).Find(&cat).Error; err != nil {
				return fmt.Errorf("load datasets %v: %w", approved, err)
			}
		}
		var rows []ApplicationDataset
		for _, d := range cat {
			if d.Requestable() && slices.Contains(approved, d.Code) {
				rows = append(rows, ApplicationDataset{DatasetCode: d.Code, Department: d.Department})
			}
		}
		slices.SortFunc(rows, func(a, b ApplicationDataset) int { return strings.Compare(a.DatasetCode, b.DatasetCode) })
		now := time.Now().UTC()
		renews := oldID
		row := Application{
			ApplicantOrg: org, ApplicantUser: user,
			Title: renewalTitle(old.Title), Domain: old.Domain, Description: old.Description,
			Purpose: old.Purpose, Scope: old.Scope, PeriodMonths: old.PeriodMonths,
			AccessMode: old.AccessMode, SecurityControls: old.SecurityControls,
			Status: domain.StatusDraft, RenewsApplicationID: &renews, CreatedAt: now, UpdatedAt: now,
		}
		if err := insertDraft(tx, &row, rows, nil); err != nil {
			return err
		}
		out = row
		return nil
	})
	if err != nil {
		return Application{}, fmt.Errorf("renew application %d: %w", oldID, err)
	}
	return out, nil
}
