-- Mediation (issue 13): mediator profiles, mediations with their offers,
-- sessions and agreement terms, and hand-offs between flows.
CREATE TABLE mediator_profiles (
    user_id        BIGINT PRIMARY KEY REFERENCES users (id),
    specialties    TEXT NOT NULL DEFAULT '[]',
    capacity       INTEGER NOT NULL,
    available_from TEXT NOT NULL DEFAULT '',
    available_to   TEXT NOT NULL DEFAULT '',
    relations      TEXT NOT NULL DEFAULT '[]',
    updated_at     TIMESTAMP NOT NULL
);
--bun:split
CREATE TABLE mediator_units (
    user_id BIGINT NOT NULL REFERENCES users (id),
    unit_id BIGINT NOT NULL REFERENCES units (id),
    PRIMARY KEY (user_id, unit_id)
);
--bun:split
CREATE INDEX mediator_units_unit_idx ON mediator_units (unit_id);
--bun:split
CREATE TABLE mediations (
    id                INTEGER PRIMARY KEY,
    case_id           BIGINT NOT NULL REFERENCES cases (id),
    case_no           TEXT NOT NULL,
    region_code       VARCHAR(15) NOT NULL,
    unit_id           BIGINT NOT NULL REFERENCES units (id),
    unit_name         TEXT NOT NULL,
    flow              TEXT NOT NULL,
    status            TEXT NOT NULL,
    mediator_id       BIGINT REFERENCES users (id),
    mediator_username TEXT NOT NULL DEFAULT '',
    mediator_name     TEXT NOT NULL DEFAULT '',
    note              TEXT NOT NULL DEFAULT '',
    clock_kind        TEXT NOT NULL,
    opened_by         TEXT NOT NULL,
    opened_at         TIMESTAMP NOT NULL,
    accepted_at       TIMESTAMP,
    ended_at          TIMESTAMP,
    outcome           TEXT NOT NULL DEFAULT '',
    confirmation      TEXT NOT NULL DEFAULT ''
);
--bun:split
CREATE INDEX mediations_case_idx ON mediations (case_id);
--bun:split
CREATE INDEX mediations_mediator_idx ON mediations (mediator_id, status);
--bun:split
CREATE INDEX mediations_region_idx ON mediations (region_code);
--bun:split
CREATE TABLE mediation_offers (
    id                INTEGER PRIMARY KEY,
    mediation_id      BIGINT NOT NULL REFERENCES mediations (id),
    mediator_id       BIGINT NOT NULL REFERENCES users (id),
    mediator_username TEXT NOT NULL,
    mediator_name     TEXT NOT NULL,
    status            TEXT NOT NULL,
    reason            TEXT NOT NULL DEFAULT '',
    offered_at        TIMESTAMP NOT NULL,
    due_at            TIMESTAMP NOT NULL,
    answered_at       TIMESTAMP
);
--bun:split
CREATE INDEX mediation_offers_mediation_idx ON mediation_offers (mediation_id);
--bun:split
CREATE INDEX mediation_offers_pending_idx ON mediation_offers (status, due_at);
--bun:split
CREATE INDEX mediation_offers_mediator_idx ON mediation_offers (mediator_id, status);
--bun:split
CREATE TABLE mediation_sessions (
    id           INTEGER PRIMARY KEY,
    mediation_id BIGINT NOT NULL REFERENCES mediations (id),
    kind         TEXT NOT NULL,
    starts_at    TIMESTAMP NOT NULL,
    place        TEXT NOT NULL DEFAULT '',
    link         TEXT NOT NULL DEFAULT '',
    participants TEXT NOT NULL DEFAULT '[]',
    minutes      TEXT NOT NULL DEFAULT '',
    created_by   TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX mediation_sessions_mediation_idx ON mediation_sessions (mediation_id, starts_at);
--bun:split
CREATE TABLE mediation_terms (
    id               INTEGER PRIMARY KEY,
    mediation_id     BIGINT NOT NULL REFERENCES mediations (id),
    seq              INTEGER NOT NULL,
    party            TEXT NOT NULL,
    obligation       TEXT NOT NULL,
    due              TEXT NOT NULL,
    performance      TEXT NOT NULL DEFAULT '',
    performance_note TEXT NOT NULL DEFAULT '',
    recorded_at      TIMESTAMP,
    recorded_by      TEXT NOT NULL DEFAULT ''
);
--bun:split
CREATE INDEX mediation_terms_mediation_idx ON mediation_terms (mediation_id, seq);
--bun:split
CREATE INDEX mediation_terms_due_idx ON mediation_terms (due);
--bun:split
CREATE TABLE case_handoffs (
    id         INTEGER PRIMARY KEY,
    case_id    BIGINT NOT NULL REFERENCES cases (id),
    case_no    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    direction  TEXT NOT NULL,
    unit_id    BIGINT NOT NULL REFERENCES units (id),
    unit_name  TEXT NOT NULL,
    reason     TEXT NOT NULL,
    status     TEXT NOT NULL,
    result     TEXT NOT NULL DEFAULT '',
    sent_by    TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    result_at  TIMESTAMP,
    result_by  TEXT NOT NULL DEFAULT ''
);
--bun:split
CREATE INDEX case_handoffs_case_idx ON case_handoffs (case_id);
