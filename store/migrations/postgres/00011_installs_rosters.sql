-- +goose Up
CREATE TABLE "app_installs" ("id" bigserial,"workspace_id" bigint NOT NULL,"kind" text NOT NULL,"platform_id" text NOT NULL,"channel" text NOT NULL DEFAULT '',"ref" text NOT NULL DEFAULT '',"active" boolean NOT NULL DEFAULT true,"welcomed_at" timestamptz,"created_at" timestamptz,"updated_at" timestamptz,PRIMARY KEY ("id"));
CREATE UNIQUE INDEX IF NOT EXISTS "idx_app_installs_key" ON "app_installs" ("workspace_id","kind","platform_id");
CREATE TABLE "roster_members" ("id" bigserial,"workspace_id" bigint NOT NULL,"team" text NOT NULL,"platform_id" text NOT NULL,"member_id" text NOT NULL DEFAULT '',"name" text NOT NULL DEFAULT '',"email" text NOT NULL DEFAULT '',"tenant" text NOT NULL DEFAULT '',"updated_at" timestamptz,PRIMARY KEY ("id"));
CREATE UNIQUE INDEX IF NOT EXISTS "idx_roster_members_key" ON "roster_members" ("workspace_id","team","platform_id");

-- +goose Down
DROP TABLE "roster_members";
DROP TABLE "app_installs";
