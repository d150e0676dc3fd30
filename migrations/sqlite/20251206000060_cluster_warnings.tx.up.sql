-- Group early warnings (群体性事件预警): one row per cluster, county and
-- threshold crossed (5, 10, 20, … people within the window). The unique key
-- lets exactly one of several servers' sweeps record a crossing; the
-- timeline event is written in the same transaction. persons and per_week
-- are the figures at the crossing; case_id is the case the event went on.
CREATE TABLE cluster_warnings (
    id         INTEGER PRIMARY KEY,
    cluster_id BIGINT NOT NULL,
    county     VARCHAR(12) NOT NULL,
    threshold  INTEGER NOT NULL CHECK (threshold > 0),
    persons    INTEGER NOT NULL,
    per_week   DOUBLE PRECISION NOT NULL,
    case_id    BIGINT NOT NULL REFERENCES cases (id),
    at         TIMESTAMP NOT NULL,
    UNIQUE (cluster_id, county, threshold)
);
--bun:split
-- Staff's lists read a region's recent warnings.
CREATE INDEX cluster_warnings_county_idx ON cluster_warnings (county, at);
