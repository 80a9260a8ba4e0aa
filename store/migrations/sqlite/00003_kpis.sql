-- +goose Up
ALTER TABLE `key_results` ADD `kpi_id` integer;
CREATE INDEX `idx_key_results_kpi_id` ON `key_results`(`kpi_id`);

CREATE TABLE `kpis` (`id` integer PRIMARY KEY AUTOINCREMENT,`workspace_id` integer NOT NULL,`name` text NOT NULL,`name_key` text NOT NULL,`description` text NOT NULL DEFAULT "",`team_id` integer,`owner_id` integer NOT NULL,`unit` text NOT NULL DEFAULT "",`direction` text NOT NULL DEFAULT "higher",`target` real NOT NULL,`warn` real NOT NULL,`crit` real NOT NULL,`cadence` text NOT NULL DEFAULT "weekly",`archived` numeric NOT NULL DEFAULT false,`last_value` real,`last_at` datetime,`health` text NOT NULL DEFAULT "no-data",`created_at` datetime,`updated_at` datetime,CONSTRAINT `fk_kpis_team` FOREIGN KEY (`team_id`) REFERENCES `teams`(`id`),CONSTRAINT `fk_kpis_owner` FOREIGN KEY (`owner_id`) REFERENCES `users`(`id`));
CREATE INDEX `idx_kpis_team_id` ON `kpis`(`team_id`);
CREATE UNIQUE INDEX `idx_kpis_workspace_name_key` ON `kpis`(`workspace_id`,`name_key`);

CREATE TABLE `kpi_measurements` (`id` integer PRIMARY KEY AUTOINCREMENT,`workspace_id` integer NOT NULL,`kpi_id` integer NOT NULL,`value` real NOT NULL,`at` datetime NOT NULL,`author_id` integer,`source` text NOT NULL DEFAULT "",`comment` text NOT NULL DEFAULT "",`created_at` datetime);
CREATE INDEX `idx_kpi_measurements_kpi_at` ON `kpi_measurements`(`kpi_id`,`at`);

CREATE TABLE `kpi_alert_channels` (`id` integer PRIMARY KEY AUTOINCREMENT,`workspace_id` integer NOT NULL,`team_id` integer NOT NULL DEFAULT 0,`channel` text NOT NULL,`created_at` datetime);
CREATE UNIQUE INDEX `idx_kpi_alert_channels_workspace_team` ON `kpi_alert_channels`(`workspace_id`,`team_id`);

CREATE TABLE `api_tokens` (`id` integer PRIMARY KEY AUTOINCREMENT,`workspace_id` integer NOT NULL,`name` text NOT NULL,`hash` text NOT NULL,`hint` text NOT NULL,`created_by_id` integer NOT NULL,`created_at` datetime,`last_used_at` datetime,`revoked_at` datetime);
CREATE UNIQUE INDEX `idx_api_tokens_hash` ON `api_tokens`(`hash`);
CREATE INDEX `idx_api_tokens_workspace_id` ON `api_tokens`(`workspace_id`);

CREATE TABLE `digest_subscriptions` (`id` integer PRIMARY KEY AUTOINCREMENT,`workspace_id` integer NOT NULL,`channel` text NOT NULL,`team_id` integer NOT NULL DEFAULT 0,`schedule` text NOT NULL,`tz` text NOT NULL DEFAULT "UTC",`created_by_id` integer NOT NULL,`created_at` datetime,`last_sent_at` datetime);
CREATE UNIQUE INDEX `idx_digest_subscriptions_workspace_channel_team` ON `digest_subscriptions`(`workspace_id`,`channel`,`team_id`);

-- +goose Down
DROP TABLE `digest_subscriptions`;
DROP TABLE `api_tokens`;
DROP TABLE `kpi_alert_channels`;
DROP TABLE `kpi_measurements`;
DROP TABLE `kpis`;
DROP INDEX `idx_key_results_kpi_id`;
ALTER TABLE `key_results` DROP COLUMN `kpi_id`;
