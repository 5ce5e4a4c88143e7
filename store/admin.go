package store

import (
	"context"
	"fmt"

	"gorm.io/gorm"
)

// AdminAuditStream is the audit stream of administrative changes (users,
// roles, orgs); workflows write one stream each, under their workflow ID.
const AdminAuditStream = "admin"

// AppendAudit appends an entry to a stream, numbering it after the last,
// and to the audit chain. Writers take turns on the chain's head; a
// duplicate number (a racing first write of the head) is retried.
func (s *Store) AppendAudit(ctx context.Context, stream string, e AuditEntry) error {
	var err error
	for range 5 {
		err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			return appendAuditStreamTx(tx, stream, e)
		})
		if !isDuplicate(err) {
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

// CreateOrg adds an org; a taken code is ErrConflict.
func (s *Store) CreateOrg(ctx context.Context, o Org) error {
	err := s.db.WithContext(ctx).Create(&o).Error
	if isDuplicate(err) {
		return fmt.Errorf("org %q already exists: %w", o.Code, ErrConflict)
	}
	if err != nil {
		return fmt.Errorf("create org %q: %w", o.Code, err)
	}
	return nil
}

// RowCounts counts the rows of every table; tests use it to show that a
// refused request changed nothing.
func (s *Store) RowCounts(ctx context.Context) (map[string]int64, error) {
	out := map[string]int64{}
	for _, m := range []any{&Org{}, &User{}, &Dataset{}, &Application{}, &ApplicationDataset{},
		&Task{}, &Agreement{}, &Model{}, &Evaluation{}, &AuditEntry{}, &CasbinRule{}, &Urge{},
		&GroundlessFlag{}, &HolidayTable{}} {
		stmt := &gorm.Statement{DB: s.db}
		if err := stmt.Parse(m); err != nil {
			return nil, err
		}
		var n int64
		if err := s.reader(ctx).Model(m).Count(&n).Error; err != nil {
			return nil, fmt.Errorf("count %s: %w", stmt.Table, err)
		}
		out[stmt.Table] = n
	}
	return out, nil
}
