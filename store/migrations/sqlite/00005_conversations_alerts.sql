-- +goose Up
CREATE TABLE `conversations` (`id` integer PRIMARY KEY AUTOINCREMENT,`workspace_id` integer NOT NULL,`kind` text NOT NULL,`platform_id` text NOT NULL,`ref` text NOT NULL,`updated_at` datetime);
CREATE UNIQUE INDEX `idx_conversations_key` ON `conversations`(`workspace_id`,`kind`,`platform_id`);

CREATE TABLE `kpi_alerts` (`id` integer PRIMARY KEY AUTOINCREMENT,`workspace_id` integer NOT NULL,`kpi_id` integer NOT NULL,`from_health` text NOT NULL,`to_health` text NOT NULL,`created_at` datetime NOT NULL,`claimed_until` datetime,`attempts` integer NOT NULL DEFAULT 0,`done_at` datetime,`note` text NOT NULL DEFAULT "");
CREATE INDEX `idx_kpi_alerts_workspace_id` ON `kpi_alerts`(`workspace_id`);
CREATE INDEX `idx_kpi_alerts_done_at` ON `kpi_alerts`(`done_at`);

-- +goose Down
DROP TABLE `kpi_alerts`;
DROP TABLE `conversations`;
