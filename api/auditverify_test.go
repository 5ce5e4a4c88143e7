package api

import (
	"context"
	"database/sql"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/httpctx"
	"github.com/datagate/datagate/store"
)

// GET /api/v1/audit/verify answers 200 with "ok" and the head when the
// chain holds, "ok": false and the first broken row when it does not, and
// checks anchors; a malformed anchor is a 400 naming the field.
func TestVerifyAuditHandler(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "dg.db")
	st, err := store.Open("sqlite://" + file)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := st.AppendAudit(ctx, store.AdminAuditStream, store.AuditEntry{Actor: "admin", Action: "user.created", At: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	s := &Server{Deps: &httpctx.Deps{Store: st}}
	call := func(query string) (int, AuditVerification, string) {
		gin.SetMode(gin.ReleaseMode)
		w := httptest.NewRecorder()
		c, _ := gin.CreateTestContext(w)
		c.Request = httptest.NewRequest("GET", "/api/v1/audit/verify?"+query, nil)
		c.Request.Header.Set("Accept-Language", "en")
		s.verifyAudit(c)
		var v AuditVerification
		_ = json.Unmarshal(w.Body.Bytes(), &v)
		return w.Code, v, w.Body.String()
	}
	code, v, body := call("")
	if code != http.StatusOK || !v.OK || v.Rows != 3 || v.HeadSeq != 3 || len(v.HeadHash) != 64 {
		t.Fatalf("sound chain: %d %s", code, body)
	}
	anchor := "3:" + v.HeadHash
	if code, v, body := call("anchor=" + anchor); code != http.StatusOK || !v.OK || len(v.Anchors) != 1 || !v.Anchors[0].OK {
		t.Errorf("anchor that holds: %d %s", code, body)
	}
	if code, v, body := call("anchor=2:" + v.HeadHash); code != http.StatusOK || v.OK || v.Anchors[0].OK {
		t.Errorf("anchor that does not hold: %d %s", code, body)
	}
	for _, q := range []string{"anchor=3", "anchor=x:" + v.HeadHash, "anchor=3:zz", "anchor=" + strings.Repeat("1:"+v.HeadHash+"&anchor=", 16) + anchor} {
		if code, _, body := call(q); code != http.StatusBadRequest || !strings.Contains(body, `"field":"anchor"`) {
			t.Errorf("%s: %d %s", q, code, body)
		}
	}
	// An edited row.
	raw, err := sql.Open("sqlite", file)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	if _, err := raw.Exec("UPDATE audit_log SET actor = 'nobody' WHERE id = 2"); err != nil {
		t.Fatal(err)
	}
	code, v, body = call("")
	if code != http.StatusOK || v.OK || v.Broken == nil || v.Broken.Kind != store.AuditEdited || v.Broken.ChainSeq != 2 {
		t.Errorf("edited row: %d %s", code, body)
	}
}
