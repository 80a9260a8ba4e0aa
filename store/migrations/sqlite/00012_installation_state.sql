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

-- +goose Down
ALTER TABLE `installations` DROP COLUMN `refresh_failures`;
ALTER TABLE `installations` DROP COLUMN `refresh_until`;
ALTER TABLE `installations` DROP COLUMN `refresh_holder`;
ALTER TABLE `installations` DROP COLUMN `revoked_reason`;
ALTER TABLE `workspaces` DROP COLUMN `purged_at`;
DROP TRIGGER `chk_workspaces_team_id_update`;
DROP TRIGGER `chk_workspaces_team_id_insert`;
