-- The holiday table each year's open deadlines were last counted with, by
-- fingerprint (a SHA-256 of the table): when a process starts with another
-- table for a year (a new built-in version, a --holidays file), the
-- workflows with open deadlines across that year count them again, once
-- (cmd/datagate, recountChangedYears).

-- +goose Up
CREATE TABLE IF NOT EXISTS `calendar_years` (
  `year` integer,
  `fingerprint` text NOT NULL,
  `counted_at` datetime,
  PRIMARY KEY (`year`)
);

-- +goose Down
DROP TABLE IF EXISTS `calendar_years`;
