package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// Copy is an application sent for information (抄送) by someone deciding
// on it to a colleague or to another department, with a note. It asks
// nothing of the recipient; the recipient's org may read the application
// from then on, and marks the copy read (已阅).
type Copy struct {
	ID            uint64 `gorm:"primaryKey;autoIncrement" json:"id"`
	ApplicationID uint64 `gorm:"not null;index:idx_copies_application" json:"application_id"`
	FromUser      string `gorm:"size:64;not null" json:"from_user"`
	FromOrg       string `gorm:"size:64;not null" json:"from_org"`
	// ToOrg is the recipient org; ToUser one person in it ("" is the
	// whole org).
	ToOrg     string     `gorm:"size:64;not null;index:idx_copies_to,priority:1" json:"to_org"`
	ToUser    string     `gorm:"size:64;not null" json:"to_user,omitempty"`
	Note      string     `gorm:"size:16777215;not null" json:"note"`
	CreatedAt time.Time  `gorm:"not null;index:idx_copies_to,priority:2" json:"created_at"`
	ReadBy    string     `gorm:"size:64;not null" json:"read_by,omitempty"`
	ReadAt    *time.Time `json:"read_at,omitempty"`
}

// copiedTo selects the applications copied to org.
func copiedTo(db *gorm.DB, org string) *gorm.DB {
	return db.Model(&Copy{}).Select("application_id").Where("to_org = ?", org)
}

// CopyStream is the audit stream of an application's copies.
func CopyStream(appID uint64) string { return "copies-" + strconv.FormatUint(appID, 10) }

// Audit actions of copies.
const (
	AuditCopied   = "application.copied"
	AuditCopyRead = "copy.read"
)

// WithoutCopies leaves out the entries of copies: a copy carries the
// reviewers' deliberation, which those who read no copies (the applicant)
// do not see in an application's record either.
func WithoutCopies(entries []AuditEntry) []AuditEntry {
	return slices.DeleteFunc(entries, func(e AuditEntry) bool {
		return e.Action == AuditCopied || e.Action == AuditCopyRead
	})
}

// AddCopy records a copy and its sending in the audit, in one transaction.
func (s *Store) AddCopy(ctx context.Context, c *Copy, role string) error {
	c.ID, c.CreatedAt, c.ReadBy, c.ReadAt = 0, c.CreatedAt.UTC(), "", nil
	err := s.inTxRetrying(ctx, func(tx *gorm.DB) error {
		if err := tx.Create(c).Error; err != nil {
			return err
		}
		return appendAuditStreamTx(tx, CopyStream(c.ApplicationID), AuditEntry{
			ApplicationID: c.ApplicationID, Actor: c.FromUser, Role: role, Department: c.FromOrg,
			Action: AuditCopied, Target: copyTarget(*c), Reason: c.Note, At: c.CreatedAt,
		})
	})
	if err != nil {
		return fmt.Errorf("copy application %d: %w", c.ApplicationID, err)
	}
	return nil
}

// copyTarget names a copy's recipient in the audit.
func copyTarget(c Copy) string {
	t := c.ToOrg
	if c.ToUser != "" {
		t = c.ToUser + " " + c.ToOrg
	}
	return fmt.Sprintf("%d %s", c.ID, t)
}

// CopyFilter selects the copies a user received: those to the user's org
// as a whole or to the user by name.
type CopyFilter struct {
	Org, User     string
	Unread        bool
	Limit, Offset int
}

func (f CopyFilter) query(db *gorm.DB) *gorm.DB {
	q := db.Model(&Copy{}).Where("to_org = ? AND (to_user = '' OR to_user = ?)", f.Org, f.User)
	if f.Unread {
		q = q.Where("read_at IS NULL")
	}
	return q
}

// CopiesReceived lists the copies f selects, newest first, and how many
// there are in all.
func (s *Store) CopiesReceived(ctx context.Context, f CopyFilter) ([]Copy, int64, error) {
	db := s.reader(ctx)
	var n int64
	if err := f.query(db).Count(&n).Error; err != nil {
		return nil, 0, fmt.Errorf("count copies: %w", err)
	}
	limit, offset := page(f.Limit, f.Offset)
	var out []Copy
	if err := f.query(db).Order("created_at DESC, id DESC").Limit(limit).Offset(offset).Find(&out).Error; err != nil {
		return nil, 0, fmt.Errorf("list copies: %w", err)
	}
	return out, n, nil
}

// CopiesOf lists an application's copies, oldest first.
func (s *Store) CopiesOf(ctx context.Context, appID uint64) ([]Copy, error) {
	var out []Copy
	if err := s.reader(ctx).Where("application_id = ?", appID).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list copies of application %d: %w", appID, err)
	}
	return out, nil
}

// MarkCopyRead marks copy id read by user, who must be one of its
// recipients (ErrNotFound otherwise), and records it in the audit once:
// a copy read already stays as it was.
func (s *Store) MarkCopyRead(ctx context.Context, id uint64, user, org, role string, at time.Time) (Copy, error) {
	var c Copy
	err := s.inTxRetrying(ctx, func(tx *gorm.DB) error {
		if _, err := lockChainHead(tx); err != nil {
			return err
		}
		err := CopyFilter{Org: org, User: user}.query(latest(tx)).Where("id = ?", id).Take(&c).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return ErrNotFound
		} else if err != nil || c.ReadAt != nil {
			return err
		}
		at := at.UTC()
		if err := tx.Model(&Copy{}).Where("id = ? AND read_at IS NULL", id).
			Updates(map[string]any{"read_by": user, "read_at": at}).Error; err != nil {
			return err
		}
		c.ReadBy, c.ReadAt = user, &at
		return appendAuditStreamTx(tx, CopyStream(c.ApplicationID), AuditEntry{
			ApplicationID: c.ApplicationID, Actor: user, Role: role, Department: org,
			Action: AuditCopyRead, Target: copyTarget(c), At: at,
		})
	})
	if errors.Is(err, ErrNotFound) {
		return c, err
	} else if err != nil {
		return c, fmt.Errorf("mark copy %d read: %w", id, err)
	}
	return c, nil
}
