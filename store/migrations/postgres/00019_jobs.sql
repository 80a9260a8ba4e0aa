-- +goose Up
-- One table for every kind of background work: the job engine's.
CREATE TABLE "jobs" ("id" bigserial,"kind" text NOT NULL,"workspace_id" bigint NOT NULL,"unique_key" text NOT NULL,"args" text NOT NULL DEFAULT '{}',"state" text NOT NULL,"attempt" bigint NOT NULL DEFAULT 0,"run_at" timestamptz NOT NULL,"locked_by" text NOT NULL DEFAULT '',"locked_until" timestamptz,"last_error" text NOT NULL DEFAULT '',"note" text NOT NULL DEFAULT '',"created_at" timestamptz,"finished_at" timestamptz,PRIMARY KEY ("id"));
CREATE INDEX IF NOT EXISTS "idx_jobs_workspace_id" ON "jobs" ("workspace_id");
CREATE INDEX IF NOT EXISTS "idx_jobs_due" ON "jobs" ("state","kind","run_at");
CREATE UNIQUE INDEX IF NOT EXISTS "idx_jobs_key" ON "jobs" ("kind","unique_key");
CREATE TRIGGER "purged_workspace_jobs" BEFORE INSERT ON "jobs" FOR EACH ROW EXECUTE FUNCTION "okrbot_refuse_purged_workspace"();

-- +goose Down
DROP TABLE "jobs";
