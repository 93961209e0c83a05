-- Version 9: single sign-on. A user may sign in several ways (password,
-- an OpenID Connect subject, a Zoom user id), each an identity with its
-- last sign-in; a sign-in under way at a provider keeps its state, nonce
-- and PKCE verifier until the callback uses them once. The types are GORM's.

-- +goose Up
CREATE TABLE "identities" (
    "id" bigserial,
    "user_id" bigint NOT NULL,
    "provider" varchar(16) NOT NULL,
    "subject" varchar(255) NOT NULL,
    "email" varchar(320),
    "created_at" timestamptz,
    "last_sign_in_at" timestamptz,
    PRIMARY KEY ("id")
);
CREATE INDEX "idx_identities_user_id" ON "identities" ("user_id");
CREATE UNIQUE INDEX "idx_identities_provider_subject" ON "identities" ("provider","subject");

CREATE TABLE "sso_states" (
    "id" bigserial,
    "state_hash" varchar(64) NOT NULL,
    "provider" varchar(16) NOT NULL,
    "nonce" varchar(64) NOT NULL,
    "verifier" varchar(128) NOT NULL,
    "next" varchar(2048) NOT NULL,
    "expires_at" timestamptz NOT NULL,
    PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "idx_sso_states_state_hash" ON "sso_states" ("state_hash");
CREATE INDEX "idx_sso_states_expires_at" ON "sso_states" ("expires_at");
