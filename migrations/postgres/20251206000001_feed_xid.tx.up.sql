-- The change feed is read in commit order: each row carries the id of the
-- transaction that wrote it, and readers take only rows of transactions
-- older than every one still running (see casestore/feed.go). seq alone
-- cannot order it: it is handed out at insert, and a later transaction
-- may commit first.
ALTER TABLE search_changes ADD COLUMN xid BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
--bun:split
CREATE INDEX search_changes_xid_idx ON search_changes (xid, seq);
