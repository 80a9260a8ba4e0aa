-- +goose Up
ALTER TABLE `digest_subscriptions` ADD `next_run_at` datetime;
CREATE INDEX `idx_digest_subscriptions_next_run_at` ON `digest_subscriptions`(`next_run_at`);

CREATE TABLE `digest_deliveries` (`id` integer PRIMARY KEY AUTOINCREMENT,`workspace_id` integer NOT NULL,`subscription_id` integer NOT NULL,`occurrence` datetime NOT NULL,`claimed_until` datetime,`attempts` integer NOT NULL DEFAULT 0,`done_at` datetime,`note` text NOT NULL DEFAULT "",`created_at` datetime);
CREATE INDEX `idx_digest_deliveries_done_at` ON `digest_deliveries`(`done_at`);
CREATE UNIQUE INDEX `idx_digest_deliveries_key` ON `digest_deliveries`(`subscription_id`,`occurrence`);

-- +goose Down
DROP TABLE `digest_deliveries`;
DROP INDEX `idx_digest_subscriptions_next_run_at`;
ALTER TABLE `digest_subscriptions` DROP COLUMN `next_run_at`;
