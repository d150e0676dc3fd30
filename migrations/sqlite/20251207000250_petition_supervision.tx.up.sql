-- Leaders and supervision of the petition track (信访, petition/).
-- 包案: a leader's ownership of a case with a target date, one per case,
-- separate from the handler assignment (cases.assignee_id).
CREATE TABLE petition_owners (
    case_id     BIGINT PRIMARY KEY REFERENCES cases (id),
    leader_id   BIGINT NOT NULL REFERENCES users (id),
    leader_name VARCHAR(100) NOT NULL,
    target_on   VARCHAR(10) NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    created_at  TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX petition_owners_leader_idx ON petition_owners (leader_id);
--bun:split
-- 督办 and 挂牌督办 (listed, its deadline public): a deadline of their own and
-- the handling unit's written feedback.
CREATE TABLE petition_supervisions (
    id            INTEGER PRIMARY KEY,
    case_id       BIGINT NOT NULL REFERENCES cases (id),
    unit_id       BIGINT NOT NULL REFERENCES units (id),
    listed        BOOLEAN NOT NULL DEFAULT FALSE,
    deadline_on   VARCHAR(10) NOT NULL,
    deadline_at   TIMESTAMP NOT NULL,
    note          TEXT NOT NULL DEFAULT '',
    by_id         BIGINT,
    by_name       VARCHAR(100) NOT NULL,
    region_code   VARCHAR(15) NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    feedback      TEXT NOT NULL DEFAULT '',
    feedback_by   VARCHAR(100) NOT NULL DEFAULT '',
    feedback_at   TIMESTAMP
);
--bun:split
CREATE INDEX petition_supervisions_case_idx ON petition_supervisions (case_id);
--bun:split
-- 黄牌: a unit listed twice within a year (the listing's own count).
CREATE INDEX petition_supervisions_unit_idx ON petition_supervisions (unit_id, listed, created_at);
--bun:split
-- What the supervision sweep did, once: 催办 reminders (ref: clock kind and
-- due date, or the supervision), escalations (ref: the clock), overdue
-- supervisions and 黄牌 (ref: the listing). Of several servers' sweeps the
-- one whose insert took writes the timeline event, in the same transaction.
CREATE TABLE petition_marks (
    id          INTEGER PRIMARY KEY,
    case_id     BIGINT NOT NULL REFERENCES cases (id),
    kind        VARCHAR(20) NOT NULL,
    ref         VARCHAR(80) NOT NULL,
    unit_id     BIGINT,
    region_code VARCHAR(15) NOT NULL DEFAULT '',
    at          TIMESTAMP NOT NULL,
    UNIQUE (case_id, kind, ref)
);
--bun:split
CREATE INDEX petition_marks_unit_idx ON petition_marks (kind, unit_id, at);
--bun:split
-- 专项行动 (e.g. 百日攻坚): campaigns tag cases with a target date.
CREATE TABLE petition_campaigns (
    id          INTEGER PRIMARY KEY,
    name        VARCHAR(100) NOT NULL,
    region_code VARCHAR(15) NOT NULL,
    starts_on   VARCHAR(10) NOT NULL,
    ends_on     VARCHAR(10) NOT NULL,
    note        TEXT NOT NULL DEFAULT '',
    created_by  VARCHAR(100) NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    updated_at  TIMESTAMP NOT NULL
);
--bun:split
CREATE TABLE petition_campaign_cases (
    campaign_id BIGINT NOT NULL REFERENCES petition_campaigns (id) ON DELETE CASCADE,
    case_id     BIGINT NOT NULL REFERENCES cases (id),
    target_on   VARCHAR(10) NOT NULL,
    added_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (campaign_id, case_id)
);
--bun:split
-- Terminated petitions (终结) and follow-up care keep to the petitions row
-- and the timeline; the row notes the termination.
ALTER TABLE petitions ADD COLUMN terminated_at TIMESTAMP;
