-- +goose Up
ALTER TABLE "grading_deliveries" ADD "redraw_pending" boolean NOT NULL DEFAULT false;
ALTER TABLE "grading_deliveries" ADD "redraw_until" timestamptz;
ALTER TABLE "grading_deliveries" ADD "redraw_attempts" bigint NOT NULL DEFAULT 0;
ALTER TABLE "grading_deliveries" ADD "deferred_at" timestamptz;
CREATE INDEX IF NOT EXISTS "idx_grading_deliveries_redraw_pending" ON "grading_deliveries" ("redraw_pending");

-- +goose Down
DROP INDEX IF EXISTS "idx_grading_deliveries_redraw_pending";
ALTER TABLE "grading_deliveries" DROP COLUMN "deferred_at";
ALTER TABLE "grading_deliveries" DROP COLUMN "redraw_attempts";
ALTER TABLE "grading_deliveries" DROP COLUMN "redraw_until";
ALTER TABLE "grading_deliveries" DROP COLUMN "redraw_pending";
