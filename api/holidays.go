package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

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
	told := s.recountDeadlines(ctx, t, "holiday table "+strconv.Itoa(year)+" replaced by "+u.DisplayName)
	if err := s.adminAudit(ctx, u, "calendar.year_replaced", strconv.Itoa(year),
		strconv.Itoa(len(t.Off))+" days off, "+strconv.Itoa(len(t.Work))+" adjusted working days; "+
			strconv.Itoa(told)+" workflows with open deadlines across the year told to count them again"); err != nil {
		fail(c, err)
		return
	}
	c.JSON(http.StatusOK, t)
}

// recountDeadlines tells the workflows concerned by a year's new table to
// count their open deadlines again (RecountDeadlines).
func (s *Server) recountDeadlines(ctx context.Context, t calendar.YearTable, why string) int {
	if s.Temporal == nil {
		return 0
	}
	told, err := RecountDeadlines(ctx, s.Temporal, s.Store, s.Logger(), t, why, s.now())
	if err != nil {
		s.Logger().ErrorContext(ctx, "recount deadlines", "year", t.Year, "error", err)
	}
	return told
}

// RecountDeadlines signals every workflow with an open task whose deadline
// was counted across t's year to count it again
// (workflows.SignalCalendarChanged), returns how many were told, and
// records t's fingerprint as the table the year was counted with. A
// workflow that has ended is skipped; one that cannot be told now is
// logged and makes the error, after the others were told, and the
// fingerprint is then not recorded: telling it again later is harmless,
// counting again is idempotent.
func RecountDeadlines(ctx context.Context, tc client.Client, st *store.Store, log *slog.Logger, t calendar.YearTable, why string, now time.Time) (int, error) {
	year := t.Year
	from := time.Date(year, 1, 1, 0, 0, 0, 0, calendar.Zone)
	ids, err := st.WorkflowsWithOpenTasksAcross(ctx, from, from.AddDate(1, 0, 0))
	if err != nil {
		return 0, err
	}
	told, failed := 0, 0
	for _, id := range ids {
		err := tc.SignalWorkflow(ctx, id, "", workflows.SignalCalendarChanged,
			workflows.CalendarChanged{Years: []int{year}, Why: why})
		var nf *serviceerror.NotFound
		switch {
		case err == nil:
			told++
		case errors.As(err, &nf):
		default:
			failed++
			log.ErrorContext(ctx, "tell a workflow to recount its deadlines", "workflow", id, "year", year, "error", err)
		}
	}
	if failed > 0 {
		return told, fmt.Errorf("%d of %d workflows could not be told to recount their deadlines across %d", failed, len(ids), year)
	}
	return told, st.PutCalendarFingerprint(ctx, year, t.Fingerprint(), now)
}
