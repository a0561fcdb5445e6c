-- ISMAP lifecycle records (services, statements, firms, engagements, applications,
-- registrations, change notices, incidents, impact assessments) as JSON documents
-- owned by kasumi-lifecycle, each with a revision for optimistic concurrency.
CREATE TABLE registry_records (
    kind        TEXT NOT NULL,
    id          BIGINT NOT NULL,
    owner_org   BIGINT,
    revision    BIGINT NOT NULL,
    body        TEXT NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (kind, id)
);

-- The last id handed out per kind.
CREATE TABLE registry_ids (
    kind  TEXT PRIMARY KEY,
    last  BIGINT NOT NULL
);

-- The events the lifecycle transitions produced; those with a service_id carry
-- a public remark (備考) for that service's list entry.
CREATE TABLE registry_events (
    seq           BIGSERIAL PRIMARY KEY,
    at            BIGINT NOT NULL,
    key           TEXT NOT NULL,
    subject_kind  TEXT NOT NULL,
    subject_id    BIGINT NOT NULL,
    service_id    BIGINT,
    body          TEXT NOT NULL
);
CREATE INDEX registry_events_by_service ON registry_events (service_id, seq);
