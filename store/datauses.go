package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"

	"github.com/datagate/datagate/domain"
)

// DataUse is one recorded use of the data (数据调用) of an active
// authorization by its applicant: which dataset, for what matter, by whom
// and when. A dataset that needs its data subjects' consent is used only
// for the consented matter, within the consented number of accesses and
// term (ApplicationConsent).
type DataUse struct {
	ID            uint64    `gorm:"primaryKey;autoIncrement" json:"id"`
	ApplicationID uint64    `gorm:"not null;index:idx_data_uses_dataset,priority:1" json:"application_id"`
	DatasetCode   string    `gorm:"size:32;not null;index:idx_data_uses_dataset,priority:2" json:"dataset"`
	Matter        string    `gorm:"size:500;not null" json:"matter"`
	UsedBy        string    `gorm:"size:64;not null" json:"used_by"`
	UserOrg       string    `gorm:"size:64;not null" json:"user_org"`
	UsedAt        time.Time `gorm:"not null" json:"used_at"`
}

// UseStream is the audit stream of an application's data uses.
func UseStream(appID uint64) string { return "uses-" + strconv.FormatUint(appID, 10) }

// AuditDataUsed is the audit action of a recorded use.
const AuditDataUsed = "data.used"

// Why a use is refused.
const (
	// UseNotActive: the application is not an active authorization.
	UseNotActive = "not_active"
	// UseNotNamed: the application does not name the dataset.
	UseNotNamed = "not_named"
	// UseNotApproved: its department did not approve the dataset (yet).
	UseNotApproved = "not_approved"
	// UseNoConsent: the dataset needs its data subjects' consent and the
	// application records none (it was marked after the application).
	UseNoConsent = "no_consent"
	// UseExpired: the consent's term has ended.
	UseExpired = "expired"
	// UseOtherMatter: the use is for another matter than the consented one.
	UseOtherMatter = "other_matter"
	// UseExhausted: the consented number of accesses is used up.
	UseExhausted = "exhausted"
)

// UseRefused is why RecordUse refused a use; it is an ErrConflict.
type UseRefused struct {
	Kind string
	// Status is the application's, for UseNotActive; Decision the
	// dataset's, for UseNotApproved.
	Status, Decision string
	// Consent is the dataset's consent, for the refusals about it; Used
	// counts its uses.
	Consent ApplicationConsent
	Used    int64
}

func (e *UseRefused) Error() string {
	return fmt.Sprintf("use refused (%s)", e.Kind)
}

func (e *UseRefused) Unwrap() error { return ErrConflict }

// RecordUse records u and its audit entry, in one transaction, if the use
// is allowed on today (YYYY-MM-DD in China time): the application is
// active, its department approved the dataset, and, for a dataset that
// needs its data subjects' consent, the consent's term has not ended, u
// is for its matter, and fewer uses than its accesses are recorded.
// Otherwise it returns a *UseRefused and writes nothing. The audit chain's
// head is taken first, so two uses of one consent count one after the
// other and never exceed it. For a dataset with a consent, it returns the
// consent as this use leaves it; nil otherwise.
func (s *Store) RecordUse(ctx context.Context, u *DataUse, role, today string) (*ConsentUse, error) {
	u.ID, u.UsedAt = 0, u.UsedAt.UTC()
	var left *ConsentUse
	err := s.inTxRetrying(ctx, func(tx *gorm.DB) error {
		if _, err := lockChainHead(tx); err != nil {
			return err
		}
		var err error
		// A new session: each of checkUse's queries starts from the
		// locking read alone (a chained *gorm.DB would pile up their
		// conditions).
		if left, err = checkUse(latest(tx).Session(&gorm.Session{}), *u, today); err != nil {
			return err
		}
		if left != nil {
			left.Used++
			left.Remaining--
		}
		if err := tx.Create(u).Error; err != nil {
			return err
		}
		return appendAuditStreamTx(tx, UseStream(u.ApplicationID), AuditEntry{
			ApplicationID: u.ApplicationID, Actor: u.UsedBy, Role: role, Department: u.UserOrg,
			Action: AuditDataUsed, Target: fmt.Sprintf("%d %s", u.ID, u.DatasetCode), Reason: u.Matter, At: u.UsedAt,
		})
	})
	var refused *UseRefused
	switch {
	case errors.As(err, &refused), errors.Is(err, ErrNotFound):
		return nil, err
	case err != nil:
		return nil, fmt.Errorf("record a use of application %d: %w", u.ApplicationID, err)
	}
	return left, nil
}

// checkUse is RecordUse's rule, read inside its transaction: a
// *UseRefused, or the dataset's consent as it stands before the use (nil
// when it has none).
func checkUse(db *gorm.DB, u DataUse, today string) (*ConsentUse, error) {
	var app Application
	if err := db.Select("id", "status").Where("id = ?", u.ApplicationID).Take(&app).Error; err != nil {
		return nil, fmt.Errorf("load application %d: %w", u.ApplicationID, notFound(err))
	}
	if app.Status != domain.StatusActive {
		return nil, &UseRefused{Kind: UseNotActive, Status: app.Status}
	}
	var ds ApplicationDataset
	err := db.Where("application_id = ? AND dataset_code = ?", u.ApplicationID, u.DatasetCode).Take(&ds).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, &UseRefused{Kind: UseNotNamed}
	} else if err != nil {
		return nil, err
	}
	if ds.Decision != domain.DecisionApprove {
		return nil, &UseRefused{Kind: UseNotApproved, Decision: ds.Decision}
	}
	var c ApplicationConsent
	err = db.Where("application_id = ? AND dataset_code = ?", u.ApplicationID, u.DatasetCode).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		var d Dataset
		if err := db.Select("code", "requires_consent").Where("code = ?", u.DatasetCode).Take(&d).Error; err != nil {
			return nil, fmt.Errorf("load dataset %s: %w", u.DatasetCode, err)
		}
		if d.RequiresConsent {
			return nil, &UseRefused{Kind: UseNoConsent}
		}
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var used int64
	if err := db.Model(&DataUse{}).Where("application_id = ? AND dataset_code = ?", u.ApplicationID, u.DatasetCode).
		Count(&used).Error; err != nil {
		return nil, err
	}
	switch {
	case c.Expired(today):
		return nil, &UseRefused{Kind: UseExpired, Consent: c, Used: used}
	case u.Matter != c.Matter:
		return nil, &UseRefused{Kind: UseOtherMatter, Consent: c, Used: used}
	case used >= int64(c.MaxAccesses):
		return nil, &UseRefused{Kind: UseExhausted, Consent: c, Used: used}
	}
	return &ConsentUse{ApplicationConsent: c, Used: used, Remaining: int64(c.MaxAccesses) - used}, nil
}

// DataUses lists an application's recorded uses, oldest first.
func (s *Store) DataUses(ctx context.Context, appID uint64) ([]DataUse, error) {
	out := []DataUse{}
	if err := s.reader(ctx).Where("application_id = ?", appID).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list uses of application %d: %w", appID, err)
	}
	return out, nil
}
