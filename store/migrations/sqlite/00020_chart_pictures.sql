-- +goose Up
-- Pictures that chat cards link to, kept where every replica serves them.
CREATE TABLE `chart_pictures` (`workspace_id` integer,`id` text,`png` blob NOT NULL,`expires_at` datetime NOT NULL,PRIMARY KEY (`workspace_id`,`id`));
CREATE INDEX `idx_chart_pictures_expires_at` ON `chart_pictures`(`expires_at`);
-- +goose StatementBegin
CREATE TRIGGER `purged_workspace_chart_pictures` BEFORE INSERT ON `chart_pictures`
WHEN NOT EXISTS (SELECT 1 FROM `workspaces` WHERE `id` = NEW.`workspace_id` AND `purged_at` IS NULL)
BEGIN SELECT RAISE(ABORT, 'workspace purged'); END;
-- +goose StatementEnd

-- +goose Down
DROP TABLE `chart_pictures`;
