package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"
)

// resetAudit empties the audit log and its chain (the shared MySQL test
// database keeps them between tests).
func resetAudit(t *testing.T, s *Store) {
	t.Helper()
	db := s.db.Session(&gorm.Session{AllowGlobalUpdate: true})
	for _, m := range []any{&AuditEntry{}, &AuditLink{}, &AuditChainHead{}} {
		must(t, db.Delete(m).Error)
	}
}

func entry(wf string, seq int64, action string) AuditEntry {
	return AuditEntry{WorkflowID: wf, Seq: seq, ApplicationID: 7, Actor: "reviewer-gsa", Role: "dept_reviewer",
		Department: "gsa", Action: action, Target: fmt.Sprintf("%s-t%d", wf, seq), Reason: "理由 <b>'; --",
		Basis: "第十六条", At: time.Date(2026, 3, 2, 9, 0, 0, 123456789, time.UTC).Add(time.Duration(seq) * time.Minute)}
}

func verifyOK(t *testing.T, s *Store) AuditVerification {
	t.Helper()
	v, err := s.VerifyAuditChain(context.Background())
	must(t, err)
	if !v.OK || v.Broken != nil {
		t.Fatalf("chain broken: %+v %v", v, v.Broken)
	}
	return v
}

// links lists the chain in order.
func links(t *testing.T, s *Store) []AuditLink {
	t.Helper()
	var out []AuditLink
	must(t, s.db.Order("chain_seq").Find(&out).Error)
	return out
}

// Every writer of audit rows links them into one gapless chain: workflow
// changes (Apply), administrative entries (AppendAudit) and supervision's
// (appendAuditTx); a retried Apply links nothing twice.
func TestAuditChainLinksEveryWriter(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, s *Store) {
		resetAudit(t, s)
		v := verifyOK(t, s)
		if v.Rows != 0 || v.HeadSeq != 0 {
			t.Fatalf("empty chain: %+v", v)
		}
		c := Change{Audit: []AuditEntry{entry("application-1", 1, "application.submitted"), entry("application-1", 2, "task.opened")}}
		must(t, s.Apply(ctx, c))
		must(t, s.AppendAudit(ctx, AdminAuditStream, AuditEntry{Actor: "admin", Action: "user.created", Target: "u1", At: time.Now()}))
		must(t, s.db.Transaction(func(tx *gorm.DB) error {
			return appendAuditTx(tx, SupervisionAuditStream, AuditEntry{Actor: "supervisor", Action: "task.urged", At: time.Now()})
		}))
		// The same change again (a retried activity), and one that
		// repeats an entry and adds one.
		must(t, s.Apply(ctx, c))
		must(t, s.Apply(ctx, Change{Audit: []AuditEntry{entry("application-1", 2, "task.opened"), entry("application-1", 3, "task.decided")}}))
		must(t, s.AppendAudit(ctx, AdminAuditStream, AuditEntry{Actor: "admin", Action: "role.assigned", At: time.Now()}))

		v = verifyOK(t, s)
		if n := count(t, s, &AuditEntry{}); v.Rows != 6 || n != 6 || v.HeadSeq != 6 {
			t.Errorf("verified %d rows, %d stored, head %d; want 6 each", v.Rows, n, v.HeadSeq)
		}
		ls := links(t, s)
		for i, l := range ls {
			want := AuditGenesisHash
			if i > 0 {
				want = ls[i-1].Hash
			}
			if l.ChainSeq != int64(i+1) || l.PrevHash != want || len(l.Hash) != 64 {
				t.Errorf("link %d: %+v", i, l)
			}
		}
		admin, err := s.AuditStream(ctx, AdminAuditStream)
		must(t, err)
		if len(admin) != 2 || admin[0].Seq != 1 || admin[1].Seq != 2 {
			t.Errorf("admin stream %+v", admin)
		}
		h, err := s.AuditHashAt(ctx, 6)
		must(t, err)
		if h != v.HeadHash {
			t.Errorf("hash at 6 = %s, head %s", h, v.HeadHash)
		}
	})
}

