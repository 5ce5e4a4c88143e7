package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/files"
	"github.com/datagate/datagate/store"
)

// AttachmentLimits bound what may be attached: one file, and all the
// files of one application together.
type AttachmentLimits struct {
	PerFile        int64
	PerApplication int64
}

// DefaultAttachmentLimits: 20 MiB a file, 200 MiB an application.
func DefaultAttachmentLimits() AttachmentLimits {
	return AttachmentLimits{PerFile: 20 << 20, PerApplication: 200 << 20}
}

// attachmentsPath is the upload route, whose body may be larger than
// maxBody.
const attachmentsPath = "/api/v1/applications/:id/attachments"

// uploadOverhead is what an upload's body may hold besides its file: the
// multipart headers and the fields kind and task_id.
const uploadOverhead = 64 << 10

// bodyLimit is the largest body a request's route takes: an upload's file
// and its few fields, or maxBody.
func (s *Server) bodyLimit(c *gin.Context) int64 {
	if c.Request.Method == http.MethodPost && c.FullPath() == attachmentsPath && s.Files != nil {
		return s.AttachmentLimits.PerFile + uploadOverhead
	}
	return maxBody
}

// uploadReadTime bounds how long an upload's body may take to arrive: a
// 20 MiB file at 35 KB/s.
const uploadReadTime = 10 * time.Minute

func mib(n int64) int64 { return (n + 1<<20 - 1) >> 20 }

// attachmentField is the multipart field of the file.
const attachmentField = "file"

// uploadAttachment takes one file in a multipart form with its kind (and,
// for a review opinion, the task it belongs to), checks it, stores its
// bytes by SM3 digest and records it with its upload in the audit. A
// refused upload stores nothing.
func (s *Server) uploadAttachment(c *gin.Context) {
	ctx := c.Request.Context()
	id, err := s.visibleID(c)
	if err != nil {
		fail(c, err)
		return
	}
	if s.Files == nil {
		fail(c, errNoFiles())
		return
	}
	if mt, _, _ := mime.ParseMediaType(c.GetHeader("Content-Type")); mt != "multipart/form-data" {
		fail(c, newErr(http.StatusUnsupportedMediaType, "unsupported_media_type", "Content-Type",
			"send multipart/form-data with the fields kind and file", "the attachment must be sent as multipart/form-data"))
		return
	}
	// A signed-in caller's file may take longer to arrive than the
	// server's read timeout, which is sized for 1 MiB bodies.
	_ = http.NewResponseController(c.Writer).SetReadDeadline(time.Now().Add(uploadReadTime))
	mr, err := c.Request.MultipartReader()
	if err != nil {
		fail(c, badRequest("Content-Type", "send multipart/form-data with the fields kind and file", "the multipart form cannot be read"))
		return
	}
	form, up, err := s.readUpload(mr)
	if up != nil {
		defer up.Close()
	}
	if err != nil {
		fail(c, err)
		return
	}
	u := user(c)
	app, err := s.Store.Application(ctx, id)
	if err != nil {
		fail(c, err)
		return
	}
	if err := s.mayAttach(c, app, form); err != nil {
		fail(c, err)
		return
	}
	name, err := files.CleanName(form.filename, up.Type)
	var bad *files.ErrName
	if errors.As(err, &bad) {
		if bad.Detected.Name != "" {
			fail(c, newErr(http.StatusUnsupportedMediaType, "unsupported_media_type", attachmentField, "rename the file with its type's extension",
				"%q holds a %s file: its name must end in %s", form.filename, strings.ToUpper(bad.Detected.Name), strings.Join(bad.Detected.Exts, " / ")))
			return
		}
		fail(c, badRequest(attachmentField, "give the file a name with its extension, e.g. 资质证明.pdf", "%q is not a usable file name", form.filename))
		return
	}
	a := store.Attachment{
		ApplicationID: id, Kind: form.kind, TaskID: form.taskID, Name: name, MediaType: up.Type.MediaType,
		Size: up.Size, SM3: up.Digest, UploadedBy: u.Username, UploaderOrg: u.OrgCode, UploadedAt: s.now(),
	}
	// The total is checked before the bytes are stored, so that a refusal
	// stores nothing, and again as the row is written, one upload after
	// another.
	used, err := s.attachedBytes(c, id)
	if err != nil {
		fail(c, err)
		return
	}
	if limit := s.AttachmentLimits.PerApplication; limit > 0 && used+a.Size > limit {
		fail(c, quotaErr(limit, used))
		return
	}
	// The bytes first: a row never names a file the store lacks.
	if err := s.Files.Put(ctx, a.SM3, up.Reader(), a.Size); err != nil {
		fail(c, err)
		return
	}
	var quota *store.ErrAttachmentQuota
	if err := s.Store.AddAttachment(ctx, &a, u.Role, s.AttachmentLimits.PerApplication); errors.As(err, &quota) {
		fail(c, quotaErr(quota.Limit, quota.Used))
		return
	} else if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, a)
}

