-- +goose Up
CREATE TABLE `grading_deliveries` (`id` integer PRIMARY KEY AUTOINCREMENT,`workspace_id` integer NOT NULL,`objective_id` integer NOT NULL,`step` integer NOT NULL,`occurrence` datetime NOT NULL,`user_id` integer NOT NULL,`claimed_until` datetime,`attempts` integer NOT NULL DEFAULT 0,`done_at` datetime,`note` text NOT NULL DEFAULT "",`conversation` text NOT NULL DEFAULT "",`message_id` text NOT NULL DEFAULT "",`created_at` datetime);
CREATE INDEX `idx_grading_deliveries_done_at` ON `grading_deliveries`(`done_at`);
CREATE UNIQUE INDEX `idx_grading_deliveries_key` ON `grading_deliveries`(`objective_id`,`step`,`occurrence`);
CREATE INDEX `idx_grading_deliveries_workspace_id` ON `grading_deliveries`(`workspace_id`);

-- +goose Down
DROP TABLE `grading_deliveries`;
