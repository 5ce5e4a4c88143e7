-- Two factors for officials (DataGate issue 15, item 6): a user's TOTP
-- secret (RFC 6238), sealed by package identity, and ten one-time
-- recovery codes, each stored as its SHA-256; a session's second-factor
-- state (none, totp: waiting for the code, enrol: must set one up first,
-- passed). Sessions opened before this migration are none.

-- +goose Up
CREATE TABLE IF NOT EXISTS `totp_secrets` (
  `user_id` bigint unsigned NOT NULL,
  `secret` varchar(255) NOT NULL,
  `created_at` datetime(6) NOT NULL,
  `confirmed_at` datetime(6) DEFAULT NULL,
  `last_step` bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (`user_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `recovery_codes` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `user_id` bigint unsigned NOT NULL,
  `hash` varchar(64) NOT NULL,
  `used_at` datetime(6) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_recovery_codes_user_id` (`user_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE `sessions` ADD `second_factor` varchar(8) NOT NULL DEFAULT 'none';

-- +goose Down
ALTER TABLE `sessions` DROP COLUMN `second_factor`;
DROP TABLE IF EXISTS `recovery_codes`;
DROP TABLE IF EXISTS `totp_secrets`;
