-- Attachments (DataGate issue 16): the documents attached to an
-- application, its supplements, review opinions, models, evaluations and
-- exit. The bytes are in the file store, keyed by their SM3 digest; this
-- table says what each file is and who attached it when.

-- +goose Up
CREATE TABLE IF NOT EXISTS `attachments` (
  `id` bigint unsigned NOT NULL AUTO_INCREMENT,
  `application_id` bigint unsigned NOT NULL,
  `kind` varchar(32) NOT NULL,
  `task_id` varchar(160) NOT NULL,
  `name` varchar(512) NOT NULL,
  `media_type` varchar(128) NOT NULL,
  `size` bigint NOT NULL,
  `sm3` varchar(64) NOT NULL,
  `uploaded_by` varchar(64) NOT NULL,
  `uploader_org` varchar(64) NOT NULL,
  `uploaded_at` datetime(6) NOT NULL,
  PRIMARY KEY (`id`),
  KEY `idx_attachments_application` (`application_id`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE IF EXISTS `attachments`;
