-- Statistics (stats/): daily counters maintained in the transaction of each
-- case event, for the case's region and every region above it, so that an
-- overview of any region reads a few hundred rows whatever the caseload.
-- day is the China date (2025-12-01); parent_code is the region above
-- region_code ('' for a province), so the children of a region are one
-- index range. resolved counts a case once, on the day it was first
-- resolved; success those of them not reopened since (化解成功); resolve_days
-- sums the days from registration to that first resolution.
CREATE TABLE stat_days (
    region_code  VARCHAR(15) NOT NULL,
    day          VARCHAR(10) NOT NULL,
    parent_code  VARCHAR(15) NOT NULL DEFAULT '',
    received     INTEGER NOT NULL DEFAULT 0,
    accepted     INTEGER NOT NULL DEFAULT 0,
    rejected     INTEGER NOT NULL DEFAULT 0,
    resolved     INTEGER NOT NULL DEFAULT 0,
    closed       INTEGER NOT NULL DEFAULT 0,
    success      INTEGER NOT NULL DEFAULT 0,
    resolve_days INTEGER NOT NULL DEFAULT 0,
    visited      INTEGER NOT NULL DEFAULT 0,
    satisfied    INTEGER NOT NULL DEFAULT 0,
    basically    INTEGER NOT NULL DEFAULT 0,
    unsatisfied  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (region_code, day)
) WITHOUT ROWID;
--bun:split
-- Covering: the children's figures are read from the index alone.
CREATE INDEX stat_days_parent_idx ON stat_days (parent_code, day, region_code, received, resolved, success, satisfied, basically, unsatisfied);
--bun:split
-- The same counters split by channel and by category (dim), received and
-- resolved only.
CREATE TABLE stat_dims (
    region_code VARCHAR(15) NOT NULL,
    day         VARCHAR(10) NOT NULL,
    dim         VARCHAR(10) NOT NULL CHECK (dim IN ('channel', 'category')),
    value       VARCHAR(40) NOT NULL,
    received    INTEGER NOT NULL DEFAULT 0,
    resolved    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (region_code, day, dim, value)
) WITHOUT ROWID;
--bun:split
-- Current figures (overdue, due soon) read the open clocks by due.
CREATE INDEX stat_open_clocks_idx ON case_clocks (due_at) WHERE ended_at IS NULL;
--bun:split
-- Top group issues read a region's clustered cases by registration time.
CREATE INDEX stat_clustered_cases_idx ON cases (region_code, created_at) WHERE cluster_id IS NOT NULL;
--bun:split
-- Every export of case data (Excel): who, with which filters, how many rows.
CREATE TABLE stat_exports (
    id          INTEGER PRIMARY KEY,
    user_id     BIGINT NOT NULL,
    username    TEXT NOT NULL,
    kind        VARCHAR(20) NOT NULL,
    filters     TEXT NOT NULL DEFAULT '',
    row_count   INTEGER NOT NULL,
    created_at  TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX stat_exports_created_idx ON stat_exports (created_at);
