package store

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emmansun/gmsm/sm3"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// The audit chain.
//
// Every audit row, whatever its stream (an application's workflow, the
// admin, supervision and assignment streams), is linked into one chain:
// audit_chain holds, for the row, the next number of one global sequence
// (chain_seq: 1, 2, 3, ... without gaps) and
//
//	hash = SM3(domain, prev_hash, chain_seq, the row's content)
//
// where prev_hash is the hash at chain_seq-1 (64 zeros for the first). The
// number and both hashes are written in the transaction that inserts the
// row, while it holds the chain's head (audit_chain_head, one row: the last
// number and hash), so writers take turns: SQLite has one writer anyway, and
// on MySQL the head row is locked with SELECT ... FOR UPDATE.
// VerifyAuditChain walks the chain and names the first row that was edited,
// deleted, inserted or reordered.
//
// The links live beside audit_log rather than in it, so that audit_log
// stays exactly as it was, rows are only ever inserted into either table,
// and a database with years of audit rows needs no ALTER TABLE.
//
// What the chain proves, and what it does not: anyone who changes a row
// without recomputing every later hash and the head is caught. Someone with
// write access to the database and this documentation could recompute the
// whole chain; an anchor (a chain_seq and its hash, printed by `datagate
// audit verify` and kept elsewhere) catches that: `--anchor SEQ:HASH`.

// auditHashDomain separates this hash from any other use of SM3 and names
// the layout version.
const auditHashDomain = "datagate-audit-v1"

// AuditGenesisHash is the prev_hash of the first row.
var AuditGenesisHash = strings.Repeat("0", 64)

// auditTimeLayout is how a row's time enters its hash: UTC, microseconds,
// which both SQLite and MySQL DATETIME(6) store exactly.
const auditTimeLayout = "2006-01-02T15:04:05.000000Z"

// chainHeadID is the one row of audit_chain_head.
const chainHeadID = 1

// AuditLink is one audit row's place in the chain. AuditID is indexed, not
// unique: a duplicate link is a break the verifier reports.
type AuditLink struct {
	ChainSeq int64  `gorm:"primaryKey;autoIncrement:false" json:"chain_seq"`
	AuditID  uint64 `gorm:"not null;index" json:"audit_id"`
	PrevHash string `gorm:"size:64;not null" json:"prev_hash"`
	Hash     string `gorm:"size:64;not null" json:"hash"`
}

// TableName names the chain's table.
func (AuditLink) TableName() string { return "audit_chain" }

// AuditChainHead is the end of the audit chain: the last chain_seq and its
// hash. Writers lock it to append; the verifier compares the last link with
// it, so that deleting the newest rows is caught too.
type AuditChainHead struct {
	ID   uint   `gorm:"primaryKey;autoIncrement:false"`
	Seq  int64  `gorm:"not null"`
	Hash string `gorm:"size:64;not null"`
}

// TableName names the head's table.
func (AuditChainHead) TableName() string { return "audit_chain_head" }

