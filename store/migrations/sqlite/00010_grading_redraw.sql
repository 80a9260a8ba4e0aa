-- +goose Up
ALTER TABLE `grading_deliveries` ADD `redraw_pending` numeric NOT NULL DEFAULT false;
ALTER TABLE `grading_deliveries` ADD `redraw_until` datetime;
ALTER TABLE `grading_deliveries` ADD `redraw_attempts` integer NOT NULL DEFAULT 0;
ALTER TABLE `grading_deliveries` ADD `deferred_at` datetime;
CREATE INDEX `idx_grading_deliveries_redraw_pending` ON `grading_deliveries`(`redraw_pending`);

-- +goose Down
DROP INDEX `idx_grading_deliveries_redraw_pending`;
ALTER TABLE `grading_deliveries` DROP COLUMN `deferred_at`;
ALTER TABLE `grading_deliveries` DROP COLUMN `redraw_attempts`;
ALTER TABLE `grading_deliveries` DROP COLUMN `redraw_until`;
ALTER TABLE `grading_deliveries` DROP COLUMN `redraw_pending`;
