package docsign

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"time"

	"github.com/emmansun/gmsm/pkcs7"
	"github.com/emmansun/gmsm/sm3"
	"github.com/emmansun/gmsm/smx509"
)

// Sign signs doc for org (enrolling org the first time) and returns a
// detached CMS SignedData in DER: SM2 with SM3, the signer's certificate,
// and the signing time as a signed attribute. Keep it beside the document
// (e.g. agreement.pdf and agreement.pdf.p7s).
func (a *Authority) Sign(ctx context.Context, doc []byte, org Org) ([]byte, error) {
	cert, key, err := a.orgKey(ctx, org)
	if err != nil {
		return nil, err
	}
	sd, err := pkcs7.NewSMSignedData(doc)
	if err != nil {
		return nil, err
	}
	// The CA certificate is not included: a verifier must bring its own.
	if err := sd.AddSigner(cert, key, pkcs7.SignerInfoConfig{}); err != nil {
		return nil, fmt.Errorf("docsign: sign for org %q: %w", org.Code, err)
	}
	sd.Detach()
	return sd.Finish()
}

// Verification errors; Verify wraps one of them with the details, so test
// them with errors.Is.
var (
	// ErrDocumentChanged: the document is not the one that was signed.
	ErrDocumentChanged = errors.New("the document was changed after it was signed")
	// ErrNotThisCA: the signer's certificate was not issued by the given CA
	// (or was not valid when the document was signed).
	ErrNotThisCA = errors.New("the signature is not by a certificate of this CA")
	// ErrBadSignature: the signature value does not match what it signs:
	// the signature file was altered.
	ErrBadSignature = errors.New("the signature value is invalid: the signature file was altered")
	// ErrMalformed: the signature or a certificate cannot be read, or is
	// not the kind Sign makes.
	ErrMalformed = errors.New("the signature is malformed")
)

// Signed says who signed a document, when, and with which certificate.
type Signed struct {
	// Signer is the signing organisation's display name (subject CN).
	Signer string `json:"signer"`
	// OrgCode is its DataGate org code (subject OU).
	OrgCode string `json:"org_code"`
	// CreditCode is its unified social credit code (subject serialNumber),
	// for an applicant.
	CreditCode string `json:"credit_code,omitempty"`
	// SignedAt is the signing-time attribute, as the signer's clock had it.
	SignedAt time.Time `json:"signed_at"`
	// Fingerprint is the SM3 hash of the signer certificate's DER, hex.
	Fingerprint string `json:"certificate_sm3"`
	// Serial is the certificate's serial number, hex.
	Serial string `json:"certificate_serial"`
	// Issuer is the CA's common name.
	Issuer string `json:"issuer"`
	// DocumentSM3 is the SM3 hash of the document, hex.
	DocumentSM3 string `json:"document_sm3"`
	// Certificate is the signer's certificate.
	Certificate *smx509.Certificate `json:"-"`
}

// Fingerprint is the SM3 hash of a certificate's DER, in lowercase hex.
func Fingerprint(cert *smx509.Certificate) string {
	s := sm3.Sum(cert.Raw)
	return hex.EncodeToString(s[:])
}

// Verify checks a detached signature made by Sign over doc against the CA
// certificate ca, and nothing else: no network. The signature may be DER or
// PEM. On success it says who signed and when; otherwise the error wraps
// ErrDocumentChanged, ErrNotThisCA, ErrBadSignature or ErrMalformed.
func Verify(doc, sig []byte, ca *smx509.Certificate) (*Signed, error) {
	if ca == nil {
		return nil, errors.New("docsign: no CA certificate to verify against")
	}
	if !ca.BasicConstraintsValid || !ca.IsCA {
		return nil, fmt.Errorf("%w: the certificate given as the CA (%s) is not a CA certificate", ErrNotThisCA, ca.Subject.CommonName)
	}
	if block, _ := pem.Decode(sig); block != nil {
		sig = block.Bytes
	}
	p7, err := pkcs7.Parse(sig)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(p7.Signers) != 1 {
		return nil, fmt.Errorf("%w: it has %d signers, not 1", ErrMalformed, len(p7.Signers))
	}
	cert := p7.GetOnlySigner()
	if cert == nil {
		return nil, fmt.Errorf("%w: it does not carry the signer's certificate", ErrMalformed)
	}
	var at time.Time
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &at); err != nil {
		return nil, fmt.Errorf("%w: it has no signing time", ErrMalformed)
	}
	if len(p7.Content) > 0 && !bytes.Equal(p7.Content, doc) {
		return nil, fmt.Errorf("%w: the signature embeds other content", ErrDocumentChanged)
	}
	// The signature over the signed attributes, and the document's digest
	// among them.
	p7.Content = doc
	if err := p7.Verify(); err != nil {
		var mismatch *pkcs7.MessageDigestMismatchError
		var badTime *pkcs7.InvalidSigningTimeError
		switch {
		case errors.As(err, &mismatch):
			return nil, ErrDocumentChanged
		case errors.As(err, &badTime):
			return nil, fmt.Errorf("%w: signed at %s, outside the certificate's validity %s to %s", ErrNotThisCA,
				badTime.SigningTime.Format(time.RFC3339), badTime.NotBefore.Format(time.RFC3339), badTime.NotAfter.Format(time.RFC3339))
		default:
			return nil, fmt.Errorf("%w (%v)", ErrBadSignature, err)
		}
	}
	// The certificate: issued by this CA, valid when the document was
	// signed, an end entity allowed to sign.
	roots := smx509.NewCertPool()
	roots.AddCert(ca)
	if _, err := cert.Verify(smx509.VerifyOptions{
		Roots:       roots,
		CurrentTime: at,
		KeyUsages:   []smx509.ExtKeyUsage{smx509.ExtKeyUsageAny},
	}); err != nil {
		return nil, fmt.Errorf("%w: the signer's certificate (%s, issued by %s): %v", ErrNotThisCA,
			cert.Subject.CommonName, cert.Issuer.CommonName, err)
	}
	if cert.IsCA || cert.KeyUsage&(smx509.KeyUsageDigitalSignature|smx509.KeyUsageContentCommitment) == 0 {
		return nil, fmt.Errorf("%w: the signer's certificate (%s) is not a signing certificate", ErrNotThisCA, cert.Subject.CommonName)
	}
	id := identityOf(cert)
	d := sm3.Sum(doc)
	return &Signed{
		Signer:      id.Name,
		OrgCode:     id.Code,
		CreditCode:  id.CreditCode,
		SignedAt:    at.UTC(),
		Fingerprint: Fingerprint(cert),
		Serial:      cert.SerialNumber.Text(16),
		Issuer:      cert.Issuer.CommonName,
		DocumentSM3: hex.EncodeToString(d[:]),
		Certificate: cert,
	}, nil
}
