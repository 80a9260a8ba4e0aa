-- +goose Up
ALTER TABLE `users` ADD `email` text NOT NULL DEFAULT "";
CREATE INDEX IF NOT EXISTS `idx_users_workspace_email` ON `users`(`workspace_id`,`email`);

-- +goose Down
DROP INDEX IF EXISTS `idx_users_workspace_email`;
ALTER TABLE `users` DROP COLUMN `email`;
