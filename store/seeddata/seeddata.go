// Package seeddata holds the demo catalog that seeds a fresh DataGate
// installation: the participating organizations (departments, regulators,
// the operator, demo applicants) and the public data catalog.
//
// The datasets come from two source texts in shared/seeds: every row of the
// appendix table of 000_3ceebc7b9c3bef0d.txt (source "000 appendix") and the
// 34 directories of table 1 of 003_20ab08f12fc3ba04.txt (source "003 表1").
package seeddata

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

//go:embed catalog.json
var catalogJSON []byte

// Department kinds.
const (
	KindBigDataCenter = "bigdata_center" // initial review (市大数据发展中心)
	KindBureau        = "bureau"         // the implementing authority (市科技与大数据局)
	KindOperator      = "operator"       // the state data-operating company
	KindSupervision   = "supervision"    // supervision office
	KindProvider      = "provider"       // data-providing department
	KindRegulator     = "regulator"      // industry authority giving opinions
	KindApplicant     = "applicant"      // enterprise applying for data
)

// Open attributes of a dataset.
const (
	OpenUnconditional = "unconditional"
	OpenConditional   = "conditional"
	OpenClosed        = "closed"
)

// Department is an organization taking part in the approval process.
type Department struct {
	Code       string `json:"code"`
	Name       string `json:"name"`
	NameEn     string `json:"name_en"`
	Kind       string `json:"kind"`
	CreditCode string `json:"credit_code,omitempty"` // unified social credit code; applicants only
}

// Dataset is one entry of the public data catalog.
type Dataset struct {
	Code            string   `json:"code"`
	Name            string   `json:"name"`
	Department      string   `json:"department"` // code of the providing department
	Fields          []string `json:"fields"`
	OpenAttribute   string   `json:"open_attribute"`
	Grade           int      `json:"grade"`
	UpdateFrequency string   `json:"update_frequency"`
	Format          string   `json:"format"`
	Summary         string   `json:"summary"`
	Source          string   `json:"source"`

	// AuthorizedOperation: in the scope of authorized operation (授权运营),
	// whatever the open attribute: the 34 directories of 003 表1, the
	// Longhua plan's catalog of the data in its scope (五(二)).
	AuthorizedOperation bool `json:"authorized_operation"`

	// RequiresConsent: the data concerns personal privacy or trade
	// secrets, and is used only with its data subjects' consent
	// (数据主体授权同意, 004 第二十五条; 003 七).
	RequiresConsent bool `json:"requires_consent,omitempty"`
}

// Catalog is the whole seed: organizations and datasets.
type Catalog struct {
	Departments []Department `json:"departments"`
	Datasets    []Dataset    `json:"datasets"`
}

// Load decodes the embedded catalog, rejecting unknown fields, and validates it.
func Load() (Catalog, error) {
	c, err := decode(catalogJSON)
	if err != nil {
		return Catalog{}, err
	}
	if err := validate(c); err != nil {
		return Catalog{}, err
	}
	return c, nil
}

func decode(data []byte) (Catalog, error) {
	var c Catalog
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Catalog{}, fmt.Errorf("seeddata: decode catalog.json: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Catalog{}, errors.New("seeddata: decode catalog.json: trailing data after the catalog object")
	}
	return c, nil
}

var (
	kinds = map[string]bool{
		KindBigDataCenter: true, KindBureau: true, KindOperator: true, KindSupervision: true,
		KindProvider: true, KindRegulator: true, KindApplicant: true,
	}
	openAttributes = map[string]bool{OpenUnconditional: true, OpenConditional: true, OpenClosed: true}
	frequencies    = map[string]bool{
		"实时": true, "每日": true, "每周": true, "月度": true, "季度": true, "年度": true, "不定期更新": true,
	}
	formats = map[string]bool{"API": true, "CSV": true, "XLSX": true, "JSON": true, "PDF": true, "DICOM": true}

	deptCodeRE    = regexp.MustCompile(`^[a-z][a-z0-9]*(-[a-z0-9]+)*$`)
	datasetCodeRE = regexp.MustCompile(`^DS-[0-9]{4}$`)
)

const (
	minGrade = 1
	maxGrade = 4
)

