-- Version 8: each meeting keeps the distinct top-level keys of its
-- segments' raw Zoom rows (a JSON array), written with the segments, so
-- that sessions.csv knows its columns without reading every row first.
-- NULL (every meeting stored before this version) means "not known": the
-- export computes the set from the rows, as it did before.

-- +goose Up
ALTER TABLE "meetings" ADD COLUMN "raw_keys" text;
