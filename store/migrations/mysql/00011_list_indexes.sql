-- Indexes of the lists that page (DataGate issue 17): the applications
-- sorted or filtered by their submission time, and an org's decided tasks
-- (已办), latest decision first.

-- +goose Up
ALTER TABLE `applications` ADD INDEX `idx_applications_submitted_at` (`submitted_at`);
ALTER TABLE `tasks` ADD INDEX `idx_tasks_done` (`department`,`status`,`decided_at`,`id`);

-- +goose Down
ALTER TABLE `applications` DROP INDEX `idx_applications_submitted_at`;
ALTER TABLE `tasks` DROP INDEX `idx_tasks_done`;
