-- Version 2: backfill and sweep. Each meeting records how it reached
-- rollcall (webhook, sweep or backfill; every earlier one by webhook), and
-- every sweep and backfill leaves a coverage run. The types are GORM's.

-- +goose Up
ALTER TABLE `meetings` ADD COLUMN `arrived_via` text NOT NULL DEFAULT "webhook";
CREATE INDEX `idx_meetings_arrived_via` ON `meetings`(`arrived_via`);

CREATE TABLE `coverage_runs` (
    `id` integer PRIMARY KEY AUTOINCREMENT,
    `kind` text NOT NULL,
    `dry_run` numeric NOT NULL DEFAULT false,
    `started_at` datetime NOT NULL,
    `finished_at` datetime NOT NULL,
    `window_from` datetime NOT NULL,
    `window_to` datetime NOT NULL,
    `lister` text,
    `found` integer NOT NULL DEFAULT 0,
    `already_stored` integer NOT NULL DEFAULT 0,
    `queued` integer NOT NULL DEFAULT 0,
    `refused` integer NOT NULL DEFAULT 0,
    `errors` text
);
CREATE INDEX `idx_coverage_runs_started_at` ON `coverage_runs`(`started_at`);
