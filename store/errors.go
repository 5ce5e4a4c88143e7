package store

import (
	"errors"
	"fmt"

	"github.com/go-sql-driver/mysql"
	"gorm.io/gorm"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrNotFound is returned when a row does not exist.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned when a row is not in the state an operation needs,
// e.g. editing or submitting an application that is no longer a draft.
var ErrConflict = errors.New("conflict")

// notFound turns gorm's record-not-found into ErrNotFound.
func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}

// isDuplicate reports whether err is a unique-key violation. gorm
// translates MySQL's; the SQLite translator reads fields that the pure-Go
// driver's error does not have, so its code is checked here.
// isRetryable: a transaction that lost a race and can run again: a
// duplicate key (two writers took one number) or a MySQL deadlock (two
// first writers of the audit chain's head).
func isRetryable(err error) bool {
	var me *mysql.MySQLError
	return isDuplicate(err) || errors.As(err, &me) && me.Number == mysqlDeadlock
}

// mysqlDeadlock is ER_LOCK_DEADLOCK: InnoDB rolled the transaction back.
const mysqlDeadlock = 1213

func isDuplicate(err error) bool {
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return true
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return true
		}
	}
	return false
}

// oneRow turns an UPDATE or DELETE that matched no row into ErrNotFound.
// (MySQL connections report matched rows, as SQLite does; see mysqlDSN.)
func oneRow(res *gorm.DB) error {
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// ErrIdempotencyInFlight is BeginIdempotent's answer for a key whose
// request is still running: a retry a moment later gets its answer.
var ErrIdempotencyInFlight = fmt.Errorf("a request with this idempotency key is still in progress: %w", ErrConflict)

// ErrIdempotencyOtherRoute is BeginIdempotent's answer for a key first
// used on another route.
var ErrIdempotencyOtherRoute = fmt.Errorf("idempotency key used on another route: %w", ErrConflict)
