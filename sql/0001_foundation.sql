-- The foundation: hubs, partnerships, schools, people, their conflicts and unavailability,
-- API keys and stored idempotent answers. Every mutable row has a version for ETag/If-Match;
-- foreign keys restrict deletes (nothing cascades).

-- RFC 3339 UTC text for a timestamp, as the API shows it.
CREATE FUNCTION spp_ts(t timestamptz) RETURNS text
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') $$;

-- Microseconds since the epoch: the keyset half of a list cursor.
CREATE FUNCTION spp_micros(t timestamptz) RETURNS bigint
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT (EXTRACT(EPOCH FROM t) * 1000000)::bigint $$;

CREATE FUNCTION spp_from_micros(m bigint) RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT 'epoch'::timestamptz + m * interval '1 microsecond' $$;

CREATE TABLE hubs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL,
    region text NOT NULL,
    contact_email text,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX hubs_created ON hubs (created_at, id);

CREATE TABLE partnerships (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('mat', 'teaching_school_alliance', 'local_authority', 'informal')),
    hub_id uuid REFERENCES hubs (id) ON DELETE RESTRICT,
    phase text NOT NULL DEFAULT 'build' CHECK (phase IN ('build', 'embed', 'sustain')),
    phase_started_on date NOT NULL DEFAULT CURRENT_DATE,
    digest_enabled boolean NOT NULL DEFAULT true,
    timezone text NOT NULL DEFAULT 'Europe/London',
    lead_contact_id uuid, -- REFERENCES people, added below
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX partnerships_created ON partnerships (created_at, id);
CREATE INDEX partnerships_hub ON partnerships (hub_id, created_at, id);

CREATE TABLE schools (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    urn text NOT NULL CONSTRAINT schools_urn_key UNIQUE CHECK (urn ~ '^[0-9]{6,7}$'),
    name text NOT NULL,
    phase_of_education text NOT NULL CHECK (phase_of_education IN ('nursery', 'primary',
        'secondary', 'all_through', 'special', 'alternative_provision', 'post_16')),
    local_authority text NOT NULL,
    postcode text,
    partnership_id uuid REFERENCES partnerships (id) ON DELETE RESTRICT,
    lead_contact_id uuid, -- REFERENCES people, added below
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX schools_created ON schools (created_at, id);
CREATE INDEX schools_partnership ON schools (partnership_id, created_at, id);

CREATE TABLE people (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    school_id uuid NOT NULL REFERENCES schools (id) ON DELETE RESTRICT,
    full_name text NOT NULL,
    email text NOT NULL,
    job_title text,
    digest_opt_in boolean NOT NULL DEFAULT true,
    -- The full map of reminder kinds (common/notify.c) to on/off, written whole by the API;
    -- a kind missing from it (one added later) counts as on.
    notification_preferences jsonb NOT NULL DEFAULT '{}',
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE UNIQUE INDEX people_email_key ON people (lower(email));
CREATE INDEX people_created ON people (created_at, id);
CREATE INDEX people_school ON people (school_id, created_at, id);

ALTER TABLE partnerships ADD CONSTRAINT partnerships_lead_contact_fkey
    FOREIGN KEY (lead_contact_id) REFERENCES people (id) ON DELETE RESTRICT;
ALTER TABLE schools ADD CONSTRAINT schools_lead_contact_fkey
    FOREIGN KEY (lead_contact_id) REFERENCES people (id) ON DELETE RESTRICT;

CREATE TABLE conflicts (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    person_id uuid NOT NULL REFERENCES people (id) ON DELETE RESTRICT,
    school_id uuid NOT NULL REFERENCES schools (id) ON DELETE RESTRICT,
    reason text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT conflicts_person_school_key UNIQUE (person_id, school_id)
);
CREATE INDEX conflicts_person ON conflicts (person_id, created_at, id);
CREATE INDEX conflicts_school ON conflicts (school_id);

CREATE TABLE unavailability (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    person_id uuid NOT NULL REFERENCES people (id) ON DELETE RESTRICT,
    from_on date NOT NULL,
    to_on date NOT NULL,
    reason text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK (from_on <= to_on)
);
CREATE INDEX unavailability_person ON unavailability (person_id, created_at, id);

-- A key is bound to at most one of hub, partnership, school or person; the foreign keys keep
-- a bound entity from being deleted while a live key points at it.
CREATE TABLE api_keys (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL,
    role text NOT NULL CHECK (role IN ('admin', 'hub', 'partnership', 'school', 'person')),
    hub_id uuid REFERENCES hubs (id) ON DELETE RESTRICT,
    partnership_id uuid REFERENCES partnerships (id) ON DELETE RESTRICT,
    school_id uuid REFERENCES schools (id) ON DELETE RESTRICT,
    person_id uuid REFERENCES people (id) ON DELETE RESTRICT,
    scope_id uuid GENERATED ALWAYS AS (COALESCE(hub_id, partnership_id, school_id, person_id)) STORED,
    prefix text NOT NULL,
    token_hash text NOT NULL UNIQUE, -- hex SHA-256 of the token; the token itself is never stored
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    revoked_at timestamptz,
    CHECK ((role = 'admin') = (scope_id IS NULL)),
    CHECK (num_nonnulls(hub_id, partnership_id, school_id, person_id) <= 1),
    CHECK (role <> 'hub' OR hub_id IS NOT NULL),
    CHECK (role <> 'partnership' OR partnership_id IS NOT NULL),
    CHECK (role <> 'school' OR school_id IS NOT NULL),
    CHECK (role <> 'person' OR person_id IS NOT NULL)
);
CREATE INDEX api_keys_created ON api_keys (created_at, id);

-- The first successful answer to a POST with an Idempotency-Key, replayed for 24 hours.
CREATE TABLE idempotency_keys (
    owner text NOT NULL,
    key text NOT NULL,
    request_hash text NOT NULL,
    status integer NOT NULL,
    location text,
    etag text,
    body text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner, key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at);

-- The representations the API shows, in one place each: a row type naming the members and
-- a function building it. Both stay simple expressions so that PostgreSQL inlines them
-- (a sub-select here costs about seven times as much per row).
CREATE TYPE hub_out AS (
    id uuid,
    name text,
    region text,
    contact_email text,
    version integer,
    created_at text,
    updated_at text
);
CREATE FUNCTION hub_json(h hubs) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(h.id, h.name, h.region, h.contact_email, h.version, spp_ts(h.created_at), spp_ts(h.updated_at))::hub_out)
$$;

CREATE TYPE partnership_out AS (
    id uuid,
    name text,
    kind text,
    hub_id uuid,
    phase text,
    phase_started_on date,
    digest_enabled boolean,
    timezone text,
    lead_contact_id uuid,
    version integer,
    created_at text,
    updated_at text
);
CREATE FUNCTION partnership_json(p partnerships) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(p.id, p.name, p.kind, p.hub_id, p.phase, p.phase_started_on, p.digest_enabled, p.timezone, p.lead_contact_id, p.version, spp_ts(p.created_at), spp_ts(p.updated_at))::partnership_out)
$$;