// Many writers at once, on every stream kind: the chain has no gap and no
// number twice, and every row is linked once.
func TestAuditChainConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, s *Store) {
		resetAudit(t, s)
		const writers, each = 8, 15
		var wg sync.WaitGroup
		errc := make(chan error, writers*each*3)
		for w := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				wf := fmt.Sprintf("application-%d", w+1)
				for i := range each {
					seq := int64(i + 1)
					c := Change{Audit: []AuditEntry{entry(wf, seq, "task.decided")}}
					errc <- s.Apply(ctx, c)
					errc <- s.Apply(ctx, c) // retried
					errc <- s.AppendAudit(ctx, AdminAuditStream, AuditEntry{Actor: "admin", Action: "user.created", At: time.Now()})
				}
			}()
		}
		wg.Wait()
		close(errc)
		for err := range errc {
			must(t, err)
		}
		v := verifyOK(t, s)
		if want := int64(writers * each * 2); v.Rows != want || count(t, s, &AuditEntry{}) != want || count(t, s, &AuditLink{}) != want {
			t.Errorf("verified %d rows, want %d", v.Rows, want)
		}
	})
}

// Rows written before the chain existed are linked by the first audit
// write, in the order they were written; until then verify says so.
func TestAuditChainLinksEarlierRows(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, s *Store) {
		resetAudit(t, s)
		for i := range 3 {
			e := entry("application-9", int64(i+1), "task.decided")
			normAudit(&e)
			must(t, s.db.Create(&e).Error)
		}
		v, err := s.VerifyAuditChain(ctx)
		must(t, err)
		if v.OK || v.Broken == nil || v.Broken.Kind != AuditUnsealed {
			t.Fatalf("before the first write: %+v", v)
		}
		must(t, s.AppendAudit(ctx, AdminAuditStream, AuditEntry{Actor: "admin", Action: "user.created", At: time.Now()}))
		if v := verifyOK(t, s); v.Rows != 4 {
			t.Errorf("verified %d rows, want 4", v.Rows)
		}
		var ids []uint64
		must(t, s.db.Model(&AuditLink{}).Order("chain_seq").Pluck("audit_id", &ids).Error)
		for i := 1; i < len(ids); i++ {
			if ids[i] <= ids[i-1] {
				t.Errorf("linked out of order: %v", ids)
			}
		}
	})
}

