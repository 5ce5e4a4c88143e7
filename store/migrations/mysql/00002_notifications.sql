-- Notifications (DataGate issue 6): events derived from workflow changes,
-- urges and digests; each user's in-app notifications with their read
-- state; the outbox of e-mail and webhook deliveries and its attempt log;
-- each user's contact details and chosen channels.
-- IF NOT EXISTS, as in 00001: a database whose tables gorm's AutoMigrate
-- already created is adopted.

-- +goose Up
CREATE TABLE IF NOT EXISTS `notify_events` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `event_key` varchar(255) NOT NULL,
  `kind` varchar(32) NOT NULL,
  `org` varchar(64) NOT NULL,
  `application_id` bigint unsigned NOT NULL DEFAULT 0,
  `task_id` varchar(160) NOT NULL DEFAULT '',
  `data` text DEFAULT NULL,
  `created_at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_notify_events_event_key` (`event_key`),
  KEY `idx_notify_events_org` (`org`),
  KEY `idx_notify_events_created_at` (`created_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `notifications` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `event_id` bigint unsigned NOT NULL,
  `user_id` bigint unsigned NOT NULL,
  `created_at` datetime(6) NOT NULL,
  `read_at` datetime(6) DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_notifications_event_user` (`event_id`,`user_id`),
  KEY `idx_notifications_user_created` (`user_id`,`created_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `notify_deliveries` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `event_id` bigint unsigned NOT NULL,
  `user_id` bigint unsigned NOT NULL,
  `channel` varchar(16) NOT NULL,
  `status` varchar(16) NOT NULL,
  `attempts` bigint NOT NULL DEFAULT 0,
  `last_error` varchar(1000) NOT NULL DEFAULT '',
  `claimed_until` datetime(6) DEFAULT NULL,
  `created_at` datetime(6) NOT NULL,
  `done_at` datetime(6) DEFAULT NULL,
  PRIMARY KEY (`id`),
  UNIQUE KEY `idx_notify_deliveries_key` (`event_id`,`user_id`,`channel`),
  KEY `idx_notify_deliveries_user_id` (`user_id`),
  KEY `idx_notify_deliveries_pending` (`status`,`claimed_until`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `notify_delivery_log` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `delivery_id` bigint unsigned NOT NULL,
  `user_id` bigint unsigned NOT NULL,
  `channel` varchar(16) NOT NULL,
  `attempt` bigint NOT NULL,
  `status` varchar(16) NOT NULL,
  `code` bigint NOT NULL DEFAULT 0,
  `error` varchar(1000) NOT NULL DEFAULT '',
  `at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_notify_delivery_log_delivery_id` (`delivery_id`),
  KEY `idx_notify_delivery_log_user` (`user_id`,`at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `notify_contacts` (
  `user_id` bigint unsigned NOT NULL,
  `language` varchar(8) NOT NULL DEFAULT 'zh-CN',
  `email` varchar(254) NOT NULL DEFAULT '',
  `email_enabled` boolean NOT NULL DEFAULT false,
  `webhook_url` varchar(2048) NOT NULL DEFAULT '',
  `webhook_secret` varchar(255) NOT NULL DEFAULT '',
  `webhook_enabled` boolean NOT NULL DEFAULT false,
  `updated_at` datetime(6) DEFAULT NULL,
  PRIMARY KEY (`user_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE IF EXISTS `notify_contacts`;
DROP TABLE IF EXISTS `notify_delivery_log`;
DROP TABLE IF EXISTS `notify_deliveries`;
DROP TABLE IF EXISTS `notifications`;
DROP TABLE IF EXISTS `notify_events`;
