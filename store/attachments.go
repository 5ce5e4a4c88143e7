package store

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"gorm.io/gorm"
)

// Attachment is a document attached to an application: what it is (its
// kind, and the task it answers, if any), its cleaned name, its type as
// known by content, its size and SM3 digest (the file store's key), and
// who attached it when. The bytes are in the file store (package files).
type Attachment struct {
	ID            uint64    `gorm:"primaryKey;autoIncrement" json:"id"`
	ApplicationID uint64    `gorm:"not null;index:idx_attachments_application" json:"application_id"`
	Kind          string    `gorm:"size:32;not null" json:"kind"`
	TaskID        string    `gorm:"size:160;not null" json:"task_id,omitempty"`
	Name          string    `gorm:"size:512;not null" json:"name"`
	MediaType     string    `gorm:"size:128;not null" json:"media_type"`
	Size          int64     `gorm:"not null" json:"size"`
	SM3           string    `gorm:"column:sm3;size:64;not null" json:"sm3"`
	UploadedBy    string    `gorm:"size:64;not null" json:"uploaded_by"`
	UploaderOrg   string    `gorm:"size:64;not null" json:"uploader_org"`
	UploadedAt    time.Time `gorm:"not null" json:"uploaded_at"`
}

// AttachmentStream is the audit stream of an application's attachments:
// every upload and download, with the file's SM3 digest.
func AttachmentStream(appID uint64) string { return "attachments-" + strconv.FormatUint(appID, 10) }

// Audit actions of attachments.
const (
	AuditAttachmentUploaded   = "attachment.uploaded"
	AuditAttachmentDownloaded = "attachment.downloaded"
)

// ErrAttachmentQuota: the application's attachments would exceed their
// total limit.
type ErrAttachmentQuota struct {
	Limit, Used int64
}

func (e *ErrAttachmentQuota) Error() string {
	return fmt.Sprintf("the application's attachments would exceed %d bytes (%d used)", e.Limit, e.Used)
}

// AddAttachment records an attachment and its upload in the audit, in one
// transaction, if the application's attachments stay within limit bytes
// with it (0: no limit). The audit chain's head is taken first, so two
// uploads to one application check the total one after the other.
func (s *Store) AddAttachment(ctx context.Context, a *Attachment, role string, limit int64) error {
	err := s.inTxRetrying(ctx, func(tx *gorm.DB) error {
		if _, err := lockChainHead(tx); err != nil {
			return err
		}
		var used int64
		if err := latest(tx).Model(&Attachment{}).Where("application_id = ?", a.ApplicationID).
			Select("COALESCE(SUM(size), 0)").Scan(&used).Error; err != nil {
			return err
		}
		if limit > 0 && used+a.Size > limit {
			return &ErrAttachmentQuota{Limit: limit, Used: used}
		}
		a.ID = 0
		if err := tx.Create(a).Error; err != nil {
			return err
		}
		return appendAuditStreamTx(tx, AttachmentStream(a.ApplicationID), AuditEntry{
			ApplicationID: a.ApplicationID, Actor: a.UploadedBy, Role: role, Department: a.UploaderOrg,
			Action: AuditAttachmentUploaded, Target: attachmentTarget(*a), Reason: a.Kind, At: a.UploadedAt,
		})
	})
	var quota *ErrAttachmentQuota
	if err != nil && !errors.As(err, &quota) {
		return fmt.Errorf("add attachment to application %d: %w", a.ApplicationID, err)
	}
	return err
}

// attachmentTarget names a file in the audit: its number, name and SM3
// digest, so the entry identifies the bytes.
func attachmentTarget(a Attachment) string {
	t := fmt.Sprintf("%d %s sm3:%s", a.ID, a.Name, a.SM3)
	if r := []rune(t); len(r) > 160 {
		// The digest matters more than the whole name: shorten the name.
		name := []rune(a.Name)
		name = name[:max(0, len(name)-(len(r)-160))]
		t = fmt.Sprintf("%d %s sm3:%s", a.ID, string(name), a.SM3)
	}
	return t
}

// RecordDownload writes a download of a to the audit.
func (s *Store) RecordDownload(ctx context.Context, a Attachment, actor, role, org string, at time.Time) error {
	return s.AppendAudit(ctx, AttachmentStream(a.ApplicationID), AuditEntry{
		ApplicationID: a.ApplicationID, Actor: actor, Role: role, Department: org,
		Action: AuditAttachmentDownloaded, Target: attachmentTarget(a), Reason: a.Kind, At: at,
	})
}

// Attachments lists an application's attachments, oldest first.
func (s *Store) Attachments(ctx context.Context, appID uint64) ([]Attachment, error) {
	var out []Attachment
	if err := s.reader(ctx).Where("application_id = ?", appID).Order("id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list attachments of application %d: %w", appID, err)
	}
	return out, nil
}

// AttachmentOf is attachment id of application appID; ErrNotFound if the
// application has none of that number.
func (s *Store) AttachmentOf(ctx context.Context, appID, id uint64) (Attachment, error) {
	var a Attachment
	err := s.reader(ctx).Where("application_id = ? AND id = ?", appID, id).Take(&a).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return a, ErrNotFound
	}
	if err != nil {
		return a, fmt.Errorf("read attachment %d: %w", id, err)
	}
	return a, nil
}
