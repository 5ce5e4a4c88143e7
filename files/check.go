package files

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emmansun/gmsm/sm3"
)

// Type is a kind of document an attachment may be, known by its content.
type Type struct {
	Name      string   // pdf, ofd, png, jpeg, docx, xlsx
	MediaType string   // sent as Content-Type on download
	Exts      []string // the names' extensions it is known by, lowercase
}

// Types is the allowlist: PDF and OFD (the national standard for e-files,
// GB/T 33190), PNG and JPEG scans, Word and Excel documents.
var Types = []Type{
	{"pdf", "application/pdf", []string{".pdf"}},
	{"ofd", "application/ofd", []string{".ofd"}},
	{"png", "image/png", []string{".png"}},
	{"jpeg", "image/jpeg", []string{".jpg", ".jpeg"}},
	{"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", []string{".docx"}},
	{"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", []string{".xlsx"}},
}

// TypeByName is the allowlisted type of that name.
func TypeByName(name string) (Type, bool) {
	for _, t := range Types {
		if t.Name == name {
			return t, true
		}
	}
	return Type{}, false
}

// AllowedExts lists the allowlist's extensions, e.g. for an error's hint
// or an <input accept>.
func AllowedExts() []string {
	var out []string
	for _, t := range Types {
		out = append(out, t.Exts...)
	}
	return out
}

// ErrTypeNotAllowed: the content is none of Types.
var ErrTypeNotAllowed = errors.New("files: the content is not an allowed type")

// Detect knows a file's type by its content alone: the signature of a
// PDF, PNG or JPEG, or for a ZIP container the parts that make it an OFD,
// a DOCX or an XLSX (only the central directory is read, nothing is
// inflated).
func Detect(r io.ReaderAt, size int64) (Type, error) {
	head := make([]byte, 8)
	n, _ := r.ReadAt(head, 0)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("%PDF-")):
		return Types[0], nil
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return Types[2], nil
	case bytes.HasPrefix(head, []byte{0xFF, 0xD8, 0xFF}):
		return Types[3], nil
	case bytes.HasPrefix(head, []byte("PK\x03\x04")):
		z, err := zip.NewReader(r, size)
		if err != nil {
			return Type{}, ErrTypeNotAllowed
		}
		has := map[string]bool{}
		for _, f := range z.File {
			has[f.Name] = true
		}
		switch {
		case has["OFD.xml"]:
			return Types[1], nil
		case has["[Content_Types].xml"] && has["word/document.xml"]:
			return Types[4], nil
		case has["[Content_Types].xml"] && has["xl/workbook.xml"]:
			return Types[5], nil
		}
	}
	return Type{}, ErrTypeNotAllowed
}

// MaxNameRunes bounds a file's name.
const MaxNameRunes = 120

// ErrName: the name is empty once cleaned, or its extension is not the
// content's.
type ErrName struct {
	Name     string
	Detected Type // set when the extension does not match the content
}

func (e *ErrName) Error() string {
	if e.Detected.Name != "" {
		return fmt.Sprintf("files: %q holds a %s file: its name must end in %s", e.Name, e.Detected.Name, strings.Join(e.Detected.Exts, " or "))
	}
	return fmt.Sprintf("files: %q is not a usable file name", e.Name)
}

// CleanName makes an uploaded file's name safe to store and to send back
// in Content-Disposition: the last element of any path, without control
// or reserved characters (<>:"/\|?*), without leading or trailing dots and
// spaces, at most MaxNameRunes long with its extension kept, and ending
// in an extension of t.
func CleanName(name string, t Type) (string, error) {
	raw := name
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ToValidUTF8(name, "")
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || strings.ContainsRune(`<>:"/\|?*`, r) || r == utf8.RuneError ||
			unicode.Is(unicode.Cf, r) { // bidi overrides and other invisible format characters
			return -1
		}
		return r
	}, name)
	name = strings.Trim(name, " .")
	ext := strings.ToLower(path.Ext(name))
	if name == "" || name == ext {
		return "", &ErrName{Name: raw}
	}
	known := false
	for _, e := range t.Exts {
		known = known || e == ext
	}
	if !known {
		return "", &ErrName{Name: raw, Detected: t}
	}
	if r := []rune(name); len(r) > MaxNameRunes {
		stem := []rune(strings.TrimSuffix(name, path.Ext(name)))
		name = string(stem[:MaxNameRunes-utf8.RuneCountInString(ext)]) + ext
	}
	return name, nil
}

// ErrTooLarge: the file is larger than the limit.
type ErrTooLarge struct{ Limit int64 }

func (e *ErrTooLarge) Error() string {
	return fmt.Sprintf("files: larger than the limit of %d bytes", e.Limit)
}

// Upload is a received file spooled to a temporary file: its size, its
// SM3 digest and its type are known before anything is stored.
type Upload struct {
	f      *os.File
	Size   int64
	Digest string
	Type   Type
}

// Receive spools r to a temporary file in dir (the system's when empty),
// at most limit bytes, computing its SM3 digest, and knows its type by
// content. Any refusal (ErrTooLarge, ErrTypeNotAllowed) leaves nothing
// behind. The caller Closes the Upload, which removes the spool.
func Receive(r io.Reader, limit int64, dir string) (*Upload, error) {
	f, err := os.CreateTemp(dir, "datagate-upload-*")
	if err != nil {
		return nil, fmt.Errorf("files: spool: %w", err)
	}
	u := &Upload{f: f}
	h := sm3.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(r, limit+1))
	if err != nil {
		u.Close()
		return nil, fmt.Errorf("files: receive: %w", err)
	}
	if n > limit {
		u.Close()
		return nil, &ErrTooLarge{Limit: limit}
	}
	u.Size, u.Digest = n, hexDigest(h.Sum(nil))
	if u.Type, err = Detect(f, n); err != nil {
		u.Close()
		return nil, err
	}
	return u, nil
}

// Reader reads the spooled bytes from the start.
func (u *Upload) Reader() io.Reader { return io.NewSectionReader(u.f, 0, u.Size) }

// Close removes the spool.
func (u *Upload) Close() {
	if u.f != nil {
		u.f.Close()
		os.Remove(u.f.Name())
		u.f = nil
	}
}
