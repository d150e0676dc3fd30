-- One open mediation per case: two openings racing past the service's
-- check (nothing else serialises them once the case is in progress) end
-- in a unique violation, answered 409.
CREATE UNIQUE INDEX mediations_one_open_idx ON mediations (case_id) WHERE status IN ('offered', 'waiting', 'active');
