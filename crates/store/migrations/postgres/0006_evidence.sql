-- Audit evidence files (証跡) kept beside the engagement that references them by
-- SHA-256; written in the same transaction as the result that names them.
CREATE TABLE evidence_files (
    engagement_id  BIGINT NOT NULL,
    sha256         TEXT NOT NULL,
    name           TEXT NOT NULL,
    size           BIGINT NOT NULL,
    bytes          BYTEA NOT NULL,
    stored_at      BIGINT NOT NULL,
    PRIMARY KEY (engagement_id, sha256)
);
