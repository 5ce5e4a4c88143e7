-- The inbox and overdue indexes end with the task's id (DataGate issue 9),
-- as on SQLite, where it spares a sort of each group of tasks due at the
-- same time. InnoDB already orders a secondary index by the primary key
-- after its columns, so here it only keeps both databases' schemas alike.

-- +goose Up
ALTER TABLE `tasks`
  DROP INDEX `idx_tasks_inbox`,
  DROP INDEX `idx_tasks_overdue`,
  ADD INDEX `idx_tasks_inbox` (`department`,`status`,`due_at`,`id`),
  ADD INDEX `idx_tasks_overdue` (`status`,`due_at`,`id`);

-- +goose Down
ALTER TABLE `tasks`
  DROP INDEX `idx_tasks_inbox`,
  DROP INDEX `idx_tasks_overdue`,
  ADD INDEX `idx_tasks_inbox` (`department`,`status`,`due_at`),
  ADD INDEX `idx_tasks_overdue` (`status`,`due_at`);
