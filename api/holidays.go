package api

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/store"
)

// listHolidays shows every year's holiday table in force.
func (s *Server) listHolidays(c *gin.Context) {
	var years []calendar.YearTable
	for _, y := range s.Calendar.Years() {
		if t, ok := s.Calendar.Year(y); ok {
			years = append(years, t)
		}
	}
	c.JSON(http.StatusOK, gin.H{"years": years})
}

// putHolidays adds or replaces a year's table (admin). It is validated
// first: every date in that year, none both off and worked. Deadlines
// already computed keep their dates.
func (s *Server) putHolidays(c *gin.Context) {
	ctx := c.Request.Context()
	year, err := strconv.Atoi(c.Param("year"))
	if err != nil || year < 2000 || year > 2100 {
		fail(c, badRequest("year", "use a year from 2000 to 2100 in the path", "year %q is not valid", c.Param("year")))
		return
	}
	var t calendar.YearTable
	if err := bind(c, &t); err != nil {
		fail(c, err)
		return
	}
	if t.Year != year {
		fail(c, badRequest("year", "send the same year in the path and the body", "the body's year %d is not the path's %d", t.Year, year))
		return
	}
	if err := t.Validate(); err != nil {
		field, _, _ := strings.Cut(err.Error(), ":")
		fail(c, badRequest(field, `send {"year":2027,"off":["2027-01-01",...],"work":["2027-02-07",...]}`, "%v", err))
		return
	}
	raw, err := json.Marshal(t)
	if err != nil {
		fail(c, err)
		return
	}
	u := user(c)
	if err := s.Store.PutHolidayTable(ctx, store.HolidayTable{Year: year, Table: string(raw), UpdatedBy: u.Username, UpdatedAt: s.now()}); err != nil {
		fail(c, err)
		return
	}
	if err := s.Calendar.SetYear(t); err != nil {
		fail(c, err)
		return
	}
	if err := s.adminAudit(ctx, u, "calendar.year_replaced", strconv.Itoa(year),
		strconv.Itoa(len(t.Off))+" days off, "+strconv.Itoa(len(t.Work))+" adjusted working days"); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, t)
}
