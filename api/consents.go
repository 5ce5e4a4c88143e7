package api

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/store"
)

// The data subjects' consent (数据主体授权同意, 《广州市公共数据开放管理办法》
// 第二十五条): an application naming a dataset that requires it carries
// the consent's basis, keyed by the dataset's code under "consents"; each
// use of the data (数据调用) is recorded and refused past the consent's
// matter, accesses or term (store.RecordUse).

// consentBody is the basis of the data subjects' consent to one dataset.
type consentBody struct {
	// Matter is the specific matter consented to (具体事项).
	Matter string `json:"matter"`
	// MaxAccesses is the number of accesses agreed (访问次数).
	MaxAccesses int `json:"max_accesses"`
	// Until is the last day of the term (使用期限), YYYY-MM-DD.
	Until string `json:"until"`
	// Evidence says how the consent was obtained and can be shown.
	Evidence string `json:"evidence"`
}

// maxConsentAccesses bounds the accesses a consent may agree to: more
// than anyone consents to, and within every database's integers.
const maxConsentAccesses = 1_000_000_000

// The limits of a consent's free text and of a use's matter.
var (
	ruleMatter   = textRule{max: 500, required: true}
	ruleEvidence = textRule{max: 2000, required: true, multiline: true}
)

// today is the date in China time, YYYY-MM-DD: a consent's term is
// counted in its days.
func (s *Server) today() string { return s.now().In(calendar.Zone).Format(time.DateOnly) }

// checkConsents checks b's consents against its datasets (found in the
// catalog): each dataset that requires its data subjects' consent has a
// complete basis, whose term has not ended; no other dataset has one. It
// trims the basis's text in place.
func (s *Server) checkConsents(b *applicationBody, found map[string]store.Dataset, errs *fieldErrors) {
	checked := map[string]bool{}
	for _, code := range b.Datasets {
		d, ok := found[code]
		if !ok || !d.RequiresConsent || checked[code] {
			continue
		}
		checked[code] = true
		field := "consents." + code
		c, ok := b.Consents[code]
		if !ok {
			errs.add(badRequest(field, "give the consent's matter, max_accesses, until (YYYY-MM-DD) and evidence under consents, keyed by the dataset's code",
				"dataset %s (%s) is used only with its data subjects' consent (数据主体授权同意): state the consent's basis", code, d.Name))
			continue
		}
		errs.add(checkFields(fieldCheck{field + ".matter", &c.Matter, ruleMatter}))
		switch f := field + ".max_accesses"; {
		case c.MaxAccesses < 1:
			errs.add(badRequest(f, "give the number of accesses the data subjects agreed to (访问次数), 1 or more", "%s must be at least 1", f))
		case c.MaxAccesses > maxConsentAccesses:
			errs.add(badRequest(f, "give the number of accesses the data subjects agreed to (访问次数), 1 or more", "%s is more than %d", f, maxConsentAccesses))
		}
		errs.add(s.checkUntil(field+".until", strings.TrimSpace(c.Until)))
		c.Until = strings.TrimSpace(c.Until)
		errs.add(checkFields(fieldCheck{field + ".evidence", &c.Evidence, ruleEvidence}))
		b.Consents[code] = c
	}
	codes := make([]string, 0, len(b.Consents))
	for code := range b.Consents {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	for _, code := range codes {
		field := "consents." + code
		switch d, ok := found[code]; {
		case !slices.Contains(b.Datasets, code):
			errs.add(badRequest(field, "remove it from consents, or name the dataset in datasets", "consents names %s, which is not among the datasets", code))
		case ok && !d.RequiresConsent:
			errs.add(badRequest(field, "remove it from consents", "dataset %s (%s) does not require its data subjects' consent", code, d.Name))
		}
	}
}

// checkUntil checks the last day of a consent's term: a date, today or
// later.
func (s *Server) checkUntil(field, v string) error {
	if v == "" {
		return badRequest(field, "give the last day of the consent's term (使用期限) as YYYY-MM-DD", "%s is required", field)
	}
	if _, err := time.ParseInLocation(time.DateOnly, v, calendar.Zone); err != nil {
		return badRequest(field, "give the last day of the consent's term (使用期限) as YYYY-MM-DD", "%s %q is not a date", field, v)
	}
	if today := s.today(); v < today {
		return badRequest(field, "obtain the data subjects' consent again, for a term that has not ended",
			"%s %s is before today (%s): the consent's term has ended", field, v, today)
	}
	return nil
}

// consentsOf are b's consents as the store keeps them.
func consentsOf(b applicationBody) []store.ApplicationConsent {
	var out []store.ApplicationConsent
	for _, code := range b.Datasets {
		if c, ok := b.Consents[code]; ok {
			out = append(out, store.ApplicationConsent{DatasetCode: code, Matter: c.Matter, MaxAccesses: c.MaxAccesses,
				Until: c.Until, Evidence: c.Evidence})
		}
	}
	return out
}

// bodyConsents are a stored application's consents as a body carries them.
func bodyConsents(a store.Application) map[string]consentBody {
	out := map[string]consentBody{}
	for _, c := range a.Consents {
		out[c.DatasetCode] = consentBody{Matter: c.Matter, MaxAccesses: c.MaxAccesses, Until: c.Until, Evidence: c.Evidence}
	}
	return out
}

// --- uses of the data ----------------------------------------------------------

// useBody is one use of the data: which dataset, for what matter.
type useBody struct {
	Dataset string `json:"dataset"`
	Matter  string `json:"matter"`
}

// useAnswer is a recorded use, with what is left of its dataset's consent
// (absent for a dataset without one).
type useAnswer struct {
	store.DataUse
	Consent *store.ConsentUse `json:"consent,omitempty"`
}

// recordUse records a use of the data (数据调用) of the caller's org's
// active authorization: one of its approved datasets, for a matter; for a
// dataset used with its data subjects' consent, only for the consented
// matter, within the accesses and the term agreed. The use and its audit
// entry are written together; a refusal writes nothing.
func (s *Server) recordUse(c *gin.Context) {
	ctx := c.Request.Context()
	id, err := s.visibleID(c)
	if err != nil {
		fail(c, err)
		return
	}
	var b useBody
	if err := bind(c, &b); err != nil {
		fail(c, err)
		return
	}
	var errs fieldErrors
	if b.Dataset = strings.TrimSpace(b.Dataset); b.Dataset == "" {
		errs.add(badRequest("dataset", "name one of the application's approved datasets by its code, e.g. DS-0100", "%s is required", "dataset"))
	}
	errs.add(checkFields(fieldCheck{"matter", &b.Matter, ruleMatter}))
	if err := errs.err(); err != nil {
		fail(c, err)
		return
	}
	u := user(c)
	app, err := s.Store.Application(ctx, id)
	if err != nil {
		fail(c, err)
		return
	}
	if app.ApplicantOrg != u.OrgCode {
		fail(c, newErr(http.StatusForbidden, "forbidden", "", "", "only the applicant's organisation uses the data of its authorization"))
		return
	}
	use := store.DataUse{ApplicationID: id, DatasetCode: b.Dataset, Matter: b.Matter, UsedBy: u.Username, UserOrg: u.OrgCode, UsedAt: s.now()}
	left, err := s.Store.RecordUse(ctx, &use, u.Role, s.today())
	var refused *store.UseRefused
	if errors.As(err, &refused) {
		fail(c, useRefusal(id, b, refused))
		return
	} else if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, useAnswer{DataUse: use, Consent: left})
}

