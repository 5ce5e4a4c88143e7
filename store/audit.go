package store

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// AuditEntry is one append-only record of who did what, when and why.
// (WorkflowID, Seq) makes a retried activity's write idempotent.
type AuditEntry struct {
	ID            uint64    `gorm:"primaryKey;autoIncrement" json:"id"`
	WorkflowID    string    `gorm:"size:160;not null;uniqueIndex:idx_audit_wf_seq,priority:1" json:"workflow_id"`
	Seq           int64     `gorm:"not null;uniqueIndex:idx_audit_wf_seq,priority:2" json:"seq"`
	ApplicationID uint64    `gorm:"not null;index" json:"application_id"`
	Actor         string    `gorm:"size:64" json:"actor"`
	Role          string    `gorm:"size:32" json:"role"`
	Department    string    `gorm:"size:64" json:"department"`
	Action        string    `gorm:"size:48;not null" json:"action"`
	Target        string    `gorm:"size:160" json:"target"`
	Reason        string    `gorm:"size:16777215" json:"reason,omitempty"`
	Basis         string    `gorm:"size:16777215" json:"basis,omitempty"`
	At            time.Time `gorm:"not null;index" json:"at"`
}

// TableName keeps the audit table's name plain.
func (AuditEntry) TableName() string { return "audit_log" }

// AdminAuditStream is the audit stream of administrative changes (users,
// roles, orgs); workflows write one stream each, under their workflow ID.
const AdminAuditStream = "admin"

// AppendAudit appends an entry to a stream, numbering it after the last,
// and to the audit chain. Writers take turns on the chain's head; a
// duplicate number or a deadlock (racing first writes of the head) is
// retried.
func (s *Store) AppendAudit(ctx context.Context, stream string, e AuditEntry) error {
	var err error
	for range 5 {
		err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return appendAuditStreamTx(tx, stream, e)
		})
		if !isRetryable(err) {
			break
		}
	}
	if err != nil {
		return fmt.Errorf("append audit to %s: %w", stream, err)
	}
	return nil
}

// AuditStream lists one stream's entries in order.
func (s *Store) AuditStream(ctx context.Context, stream string) ([]AuditEntry, error) {
	var out []AuditEntry
	if err := s.reader(ctx).Where("workflow_id = ?", stream).Order("seq").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("read audit stream %s: %w", stream, err)
	}
	return out, nil
}

// appendAuditTx appends an entry to a stream inside tx, numbered after the
// stream's last. A racing writer makes the insert fail as a duplicate; the
// caller retries the whole transaction.
func appendAuditTx(tx *gorm.DB, stream string, e AuditEntry) error {
	return appendAuditStreamTx(tx, stream, e)
}

// inTxRetrying runs fn in a transaction, again when it failed on a
// duplicate key (two writers took the same audit number) or a deadlock.
func (s *Store) inTxRetrying(ctx context.Context, fn func(tx *gorm.DB) error) error {
	var err error
	for range 5 {
		err = s.db.WithContext(ctx).Transaction(fn)
		if !isRetryable(err) {
			return err
		}
	}
	return err
}

// Audit lists an application's audit entries, oldest first.
func (s *Store) Audit(ctx context.Context, appID uint64) ([]AuditEntry, error) {
	var out []AuditEntry
	if err := s.reader(ctx).Where("application_id = ?", appID).Order(byCols("at", "id")).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("list audit of application %d: %w", appID, err)
	}
	return out, nil
}

// AuditFilter selects audit entries. Zero fields do not filter.
type AuditFilter struct {
	ApplicationID uint64
	Actor         string
	Department    string // the actor's org
	Action        string
	// From and To bound the time: at or after From, before To.
	From, To      time.Time
	Limit, Offset int // Limit defaults to DefaultLimit, at most MaxLimit
}

func (f AuditFilter) scope(db *gorm.DB) *gorm.DB {
	if f.ApplicationID != 0 {
		db = db.Where("application_id = ?", f.ApplicationID)
	}
	if f.Actor != "" {
		db = db.Where("actor = ?", f.Actor)
	}
	if f.Department != "" {
		db = db.Where("department = ?", f.Department)
	}
	if f.Action != "" {
		db = db.Where("action = ?", f.Action)
	}
	at := clause.Column{Name: "at"}
	if !f.From.IsZero() {
		db = db.Where(clause.Gte{Column: at, Value: f.From.UTC()})
	}
	if !f.To.IsZero() {
		db = db.Where(clause.Lt{Column: at, Value: f.To.UTC()})
	}
	return db
}

// newestFirst orders audit entries by time, then ID, descending.
var newestFirst = clause.OrderBy{Columns: []clause.OrderByColumn{
	{Column: clause.Column{Name: "at"}, Desc: true},
	{Column: clause.Column{Name: "id"}, Desc: true},
}}

// AuditLog returns one page of the entries matching f, newest first, and
// whether more follow.
func (s *Store) AuditLog(ctx context.Context, f AuditFilter) ([]AuditEntry, bool, error) {
	limit, offset := page(f.Limit, f.Offset)
	var out []AuditEntry
	err := s.reader(ctx).Scopes(f.scope).Order(newestFirst).Limit(limit + 1).Offset(offset).Find(&out).Error
	if err != nil {
		return nil, false, fmt.Errorf("read audit log: %w", err)
	}
	more := len(out) > limit
	if more {
		out = out[:limit]
	}
	return out, more, nil
}

// CountAudit counts the entries matching f.
func (s *Store) CountAudit(ctx context.Context, f AuditFilter) (int64, error) {
	var n int64
	if err := s.reader(ctx).Model(&AuditEntry{}).Scopes(f.scope).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count audit log: %w", err)
	}
	return n, nil
}

// auditBatch is how many entries EachAudit reads at a time.
const auditBatch = 1000

// EachAudit calls fn with the entries matching f, newest first, in batches,
// until max entries (f's Limit and Offset are ignored) or an error from fn.
// No query is open while fn runs: a slow reader holds no connection.
func (s *Store) EachAudit(ctx context.Context, f AuditFilter, max int, fn func([]AuditEntry) error) error {
	var last *AuditEntry
	for sent := 0; sent < max; {
		q := s.reader(ctx).Scopes(f.scope)
		if last != nil {
			at, id := clause.Column{Name: "at"}, clause.Column{Name: "id"}
			q = q.Where(clause.Or(
				clause.Lt{Column: at, Value: last.At},
				clause.And(clause.Eq{Column: at, Value: last.At}, clause.Lt{Column: id, Value: last.ID}),
			))
		}
		var rows []AuditEntry
		if err := q.Order(newestFirst).Limit(min(auditBatch, max-sent)).Find(&rows).Error; err != nil {
			return fmt.Errorf("read audit log: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		if err := fn(rows); err != nil {
			return err
		}
		sent += len(rows)
		last = &rows[len(rows)-1]
	}
	return nil
}
