-- +goose Up
CREATE TABLE `reminder_schedules` (`id` integer PRIMARY KEY AUTOINCREMENT,`workspace_id` integer NOT NULL,`team_id` integer NOT NULL DEFAULT 0,`weekday` integer NOT NULL,`minute` integer NOT NULL,`every_weeks` integer NOT NULL DEFAULT 1,`channel` text NOT NULL DEFAULT "",`set_by_id` integer NOT NULL DEFAULT 0,`created_at` datetime,`updated_at` datetime);
CREATE UNIQUE INDEX `idx_reminder_schedules_workspace_team` ON `reminder_schedules`(`workspace_id`,`team_id`);
CREATE TABLE `reminder_people` (`id` integer PRIMARY KEY AUTOINCREMENT,`workspace_id` integer NOT NULL,`user_id` integer NOT NULL,`status` text NOT NULL DEFAULT "on",`schedule_id` integer NOT NULL DEFAULT 0,`tz` text NOT NULL DEFAULT "",`next_at` datetime,`paused_until` datetime,`created_at` datetime,`updated_at` datetime);
CREATE INDEX `idx_reminder_people_next_at` ON `reminder_people`(`next_at`);
CREATE UNIQUE INDEX `idx_reminder_people_user_id` ON `reminder_people`(`user_id`);
CREATE TABLE `reminder_deliveries` (`id` integer PRIMARY KEY AUTOINCREMENT,`workspace_id` integer NOT NULL,`schedule_id` integer NOT NULL,`occurrence` datetime NOT NULL,`user_id` integer NOT NULL,`state` text NOT NULL,`note` text NOT NULL DEFAULT "",`attempts` integer NOT NULL DEFAULT 0,`claimed_until` datetime,`channel` text NOT NULL DEFAULT "",`ts` text NOT NULL DEFAULT "",`sent_at` datetime,`nudge_at` datetime,`nudged_at` datetime,`checked_in_at` datetime,`update_pending` numeric NOT NULL DEFAULT false,`thread_posted_at` datetime,`created_at` datetime);
CREATE INDEX `idx_reminder_deliveries_update_pending` ON `reminder_deliveries`(`update_pending`);
CREATE INDEX `idx_reminder_deliveries_nudge_at` ON `reminder_deliveries`(`nudge_at`);
CREATE INDEX `idx_reminder_deliveries_state` ON `reminder_deliveries`(`state`);
CREATE UNIQUE INDEX `idx_reminder_deliveries_key` ON `reminder_deliveries`(`schedule_id`,`occurrence`,`user_id`);
CREATE TABLE `reminder_threads` (`id` integer PRIMARY KEY AUTOINCREMENT,`schedule_id` integer NOT NULL,`week` text NOT NULL,`channel` text NOT NULL,`ts` text NOT NULL DEFAULT "",`claimed_until` datetime,`created_at` datetime);
CREATE UNIQUE INDEX `idx_reminder_threads_schedule_week` ON `reminder_threads`(`schedule_id`,`week`);

-- +goose Down
DROP TABLE `reminder_threads`;
DROP TABLE `reminder_deliveries`;
DROP TABLE `reminder_people`;
DROP TABLE `reminder_schedules`;
