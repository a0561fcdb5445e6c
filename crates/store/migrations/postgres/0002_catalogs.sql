-- Versions of the control criteria (管理基準). Each version is one JSON document
-- (kasumi-ismap's Catalog): read whole, written whole, so an import or an edit
-- is all-or-nothing. `revision` grows with each edit and keys the search cache.
CREATE TABLE catalog_versions (
    id          TEXT PRIMARY KEY,
    title_ja    TEXT NOT NULL,
    title_en    TEXT NOT NULL,
    issued      TEXT NOT NULL,
    sample      BOOLEAN NOT NULL DEFAULT FALSE,
    item_count  BIGINT NOT NULL,
    revision    BIGINT NOT NULL,
    doc         TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
