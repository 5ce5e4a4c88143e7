package seeddata

import (
	"fmt"
	"strings"
	"testing"
)

func mustLoad(t *testing.T) Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

// clone returns a deep copy so a test can corrupt it without touching others.
func clone(c Catalog) Catalog {
	out := Catalog{
		Departments: append([]Department(nil), c.Departments...),
		Datasets:    make([]Dataset, len(c.Datasets)),
	}
	for i, ds := range c.Datasets {
		ds.Fields = append([]string(nil), ds.Fields...)
		out.Datasets[i] = ds
	}
	return out
}

func TestLoad(t *testing.T) {
	c := mustLoad(t)
	if err := validate(c); err != nil {
		t.Fatalf("validate(Load()) = %v", err)
	}
}

func TestCounts(t *testing.T) {
	c := mustLoad(t)
	bySource := map[string]int{}
	for _, ds := range c.Datasets {
		bySource[ds.Source]++
	}
	if n := bySource["000 appendix"]; n < 90 {
		t.Errorf("datasets from the 000 appendix = %d, want >= 90", n)
	}
	if n := bySource["003 表1"]; n != 34 {
		t.Errorf("datasets from 003 表1 = %d, want 34", n)
	}
	if len(bySource) != 2 {
		t.Errorf("sources = %v, want exactly the two seed sources", bySource)
	}
}

func TestDatasetOrder(t *testing.T) {
	c := mustLoad(t)
	in003 := false
	for i, ds := range c.Datasets {
		want := fmt.Sprintf("DS-%04d", i+1)
		if ds.Code != want {
			t.Errorf("dataset #%d code = %s, want %s", i, ds.Code, want)
		}
		switch {
		case ds.Source == "003 表1":
			in003 = true
		case in003:
			t.Errorf("dataset %s from %q comes after 003 rows", ds.Code, ds.Source)
		}
	}
}

func TestDepartmentKinds(t *testing.T) {
	c := mustLoad(t)
	byKind := map[string]int{}
	for _, d := range c.Departments {
		byKind[d.Kind]++
	}
	for k := range kinds {
		if byKind[k] == 0 {
			t.Errorf("no department of kind %q", k)
		}
	}
	for _, k := range []string{KindBigDataCenter, KindBureau, KindOperator, KindSupervision} {
		if byKind[k] != 1 {
			t.Errorf("departments of kind %q = %d, want 1", k, byKind[k])
		}
	}
	if n := byKind[KindProvider]; n < 10 || n > 16 {
		t.Errorf("providers = %d, want 10..16", n)
	}
	if n := byKind[KindRegulator]; n < 2 || n > 3 {
		t.Errorf("regulators = %d, want 2..3", n)
	}
	if n := byKind[KindApplicant]; n != 3 {
		t.Errorf("applicants = %d, want 3", n)
	}

	used := map[string]bool{}
	for _, ds := range c.Datasets {
		used[ds.Department] = true
	}
	for _, d := range c.Departments {
		if d.Kind == KindProvider && !used[d.Code] {
			t.Errorf("provider %s holds no dataset", d.Code)
		}
	}
}

func TestAttributesAndGrades(t *testing.T) {
	c := mustLoad(t)
	attr := map[string]int{}
	grade3 := 0
	for _, ds := range c.Datasets {
		attr[ds.OpenAttribute]++
		if ds.Grade >= 3 {
			grade3++
			if ds.OpenAttribute == OpenUnconditional {
				t.Errorf("%s: grade %d is unconditional", ds.Code, ds.Grade)
			}
		}
		if ds.Source == "003 表1" && (len(ds.Fields) < 4 || len(ds.Fields) > 8) {
			t.Errorf("%s: %d fields, want 4..8 for a 003 directory", ds.Code, len(ds.Fields))
		}
	}
	for _, a := range []string{OpenUnconditional, OpenConditional, OpenClosed} {
		if attr[a] == 0 {
			t.Errorf("no %s dataset", a)
		}
	}
	if attr[OpenClosed] < 3 || attr[OpenClosed] > 8 {
		t.Errorf("closed datasets = %d, want about 5", attr[OpenClosed])
	}
	if grade3 == 0 {
		t.Error("no grade 3 dataset")
	}
}

func TestCreditCodes(t *testing.T) {
	c := mustLoad(t)
	n := 0
	for _, d := range c.Departments {
		if d.Kind != KindApplicant {
			continue
		}
		n++
		if !validCreditCode(d.CreditCode) {
			t.Errorf("applicant %s: credit code %q invalid", d.Code, d.CreditCode)
		}
	}
	if n == 0 {
		t.Fatal("no applicants")
	}
}

