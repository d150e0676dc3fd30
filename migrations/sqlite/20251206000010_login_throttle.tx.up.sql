-- Login throttle (issue 12): attempts are counted per username *and* source
-- address, before the password is checked, so that an attacker's failures
-- lock out the attacker's address and not the account's owner, and
-- concurrent guesses cannot slip past the count. The username is as typed
-- (lower-cased), known or not, so answers do not tell which accounts exist.
CREATE TABLE login_throttle (
    username     TEXT NOT NULL,
    address      TEXT NOT NULL,
    attempts     INTEGER NOT NULL,
    claim        TEXT NOT NULL,
    next_at      TIMESTAMP NOT NULL,
    locked_until TIMESTAMP,
    updated_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (username, address)
);
--bun:split
-- The audit log of logins (等保 level 3): every success, failure, lock and
-- refusal, with the address it came from.
CREATE TABLE login_audit (
    id       INTEGER PRIMARY KEY,
    at       TIMESTAMP NOT NULL,
    username TEXT NOT NULL,
    address  TEXT NOT NULL,
    user_id  BIGINT,
    outcome  TEXT NOT NULL
);
--bun:split
CREATE INDEX login_audit_at_idx ON login_audit (at);
--bun:split
CREATE INDEX login_audit_username_idx ON login_audit (username, at);