// errNoFiles: the server has no file store (DATAGATE_FILES).
func errNoFiles() error {
	return newErr(http.StatusServiceUnavailable, "unavailable", "", "ask the administrator to set DATAGATE_FILES",
		"attachments are not set up on this server")
}

func quotaErr(limit, used int64) error {
	return newErr(http.StatusRequestEntityTooLarge, "too_large", attachmentField, "attach a smaller file, or ask the bureau",
		"the application's attachments would exceed their limit of %d MiB (%d MiB used)", mib(limit), mib(used))
}

func (s *Server) attachedBytes(c *gin.Context, id uint64) (int64, error) {
	list, err := s.Store.Attachments(c.Request.Context(), id)
	var used int64
	for _, a := range list {
		used += a.Size
	}
	return used, err
}

// uploadForm is an upload's fields besides the file.
type uploadForm struct {
	kind, taskID, filename string
}

// readUpload reads the form's fields and spools its one file, refusing
// the form as soon as something is wrong with it.
func (s *Server) readUpload(mr *multipart.Reader) (uploadForm, *files.Upload, error) {
	var f uploadForm
	var up *files.Upload
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				return f, up, s.fileTooLarge(f.filename)
			}
			return f, up, badRequest("Content-Type", "send multipart/form-data with the fields kind and file", "the multipart form cannot be read")
		}
		switch name := p.FormName(); name {
		case "kind", "task_id":
			b, err := io.ReadAll(io.LimitReader(p, 256))
			if err != nil {
				return f, up, badRequest(name, "send multipart/form-data with the fields kind and file", "the multipart form cannot be read")
			}
			v := strings.TrimSpace(string(b))
			if name == "kind" {
				f.kind = v
			} else {
				f.taskID = v
			}
		case attachmentField:
			if up != nil {
				return f, up, badRequest(attachmentField, "send one request per file", "attach one file per request")
			}
			f.filename = p.FileName()
			up, err = files.Receive(p, s.AttachmentLimits.PerFile, "")
			var tooBig *files.ErrTooLarge
			var maxBytes *http.MaxBytesError
			switch {
			case errors.As(err, &tooBig) || errors.As(err, &maxBytes):
				return f, nil, s.fileTooLarge(f.filename)
			case errors.Is(err, files.ErrTypeNotAllowed):
				return f, nil, newErr(http.StatusUnsupportedMediaType, "unsupported_media_type", attachmentField,
					"attach a PDF, OFD, PNG, JPEG, DOCX or XLSX file", "the content of %q is not an allowed type", f.filename)
			case err != nil:
				return f, nil, err
			}
		default:
			return f, up, badRequest(name, "send only the fields kind, task_id and file", "unknown form field %q", name)
		}
	}
	switch {
	case up == nil:
		return f, up, badRequest(attachmentField, "send the document in the field file", "attach one file in the field file")
	case f.kind == "":
		return f, up, badRequest("kind", "use one of: qualification, security_policy, requirements, consent, supplement, review_opinion, model_documentation, self_evaluation_report, rectification_report, destruction_certificate",
			"name the attachment's kind")
	case !slices.Contains(domain.AttachmentKinds(), f.kind):
		return f, up, badRequest("kind", "use one of: qualification, security_policy, requirements, consent, supplement, review_opinion, model_documentation, self_evaluation_report, rectification_report, destruction_certificate",
			"kind %q is not an attachment kind", f.kind)
	}
	return f, up, nil
}

