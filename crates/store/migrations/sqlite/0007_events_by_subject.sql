-- A record's history (an application's, an engagement's) is read by its
-- subject; without this index every page of one walked all registry events.
CREATE INDEX registry_events_by_subject ON registry_events (subject_kind, subject_id, seq);
