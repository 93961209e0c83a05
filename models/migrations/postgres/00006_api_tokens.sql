-- Version 6: bearer tokens for the JSON API (/api/v1). Only each token's
-- SHA-256 is stored; a token dies with its user. The types are GORM's.

-- +goose Up
CREATE TABLE "api_tokens" (
    "id" bigserial,
    "user_id" bigint NOT NULL,
    "name" varchar(100) NOT NULL,
    "token_hash" varchar(64) NOT NULL,
    "expires_at" timestamptz,
    "last_used_at" timestamptz,
    "created_at" timestamptz,
    PRIMARY KEY ("id"),
    CONSTRAINT "fk_api_tokens_user" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE
);
CREATE UNIQUE INDEX "idx_api_tokens_token_hash" ON "api_tokens" ("token_hash");
CREATE INDEX "idx_api_tokens_user_id" ON "api_tokens" ("user_id");