// The verifier names the first broken row, and what was done to it, for
// every kind of tampering: edited, deleted, inserted, reordered.
func TestAuditVerifyCatchesTampering(t *testing.T) {
	ctx := context.Background()
	const n = 10
	// row is the audit row at a chain position.
	row := func(t *testing.T, s *Store, k int64) AuditEntry {
		var l AuditLink
		must(t, s.db.Where("chain_seq = ?", k).Take(&l).Error)
		var r AuditEntry
		must(t, s.db.Where("id = ?", l.AuditID).Take(&r).Error)
		return r
	}
	link := func(t *testing.T, s *Store, k int64) AuditLink {
		var l AuditLink
		must(t, s.db.Where("chain_seq = ?", k).Take(&l).Error)
		return l
	}
	exec := func(t *testing.T, s *Store, q string, args ...any) {
		t.Helper()
		must(t, s.db.Exec(q, args...).Error)
	}
	// renumber adds d to chain_seq of the links from k on (two steps, so
	// that no primary key collides on either database).
	renumber := func(t *testing.T, s *Store, from, d int64) {
		exec(t, s, "UPDATE audit_chain SET chain_seq = -chain_seq WHERE chain_seq >= ?", from)
		exec(t, s, "UPDATE audit_chain SET chain_seq = -chain_seq + ? WHERE chain_seq < 0", d)
	}
	cases := []struct {
		name   string
		tamper func(t *testing.T, s *Store)
		kind   string
		at     int64
	}{
		{"edit a reason", func(t *testing.T, s *Store) {
			exec(t, s, "UPDATE audit_log SET reason = ? WHERE id = ?", "无", row(t, s, 4).ID)
		}, AuditEdited, 4},
		{"edit a time by a microsecond", func(t *testing.T, s *Store) {
			r := row(t, s, 5)
			exec(t, s, "UPDATE audit_log SET at = ? WHERE id = ?", r.At.Add(time.Microsecond), r.ID)
		}, AuditEdited, 5},
		{"edit the actor and recompute its hash", func(t *testing.T, s *Store) {
			r, l := row(t, s, 4), link(t, s, 4)
			r.Actor = "someone-else"
			exec(t, s, "UPDATE audit_log SET actor = ? WHERE id = ?", r.Actor, r.ID)
			exec(t, s, "UPDATE audit_chain SET hash = ? WHERE chain_seq = 4", AuditHash(l.PrevHash, 4, r))
		}, AuditEdited, 4},
		{"edit a stored hash", func(t *testing.T, s *Store) {
			exec(t, s, "UPDATE audit_chain SET hash = ? WHERE chain_seq = 6", AuditGenesisHash)
		}, AuditEdited, 6},
		{"delete a row", func(t *testing.T, s *Store) {
			exec(t, s, "DELETE FROM audit_log WHERE id = ?", row(t, s, 3).ID)
		}, AuditDeleted, 3},
		{"delete a row and its link", func(t *testing.T, s *Store) {
			exec(t, s, "DELETE FROM audit_log WHERE id = ?", row(t, s, 3).ID)
			exec(t, s, "DELETE FROM audit_chain WHERE chain_seq = 3")
		}, AuditDeleted, 3},
		{"delete two rows and renumber the rest", func(t *testing.T, s *Store) {
			exec(t, s, "DELETE FROM audit_log WHERE id IN ?", []uint64{row(t, s, 3).ID, row(t, s, 4).ID})
			exec(t, s, "DELETE FROM audit_chain WHERE chain_seq IN (3, 4)")
			renumber(t, s, 5, -2)
			exec(t, s, "UPDATE audit_chain_head SET seq = seq - 2")
		}, AuditDeleted, 3},
		{"delete the newest row", func(t *testing.T, s *Store) {
			exec(t, s, "DELETE FROM audit_log WHERE id = ?", row(t, s, n).ID)
			exec(t, s, "DELETE FROM audit_chain WHERE chain_seq = ?", n)
		}, AuditDeleted, n},
		{"delete the newest row and roll the head back", func(t *testing.T, s *Store) {
			l := link(t, s, n)
			exec(t, s, "DELETE FROM audit_log WHERE id = ?", l.AuditID)
			exec(t, s, "DELETE FROM audit_chain WHERE chain_seq = ?", n)
			exec(t, s, "UPDATE audit_chain_head SET seq = ?, hash = ?", n-1, l.PrevHash)
		}, "", 0}, // undetectable without an anchor: see TestAuditAnchor
		{"delete the head", func(t *testing.T, s *Store) {
			exec(t, s, "DELETE FROM audit_chain_head")
		}, AuditDeleted, n + 1},
		{"insert a row", func(t *testing.T, s *Store) {
			e := entry("application-2", 99, "task.decided")
			normAudit(&e)
			must(t, s.db.Create(&e).Error)
		}, AuditInserted, 0},
		{"insert a row with a well-formed link after the head", func(t *testing.T, s *Store) {
			e := entry("application-2", 99, "task.decided")
			normAudit(&e)
			must(t, s.db.Create(&e).Error)
			last := link(t, s, n)
			must(t, s.db.Create(&AuditLink{ChainSeq: n + 1, AuditID: e.ID, PrevHash: last.Hash, Hash: AuditHash(last.Hash, n+1, e)}).Error)
		}, AuditInserted, n + 1},
		{"insert a row in the middle and renumber", func(t *testing.T, s *Store) {
			e := entry("application-2", 99, "task.decided")
			normAudit(&e)
			must(t, s.db.Create(&e).Error)
			renumber(t, s, 5, 1)
			must(t, s.db.Create(&AuditLink{ChainSeq: 5, AuditID: e.ID, PrevHash: "forged", Hash: "forged"}).Error)
			exec(t, s, "UPDATE audit_chain_head SET seq = seq + 1")
		}, AuditInserted, 5},
		{"insert a row in the middle with a well-formed link", func(t *testing.T, s *Store) {
			e := entry("application-2", 99, "task.decided")
			normAudit(&e)
			must(t, s.db.Create(&e).Error)
			prev := link(t, s, 4)
			renumber(t, s, 5, 1)
			must(t, s.db.Create(&AuditLink{ChainSeq: 5, AuditID: e.ID, PrevHash: prev.Hash, Hash: AuditHash(prev.Hash, 5, e)}).Error)
			exec(t, s, "UPDATE audit_chain_head SET seq = seq + 1")
		}, AuditInserted, 5},
		{"swap two rows' places", func(t *testing.T, s *Store) {
			a, b := link(t, s, 3), link(t, s, 7)
			exec(t, s, "UPDATE audit_chain SET audit_id = ? WHERE chain_seq = 3", b.AuditID)
			exec(t, s, "UPDATE audit_chain SET audit_id = ? WHERE chain_seq = 7", a.AuditID)
		}, AuditReordered, 3},
		{"swap two neighbours with their links", func(t *testing.T, s *Store) {
			exec(t, s, "UPDATE audit_chain SET chain_seq = -1 WHERE chain_seq = 5")
			exec(t, s, "UPDATE audit_chain SET chain_seq = 5 WHERE chain_seq = 6")
			exec(t, s, "UPDATE audit_chain SET chain_seq = 6 WHERE chain_seq = -1")
		}, AuditReordered, 5},
		{"swap two rows' content", func(t *testing.T, s *Store) {
			a, b := row(t, s, 3), row(t, s, 7)
			swap := []struct {
				id uint64
				e  AuditEntry
			}{{a.ID, b}, {b.ID, a}}
			for _, x := range swap { // out of the way of the unique (workflow_id, seq)
				exec(t, s, "UPDATE audit_log SET workflow_id = ?, seq = ? WHERE id = ?", x.e.WorkflowID+"-", x.e.Seq, x.id)
			}
			for _, x := range swap {
				exec(t, s, "UPDATE audit_log SET workflow_id = ?, target = ?, at = ? WHERE id = ?", x.e.WorkflowID, x.e.Target, x.e.At, x.id)
			}
		}, AuditReordered, 3},
	}
	forEachStore(t, func(t *testing.T, s *Store) {
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				resetAudit(t, s)
				for i := range n {
					wf := []string{"application-1", AdminAuditStream}[i%2]
					if wf == AdminAuditStream {
						must(t, s.AppendAudit(ctx, wf, entry(wf, 0, "user.created")))
					} else {
						must(t, s.Apply(ctx, Change{Audit: []AuditEntry{entry(wf, int64(i+1), "task.decided")}}))
					}
				}
				verifyOK(t, s)
				tc.tamper(t, s)
				v, err := s.VerifyAuditChain(ctx)
				must(t, err)
				if tc.kind == "" {
					if !v.OK {
						t.Errorf("got %v", v.Broken)
					}
					return
				}
				if v.OK || v.Broken == nil {
					t.Fatalf("tampering not caught: %+v", v)
				}
				if v.Broken.Kind != tc.kind || v.Broken.ChainSeq != tc.at {
					t.Errorf("got %s; want %s at chain_seq %d", v.Broken, tc.kind, tc.at)
				}
				t.Log(v.Broken)
			})
		}
	})
}

