package api

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/docgen"
	"github.com/datagate/datagate/documents"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/files"
	"github.com/datagate/datagate/store"
)

// approvalForm sends the approval form (审批单): one PDF with the
// application's fields, every step with its decider, time, decision,
// reason and basis, and the agreements' fingerprints, for the paper file.
func (s *Server) approvalForm(c *gin.Context) {
	id, err := s.visibleID(c)
	if err != nil {
		fail(c, err)
		return
	}
	ctx := c.Request.Context()
	app, err := s.Store.Application(ctx, id)
	if err != nil {
		fail(c, err)
		return
	}
	if app.Status == domain.StatusDraft {
		fail(c, newErr(http.StatusConflict, "conflict", "", "submit the application first",
			"a draft has no approval form: it has not been submitted"))
		return
	}
	f, err := documents.ApprovalForm(ctx, s.Store, id, s.now())
	if err != nil {
		fail(c, err)
		return
	}
	doc, err := docgen.RenderApprovalForm(f)
	if err != nil {
		fail(c, unprintable(err))
		return
	}
	sendPDF(c, documents.Name(id, "审批单"), doc)
}

// agreementDocument sends an agreement's text as the record makes it: the
// datasets approved, the purpose, scenario, scope, period, access mode and
// security controls, and the clauses the texts require, with its template
// version and SM3 fingerprint.
func (s *Server) agreementDocument(c *gin.Context) {
	id, err := s.visibleID(c)
	if err != nil {
		fail(c, err)
		return
	}
	kind := c.Param("kind")
	if !slices.Contains(domain.Agreements(), kind) || kind == domain.AgreementFiling {
		fail(c, badRequest("kind", "use authorization, service, commitment or supplement", "%q is not an agreement with a text", kind))
		return
	}
	ctx := c.Request.Context()
	a, err := documents.Agreement(ctx, s.Store, id, kind)
	if errors.Is(err, documents.ErrNoDocument) {
		fail(c, newErr(http.StatusNotFound, "not_found", "kind", "see the application's agreements at GET /api/v1/applications/{id}/agreements",
			"the %s agreement of this application has not been opened for signing", kind))
		return
	} else if err != nil {
		fail(c, err)
		return
	}
	doc, err := s.recordedDocument(c, id, kind)
	if err != nil {
		fail(c, err)
		return
	}
	if doc.PDF == nil {
		if doc, err = docgen.Render(a); err != nil {
			fail(c, unprintable(err))
			return
		}
	}
	sendPDF(c, documents.Name(id, docgen.Kind(kind).Title()), doc)
}

// recordedDocument is the text recorded when the agreement's signing
// opened (the latest, when its content changed while open), read from the
// file store; none when it was not recorded or not kept.
func (s *Server) recordedDocument(c *gin.Context, id uint64, kind string) (docgen.Document, error) {
	ctx := c.Request.Context()
	docs, err := s.Store.AgreementDocuments(ctx, id)
	if err != nil || s.Files == nil {
		return docgen.Document{}, err
	}
	var latest *store.AgreementDocument
	for i := range docs {
		if docs[i].Kind == kind {
			latest = &docs[i]
		}
	}
	if latest == nil {
		return docgen.Document{}, nil
	}
	r, err := s.Files.Open(ctx, latest.SM3)
	if errors.Is(err, files.ErrNotFound) {
		return docgen.Document{}, nil
	} else if err != nil {
		return docgen.Document{}, err
	}
	defer r.Close()
	pdf, err := io.ReadAll(r)
	if err != nil {
		return docgen.Document{}, err
	}
	return docgen.Document{PDF: pdf, SM3: latest.SM3, TemplateVersion: latest.TemplateVersion}, nil
}

// unprintable is a document whose record holds text the document cannot
// print (a character outside its font, say).
func unprintable(err error) error {
	var fe *docgen.FieldError
	if errors.As(err, &fe) {
		return newErr(http.StatusUnprocessableEntity, "rule", "", "ask the bureau to correct the record",
			"the document cannot be printed: %s %s", fe.Label, fe.Problem)
	}
	return err
}

// sendPDF sends a generated document as a download, with its template
// version and SM3 digest.
func sendPDF(c *gin.Context, name string, doc docgen.Document) {
	h := c.Writer.Header()
	h.Set("Content-Disposition", contentDisposition(name))
	h.Set("Cache-Control", "private, no-store")
	h.Set("Digest", "sm3="+doc.SM3)
	h.Set("X-Template-Version", doc.TemplateVersion)
	c.Data(http.StatusOK, "application/pdf", doc.PDF)
}

// agreementBundle sends what a verifier needs, as a ZIP: the agreement's
// recorded document, each party's detached signature on it, the platform
// CA's certificate, and a note on checking them offline with `datagate
// agreement verify`.
func (s *Server) agreementBundle(c *gin.Context) {
	id, err := s.visibleID(c)
	if err != nil {
		fail(c, err)
		return
	}
	kind := c.Param("kind")
	ctx := c.Request.Context()
	docs, err := s.Store.AgreementDocuments(ctx, id)
	if err != nil {
		fail(c, err)
		return
	}
	doc, ok := documents.Latest(docs)[kind]
	if !ok {
		fail(c, newErr(http.StatusNotFound, "not_found", "kind", "see the application's agreements at GET /api/v1/applications/{id}/agreements",
			"no document of the %s agreement was recorded on this application", kind))
		return
	}
	pdf, err := documents.Bytes(ctx, s.Store, s.Files, id, doc)
	if err != nil {
		fail(c, err)
		return
	}
	sigs, err := s.Store.AgreementSignatures(ctx, id)
	if err != nil {
		fail(c, err)
		return
	}
	ca, err := documents.CACertificatePEM(ctx, s.Store)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		fail(c, err)
		return
	}
	title := docgen.Kind(kind).Title()
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	add := func(name string, b []byte) error {
		w, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: doc.RecordedAt, Flags: 0x800})
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
	pdfName := title + ".pdf"
	err = add(pdfName, pdf)
	var lines []string
	for _, sig := range sigs {
		if err == nil && sig.Kind == kind && sig.DocumentSM3 == doc.SM3 {
			name := sig.Org + ".p7s"
			err = add(name, sig.CMS)
			lines = append(lines, "datagate agreement verify "+pdfName+" "+name+" --ca ca.crt")
		}
	}
	if err == nil && ca != nil {
		err = add("ca.crt", ca)
	}
	if err == nil {
		note := title + "\n文档 SM3：" + doc.SM3 + "\n模板版本：" + doc.TemplateVersion +
			"\n\n离线验证各方签名（SM2/SM3，GB/T 35275 分离式签名），仅需本目录中的文件：\n" + strings.Join(lines, "\n") + "\n"
		if len(lines) == 0 {
			note += "（尚无签名）\n"
		}
		err = add("README.txt", []byte(note))
	}
	if err == nil {
		err = z.Close()
	}
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("Content-Disposition", contentDisposition(strings.TrimSuffix(documents.Name(id, title), ".pdf")+".zip"))
	c.Header("Cache-Control", "private, no-store")
	c.Data(http.StatusOK, "application/zip", buf.Bytes())
}
