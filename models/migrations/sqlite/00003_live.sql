-- Version 3: live participant events. Each participant event Zoom posts
-- (joined, left, waiting room, breakout, and the webinar twins) is one row,
-- unique on (meeting uuid, participant key, event, event time), from which
-- a live meeting's attendance is built. The types are GORM's.

-- +goose Up
CREATE TABLE `participant_events` (
    `id` integer PRIMARY KEY AUTOINCREMENT,
    `meeting_uuid` text NOT NULL,
    `participant_key` text NOT NULL,
    `event` text NOT NULL,
    `event_time` datetime NOT NULL,
    `participant_uuid` text,
    `user_id` text,
    `participant_id` text,
    `participant_user_id` text,
    `registrant_id` text,
    `customer_key` text,
    `name` text,
    `email` text,
    `leave_reason` text,
    `received_at` datetime NOT NULL
);
CREATE UNIQUE INDEX `idx_participant_events_dedup` ON `participant_events`(`meeting_uuid`,`participant_key`,`event`,`event_time`);