// useRefusal says why a use was refused, naming the field at fault.
func useRefusal(id uint64, b useBody, r *store.UseRefused) error {
	switch r.Kind {
	case store.UseNotActive:
		return newErr(http.StatusConflict, "conflict", "", "use the data only while the authorization is active (授权有效)",
			"application %d is %s, not an active authorization", id, r.Status)
	case store.UseNotNamed:
		return badRequest("dataset", "name one of the application's approved datasets by its code, e.g. DS-0100",
			"dataset %s is not one of this application's datasets", b.Dataset)
	case store.UseNotApproved:
		return newErr(http.StatusConflict, "conflict", "dataset", "use only the datasets the departments approved",
			"dataset %s is not approved in this application", b.Dataset)
	case store.UseNoConsent:
		return newErr(http.StatusConflict, "conflict", "dataset", "apply for a renewal that states the data subjects' consent",
			"dataset %s is used only with its data subjects' consent, and this application records none", b.Dataset)
	case store.UseExpired:
		return newErr(http.StatusConflict, "conflict", "dataset", "obtain the data subjects' consent again: use past its term is refused",
			"the data subjects' consent to dataset %s ended on %s", b.Dataset, r.Consent.Until)
	case store.UseOtherMatter:
		return newErr(http.StatusConflict, "conflict", "matter", "state the consented matter exactly; another matter needs another consent",
			"the data subjects consented to dataset %s for %q only", b.Dataset, r.Consent.Matter)
	case store.UseExhausted:
		return newErr(http.StatusConflict, "conflict", "dataset", "obtain the data subjects' consent again for more accesses",
			"the %d accesses the data subjects consented to for dataset %s are used up", r.Consent.MaxAccesses, b.Dataset)
	}
	return fmt.Errorf("use refused: %w", r)
}

// listUses lists an application's recorded uses, oldest first, and its
// consents with the accesses used and left.
func (s *Server) listUses(c *gin.Context) {
	ctx := c.Request.Context()
	id, err := s.visibleID(c)
	if err != nil {
		fail(c, err)
		return
	}
	uses, err := s.Store.DataUses(ctx, id)
	if err != nil {
		fail(c, err)
		return
	}
	consents, err := s.Store.ConsentUses(ctx, id, s.today())
	if err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"uses": uses, "consents": consents})
}
