package documents

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/datagate/datagate/docgen"
	"github.com/datagate/datagate/docsign"
	"github.com/datagate/datagate/files"
	"github.com/datagate/datagate/store"
)

// KeyStore keeps docsign's keys in the database (table signing_keys), so
// that every worker signs with the same CA and the same org keys. The
// private keys are sealed by the master key before they reach it.
type KeyStore struct{ Store *store.Store }

var _ docsign.KeyStore = KeyStore{}

const caSubject = "ca"

func orgSubject(code string) string { return "org/" + code }

func (k KeyStore) load(ctx context.Context, subject string) (docsign.Entry, error) {
	e, err := k.Store.SigningKeyOf(ctx, subject)
	if errors.Is(err, store.ErrNotFound) {
		return docsign.Entry{}, docsign.ErrNoEntry
	}
	return docsign.Entry{Cert: e.Cert, SealedKey: e.SealedKey}, err
}

// LoadCA returns the CA's entry, or docsign.ErrNoEntry.
func (k KeyStore) LoadCA(ctx context.Context) (docsign.Entry, error) { return k.load(ctx, caSubject) }

// SaveCA stores the CA once; docsign.ErrExists when another process made
// it first.
func (k KeyStore) SaveCA(ctx context.Context, e docsign.Entry) error {
	err := k.Store.SaveSigningKey(ctx, store.SigningKey{Subject: caSubject, Cert: e.Cert, SealedKey: e.SealedKey, CreatedAt: time.Now()}, false)
	if errors.Is(err, store.ErrConflict) {
		return docsign.ErrExists
	}
	return err
}

// LoadOrg returns an org's entry, or docsign.ErrNoEntry.
func (k KeyStore) LoadOrg(ctx context.Context, code string) (docsign.Entry, error) {
	return k.load(ctx, orgSubject(code))
}

// SaveOrg stores an org's entry, replacing an earlier one (a renewal).
func (k KeyStore) SaveOrg(ctx context.Context, code string, e docsign.Entry) error {
	return k.Store.SaveSigningKey(ctx, store.SigningKey{Subject: orgSubject(code), Cert: e.Cert, SealedKey: e.SealedKey, CreatedAt: time.Now()}, true)
}

// CACertificatePEM is the platform CA's certificate, for verifiers; none
// (ErrNotFound) before the first signature made the CA.
func CACertificatePEM(ctx context.Context, st *store.Store) ([]byte, error) {
	e, err := st.SigningKeyOf(ctx, caSubject)
	if err != nil {
		return nil, err
	}
	cert, err := docsign.ParseCertificate(e.Cert)
	if err != nil {
		return nil, err
	}
	return docsign.CertificatePEM(cert), nil
}

// Latest is the latest recorded document of each agreement kind.
func Latest(docs []store.AgreementDocument) map[string]store.AgreementDocument {
	out := map[string]store.AgreementDocument{}
	for _, d := range docs {
		out[d.Kind] = d // oldest first: the last one wins
	}
	return out
}

// ErrChanged: a recorded document is not in the file store, and the
// record no longer renders it.
var ErrChanged = errors.New("documents: the recorded document cannot be rendered again")

// Bytes reads a recorded document: from the file store, or rendered again
// from the record with its template version, refused unless it is the
// same bytes.
func Bytes(ctx context.Context, st *store.Store, fs files.Store, appID uint64, d store.AgreementDocument) ([]byte, error) {
	if fs != nil {
		r, err := fs.Open(ctx, d.SM3)
		if err == nil {
			defer r.Close()
			return io.ReadAll(r)
		}
		if !errors.Is(err, files.ErrNotFound) {
			return nil, err
		}
	}
	in, err := Agreement(ctx, st, appID, d.Kind)
	if err != nil {
		return nil, err
	}
	doc, err := docgen.RenderVersion(in, d.TemplateVersion)
	if err != nil {
		return nil, err
	}
	if doc.SM3 != d.SM3 {
		return nil, fmt.Errorf("%w: the %s agreement of application %d renders %s, not the recorded %s", ErrChanged, d.Kind, appID, doc.SM3, d.SM3)
	}
	return doc.PDF, nil
}

// Sign signs doc for the org with its key (enrolled with the platform CA
// the first time) and returns the signature record.
func Sign(ctx context.Context, st *store.Store, a *docsign.Authority, appID uint64, kind, org string, at time.Time, doc []byte, docSM3 string) (store.AgreementSignature, error) {
	o, err := st.Org(ctx, org)
	if err != nil {
		return store.AgreementSignature{}, err
	}
	cms, err := a.Sign(ctx, doc, docsign.Org{Code: o.Code, Name: o.Name, CreditCode: o.CreditCode})
	if err != nil {
		return store.AgreementSignature{}, err
	}
	signed, err := docsign.Verify(doc, cms, a.CACertificate())
	if err != nil {
		return store.AgreementSignature{}, fmt.Errorf("documents: a signature just made does not verify: %w", err)
	}
	if signed.DocumentSM3 != docSM3 {
		return store.AgreementSignature{}, fmt.Errorf("documents: signed %s, not the recorded %s", signed.DocumentSM3, docSM3)
	}
	return store.AgreementSignature{ApplicationID: appID, Kind: kind, Org: org, DocumentSM3: docSM3, CMS: cms,
		CertSM3: signed.Fingerprint, SignedAt: at}, nil
}
