-- Residents who use the resident channels (WeChat mini-program, H5).
CREATE TABLE residents (
    id         INTEGER PRIMARY KEY,
    openid     TEXT UNIQUE,
    unionid    TEXT NOT NULL DEFAULT '',
    name       TEXT NOT NULL DEFAULT '',
    phone_enc  BLOB,
    phone_hash TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
--bun:split
CREATE TABLE resident_sessions (
    token_hash  TEXT PRIMARY KEY,
    resident_id BIGINT NOT NULL REFERENCES residents (id) ON DELETE CASCADE,
    created_at  TIMESTAMP NOT NULL,
    expires_at  TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX resident_sessions_resident_idx ON resident_sessions (resident_id);
