-- +goose Up
CREATE TABLE "conversations" ("id" bigserial,"workspace_id" bigint NOT NULL,"kind" text NOT NULL,"platform_id" text NOT NULL,"ref" text NOT NULL,"updated_at" timestamptz,PRIMARY KEY ("id"));
CREATE UNIQUE INDEX IF NOT EXISTS "idx_conversations_key" ON "conversations" ("workspace_id","kind","platform_id");

CREATE TABLE "kpi_alerts" ("id" bigserial,"workspace_id" bigint NOT NULL,"kpi_id" bigint NOT NULL,"from_health" text NOT NULL,"to_health" text NOT NULL,"created_at" timestamptz NOT NULL,"claimed_until" timestamptz,"attempts" bigint NOT NULL DEFAULT 0,"done_at" timestamptz,"note" text NOT NULL DEFAULT '',PRIMARY KEY ("id"));
CREATE INDEX IF NOT EXISTS "idx_kpi_alerts_workspace_id" ON "kpi_alerts" ("workspace_id");
CREATE INDEX IF NOT EXISTS "idx_kpi_alerts_done_at" ON "kpi_alerts" ("done_at");

-- +goose Down
DROP TABLE "kpi_alerts";
DROP TABLE "conversations";