// AuditHash is the SM3 hash of an audit row at a chain position: over the
// domain tag, the previous hash, chain_seq and the row's content, each
// field length-prefixed (8 bytes, big-endian) so that no two different rows
// encode alike. The content is workflow_id, seq, application_id, actor,
// role, department, action, target, reason, basis and at (UTC, RFC 3339
// with microseconds); decimal numbers. The row's id is not covered (the
// verifier checks instead that ids grow along the chain).
func AuditHash(prevHash string, chainSeq int64, e AuditEntry) string {
	h := sm3.New()
	for _, s := range []string{
		auditHashDomain, prevHash, strconv.FormatInt(chainSeq, 10),
		e.WorkflowID, strconv.FormatInt(e.Seq, 10), strconv.FormatUint(e.ApplicationID, 10),
		e.Actor, e.Role, e.Department, e.Action, e.Target, e.Reason, e.Basis,
		e.At.UTC().Format(auditTimeLayout),
	} {
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// normAudit makes an entry read back exactly as written on every database,
// so that its hash verifies later: UTC to the microsecond, and valid UTF-8
// (MySQL refuses other bytes; SQLite would keep them).
func normAudit(a *AuditEntry) {
	a.At = a.At.UTC().Truncate(time.Microsecond)
	for _, s := range []*string{&a.WorkflowID, &a.Actor, &a.Role, &a.Department, &a.Action, &a.Target, &a.Reason, &a.Basis} {
		*s = strings.ToValidUTF8(*s, "\uFFFD")
	}
}

// lockChainHead takes the chain's head for the rest of tx and returns it.
// On MySQL the row is locked FOR UPDATE; on SQLite the transaction writes
// to it first, so that it holds the database's write lock before it reads.
// The first write creates the head, and first links the rows written before
// the chain existed, in the order they were written.
func lockChainHead(tx *gorm.DB) (AuditChainHead, error) {
	var h AuditChainHead
	q := tx
	if tx.Dialector.Name() == "mysql" {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	} else if err := tx.Exec("UPDATE audit_chain_head SET seq = seq WHERE id = ?", chainHeadID).Error; err != nil {
		return h, fmt.Errorf("lock the audit chain: %w", err)
	}
	err := q.Where("id = ?", chainHeadID).Take(&h).Error
	if err == nil {
		return h, nil
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return h, fmt.Errorf("lock the audit chain: %w", err)
	}
	// A racing first writer makes this a duplicate, and the caller's
	// transaction is retried.
	h = AuditChainHead{ID: chainHeadID, Hash: AuditGenesisHash}
	if err := tx.Create(&h).Error; err != nil {
		return h, fmt.Errorf("start the audit chain: %w", err)
	}
	for {
		var rows []AuditEntry
		if err := tx.Where("id NOT IN (?)", tx.Model(&AuditLink{}).Select("audit_id")).
			Order("id").Limit(500).Find(&rows).Error; err != nil {
			return h, fmt.Errorf("link earlier audit rows: %w", err)
		}
		if len(rows) == 0 {
			return h, nil
		}
		if err := linkRows(tx, &h, rows); err != nil {
			return h, err
		}
	}
}

// linkRows links stored rows after head and advances the head.
func linkRows(tx *gorm.DB, head *AuditChainHead, rows []AuditEntry) error {
	links := make([]AuditLink, len(rows))
	for i, r := range rows {
		n := head.Seq + 1
		links[i] = AuditLink{ChainSeq: n, AuditID: r.ID, PrevHash: head.Hash, Hash: AuditHash(head.Hash, n, r)}
		head.Seq, head.Hash = n, links[i].Hash
	}
	if err := tx.CreateInBatches(&links, 500).Error; err != nil {
		return fmt.Errorf("link audit rows: %w", err)
	}
	res := tx.Model(&AuditChainHead{}).Where("id = ?", chainHeadID).
		Updates(map[string]any{"seq": head.Seq, "hash": head.Hash})
	if res.Error != nil {
		return fmt.Errorf("advance the audit chain: %w", res.Error)
	}
	if res.RowsAffected != 1 {
		return errors.New("advance the audit chain: the head row is missing")
	}
	return nil
}

// insertChained inserts entries and links them after head, inside tx
// (which holds the head: lockChainHead).
func insertChained(tx *gorm.DB, head *AuditChainHead, entries []AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	rows := make([]AuditEntry, len(entries))
	for i, e := range entries {
		normAudit(&e)
		e.ID = 0
		rows[i] = e
	}
	// A plain insert: a duplicate (workflow_id, seq) fails the whole
	// transaction rather than leave a gap in the chain.
	if err := tx.CreateInBatches(&rows, 200).Error; err != nil {
		return fmt.Errorf("write audit: %w", err)
	}
	return linkRows(tx, head, rows)
}

// chainAudit appends a workflow's audit entries inside tx. Entries already
// stored under their (workflow_id, seq), i.e. by an earlier attempt of the
// same activity, are skipped: a retried write chains nothing twice.
func chainAudit(tx *gorm.DB, entries []AuditEntry) error {
	if len(entries) == 0 {
		return nil
	}
	head, err := lockChainHead(tx)
	if err != nil {
		return err
	}
	type key struct {
		wf  string
		seq int64
	}
	byStream := map[string][]int64{}
	for _, e := range entries {
		byStream[e.WorkflowID] = append(byStream[e.WorkflowID], e.Seq)
	}
	stored := map[key]bool{}
	for wf, seqs := range byStream {
		for chunk := range slices.Chunk(seqs, 500) {
			var have []int64
			if err := latest(tx).Model(&AuditEntry{}).Where("workflow_id = ? AND seq IN ?", wf, chunk).
				Pluck("seq", &have).Error; err != nil {
				return fmt.Errorf("read audit of %s: %w", wf, err)
			}
			for _, s := range have {
				stored[key{wf, s}] = true
			}
		}
	}
	var fresh []AuditEntry
	for _, e := range entries {
		k := key{e.WorkflowID, e.Seq}
		if stored[k] {
			continue
		}
		stored[k] = true
		fresh = append(fresh, e)
	}
	return insertChained(tx, &head, fresh)
}

// latest reads the newest committed rows inside tx: on MySQL a locking
// read, which does not see the transaction's snapshot, taken perhaps before
// it waited for the head, but what the writers before it committed.
func latest(tx *gorm.DB) *gorm.DB {
	if tx.Dialector.Name() == "mysql" {
		return tx.Clauses(clause.Locking{Strength: "SHARE"})
	}
	return tx
}

// appendAuditStreamTx appends e to a stream inside tx, numbered after the
// stream's last entry, and to the chain.
func appendAuditStreamTx(tx *gorm.DB, stream string, e AuditEntry) error {
	head, err := lockChainHead(tx)
	if err != nil {
		return err
	}
	var last int64
	if err := latest(tx).Model(&AuditEntry{}).Where("workflow_id = ?", stream).
		Select("COALESCE(MAX(seq), 0)").Scan(&last).Error; err != nil {
		return fmt.Errorf("read audit stream %s: %w", stream, err)
	}
	e.WorkflowID, e.Seq = stream, last+1
	return insertChained(tx, &head, []AuditEntry{e})
}

// Kinds of break in the audit chain.
const (
	// AuditEdited: a row's content, or its hash, is not what was written.
	AuditEdited = "edited"
	// AuditDeleted: a number of the chain, or its newest rows, are missing.
	AuditDeleted = "deleted"
	// AuditInserted: a row that was not written by DataGate's chain.
	AuditInserted = "inserted"
	// AuditReordered: rows stand in another order than they were written.
	AuditReordered = "reordered"
	// AuditUnsealed: rows from before the chain existed, not yet sealed
	// (that happens at the next audit write).
	AuditUnsealed = "unsealed"
)

// AuditBreak is the first place where the audit chain does not hold.
type AuditBreak struct {
	Kind string `json:"kind"`
	// ChainSeq is the position in the chain where it breaks.
	ChainSeq int64 `json:"chain_seq"`
	// ID is the audit row found there; 0 when the row is missing.
	ID     uint64 `json:"id,omitempty"`
	Detail string `json:"detail"`
}

func (b AuditBreak) String() string {
	s := fmt.Sprintf("%s at chain_seq %d", b.Kind, b.ChainSeq)
	if b.ID != 0 {
		s += fmt.Sprintf(" (audit row id %d)", b.ID)
	}
	return s + ": " + b.Detail
}

// AuditVerification is the result of walking the chain.
type AuditVerification struct {
	OK bool `json:"ok"`
	// Rows is how many rows were checked, in chain order.
	Rows int64 `json:"rows"`
	// HeadSeq and HeadHash are the chain's end when the walk began: keep
	// them elsewhere as an anchor.
	HeadSeq  int64       `json:"head_seq"`
	HeadHash string      `json:"head_hash"`
	Broken   *AuditBreak `json:"broken,omitempty"`
}

// auditVerifyBatch is how many links the verifier reads at a time.
const auditVerifyBatch = 1000

// VerifyAuditChain walks the audit chain from its first link to the head it
// finds when it starts, recomputing every hash, and reports the first row
// that was edited, deleted, inserted or reordered. Rows appended meanwhile
// are left for the next walk. It only reads.
func (s *Store) VerifyAuditChain(ctx context.Context) (AuditVerification, error) {
	db := s.reader(ctx)
	var v AuditVerification
	head, haveHead, err := s.chainHead(ctx)
	if err != nil {
		return v, err
	}
	v.HeadSeq, v.HeadHash = head.Seq, head.Hash
	broke := func(b AuditBreak) (AuditVerification, error) {
		v.Broken = &b
		return v, nil
	}

	prevHash, prevID, expect := AuditGenesisHash, uint64(0), int64(1)
	for {
		var links []AuditLink
		q := db.Where("chain_seq >= ?", expect).Order("chain_seq").Limit(auditVerifyBatch)
		if haveHead {
			q = q.Where("chain_seq <= ?", head.Seq)
		}
		if err := q.Find(&links).Error; err != nil {
			return v, fmt.Errorf("read the audit chain from %d: %w", expect, err)
		}
		if len(links) == 0 {
			break
		}
		ids := make([]uint64, len(links))
		for i, l := range links {
			ids[i] = l.AuditID
		}
		var rows []AuditEntry
		if err := db.Where("id IN ?", ids).Find(&rows).Error; err != nil {
			return v, fmt.Errorf("read audit rows: %w", err)
		}
		byID := make(map[uint64]AuditEntry, len(rows))
		for _, r := range rows {
			byID[r.ID] = r
		}
		for _, l := range links {
			if l.ChainSeq > expect {
				missing := fmt.Sprintf("chain_seq %d is missing", expect)
				if l.ChainSeq > expect+1 {
					missing = fmt.Sprintf("chain_seq %d to %d are missing", expect, l.ChainSeq-1)
				}
				return broke(AuditBreak{Kind: AuditDeleted, ChainSeq: expect,
					Detail: fmt.Sprintf("%s: chain_seq %d follows %d", missing, l.ChainSeq, expect-1)})
			}
			r, ok := byID[l.AuditID]
			if !ok {
				return broke(AuditBreak{Kind: AuditDeleted, ChainSeq: expect, ID: l.AuditID,
					Detail: fmt.Sprintf("audit row id %d, linked at chain_seq %d, is gone", l.AuditID, expect)})
			}
			if b, err := s.checkLink(ctx, l, r, prevHash, prevID); err != nil || b != nil {
				if err != nil {
					return v, err
				}
				return broke(*b)
			}
			prevHash, prevID = l.Hash, r.ID
			expect++
			v.Rows++
		}
	}
	last := expect - 1
	switch {
	case !haveHead && last > 0:
		return broke(AuditBreak{Kind: AuditDeleted, ChainSeq: last + 1,
			Detail: fmt.Sprintf("the chain head (audit_chain_head) is missing, though %d rows are linked", last)})
	case haveHead && head.Seq > last:
		return broke(AuditBreak{Kind: AuditDeleted, ChainSeq: last + 1,
			Detail: fmt.Sprintf("the head records %d rows, the chain ends at %d: its newest rows were deleted", head.Seq, last)})
	case haveHead && head.Hash != prevHash:
		return broke(AuditBreak{Kind: AuditEdited, ChainSeq: last, ID: prevID,
			Detail: "the last hash differs from the one the head records: the last row was replaced, or the head edited"})
	}
	// Links beyond the head: those appended since the walk began are
	// covered by the head as it is now, and checked next time.
	now, _, err := s.chainHead(ctx)
	if err != nil {
		return v, err
	}
	var beyond AuditLink
	err = db.Where("chain_seq > ?", max(now.Seq, head.Seq)).Order("chain_seq").Take(&beyond).Error
	if err == nil {
		return broke(AuditBreak{Kind: AuditInserted, ChainSeq: beyond.ChainSeq, ID: beyond.AuditID,
			Detail: fmt.Sprintf("chain_seq %d lies beyond the head (%d): it was not written by DataGate", beyond.ChainSeq, max(now.Seq, head.Seq))})
	}
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return v, fmt.Errorf("read the audit chain: %w", err)
	}
	// Rows that are not in the chain.
	var loose AuditEntry
	err = db.Where("id NOT IN (?)", db.Model(&AuditLink{}).Select("audit_id")).Order("id").Take(&loose).Error
	switch {
	case err == nil && !haveHead:
		var n int64
		if err := db.Model(&AuditEntry{}).Count(&n).Error; err != nil {
			return v, fmt.Errorf("count audit rows: %w", err)
		}
		return broke(AuditBreak{Kind: AuditUnsealed, ChainSeq: 1, ID: loose.ID,
			Detail: fmt.Sprintf("the %d audit rows were written before the chain existed; the next audit write links them", n)})
	case err == nil:
		return broke(AuditBreak{Kind: AuditInserted, ID: loose.ID,
			Detail: fmt.Sprintf("audit row id %d (%s #%d, %s) has no place in the chain: it was inserted outside DataGate",
				loose.ID, loose.WorkflowID, loose.Seq, loose.Action)})
	case !errors.Is(err, gorm.ErrRecordNotFound):
		return v, fmt.Errorf("read the audit log: %w", err)
	}
	v.OK = true
	return v, nil
}

func (s *Store) chainHead(ctx context.Context) (AuditChainHead, bool, error) {
	var h AuditChainHead
	err := s.reader(ctx).Where("id = ?", chainHeadID).Take(&h).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return h, false, nil
	}
	if err != nil {
		return h, false, fmt.Errorf("read the audit chain head: %w", err)
	}
	return h, true, nil
}

