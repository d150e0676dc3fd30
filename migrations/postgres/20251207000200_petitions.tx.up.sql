-- The petition track (信访, petition/): one row per case on the track, its
-- stage and the facts the steps need (class, the responsible unit and the
-- unit that sent it, acceptance, the one extension, the reply, the level
-- of review and the unit that decided last). The case's status machine
-- stays as it is; clocks are rows of case_clocks, documents of
-- case_documents, every step an event. version guards concurrent steps.
CREATE TABLE petitions (
    case_id         BIGINT PRIMARY KEY REFERENCES cases (id),
    stage           VARCHAR(32) NOT NULL,
    class           VARCHAR(16) NOT NULL DEFAULT '',
    legal_route     VARCHAR(40) NOT NULL DEFAULT '',
    unit_id         BIGINT REFERENCES units (id),
    from_unit_id    BIGINT REFERENCES units (id),
    transfer_kind   VARCHAR(8) NOT NULL DEFAULT '',
    transferred_at  TIMESTAMPTZ,
    accepted_at     TIMESTAMPTZ,
    extended        BOOLEAN NOT NULL DEFAULT FALSE,
    reply_result    VARCHAR(16) NOT NULL DEFAULT '',
    replied_at      TIMESTAMPTZ,
    review_level    VARCHAR(16) NOT NULL DEFAULT '',
    review_result   VARCHAR(16) NOT NULL DEFAULT '',
    decided_unit_id BIGINT REFERENCES units (id),
    decided_at      TIMESTAMPTZ,
    hearing         BOOLEAN NOT NULL DEFAULT FALSE,
    yueji           BOOLEAN NOT NULL DEFAULT FALSE,
    earlier_case_id BIGINT REFERENCES cases (id),
    lower_case_id   BIGINT REFERENCES cases (id),
    version         INTEGER NOT NULL DEFAULT 1,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL
);
--bun:split
-- Case lists filter by stage (GET /cases?petition_stage=…).
CREATE INDEX petitions_stage_idx ON petitions (stage);
