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

var disclosureCSVHeader = []string{"holder", "credit_code", "scenario", "scope", "datasets", "from", "until"}

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
				ds = append(ds, fmt.Sprintf("%s %s (%s)", x.Code, x.Name, x.Provider))
			}
			w.row(d.Holder, d.CreditCode, d.Scenario, d.Scope, strings.Join(ds, "; "), d.From, d.Until)
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
	ID        string   `xml:"id"`
	Title     string   `xml:"title"`
	Updated   string   `xml:"updated"`
	Published string   `xml:"published"`
	Content   atomText `xml:"content"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Text string `xml:",chardata"`
}

func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// atomEntryOf summarises one authorization: what the register publishes.
func atomEntryOf(d store.Disclosure) atomEntry {
	var b strings.Builder
	fmt.Fprintf(&b, "被授权单位: %s (统一社会信用代码 %s)\n", d.Holder, d.CreditCode)
	fmt.Fprintf(&b, "应用场景: %s", d.Scenario)
	if d.Scope != "" {
		fmt.Fprintf(&b, "\n使用范围: %s", d.Scope)
	}
	b.WriteString("\n授权数据:")
	for _, x := range d.Datasets {
		fmt.Fprintf(&b, "\n- %s %s, 提供部门: %s", x.Code, x.Name, x.Provider)
	}
	fmt.Fprintf(&b, "\n授权期限: %s 至 %s", d.From, d.Until)
	return atomEntry{
		ID:        "urn:datagate:authorization:" + d.Key(),
		Title:     d.Holder + " · " + d.Scenario,
		Updated:   atomTime(d.Updated()),
		Published: atomTime(d.Published()),
		Content:   atomText{Type: "text", Text: b.String()},
	}
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