// auditWindow is how far around a break the verifier looks for where a
// misplaced row belongs.
const auditWindow = 64

// checkLink checks link l of row r, which follows a link with hash prevHash
// for a row with id prevID; nil when it holds.
func (s *Store) checkLink(ctx context.Context, l AuditLink, r AuditEntry, prevHash string, prevID uint64) (*AuditBreak, error) {
	k := l.ChainSeq
	linked := l.PrevHash == prevHash
	sound := AuditHash(l.PrevHash, k, r) == l.Hash
	at := func(kind, format string, args ...any) *AuditBreak {
		return &AuditBreak{Kind: kind, ChainSeq: k, ID: r.ID, Detail: fmt.Sprintf(format, args...)}
	}
	if linked && sound {
		if r.ID > prevID {
			return nil, nil
		}
		return at(AuditReordered, "audit row id %d stands after row id %d, though it was written before it", r.ID, prevID), nil
	}
	db := s.reader(ctx)
	if !linked {
		// What does it link to?
		var q AuditLink
		err := db.Where("hash = ?", l.PrevHash).Order("chain_seq").Take(&q).Error
		if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
			return nil, fmt.Errorf("read the audit chain: %w", err)
		}
		if err == nil && q.ChainSeq > k {
			return at(AuditReordered, "it was written after chain_seq %d, which now stands later", q.ChainSeq), nil
		}
		if err == nil && q.ChainSeq < k-1 {
			return &AuditBreak{Kind: AuditInserted, ChainSeq: q.ChainSeq + 1,
				Detail: fmt.Sprintf("chain_seq %d (audit row id %d) was written right after chain_seq %d: the %d row(s) between were inserted",
					k, r.ID, q.ChainSeq, k-1-q.ChainSeq)}, nil
		}
	}
	if !sound {
		// Its content belongs at another position of the chain.
		var near []AuditLink
		if err := db.Where("chain_seq BETWEEN ? AND ? AND chain_seq <> ?", k-auditWindow, k+auditWindow, k).
			Order("chain_seq").Find(&near).Error; err != nil {
			return nil, fmt.Errorf("read the audit chain: %w", err)
		}
		for _, o := range near {
			if AuditHash(o.PrevHash, o.ChainSeq, r) == o.Hash {
				return at(AuditReordered, "audit row id %d was written as chain_seq %d", r.ID, o.ChainSeq), nil
			}
		}
		// Renumbered: its hash holds at another number.
		for d := int64(1); d <= auditWindow; d++ {
			if AuditHash(l.PrevHash, k+d, r) == l.Hash {
				return at(AuditDeleted, "it was written as chain_seq %d: the %d row(s) before it were deleted and the rest renumbered", k+d, d), nil
			}
			if k-d >= 1 && AuditHash(l.PrevHash, k-d, r) == l.Hash {
				return at(AuditInserted, "it was written as chain_seq %d: %d row(s) were inserted before it and the rest renumbered", k-d, d), nil
			}
		}
	}
	switch {
	case linked:
		return at(AuditEdited, "the row's content no longer matches its hash"), nil
	case sound:
		return &AuditBreak{Kind: AuditEdited, ChainSeq: k - 1, ID: prevID,
			Detail: fmt.Sprintf("chain_seq %d links to a hash that no row has: the row before it was changed and its hash recomputed", k)}, nil
	}
	return at(AuditInserted, "neither its link nor its hash holds: it was not written by DataGate"), nil
}

