package calendar

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

const (
	minYear    = 2000
	maxYear    = 2100
	dateLayout = "2006-01-02"
)

// YearTable is one year's schedule: dates off (holidays that fall on weekdays
// or weekends) and adjusted working days (调休, usually a Saturday or Sunday
// that is worked).
//
// Dates are grouped by the calendar year they fall in, not by the holiday they
// belong to: a 调休 Sunday on 28 December for the next New Year belongs in the
// table of the earlier year. A table replaces its year wholesale, so it must
// list every off and worked date of that year.
type YearTable struct {
	Year int      `json:"year"`
	Off  []string `json:"off"`  // "YYYY-MM-DD"
	Work []string `json:"work"` // "YYYY-MM-DD"
}

// Fingerprint identifies the table's content: the SHA-256, in hex, of its
// year and its sorted dates. Two tables with the same days off and worked
// have the same fingerprint.
func (t YearTable) Fingerprint() string {
	h := sha256.New()
	fmt.Fprintf(h, "%d|off:%s|work:%s", t.Year,
		strings.Join(slices.Sorted(slices.Values(t.Off)), ","), strings.Join(slices.Sorted(slices.Values(t.Work)), ","))
	return hex.EncodeToString(h.Sum(nil))
}

// Validate checks that the year lies in 2000..2100 and that every date parses
// as YYYY-MM-DD, lies in Year, appears once, and is not both off and worked.
// All problems are reported, one per line; each names the offending field and
// value and says what to do.
func (t YearTable) Validate() error {
	if t.Year < minYear || t.Year > maxYear {
		return fmt.Errorf("year: %d is out of range; use a year from %d to %d", t.Year, minYear, maxYear)
	}
	var errs []error
	seen := make(map[string]string, len(t.Off)+len(t.Work)) // date -> first field, e.g. "off[3]"
	check := func(field string, dates []string) {
		for i, s := range dates {
			ref := fmt.Sprintf("%s[%d]", field, i)
			d, err := time.Parse(dateLayout, s)
			if err != nil {
				errs = append(errs, fmt.Errorf("%s: %q is not a date; use YYYY-MM-DD", ref, s))
				continue
			}
			if d.Year() != t.Year {
				errs = append(errs, fmt.Errorf("%s: %q is not in year %d; move it to the %d table", ref, s, t.Year, d.Year()))
				continue
			}
			prev, dup := seen[s]
			switch {
			case !dup:
				seen[s] = ref
			case strings.HasPrefix(prev, field+"["):
				errs = append(errs, fmt.Errorf("%s: %q is listed twice (also %s); remove one", ref, s, prev))
			default:
				errs = append(errs, fmt.Errorf("%s: %q is also listed as %s; a date is either off or worked, remove one", ref, s, prev))
			}
		}
	}
	check("off", t.Off)
	check("work", t.Work)
	return errors.Join(errs...)
}

// ParseYearTable decodes one YearTable from JSON, refusing unknown fields and
// trailing data, and validates it.
func ParseYearTable(r io.Reader) (YearTable, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var t YearTable
	if err := dec.Decode(&t); err != nil {
		return YearTable{}, fmt.Errorf("invalid year table JSON: %w", err)
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); err != io.EOF {
		return YearTable{}, errors.New("invalid year table JSON: unexpected data after the table object; put one table per file")
	}
	if err := t.Validate(); err != nil {
		return YearTable{}, err
	}
	return t, nil
}
