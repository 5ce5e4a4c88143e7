// Package docsign signs DataGate's agreements (授权协议, 服务协议, 利用承诺,
// 补充协议) so that anyone can verify them offline, with nothing but the
// document, its signature and the platform's CA certificate.
//
// The platform runs a small CA: an SM2 key pair and a self-signed X.509
// certificate, created once. Each signing organisation gets an SM2 key pair
// and a certificate issued by that CA naming it (common name: its display
// name; OU: its DataGate org code; serialNumber: an applicant's unified
// social credit code). Private keys are kept sealed by a master key the
// caller supplies (see MasterKey and KeyStore).
//
// A signature is a detached CMS SignedData (GB/T 35275, SM2 with SM3) over
// the document's bytes, carrying the signer's certificate and a signing-time
// attribute. Verify checks it against the CA certificate and says who signed,
// when, and with which certificate.
package docsign

import (
	"context"
	"crypto/rand"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
)

// Org is a signing organisation as its certificate names it.
type Org struct {
	// Code is the DataGate org code (store.Org.Code), e.g. "bdc"; it goes
	// in the subject's OU and names the key files.
	Code string
	// Name is the display name, e.g. 某某数据科技有限公司; it is the
	// subject's common name and organisation.
	Name string
	// CreditCode is an applicant's unified social credit code
	// (统一社会信用代码), in the subject's serialNumber; empty for a department.
	CreditCode string
}

func (o Org) check() error {
	if err := checkOrgCode(o.Code); err != nil {
		return err
	}
	if strings.TrimSpace(o.Name) == "" {
		return fmt.Errorf("docsign: org %q has no display name", o.Code)
	}
	for _, r := range o.CreditCode {
		if !('0' <= r && r <= '9' || 'A' <= r && r <= 'Z') {
			return fmt.Errorf("docsign: org %q: the credit code %q has a character that is not a digit or capital letter", o.Code, o.CreditCode)
		}
	}
	return nil
}

// Options are an Authority's settings; the zero value is usable.
type Options struct {
	// CAName is the CA's common name when it is created; default
	// "DataGate Platform CA".
	CAName string
	// Now is the clock of certificates' validity; default time.Now. (A
	// signature's signing time is always the system clock's.)
	Now func() time.Time
}

// Validity periods. Signatures are verified as of their signing time, so an
// agreement signed under a certificate that has since expired still verifies.
const (
	caValidity     = 30 * 365 * 24 * time.Hour
	orgValidity    = 10 * 365 * 24 * time.Hour
	renewBefore    = 30 * 24 * time.Hour
	backdate       = 5 * time.Minute // tolerance for verifiers' clocks
	defaultCAName  = "DataGate Platform CA"
	caOrganization = "DataGate"
	caLabel        = "ca"
	orgLabelPrefix = "org/"
)

// Authority is the platform CA with its key store: it issues organisations'
// certificates and signs documents for them. It is safe for concurrent use;
// two processes enrolling the same new org at once are not coordinated
// (a database-backed KeyStore would do that in a transaction).
type Authority struct {
	mu     sync.Mutex // one enrolment at a time: a key and its certificate are stored together
	store  KeyStore
	master *MasterKey
	now    func() time.Time
	caCert *smx509.Certificate
	caKey  *sm2.PrivateKey
}

