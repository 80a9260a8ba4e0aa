-- +goose Up
CREATE TABLE "reminder_schedules" ("id" bigserial,"workspace_id" bigint NOT NULL,"team_id" bigint NOT NULL DEFAULT 0,"weekday" bigint NOT NULL,"minute" bigint NOT NULL,"every_weeks" bigint NOT NULL DEFAULT 1,"channel" text NOT NULL DEFAULT '',"set_by_id" bigint NOT NULL DEFAULT 0,"created_at" timestamptz,"updated_at" timestamptz,PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "idx_reminder_schedules_workspace_team" ON "reminder_schedules" ("workspace_id","team_id");
CREATE TABLE "reminder_people" ("id" bigserial,"workspace_id" bigint NOT NULL,"user_id" bigint NOT NULL,"status" text NOT NULL DEFAULT 'on',"schedule_id" bigint NOT NULL DEFAULT 0,"tz" text NOT NULL DEFAULT '',"next_at" timestamptz,"paused_until" timestamptz,"created_at" timestamptz,"updated_at" timestamptz,PRIMARY KEY ("id"));
CREATE INDEX "idx_reminder_people_next_at" ON "reminder_people" ("next_at");
CREATE UNIQUE INDEX "idx_reminder_people_user_id" ON "reminder_people" ("user_id");
CREATE TABLE "reminder_deliveries" ("id" bigserial,"workspace_id" bigint NOT NULL,"schedule_id" bigint NOT NULL,"occurrence" timestamptz NOT NULL,"user_id" bigint NOT NULL,"state" text NOT NULL,"note" text NOT NULL DEFAULT '',"attempts" bigint NOT NULL DEFAULT 0,"claimed_until" timestamptz,"channel" text NOT NULL DEFAULT '',"ts" text NOT NULL DEFAULT '',"sent_at" timestamptz,"nudge_at" timestamptz,"nudged_at" timestamptz,"checked_in_at" timestamptz,"update_pending" boolean NOT NULL DEFAULT false,"thread_posted_at" timestamptz,"created_at" timestamptz,PRIMARY KEY ("id"));
CREATE INDEX "idx_reminder_deliveries_update_pending" ON "reminder_deliveries" ("update_pending");
CREATE INDEX "idx_reminder_deliveries_nudge_at" ON "reminder_deliveries" ("nudge_at");
CREATE INDEX "idx_reminder_deliveries_state" ON "reminder_deliveries" ("state");
CREATE UNIQUE INDEX "idx_reminder_deliveries_key" ON "reminder_deliveries" ("schedule_id","occurrence","user_id");
CREATE TABLE "reminder_threads" ("id" bigserial,"schedule_id" bigint NOT NULL,"week" text NOT NULL,"channel" text NOT NULL,"ts" text NOT NULL DEFAULT '',"claimed_until" timestamptz,"created_at" timestamptz,PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "idx_reminder_threads_schedule_week" ON "reminder_threads" ("schedule_id","week");

-- +goose Down
DROP TABLE "reminder_threads";
DROP TABLE "reminder_deliveries";
DROP TABLE "reminder_people";
DROP TABLE "reminder_schedules";
