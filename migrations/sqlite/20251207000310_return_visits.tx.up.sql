-- Return visits (回访) of resolved cases: how, whether the resident was
-- reached, their satisfaction and words. sample marks an independent visit
-- by another staff member (回访抽查); assigned_to is who should make it.
CREATE TABLE return_visits (
    id           INTEGER PRIMARY KEY,
    case_id      BIGINT NOT NULL REFERENCES cases (id),
    method       VARCHAR(20) NOT NULL CHECK (method IN ('phone', 'in_person', 'wechat')),
    reached      BOOLEAN NOT NULL,
    satisfaction VARCHAR(30) NOT NULL DEFAULT '',
    note         TEXT NOT NULL DEFAULT '',
    reopened     BOOLEAN NOT NULL DEFAULT FALSE,
    sample       BOOLEAN NOT NULL DEFAULT FALSE,
    visitor_id   BIGINT NOT NULL DEFAULT 0,
    visitor_name TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX return_visits_case_idx ON return_visits (case_id, id);
--bun:split
-- 回访抽查: resolved cases given to another staff member for an independent visit.
CREATE TABLE visit_samples (
    case_id     BIGINT PRIMARY KEY REFERENCES cases (id),
    assignee_id BIGINT NOT NULL,
    assigned_by BIGINT NOT NULL,
    done        BOOLEAN NOT NULL DEFAULT FALSE,
    created_at  TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX visit_samples_assignee_idx ON visit_samples (assignee_id, done);
