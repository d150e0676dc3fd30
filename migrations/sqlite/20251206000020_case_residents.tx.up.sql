-- Issue 12: a resident sees, supplements and evaluates only the cases they
-- own — opened by their own intake (or split out of one), or joined by an
-- intake of theirs that registration merged into a case they owned or that
-- carries the phone WeChat verified for them. Holding an intake of theirs
-- is not enough: staff may merge it into someone else's case.
CREATE TABLE case_residents (
    case_id     BIGINT NOT NULL REFERENCES cases (id),
    resident_id BIGINT NOT NULL,
    created_at  TIMESTAMP NOT NULL,
    PRIMARY KEY (case_id, resident_id)
);
--bun:split
CREATE INDEX case_residents_resident_idx ON case_residents (resident_id, case_id);
--bun:split
-- Existing cases: those a resident's intake opened or was split into. Their
-- merges into other cases cannot be told apart from an attack now.
INSERT INTO case_residents (case_id, resident_id, created_at)
SELECT i.case_id, i.resident_id, MIN(i.created_at) FROM intakes AS i
JOIN cases AS c ON c.id = i.case_id
WHERE i.resident_id <> 0 AND EXISTS (
    SELECT 1 FROM events AS e WHERE e.case_id = i.case_id AND (
        (e.kind = 'registered' AND json_extract(e.data, '$.intake_ref') = i.ref)
        OR (e.kind = 'split' AND json_extract(e.data, '$.into') = c.case_no)))
GROUP BY i.case_id, i.resident_id;
--bun:split
-- Whether WeChat vouched for the resident's phone (getPhoneNumber) rather
-- than the resident typing it: only a verified phone joins a case by phone.
ALTER TABLE residents ADD COLUMN phone_verified BOOLEAN NOT NULL DEFAULT FALSE;
