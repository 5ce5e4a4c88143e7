package main

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/datagate/datagate/activities"
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
