-- +goose Up
-- A workspace always has a team id: an empty one would pool the data of
-- every workspace whose requests were read wrong. NOT VALID leaves rows
-- written before alone and holds every new or changed row to it.
ALTER TABLE "workspaces" ADD CONSTRAINT "chk_workspaces_team_id" CHECK ("team_id" <> '') NOT VALID;
ALTER TABLE "workspaces" ADD "purged_at" timestamptz;
ALTER TABLE "installations" ADD "revoked_reason" text NOT NULL DEFAULT '';
ALTER TABLE "installations" ADD "refresh_holder" text NOT NULL DEFAULT '';
ALTER TABLE "installations" ADD "refresh_until" timestamptz;
ALTER TABLE "installations" ADD "refresh_failures" bigint NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE "installations" DROP COLUMN "refresh_failures";
ALTER TABLE "installations" DROP COLUMN "refresh_until";
ALTER TABLE "installations" DROP COLUMN "refresh_holder";
ALTER TABLE "installations" DROP COLUMN "revoked_reason";
ALTER TABLE "workspaces" DROP COLUMN "purged_at";
ALTER TABLE "workspaces" DROP CONSTRAINT "chk_workspaces_team_id";
