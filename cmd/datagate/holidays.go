package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/store"
)

// loadHolidayTables applies the holiday tables admins uploaded (stored in
// the database) over the built-in ones and the holidays directory.
func loadHolidayTables(ctx context.Context, st *store.Store, cal *calendar.Calendar) error {
	tables, err := st.HolidayTables(ctx)
	if err != nil {
		return err
	}
	for _, t := range tables {
		var yt calendar.YearTable
		if err := json.Unmarshal([]byte(t.Table), &yt); err != nil {
			return fmt.Errorf("holiday table %d: %w", t.Year, err)
		}
		if err := cal.SetYear(yt); err != nil {
			return fmt.Errorf("holiday table %d: %w", t.Year, err)
		}
	}
	return nil
}

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
			if err := loadHolidayTables(ctx, st, cal); err != nil {
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
