-- Two factors for officials (DataGate issue 15, item 6): a user's TOTP
-- secret (RFC 6238), sealed by package identity, and ten one-time
-- recovery codes, each stored as its SHA-256; a session's second-factor
-- state (none, totp: waiting for the code, enrol: must set one up first,
-- passed). Sessions opened before this migration are none.

-- +goose Up
CREATE TABLE IF NOT EXISTS `totp_secrets` (
  `user_id` integer,
  `secret` text NOT NULL,
  `created_at` datetime NOT NULL,
  `confirmed_at` datetime,
  `last_step` integer NOT NULL DEFAULT 0,
  PRIMARY KEY (`user_id`)
);

CREATE TABLE IF NOT EXISTS `recovery_codes` (
  `id` integer PRIMARY KEY AUTOINCREMENT,
  `user_id` integer NOT NULL,
  `hash` text NOT NULL,
  `used_at` datetime
);
CREATE INDEX IF NOT EXISTS `idx_recovery_codes_user_id` ON `recovery_codes`(`user_id`);

ALTER TABLE `sessions` ADD `second_factor` text NOT NULL DEFAULT "none";

-- +goose Down
ALTER TABLE `sessions` DROP COLUMN `second_factor`;
DROP TABLE IF EXISTS `recovery_codes`;
DROP TABLE IF EXISTS `totp_secrets`;
