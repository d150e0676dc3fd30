-- Leaders' reception days (领导接访日) and video petitions (视频接访): days a
-- leader receives residents in a region, their time slots, residents'
-- bookings of a seat in a slot, and the record of each session held.
CREATE TABLE reception_days (
    id             INTEGER PRIMARY KEY,
    leader_user_id BIGINT NOT NULL REFERENCES users (id),
    leader_name    TEXT NOT NULL,
    region_code    VARCHAR(15) NOT NULL REFERENCES regions (code),
    region_name    TEXT NOT NULL DEFAULT '',
    day            VARCHAR(10) NOT NULL CHECK (length(day) = 10), -- China date, 2025-12-01
    topic          TEXT NOT NULL DEFAULT '',
    published      BOOLEAN NOT NULL DEFAULT FALSE,
    published_at   TIMESTAMP,
    created_by     BIGINT NOT NULL,
    created_at     TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX reception_days_day_idx ON reception_days (day, region_code);
--bun:split
CREATE INDEX reception_days_leader_idx ON reception_days (leader_user_id, day);
--bun:split
-- booked counts the bookings holding a seat (booked or done); the CHECK makes
-- overbooking impossible, and a seat is taken with one conditional UPDATE
-- that locks the row.
CREATE TABLE reception_slots (
    id        INTEGER PRIMARY KEY,
    day_id    BIGINT NOT NULL REFERENCES reception_days (id),
    starts_at TIMESTAMP NOT NULL,
    ends_at   TIMESTAMP NOT NULL,
    capacity  INTEGER NOT NULL CHECK (capacity >= 1),
    booked    INTEGER NOT NULL DEFAULT 0,
    CHECK (ends_at > starts_at),
    CHECK (booked >= 0 AND booked <= capacity)
);
--bun:split
CREATE INDEX reception_slots_day_idx ON reception_slots (day_id, starts_at);
--bun:split
CREATE TABLE reception_bookings (
    id             INTEGER PRIMARY KEY,
    slot_id        BIGINT NOT NULL REFERENCES reception_slots (id),
    day_id         BIGINT NOT NULL REFERENCES reception_days (id),
    case_id        BIGINT NOT NULL REFERENCES cases (id),
    case_no        TEXT NOT NULL,
    subject        TEXT NOT NULL DEFAULT '',
    resident_id    BIGINT NOT NULL DEFAULT 0, -- the resident who booked, 0 for staff
    booked_by      BIGINT NOT NULL DEFAULT 0, -- the staff member who booked, 0 for residents
    booked_by_name TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL CHECK (status IN ('booked', 'cancelled', 'done')),
    room_token     TEXT NOT NULL,
    meeting_url    TEXT NOT NULL DEFAULT '',
    created_at     TIMESTAMP NOT NULL,
    cancelled_at   TIMESTAMP,
    cancel_reason  TEXT NOT NULL DEFAULT '',
    done_at        TIMESTAMP
);
--bun:split
-- One live booking per case and reception day, however many requests race.
CREATE UNIQUE INDEX reception_bookings_live_idx ON reception_bookings (day_id, case_id) WHERE status = 'booked';
--bun:split
CREATE INDEX reception_bookings_slot_idx ON reception_bookings (slot_id);
--bun:split
CREATE INDEX reception_bookings_resident_idx ON reception_bookings (resident_id, id);
--bun:split
CREATE INDEX reception_bookings_case_idx ON reception_bookings (case_id);
--bun:split
-- What happened in the session; it is also an intake (channel video) on the case.
CREATE TABLE reception_sessions (
    id            INTEGER PRIMARY KEY,
    booking_id    BIGINT NOT NULL UNIQUE REFERENCES reception_bookings (id),
    started_at    TIMESTAMP NOT NULL,
    ended_at      TIMESTAMP NOT NULL,
    participants  TEXT NOT NULL DEFAULT '[]', -- JSON: [{"name","role"}]
    summary       TEXT NOT NULL,
    outcome       TEXT NOT NULL,
    recording_ref TEXT NOT NULL DEFAULT '',
    intake_ref    TEXT NOT NULL,
    recorded_by   BIGINT NOT NULL,
    created_at    TIMESTAMP NOT NULL,
    CHECK (ended_at > started_at)
);
