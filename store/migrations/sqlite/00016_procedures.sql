-- The statutory procedures beside the applications (DataGate issue 18):
-- catalog changes, out-of-catalog requests and objections, each a row in
-- procedures and a workflow whose tasks are in tasks (procedure_id set);
-- every approved version of a catalog entry (dataset_versions); and a
-- dataset's version, state, grounds, conditions and last data update.
-- Datasets already in the catalog count their data as updated now.

-- +goose Up
ALTER TABLE `datasets` ADD `open_conditions` text;
ALTER TABLE `datasets` ADD `grounds` text;
ALTER TABLE `datasets` ADD `version` integer NOT NULL DEFAULT 1;
ALTER TABLE `datasets` ADD `state` text NOT NULL DEFAULT "active";
ALTER TABLE `datasets` ADD `data_updated_at` datetime;
UPDATE `datasets` SET `data_updated_at` = CURRENT_TIMESTAMP;
ALTER TABLE `tasks` ADD `procedure_id` integer NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS `idx_tasks_procedure_id` ON `tasks`(`procedure_id`);
CREATE TABLE IF NOT EXISTS `procedures` (
  `id` integer PRIMARY KEY AUTOINCREMENT,
  `kind` text NOT NULL,
  `workflow_id` text NOT NULL,
  `title` text NOT NULL,
  `requester_org` text NOT NULL,
  `requester_user` text NOT NULL,
  `department` text NOT NULL,
  `dataset_code` text NOT NULL,
  `body` text,
  `ground` text,
  `proposal` text,
  `outcome` text NOT NULL,
  `reason` text,
  `basis` text,
  `opened_at` datetime NOT NULL,
  `closed_at` datetime
);
CREATE INDEX IF NOT EXISTS `idx_procedures_dataset_code` ON `procedures`(`dataset_code`);
CREATE INDEX IF NOT EXISTS `idx_procedures_department` ON `procedures`(`department`);
CREATE INDEX IF NOT EXISTS `idx_procedures_requester_org` ON `procedures`(`requester_org`);
CREATE INDEX IF NOT EXISTS `idx_procedures_kind` ON `procedures`(`kind`,`outcome`);
CREATE TABLE IF NOT EXISTS `dataset_versions` (
  `dataset_code` text,
  `version` integer,
  `change` text NOT NULL,
  `name` text NOT NULL,
  `department` text NOT NULL,
  `fields` text,
  `open_attribute` text NOT NULL,
  `grade` integer NOT NULL,
  `update_frequency` text,
  `format` text,
  `summary` text,
  `open_conditions` text,
  `grounds` text,
  `authorized_operation` numeric NOT NULL,
  `requires_consent` numeric NOT NULL,
  `state` text NOT NULL,
  `procedure_id` integer NOT NULL,
  `approved_at` datetime NOT NULL,
  `approved_by` text NOT NULL,
  PRIMARY KEY (`dataset_code`,`version`)
);

-- +goose Down
DROP TABLE IF EXISTS `dataset_versions`;
DROP TABLE IF EXISTS `procedures`;
DROP INDEX IF EXISTS `idx_tasks_procedure_id`;
ALTER TABLE `tasks` DROP COLUMN `procedure_id`;
ALTER TABLE `datasets` DROP COLUMN `data_updated_at`;
ALTER TABLE `datasets` DROP COLUMN `state`;
ALTER TABLE `datasets` DROP COLUMN `version`;
ALTER TABLE `datasets` DROP COLUMN `grounds`;
ALTER TABLE `datasets` DROP COLUMN `open_conditions`;
