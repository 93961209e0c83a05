-- Version 2: backfill and sweep. Each meeting records how it reached
-- rollcall (webhook, sweep or backfill; every earlier one by webhook), and
-- every sweep and backfill leaves a coverage run. The types are GORM's.

-- +goose Up
ALTER TABLE "meetings" ADD COLUMN "arrived_via" varchar(16) NOT NULL DEFAULT 'webhook';
CREATE INDEX "idx_meetings_arrived_via" ON "meetings" ("arrived_via");

CREATE TABLE "coverage_runs" (
    "id" bigserial,
    "kind" varchar(16) NOT NULL,
    "dry_run" boolean NOT NULL DEFAULT false,
    "started_at" timestamptz NOT NULL,
    "finished_at" timestamptz NOT NULL,
    "window_from" timestamptz NOT NULL,
    "window_to" timestamptz NOT NULL,
    "lister" varchar(16),
    "found" bigint NOT NULL DEFAULT 0,
    "already_stored" bigint NOT NULL DEFAULT 0,
    "queued" bigint NOT NULL DEFAULT 0,
    "refused" bigint NOT NULL DEFAULT 0,
    "errors" text,
    PRIMARY KEY ("id")
);
CREATE INDEX "idx_coverage_runs_started_at" ON "coverage_runs" ("started_at");
