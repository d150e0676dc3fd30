-- Every deadline of a case is a clock (期限): the period and its legal
-- source as they were when it started, its due (end of the last day, China
-- time, computed on the calendar), status, pauses and extensions (JSON).
-- cases.accept_due_at / handle_due_at stay as a cache written from them;
-- overdue and due lists read this table.
CREATE TABLE case_clocks (
    id         INTEGER PRIMARY KEY,
    case_id    BIGINT NOT NULL REFERENCES cases (id),
    kind       VARCHAR(40) NOT NULL,
    unit       VARCHAR(20) NOT NULL CHECK (unit IN ('calendar_days', 'working_days')),
    days       INTEGER NOT NULL CHECK (days >= 0),
    source     TEXT NOT NULL,
    start_at   TIMESTAMP NOT NULL,
    due_at     TIMESTAMP NOT NULL,
    status     VARCHAR(20) NOT NULL CHECK (status IN ('running', 'paused', 'met', 'missed', 'cancelled')),
    pauses     TEXT NOT NULL DEFAULT '[]',
    extensions TEXT NOT NULL DEFAULT '[]',
    missed_at  TIMESTAMP,
    ended_at   TIMESTAMP,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (case_id, kind)
);
--bun:split
-- The sweep and the overdue lists look for running clocks by due.
CREATE INDEX case_clocks_due_idx ON case_clocks (status, due_at);
--bun:split
-- Clocks of the cases registered before this table, from the due columns.
INSERT INTO case_clocks (case_id, kind, unit, days, source, start_at, due_at, status, updated_at)
SELECT id, 'accept_decision', 'calendar_days', 15, '《信访工作条例》第二十三条', created_at, accept_due_at,
       CASE WHEN status = 'registered' THEN 'running' ELSE 'met' END, updated_at
FROM cases WHERE accept_due_at IS NOT NULL;
--bun:split
INSERT INTO case_clocks (case_id, kind, unit, days, source, start_at, due_at, status, updated_at)
SELECT id, 'handling', 'calendar_days', 60, '《信访工作条例》第三十四条',
       COALESCE((SELECT MAX(e.at) FROM events e WHERE e.case_id = cases.id AND e.to_status = 'accepted'), updated_at),
       handle_due_at,
       CASE WHEN status IN ('accepted', 'in_progress') THEN 'running'
            WHEN status = 'suspended' THEN 'paused' ELSE 'met' END, updated_at
FROM cases WHERE handle_due_at IS NOT NULL;
--bun:split
-- Holiday overrides entered through the API (PUT /calendar/overrides/{year})
-- for years lunar-go does not cover yet; applied after the override file.
CREATE TABLE calendar_overrides (
    day        VARCHAR(10) PRIMARY KEY CHECK (length(day) = 10), -- 2027-10-01
    year       INTEGER NOT NULL,
    kind       VARCHAR(20) NOT NULL CHECK (kind IN ('holiday', 'rest', 'working', 'adjusted_working')),
    name       TEXT NOT NULL DEFAULT '',
    updated_by TEXT NOT NULL DEFAULT '',
    updated_at TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX calendar_overrides_year_idx ON calendar_overrides (year);
