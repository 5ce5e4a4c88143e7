package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/reconcile"
	"github.com/datagate/datagate/store"
)

// AuditVerification is the answer of GET /api/v1/audit/verify: the audit
// chain walked from its first row (store.VerifyAuditChain), and the
// anchors asked for.
type AuditVerification struct {
	store.AuditVerification
	Anchors []store.AuditAnchor `json:"anchors,omitempty"`
}

// verifyAudit walks the audit chain and reports the first row that was
// edited, deleted, inserted or reordered, as `datagate audit verify` does.
// It answers 200 whether the chain holds or not ("ok" says which); each
// ?anchor=SEQ:HASH (a head printed by an earlier verification and kept
// elsewhere) must still be in the chain for "ok" to be true.
func (s *Server) verifyAudit(c *gin.Context) {
	ctx := c.Request.Context()
	var anchors []store.AuditAnchor
	for _, v := range c.QueryArray("anchor") {
		a, err := store.ParseAuditAnchor(v)
		if err != nil {
			e := translated(http.StatusBadRequest, "invalid",
				"anchor must be SEQ:HASH, a chain_seq and the 64 hex digits of its hash, as a verification reports its head",
				"anchor 须为 SEQ:HASH，即链序号与 64 位十六进制哈希，格式同校验结果中的 head")
			e.Field = "anchor"
			fail(c, e)
			return
		}
		anchors = append(anchors, a)
	}
	if len(anchors) > 16 {
		e := translated(http.StatusBadRequest, "invalid", "give at most 16 anchors", "anchor 最多 16 个")
		e.Field = "anchor"
		fail(c, e)
		return
	}
	v, err := s.Store.VerifyAuditChain(ctx)
	if err != nil {
		fail(c, err)
		return
	}
	out := AuditVerification{AuditVerification: v}
	for _, a := range anchors {
		a, err := s.Store.CheckAuditAnchor(ctx, a)
		if err != nil {
			fail(c, err)
			return
		}
		out.OK = out.OK && a.OK
		out.Anchors = append(out.Anchors, a)
	}
	c.JSON(http.StatusOK, out)
}

// Reconciliation is the answer of GET /api/v1/audit/reconcile: every
// difference between what the workflows committed and what the read
// model and the audit say (reconcile.Report).
type Reconciliation struct {
	OK bool `json:"ok"`
	reconcile.Report
}

// reconcileAudit compares the workflows with their rows, tasks and audit,
// as `datagate audit reconcile` does: every submitted application, or the
// one named by ?application=ID. It answers 200 whether they agree or not
// ("ok" says which).
func (s *Server) reconcileAudit(c *gin.Context) {
	check := &reconcile.Checker{Temporal: s.Temporal, Store: s.Store}
	var rep reconcile.Report
	var err error
	if v := c.Query("application"); v != "" {
		id, perr := strconv.ParseUint(v, 10, 64)
		if perr != nil || id == 0 {
			fail(c, badRequest("application", "give an application's number, e.g. application=12", "application must be a positive whole number"))
			return
		}
		rep, err = check.Applications(c.Request.Context(), []uint64{id})
	} else {
		rep, err = check.All(c.Request.Context())
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, Reconciliation{OK: rep.OK(), Report: rep})
}
