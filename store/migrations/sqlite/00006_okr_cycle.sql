-- +goose Up
ALTER TABLE `objectives` ADD `outcome` text NOT NULL DEFAULT "";
ALTER TABLE `objectives` ADD `retrospective` text NOT NULL DEFAULT "";
ALTER TABLE `objectives` ADD `graded_at` datetime;
ALTER TABLE `objectives` ADD `graded_by_id` integer;
ALTER TABLE `objectives` ADD `continues_id` integer;
CREATE UNIQUE INDEX `idx_objectives_continues_id` ON `objectives`(`continues_id`);

ALTER TABLE `key_results` ADD `final_score` real;

CREATE TABLE `history_entries` (`id` integer PRIMARY KEY AUTOINCREMENT,`workspace_id` integer NOT NULL,`subject_kind` text NOT NULL,`subject_id` integer NOT NULL,`action` text NOT NULL,`field` text NOT NULL DEFAULT "",`old_value` text NOT NULL DEFAULT "",`new_value` text NOT NULL DEFAULT "",`actor_id` integer,`platform` text NOT NULL,`at` datetime NOT NULL);
CREATE INDEX `idx_history_entries_subject` ON `history_entries`(`workspace_id`,`subject_kind`,`subject_id`,`id`);
CREATE INDEX `idx_history_entries_workspace_id` ON `history_entries`(`workspace_id`,`id`);

-- +goose Down
DROP TABLE `history_entries`;
ALTER TABLE `key_results` DROP COLUMN `final_score`;
DROP INDEX `idx_objectives_continues_id`;
ALTER TABLE `objectives` DROP COLUMN `continues_id`;
ALTER TABLE `objectives` DROP COLUMN `graded_by_id`;
ALTER TABLE `objectives` DROP COLUMN `graded_at`;
ALTER TABLE `objectives` DROP COLUMN `retrospective`;
ALTER TABLE `objectives` DROP COLUMN `outcome`;
