-- Version 10: webhook events are unique by (event_ts, dedup_key) instead
-- of dedup_key alone. The key is a hash that already covers event_ts, so
-- the rule is the same; ordering the index by time first makes the
-- events of one moment share a few index pages, where a bare hash sent
-- every insert to a different page (half of intake's write time at the
-- top of the hour). The index on received_at goes: no query reads by it,
-- and every event paid for writing it.

-- +goose Up
CREATE UNIQUE INDEX "idx_webhook_events_ts_key" ON "webhook_events" ("event_ts","dedup_key");
DROP INDEX "idx_webhook_events_dedup_key";
DROP INDEX "idx_webhook_events_received_at";
