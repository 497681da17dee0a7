-- Training places: course dates, bookings with a waiting list, and the accreditations that
-- attended courses and recorded awards give.

CREATE TABLE training_sessions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    course text NOT NULL CHECK (course IN ('peer_reviewer', 'improvement_champion',
        'peer_reviewer_refresher', 'improvement_champion_refresher')),
    starts_at timestamptz NOT NULL,
    ends_at timestamptz NOT NULL,
    location text NOT NULL,
    capacity integer NOT NULL CHECK (capacity >= 1),
    hub_id uuid REFERENCES hubs (id) ON DELETE RESTRICT,
    -- Seats taken (booked, attended, no-show), kept with every booking change under the
    -- session's row lock; the CHECK is the last word on "never over capacity".
    booked_count integer NOT NULL DEFAULT 0,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK (starts_at < ends_at),
    CHECK (booked_count >= 0 AND booked_count <= capacity)
);
CREATE INDEX training_sessions_created ON training_sessions (created_at, id);
CREATE INDEX training_sessions_starts ON training_sessions (starts_at);

CREATE TABLE bookings (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    session_id uuid NOT NULL REFERENCES training_sessions (id) ON DELETE RESTRICT,
    person_id uuid NOT NULL REFERENCES people (id) ON DELETE RESTRICT,
    status text NOT NULL CHECK (status IN ('booked', 'waitlisted', 'cancelled', 'attended', 'no_show')),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
-- One live (not cancelled) booking per person and session.
CREATE UNIQUE INDEX bookings_live_key ON bookings (session_id, person_id) WHERE status <> 'cancelled';
CREATE INDEX bookings_session ON bookings (session_id, created_at, id);
CREATE INDEX bookings_person ON bookings (person_id);
CREATE INDEX bookings_waitlist ON bookings (session_id, created_at, id) WHERE status = 'waitlisted';

-- Every award a person holds: one per attended course (initial or refresher) and one per
-- recorded award. valid_until and counts are the outcome of the accreditation rule
-- (common/accreditation.c), recomputed for the person and role whenever one of its awards
-- changes, so that "accredited as R on D" is a plain query.
CREATE TABLE accreditations (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    person_id uuid NOT NULL REFERENCES people (id) ON DELETE RESTRICT,
    role text NOT NULL CHECK (role IN ('peer_reviewer', 'improvement_champion')),
    source text NOT NULL CHECK (source IN ('training', 'recorded')),
    refresher boolean NOT NULL DEFAULT false,
    awarded_on date NOT NULL,
    valid_until date NOT NULL,
    counts boolean NOT NULL DEFAULT true,
    booking_id uuid UNIQUE REFERENCES bookings (id) ON DELETE RESTRICT,
    session_id uuid REFERENCES training_sessions (id) ON DELETE RESTRICT,
    note text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK ((source = 'training') = (booking_id IS NOT NULL))
);
CREATE INDEX accreditations_person ON accreditations (person_id, role);
CREATE INDEX accreditations_role ON accreditations (role, awarded_on, valid_until) WHERE counts;
-- The same recorded award imported twice is one award.
CREATE UNIQUE INDEX accreditations_recorded_key ON accreditations (person_id, role, awarded_on)
    WHERE source = 'recorded';

CREATE TYPE training_session_out AS (
    id uuid,
    course text,
    starts_at text,
    ends_at text,
    location text,
    capacity integer,
    hub_id uuid,
    booked_count integer,
    seats_left integer,
    version integer,
    created_at text,
    updated_at text
);
CREATE FUNCTION training_session_json(t training_sessions) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(t.id, t.course, spp_ts(t.starts_at), spp_ts(t.ends_at), t.location,
        t.capacity, t.hub_id, t.booked_count, t.capacity - t.booked_count, t.version,
        spp_ts(t.created_at), spp_ts(t.updated_at))::training_session_out)
$$;

CREATE TYPE booking_out AS (
    id uuid,
    session_id uuid,
    person_id uuid,
    status text,
    version integer,
    created_at text,
    updated_at text
);
CREATE FUNCTION booking_json(b bookings) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(b.id, b.session_id, b.person_id, b.status, b.version,
        spp_ts(b.created_at), spp_ts(b.updated_at))::booking_out)
$$;

CREATE TYPE accreditation_out AS (
    id uuid,
    person_id uuid,
    role text,
    source text,
    refresher boolean,
    awarded_on date,
    valid_until date,
    counts boolean,
    session_id uuid,
    note text,
    created_at text
);
CREATE FUNCTION accreditation_json(a accreditations) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(a.id, a.person_id, a.role, a.source, a.refresher, a.awarded_on,
        a.valid_until, a.counts, a.session_id, a.note, spp_ts(a.created_at))::accreditation_out)
$$;
