-- +goose Up
-- Tables added beside the purge guard of 00012 take no rows for a purged
-- or missing workspace either.
-- +goose StatementBegin
CREATE TRIGGER `purged_workspace_app_installs` BEFORE INSERT ON `app_installs`
WHEN NOT EXISTS (SELECT 1 FROM `workspaces` WHERE `id` = NEW.`workspace_id` AND `purged_at` IS NULL)
BEGIN SELECT RAISE(ABORT, 'workspace purged'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `purged_workspace_roster_members` BEFORE INSERT ON `roster_members`
WHEN NOT EXISTS (SELECT 1 FROM `workspaces` WHERE `id` = NEW.`workspace_id` AND `purged_at` IS NULL)
BEGIN SELECT RAISE(ABORT, 'workspace purged'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `purged_workspace_dashboard_links` BEFORE INSERT ON `dashboard_links`
WHEN NOT EXISTS (SELECT 1 FROM `workspaces` WHERE `id` = NEW.`workspace_id` AND `purged_at` IS NULL)
BEGIN SELECT RAISE(ABORT, 'workspace purged'); END;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE TRIGGER `purged_workspace_dashboard_sessions` BEFORE INSERT ON `dashboard_sessions`
WHEN NOT EXISTS (SELECT 1 FROM `workspaces` WHERE `id` = NEW.`workspace_id` AND `purged_at` IS NULL)
BEGIN SELECT RAISE(ABORT, 'workspace purged'); END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER `purged_workspace_app_installs`;
DROP TRIGGER `purged_workspace_roster_members`;
DROP TRIGGER `purged_workspace_dashboard_links`;
DROP TRIGGER `purged_workspace_dashboard_sessions`;
