-- +goose Up
ALTER TABLE "workspaces" ADD "org" text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE "workspaces" DROP COLUMN "org";
