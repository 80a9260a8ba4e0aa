-- +goose Up
-- A workspace always has a team id: an empty one would pool the data of
-- every workspace whose requests were read wrong. NOT VALID leaves rows
-- written before alone and holds every new or changed row to it.
ALTER TABLE "workspaces" ADD CONSTRAINT "chk_workspaces_team_id" CHECK ("team_id" <> '') NOT VALID;
ALTER TABLE "workspaces" ADD "purged_at" timestamptz;
ALTER TABLE "installations" ADD "revoked_reason" text NOT NULL DEFAULT '';
ALTER TABLE "installations" ADD "refresh_holder" text NOT NULL DEFAULT '';
ALTER TABLE "installations" ADD "refresh_until" timestamptz;
ALTER TABLE "installations" ADD "refresh_failures" bigint NOT NULL DEFAULT 0;

-- Nothing is written to a workspace being purged, or gone: a replica that
-- remembered it from before the purge is refused, rather than leaving rows
-- under a workspace that no longer exists. The check takes a KEY SHARE lock
-- on the workspace row, so the purge's tombstone (which locks it FOR
-- UPDATE) waits for writes already under way, and then deletes them too.
-- +goose StatementBegin
CREATE FUNCTION "okrbot_refuse_purged_workspace"() RETURNS trigger AS $$
BEGIN
  PERFORM 1 FROM "workspaces" WHERE "id" = NEW."workspace_id" AND "purged_at" IS NULL FOR KEY SHARE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'workspace purged: % has no workspace %', TG_TABLE_NAME, NEW."workspace_id" USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
-- +goose StatementEnd
CREATE TRIGGER "purged_workspace_api_tokens" BEFORE INSERT ON "api_tokens" FOR EACH ROW EXECUTE FUNCTION "okrbot_refuse_purged_workspace"();
CREATE TRIGGER "purged_workspace_check_ins" BEFORE INSERT ON "check_ins" FOR EACH ROW EXECUTE FUNCTION "okrbot_refuse_purged_workspace"();
CREATE TRIGGER "purged_workspace_conversations" BEFORE INSERT ON "conversations" FOR EACH ROW EXECUTE FUNCTION "okrbot_refuse_purged_workspace"();
CREATE TRIGGER "purged_workspace_digest_deliveries" BEFORE INSERT ON "digest_deliveries" FOR EACH ROW EXECUTE FUNCTION "okrbot_refuse_purged_workspace"();
CREATE TRIGGER "purged_workspace_digest_subscriptions" BEFORE INSERT ON "digest_subscriptions" FOR EACH ROW EXECUTE FUNCTION "okrbot_refuse_purged_workspace"();
CREATE TRIGGER "purged_workspace_grading_deliveries" BEFORE INSERT ON "grading_deliveries" FOR EACH ROW EXECUTE FUNCTION "okrbot_refuse_purged_workspace"();
CREATE TRIGGER "purged_workspace_history_entries" BEFORE INSERT ON "history_entries" FOR EACH ROW EXECUTE FUNCTION "okrbot_refuse_purged_workspace"();
CREATE TRIGGER "purged_workspace_key_results" BEFORE INSERT ON "key_results" FOR EACH ROW EXECUTE FUNCTION "okrbot_refuse_purged_workspace"();
CREATE TRIGGER "purged_workspace_kpi_alert_channels" BEFORE INSERT ON "kpi_alert_channels" FOR EACH ROW EXECUTE FUNCTION "okrbot_refuse_purged_workspace"();
CREATE TRIGGER "purged_workspace_kpi_alerts" BEFORE INSERT ON "kpi_alerts" FOR EACH ROW EXECUTE FUNCTION "okrbot_refuse_purged_workspace"();
CREATE TRIGGER "purged_workspace_kpi_measurements" BEFORE INSERT ON "kpi_measurements" FOR EACH ROW EXECUTE FUNCTION "okrbot_refuse_purged_workspace"();
CREATE TRIGGER "purged_workspace_kpis" BEFORE INSERT ON "kpis" FOR EACH ROW EXECUTE FUNCTION "okrbot_refuse_purged_workspace"();
CREATE TRIGGER "purged_workspace_objectives" BEFORE INSERT ON "objectives" FOR EACH ROW EXECUTE FUNCTION "okrbot_refuse_purged_workspace"();
CREATE TRIGGER "purged_workspace_periods" BEFORE INSERT ON "periods" FOR EACH ROW EXECUTE FUNCTION "okrbot_refuse_purged_workspace"();
CREATE TRIGGER "purged_workspace_reminder_deliveries" BEFORE INSERT ON "reminder_deliveries" FOR EACH ROW EXECUTE FUNCTION "okrbot_refuse_purged_workspace"();
CREATE TRIGGER "purged_workspace_reminder_people" BEFORE INSERT ON "reminder_people" FOR EACH ROW EXECUTE FUNCTION "okrbot_refuse_purged_workspace"();
CREATE TRIGGER "purged_workspace_reminder_schedules" BEFORE INSERT ON "reminder_schedules" FOR EACH ROW EXECUTE FUNCTION "okrbot_refuse_purged_workspace"();
CREATE TRIGGER "purged_workspace_teams" BEFORE INSERT ON "teams" FOR EACH ROW EXECUTE FUNCTION "okrbot_refuse_purged_workspace"();
CREATE TRIGGER "purged_workspace_users" BEFORE INSERT ON "users" FOR EACH ROW EXECUTE FUNCTION "okrbot_refuse_purged_workspace"();

-- +goose Down
DROP TRIGGER "purged_workspace_api_tokens" ON "api_tokens";
DROP TRIGGER "purged_workspace_check_ins" ON "check_ins";
DROP TRIGGER "purged_workspace_conversations" ON "conversations";
DROP TRIGGER "purged_workspace_digest_deliveries" ON "digest_deliveries";
DROP TRIGGER "purged_workspace_digest_subscriptions" ON "digest_subscriptions";
DROP TRIGGER "purged_workspace_grading_deliveries" ON "grading_deliveries";
DROP TRIGGER "purged_workspace_history_entries" ON "history_entries";
DROP TRIGGER "purged_workspace_key_results" ON "key_results";
DROP TRIGGER "purged_workspace_kpi_alert_channels" ON "kpi_alert_channels";
DROP TRIGGER "purged_workspace_kpi_alerts" ON "kpi_alerts";
DROP TRIGGER "purged_workspace_kpi_measurements" ON "kpi_measurements";
DROP TRIGGER "purged_workspace_kpis" ON "kpis";
DROP TRIGGER "purged_workspace_objectives" ON "objectives";
DROP TRIGGER "purged_workspace_periods" ON "periods";
DROP TRIGGER "purged_workspace_reminder_deliveries" ON "reminder_deliveries";
DROP TRIGGER "purged_workspace_reminder_people" ON "reminder_people";
DROP TRIGGER "purged_workspace_reminder_schedules" ON "reminder_schedules";
DROP TRIGGER "purged_workspace_teams" ON "teams";
DROP TRIGGER "purged_workspace_users" ON "users";
DROP FUNCTION "okrbot_refuse_purged_workspace"();
ALTER TABLE "installations" DROP COLUMN "refresh_failures";
ALTER TABLE "installations" DROP COLUMN "refresh_until";
ALTER TABLE "installations" DROP COLUMN "refresh_holder";
ALTER TABLE "installations" DROP COLUMN "revoked_reason";
ALTER TABLE "workspaces" DROP COLUMN "purged_at";
ALTER TABLE "workspaces" DROP CONSTRAINT "chk_workspaces_team_id";
