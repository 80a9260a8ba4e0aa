-- +goose Up
CREATE TABLE "workspaces" ("id" bigserial,"platform" text NOT NULL,"team_id" text NOT NULL,"last_number" bigint NOT NULL DEFAULT 0,"created_at" timestamptz,PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "idx_workspaces_platform_team" ON "workspaces" ("platform","team_id");

CREATE TABLE "users" ("id" bigserial,"workspace_id" bigint NOT NULL,"platform_id" text NOT NULL,"name" text NOT NULL DEFAULT '',"tz" text NOT NULL DEFAULT '',"is_admin" boolean NOT NULL DEFAULT false,"created_at" timestamptz,"updated_at" timestamptz,PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "idx_users_workspace_platform" ON "users" ("workspace_id","platform_id");

CREATE TABLE "teams" ("id" bigserial,"workspace_id" bigint NOT NULL,"name" text NOT NULL,"parent_id" bigint,"created_at" timestamptz,PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "idx_teams_workspace_name" ON "teams" ("workspace_id","name");

CREATE TABLE "periods" ("id" bigserial,"workspace_id" bigint NOT NULL,"name" text NOT NULL,"starts_at" timestamptz NOT NULL,"ends_at" timestamptz NOT NULL,PRIMARY KEY ("id"));
CREATE UNIQUE INDEX "idx_periods_workspace_name" ON "periods" ("workspace_id","name");

CREATE TABLE "objectives" ("id" bigserial,"workspace_id" bigint NOT NULL,"number" bigint NOT NULL,"title" text NOT NULL,"description" text NOT NULL DEFAULT '',"owner_id" bigint NOT NULL,"team_id" bigint,"parent_id" bigint,"period_id" bigint NOT NULL,"status" text NOT NULL DEFAULT 'active',"final_score" decimal,"created_at" timestamptz,"updated_at" timestamptz,PRIMARY KEY ("id"),CONSTRAINT "fk_objectives_owner" FOREIGN KEY ("owner_id") REFERENCES "users"("id"),CONSTRAINT "fk_objectives_team" FOREIGN KEY ("team_id") REFERENCES "teams"("id"),CONSTRAINT "fk_objectives_period" FOREIGN KEY ("period_id") REFERENCES "periods"("id"));
CREATE INDEX "idx_objectives_period_id" ON "objectives" ("period_id");
CREATE INDEX "idx_objectives_parent_id" ON "objectives" ("parent_id");
CREATE INDEX "idx_objectives_team_id" ON "objectives" ("team_id");
CREATE UNIQUE INDEX "idx_objectives_workspace_number" ON "objectives" ("workspace_id","number");

CREATE TABLE "key_results" ("id" bigserial,"workspace_id" bigint NOT NULL,"number" bigint NOT NULL,"objective_id" bigint NOT NULL,"position" bigint NOT NULL,"title" text NOT NULL,"owner_id" bigint,"kind" text,"start" decimal,"target" decimal,"current" decimal,"unit" text,"weight" decimal NOT NULL DEFAULT 1,"created_at" timestamptz,"updated_at" timestamptz,PRIMARY KEY ("id"),CONSTRAINT "fk_key_results_owner" FOREIGN KEY ("owner_id") REFERENCES "users"("id"),CONSTRAINT "fk_objectives_key_results" FOREIGN KEY ("objective_id") REFERENCES "objectives"("id") ON DELETE CASCADE);
CREATE INDEX "idx_key_results_owner_id" ON "key_results" ("owner_id");
CREATE INDEX "idx_key_results_objective_id" ON "key_results" ("objective_id");
CREATE UNIQUE INDEX "idx_key_results_workspace_number" ON "key_results" ("workspace_id","number");

CREATE TABLE "check_ins" ("id" bigserial,"workspace_id" bigint NOT NULL,"key_result_id" bigint NOT NULL,"author_id" bigint NOT NULL,"value" decimal NOT NULL,"confidence" text NOT NULL,"comment" text NOT NULL DEFAULT '',"created_at" timestamptz NOT NULL,PRIMARY KEY ("id"));
CREATE INDEX "idx_check_ins_key_result_created" ON "check_ins" ("key_result_id","created_at");

-- +goose Down
DROP TABLE "check_ins";
DROP TABLE "key_results";
DROP TABLE "objectives";
DROP TABLE "periods";
DROP TABLE "teams";
DROP TABLE "users";
DROP TABLE "workspaces";
