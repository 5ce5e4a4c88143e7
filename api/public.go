package api

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/domain"
	"github.com/datagate/datagate/store"
)

// The public register of authorizations (信息披露, 004 第二十九条): who holds
// conditional data, which, for what scenario and how long. It names orgs,
// never people, and carries no reasons: only what store.Disclosure holds.

// disclosureCSVMax caps one CSV export; disclosureFeedMax the Atom feed,
// which carries the newest authorizations.
const (
	disclosureCSVMax  = 100000
	disclosureFeedMax = store.MaxLimit
)

func disclosureFilter(limit, offset int) store.DisclosureFilter {
	return store.DisclosureFilter{Limit: limit, Offset: offset}
}

func (s *Server) disclosure(c *gin.Context) {
	limit, offset, err := paging(c)
	if err != nil {
		fail(c, err)
		return
	}
	list, total, err := s.Store.Disclosures(c.Request.Context(), disclosureFilter(limit, offset))
	if err != nil {
		fail(c, err)
		return
	}
	if limit == 0 {
		limit = store.DefaultLimit
	}
	c.JSON(http.StatusOK, gin.H{"authorizations": list, "total": total, "limit": limit, "offset": offset})
}

var disclosureCSVHeader = []string{"id", "org_name", "credit_code", "scenario", "domain", "datasets",
	"active_from", "active_until", "ended_at", "status", "end_reason"}

func (s *Server) disclosureCSV(c *gin.Context) {
	ctx := c.Request.Context()
	first, total, err := s.Store.Disclosures(ctx, disclosureFilter(store.MaxLimit, 0))
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("X-Total-Count", strconv.FormatInt(total, 10))
	if total > disclosureCSVMax {
		c.Header("X-Truncated", "true")
	}
	w := startCSV(c, "disclosure-"+s.now().In(calendar.Zone).Format("20060102")+".csv", disclosureCSVHeader)
	page, sent := first, 0
	for len(page) > 0 && sent < disclosureCSVMax {
		for _, d := range page[:min(len(page), disclosureCSVMax-sent)] {
			var ds []string
			for _, x := range d.Datasets {
				ds = append(ds, fmt.Sprintf("%s %s (%s)", x.Code, x.Name, x.ProviderName))
			}
			w.row(strconv.FormatUint(d.ID, 10), d.OrgName, d.CreditCode, d.Scenario, d.Domain, strings.Join(ds, "; "),
				day(&d.ActiveFrom), day(d.ActiveUntil), day(d.EndedAt), d.Status, d.EndReason)
		}
		sent += len(page)
		if err := w.flush(); err != nil {
			s.streamFailed(c, "disclosure export", err)
			return
		}
		if sent >= disclosureCSVMax || int64(sent) >= total {
			break
		}
		if page, _, err = s.Store.Disclosures(ctx, disclosureFilter(store.MaxLimit, sent)); err != nil {
			s.streamFailed(c, "disclosure export", err)
			return
		}
	}
}

// day is a time's date in Asia/Shanghai, "" for none.
func day(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.In(calendar.Zone).Format(time.DateOnly)
}

// --- Atom ---------------------------------------------------------------

// atomFeed is an Atom 1.0 feed (RFC 4287); encoding/xml escapes every text.
type atomFeed struct {
	XMLName  xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	Lang     string      `xml:"xml:lang,attr"`
	ID       string      `xml:"id"`
	Title    string      `xml:"title"`
	Subtitle string      `xml:"subtitle"`
	Updated  string      `xml:"updated"`
	Author   atomPerson  `xml:"author"`
	Links    []atomLink  `xml:"link"`
	Entries  []atomEntry `xml:"entry"`
}

type atomPerson struct {
	Name string `xml:"name"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomEntry struct {
	ID         string         `xml:"id"`
	Title      string         `xml:"title"`
	Updated    string         `xml:"updated"`
	Published  string         `xml:"published"`
	Categories []atomCategory `xml:"category"`
	Content    atomText       `xml:"content"`
}

type atomCategory struct {
	Term string `xml:"term,attr"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// statusLabels and endLabels say a status in the register's language.
var (
	statusLabels = map[string]string{domain.StatusActive: "有效", domain.StatusExiting: "退出中", domain.StatusClosed: "已结束"}
	endLabels    = map[string]string{domain.EndExpired: "期满", domain.EndExit: "主动退出", domain.EndTerminated: "终止"}
)

// atomEntryOf summarises one authorization.
func atomEntryOf(d store.Disclosure) atomEntry {
	updated := d.ActiveFrom
	if d.EndedAt != nil && d.EndedAt.After(updated) {
		updated = *d.EndedAt
	}
	var b strings.Builder
	fmt.Fprintf(&b, "被授权单位: %s (统一社会信用代码 %s)\n", d.OrgName, d.CreditCode)
	fmt.Fprintf(&b, "应用场景: %s", d.Scenario)
	if d.Domain != "" {
		fmt.Fprintf(&b, " (%s)", d.Domain)
	}
	b.WriteString("\n授权数据:")
	for _, x := range d.Datasets {
		fmt.Fprintf(&b, "\n- %s %s, 提供部门: %s", x.Code, x.Name, x.ProviderName)
	}
	fmt.Fprintf(&b, "\n授权期限: %s 至 %s", day(&d.ActiveFrom), day(d.ActiveUntil))
	fmt.Fprintf(&b, "\n状态: %s", statusLabels[d.Status])
	if d.EndedAt != nil {
		fmt.Fprintf(&b, " (%s, %s)", endLabels[d.EndReason], day(d.EndedAt))
	}
	e := atomEntry{
		ID:        "urn:datagate:authorization:" + strconv.FormatUint(d.ID, 10),
		Title:     d.OrgName + " · " + d.Scenario,
		Updated:   atomTime(updated),
		Published: atomTime(d.ActiveFrom),
		Content:   atomText{Type: "text", Text: b.String()},
	}
	for _, t := range []string{d.Domain, d.Status} {
		if t != "" {
			e.Categories = append(e.Categories, atomCategory{Term: t})
		}
	}
	return e
}

func (s *Server) disclosureAtom(c *gin.Context) {
	list, _, err := s.Store.Disclosures(c.Request.Context(), disclosureFilter(disclosureFeedMax, 0))
	if err != nil {
		fail(c, err)
		return
	}
	feed := atomFeed{
		Lang:     "zh-CN",
		ID:       "urn:datagate:disclosure",
		Title:    "公共数据授权信息披露",
		Subtitle: "有条件开放公共数据的授权情况: 被授权单位、数据、应用场景与期限",
		Author:   atomPerson{Name: "DataGate"},
		Links: []atomLink{
			{Rel: "self", Type: "application/atom+xml", Href: "/api/v1/disclosure.atom"},
			{Rel: "alternate", Type: "application/json", Href: "/api/v1/disclosure"},
			{Rel: "alternate", Type: "text/csv", Href: "/api/v1/disclosure.csv"},
		},
	}
	var latest time.Time
	for _, d := range list {
		e := atomEntryOf(d)
		feed.Entries = append(feed.Entries, e)
		if u, _ := time.Parse(time.RFC3339, e.Updated); u.After(latest) {
			latest = u
		}
	}
	if latest.IsZero() {
		latest = s.now()
	}
	feed.Updated = atomTime(latest)
	out, err := xml.MarshalIndent(feed, "", "  ")
	if err != nil {
		fail(c, err)
		return
	}
	c.Header("X-Content-Type-Options", "nosniff")
	c.Data(http.StatusOK, "application/atom+xml; charset=utf-8", append([]byte(xml.Header), out...))
}
