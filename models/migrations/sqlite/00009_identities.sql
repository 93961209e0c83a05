-- Version 9: single sign-on. A user may sign in several ways (password,
-- an OpenID Connect subject, a Zoom user id), each an identity with its
-- last sign-in; a sign-in under way at a provider keeps its state, nonce
-- and PKCE verifier until the callback uses them once. The types are GORM's.

-- +goose Up
CREATE TABLE `identities` (
    `id` integer PRIMARY KEY AUTOINCREMENT,
    `user_id` integer NOT NULL,
    `provider` text NOT NULL,
    `subject` text NOT NULL,
    `email` text,
    `created_at` datetime,
    `last_sign_in_at` datetime
);
CREATE INDEX `idx_identities_user_id` ON `identities`(`user_id`);
CREATE UNIQUE INDEX `idx_identities_provider_subject` ON `identities`(`provider`,`subject`);

CREATE TABLE `sso_states` (
    `id` integer PRIMARY KEY AUTOINCREMENT,
    `state_hash` text NOT NULL,
    `provider` text NOT NULL,
    `nonce` text NOT NULL,
    `verifier` text NOT NULL,
    `next` text NOT NULL,
    `expires_at` datetime NOT NULL
);
CREATE UNIQUE INDEX `idx_sso_states_state_hash` ON `sso_states`(`state_hash`);
CREATE INDEX `idx_sso_states_expires_at` ON `sso_states`(`expires_at`);
