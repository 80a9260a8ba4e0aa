-- +goose Up
CREATE TABLE `dashboard_links` (`hash` text,`workspace_id` integer NOT NULL,`user_id` integer NOT NULL,`expires_at` datetime NOT NULL,`used_at` datetime,`created_at` datetime,PRIMARY KEY (`hash`));
CREATE INDEX `idx_dashboard_links_expires_at` ON `dashboard_links`(`expires_at`);
CREATE INDEX `idx_dashboard_links_workspace_id` ON `dashboard_links`(`workspace_id`);
CREATE TABLE `dashboard_sessions` (`hash` text,`workspace_id` integer NOT NULL,`user_id` integer NOT NULL,`created_at` datetime NOT NULL,`seen_at` datetime NOT NULL,`expires_at` datetime NOT NULL,PRIMARY KEY (`hash`));
CREATE INDEX `idx_dashboard_sessions_expires_at` ON `dashboard_sessions`(`expires_at`);
CREATE INDEX `idx_dashboard_sessions_workspace_id` ON `dashboard_sessions`(`workspace_id`);

-- +goose Down
DROP TABLE `dashboard_sessions`;
DROP TABLE `dashboard_links`;