func (s *Server) fileTooLarge(name string) error {
	return newErr(http.StatusRequestEntityTooLarge, "too_large", attachmentField, "attach a smaller file, e.g. a scan at a lower resolution",
		"%q is larger than the limit of %d MiB for one file", name, mib(s.AttachmentLimits.PerFile))
}

// mayAttach: an application still running; the applicant's org for its
// own documents, a reviewer's org for a review opinion on a task it
// holds; a named task must be one of the application's held by the
// uploader's org.
func (s *Server) mayAttach(c *gin.Context, app store.Application, f uploadForm) error {
	u := user(c)
	if slices.Contains(domain.FinalStatuses(), app.Status) {
		return newErr(http.StatusConflict, "conflict", "", "start a new application if you need to",
			"the application has ended; nothing more can be attached")
	}
	if domain.AttachedByApplicant(f.kind) {
		if u.OrgCode != app.ApplicantOrg {
			return newErr(http.StatusForbidden, "forbidden", "kind", "a reviewer attaches a review_opinion to a task of its organisation",
				"only the applicant's organisation attaches documents of kind %q", f.kind)
		}
	} else if f.taskID == "" {
		return badRequest("task_id", "take the task ID from GET /api/v1/tasks", "a review opinion is attached to a task your organisation holds: give task_id")
	}
	if f.taskID == "" {
		return nil
	}
	t, err := s.Store.Task(c.Request.Context(), f.taskID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	if err != nil || t.ApplicationID != app.ID || t.Department != u.OrgCode {
		return badRequest("task_id", "take the task ID from GET /api/v1/tasks", "task %q is not one of this application's tasks held by your organisation", f.taskID)
	}
	return nil
}

func (s *Server) listAttachments(c *gin.Context) {
	id, err := s.visibleID(c)
	if err != nil {
		fail(c, err)
		return
	}
	list, err := s.Store.Attachments(c.Request.Context(), id)
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"attachments": list})
}

// downloadAttachment sends a file as a download, never to be shown in
// place (Content-Disposition: attachment, nosniff), after recording it in
// the audit.
func (s *Server) downloadAttachment(c *gin.Context) {
	ctx := c.Request.Context()
	id, err := s.visibleID(c)
	if err != nil {
		fail(c, err)
		return
	}
	aid, err := strconv.ParseUint(c.Param("attachment"), 10, 63)
	if err != nil || aid == 0 {
		fail(c, badRequest("attachment", "take the number from GET /api/v1/applications/{id}/attachments", "attachment number %q is not a positive number", c.Param("attachment")))
		return
	}
	a, err := s.Store.AttachmentOf(ctx, id, aid)
	if errors.Is(err, store.ErrNotFound) {
		fail(c, newErr(http.StatusNotFound, "not_found", "attachment", "take the number from GET /api/v1/applications/{id}/attachments", "no attachment %d on this application", aid))
		return
	} else if err != nil {
		fail(c, err)
		return
	}
	if s.Files == nil {
		fail(c, errNoFiles())
		return
	}
	r, err := s.Files.Open(ctx, a.SM3)
	if err != nil {
		fail(c, err)
		return
	}
	defer r.Close()
	u := user(c)
	if err := s.Store.RecordDownload(ctx, a, u.Username, u.Role, u.OrgCode, s.now()); err != nil {
		fail(c, err)
		return
	}
	h := c.Writer.Header()
	h.Set("Content-Disposition", contentDisposition(a.Name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "private, no-store")
	h.Set("Digest", "sm3="+a.SM3)
	c.DataFromReader(http.StatusOK, a.Size, a.MediaType, r, nil)
}

// contentDisposition names a download: an ASCII fallback and the UTF-8
// name (RFC 6266, RFC 8187), so a Chinese name survives every browser.
func contentDisposition(name string) string {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' {
			return '_'
		}
		return r
	}, name)
	var enc strings.Builder
	for _, b := range []byte(name) {
		if 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || strings.IndexByte("!#$&+-.^_`|~", b) >= 0 {
			enc.WriteByte(b)
		} else {
			fmt.Fprintf(&enc, "%%%02X", b)
		}
	}
	return `attachment; filename="` + ascii + `"; filename*=UTF-8''` + enc.String()
}
