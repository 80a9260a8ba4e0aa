-- +goose Up
-- A workspace always has a team id: an empty one would pool the data of
-- every workspace whose requests were read wrong. SQLite cannot add a
-- CHECK constraint to a table, so triggers hold every new or changed row
-- to it.
-- +goose StatementBegin
CREATE TRIGGER `chk_workspaces_team_id_insert` BEFORE INSERT ON `workspaces`
WHEN NEW.`team_id` = '' BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: chk_workspaces_team_id'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `chk_workspaces_team_id_update` BEFORE UPDATE OF `team_id` ON `workspaces`
WHEN NEW.`team_id` = '' BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: chk_workspaces_team_id'); END;
-- +goose StatementEnd
ALTER TABLE `workspaces` ADD `purged_at` datetime;
ALTER TABLE `installations` ADD `revoked_reason` text NOT NULL DEFAULT "";
ALTER TABLE `installations` ADD `refresh_holder` text NOT NULL DEFAULT "";
ALTER TABLE `installations` ADD `refresh_until` datetime;
ALTER TABLE `installations` ADD `refresh_failures` integer NOT NULL DEFAULT 0;

-- Nothing is written to a workspace being purged, or gone: a replica that
-- remembered it from before the purge is refused, rather than leaving rows
-- under a workspace that no longer exists.
-- +goose StatementBegin
CREATE TRIGGER `purged_workspace_api_tokens` BEFORE INSERT ON `api_tokens`
WHEN NOT EXISTS (SELECT 1 FROM `workspaces` WHERE `id` = NEW.`workspace_id` AND `purged_at` IS NULL)
BEGIN SELECT RAISE(ABORT, 'workspace purged'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `purged_workspace_check_ins` BEFORE INSERT ON `check_ins`
WHEN NOT EXISTS (SELECT 1 FROM `workspaces` WHERE `id` = NEW.`workspace_id` AND `purged_at` IS NULL)
BEGIN SELECT RAISE(ABORT, 'workspace purged'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `purged_workspace_conversations` BEFORE INSERT ON `conversations`
WHEN NOT EXISTS (SELECT 1 FROM `workspaces` WHERE `id` = NEW.`workspace_id` AND `purged_at` IS NULL)
BEGIN SELECT RAISE(ABORT, 'workspace purged'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `purged_workspace_digest_deliveries` BEFORE INSERT ON `digest_deliveries`
WHEN NOT EXISTS (SELECT 1 FROM `workspaces` WHERE `id` = NEW.`workspace_id` AND `purged_at` IS NULL)
BEGIN SELECT RAISE(ABORT, 'workspace purged'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `purged_workspace_digest_subscriptions` BEFORE INSERT ON `digest_subscriptions`
WHEN NOT EXISTS (SELECT 1 FROM `workspaces` WHERE `id` = NEW.`workspace_id` AND `purged_at` IS NULL)
BEGIN SELECT RAISE(ABORT, 'workspace purged'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `purged_workspace_grading_deliveries` BEFORE INSERT ON `grading_deliveries`
WHEN NOT EXISTS (SELECT 1 FROM `workspaces` WHERE `id` = NEW.`workspace_id` AND `purged_at` IS NULL)
BEGIN SELECT RAISE(ABORT, 'workspace purged'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `purged_workspace_history_entries` BEFORE INSERT ON `history_entries`
WHEN NOT EXISTS (SELECT 1 FROM `workspaces` WHERE `id` = NEW.`workspace_id` AND `purged_at` IS NULL)
BEGIN SELECT RAISE(ABORT, 'workspace purged'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `purged_workspace_key_results` BEFORE INSERT ON `key_results`
WHEN NOT EXISTS (SELECT 1 FROM `workspaces` WHERE `id` = NEW.`workspace_id` AND `purged_at` IS NULL)
BEGIN SELECT RAISE(ABORT, 'workspace purged'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `purged_workspace_kpi_alert_channels` BEFORE INSERT ON `kpi_alert_channels`
WHEN NOT EXISTS (SELECT 1 FROM `workspaces` WHERE `id` = NEW.`workspace_id` AND `purged_at` IS NULL)
BEGIN SELECT RAISE(ABORT, 'workspace purged'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `purged_workspace_kpi_alerts` BEFORE INSERT ON `kpi_alerts`
WHEN NOT EXISTS (SELECT 1 FROM `workspaces` WHERE `id` = NEW.`workspace_id` AND `purged_at` IS NULL)
BEGIN SELECT RAISE(ABORT, 'workspace purged'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `purged_workspace_kpi_measurements` BEFORE INSERT ON `kpi_measurements`
WHEN NOT EXISTS (SELECT 1 FROM `workspaces` WHERE `id` = NEW.`workspace_id` AND `purged_at` IS NULL)
BEGIN SELECT RAISE(ABORT, 'workspace purged'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `purged_workspace_kpis` BEFORE INSERT ON `kpis`
WHEN NOT EXISTS (SELECT 1 FROM `workspaces` WHERE `id` = NEW.`workspace_id` AND `purged_at` IS NULL)
BEGIN SELECT RAISE(ABORT, 'workspace purged'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `purged_workspace_objectives` BEFORE INSERT ON `objectives`
WHEN NOT EXISTS (SELECT 1 FROM `workspaces` WHERE `id` = NEW.`workspace_id` AND `purged_at` IS NULL)
BEGIN SELECT RAISE(ABORT, 'workspace purged'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `purged_workspace_periods` BEFORE INSERT ON `periods`
WHEN NOT EXISTS (SELECT 1 FROM `workspaces` WHERE `id` = NEW.`workspace_id` AND `purged_at` IS NULL)
BEGIN SELECT RAISE(ABORT, 'workspace purged'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `purged_workspace_reminder_deliveries` BEFORE INSERT ON `reminder_deliveries`
WHEN NOT EXISTS (SELECT 1 FROM `workspaces` WHERE `id` = NEW.`workspace_id` AND `purged_at` IS NULL)
BEGIN SELECT RAISE(ABORT, 'workspace purged'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `purged_workspace_reminder_people` BEFORE INSERT ON `reminder_people`
WHEN NOT EXISTS (SELECT 1 FROM `workspaces` WHERE `id` = NEW.`workspace_id` AND `purged_at` IS NULL)
BEGIN SELECT RAISE(ABORT, 'workspace purged'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `purged_workspace_reminder_schedules` BEFORE INSERT ON `reminder_schedules`
WHEN NOT EXISTS (SELECT 1 FROM `workspaces` WHERE `id` = NEW.`workspace_id` AND `purged_at` IS NULL)
BEGIN SELECT RAISE(ABORT, 'workspace purged'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `purged_workspace_teams` BEFORE INSERT ON `teams`
WHEN NOT EXISTS (SELECT 1 FROM `workspaces` WHERE `id` = NEW.`workspace_id` AND `purged_at` IS NULL)
BEGIN SELECT RAISE(ABORT, 'workspace purged'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `purged_workspace_users` BEFORE INSERT ON `users`
WHEN NOT EXISTS (SELECT 1 FROM `workspaces` WHERE `id` = NEW.`workspace_id` AND `purged_at` IS NULL)
BEGIN SELECT RAISE(ABORT, 'workspace purged'); END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER `purged_workspace_api_tokens`;
DROP TRIGGER `purged_workspace_check_ins`;
DROP TRIGGER `purged_workspace_conversations`;
DROP TRIGGER `purged_workspace_digest_deliveries`;
DROP TRIGGER `purged_workspace_digest_subscriptions`;
DROP TRIGGER `purged_workspace_grading_deliveries`;
DROP TRIGGER `purged_workspace_history_entries`;
DROP TRIGGER `purged_workspace_key_results`;
DROP TRIGGER `purged_workspace_kpi_alert_channels`;
DROP TRIGGER `purged_workspace_kpi_alerts`;
DROP TRIGGER `purged_workspace_kpi_measurements`;
DROP TRIGGER `purged_workspace_kpis`;
DROP TRIGGER `purged_workspace_objectives`;
DROP TRIGGER `purged_workspace_periods`;
DROP TRIGGER `purged_workspace_reminder_deliveries`;
DROP TRIGGER `purged_workspace_reminder_people`;
DROP TRIGGER `purged_workspace_reminder_schedules`;
DROP TRIGGER `purged_workspace_teams`;
DROP TRIGGER `purged_workspace_users`;
ALTER TABLE `installations` DROP COLUMN `refresh_failures`;
ALTER TABLE `installations` DROP COLUMN `refresh_until`;
ALTER TABLE `installations` DROP COLUMN `refresh_holder`;
ALTER TABLE `installations` DROP COLUMN `revoked_reason`;
ALTER TABLE `workspaces` DROP COLUMN `purged_at`;
DROP TRIGGER `chk_workspaces_team_id_update`;
DROP TRIGGER `chk_workspaces_team_id_insert`;
