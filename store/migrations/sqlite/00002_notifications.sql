-- Notifications (DataGate issue 6): events derived from workflow changes,
-- urges and digests; each user's in-app notifications with their read
-- state; the outbox of e-mail and webhook deliveries and its attempt log;
-- each user's contact details and chosen channels.
-- IF NOT EXISTS, as in 00001: a database whose tables gorm's AutoMigrate
-- already created is adopted.

-- +goose Up
CREATE TABLE IF NOT EXISTS `notify_events` (
  `id` integer PRIMARY KEY AUTOINCREMENT,
  `event_key` text NOT NULL,
  `kind` text NOT NULL,
  `org` text NOT NULL,
  `application_id` integer NOT NULL DEFAULT 0,
  `task_id` text NOT NULL DEFAULT "",
  `data` text,
  `created_at` datetime NOT NULL
);
CREATE INDEX IF NOT EXISTS `idx_notify_events_created_at` ON `notify_events`(`created_at`);
CREATE INDEX IF NOT EXISTS `idx_notify_events_org` ON `notify_events`(`org`);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_notify_events_event_key` ON `notify_events`(`event_key`);

CREATE TABLE IF NOT EXISTS `notifications` (
  `id` integer PRIMARY KEY AUTOINCREMENT,
  `event_id` integer NOT NULL,
  `user_id` integer NOT NULL,
  `created_at` datetime NOT NULL,
  `read_at` datetime
);
CREATE INDEX IF NOT EXISTS `idx_notifications_user_created` ON `notifications`(`user_id`,`created_at`);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_notifications_event_user` ON `notifications`(`event_id`,`user_id`);

CREATE TABLE IF NOT EXISTS `notify_deliveries` (
  `id` integer PRIMARY KEY AUTOINCREMENT,
  `event_id` integer NOT NULL,
  `user_id` integer NOT NULL,
  `channel` text NOT NULL,
  `status` text NOT NULL,
  `attempts` integer NOT NULL DEFAULT 0,
  `last_error` text NOT NULL DEFAULT "",
  `claimed_until` datetime,
  `created_at` datetime NOT NULL,
  `done_at` datetime
);
CREATE INDEX IF NOT EXISTS `idx_notify_deliveries_pending` ON `notify_deliveries`(`status`,`claimed_until`);
CREATE INDEX IF NOT EXISTS `idx_notify_deliveries_user_id` ON `notify_deliveries`(`user_id`);
CREATE UNIQUE INDEX IF NOT EXISTS `idx_notify_deliveries_key` ON `notify_deliveries`(`event_id`,`user_id`,`channel`);

CREATE TABLE IF NOT EXISTS `notify_delivery_log` (
  `id` integer PRIMARY KEY AUTOINCREMENT,
  `delivery_id` integer NOT NULL,
  `user_id` integer NOT NULL,
  `channel` text NOT NULL,
  `attempt` integer NOT NULL,
  `status` text NOT NULL,
  `code` integer NOT NULL DEFAULT 0,
  `error` text NOT NULL DEFAULT "",
  `at` datetime NOT NULL
);
CREATE INDEX IF NOT EXISTS `idx_notify_delivery_log_user` ON `notify_delivery_log`(`user_id`,`at`);
CREATE INDEX IF NOT EXISTS `idx_notify_delivery_log_delivery_id` ON `notify_delivery_log`(`delivery_id`);

CREATE TABLE IF NOT EXISTS `notify_contacts` (
  `user_id` integer,
  `language` text NOT NULL DEFAULT "zh-CN",
  `email` text NOT NULL DEFAULT "",
  `email_enabled` numeric NOT NULL DEFAULT false,
  `webhook_url` text NOT NULL DEFAULT "",
  `webhook_secret` text NOT NULL DEFAULT "",
  `webhook_enabled` numeric NOT NULL DEFAULT false,
  `updated_at` datetime,
  PRIMARY KEY (`user_id`)
);

-- +goose Down
DROP TABLE IF EXISTS `notify_contacts`;
DROP TABLE IF EXISTS `notify_delivery_log`;
DROP TABLE IF EXISTS `notify_deliveries`;
DROP TABLE IF EXISTS `notifications`;
DROP TABLE IF EXISTS `notify_events`;
