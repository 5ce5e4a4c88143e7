package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/datagate/datagate/calendar"
	"github.com/datagate/datagate/store"
)

// RedueName is the registered name of Activities.Redue.
const RedueName = "Redue"

// DueAgain is an open task whose deadline is to be counted again from the
// time it opened.
type DueAgain struct {
	TaskID   string    `json:"task_id"`
	OpenedAt time.Time `json:"opened_at"`
	Deadline Deadline  `json:"deadline"`
}

// Due is a deadline counted again.
type Due struct {
	TaskID   string     `json:"task_id"`
	DueAt    time.Time  `json:"due_at"`
	RemindAt *time.Time `json:"remind_at,omitempty"`
	UrgeAt   *time.Time `json:"urge_at,omitempty"`
}

// Redue counts open tasks' deadlines again with the holiday tables as they
// are now: the stored tables are applied first, so a table an admin
// uploaded through another process counts at once. It writes nothing; the
// workflow records the answer in its history (so that its replay never
// depends on the tables) and writes the deadlines that moved.
func (a *Activities) Redue(ctx context.Context, tasks []DueAgain) ([]Due, error) {
	if err := LoadHolidayTables(ctx, a.Store, a.Calendar); err != nil {
		return nil, err
	}
	out := make([]Due, 0, len(tasks))
	for _, t := range tasks {
		at, err := a.deadline(t.OpenedAt, t.Deadline)
		if err != nil {
			return nil, temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("task %s: %v", t.TaskID, err), "BadDeadline", err)
		}
		out = append(out, Due{TaskID: t.TaskID, DueAt: at.Due, RemindAt: at.Remind, UrgeAt: at.Urge})
	}
	return out, nil
}

// LoadHolidayTables applies the holiday tables admins uploaded (stored in
// the database) over the built-in ones and the holidays directory.
func LoadHolidayTables(ctx context.Context, st *store.Store, cal *calendar.Calendar) error {
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
