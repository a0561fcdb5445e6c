-- Audit evidence files (証跡) kept beside the engagement that references them by
-- SHA-256; written in the same transaction as the result that names them.
CREATE TABLE evidence_files (
    engagement_id  INTEGER NOT NULL,
    sha256         TEXT NOT NULL,
    name           TEXT NOT NULL,
    size           INTEGER NOT NULL,
    bytes          BLOB NOT NULL,
    stored_at      INTEGER NOT NULL,
    PRIMARY KEY (engagement_id, sha256)
);
