-- Who handles a case (承办人), and whether staff wait for the resident to
-- supply more information (补充材料). The name is kept beside the id so
-- that lists need no join.
ALTER TABLE cases ADD COLUMN assignee_id BIGINT REFERENCES users (id);
--bun:split
ALTER TABLE cases ADD COLUMN assignee_name TEXT NOT NULL DEFAULT '';
--bun:split
ALTER TABLE cases ADD COLUMN info_requested_at TIMESTAMPTZ;
--bun:split
-- A handler's caseload, newest first.
CREATE INDEX cases_assignee_idx ON cases (assignee_id, id);
