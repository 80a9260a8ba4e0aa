-- +goose Up
CREATE TABLE "grading_deliveries" ("id" bigserial,"workspace_id" bigint NOT NULL,"objective_id" bigint NOT NULL,"step" bigint NOT NULL,"occurrence" timestamptz NOT NULL,"user_id" bigint NOT NULL,"claimed_until" timestamptz,"attempts" bigint NOT NULL DEFAULT 0,"done_at" timestamptz,"note" text NOT NULL DEFAULT '',"conversation" text NOT NULL DEFAULT '',"message_id" text NOT NULL DEFAULT '',"created_at" timestamptz,PRIMARY KEY ("id"));
CREATE INDEX IF NOT EXISTS "idx_grading_deliveries_done_at" ON "grading_deliveries" ("done_at");
CREATE UNIQUE INDEX IF NOT EXISTS "idx_grading_deliveries_key" ON "grading_deliveries" ("objective_id","step","occurrence");
CREATE INDEX IF NOT EXISTS "idx_grading_deliveries_workspace_id" ON "grading_deliveries" ("workspace_id");

-- +goose Down
DROP TABLE "grading_deliveries";
