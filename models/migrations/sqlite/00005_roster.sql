-- Version 5: who was expected, and who is who. A series' roster (its last
-- upload recorded beside it), each instance's approved registrants (and
-- how their last fetch went), identity links between person keys, and the
-- name-only suggestions an admin dismissed. The types are GORM's.

-- +goose Up
CREATE TABLE `roster_entries` (`id` integer PRIMARY KEY AUTOINCREMENT,`meeting_number` integer NOT NULL,`line` integer NOT NULL,`email` text,`name` text,`external_id` text,`group_name` text);
CREATE INDEX `idx_roster_entries_meeting_number` ON `roster_entries`(`meeting_number`);

CREATE TABLE `roster_uploads` (`meeting_number` integer,`uploaded_by` text NOT NULL,`uploaded_at` datetime NOT NULL,`taken` integer NOT NULL DEFAULT 0,`replaced` numeric NOT NULL DEFAULT false,`refusals` text,PRIMARY KEY (`meeting_number`));

CREATE TABLE `registrants` (`id` integer PRIMARY KEY AUTOINCREMENT,`meeting_id` integer NOT NULL,`registrant_id` text NOT NULL,`email` text,`name` text);
CREATE INDEX `idx_registrants_meeting_id` ON `registrants`(`meeting_id`);
CREATE INDEX `idx_registrants_registrant_id` ON `registrants`(`registrant_id`);
CREATE INDEX `idx_registrants_email` ON `registrants`(`email`);

CREATE TABLE `registrant_fetches` (`meeting_id` integer,`fetched_at` datetime NOT NULL,`count` integer NOT NULL DEFAULT 0,`error` text,PRIMARY KEY (`meeting_id`));

CREATE TABLE `identity_links` (`id` integer PRIMARY KEY AUTOINCREMENT,`from_key` text NOT NULL,`into_key` text NOT NULL,`created_by` text NOT NULL,`created_at` datetime NOT NULL);
CREATE UNIQUE INDEX `idx_identity_links_from_key` ON `identity_links`(`from_key`);
CREATE INDEX `idx_identity_links_into_key` ON `identity_links`(`into_key`);

CREATE TABLE `dismissed_suggestions` (`id` integer PRIMARY KEY AUTOINCREMENT,`from_key` text NOT NULL,`into_key` text NOT NULL,`dismissed_by` text NOT NULL,`dismissed_at` datetime NOT NULL);
CREATE UNIQUE INDEX `idx_dismissed_suggestions_pair` ON `dismissed_suggestions`(`from_key`,`into_key`);
