-- Mediation: a party's request for another mediator (one per party and
-- mediation: the unique key makes a second request a conflict).
CREATE TABLE mediation_mediator_changes (
    id                 INTEGER PRIMARY KEY,
    mediation_id       BIGINT NOT NULL REFERENCES mediations (id),
    party              TEXT NOT NULL,
    reason             TEXT NOT NULL,
    from_mediator      TEXT NOT NULL DEFAULT '',
    from_mediator_name TEXT NOT NULL DEFAULT '',
    requested_by       TEXT NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    UNIQUE (mediation_id, party)
);
