package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// IdempotencyKey remembers the response to a request sent with an
// Idempotency-Key header, so that a client's retry gets the first answer
// and creates nothing new.
//
// Status says what Body holds:
//   - 0: a request holds the key and runs. Body is its reservation (JSON:
//     an owner token, and what the request noted for a retry to resume
//     from). After IdempotencyExpiry from CreatedAt, the request is taken
//     to have died with its process, and a retry takes the key over.
//   - 500 and above: the request failed after it had changed something
//     and noted it (e.g. a draft it saved). Body is that note; a retry runs
//     again and resumes from it.
//   - anything else: the final answer, and Body its body, replayed to
//     every retry.
//
// CreatedAt is when a request last took the key.
type IdempotencyKey struct {
	UserID    uint      `gorm:"primaryKey;autoIncrement:false" json:"-"`
	Key       string    `gorm:"primaryKey;column:idem_key;size:128" json:"-"`
	Route     string    `gorm:"size:200;not null" json:"-"`
	Status    int       `gorm:"not null" json:"-"`
	Body      string    `gorm:"size:16777215;not null" json:"-"`
	CreatedAt time.Time `gorm:"index" json:"-"`
}

// IdempotencyExpiry is how long a request may hold its key. Every request
// is bounded well within it (an Update waits at most 30 s); a key held
// longer belongs to a process that died between BeginIdempotent and
// FinishIdempotent, and a retry with the same key may take it over.
const IdempotencyExpiry = 5 * time.Minute

// IdempotencyRetention is how long a key is kept: a retry within it
// replays the first answer; PurgeIdempotencyKeys forgets older keys, whose
// stored answers would otherwise accumulate without end. (A decision
// retried later still applies once: its key is also the Update's ID.)
const IdempotencyRetention = 24 * time.Hour

// IdempotencyClaim is a key held by one request, from BeginIdempotent to
// FinishIdempotent.
type IdempotencyClaim struct {
	UserID uint
	Key    string
	// Resume is what an earlier request with this key noted (NoteIdempotent)
	// before it failed or its process died; empty for a fresh key.
	Resume string
	// held is the key's Body while this request holds it.
	held string
}

// reservation is the Body of a key held by a request.
type reservation struct {
	Owner  string `json:"owner"`
	Resume string `json:"resume,omitempty"`
}

func (r reservation) body() string {
	b, _ := json.Marshal(r)
	return string(b)
}

// BeginIdempotent reserves a key for a request at now. It returns a claim
// to run the request under: for a new key; for a key whose request failed
// part-way (status 500 and above, with a note to resume from); or for a
// key held longer than IdempotencyExpiry, whose request is taken to have
// died. Or it returns no claim and the stored response to replay, when
// the key's request has finished. It is ErrIdempotencyInFlight when the
// key is held by a request still running, and ErrIdempotencyOtherRoute
// when it was used on another route (both are ErrConflict).
func (s *Store) BeginIdempotent(ctx context.Context, userID uint, key, route string, now time.Time) (*IdempotencyClaim, IdempotencyKey, error) {
	db := s.db.WithContext(ctx)
	now = now.UTC()
	owner := make([]byte, 16)
	if _, err := rand.Read(owner); err != nil {
		return nil, IdempotencyKey{}, fmt.Errorf("reserve idempotency key: %w", err)
	}
	claim := &IdempotencyClaim{UserID: userID, Key: key}
	fresh := reservation{Owner: hex.EncodeToString(owner)}
	// Twice: a key freed (deleted) between the insert and the read is
	// inserted again.
	for range 2 {
		claim.held = fresh.body()
		err := db.Create(&IdempotencyKey{UserID: userID, Key: key, Route: route, Body: claim.held, CreatedAt: now}).Error
		if err == nil {
			return claim, IdempotencyKey{}, nil
		}
		if !isDuplicate(err) {
			return nil, IdempotencyKey{}, fmt.Errorf("reserve idempotency key: %w", err)
		}
		var prev IdempotencyKey
		err = db.Where("user_id = ? AND idem_key = ?", userID, key).Take(&prev).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			continue
		}
		if err != nil {
			return nil, IdempotencyKey{}, fmt.Errorf("read idempotency key: %w", err)
		}
		switch {
		case prev.Route != route:
			return nil, prev, fmt.Errorf("idempotency key already used on %s: %w", prev.Route, ErrIdempotencyOtherRoute)
		case prev.Status == 0 && prev.CreatedAt.After(now.Add(-IdempotencyExpiry)):
			return nil, prev, ErrIdempotencyInFlight
		case prev.Status == 0:
			// Its request died with its process: resume from its note.
			var r reservation
			_ = json.Unmarshal([]byte(prev.Body), &r)
			claim.Resume = r.Resume
		case prev.Status >= 500:
			claim.Resume = prev.Body
		default:
			return nil, prev, nil
		}
		// Take the key over, unless another retry did first.
		claim.held = reservation{Owner: fresh.Owner, Resume: claim.Resume}.body()
		res := db.Model(&IdempotencyKey{}).
			Where("user_id = ? AND idem_key = ? AND status = ? AND body = ?", userID, key, prev.Status, prev.Body).
			Updates(map[string]any{"status": 0, "body": claim.held, "created_at": now})
		if res.Error != nil {
			return nil, IdempotencyKey{}, fmt.Errorf("take over idempotency key: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return nil, prev, ErrIdempotencyInFlight
		}
		return claim, prev, nil
	}
	return nil, IdempotencyKey{}, fmt.Errorf("reserve idempotency key: freed and taken again meanwhile: %w", ErrIdempotencyInFlight)
}

