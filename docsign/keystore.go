package docsign

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
)

// Entry is what a KeyStore keeps for the CA or one organisation: its
// certificate (DER) and its private key sealed by the master key (see
// MasterKey). A KeyStore never sees a clear private key.
type Entry struct {
	Cert      []byte
	SealedKey []byte
}

// ErrNoEntry is returned by a KeyStore that has no CA or no key for an org.
var ErrNoEntry = errors.New("docsign: no key")

// ErrExists is returned by SaveCA when the store already holds a CA.
var ErrExists = errors.New("docsign: the store already holds a CA")

// KeyStore keeps the platform CA and the organisations' certificates and
// sealed keys. FileKeyStore keeps them in a directory; a database-backed
// store can implement the same interface.
type KeyStore interface {
	// LoadCA returns the CA's entry, or ErrNoEntry.
	LoadCA(ctx context.Context) (Entry, error)
	// SaveCA stores the CA's entry once; ErrExists when there is one
	// already (another process may have created it first).
	SaveCA(ctx context.Context, e Entry) error
	// LoadOrg returns an organisation's entry, or ErrNoEntry.
	LoadOrg(ctx context.Context, code string) (Entry, error)
	// SaveOrg stores an organisation's entry, replacing any earlier one.
	SaveOrg(ctx context.Context, code string, e Entry) error
}

// FileKeyStore keeps the keys in a directory (e.g. DATA/keys):
//
//	DIR/ca.crt               the CA certificate, PEM (public: hand it to verifiers)
//	DIR/ca.key.enc           the CA private key, sealed by the master key
//	DIR/orgs/<code>.crt      an organisation's certificate, PEM
//	DIR/orgs/<code>.key.enc  its private key, sealed by the master key
//
// Directories are created 0700 and key files 0600; files are written to a
// temporary name and renamed, so a reader never sees half a file.
type FileKeyStore struct {
	Dir string
}

// NewFileKeyStore returns a FileKeyStore on dir; the directory is created
// when the first key is saved.
func NewFileKeyStore(dir string) *FileKeyStore { return &FileKeyStore{Dir: dir} }

const (
	certPEMType = "CERTIFICATE"
	caName      = "ca"
	orgsDir     = "orgs"
)

// orgCodeRE is what an org code may be (it names files).
var orgCodeRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

func checkOrgCode(code string) error {
	if !orgCodeRE.MatchString(code) {
		return fmt.Errorf("docsign: org code %q: use 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", code)
	}
	return nil
}

func (s *FileKeyStore) caPaths() (cert, key string) {
	return filepath.Join(s.Dir, caName+".crt"), filepath.Join(s.Dir, caName+".key.enc")
}

func (s *FileKeyStore) orgPaths(code string) (cert, key string, err error) {
	if err := checkOrgCode(code); err != nil {
		return "", "", err
	}
	d := filepath.Join(s.Dir, orgsDir)
	return filepath.Join(d, code+".crt"), filepath.Join(d, code+".key.enc"), nil
}

// LoadCA implements KeyStore.
func (s *FileKeyStore) LoadCA(ctx context.Context) (Entry, error) {
	c, k := s.caPaths()
	return loadEntry(c, k)
}

// SaveCA implements KeyStore: it never replaces an existing CA.
func (s *FileKeyStore) SaveCA(ctx context.Context, e Entry) error {
	c, k := s.caPaths()
	if err := os.MkdirAll(s.Dir, 0o700); err != nil {
		return err
	}
	// The key first: a CA certificate never appears without its key.
	if err := writeFile(k, e.SealedKey, 0o600, false); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return ErrExists
		}
		return err
	}
	if err := writeFile(c, certPEM(e.Cert), 0o644, false); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return ErrExists
		}
		return err
	}
	return nil
}

// LoadOrg implements KeyStore.
func (s *FileKeyStore) LoadOrg(ctx context.Context, code string) (Entry, error) {
	c, k, err := s.orgPaths(code)
	if err != nil {
		return Entry{}, err
	}
	return loadEntry(c, k)
}

// SaveOrg implements KeyStore.
func (s *FileKeyStore) SaveOrg(ctx context.Context, code string, e Entry) error {
	c, k, err := s.orgPaths(code)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(c), 0o700); err != nil {
		return err
	}
	if err := writeFile(k, e.SealedKey, 0o600, true); err != nil {
		return err
	}
	return writeFile(c, certPEM(e.Cert), 0o644, true)
}

func certPEM(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: certPEMType, Bytes: der})
}

func loadEntry(certPath, keyPath string) (Entry, error) {
	cp, err := os.ReadFile(certPath)
	if errors.Is(err, fs.ErrNotExist) {
		if _, kerr := os.Stat(keyPath); kerr == nil {
			return Entry{}, fmt.Errorf("docsign: %s has no certificate %s", keyPath, certPath)
		}
		return Entry{}, ErrNoEntry
	}
	if err != nil {
		return Entry{}, err
	}
	block, _ := pem.Decode(cp)
	if block == nil || block.Type != certPEMType {
		return Entry{}, fmt.Errorf("docsign: %s is not a PEM certificate", certPath)
	}
	key, err := os.ReadFile(keyPath)
	if err != nil {
		return Entry{}, fmt.Errorf("docsign: the key of %s: %w", certPath, err)
	}
	return Entry{Cert: block.Bytes, SealedKey: key}, nil
}

// writeFile writes data to a temporary file beside path and renames it
// (replace) or links it (create only: fs.ErrExist when path exists).
func writeFile(path string, data []byte, perm os.FileMode, replace bool) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(perm); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if replace {
		return os.Rename(tmp, path)
	}
	return os.Link(tmp, path)
}
