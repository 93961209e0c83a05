-- Version 5: who was expected, and who is who. A series' roster (its last
-- upload recorded beside it), each instance's approved registrants (and
-- how their last fetch went), identity links between person keys, and the
-- name-only suggestions an admin dismissed. The types are GORM's.

-- +goose Up
CREATE TABLE "roster_entries" (
    "id" bigserial,
    "meeting_number" bigint NOT NULL,
    "line" bigint NOT NULL,
    "email" varchar(254),
    "name" varchar(200),
    "external_id" varchar(200),
    "group_name" varchar(200),
    PRIMARY KEY ("id")
);
CREATE INDEX "idx_roster_entries_meeting_number" ON "roster_entries" ("meeting_number");

CREATE TABLE "roster_uploads" (
    "meeting_number" bigint,
    "uploaded_by" varchar(320) NOT NULL,
    "uploaded_at" timestamptz NOT NULL,
    "taken" bigint NOT NULL DEFAULT 0,
    "replaced" boolean NOT NULL DEFAULT false,
    "refusals" text,
    PRIMARY KEY ("meeting_number")
);

CREATE TABLE "registrants" (
    "id" bigserial,
    "meeting_id" bigint NOT NULL,
    "registrant_id" text NOT NULL,
    "email" text,
    "name" text,
    PRIMARY KEY ("id")
);
CREATE INDEX "idx_registrants_meeting_id" ON "registrants" ("meeting_id");
CREATE INDEX "idx_registrants_registrant_id" ON "registrants" ("registrant_id");
CREATE INDEX "idx_registrants_email" ON "registrants" ("email");

CREATE TABLE "registrant_fetches" (
    "meeting_id" bigint,
    "fetched_at" timestamptz NOT NULL,
    "count" bigint NOT NULL DEFAULT 0,
    "error" text,
    PRIMARY KEY ("meeting_id")
);

CREATE TABLE "identity_links" (
    "id" bigserial,
    "from_key" text NOT NULL,
    "into_key" text NOT NULL,
    "created_by" varchar(320) NOT NULL,
    "created_at" timestamptz NOT NULL,
    PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "idx_identity_links_from_key" ON "identity_links" ("from_key");
CREATE INDEX "idx_identity_links_into_key" ON "identity_links" ("into_key");

CREATE TABLE "dismissed_suggestions" (
    "id" bigserial,
    "from_key" text NOT NULL,
    "into_key" text NOT NULL,
    "dismissed_by" varchar(320) NOT NULL,
    "dismissed_at" timestamptz NOT NULL,
    PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "idx_dismissed_suggestions_pair" ON "dismissed_suggestions" ("from_key","into_key");
