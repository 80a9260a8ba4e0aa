-- +goose Up
-- One table for every kind of background work: the job engine's.
CREATE TABLE `jobs` (`id` integer PRIMARY KEY AUTOINCREMENT,`kind` text NOT NULL,`workspace_id` integer NOT NULL,`unique_key` text NOT NULL,`args` text NOT NULL DEFAULT "{}",`state` text NOT NULL,`attempt` integer NOT NULL DEFAULT 0,`run_at` datetime NOT NULL,`locked_by` text NOT NULL DEFAULT "",`locked_until` datetime,`last_error` text NOT NULL DEFAULT "",`note` text NOT NULL DEFAULT "",`created_at` datetime,`finished_at` datetime);
CREATE INDEX `idx_jobs_workspace_id` ON `jobs`(`workspace_id`);
CREATE INDEX `idx_jobs_due` ON `jobs`(`state`,`kind`,`run_at`);
CREATE UNIQUE INDEX `idx_jobs_key` ON `jobs`(`kind`,`unique_key`);
-- +goose StatementBegin
CREATE TRIGGER `purged_workspace_jobs` BEFORE INSERT ON `jobs`
WHEN NOT EXISTS (SELECT 1 FROM `workspaces` WHERE `id` = NEW.`workspace_id` AND `purged_at` IS NULL)
BEGIN SELECT RAISE(ABORT, 'workspace purged'); END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE `jobs`;
