-- The schema as of versioned migrations (DataGate issue 7): every table of
-- the read model, the audit log, casbin rules, sign-in state and the API's
-- own state. IF NOT EXISTS: a database that an earlier DataGate created
-- with gorm's AutoMigrate (the same tables) is adopted as version 1.

-- MySQL 8 and MariaDB 10.11 alike: utf8mb4 with a binary collation (see
-- mysqlTableOptions), DATETIME(6), MEDIUMTEXT for free text.

-- +goose Up
CREATE TABLE IF NOT EXISTS `orgs` (
  `code` varchar(64) NOT NULL,
  `name` varchar(200) NOT NULL,
  `name_en` varchar(200) DEFAULT NULL,
  `kind` varchar(32) NOT NULL,
  `credit_code` varchar(18) DEFAULT NULL,
  PRIMARY KEY (`code`),
  KEY `idx_orgs_kind` (`kind`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `users` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `username` varchar(64) NOT NULL,
  `display_name` varchar(200) DEFAULT NULL,
  `org_code` varchar(64) NOT NULL,
  `role` varchar(32) NOT NULL,
  `password_hash` varchar(255) NOT NULL DEFAULT '',
  `disabled` boolean NOT NULL DEFAULT false,
  `failed_logins` bigint NOT NULL DEFAULT 0,
  `locked_until` datetime(6) DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_users_username` (`username`),
  KEY `idx_users_org_code` (`org_code`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `datasets` (
  `code` varchar(32) NOT NULL,
  `name` varchar(200) NOT NULL,
  `department` varchar(64) NOT NULL,
  `fields` text DEFAULT NULL,
  `open_attribute` varchar(16) NOT NULL,
  `grade` bigint NOT NULL,
  `update_frequency` varchar(32) DEFAULT NULL,
  `format` varchar(32) DEFAULT NULL,
  `summary` mediumtext DEFAULT NULL,
  PRIMARY KEY (`code`),
  KEY `idx_datasets_department` (`department`),
  KEY `idx_datasets_open_attribute` (`open_attribute`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `applications` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `applicant_org` varchar(64) NOT NULL,
  `applicant_user` varchar(64) NOT NULL,
  `title` varchar(200) NOT NULL,
  `domain` varchar(64) DEFAULT NULL,
  `description` mediumtext DEFAULT NULL,
  `purpose` mediumtext DEFAULT NULL,
  `scope` mediumtext DEFAULT NULL,
  `period_months` bigint NOT NULL,
  `access_mode` varchar(16) NOT NULL,
  `security_controls` mediumtext DEFAULT NULL,
  `status` varchar(32) NOT NULL,
  `workflow_id` varchar(128) DEFAULT NULL,
  `submitted_at` datetime(6) DEFAULT NULL,
  `active_from` datetime(6) DEFAULT NULL,
  `active_until` datetime(6) DEFAULT NULL,
  `ended_at` datetime(6) DEFAULT NULL,
  `end_reason` varchar(32) DEFAULT NULL,
  `closed_at` datetime(6) DEFAULT NULL,
  `created_at` datetime(6) DEFAULT NULL,
  `updated_at` datetime(6) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_applications_applicant_org` (`applicant_org`),
  KEY `idx_applications_status` (`status`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `application_datasets` (
  `application_id` bigint unsigned NOT NULL,
  `dataset_code` varchar(32) NOT NULL,
  `department` varchar(64) NOT NULL,
  `decision` varchar(16) DEFAULT NULL,
  `reason` mediumtext DEFAULT NULL,
  `basis` mediumtext DEFAULT NULL,
  `decided_at` datetime(6) DEFAULT NULL,
  PRIMARY KEY (`application_id`,`dataset_code`),
  KEY `idx_application_datasets_department` (`department`),
  CONSTRAINT `fk_applications_datasets` FOREIGN KEY (`application_id`) REFERENCES `applications` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `tasks` (
  `id` varchar(160) NOT NULL,
  `application_id` bigint unsigned NOT NULL,
  `workflow_id` varchar(128) NOT NULL,
  `kind` varchar(40) NOT NULL,
  `subject` varchar(64) DEFAULT NULL,
  `round` bigint NOT NULL,
  `department` varchar(64) NOT NULL,
  `status` varchar(16) NOT NULL,
  `opened_at` datetime(6) NOT NULL,
  `due_at` datetime(6) NOT NULL,
  `remind_at` datetime(6) DEFAULT NULL,
  `reminded_at` datetime(6) DEFAULT NULL,
  `overdue_at` datetime(6) DEFAULT NULL,
  `decided_at` datetime(6) DEFAULT NULL,
  `decision` varchar(32) DEFAULT NULL,
  `reason` mediumtext DEFAULT NULL,
  `basis` mediumtext DEFAULT NULL,
  `comment` mediumtext DEFAULT NULL,
  `actor_user` varchar(64) DEFAULT NULL,
  `actor_role` varchar(32) DEFAULT NULL,
  `assignee` varchar(64) NOT NULL DEFAULT '',
  PRIMARY KEY (`id`),
  KEY `idx_tasks_application_id` (`application_id`),
  KEY `idx_tasks_inbox` (`department`,`status`,`due_at`),
  KEY `idx_tasks_overdue` (`status`,`due_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `agreements` (
  `application_id` bigint unsigned NOT NULL,
  `kind` varchar(32) NOT NULL,
  `status` varchar(16) NOT NULL,
  `parties` text DEFAULT NULL,
  `signatures` text DEFAULT NULL,
  `completed_at` datetime(6) DEFAULT NULL,
  PRIMARY KEY (`application_id`,`kind`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `models` (
  `id` varchar(160) NOT NULL,
  `application_id` bigint unsigned NOT NULL,
  `no` bigint NOT NULL,
  `name` varchar(200) NOT NULL,
  `description` mediumtext DEFAULT NULL,
  `status` varchar(24) NOT NULL,
  `round` bigint NOT NULL,
  `submitted_at` datetime(6) DEFAULT NULL,
  `decided_at` datetime(6) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_models_application_id` (`application_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `evaluations` (
  `id` varchar(160) NOT NULL,
  `application_id` bigint unsigned NOT NULL,
  `no` bigint NOT NULL,
  `round` bigint NOT NULL,
  `status` varchar(24) NOT NULL,
  `self_report` mediumtext DEFAULT NULL,
  `rating` varchar(24) DEFAULT NULL,
  `reason` mediumtext DEFAULT NULL,
  `rectify_until` datetime(6) DEFAULT NULL,
  `opened_at` datetime(6) DEFAULT NULL,
  `closed_at` datetime(6) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_evaluations_application_id` (`application_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `audit_log` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `workflow_id` varchar(160) NOT NULL,
  `seq` bigint NOT NULL,
  `application_id` bigint unsigned NOT NULL,
  `actor` varchar(64) DEFAULT NULL,
  `role` varchar(32) DEFAULT NULL,
  `department` varchar(64) DEFAULT NULL,
  `action` varchar(48) NOT NULL,
  `target` varchar(160) DEFAULT NULL,
  `reason` mediumtext DEFAULT NULL,
  `basis` mediumtext DEFAULT NULL,
  `at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_audit_wf_seq` (`workflow_id`,`seq`),
  KEY `idx_audit_log_application_id` (`application_id`),
  KEY `idx_audit_log_at` (`at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `casbin_rule` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `ptype` varchar(8) NOT NULL,
  `v0` varchar(128) NOT NULL,
  `v1` varchar(128) NOT NULL,
  `v2` varchar(128) NOT NULL,
  `v3` varchar(128) NOT NULL,
  `v4` varchar(64) NOT NULL,
  `v5` varchar(64) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_casbin_rule` (`ptype`,`v0`,`v1`,`v2`,`v3`,`v4`,`v5`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `sessions` (
  `id_hash` varchar(64) NOT NULL,
  `user_id` bigint unsigned NOT NULL,
  `csrf_token` varchar(64) NOT NULL,
  `created_at` datetime(6) NOT NULL,
  `expires_at` datetime(6) NOT NULL,
  `last_seen_at` datetime(6) NOT NULL,
  PRIMARY KEY (`id_hash`),
  KEY `idx_sessions_user_id` (`user_id`),
  KEY `idx_sessions_expires_at` (`expires_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `api_tokens` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `user_id` bigint unsigned NOT NULL,
  `name` varchar(100) NOT NULL,
  `hash` varchar(64) NOT NULL,
  `prefix` varchar(12) NOT NULL,
  `created_at` datetime(6) NOT NULL,
  `expires_at` datetime(6) NOT NULL,
  `revoked_at` datetime(6) DEFAULT NULL,
  `last_used_at` datetime(6) DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_api_tokens_hash` (`hash`),
  KEY `idx_api_tokens_user_id` (`user_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `holiday_tables` (
  `year` bigint NOT NULL,
  `table` mediumtext NOT NULL,
  `updated_by` varchar(64) NOT NULL,
  `updated_at` datetime(6) DEFAULT NULL,
  PRIMARY KEY (`year`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `idempotency_keys` (
  `user_id` bigint unsigned NOT NULL,
  `idem_key` varchar(128) NOT NULL,
  `route` varchar(200) NOT NULL,
  `status` bigint NOT NULL,
  `body` mediumtext NOT NULL,
  `created_at` datetime(6) DEFAULT NULL,
  PRIMARY KEY (`user_id`,`idem_key`),
  KEY `idx_idempotency_keys_created_at` (`created_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `urges` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `task_id` varchar(160) NOT NULL,
  `application_id` bigint unsigned NOT NULL,
  `department` varchar(64) NOT NULL,
  `supervisor` varchar(64) NOT NULL,
  `message` mediumtext NOT NULL,
  `created_at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_urges_task_id` (`task_id`),
  KEY `idx_urges_application_id` (`application_id`),
  KEY `idx_urges_department` (`department`),
  KEY `idx_urges_created_at` (`created_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `groundless_flags` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `task_id` varchar(160) NOT NULL,
  `application_id` bigint unsigned NOT NULL,
  `department` varchar(64) NOT NULL,
  `supervisor` varchar(64) NOT NULL,
  `reason` mediumtext NOT NULL,
  `created_at` datetime(6) NOT NULL,
  `answer` mediumtext DEFAULT NULL,
  `answered_at` datetime(6) DEFAULT NULL,
  `answered_by` varchar(64) DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_groundless_flags_task_id` (`task_id`),
  KEY `idx_groundless_flags_application_id` (`application_id`),
  KEY `idx_flags_dept_created` (`department`,`created_at`),
  KEY `idx_groundless_flags_created_at` (`created_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

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
