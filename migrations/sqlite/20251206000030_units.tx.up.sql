-- Units (机构/单位, issue 10): the organisations that receive, handle and are
-- measured. Staff belong to one unit; their region scope stays on users.
CREATE TABLE units (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL,
    specialty   TEXT NOT NULL DEFAULT '',
    region_code VARCHAR(15) NOT NULL REFERENCES regions (code),
    parent_id   BIGINT REFERENCES units (id),
    phone       TEXT NOT NULL DEFAULT '',
    address     TEXT NOT NULL DEFAULT '',
    active      BOOLEAN NOT NULL DEFAULT TRUE,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
--bun:split
-- One name per region: the same 人社局 twice in a county is a mistake.
CREATE UNIQUE INDEX units_region_name_idx ON units (region_code, name);
--bun:split
CREATE INDEX units_parent_idx ON units (parent_id);
--bun:split
ALTER TABLE users ADD COLUMN unit_id BIGINT REFERENCES units (id);
