-- Agreement documents (DataGate issue 16): the text of each agreement as
-- it stood when it was open for signing, by the SM3 digest of its PDF (the
-- bytes are in the file store), with the template version it was made
-- with.

-- +goose Up
CREATE TABLE IF NOT EXISTS `agreement_documents` (
  `application_id` bigint unsigned NOT NULL,
  `kind` varchar(32) NOT NULL,
  `sm3` varchar(64) NOT NULL,
  `template_version` varchar(64) NOT NULL,
  `size` bigint NOT NULL,
  `recorded_at` datetime(6) NOT NULL,
  PRIMARY KEY (`application_id`,`kind`,`sm3`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE IF EXISTS `agreement_documents`;