// OpenAuthority loads the CA from ks, or creates it the first time, and
// opens its key with master: a wrong master key is ErrUnseal.
func OpenAuthority(ctx context.Context, ks KeyStore, master *MasterKey, opt Options) (*Authority, error) {
	if master == nil {
		return nil, errors.New("docsign: no master key")
	}
	a := &Authority{store: ks, master: master, now: opt.Now}
	if a.now == nil {
		a.now = time.Now
	}
	e, err := ks.LoadCA(ctx)
	if errors.Is(err, ErrNoEntry) {
		e, err = a.createCA(ctx, opt.CAName)
		if errors.Is(err, ErrExists) {
			// Created meanwhile by another process, which may still be
			// writing its certificate.
			for range 50 {
				if e, err = ks.LoadCA(ctx); err == nil {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
	}
	if err != nil {
		return nil, err
	}
	cert, key, err := a.openEntry(caLabel, e)
	if err != nil {
		return nil, fmt.Errorf("docsign: the CA: %w", err)
	}
	if !cert.IsCA {
		return nil, errors.New("docsign: the stored CA certificate is not a CA certificate")
	}
	a.caCert, a.caKey = cert, key
	return a, nil
}

func (a *Authority) createCA(ctx context.Context, name string) (Entry, error) {
	if name == "" {
		name = defaultCAName
	}
	key, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return Entry{}, err
	}
	now := a.now()
	tmpl := &smx509.Certificate{
		Subject:               nameOf(name, caOrganization, "", ""),
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              smx509.KeyUsageCertSign | smx509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return Entry{}, fmt.Errorf("docsign: create the CA certificate: %w", err)
	}
	e, err := a.sealEntry(caLabel, der, key)
	if err != nil {
		return Entry{}, err
	}
	return e, a.store.SaveCA(ctx, e)
}

// CACertificate is the CA's certificate: give it to whoever verifies.
func (a *Authority) CACertificate() *smx509.Certificate { return a.caCert }

// CACertificatePEM is the CA's certificate in PEM.
func (a *Authority) CACertificatePEM() []byte { return CertificatePEM(a.caCert) }

// CertificatePEM encodes a certificate in PEM.
func CertificatePEM(cert *smx509.Certificate) []byte { return certPEM(cert.Raw) }

// Enroll returns org's certificate, issuing a key pair and certificate the
// first time. An existing key is kept; its certificate is reissued when the
// org's name or credit code changed or it is about to expire (signatures
// made under the old one still verify: they carry it).
func (a *Authority) Enroll(ctx context.Context, org Org) (*smx509.Certificate, error) {
	cert, _, err := a.orgKey(ctx, org)
	return cert, err
}

// orgKey returns org's certificate and key, enrolling it when needed.
func (a *Authority) orgKey(ctx context.Context, org Org) (*smx509.Certificate, *sm2.PrivateKey, error) {
	if err := org.check(); err != nil {
		return nil, nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	label := orgLabelPrefix + org.Code
	var key *sm2.PrivateKey
	e, err := a.store.LoadOrg(ctx, org.Code)
	switch {
	case err == nil:
		cert, k, err := a.openEntry(label, e)
		if err != nil {
			return nil, nil, fmt.Errorf("docsign: org %q: %w", org.Code, err)
		}
		if cert.CheckSignatureFrom(a.caCert) == nil && sameIdentity(cert, org) && a.now().Before(cert.NotAfter.Add(-renewBefore)) {
			return cert, k, nil
		}
		key = k
	case errors.Is(err, ErrNoEntry):
		if key, err = sm2.GenerateKey(rand.Reader); err != nil {
			return nil, nil, err
		}
	default:
		return nil, nil, err
	}
	now := a.now()
	tmpl := &smx509.Certificate{
		Subject:               nameOf(org.Name, org.Name, org.Code, org.CreditCode),
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(orgValidity),
		KeyUsage:              smx509.KeyUsageDigitalSignature | smx509.KeyUsageContentCommitment,
		BasicConstraintsValid: true,
	}
	der, err := smx509.CreateCertificate(rand.Reader, tmpl, a.caCert, &key.PublicKey, a.caKey)
	if err != nil {
		return nil, nil, fmt.Errorf("docsign: issue the certificate of org %q: %w", org.Code, err)
	}
	cert, err := smx509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	e, err = a.sealEntry(label, der, key)
	if err != nil {
		return nil, nil, err
	}
	if err := a.store.SaveOrg(ctx, org.Code, e); err != nil {
		return nil, nil, err
	}
	return cert, key, nil
}

func nameOf(cn, o, ou, serial string) pkix.Name {
	n := pkix.Name{CommonName: cn, Organization: []string{o}, SerialNumber: serial}
	if ou != "" {
		n.OrganizationalUnit = []string{ou}
	}
	return n
}

func sameIdentity(cert *smx509.Certificate, org Org) bool {
	id := identityOf(cert)
	return id.Name == org.Name && id.Code == org.Code && id.CreditCode == org.CreditCode
}

// identityOf reads the org a certificate names.
func identityOf(cert *smx509.Certificate) Org {
	o := Org{Name: cert.Subject.CommonName, CreditCode: cert.Subject.SerialNumber}
	if len(cert.Subject.OrganizationalUnit) > 0 {
		o.Code = cert.Subject.OrganizationalUnit[0]
	}
	return o
}

func (a *Authority) sealEntry(label string, der []byte, key *sm2.PrivateKey) (Entry, error) {
	pk, err := smx509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return Entry{}, err
	}
	sealed, err := a.master.seal(label, pk)
	clear(pk)
	if err != nil {
		return Entry{}, err
	}
	return Entry{Cert: der, SealedKey: sealed}, nil
}

// openEntry parses an entry's certificate, opens its key and checks that
// the two belong together.
func (a *Authority) openEntry(label string, e Entry) (*smx509.Certificate, *sm2.PrivateKey, error) {
	cert, err := smx509.ParseCertificate(e.Cert)
	if err != nil {
		return nil, nil, fmt.Errorf("the certificate: %w", err)
	}
	pk, err := a.master.open(label, e.SealedKey)
	if err != nil {
		return nil, nil, err
	}
	defer clear(pk)
	k, err := smx509.ParsePKCS8PrivateKey(pk)
	if err != nil {
		return nil, nil, fmt.Errorf("the private key: %w", err)
	}
	key, ok := k.(*sm2.PrivateKey)
	if !ok {
		return nil, nil, fmt.Errorf("the private key is a %T, not SM2", k)
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, nil, errors.New("the private key does not match the certificate")
	}
	return cert, key, nil
}

// ParseCertificate reads one X.509 certificate in PEM or DER.
func ParseCertificate(data []byte) (*smx509.Certificate, error) {
	if block, _ := pem.Decode(data); block != nil {
		if block.Type != certPEMType {
			return nil, fmt.Errorf("docsign: a PEM %q block, not a certificate", block.Type)
		}
		data = block.Bytes
	}
	cert, err := smx509.ParseCertificate(data)
	if err != nil {
		return nil, fmt.Errorf("docsign: not a certificate: %w", err)
	}
	return cert, nil
}
