package store

import (
	"context"
	"fmt"
)

// FileRef is a record that names a file of the file store by its SM3
// digest: an attachment, or an agreement's recorded text.
type FileRef struct {
	SM3           string
	ApplicationID uint64
	// What names the record: "attachment <n> <name>" or "agreement
	// <kind>".
	What string
}

// FileRefs lists every record that names a file, by digest (one digest
// may be named by several records).
func (s *Store) FileRefs(ctx context.Context) (map[string][]FileRef, error) {
	db := s.reader(ctx)
	out := map[string][]FileRef{}
	var atts []Attachment
	if err := db.Select("id", "application_id", "name", "sm3").Order("id").Find(&atts).Error; err != nil {
		return nil, fmt.Errorf("list the attachments' files: %w", err)
	}
	for _, a := range atts {
		out[a.SM3] = append(out[a.SM3], FileRef{SM3: a.SM3, ApplicationID: a.ApplicationID, What: fmt.Sprintf("attachment %d %s", a.ID, a.Name)})
	}
	var docs []AgreementDocument
	if err := db.Order("application_id, recorded_at").Find(&docs).Error; err != nil {
		return nil, fmt.Errorf("list the agreement documents' files: %w", err)
	}
	for _, d := range docs {
		out[d.SM3] = append(out[d.SM3], FileRef{SM3: d.SM3, ApplicationID: d.ApplicationID, What: "agreement " + d.Kind})
	}
	return out, nil
}
