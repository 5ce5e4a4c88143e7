package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/datagate/datagate/docsign"
)

// agreementBundle signs a document with a fresh platform CA in a key
// directory and writes the files a verifier gets: the document, its
// detached signature and the CA certificate.
func agreementBundle(t *testing.T, org docsign.Org) (keys, doc, sig, ca string) {
	t.Helper()
	b := make([]byte, docsign.MasterKeySize)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	master, err := docsign.NewMasterKey(b)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keys = filepath.Join(dir, "keys")
	a, err := docsign.OpenAuthority(context.Background(), docsign.NewFileKeyStore(keys), master, docsign.Options{})
	if err != nil {
		t.Fatal(err)
	}
	text := []byte("数据授权协议\n甲方：市大数据中心\n乙方：" + org.Name + "\n第一条 授权范围 ……\n")
	s, err := a.Sign(context.Background(), text, org)
	if err != nil {
		t.Fatal(err)
	}
	doc, sig, ca = filepath.Join(dir, "授权协议.txt"), filepath.Join(dir, "授权协议.txt.p7s"), filepath.Join(dir, "ca.crt")
	for f, data := range map[string][]byte{doc: text, sig: s, ca: a.CACertificatePEM()} {
		if err := os.WriteFile(f, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return keys, doc, sig, ca
}

// `datagate agreement verify` passes a good bundle with nothing but its
// files, says who signed, when and with which certificate, and exits 1
// naming the change once a byte of the document is flipped.
func TestAgreementVerifyCommand(t *testing.T) {
	org := docsign.Org{Code: "acme-data", Name: "某某数据科技有限公司", CreditCode: "91350100M000100Y43"}
	keys, doc, sig, ca := agreementBundle(t, org)

	out, errOut, err := runCmd(t, "agreement", "verify", doc, sig, "--ca", ca)
	if err != nil {
		t.Fatalf("good bundle: %v\n%s%s", err, out, errOut)
	}
	caCert, err := os.ReadFile(ca)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"signature valid\n",
		"signed by: 某某数据科技有限公司\n",
		"organisation code: acme-data\n",
		"unified social credit code: 91350100M000100Y43\n",
		"signed at: 20",
		"certificate fingerprint (SM3): ",
		"certificate issued by: DataGate Platform CA\n",
		"the document is unchanged\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	t.Logf("datagate agreement verify:\n%s", out)

	// Flags before the files, and JSON.
	out, _, err = runCmd(t, "agreement", "verify", "--json", "--ca", ca, doc, sig)
	var res struct {
		Valid             bool   `json:"valid"`
		DocumentUnchanged bool   `json:"document_unchanged"`
		Signer            string `json:"signer"`
		OrgCode           string `json:"org_code"`
		Fingerprint       string `json:"certificate_sm3"`
		SignedAt          string `json:"signed_at"`
	}
	if err != nil || json.Unmarshal([]byte(out), &res) != nil || !res.Valid || !res.DocumentUnchanged ||
		res.Signer != org.Name || res.OrgCode != org.Code || len(res.Fingerprint) != 64 || res.SignedAt == "" {
		t.Errorf("--json: %v\n%s", err, out)
	}

	// `agreement ca` prints the CA certificate from the key directory.
	out, _, err = runCmd(t, "agreement", "ca", "--keys", keys)
	if err != nil || out != string(caCert) {
		t.Errorf("agreement ca: %v\n%s", err, out)
	}

	// One byte of the document flipped.
	text, err := os.ReadFile(doc)
	if err != nil {
		t.Fatal(err)
	}
	text[len(text)/2] ^= 0x01
	if err := os.WriteFile(doc, text, 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, err = runCmd(t, "agreement", "verify", doc, sig, "--ca", ca)
	if !errors.Is(err, docsign.ErrDocumentChanged) || errors.Is(err, errUsage) ||
		!strings.Contains(out, "signature INVALID: the document was changed after it was signed") ||
		strings.Contains(out, "the document is unchanged") {
		t.Errorf("flipped byte: %v\n%s%s", err, out, errOut)
	}
	out, _, err = runCmd(t, "agreement", "verify", doc, sig, "--ca", ca, "--json")
	if !errors.Is(err, docsign.ErrDocumentChanged) || !strings.Contains(out, `"problem": "document_changed"`) ||
		!strings.Contains(out, `"valid": false`) {
		t.Errorf("flipped byte, --json: %v\n%s", err, out)
	}
}

// A signature checked against another platform's CA fails, and so do
// missing or malformed inputs; usage errors are told apart.
func TestAgreementVerifyRefusals(t *testing.T) {
	org := docsign.Org{Code: "bdc", Name: "市大数据中心"}
	_, doc, sig, _ := agreementBundle(t, org)
	_, _, _, otherCA := agreementBundle(t, org)

	out, _, err := runCmd(t, "agreement", "verify", doc, sig, "--ca", otherCA)
	if !errors.Is(err, docsign.ErrNotThisCA) || !strings.Contains(out, "signature INVALID: the signature is not by a certificate of this CA") {
		t.Errorf("another CA: %v\n%s", err, out)
	}

	junk := filepath.Join(t.TempDir(), "junk.p7s")
	if err := os.WriteFile(junk, []byte("not a signature"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runCmd(t, "agreement", "verify", doc, junk, "--ca", otherCA); !errors.Is(err, docsign.ErrMalformed) {
		t.Errorf("malformed signature: %v", err)
	}
	if _, _, err := runCmd(t, "agreement", "verify", doc, filepath.Join(t.TempDir(), "missing"), "--ca", otherCA); err == nil || errors.Is(err, errUsage) {
		t.Errorf("missing signature file: %v", err)
	}

	for _, args := range [][]string{
		{"agreement"},
		{"agreement", "sign"},
		{"agreement", "verify", doc},
		{"agreement", "verify", doc, sig, "--no-such-flag"},
	} {
		if _, _, err := runCmd(t, args...); !errors.Is(err, errUsage) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
	_, errOut, err := runCmd(t, "agreement", "verify", doc, sig)
	if !errors.Is(err, errUsage) || !strings.Contains(errOut, "give --ca CERT") || !strings.Contains(errOut, "no network lookup") {
		t.Errorf("no --ca: %v\n%s", err, errOut)
	}
}
