-- +goose Up
ALTER TABLE "key_results" ADD "kpi_id" bigint;
CREATE INDEX IF NOT EXISTS "idx_key_results_kpi_id" ON "key_results" ("kpi_id");

CREATE TABLE "kpis" ("id" bigserial,"workspace_id" bigint NOT NULL,"name" text NOT NULL,"name_key" text NOT NULL,"description" text NOT NULL DEFAULT '',"team_id" bigint,"owner_id" bigint NOT NULL,"unit" text NOT NULL DEFAULT '',"direction" text NOT NULL DEFAULT 'higher',"target" decimal NOT NULL,"warn" decimal NOT NULL,"crit" decimal NOT NULL,"cadence" text NOT NULL DEFAULT 'weekly',"archived" boolean NOT NULL DEFAULT false,"last_value" decimal,"last_at" timestamptz,"health" text NOT NULL DEFAULT 'no-data',"created_at" timestamptz,"updated_at" timestamptz,PRIMARY KEY ("id"),CONSTRAINT "fk_kpis_owner" FOREIGN KEY ("owner_id") REFERENCES "users"("id"),CONSTRAINT "fk_kpis_team" FOREIGN KEY ("team_id") REFERENCES "teams"("id"));
CREATE INDEX IF NOT EXISTS "idx_kpis_team_id" ON "kpis" ("team_id");
CREATE UNIQUE INDEX IF NOT EXISTS "idx_kpis_workspace_name_key" ON "kpis" ("workspace_id","name_key");

CREATE TABLE "kpi_measurements" ("id" bigserial,"workspace_id" bigint NOT NULL,"kpi_id" bigint NOT NULL,"value" decimal NOT NULL,"at" timestamptz NOT NULL,"author_id" bigint,"source" text NOT NULL DEFAULT '',"comment" text NOT NULL DEFAULT '',"created_at" timestamptz,PRIMARY KEY ("id"));
CREATE INDEX IF NOT EXISTS "idx_kpi_measurements_kpi_at" ON "kpi_measurements" ("kpi_id","at");

CREATE TABLE "kpi_alert_channels" ("id" bigserial,"workspace_id" bigint NOT NULL,"team_id" bigint NOT NULL DEFAULT 0,"channel" text NOT NULL,"created_at" timestamptz,PRIMARY KEY ("id"));
CREATE UNIQUE INDEX IF NOT EXISTS "idx_kpi_alert_channels_workspace_team" ON "kpi_alert_channels" ("workspace_id","team_id");

CREATE TABLE "api_tokens" ("id" bigserial,"workspace_id" bigint NOT NULL,"name" text NOT NULL,"hash" text NOT NULL,"hint" text NOT NULL,"created_by_id" bigint NOT NULL,"created_at" timestamptz,"last_used_at" timestamptz,"revoked_at" timestamptz,PRIMARY KEY ("id"));
CREATE UNIQUE INDEX IF NOT EXISTS "idx_api_tokens_hash" ON "api_tokens" ("hash");
CREATE INDEX IF NOT EXISTS "idx_api_tokens_workspace_id" ON "api_tokens" ("workspace_id");

CREATE TABLE "digest_subscriptions" ("id" bigserial,"workspace_id" bigint NOT NULL,"channel" text NOT NULL,"team_id" bigint NOT NULL DEFAULT 0,"schedule" text NOT NULL,"tz" text NOT NULL DEFAULT 'UTC',"created_by_id" bigint NOT NULL,"created_at" timestamptz,"last_sent_at" timestamptz,PRIMARY KEY ("id"));
CREATE UNIQUE INDEX IF NOT EXISTS "idx_digest_subscriptions_workspace_channel_team" ON "digest_subscriptions" ("workspace_id","channel","team_id");

-- +goose Down
DROP TABLE "digest_subscriptions";
DROP TABLE "api_tokens";
DROP TABLE "kpi_alert_channels";
DROP TABLE "kpi_measurements";
DROP TABLE "kpis";
ALTER TABLE "key_results" DROP COLUMN "kpi_id";
