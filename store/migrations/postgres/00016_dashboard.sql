-- +goose Up
CREATE TABLE "dashboard_links" ("hash" text,"workspace_id" bigint NOT NULL,"user_id" bigint NOT NULL,"expires_at" timestamptz NOT NULL,"used_at" timestamptz,"created_at" timestamptz,PRIMARY KEY ("hash"));
CREATE INDEX IF NOT EXISTS "idx_dashboard_links_expires_at" ON "dashboard_links" ("expires_at");
CREATE INDEX IF NOT EXISTS "idx_dashboard_links_workspace_id" ON "dashboard_links" ("workspace_id");
CREATE TABLE "dashboard_sessions" ("hash" text,"workspace_id" bigint NOT NULL,"user_id" bigint NOT NULL,"created_at" timestamptz NOT NULL,"seen_at" timestamptz NOT NULL,"expires_at" timestamptz NOT NULL,PRIMARY KEY ("hash"));
CREATE INDEX IF NOT EXISTS "idx_dashboard_sessions_expires_at" ON "dashboard_sessions" ("expires_at");
CREATE INDEX IF NOT EXISTS "idx_dashboard_sessions_workspace_id" ON "dashboard_sessions" ("workspace_id");

-- +goose Down
DROP TABLE "dashboard_sessions";
DROP TABLE "dashboard_links";
