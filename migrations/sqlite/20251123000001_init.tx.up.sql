-- Region codes sort bytewise (SQLite's BINARY collation) so a subtree is one range scan.
CREATE TABLE regions (
    code        VARCHAR(15) PRIMARY KEY,
    name        TEXT NOT NULL,
    level       SMALLINT NOT NULL,
    parent_code VARCHAR(15) REFERENCES regions (code)
);
--bun:split
CREATE INDEX regions_parent_idx ON regions (parent_code);
--bun:split
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL,
    region_code   VARCHAR(15) NOT NULL REFERENCES regions (code),
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TIMESTAMP,
    disabled      BOOLEAN NOT NULL DEFAULT FALSE,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL
);
--bun:split
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX sessions_user_idx ON sessions (user_id);
--bun:split
CREATE TABLE case_seqs (
    county VARCHAR(6) NOT NULL,
    day    VARCHAR(8) NOT NULL,
    last   INTEGER NOT NULL,
    PRIMARY KEY (county, day)
);
--bun:split
CREATE TABLE cases (
    id            INTEGER PRIMARY KEY,
    case_no       TEXT NOT NULL UNIQUE,
    subject       TEXT NOT NULL,
    category      TEXT NOT NULL,
    region_code   VARCHAR(15) NOT NULL REFERENCES regions (code),
    address       TEXT NOT NULL DEFAULT '',
    status        TEXT NOT NULL,
    channel       TEXT NOT NULL,
    accept_due_at TIMESTAMP,
    handle_due_at TIMESTAMP,
    suspended_at  TIMESTAMP,
    resolved_at   TIMESTAMP,
    closed_at     TIMESTAMP,
    created_at    TIMESTAMP NOT NULL,
    updated_at    TIMESTAMP NOT NULL,
    created_by    BIGINT NOT NULL DEFAULT 0,
    version       INTEGER NOT NULL DEFAULT 0
);
--bun:split
CREATE INDEX cases_region_idx ON cases (region_code, id);
--bun:split
CREATE INDEX cases_status_idx ON cases (status, id);
--bun:split
CREATE INDEX cases_created_idx ON cases (created_at);
--bun:split
CREATE TABLE intakes (
    id              INTEGER PRIMARY KEY,
    ref             TEXT NOT NULL UNIQUE,
    case_id         BIGINT NOT NULL REFERENCES cases (id),
    channel         TEXT NOT NULL,
    external_ref    TEXT NOT NULL DEFAULT '',
    source_key      TEXT UNIQUE,
    source_hash     TEXT NOT NULL DEFAULT '',
    received_at     TIMESTAMP NOT NULL,
    person_name     TEXT NOT NULL DEFAULT '',
    id_number_enc   BLOB,
    id_number_hash  TEXT NOT NULL DEFAULT '',
    phone_enc       BLOB,
    phone_hash      TEXT NOT NULL DEFAULT '',
    subject         TEXT NOT NULL DEFAULT '',
    content         TEXT NOT NULL DEFAULT '',
    address         TEXT NOT NULL DEFAULT '',
    region_code     VARCHAR(15) NOT NULL REFERENCES regions (code),
    category        TEXT NOT NULL,
    respondent_kind TEXT NOT NULL DEFAULT '',
    respondent_name TEXT NOT NULL DEFAULT '',
    raw_enc         BLOB,
    created_at      TIMESTAMP NOT NULL,
    created_by      BIGINT NOT NULL DEFAULT 0
);
--bun:split
CREATE INDEX intakes_case_idx ON intakes (case_id);
--bun:split
CREATE INDEX intakes_id_number_idx ON intakes (id_number_hash);
--bun:split
CREATE INDEX intakes_phone_idx ON intakes (phone_hash);
--bun:split
CREATE TABLE parties (
    id             INTEGER PRIMARY KEY,
    case_id        BIGINT NOT NULL REFERENCES cases (id),
    intake_id      BIGINT REFERENCES intakes (id),
    role           TEXT NOT NULL,
    kind           TEXT NOT NULL,
    name           TEXT NOT NULL DEFAULT '',
    id_number_enc  BLOB,
    id_number_hash TEXT NOT NULL DEFAULT '',
    phone_enc      BLOB,
    phone_hash     TEXT NOT NULL DEFAULT '',
    address        TEXT NOT NULL DEFAULT ''
);
--bun:split
CREATE INDEX parties_case_idx ON parties (case_id);
--bun:split
CREATE TABLE events (
    id          INTEGER PRIMARY KEY,
    case_id     BIGINT NOT NULL REFERENCES cases (id),
    at          TIMESTAMP NOT NULL,
    actor_id    BIGINT NOT NULL DEFAULT 0,
    actor_name  TEXT NOT NULL DEFAULT '',
    kind        TEXT NOT NULL,
    from_status TEXT NOT NULL DEFAULT '',
    to_status   TEXT NOT NULL DEFAULT '',
    note        TEXT NOT NULL DEFAULT '',
    data        TEXT
);
--bun:split
CREATE INDEX events_case_idx ON events (case_id, id);
--bun:split
CREATE TABLE links (
    id            INTEGER PRIMARY KEY,
    case_id       BIGINT NOT NULL REFERENCES cases (id),
    other_case_id BIGINT NOT NULL REFERENCES cases (id),
    kind          TEXT NOT NULL,
    status        TEXT NOT NULL,
    score         REAL NOT NULL DEFAULT 0,
    reasons       TEXT,
    created_at    TIMESTAMP NOT NULL,
    created_by    BIGINT NOT NULL DEFAULT 0
);
--bun:split
CREATE INDEX links_case_idx ON links (case_id);
--bun:split
CREATE INDEX links_other_idx ON links (other_case_id);
