-- The schema as of versioned migrations (DataGate issue 7): every table of
-- the read model, the audit log, casbin rules, sign-in state and the API's
-- own state. IF NOT EXISTS: a database that an earlier DataGate created
-- with gorm's AutoMigrate (the same tables) is adopted as version 1.
--
-- SQLite: types and defaults are written as gorm writes them (text,
-- DEFAULT ""), so that AutoMigrate finds nothing to change.

-- +goose Up
CREATE TABLE IF NOT EXISTS `orgs` (
  `code` text,
  `name` text NOT NULL,
  `name_en` text,
  `kind` text NOT NULL,
  `credit_code` text,
  PRIMARY KEY (`code`)
);
CREATE INDEX IF NOT EXISTS `idx_orgs_kind` ON `orgs`(`kind`);

CREATE TABLE IF NOT EXISTS `users` (
  `id` integer PRIMARY KEY AUTOINCREMENT,
  `username` text NOT NULL,
  `display_name` text,
  `org_code` text NOT NULL,
  `role` text NOT NULL,
  `password_hash` text NOT NULL DEFAULT "",
  `disabled` numeric NOT NULL DEFAULT false,
  `failed_logins` integer NOT NULL DEFAULT 0,
  `locked_until` datetime
);
CREATE INDEX IF NOT EXISTS `idx_users_org_code` ON `users`(`org_code`);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_users_username` ON `users`(`username`);

CREATE TABLE IF NOT EXISTS `datasets` (
  `code` text,
  `name` text NOT NULL,
  `department` text NOT NULL,
  `fields` text,
  `open_attribute` text NOT NULL,
  `grade` integer NOT NULL,
  `update_frequency` text,
  `format` text,
  `summary` text,
  PRIMARY KEY (`code`)
);
CREATE INDEX IF NOT EXISTS `idx_datasets_open_attribute` ON `datasets`(`open_attribute`);
CREATE INDEX IF NOT EXISTS `idx_datasets_department` ON `datasets`(`department`);

CREATE TABLE IF NOT EXISTS `applications` (
  `id` integer PRIMARY KEY AUTOINCREMENT,
  `applicant_org` text NOT NULL,
  `applicant_user` text NOT NULL,
  `title` text NOT NULL,
  `domain` text,
  `description` text,
  `purpose` text,
  `scope` text,
  `period_months` integer NOT NULL,
  `access_mode` text NOT NULL,
  `security_controls` text,
  `status` text NOT NULL,
  `workflow_id` text,
  `submitted_at` datetime,
  `active_from` datetime,
  `active_until` datetime,
  `ended_at` datetime,
  `end_reason` text,
  `closed_at` datetime,
  `created_at` datetime,
  `updated_at` datetime
);
CREATE INDEX IF NOT EXISTS `idx_applications_status` ON `applications`(`status`);
CREATE INDEX IF NOT EXISTS `idx_applications_applicant_org` ON `applications`(`applicant_org`);

CREATE TABLE IF NOT EXISTS `application_datasets` (
  `application_id` integer,
  `dataset_code` text,
  `department` text NOT NULL,
  `decision` text,
  `reason` text,
  `basis` text,
  `decided_at` datetime,
  PRIMARY KEY (`application_id`,`dataset_code`),
  CONSTRAINT `fk_applications_datasets` FOREIGN KEY (`application_id`) REFERENCES `applications`(`id`)
);
CREATE INDEX IF NOT EXISTS `idx_application_datasets_department` ON `application_datasets`(`department`);

CREATE TABLE IF NOT EXISTS `tasks` (
  `id` text,
  `application_id` integer NOT NULL,
  `workflow_id` text NOT NULL,
  `kind` text NOT NULL,
  `subject` text,
  `round` integer NOT NULL,
  `department` text NOT NULL,
  `status` text NOT NULL,
  `opened_at` datetime NOT NULL,
  `due_at` datetime NOT NULL,
  `remind_at` datetime,
  `reminded_at` datetime,
  `overdue_at` datetime,
  `decided_at` datetime,
  `decision` text,
  `reason` text,
  `basis` text,
  `comment` text,
  `actor_user` text,
  `actor_role` text,
  `assignee` text NOT NULL DEFAULT "",
  PRIMARY KEY (`id`)
);
CREATE INDEX IF NOT EXISTS `idx_tasks_overdue` ON `tasks`(`status`,`due_at`);
CREATE INDEX IF NOT EXISTS `idx_tasks_inbox` ON `tasks`(`department`,`status`,`due_at`);
CREATE INDEX IF NOT EXISTS `idx_tasks_application_id` ON `tasks`(`application_id`);

CREATE TABLE IF NOT EXISTS `agreements` (
  `application_id` integer,
  `kind` text,
  `status` text NOT NULL,
  `parties` text,
  `signatures` text,
  `completed_at` datetime,
  PRIMARY KEY (`application_id`,`kind`)
);

CREATE TABLE IF NOT EXISTS `models` (
  `id` text,
  `application_id` integer NOT NULL,
  `no` integer NOT NULL,
  `name` text NOT NULL,
  `description` text,
  `status` text NOT NULL,
  `round` integer NOT NULL,
  `submitted_at` datetime,
  `decided_at` datetime,
  PRIMARY KEY (`id`)
);
CREATE INDEX IF NOT EXISTS `idx_models_application_id` ON `models`(`application_id`);

CREATE TABLE IF NOT EXISTS `evaluations` (
  `id` text,
  `application_id` integer NOT NULL,
  `no` integer NOT NULL,
  `round` integer NOT NULL,
  `status` text NOT NULL,
  `self_report` text,
  `rating` text,
  `reason` text,
  `rectify_until` datetime,
  `opened_at` datetime,
  `closed_at` datetime,
  PRIMARY KEY (`id`)
);
CREATE INDEX IF NOT EXISTS `idx_evaluations_application_id` ON `evaluations`(`application_id`);

CREATE TABLE IF NOT EXISTS `audit_log` (
  `id` integer PRIMARY KEY AUTOINCREMENT,
  `workflow_id` text NOT NULL,
  `seq` integer NOT NULL,
  `application_id` integer NOT NULL,
  `actor` text,
  `role` text,
  `department` text,
  `action` text NOT NULL,
  `target` text,
  `reason` text,
  `basis` text,
  `at` datetime NOT NULL
);
CREATE INDEX IF NOT EXISTS `idx_audit_log_at` ON `audit_log`(`at`);
CREATE INDEX IF NOT EXISTS `idx_audit_log_application_id` ON `audit_log`(`application_id`);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_audit_wf_seq` ON `audit_log`(`workflow_id`,`seq`);