// AuditHashAt is the hash at a chain position. A missing position is
// ErrNotFound.
func (s *Store) AuditHashAt(ctx context.Context, chainSeq int64) (string, error) {
	var l AuditLink
	if err := s.reader(ctx).Where("chain_seq = ?", chainSeq).Take(&l).Error; err != nil {
		return "", fmt.Errorf("read audit chain_seq %d: %w", chainSeq, notFound(err))
	}
	return l.Hash, nil
}

// AuditAnchor is a chain position and the hash it had when someone wrote
// it down elsewhere (the head an earlier verification printed). A chain
// rewritten from there on, or cut back below it, verifies on its own but
// no longer holds the anchor.
type AuditAnchor struct {
	ChainSeq int64  `json:"chain_seq"`
	Hash     string `json:"hash"`
	OK       bool   `json:"ok"`
	Detail   string `json:"detail,omitempty"`
}

// ParseAuditAnchor reads SEQ:HASH.
func ParseAuditAnchor(v string) (AuditAnchor, error) {
	seq, h, ok := strings.Cut(strings.TrimSpace(v), ":")
	n, err := strconv.ParseInt(seq, 10, 64)
	if _, herr := hex.DecodeString(h); !ok || err != nil || n < 1 || len(h) != 64 || herr != nil {
		return AuditAnchor{}, fmt.Errorf("anchor %q: give a chain_seq and the 64 hex digits of its hash, as verify prints the head: SEQ:HASH", v)
	}
	return AuditAnchor{ChainSeq: n, Hash: strings.ToLower(h)}, nil
}

// CheckAuditAnchor reports whether the chain still holds a.
func (s *Store) CheckAuditAnchor(ctx context.Context, a AuditAnchor) (AuditAnchor, error) {
	h, err := s.AuditHashAt(ctx, a.ChainSeq)
	a.OK = err == nil && h == a.Hash
	switch {
	case errors.Is(err, ErrNotFound):
		a.Detail = fmt.Sprintf("chain_seq %d is gone: the chain was cut back below it", a.ChainSeq)
	case err != nil:
		return a, err
	case !a.OK:
		a.Detail = fmt.Sprintf("chain_seq %d now has hash %s: the chain was rewritten from there or before", a.ChainSeq, h)
	}
	return a, nil
}
