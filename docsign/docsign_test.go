package docsign

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
)

var (
	applicant = Org{Code: "acme-data", Name: "某某数据科技有限公司", CreditCode: "91350100M000100Y43"}
	bureau    = Org{Code: "bdc", Name: "市大数据中心"}
	agreement = []byte("授权协议\n甲方：市大数据中心\n乙方：某某数据科技有限公司\n第一条 ……\n")
)

func newMaster(t *testing.T) *MasterKey {
	t.Helper()
	b := make([]byte, MasterKeySize)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	m, err := NewMasterKey(b)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func openAuthority(t *testing.T, dir string, m *MasterKey) *Authority {
	t.Helper()
	a, err := OpenAuthority(context.Background(), NewFileKeyStore(dir), m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func sign(t *testing.T, a *Authority, doc []byte, org Org) []byte {
	t.Helper()
	sig, err := a.Sign(context.Background(), doc, org)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func TestSignAndVerify(t *testing.T) {
	dir, m := t.TempDir(), newMaster(t)
	a := openAuthority(t, dir, m)
	before := time.Now().Add(-time.Second)
	sig := sign(t, a, agreement, applicant)
	after := time.Now().Add(time.Second)

	got, err := Verify(agreement, sig, a.CACertificate())
	if err != nil {
		t.Fatal(err)
	}
	fp := sm3.Sum(got.Certificate.Raw)
	doc := sm3.Sum(agreement)
	if got.Signer != applicant.Name || got.OrgCode != applicant.Code || got.CreditCode != applicant.CreditCode ||
		got.Issuer != defaultCAName || got.Fingerprint != hex.EncodeToString(fp[:]) ||
		got.DocumentSM3 != hex.EncodeToString(doc[:]) || got.SignedAt.Before(before) || got.SignedAt.After(after) {
		t.Errorf("Verify = %+v", got)
	}

	// The same signature in PEM, and against the CA certificate read back
	// from its PEM file.
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	ca, err := ParseCertificate(caPEM)
	if err != nil || !bytes.Equal(caPEM, a.CACertificatePEM()) {
		t.Fatalf("ca.crt: %v", err)
	}
	p := pem.EncodeToMemory(&pem.Block{Type: "CMS", Bytes: sig})
	if _, err := Verify(agreement, p, ca); err != nil {
		t.Errorf("PEM signature: %v", err)
	}

	// The CA is created once; the org's key and certificate are reused.
	b := openAuthority(t, dir, m)
	if !b.CACertificate().Equal(a.CACertificate()) {
		t.Error("reopening the store made another CA")
	}
	sig2 := sign(t, b, []byte("补充协议"), applicant)
	got2, err := Verify([]byte("补充协议"), sig2, ca)
	if err != nil || got2.Fingerprint != got.Fingerprint {
		t.Errorf("second signature: %+v, %v; want the same certificate %s", got2, err, got.Fingerprint)
	}
}

func TestChangedDocumentIsRefused(t *testing.T) {
	a := openAuthority(t, t.TempDir(), newMaster(t))
	sig := sign(t, a, agreement, applicant)
	for _, i := range []int{0, len(agreement) / 2, len(agreement) - 1} {
		doc := bytes.Clone(agreement)
		doc[i] ^= 0x01
		if _, err := Verify(doc, sig, a.CACertificate()); !errors.Is(err, ErrDocumentChanged) {
			t.Errorf("byte %d flipped: %v, want %v", i, err, ErrDocumentChanged)
		}
	}
	if _, err := Verify(append(bytes.Clone(agreement), '\n'), sig, a.CACertificate()); !errors.Is(err, ErrDocumentChanged) {
		t.Errorf("a byte appended: %v", err)
	}
	if _, err := Verify(nil, sig, a.CACertificate()); !errors.Is(err, ErrDocumentChanged) {
		t.Errorf("empty document: %v", err)
	}
}

func TestAnotherCAIsRefused(t *testing.T) {
	ours := openAuthority(t, t.TempDir(), newMaster(t))
	// Another CA issuing a certificate with the very same identity.
	theirs := openAuthority(t, t.TempDir(), newMaster(t))
	sig := sign(t, theirs, agreement, applicant)
	if _, err := Verify(agreement, sig, theirs.CACertificate()); err != nil {
		t.Fatalf("against its own CA: %v", err)
	}
	_, err := Verify(agreement, sig, ours.CACertificate())
	if !errors.Is(err, ErrNotThisCA) {
		t.Fatalf("against our CA: %v, want %v", err, ErrNotThisCA)
	}
	t.Log(err)

	// The signer's own certificate given as the CA does not vouch for it.
	cert, err := ours.Enroll(context.Background(), applicant)
	if err != nil {
		t.Fatal(err)
	}
	sig = sign(t, ours, agreement, applicant)
	if _, err := Verify(agreement, sig, cert); !errors.Is(err, ErrNotThisCA) {
		t.Errorf("the signer's certificate as CA: %v", err)
	}
}

func TestAlteredOrMalformedSignatureIsRefused(t *testing.T) {
	a := openAuthority(t, t.TempDir(), newMaster(t))
	sig := sign(t, a, agreement, applicant)
	// The signature value is the last field of the SignedData.
	bad := bytes.Clone(sig)
	bad[len(bad)-1] ^= 0x01
	if _, err := Verify(agreement, bad, a.CACertificate()); !errors.Is(err, ErrBadSignature) {
		t.Errorf("signature value altered: %v", err)
	}
	for name, s := range map[string][]byte{
		"empty":     nil,
		"garbage":   []byte("not a signature"),
		"truncated": sig[:len(sig)/2],
	} {
		if _, err := Verify(agreement, s, a.CACertificate()); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v, want %v", name, err, ErrMalformed)
		}
	}
}

func TestKeyFileNeedsTheRightMasterKey(t *testing.T) {
	ctx := context.Background()
	dir, m := t.TempDir(), newMaster(t)
	a := openAuthority(t, dir, m)
	sign(t, a, agreement, applicant)
	sign(t, a, agreement, bureau)

	// Another master key opens neither the CA nor an org's key.
	other := newMaster(t)
	if _, err := OpenAuthority(ctx, NewFileKeyStore(dir), other, Options{}); !errors.Is(err, ErrUnseal) {
		t.Errorf("CA with another master key: %v, want %v", err, ErrUnseal)
	}
	e, err := NewFileKeyStore(dir).LoadOrg(ctx, applicant.Code)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.open("org/"+applicant.Code, e.SealedKey); !errors.Is(err, ErrUnseal) {
		t.Errorf("org key with another master key: %v", err)
	}
	if _, err := m.open("org/"+applicant.Code, e.SealedKey); err != nil {
		t.Errorf("org key with the master key: %v", err)
	}

	// One org's key file copied over another's does not open, even with the
	// right master key and its label header edited.
	src := filepath.Join(dir, "orgs", applicant.Code+".key.enc")
	dst := filepath.Join(dir, "orgs", bureau.Code+".key.enc")
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	data = bytes.Replace(data, []byte("Label: org/"+applicant.Code), []byte("Label: org/"+bureau.Code), 1)
	if err := os.WriteFile(dst, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Sign(ctx, agreement, bureau); !errors.Is(err, ErrUnseal) {
		t.Errorf("swapped key file: %v, want %v", err, ErrUnseal)
	}

	// A changed byte of the ciphertext is refused.
	block, _ := pem.Decode(data)
	block.Headers["Label"] = "org/" + applicant.Code
	block.Bytes[len(block.Bytes)-1] ^= 1
	if _, err := m.open("org/"+applicant.Code, pem.EncodeToMemory(block)); !errors.Is(err, ErrUnseal) {
		t.Errorf("altered ciphertext: %v", err)
	}

	for _, s := range []string{"", "00", strings.Repeat("zz", 32), strings.Repeat("ab", 31)} {
		if _, err := ParseMasterKey(s); err == nil {
			t.Errorf("ParseMasterKey(%q) accepted", s)
		}
	}
	if _, err := ParseMasterKey(strings.Repeat("ab", 32) + "\n"); err != nil {
		t.Errorf("ParseMasterKey: %v", err)
	}
}

func TestKeyFilesHoldNoClearKey(t *testing.T) {
	dir, m := t.TempDir(), newMaster(t)
	a := openAuthority(t, dir, m)
	sign(t, a, agreement, applicant)
	for label, file := range map[string]string{
		"ca":                    filepath.Join(dir, "ca.key.enc"),
		"org/" + applicant.Code: filepath.Join(dir, "orgs", applicant.Code+".key.enc"),
	} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: mode %v, %v; want 0600", file, fi.Mode(), err)
		}
		der, err := m.open(label, data)
		if err != nil {
			t.Fatal(err)
		}
		k, err := smx509.ParsePKCS8PrivateKey(der)
		if err != nil {
			t.Fatal(err)
		}
		d := k.(*sm2.PrivateKey).D.FillBytes(make([]byte, 32))
		for what, clear := range map[string][]byte{
			"PKCS #8 DER":    der,
			"scalar":         d,
			"scalar hex":     []byte(hex.EncodeToString(d)),
			"PKCS #8 base64": []byte(base64.StdEncoding.EncodeToString(der)[:40]),
			"scalar base64":  []byte(base64.StdEncoding.EncodeToString(d)[:40]),
		} {
			if bytes.Contains(data, clear) {
				t.Errorf("%s holds the clear key (%s)", file, what)
			}
		}
		if !strings.HasPrefix(string(data), "-----BEGIN "+sealedPEMType+"-----") || !strings.Contains(string(data), "Cipher: SM4-GCM") {
			t.Errorf("%s:\n%s", file, data)
		}
	}
	// Sealing the same key twice gives different files (fresh salt and nonce).
	x, _ := m.seal("ca", []byte("same"))
	y, _ := m.seal("ca", []byte("same"))
	if bytes.Equal(x, y) {
		t.Error("two seals of the same key are identical")
	}
}

func TestCertificatesNameTheOrg(t *testing.T) {
	ctx := context.Background()
	a := openAuthority(t, t.TempDir(), newMaster(t))
	ca := a.CACertificate()
	if !ca.IsCA || ca.CheckSignatureFrom(ca) != nil || ca.Subject.CommonName != defaultCAName ||
		ca.SignatureAlgorithm != smx509.SM2WithSM3 || !sm2.IsSM2PublicKey(ca.PublicKey) {
		t.Errorf("CA certificate: CA %v, %s, %v", ca.IsCA, ca.Subject, ca.SignatureAlgorithm)
	}
	for _, org := range []Org{applicant, bureau} {
		c, err := a.Enroll(ctx, org)
		if err != nil {
			t.Fatal(err)
		}
		s := c.Subject
		if s.CommonName != org.Name || len(s.Organization) != 1 || s.Organization[0] != org.Name ||
			len(s.OrganizationalUnit) != 1 || s.OrganizationalUnit[0] != org.Code || s.SerialNumber != org.CreditCode {
			t.Errorf("%s: subject %s", org.Code, s)
		}
		if c.IsCA || c.KeyUsage != smx509.KeyUsageDigitalSignature|smx509.KeyUsageContentCommitment {
			t.Errorf("%s: CA %v, key usage %v", org.Code, c.IsCA, c.KeyUsage)
		}
		if err := c.CheckSignatureFrom(ca); err != nil || c.SignatureAlgorithm != smx509.SM2WithSM3 || !sm2.IsSM2PublicKey(c.PublicKey) {
			t.Errorf("%s: not an SM2 certificate issued by the CA: %v", org.Code, err)
		}
	}

	// A renamed org keeps its key under a new certificate; what it signed
	// before still verifies, with the name it had then.
	old := sign(t, a, agreement, applicant)
	renamed := applicant
	renamed.Name = "某某数据集团有限公司"
	c, err := a.Enroll(ctx, renamed)
	if err != nil {
		t.Fatal(err)
	}
	first, _ := Verify(agreement, old, ca)
	if c.Subject.CommonName != renamed.Name || first == nil || first.Signer != applicant.Name ||
		!c.PublicKey.(*ecdsa.PublicKey).Equal(first.Certificate.PublicKey) {
		t.Errorf("renamed: %s; old signature %+v", c.Subject, first)
	}

	for _, bad := range []Org{{Code: "", Name: "x"}, {Code: "../x", Name: "x"}, {Code: "x"}, {Code: "x", Name: "x", CreditCode: "91-35"}} {
		if _, err := a.Enroll(ctx, bad); err == nil {
			t.Errorf("Enroll(%+v) accepted", bad)
		}
	}
}

// Concurrent first signatures for a new org enrol it once: every signature
// verifies, and the stored key still matches the stored certificate.
func TestConcurrentEnrolment(t *testing.T) {
	dir, m := t.TempDir(), newMaster(t)
	a := openAuthority(t, dir, m)
	sigs := make([][]byte, 8)
	errs := make([]error, len(sigs))
	var wg sync.WaitGroup
	for i := range sigs {
		wg.Go(func() { sigs[i], errs[i] = a.Sign(context.Background(), agreement, applicant) })
	}
	wg.Wait()
	fps := map[string]bool{}
	for i, sig := range sigs {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		got, err := Verify(agreement, sig, a.CACertificate())
		if err != nil {
			t.Fatal(err)
		}
		fps[got.Fingerprint] = true
	}
	if len(fps) != 1 {
		t.Errorf("%d certificates for one org", len(fps))
	}
	if _, err := openAuthority(t, dir, m).Enroll(context.Background(), applicant); err != nil {
		t.Error(err)
	}
}
