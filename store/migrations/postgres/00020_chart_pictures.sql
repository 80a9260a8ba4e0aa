-- +goose Up
-- Pictures that chat cards link to, kept where every replica serves them.
CREATE TABLE "chart_pictures" ("workspace_id" bigint,"id" text,"png" bytea NOT NULL,"expires_at" timestamptz NOT NULL,PRIMARY KEY ("workspace_id","id"));
CREATE INDEX IF NOT EXISTS "idx_chart_pictures_expires_at" ON "chart_pictures" ("expires_at");
CREATE TRIGGER "purged_workspace_chart_pictures" BEFORE INSERT ON "chart_pictures" FOR EACH ROW EXECUTE FUNCTION "okrbot_refuse_purged_workspace"();

-- +goose Down
DROP TABLE "chart_pictures";
