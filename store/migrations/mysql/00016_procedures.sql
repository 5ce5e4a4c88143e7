-- The statutory procedures beside the applications (DataGate issue 18):
-- catalog changes, out-of-catalog requests and objections, each a row in
-- procedures and a workflow whose tasks are in tasks (procedure_id set);
-- every approved version of a catalog entry (dataset_versions); and a
-- dataset's version, state, grounds, conditions and last data update.
-- Datasets already in the catalog count their data as updated now.

-- +goose Up
ALTER TABLE `datasets` ADD `open_conditions` mediumtext DEFAULT NULL;
ALTER TABLE `datasets` ADD `grounds` mediumtext DEFAULT NULL;
ALTER TABLE `datasets` ADD `version` bigint NOT NULL DEFAULT 1;
ALTER TABLE `datasets` ADD `state` varchar(16) NOT NULL DEFAULT 'active';
ALTER TABLE `datasets` ADD `data_updated_at` datetime(6) DEFAULT NULL;
UPDATE `datasets` SET `data_updated_at` = UTC_TIMESTAMP(6);
ALTER TABLE `tasks` ADD `procedure_id` bigint unsigned NOT NULL DEFAULT 0;
ALTER TABLE `tasks` ADD INDEX `idx_tasks_procedure_id` (`procedure_id`);
CREATE TABLE IF NOT EXISTS `procedures` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `kind` varchar(32) NOT NULL,
  `workflow_id` varchar(128) NOT NULL,
  `title` varchar(200) NOT NULL,
  `requester_org` varchar(64) NOT NULL,
  `requester_user` varchar(64) NOT NULL,
  `department` varchar(64) NOT NULL,
  `dataset_code` varchar(32) NOT NULL,
  `body` mediumtext DEFAULT NULL,
  `ground` varchar(16) DEFAULT NULL,
  `proposal` text DEFAULT NULL,
  `outcome` varchar(16) NOT NULL,
  `reason` mediumtext DEFAULT NULL,
  `basis` mediumtext DEFAULT NULL,
  `opened_at` datetime(6) NOT NULL,
  `closed_at` datetime(6) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_procedures_dataset_code` (`dataset_code`),
  KEY `idx_procedures_department` (`department`),
  KEY `idx_procedures_requester_org` (`requester_org`),
  KEY `idx_procedures_kind` (`kind`,`outcome`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS `dataset_versions` (
  `dataset_code` varchar(32) NOT NULL,
  `version` bigint NOT NULL,
  `change` varchar(16) NOT NULL,
  `name` varchar(200) NOT NULL,
  `department` varchar(64) NOT NULL,
  `fields` text DEFAULT NULL,
  `open_attribute` varchar(16) NOT NULL,
  `grade` bigint NOT NULL,
  `update_frequency` varchar(32) DEFAULT NULL,
  `format` varchar(32) DEFAULT NULL,
  `summary` mediumtext DEFAULT NULL,
  `open_conditions` mediumtext DEFAULT NULL,
  `grounds` mediumtext DEFAULT NULL,
  `authorized_operation` boolean NOT NULL,
  `requires_consent` boolean NOT NULL,
  `state` varchar(16) NOT NULL,
  `procedure_id` bigint unsigned NOT NULL,
  `approved_at` datetime(6) NOT NULL,
  `approved_by` varchar(64) NOT NULL,
  PRIMARY KEY (`dataset_code`,`version`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE IF EXISTS `dataset_versions`;
DROP TABLE IF EXISTS `procedures`;
ALTER TABLE `tasks` DROP INDEX `idx_tasks_procedure_id`;
ALTER TABLE `tasks` DROP COLUMN `procedure_id`;
ALTER TABLE `datasets` DROP COLUMN `data_updated_at`;
ALTER TABLE `datasets` DROP COLUMN `state`;
ALTER TABLE `datasets` DROP COLUMN `version`;
ALTER TABLE `datasets` DROP COLUMN `grounds`;
ALTER TABLE `datasets` DROP COLUMN `open_conditions`;
