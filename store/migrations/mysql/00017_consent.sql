-- Data subjects' consent (数据主体授权同意, DataGate issue 18 item 5;
-- 《广州市公共数据开放管理办法》第二十五条: "授权利用应当限定具体事项，并约定
-- 访问次数和使用期限"). A dataset may require its data subjects' consent
-- (datasets.requires_consent); an application naming one records the
-- consent's basis (application_consents: the matter, the number of
-- accesses, the last day of the term, the evidence); every use of the data
-- by an active authorization is recorded (data_uses) and held to it.
--
-- Seeding never overwrites a row, so the Up section also marks the rows an
-- earlier start seeded with personal records (社会保险数据, 公积金数据,
-- 全面健康信息平台数据), each matched by code and name: a row that is not
-- the seeded one keeps false.

-- +goose Up
ALTER TABLE `datasets` ADD `requires_consent` boolean NOT NULL DEFAULT false;
UPDATE `datasets` SET `requires_consent` = true WHERE (`code`, `name`) IN (
  ('DS-0111', '社会保险数据'),
  ('DS-0112', '公积金数据'),
  ('DS-0131', '全面健康信息平台数据'));

CREATE TABLE IF NOT EXISTS `application_consents` (
  `application_id` bigint unsigned NOT NULL,
  `dataset_code` varchar(32) NOT NULL,
  `matter` varchar(500) NOT NULL,
  `max_accesses` bigint NOT NULL,
  `until` varchar(10) NOT NULL,
  `evidence` mediumtext NOT NULL,
  PRIMARY KEY (`application_id`,`dataset_code`),
  CONSTRAINT `fk_applications_consents` FOREIGN KEY (`application_id`) REFERENCES `applications` (`id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS `data_uses` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `application_id` bigint unsigned NOT NULL,
  `dataset_code` varchar(32) NOT NULL,
  `matter` varchar(500) NOT NULL,
  `used_by` varchar(64) NOT NULL,
  `user_org` varchar(64) NOT NULL,
  `used_at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_data_uses_dataset` (`application_id`,`dataset_code`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE IF EXISTS `data_uses`;
DROP TABLE IF EXISTS `application_consents`;
ALTER TABLE `datasets` DROP COLUMN `requires_consent`;
