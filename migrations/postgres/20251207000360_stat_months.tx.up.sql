-- Statistics (stats/): monthly roll-ups of the daily counters, maintained
-- by the same notifier in the same transaction, with the same dimensions
-- (region and every region above it; by channel and by category). month is
-- the China month (2025-12) of the daily rows it sums: a monthly row always
-- equals the sum of its month's stat_days (stat_dims) rows, so an overview
-- reads the whole months of its range here and only the partial months at
-- its ends from the daily rows (a year: 12 rows per child, not 365).
CREATE TABLE stat_months (
    region_code  VARCHAR(15) COLLATE "C" NOT NULL,
    month        VARCHAR(7) COLLATE "C" NOT NULL,
    parent_code  VARCHAR(15) COLLATE "C" NOT NULL DEFAULT '',
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
    PRIMARY KEY (region_code, month)
);
--bun:split
-- Covering, like stat_days_parent_idx: the children's figures from the index alone.
CREATE INDEX stat_months_parent_idx ON stat_months (parent_code, month, region_code, received, resolved, success, satisfied, basically, unsatisfied);
--bun:split
CREATE TABLE stat_dim_months (
    region_code VARCHAR(15) COLLATE "C" NOT NULL,
    month       VARCHAR(7) COLLATE "C" NOT NULL,
    dim         VARCHAR(10) NOT NULL CHECK (dim IN ('channel', 'category')),
    value       VARCHAR(40) NOT NULL,
    received    INTEGER NOT NULL DEFAULT 0,
    resolved    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (region_code, month, dim, value)
);
--bun:split
-- Backfill: a database that already has daily counters gets their sums.
INSERT INTO stat_months (region_code, month, parent_code, received, accepted, rejected, resolved, closed, success,
    resolve_days, visited, satisfied, basically, unsatisfied)
SELECT region_code, substr(day, 1, 7), MAX(parent_code), SUM(received), SUM(accepted), SUM(rejected), SUM(resolved),
    SUM(closed), SUM(success), SUM(resolve_days), SUM(visited), SUM(satisfied), SUM(basically), SUM(unsatisfied)
FROM stat_days GROUP BY region_code, substr(day, 1, 7);
--bun:split
INSERT INTO stat_dim_months (region_code, month, dim, value, received, resolved)
SELECT region_code, substr(day, 1, 7), dim, value, SUM(received), SUM(resolved)
FROM stat_dims GROUP BY region_code, substr(day, 1, 7), dim, value;