// validate checks the catalog's internal consistency. It reports every
// problem found, each naming the department or dataset code and the field.
func validate(c Catalog) error {
	var errs []error
	deptf := func(code, field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("seeddata: department %q: field %s: %s", code, field, fmt.Sprintf(format, args...)))
	}
	dsf := func(code, field, format string, args ...any) {
		errs = append(errs, fmt.Errorf("seeddata: dataset %q: field %s: %s", code, field, fmt.Sprintf(format, args...)))
	}

	if len(c.Departments) == 0 {
		errs = append(errs, errors.New("seeddata: no departments"))
	}
	if len(c.Datasets) == 0 {
		errs = append(errs, errors.New("seeddata: no datasets"))
	}

	depts := make(map[string]Department, len(c.Departments))
	for i, d := range c.Departments {
		switch {
		case d.Code == "":
			deptf(fmt.Sprintf("#%d", i), "code", "empty")
		case !deptCodeRE.MatchString(d.Code):
			deptf(d.Code, "code", "not a lowercase ASCII slug")
		}
		if _, dup := depts[d.Code]; dup {
			deptf(d.Code, "code", "duplicate")
		}
		depts[d.Code] = d
		if d.Name == "" {
			deptf(d.Code, "name", "empty")
		}
		if d.NameEn == "" {
			deptf(d.Code, "name_en", "empty")
		}
		if !kinds[d.Kind] {
			deptf(d.Code, "kind", "unknown kind %q", d.Kind)
		}
		switch {
		case d.Kind == KindApplicant && d.CreditCode == "":
			deptf(d.Code, "credit_code", "missing for an applicant")
		case d.CreditCode != "" && !validCreditCode(d.CreditCode):
			deptf(d.Code, "credit_code", "%q is not a valid GB 32100-2015 unified social credit code", d.CreditCode)
		}
	}

	seen := make(map[string]bool, len(c.Datasets))
	for i, ds := range c.Datasets {
		code := ds.Code
		switch {
		case code == "":
			code = fmt.Sprintf("#%d", i)
			dsf(code, "code", "empty")
		case !datasetCodeRE.MatchString(code):
			dsf(code, "code", "does not match DS-NNNN")
		}
		if seen[ds.Code] {
			dsf(code, "code", "duplicate")
		}
		seen[ds.Code] = true
		if ds.Name == "" {
			dsf(code, "name", "empty")
		}
		if d, ok := depts[ds.Department]; !ok {
			dsf(code, "department", "unknown department %q", ds.Department)
		} else if d.Kind != KindProvider {
			dsf(code, "department", "department %q is a %s, not a provider", ds.Department, d.Kind)
		}
		if len(ds.Fields) == 0 {
			dsf(code, "fields", "empty")
		}
		fieldSeen := make(map[string]bool, len(ds.Fields))
		for _, f := range ds.Fields {
			if f == "" {
				dsf(code, "fields", "empty field name")
			} else if fieldSeen[f] {
				dsf(code, "fields", "duplicate field name %q", f)
			}
			fieldSeen[f] = true
		}
		if !openAttributes[ds.OpenAttribute] {
			dsf(code, "open_attribute", "unknown value %q", ds.OpenAttribute)
		}
		if ds.Grade < minGrade || ds.Grade > maxGrade {
			dsf(code, "grade", "%d is outside %d..%d", ds.Grade, minGrade, maxGrade)
		}
		if ds.Grade >= 3 && ds.OpenAttribute == OpenUnconditional {
			dsf(code, "open_attribute", "grade %d data cannot be unconditional", ds.Grade)
		}
		if ds.RequiresConsent && ds.OpenAttribute == OpenUnconditional {
			dsf(code, "requires_consent", "unconditional data is used without an application, where no consent could be recorded")
		}
		if !frequencies[ds.UpdateFrequency] {
			dsf(code, "update_frequency", "unknown value %q", ds.UpdateFrequency)
		}
		if !formats[ds.Format] {
			dsf(code, "format", "unknown value %q", ds.Format)
		}
		if ds.Summary == "" {
			dsf(code, "summary", "empty")
		}
		if ds.Source == "" {
			dsf(code, "source", "empty")
		}
	}
	return errors.Join(errs...)
}

// creditCodeAlphabet is the GB 32100-2015 character set; a character's value
// is its index.
const creditCodeAlphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// creditCodeWeights are the GB 32100-2015 weights of positions 1..17
// (3^(i-1) mod 31).
var creditCodeWeights = [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// validCreditCode reports whether s is an 18-character unified social credit
// code whose last character is the GB 32100-2015 check character of the
// first 17. It does not check the registration-authority, division or
// organization-code parts.
func validCreditCode(s string) bool {
	if len(s) != 18 {
		return false
	}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(creditCodeAlphabet, s[i])
		if v < 0 {
			return false
		}
		sum += v * creditCodeWeights[i]
	}
	check := (31 - sum%31) % 31
	return s[17] == creditCodeAlphabet[check]
}
