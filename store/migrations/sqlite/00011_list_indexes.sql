-- Indexes of the lists that page (DataGate issue 17): the applications
-- sorted or filtered by their submission time, and an org's decided tasks
-- (已办), latest decision first.

-- +goose Up
CREATE INDEX IF NOT EXISTS `idx_applications_submitted_at` ON `applications`(`submitted_at`);
CREATE INDEX IF NOT EXISTS `idx_tasks_done` ON `tasks`(`department`,`status`,`decided_at`,`id`);

-- +goose Down
DROP INDEX IF EXISTS `idx_applications_submitted_at`;
DROP INDEX IF EXISTS `idx_tasks_done`;
