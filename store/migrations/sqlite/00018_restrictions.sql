-- An authorization's restrictions (DataGate issue 18): the bureau suspends
-- or restricts an active authorization with reason and basis; the holder
-- appeals; the outcome is published (《公共数据开放管理办法》第三十条).

-- +goose Up
CREATE TABLE IF NOT EXISTS `restrictions` (
  `application_id` integer,
  `no` integer,
  `measure` text NOT NULL,
  `scope` text,
  `reason` text NOT NULL,
  `basis` text NOT NULL,
  `imposed_by` text NOT NULL,
  `started_at` datetime NOT NULL,
  `state` text NOT NULL,
  `appeal` text NOT NULL,
  `appeal_reason` text,
  `appealed_at` datetime,
  `decision` text,
  `ended_at` datetime,
  PRIMARY KEY (`application_id`,`no`)
);
CREATE INDEX IF NOT EXISTS `idx_restrictions_started_at` ON `restrictions`(`started_at`);

-- +goose Down
DROP TABLE IF EXISTS `restrictions`;