// Rolling the whole chain back (deleting the newest rows and the head's
// record of them) is what an anchor kept elsewhere catches.
func TestAuditAnchor(t *testing.T) {
	ctx := context.Background()
	forEachStore(t, func(t *testing.T, s *Store) {
		resetAudit(t, s)
		for i := range 3 {
			must(t, s.Apply(ctx, Change{Audit: []AuditEntry{entry("application-1", int64(i+1), "task.decided")}}))
		}
		anchor := verifyOK(t, s)
		var l AuditLink
		must(t, s.db.Where("chain_seq = 3").Take(&l).Error)
		must(t, s.db.Exec("DELETE FROM audit_log WHERE id = ?", l.AuditID).Error)
		must(t, s.db.Exec("DELETE FROM audit_chain WHERE chain_seq = 3").Error)
		must(t, s.db.Exec("UPDATE audit_chain_head SET seq = 2, hash = ?", l.PrevHash).Error)
		verifyOK(t, s)
		if _, err := s.AuditHashAt(ctx, anchor.HeadSeq); !errors.Is(err, ErrNotFound) {
			t.Errorf("the anchored row is gone, yet AuditHashAt = %v", err)
		}
		h, err := s.AuditHashAt(ctx, 2)
		must(t, err)
		if h != l.PrevHash {
			t.Errorf("hash at 2 = %s, want %s", h, l.PrevHash)
		}
	})
}
