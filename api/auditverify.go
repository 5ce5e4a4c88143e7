package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

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
