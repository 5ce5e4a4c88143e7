-- The inbox and overdue indexes end with the task's id (DataGate issue 9):
-- both lists sort by (due_at, id), and every task due on the same day shares
-- its due time (23:59:59 +08:00), so without the id SQLite sorted each group
-- of equal due times in a temporary b-tree before returning a page
-- (EXPLAIN: USE TEMP B-TREE FOR LAST TERM OF ORDER BY). With it the page is
-- read in order from the index and the scan stops at the LIMIT.

-- +goose Up
DROP INDEX IF EXISTS `idx_tasks_inbox`;
DROP INDEX IF EXISTS `idx_tasks_overdue`;
CREATE INDEX IF NOT EXISTS `idx_tasks_inbox` ON `tasks`(`department`,`status`,`due_at`,`id`);
CREATE INDEX IF NOT EXISTS `idx_tasks_overdue` ON `tasks`(`status`,`due_at`,`id`);

-- +goose Down
DROP INDEX IF EXISTS `idx_tasks_inbox`;
DROP INDEX IF EXISTS `idx_tasks_overdue`;
CREATE INDEX IF NOT EXISTS `idx_tasks_inbox` ON `tasks`(`department`,`status`,`due_at`);
CREATE INDEX IF NOT EXISTS `idx_tasks_overdue` ON `tasks`(`status`,`due_at`);
