-- Copies (抄送, DataGate issue 17): an application sent for information by
-- someone deciding on it to a colleague or another department, with a
-- note; the recipient org may read the application from then on.

-- +goose Up
CREATE TABLE IF NOT EXISTS `copies` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `application_id` bigint unsigned NOT NULL,
  `from_user` varchar(64) NOT NULL,
  `from_org` varchar(64) NOT NULL,
  `to_org` varchar(64) NOT NULL,
  `to_user` varchar(64) NOT NULL,
  `note` mediumtext NOT NULL,
  `created_at` datetime(6) NOT NULL,
  `read_by` varchar(64) NOT NULL,
  `read_at` datetime(6) DEFAULT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_copies_application` (`application_id`),
  KEY `idx_copies_to` (`to_org`,`created_at`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE IF EXISTS `copies`;
