-- Version 4: a webinar's practice session is marked as such (Zoom's
-- webinar.ended says practice_session: true). The types are GORM's.

-- +goose Up
ALTER TABLE `meetings` ADD COLUMN `practice_session` numeric NOT NULL DEFAULT false;
