-- +goose Up
CREATE TABLE "installations" ("id" bigserial,"team_id" text NOT NULL DEFAULT '',"enterprise_id" text NOT NULL DEFAULT '',"team_name" text NOT NULL DEFAULT '',"enterprise_name" text NOT NULL DEFAULT '',"is_enterprise_install" boolean NOT NULL DEFAULT false,"bot_user_id" text NOT NULL DEFAULT '',"bot_token" text NOT NULL DEFAULT '',"refresh_token" text NOT NULL DEFAULT '',"expires_at" timestamptz,"scopes" text NOT NULL DEFAULT '',"installer_id" text NOT NULL DEFAULT '',"installed_at" timestamptz NOT NULL,"updated_at" timestamptz,"revoked_at" timestamptz,PRIMARY KEY ("id"));
CREATE UNIQUE INDEX IF NOT EXISTS "idx_installations_team_enterprise" ON "installations" ("team_id","enterprise_id");

CREATE TABLE "oauth_states" ("hash" text,"expires_at" timestamptz NOT NULL,PRIMARY KEY ("hash"));
CREATE INDEX IF NOT EXISTS "idx_oauth_states_expires_at" ON "oauth_states" ("expires_at");

-- +goose Down
DROP TABLE "oauth_states";
DROP TABLE "installations";
