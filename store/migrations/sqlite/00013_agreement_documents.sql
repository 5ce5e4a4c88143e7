-- Agreement documents (DataGate issue 16): the text of each agreement as
-- it stood when it was open for signing, by the SM3 digest of its PDF (the
-- bytes are in the file store), with the template version it was made
-- with.

-- +goose Up
CREATE TABLE IF NOT EXISTS `agreement_documents` (
  `application_id` integer,
  `kind` text,
  `sm3` text,
  `template_version` text NOT NULL,
  `size` integer NOT NULL,
  `recorded_at` datetime NOT NULL,
  PRIMARY KEY (`application_id`,`kind`,`sm3`)
);

-- +goose Down
DROP TABLE IF EXISTS `agreement_documents`;
