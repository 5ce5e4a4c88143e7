-- An authorization's restrictions (DataGate issue 18): the bureau suspends
-- or restricts an active authorization with reason and basis; the holder
-- appeals; the outcome is published (《公共数据开放管理办法》第三十条).

-- +goose Up
CREATE TABLE IF NOT EXISTS `restrictions` (
  `application_id` bigint unsigned NOT NULL,
  `no` bigint NOT NULL,
  `measure` varchar(16) NOT NULL,
  `scope` mediumtext DEFAULT NULL,
  `reason` mediumtext NOT NULL,
  `basis` mediumtext NOT NULL,
  `imposed_by` varchar(64) NOT NULL,
  `started_at` datetime(6) NOT NULL,
  `state` varchar(16) NOT NULL,
  `appeal` varchar(16) NOT NULL,
  `appeal_reason` mediumtext DEFAULT NULL,
  `appealed_at` datetime(6) DEFAULT NULL,
  `decision` mediumtext DEFAULT NULL,
  `ended_at` datetime(6) DEFAULT NULL,
  PRIMARY KEY (`application_id`,`no`),
  KEY `idx_restrictions_started_at` (`started_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE IF EXISTS `restrictions`;
