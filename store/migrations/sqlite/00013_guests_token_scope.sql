-- +goose Up
ALTER TABLE `users` ADD `is_guest` numeric NOT NULL DEFAULT false;
ALTER TABLE `api_tokens` ADD `kpi_id` integer NOT NULL DEFAULT 0;
ALTER TABLE `api_tokens` ADD `expires_at` datetime;

-- +goose Down
ALTER TABLE `api_tokens` DROP COLUMN `expires_at`;
ALTER TABLE `api_tokens` DROP COLUMN `kpi_id`;
ALTER TABLE `users` DROP COLUMN `is_guest`;
