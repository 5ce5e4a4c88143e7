package docsign

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/sm4"
)

// MasterKeySize is the length of a master key in bytes.
const MasterKeySize = 32

// MasterKey encrypts the private keys at rest. The caller supplies it (from
// the environment or a file); the package never stores or prints it.
type MasterKey struct {
	b []byte
}

// NewMasterKey wraps MasterKeySize random bytes; it copies them.
func NewMasterKey(b []byte) (*MasterKey, error) {
	if len(b) != MasterKeySize {
		return nil, fmt.Errorf("docsign: the master key has %d bytes; it needs %d", len(b), MasterKeySize)
	}
	return &MasterKey{b: append([]byte(nil), b...)}, nil
}

// ParseMasterKey reads a master key written as 64 hex characters (e.g. the
// output of openssl rand -hex 32); surrounding white space, such as a
// file's final newline, is ignored.
func ParseMasterKey(s string) (*MasterKey, error) {
	b, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != MasterKeySize {
		return nil, errors.New("docsign: the master key must be 64 hex characters, e.g. the output of openssl rand -hex 32")
	}
	return NewMasterKey(b)
}

// String never shows the key.
func (m *MasterKey) String() string { return "docsign.MasterKey(***)" }

// GoString never shows the key.
func (m *MasterKey) GoString() string { return m.String() }

// ErrUnseal is returned when a sealed private key cannot be decrypted: the
// master key is not the one it was sealed with, or the file was altered or
// belongs to another owner.
var ErrUnseal = errors.New("cannot decrypt the private key: wrong master key, or the key file was altered or belongs to another owner")

// The sealed-key format, version 1: a PEM block of type sealedPEMType whose
// headers name the construction, the owner (label) and a random salt, and
// whose bytes are a random 12-byte nonce followed by the SM4-GCM ciphertext
// and tag of the PKCS #8 DER private key. The SM4 key is
// HKDF-SM3(master key, salt, sealInfo), fresh for every file; the label is
// authenticated as additional data, so a key file copied to another owner's
// place does not open.
const (
	sealedPEMType = "DATAGATE SEALED PRIVATE KEY"
	sealVersion   = "1"
	sealCipher    = "SM4-GCM"
	sealKDF       = "HKDF-SM3"
	sealInfo      = "datagate docsign sealed private key v1"
	saltSize      = 32
)

func sealAAD(label string) []byte {
	return []byte("datagate-docsign-v1\x00" + label)
}

func (m *MasterKey) aead(salt []byte) (cipher.AEAD, error) {
	k, err := hkdf.Key(sm3.New, m.b, salt, sealInfo, 16)
	if err != nil {
		return nil, err
	}
	block, err := sm4.NewCipher(k)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

// seal encrypts a private key's DER for label (its owner: "ca" or
// "org/<code>") and returns the PEM text of the sealed key.
func (m *MasterKey) seal(label string, der []byte) ([]byte, error) {
	salt := make([]byte, saltSize)
	if _, err := rand.Read(salt); err != nil {
		return nil, err
	}
	aead, err := m.aead(salt)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	body := aead.Seal(nonce, nonce, der, sealAAD(label))
	return pem.EncodeToMemory(&pem.Block{
		Type: sealedPEMType,
		Headers: map[string]string{
			"Version": sealVersion,
			"Cipher":  sealCipher,
			"KDF":     sealKDF,
			"Label":   label,
			"Salt":    hex.EncodeToString(salt),
		},
		Bytes: body,
	}), nil
}

// open decrypts a sealed key made by seal for the same label.
func (m *MasterKey) open(label string, sealed []byte) ([]byte, error) {
	block, rest := pem.Decode(sealed)
	if block == nil || block.Type != sealedPEMType || len(strings.TrimSpace(string(rest))) > 0 {
		return nil, fmt.Errorf("the key file of %s is not a sealed private key", label)
	}
	h := block.Headers
	if h["Version"] != sealVersion || h["Cipher"] != sealCipher || h["KDF"] != sealKDF {
		return nil, fmt.Errorf("the key file of %s has an unknown format (version %q, cipher %q, KDF %q)",
			label, h["Version"], h["Cipher"], h["KDF"])
	}
	if h["Label"] != label {
		return nil, fmt.Errorf("%w (it is labelled %q, not %q)", ErrUnseal, h["Label"], label)
	}
	salt, err := hex.DecodeString(h["Salt"])
	if err != nil || len(salt) != saltSize {
		return nil, fmt.Errorf("the key file of %s has a bad salt", label)
	}
	aead, err := m.aead(salt)
	if err != nil {
		return nil, err
	}
	if len(block.Bytes) < aead.NonceSize()+aead.Overhead() {
		return nil, fmt.Errorf("the key file of %s is truncated", label)
	}
	nonce, ct := block.Bytes[:aead.NonceSize()], block.Bytes[aead.NonceSize():]
	der, err := aead.Open(nil, nonce, ct, sealAAD(label))
	if err != nil {
		return nil, ErrUnseal
	}
	return der, nil
}
