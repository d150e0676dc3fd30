-- Images residents attach to the matters they file (WeChat mini-program, H5).
-- One row per uploaded image; intake_id is set when the image is attached to
-- an intake. The bytes live in a blob store (the data directory by default),
-- sealed with the data key.
CREATE TABLE resident_uploads (
    id           INTEGER PRIMARY KEY,
    public_id    TEXT NOT NULL UNIQUE,
    resident_id  BIGINT NOT NULL REFERENCES residents (id),
    intake_id    BIGINT REFERENCES intakes (id),
    blob_key     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    attached_at  TIMESTAMP
);
--bun:split
CREATE INDEX resident_uploads_intake_idx ON resident_uploads (intake_id);
--bun:split
CREATE INDEX resident_uploads_resident_idx ON resident_uploads (resident_id, created_at);
--bun:split
CREATE INDEX resident_uploads_orphan_idx ON resident_uploads (created_at) WHERE intake_id IS NULL;
--bun:split
-- What WeChat last told us (message push) about a user's subscription to a
-- message template: accept, reject or ban.
CREATE TABLE wechat_subscriptions (
    openid      TEXT NOT NULL,
    template_id TEXT NOT NULL,
    status      TEXT NOT NULL,
    updated_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (openid, template_id)
);
