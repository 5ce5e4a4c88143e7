-- Attachments (DataGate issue 16): the documents attached to an
-- application, its supplements, review opinions, models, evaluations and
-- exit. The bytes are in the file store, keyed by their SM3 digest; this
-- table says what each file is and who attached it when.

-- +goose Up
CREATE TABLE IF NOT EXISTS `attachments` (
  `id` integer PRIMARY KEY AUTOINCREMENT,
  `application_id` integer NOT NULL,
  `kind` text NOT NULL,
  `task_id` text NOT NULL,
  `name` text NOT NULL,
  `media_type` text NOT NULL,
  `size` integer NOT NULL,
  `sm3` text NOT NULL,
  `uploaded_by` text NOT NULL,
  `uploader_org` text NOT NULL,
  `uploaded_at` datetime NOT NULL
);
CREATE INDEX IF NOT EXISTS `idx_attachments_application` ON `attachments`(`application_id`);

-- +goose Down
DROP TABLE IF EXISTS `attachments`;
