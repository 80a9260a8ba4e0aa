-- +goose Up
-- Where a KPI's value is fetched from, on its cadence (issue 22). The spec
-- names secrets as {env:NAME} and never holds them.
CREATE TABLE `kpi_sources` (`id` integer PRIMARY KEY AUTOINCREMENT,`workspace_id` integer NOT NULL,`kpi_id` integer NOT NULL,`kind` text NOT NULL,`spec` text NOT NULL,`every_seconds` integer NOT NULL,`created_by_id` integer NOT NULL,`next_fetch_at` datetime NOT NULL,`lease_until` datetime,`last_fetch_at` datetime,`last_error` text NOT NULL DEFAULT "",`failing_since` datetime,`failures` integer NOT NULL DEFAULT 0,`owner_told` numeric NOT NULL DEFAULT false,`notice` text NOT NULL DEFAULT "",`created_at` datetime,`updated_at` datetime);
CREATE INDEX `idx_kpi_sources_next_fetch_at` ON `kpi_sources`(`next_fetch_at`);
CREATE UNIQUE INDEX `idx_kpi_sources_workspace_kpi` ON `kpi_sources`(`workspace_id`,`kpi_id`);
-- +goose StatementBegin
CREATE TRIGGER `purged_workspace_kpi_sources` BEFORE INSERT ON `kpi_sources`
WHEN NOT EXISTS (SELECT 1 FROM `workspaces` WHERE `id` = NEW.`workspace_id` AND `purged_at` IS NULL)
BEGIN SELECT RAISE(ABORT, 'workspace purged'); END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE `kpi_sources`;
