package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/docsign"
	"github.com/datagate/datagate/documents"
	"github.com/datagate/datagate/store"
)

const agreementUsage = `usage: datagate agreement verify DOC SIG --ca CERT [--json]
       datagate agreement ca [--db DSN | --data DIR | --keys DIR]

verify checks SIG, the detached signature (CMS SignedData, SM2 with SM3) of
the agreement document DOC, against the platform's CA certificate, with
nothing but these files: there is no network lookup. It prints who signed,
when, and the signer certificate's fingerprint; exits 0 when the signature
holds, 1 with the reason when it does not (the document was changed, the
signer's certificate is not of this CA, the signature is malformed).

  --ca CERT    the platform's CA certificate, PEM or DER (required)
  --json       print the result as JSON

ca prints the platform's CA certificate (PEM), to hand to verifiers: the
one the workers sign with, kept in the database.

  --db DSN     the database (DATAGATE_DB)
  --data DIR   or the dev data directory (DATAGATE_DATA): DIR/datagate.db
  --keys DIR   or a key directory of package docsign's file key store
`

func runAgreement(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "ca" {
		return runAgreementCA(ctx, args[1:], getenv, stdout, stderr)
	}
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprint(stderr, agreementUsage)
		return errUsage
	}
	fs := flag.NewFlagSet("agreement verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, agreementUsage) }
	caFile := fs.String("ca", "", "the platform's CA certificate")
	asJSON := fs.Bool("json", false, "print JSON")
	files, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return errUsage
	}
	if len(files) != 2 {
		fmt.Fprintf(stderr, "agreement verify: give the document and its signature file (got %d arguments)\n\n%s", len(files), agreementUsage)
		return errUsage
	}
	if *caFile == "" {
		fmt.Fprint(stderr, "agreement verify: give --ca CERT, the platform's CA certificate: a signature is checked against it alone, with no network lookup\n")
		return errUsage
	}
	doc, err := os.ReadFile(files[0])
	if err != nil {
		return fmt.Errorf("agreement verify: the document: %w", err)
	}
	sig, err := os.ReadFile(files[1])
	if err != nil {
		return fmt.Errorf("agreement verify: the signature: %w", err)
	}
	caPEM, err := os.ReadFile(*caFile)
	if err != nil {
		return fmt.Errorf("agreement verify: the CA certificate: %w", err)
	}
	ca, err := docsign.ParseCertificate(caPEM)
	if err != nil {
		return fmt.Errorf("agreement verify: %s: %w", *caFile, err)
	}
	signed, verr := docsign.Verify(doc, sig, ca)
	res := agreementResult{Valid: verr == nil, Document: files[0], Signature: files[1], CA: ca.Subject.CommonName, Signed: signed}
	if verr != nil {
		res.Problem, res.Reason = agreementProblem(verr), verr.Error()
	} else {
		res.DocumentUnchanged = true
	}
	if err := report(stdout, *asJSON, res, func() { printAgreementResult(stdout, res) }); err != nil {
		return err
	}
	if verr != nil {
		return fmt.Errorf("agreement verify: %w", verr)
	}
	return nil
}

// agreementResult is what agreement verify reports.
type agreementResult struct {
	Valid             bool   `json:"valid"`
	Document          string `json:"document"`
	Signature         string `json:"signature"`
	CA                string `json:"ca"`
	DocumentUnchanged bool   `json:"document_unchanged"`
	*docsign.Signed
	// Problem is document_changed, not_this_ca, bad_signature or malformed.
	Problem string `json:"problem,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

func agreementProblem(err error) string {
	switch {
	case errors.Is(err, docsign.ErrDocumentChanged):
		return "document_changed"
	case errors.Is(err, docsign.ErrNotThisCA):
		return "not_this_ca"
	case errors.Is(err, docsign.ErrBadSignature):
		return "bad_signature"
	default:
		return "malformed"
	}
}

func printAgreementResult(w io.Writer, r agreementResult) {
	if !r.Valid {
		fmt.Fprintf(w, "signature INVALID: %s\n", r.Reason)
		fmt.Fprintf(w, "document: %s\n", r.Document)
		fmt.Fprintf(w, "signature: %s\n", r.Signature)
		return
	}
	s := r.Signed
	fmt.Fprintln(w, "signature valid")
	fmt.Fprintf(w, "signed by: %s\n", s.Signer)
	fmt.Fprintf(w, "organisation code: %s\n", s.OrgCode)
	if s.CreditCode != "" {
		fmt.Fprintf(w, "unified social credit code: %s\n", s.CreditCode)
	}
	fmt.Fprintf(w, "signed at: %s (as the signer's clock stated it)\n", s.SignedAt.In(calendar.Zone).Format(time.RFC3339))
	fmt.Fprintf(w, "certificate fingerprint (SM3): %s\n", s.Fingerprint)
	fmt.Fprintf(w, "certificate issued by: %s\n", s.Issuer)
	fmt.Fprintf(w, "document SM3: %s\n", s.DocumentSM3)
	fmt.Fprintln(w, "the document is unchanged")
}

// parseInterspersed parses flags that may come before, between or after
// the positional arguments, and returns the positional ones.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func runAgreementCA(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("agreement ca", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, agreementUsage) }
	keys := fs.String("keys", "", "key directory")
	dsn := fs.String("db", getenv("DATAGATE_DB"), "database DSN")
	data := fs.String("data", "", "dev data directory")
	if err := fs.Parse(args); err != nil {
		return errUsage
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("agreement ca: unexpected argument %q; see datagate agreement --help", fs.Arg(0))
	}
	var der []byte
	if *keys != "" {
		e, err := docsign.NewFileKeyStore(*keys).LoadCA(ctx)
		if errors.Is(err, docsign.ErrNoEntry) {
			return fmt.Errorf("agreement ca: no CA in %s", *keys)
		}
		if err != nil {
			return fmt.Errorf("agreement ca: %w", err)
		}
		der = e.Cert
	} else {
		// The CA the workers sign with is in the database; its
		// certificate is public, so a running dev need not stop.
		db, err := auditDSN("agreement ca", *dsn, *data, getenv)
		if err != nil {
			return err
		}
		st, err := store.Open(db)
		if err != nil {
			return err
		}
		defer st.Close()
		pem, err := documents.CACertificatePEM(ctx, st)
		if errors.Is(err, store.ErrNotFound) {
			return errors.New("agreement ca: no CA yet: a worker with DATAGATE_SIGNING_KEY creates it when it starts")
		}
		if err != nil {
			return fmt.Errorf("agreement ca: %w", err)
		}
		der = pem
	}
	ca, err := docsign.ParseCertificate(der)
	if err != nil {
		return fmt.Errorf("agreement ca: %w", err)
	}
	fmt.Fprintf(stderr, "%s, SM3 fingerprint %s\n", ca.Subject.CommonName, docsign.Fingerprint(ca))
	_, err = stdout.Write(docsign.CertificatePEM(ca))
	return err
}
