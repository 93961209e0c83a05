-- Version 7: outbound webhooks. The endpoints an admin registers at
-- /admin/webhooks, and one row per event sent to one endpoint with the
-- outcome of its latest attempt (the delivery log). The types are GORM's.

-- +goose Up
CREATE TABLE `webhook_endpoints` (
    `id` integer PRIMARY KEY AUTOINCREMENT,
    `url` text NOT NULL,
    `secret` text NOT NULL,
    `enabled` numeric NOT NULL DEFAULT true,
    `disabled_reason` text,
    `created_at` datetime,
    `updated_at` datetime
);

CREATE TABLE `webhook_deliveries` (
    `id` integer PRIMARY KEY AUTOINCREMENT,
    `endpoint_id` integer NOT NULL,
    `message_id` text NOT NULL,
    `event_type` text NOT NULL,
    `meeting_id` integer NOT NULL,
    `payload` text NOT NULL,
    `state` text NOT NULL DEFAULT "pending",
    `attempts` integer NOT NULL DEFAULT 0,
    `last_code` integer NOT NULL DEFAULT 0,
    `last_error` text,
    `last_at` datetime,
    `created_at` datetime NOT NULL
);
CREATE INDEX `idx_webhook_deliveries_endpoint` ON `webhook_deliveries`(`endpoint_id`,`created_at`);
