-- +goose Up
-- Tables added beside the purge guard of 00012 take no rows for a purged
-- or missing workspace either.
CREATE TRIGGER "purged_workspace_app_installs" BEFORE INSERT ON "app_installs" FOR EACH ROW EXECUTE FUNCTION "okrbot_refuse_purged_workspace"();
CREATE TRIGGER "purged_workspace_roster_members" BEFORE INSERT ON "roster_members" FOR EACH ROW EXECUTE FUNCTION "okrbot_refuse_purged_workspace"();
CREATE TRIGGER "purged_workspace_dashboard_links" BEFORE INSERT ON "dashboard_links" FOR EACH ROW EXECUTE FUNCTION "okrbot_refuse_purged_workspace"();
CREATE TRIGGER "purged_workspace_dashboard_sessions" BEFORE INSERT ON "dashboard_sessions" FOR EACH ROW EXECUTE FUNCTION "okrbot_refuse_purged_workspace"();

-- +goose Down
DROP TRIGGER "purged_workspace_app_installs" ON "app_installs";
DROP TRIGGER "purged_workspace_roster_members" ON "roster_members";
DROP TRIGGER "purged_workspace_dashboard_links" ON "dashboard_links";
DROP TRIGGER "purged_workspace_dashboard_sessions" ON "dashboard_sessions";
