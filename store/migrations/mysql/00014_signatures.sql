-- Signatures (DataGate issue 16): the platform CA's and each org's SM2
-- certificate with its private key sealed by the master key, and each
-- party's detached CMS signature on an agreement's document.

-- +goose Up
CREATE TABLE IF NOT EXISTS `signing_keys` (
  `subject` varchar(80) NOT NULL,
  `cert` longblob NOT NULL,
  `sealed_key` longblob NOT NULL,
  `created_at` datetime(6) NOT NULL,
  PRIMARY KEY (`subject`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE IF NOT EXISTS `agreement_signatures` (
  `application_id` bigint unsigned NOT NULL,
  `kind` varchar(32) NOT NULL,
  `org` varchar(64) NOT NULL,
  `document_sm3` varchar(64) NOT NULL,
  `cms` longblob NOT NULL,
  `cert_sm3` varchar(64) NOT NULL,
  `signed_at` datetime(6) NOT NULL,
  PRIMARY KEY (`application_id`,`kind`,`org`,`document_sm3`)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE IF EXISTS `agreement_signatures`;
DROP TABLE IF EXISTS `signing_keys`;
