-- +goose Up
ALTER TABLE "digest_subscriptions" ADD "next_run_at" timestamptz;
CREATE INDEX IF NOT EXISTS "idx_digest_subscriptions_next_run_at" ON "digest_subscriptions" ("next_run_at");

CREATE TABLE "digest_deliveries" ("id" bigserial,"workspace_id" bigint NOT NULL,"subscription_id" bigint NOT NULL,"occurrence" timestamptz NOT NULL,"claimed_until" timestamptz,"attempts" bigint NOT NULL DEFAULT 0,"done_at" timestamptz,"note" text NOT NULL DEFAULT '',"created_at" timestamptz,PRIMARY KEY ("id"));
CREATE INDEX IF NOT EXISTS "idx_digest_deliveries_done_at" ON "digest_deliveries" ("done_at");
CREATE UNIQUE INDEX IF NOT EXISTS "idx_digest_deliveries_key" ON "digest_deliveries" ("subscription_id","occurrence");

-- +goose Down
DROP TABLE "digest_deliveries";
ALTER TABLE "digest_subscriptions" DROP COLUMN "next_run_at";
