package main

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/datagate/datagate/activities"
	"github.com/datagate/datagate/api"
	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/store"
)

// refreshHolidayTables reloads the uploaded tables every minute, so that a
// worker in another process computes new deadlines with a table an admin
// uploaded through `serve`.
func refreshHolidayTables(ctx context.Context, st *store.Store, cal *calendar.Calendar, log *slog.Logger) {
	tick := time.NewTicker(time.Minute)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			if err := activities.LoadHolidayTables(ctx, st, cal); err != nil {
				log.Warn("reload holiday tables", "error", err)
			}
		}
	}
}

// warnMissingYear logs a warning when a year's holiday table is needed on
// now's date and missing (calendar.MissingYear: the current year, or the
// next one from 1 October): deadlines counted into it are provisional.
func warnMissingYear(log *slog.Logger, cal *calendar.Calendar, now time.Time) {
	if y, missing := cal.MissingYear(now); missing {
		log.Warn("no holiday table for "+strconv.Itoa(y)+": deadlines counted into it use weekends only and are provisional; "+
			"add the table (--holidays DIR or the admin page) when the State Council publishes it", "year", y)
	}
}

// recountChangedYears tells the workflows with open deadlines across a
// year to count them again when the year's table differs from the one they
// were last counted with: a new built-in version, a --holidays file, or an
// upload made by an older version. A year never recorded counts as
// changed, so the first start after an upgrade counts every open deadline
// once (a deadline that does not move changes nothing). A year whose
// workflows could not all be told is not recorded, and is tried again at
// the next start.
func recountChangedYears(ctx context.Context, tc client.Client, st *store.Store, cal *calendar.Calendar, log *slog.Logger) {
	known, err := st.CalendarFingerprints(ctx)
	if err != nil {
		log.Warn("recount deadlines: read the calendar fingerprints", "error", err)
		return
	}
	for _, y := range cal.Years() {
		t, _ := cal.Year(y)
		if known[y] == t.Fingerprint() {
			continue
		}
		why := "holiday table " + strconv.Itoa(y) + " changed (found at start-up)"
		told, err := api.RecountDeadlines(ctx, tc, st, log, t, why, time.Now())
		if err != nil {
			log.Warn("recount deadlines: tried again at the next start", "year", y, "error", err)
			continue
		}
		if told > 0 {
			log.Info("holiday table changed: workflows told to count their open deadlines again", "year", y, "workflows", told)
		}
	}
}
