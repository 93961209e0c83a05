-- Version 7: outbound webhooks. The endpoints an admin registers at
-- /admin/webhooks, and one row per event sent to one endpoint with the
-- outcome of its latest attempt (the delivery log). The types are GORM's.

-- +goose Up
CREATE TABLE "webhook_endpoints" (
    "id" bigserial,
    "url" text NOT NULL,
    "secret" text NOT NULL,
    "enabled" boolean NOT NULL DEFAULT true,
    "disabled_reason" text,
    "created_at" timestamptz,
    "updated_at" timestamptz,
    PRIMARY KEY ("id")
);

CREATE TABLE "webhook_deliveries" (
    "id" bigserial,
    "endpoint_id" bigint NOT NULL,
    "message_id" varchar(64) NOT NULL,
    "event_type" varchar(64) NOT NULL,
    "meeting_id" bigint NOT NULL,
    "payload" text NOT NULL,
    "state" varchar(16) NOT NULL DEFAULT 'pending',
    "attempts" bigint NOT NULL DEFAULT 0,
    "last_code" bigint NOT NULL DEFAULT 0,
    "last_error" text,
    "last_at" timestamptz,
    "created_at" timestamptz NOT NULL,
    PRIMARY KEY ("id")
);
CREATE INDEX "idx_webhook_deliveries_endpoint" ON "webhook_deliveries" ("endpoint_id","created_at");
