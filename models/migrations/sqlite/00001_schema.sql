-- Version 1: rollcall's schema as GORM's AutoMigrate made it before
-- migrations were versioned, statement for statement (so a database made that
-- way is adopted as version 1 unchanged; TestMigrationsMatchModels compares
-- the two). SQLite keeps each statement's text in sqlite_master; the types and
-- the double-quoted "pending" default are GORM's.

-- +goose Up
CREATE TABLE `meetings` (
    `id` integer PRIMARY KEY AUTOINCREMENT,
    `uuid` text NOT NULL,
    `meeting_number` integer NOT NULL,
    `webinar` numeric NOT NULL DEFAULT false,
    `topic` text,
    `host_id` text,
    `host_name` text,
    `host_email` text,
    `type` integer,
    `start_time` datetime NOT NULL,
    `end_time` datetime,
    `timezone` text,
    `account_id` text,
    `fetch_status` text NOT NULL DEFAULT "pending",
    `fetch_attempts` integer NOT NULL DEFAULT 0,
    `last_error` text,
    `source` text,
    `fetched_at` datetime,
    `people` integer NOT NULL DEFAULT 0,
    `segment_count` integer NOT NULL DEFAULT 0,
    `created_at` datetime,
    `updated_at` datetime
);
CREATE UNIQUE INDEX `idx_meetings_uuid` ON `meetings`(`uuid`);
CREATE INDEX `idx_meetings_meeting_number` ON `meetings`(`meeting_number`);
CREATE INDEX `idx_meetings_start_time` ON `meetings`(`start_time`);
CREATE INDEX `idx_meetings_status_updated` ON `meetings`(`fetch_status`,`updated_at`);

CREATE TABLE `segments` (
    `id` integer PRIMARY KEY AUTOINCREMENT,
    `meeting_id` integer NOT NULL,
    `seq` integer NOT NULL,
    `source` text NOT NULL,
    `person_key` text NOT NULL,
    `participant_id` text,
    `user_id` text,
    `participant_uuid` text,
    `participant_user_id` text,
    `registrant_id` text,
    `customer_key` text,
    `name` text,
    `email` text,
    `join_time` datetime NOT NULL,
    `leave_time` datetime,
    `leave_reason` text,
    `status` text,
    `role` text,
    `device` text,
    `os` text,
    `location` text,
    `ip_address` text,
    `raw` text NOT NULL
);
CREATE INDEX `idx_segments_meeting_join` ON `segments`(`meeting_id`,`join_time`);
CREATE INDEX `idx_segments_person_key` ON `segments`(`person_key`);

CREATE TABLE `webhook_events` (
    `id` integer PRIMARY KEY AUTOINCREMENT,
    `dedup_key` text NOT NULL,
    `event` text NOT NULL,
    `meeting_uuid` text,
    `event_ts` integer NOT NULL,
    `received_at` datetime NOT NULL,
    `deliveries` integer NOT NULL DEFAULT 1,
    `body` text NOT NULL
);
CREATE UNIQUE INDEX `idx_webhook_events_dedup_key` ON `webhook_events`(`dedup_key`);
CREATE INDEX `idx_webhook_events_meeting_uuid` ON `webhook_events`(`meeting_uuid`);
CREATE INDEX `idx_webhook_events_received_at` ON `webhook_events`(`received_at`);

CREATE TABLE `users` (
    `id` integer PRIMARY KEY AUTOINCREMENT,
    `email` text NOT NULL,
    `role` text NOT NULL,
    `password_hash` text NOT NULL,
    `timezone` text,
    `created_at` datetime,
    `updated_at` datetime
);
CREATE UNIQUE INDEX `idx_users_email` ON `users`(`email`);

CREATE TABLE `sessions` (
    `id` integer PRIMARY KEY AUTOINCREMENT,
    `token_hash` text NOT NULL,
    `user_id` integer NOT NULL,
    `expires_at` datetime NOT NULL,
    `created_at` datetime,
    `last_seen` datetime,
    CONSTRAINT `fk_sessions_user` FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON DELETE CASCADE
);
CREATE UNIQUE INDEX `idx_sessions_token_hash` ON `sessions`(`token_hash`);
CREATE INDEX `idx_sessions_user_id` ON `sessions`(`user_id`);
CREATE INDEX `idx_sessions_expires_at` ON `sessions`(`expires_at`);