CREATE TABLE IF NOT EXISTS `casbin_rule` (
  `id` integer PRIMARY KEY AUTOINCREMENT,
  `ptype` text NOT NULL,
  `v0` text NOT NULL,
  `v1` text NOT NULL,
  `v2` text NOT NULL,
  `v3` text NOT NULL,
  `v4` text NOT NULL,
  `v5` text NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_casbin_rule` ON `casbin_rule`(`ptype`,`v0`,`v1`,`v2`,`v3`,`v4`,`v5`);

CREATE TABLE IF NOT EXISTS `sessions` (
  `id_hash` text,
  `user_id` integer NOT NULL,
  `csrf_token` text NOT NULL,
  `created_at` datetime NOT NULL,
  `expires_at` datetime NOT NULL,
  `last_seen_at` datetime NOT NULL,
  PRIMARY KEY (`id_hash`)
);
CREATE INDEX IF NOT EXISTS `idx_sessions_expires_at` ON `sessions`(`expires_at`);
CREATE INDEX IF NOT EXISTS `idx_sessions_user_id` ON `sessions`(`user_id`);

CREATE TABLE IF NOT EXISTS `api_tokens` (
  `id` integer PRIMARY KEY AUTOINCREMENT,
  `user_id` integer NOT NULL,
  `name` text NOT NULL,
  `hash` text NOT NULL,
  `prefix` text NOT NULL,
  `created_at` datetime NOT NULL,
  `expires_at` datetime NOT NULL,
  `revoked_at` datetime,
  `last_used_at` datetime
);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_api_tokens_hash` ON `api_tokens`(`hash`);
CREATE INDEX IF NOT EXISTS `idx_api_tokens_user_id` ON `api_tokens`(`user_id`);

CREATE TABLE IF NOT EXISTS `holiday_tables` (
  `year` integer,
  `table` text NOT NULL,
  `updated_by` text NOT NULL,
  `updated_at` datetime,
  PRIMARY KEY (`year`)
);

CREATE TABLE IF NOT EXISTS `idempotency_keys` (
  `user_id` integer,
  `idem_key` text,
  `route` text NOT NULL,
  `status` integer NOT NULL,
  `body` text NOT NULL,
  `created_at` datetime,
  PRIMARY KEY (`user_id`,`idem_key`)
);
CREATE INDEX IF NOT EXISTS `idx_idempotency_keys_created_at` ON `idempotency_keys`(`created_at`);

CREATE TABLE IF NOT EXISTS `urges` (
  `id` integer PRIMARY KEY AUTOINCREMENT,
  `task_id` text NOT NULL,
  `application_id` integer NOT NULL,
  `department` text NOT NULL,
  `supervisor` text NOT NULL,
  `message` text NOT NULL,
  `created_at` datetime NOT NULL
);
CREATE INDEX IF NOT EXISTS `idx_urges_created_at` ON `urges`(`created_at`);
CREATE INDEX IF NOT EXISTS `idx_urges_department` ON `urges`(`department`);
CREATE INDEX IF NOT EXISTS `idx_urges_application_id` ON `urges`(`application_id`);
CREATE INDEX IF NOT EXISTS `idx_urges_task_id` ON `urges`(`task_id`);

CREATE TABLE IF NOT EXISTS `groundless_flags` (
  `id` integer PRIMARY KEY AUTOINCREMENT,
  `task_id` text NOT NULL,
  `application_id` integer NOT NULL,
  `department` text NOT NULL,
  `supervisor` text NOT NULL,
  `reason` text NOT NULL,
  `created_at` datetime NOT NULL,
  `answer` text,
  `answered_at` datetime,
  `answered_by` text
);
CREATE INDEX IF NOT EXISTS `idx_groundless_flags_created_at` ON `groundless_flags`(`created_at`);
CREATE INDEX IF NOT EXISTS `idx_flags_dept_created` ON `groundless_flags`(`department`,`created_at`);
CREATE INDEX IF NOT EXISTS `idx_groundless_flags_application_id` ON `groundless_flags`(`application_id`);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_groundless_flags_task_id` ON `groundless_flags`(`task_id`);

-- +goose Down
DROP TABLE IF EXISTS `groundless_flags`;
DROP TABLE IF EXISTS `urges`;
DROP TABLE IF EXISTS `idempotency_keys`;
DROP TABLE IF EXISTS `holiday_tables`;
DROP TABLE IF EXISTS `api_tokens`;
DROP TABLE IF EXISTS `sessions`;
DROP TABLE IF EXISTS `casbin_rule`;
DROP TABLE IF EXISTS `audit_log`;
DROP TABLE IF EXISTS `evaluations`;
DROP TABLE IF EXISTS `models`;
DROP TABLE IF EXISTS `agreements`;
DROP TABLE IF EXISTS `tasks`;
DROP TABLE IF EXISTS `application_datasets`;
DROP TABLE IF EXISTS `applications`;
DROP TABLE IF EXISTS `datasets`;
DROP TABLE IF EXISTS `users`;
DROP TABLE IF EXISTS `orgs`;
