-- +goose Up
CREATE TABLE `installations` (`id` integer PRIMARY KEY AUTOINCREMENT,`team_id` text NOT NULL DEFAULT "",`enterprise_id` text NOT NULL DEFAULT "",`team_name` text NOT NULL DEFAULT "",`enterprise_name` text NOT NULL DEFAULT "",`is_enterprise_install` numeric NOT NULL DEFAULT false,`bot_user_id` text NOT NULL DEFAULT "",`bot_token` text NOT NULL DEFAULT "",`refresh_token` text NOT NULL DEFAULT "",`expires_at` datetime,`scopes` text NOT NULL DEFAULT "",`installer_id` text NOT NULL DEFAULT "",`installed_at` datetime NOT NULL,`updated_at` datetime,`revoked_at` datetime);
CREATE UNIQUE INDEX `idx_installations_team_enterprise` ON `installations`(`team_id`,`enterprise_id`);

CREATE TABLE `oauth_states` (`hash` text,`expires_at` datetime NOT NULL,PRIMARY KEY (`hash`));
CREATE INDEX `idx_oauth_states_expires_at` ON `oauth_states`(`expires_at`);

-- +goose Down
DROP TABLE `oauth_states`;
DROP TABLE `installations`;