// NoteIdempotent records, on the key a request holds, what a retry needs
// to resume should the request fail from here on or its process die (e.g.
// the ID of the row it created). It is ErrConflict when the key is no
// longer this request's (it was taken over after IdempotencyExpiry).
func (s *Store) NoteIdempotent(ctx context.Context, c *IdempotencyClaim, note string) error {
	var r reservation
	if err := json.Unmarshal([]byte(c.held), &r); err != nil {
		return fmt.Errorf("note on idempotency key: %w", err)
	}
	r.Resume = note
	held := r.body()
	res := s.db.WithContext(ctx).Model(&IdempotencyKey{}).Where(heldBy(c)).Updates(map[string]any{"body": held})
	if res.Error != nil {
		return fmt.Errorf("note on idempotency key: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("note on idempotency key: another request has taken it over: %w", ErrConflict)
	}
	c.held, c.Resume = held, note
	return nil
}

// FinishIdempotent stores the response of the request holding the key.
// A failure on the server's side (status 500 and above) frees the key,
// unless the request noted where to resume: the key then keeps the note,
// and a retry runs again from it. It is ErrConflict, and stores nothing,
// when another request has taken the key over.
func (s *Store) FinishIdempotent(ctx context.Context, c *IdempotencyClaim, status int, body []byte) error {
	db := s.db.WithContext(ctx)
	var res *gorm.DB
	switch {
	case status >= 500 && c.Resume == "":
		res = db.Where(heldBy(c)).Delete(&IdempotencyKey{})
	case status >= 500:
		res = db.Model(&IdempotencyKey{}).Where(heldBy(c)).Updates(map[string]any{"status": status, "body": c.Resume})
	default:
		res = db.Model(&IdempotencyKey{}).Where(heldBy(c)).Updates(map[string]any{"status": status, "body": string(body)})
	}
	if res.Error != nil {
		return fmt.Errorf("store idempotent response: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("store idempotent response: another request has taken the key over: %w", ErrConflict)
	}
	return nil
}

// heldBy selects the key while the claim's request holds it.
func heldBy(c *IdempotencyClaim) clause.Expr {
	return gorm.Expr("user_id = ? AND idem_key = ? AND status = 0 AND body = ?", c.UserID, c.Key, c.held)
}

// PurgeIdempotencyKeys deletes the keys reserved before before, and
// returns how many.
func (s *Store) PurgeIdempotencyKeys(ctx context.Context, before time.Time) (int64, error) {
	res := s.db.WithContext(ctx).Where("created_at < ?", before.UTC()).Delete(&IdempotencyKey{})
	if res.Error != nil {
		return 0, fmt.Errorf("purge idempotency keys: %w", res.Error)
	}
	return res.RowsAffected, nil
}
