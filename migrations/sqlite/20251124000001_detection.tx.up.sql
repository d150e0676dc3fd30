-- Homophone-tolerant name key (pinyin) for person candidates.
ALTER TABLE intakes ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE intakes ADD COLUMN decision TEXT NOT NULL DEFAULT 'new';
--bun:split
CREATE INDEX intakes_name_key_idx ON intakes (name_key);
--bun:split
-- Rebuilds read intakes in the order received.
CREATE INDEX intakes_received_idx ON intakes (received_at, id);
--bun:split
-- Group issues (群体性/热点): cases of different people about one matter.
CREATE TABLE clusters (
    id         INTEGER PRIMARY KEY,
    title      TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
--bun:split
ALTER TABLE cases ADD COLUMN cluster_id BIGINT REFERENCES clusters (id);
--bun:split
ALTER TABLE cases ADD COLUMN merged_into_id BIGINT REFERENCES cases (id);
--bun:split
CREATE INDEX cases_cluster_idx ON cases (cluster_id) WHERE cluster_id IS NOT NULL;
--bun:split
-- Change feed of the search index (outbox): every transaction that changes
-- what a case's intakes look like to the index appends a row; each engine
-- applies rows after its cursor, so an outage delays indexing but loses nothing.
CREATE TABLE search_changes (
    seq     INTEGER PRIMARY KEY,
    case_id BIGINT NOT NULL,
    at      TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX search_changes_at_idx ON search_changes (at);
--bun:split
CREATE TABLE search_cursors (
    engine     TEXT PRIMARY KEY,
    seq        BIGINT NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
--bun:split
CREATE UNIQUE INDEX links_pair_idx ON links (case_id, other_case_id, kind);
