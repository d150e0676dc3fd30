-- Documents generated for a case (文书): the PDF itself is in the row — a
-- notice is a few kilobytes — so it commits with its timeline event and
-- needs no shared disk between servers. Versions count per case and kind;
-- source_event_id is the event a document was generated for, so that a
-- retried job finds what it stored.
CREATE TABLE case_documents (
    id              INTEGER PRIMARY KEY,
    case_id         BIGINT NOT NULL REFERENCES cases (id),
    kind            VARCHAR(40) NOT NULL,
    title           TEXT NOT NULL,
    version         INTEGER NOT NULL CHECK (version >= 1),
    sha256          CHAR(64) NOT NULL,
    size            INTEGER NOT NULL,
    content         BLOB NOT NULL,
    source_event_id BIGINT,
    created_by      BIGINT NOT NULL DEFAULT 0,
    created_by_name TEXT NOT NULL DEFAULT '',
    created_at      TIMESTAMP NOT NULL,
    UNIQUE (case_id, kind, version)
);
--bun:split
CREATE UNIQUE INDEX case_documents_source_idx ON case_documents (case_id, kind, source_event_id);
