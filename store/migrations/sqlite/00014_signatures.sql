-- Signatures (DataGate issue 16): the platform CA's and each org's SM2
-- certificate with its private key sealed by the master key, and each
-- party's detached CMS signature on an agreement's document.

-- +goose Up
CREATE TABLE IF NOT EXISTS `signing_keys` (
  `subject` text,
  `cert` blob NOT NULL,
  `sealed_key` blob NOT NULL,
  `created_at` datetime NOT NULL,
  PRIMARY KEY (`subject`)
);
CREATE TABLE IF NOT EXISTS `agreement_signatures` (
  `application_id` integer,
  `kind` text,
  `org` text,
  `document_sm3` text,
  `cms` blob NOT NULL,
  `cert_sm3` text NOT NULL,
  `signed_at` datetime NOT NULL,
  PRIMARY KEY (`application_id`,`kind`,`org`,`document_sm3`)
);

-- +goose Down
DROP TABLE IF EXISTS `agreement_signatures`;
DROP TABLE IF EXISTS `signing_keys`;
