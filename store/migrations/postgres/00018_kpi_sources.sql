-- +goose Up
-- Where a KPI's value is fetched from, on its cadence (issue 22). The spec
-- names secrets as {env:NAME} and never holds them.
CREATE TABLE "kpi_sources" ("id" bigserial,"workspace_id" bigint NOT NULL,"kpi_id" bigint NOT NULL,"kind" text NOT NULL,"spec" text NOT NULL,"every_seconds" bigint NOT NULL,"created_by_id" bigint NOT NULL,"next_fetch_at" timestamptz NOT NULL,"lease_until" timestamptz,"last_fetch_at" timestamptz,"last_error" text NOT NULL DEFAULT '',"failing_since" timestamptz,"failures" bigint NOT NULL DEFAULT 0,"owner_told" boolean NOT NULL DEFAULT false,"notice" text NOT NULL DEFAULT '',"created_at" timestamptz,"updated_at" timestamptz,PRIMARY KEY ("id"));
CREATE INDEX IF NOT EXISTS "idx_kpi_sources_next_fetch_at" ON "kpi_sources" ("next_fetch_at");
CREATE UNIQUE INDEX IF NOT EXISTS "idx_kpi_sources_workspace_kpi" ON "kpi_sources" ("workspace_id","kpi_id");
CREATE TRIGGER "purged_workspace_kpi_sources" BEFORE INSERT ON "kpi_sources" FOR EACH ROW EXECUTE FUNCTION "okrbot_refuse_purged_workspace"();

-- +goose Down
DROP TABLE "kpi_sources";