CREATE TYPE school_out AS (
    id uuid,
    urn text,
    name text,
    phase_of_education text,
    local_authority text,
    postcode text,
    partnership_id uuid,
    lead_contact_id uuid,
    version integer,
    created_at text,
    updated_at text
);
CREATE FUNCTION school_json(s schools) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(s.id, s.urn, s.name, s.phase_of_education, s.local_authority, s.postcode, s.partnership_id, s.lead_contact_id, s.version, spp_ts(s.created_at), spp_ts(s.updated_at))::school_out)
$$;

CREATE TYPE person_out AS (
    id uuid,
    school_id uuid,
    full_name text,
    email text,
    job_title text,
    digest_opt_in boolean,
    notification_preferences jsonb,
    version integer,
    created_at text,
    updated_at text
);
CREATE FUNCTION person_json(p people) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(p.id, p.school_id, p.full_name, p.email, p.job_title, p.digest_opt_in, p.notification_preferences, p.version, spp_ts(p.created_at), spp_ts(p.updated_at))::person_out)
$$;

CREATE TYPE conflict_out AS (
    id uuid,
    person_id uuid,
    school_id uuid,
    reason text,
    created_at text
);
CREATE FUNCTION conflict_json(c conflicts) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(c.id, c.person_id, c.school_id, c.reason, spp_ts(c.created_at))::conflict_out)
$$;

CREATE TYPE unavailability_out AS (
    id uuid,
    person_id uuid,
    from_on date,
    to_on date,
    reason text,
    created_at text
);
CREATE FUNCTION unavailability_json(u unavailability) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(u.id, u.person_id, u.from_on, u.to_on, u.reason, spp_ts(u.created_at))::unavailability_out)
$$;

CREATE TYPE api_key_out AS (
    id uuid,
    name text,
    role text,
    scope_id uuid,
    prefix text,
    created_at text,
    revoked_at text
);
CREATE FUNCTION api_key_json(k api_keys) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(k.id, k.name, k.role, k.scope_id, k.prefix, spp_ts(k.created_at), spp_ts(k.revoked_at))::api_key_out)
$$;
