package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/store"
	"github.com/datagate/datagate/workflows"
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
// first: every date in that year, none both off and worked. Then every
// workflow with an open task whose deadline was counted across that year
// is told (recountDeadlines), and counts it again; closed tasks keep their
// dates.
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
	told := s.recountDeadlines(ctx, year, "holiday table "+strconv.Itoa(year)+" replaced by "+u.DisplayName)
	if err := s.adminAudit(ctx, u, "calendar.year_replaced", strconv.Itoa(year),
		strconv.Itoa(len(t.Off))+" days off, "+strconv.Itoa(len(t.Work))+" adjusted working days; "+
			strconv.Itoa(told)+" workflows with open deadlines across the year told to count them again"); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, t)
}

// recountDeadlines signals every workflow with an open task whose deadline
// was counted across year, and returns how many were told. A workflow that
// has ended is skipped; one that cannot be told now is logged, and
// uploading the table again tells it again (counting again is idempotent).
func (s *Server) recountDeadlines(ctx context.Context, year int, why string) int {
	if s.Temporal == nil {
		return 0
	}
	from := time.Date(year, 1, 1, 0, 0, 0, 0, calendar.Zone)
	ids, err := s.Store.WorkflowsWithOpenTasksAcross(ctx, from, from.AddDate(1, 0, 0))
	if err != nil {
		s.Logger().ErrorContext(ctx, "list workflows to recount deadlines", "year", year, "error", err)
		return 0
	}
	told := 0
	for _, id := range ids {
		err := s.Temporal.SignalWorkflow(ctx, id, "", workflows.SignalCalendarChanged,
			workflows.CalendarChanged{Years: []int{year}, Why: why})
		var nf *serviceerror.NotFound
		switch {
		case err == nil:
			told++
		case errors.As(err, &nf):
		default:
			s.Logger().ErrorContext(ctx, "tell a workflow to recount its deadlines", "workflow", id, "year", year, "error", err)
		}
	}
	return told
}
