-- Copies (抄送, DataGate issue 17): an application sent for information by
-- someone deciding on it to a colleague or another department, with a
-- note; the recipient org may read the application from then on.

-- +goose Up
CREATE TABLE IF NOT EXISTS `copies` (
  `id` integer PRIMARY KEY AUTOINCREMENT,
  `application_id` integer NOT NULL,
  `from_user` text NOT NULL,
  `from_org` text NOT NULL,
  `to_org` text NOT NULL,
  `to_user` text NOT NULL,
  `note` text NOT NULL,
  `created_at` datetime NOT NULL,
  `read_by` text NOT NULL,
  `read_at` datetime
);
CREATE INDEX IF NOT EXISTS `idx_copies_application` ON `copies`(`application_id`);
CREATE INDEX IF NOT EXISTS `idx_copies_to` ON `copies`(`to_org`,`created_at`);

-- +goose Down
DROP TABLE IF EXISTS `copies`;