func TestValidCreditCode(t *testing.T) {
	for _, tc := range []struct {
		code string
		ok   bool
	}{
		{"9144030071526726XG", true},  // published code of a well-known company
		{"914403001922038216", true},  // published code of a well-known company
		{"91440106MA5D7K2R4F", true},  // demo applicant
		{"91440106MA5D7K2R4G", false}, // wrong check character
		{"9144030071526726X0", false}, // wrong check character
		{"91440106MA5D7K2R4", false},  // too short
		{"91440106MA5D7K2R4FF", false},
		{"91440106MA5D7K2RIF", false}, // I is not in the alphabet
		{"91440106ma5d7k2r4f", false}, // lower case
		{"", false},
	} {
		if got := validCreditCode(tc.code); got != tc.ok {
			t.Errorf("validCreditCode(%q) = %v, want %v", tc.code, got, tc.ok)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	base := mustLoad(t)
	applicant := -1
	for i, d := range base.Departments {
		if d.Kind == KindApplicant {
			applicant = i
			break
		}
	}
	if applicant < 0 {
		t.Fatal("no applicant")
	}

	for _, tc := range []struct {
		name    string
		corrupt func(c *Catalog)
		want    []string
	}{
		{"unknown department", func(c *Catalog) { c.Datasets[4].Department = "nope" },
			[]string{`dataset "DS-0005"`, "field department", `"nope"`}},
		{"department not a provider", func(c *Catalog) { c.Datasets[6].Department = "bdc" },
			[]string{`dataset "DS-0007"`, "field department", "not a provider"}},
		{"invalid credit code", func(c *Catalog) {
			d := &c.Departments[applicant]
			d.CreditCode = d.CreditCode[:17] + flip(d.CreditCode[17])
		}, []string{`department "` + base.Departments[applicant].Code + `"`, "field credit_code"}},
		{"missing credit code", func(c *Catalog) { c.Departments[applicant].CreditCode = "" },
			[]string{"field credit_code", "missing"}},
		{"bad open attribute", func(c *Catalog) { c.Datasets[0].OpenAttribute = "public" },
			[]string{`dataset "DS-0001"`, "field open_attribute", `"public"`}},
		{"grade out of range", func(c *Catalog) { c.Datasets[1].Grade = 5 },
			[]string{`dataset "DS-0002"`, "field grade"}},
		{"grade 3 unconditional", func(c *Catalog) { c.Datasets[2].Grade = 3; c.Datasets[2].OpenAttribute = OpenUnconditional },
			[]string{`dataset "DS-0003"`, "field open_attribute", "cannot be unconditional"}},
		{"consent on unconditional data", func(c *Catalog) { c.Datasets[0].RequiresConsent = true },
			[]string{`dataset "DS-0001"`, "field requires_consent"}},
		{"duplicate dataset code", func(c *Catalog) { c.Datasets[9].Code = "DS-0001" },
			[]string{`dataset "DS-0001"`, "field code", "duplicate"}},
		{"duplicate department code", func(c *Catalog) { c.Departments[1].Code = c.Departments[0].Code },
			[]string{`department "` + base.Departments[0].Code + `"`, "field code", "duplicate"}},
		{"unknown kind", func(c *Catalog) { c.Departments[0].Kind = "ministry" },
			[]string{"field kind", `"ministry"`}},
		{"empty fields", func(c *Catalog) { c.Datasets[10].Fields = nil },
			[]string{`dataset "DS-0011"`, "field fields"}},
		{"unknown frequency", func(c *Catalog) { c.Datasets[11].UpdateFrequency = "hourly" },
			[]string{`dataset "DS-0012"`, "field update_frequency"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := clone(base)
			tc.corrupt(&c)
			err := validate(c)
			if err == nil {
				t.Fatal("validate accepted a corrupted catalog")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %s", err, w)
				}
			}
		})
	}
	if err := validate(base); err != nil {
		t.Fatalf("corruption leaked into the loaded catalog: %v", err)
	}
}

func flip(b byte) string {
	if b == '0' {
		return "1"
	}
	return "0"
}

func TestDecodeRejectsUnknownFields(t *testing.T) {
	_, err := decode([]byte(`{"departments": [], "datasets": [], "extra": 1}`))
	if err == nil || !strings.Contains(err.Error(), "extra") {
		t.Fatalf("decode with an unknown field: err = %v, want one naming it", err)
	}
	_, err = decode([]byte(`{"departments": [], "datasets": [{"code": "DS-0001", "owner": "x"}]}`))
	if err == nil || !strings.Contains(err.Error(), "owner") {
		t.Fatalf("decode with an unknown dataset field: err = %v, want one naming it", err)
	}
	_, err = decode([]byte(`{"departments": [], "datasets": []} {}`))
	if err == nil {
		t.Fatal("decode accepted trailing data")
	}
}

// Eligibility for authorized operation (授权运营) is apart from the open
// attribute: the 34 directories of 003 表1, the Longhua plan's catalog of
// the data in its scope (五(二)), are eligible whatever their open
// attribute, among them the closed 医疗放射影像数据 that its scenario 5
// (AI中医大模型训练) uses; no text puts the 000 appendix's datasets there.
func TestAuthorizedOperation(t *testing.T) {
	c := mustLoad(t)
	closedEligible := 0
	byCode := map[string]Dataset{}
	for _, ds := range c.Datasets {
		byCode[ds.Code] = ds
		if want := ds.Source == "003 表1"; ds.AuthorizedOperation != want {
			t.Errorf("%s (%s, %s): authorized_operation = %v, want %v", ds.Code, ds.Name, ds.Source, ds.AuthorizedOperation, want)
		}
		if ds.OpenAttribute == OpenClosed && ds.AuthorizedOperation {
			closedEligible++
		}
	}
	for _, code := range []string{"DS-0103", "DS-0110", "DS-0111", "DS-0112"} {
		if ds := byCode[code]; ds.OpenAttribute != OpenClosed || !ds.AuthorizedOperation {
			t.Errorf("%s: %s, authorized_operation %v; want closed and eligible", code, ds.OpenAttribute, ds.AuthorizedOperation)
		}
	}
	if closedEligible == 0 {
		t.Error("no closed dataset is eligible for authorized operation")
	}
}

// The data subjects' consent (数据主体授权同意, 004 第二十五条) is required
// of the directories that hold individuals' records: social insurance,
// the housing fund and the health information platform.
func TestRequiresConsent(t *testing.T) {
	c := mustLoad(t)
	var got []string
	for _, ds := range c.Datasets {
		if ds.RequiresConsent {
			got = append(got, ds.Code)
		}
	}
	if want := []string{"DS-0111", "DS-0112", "DS-0131"}; strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("datasets requiring consent = %v, want %v", got, want)
	}
}
