-- Intakes residents file themselves (WeChat, H5) record who filed them, so
-- that residents see their own cases and nobody else's.
ALTER TABLE intakes ADD COLUMN resident_id BIGINT NOT NULL DEFAULT 0;
--bun:split
CREATE INDEX intakes_resident_idx ON intakes (resident_id, case_id);
--bun:split
-- A resident's evaluation of a handled case (满意度), once per case.
CREATE TABLE evaluations (
    case_id     BIGINT PRIMARY KEY REFERENCES cases (id),
    resident_id BIGINT NOT NULL,
    rating      TEXT NOT NULL,
    comment     TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);
