-- Files kept beside the registry record that references them by SHA-256
-- (an engagement's evidence 証跡, an application's attachments); written in
-- the same transaction as the state that names them.
CREATE TABLE registry_files (
    subject_kind   TEXT NOT NULL,
    subject_id     INTEGER NOT NULL,
    sha256         TEXT NOT NULL,
    name           TEXT NOT NULL,
    size           INTEGER NOT NULL,
    bytes          BLOB NOT NULL,
    stored_at      INTEGER NOT NULL,
    PRIMARY KEY (subject_kind, subject_id, sha256)
);
