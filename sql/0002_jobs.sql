-- The job ledger (DESIGN §4): every unit of background work is a row here, written in the same
-- transaction as the change that causes it. Redis only carries wake-ups (job ids); PostgreSQL
-- decides who runs what, under a lease, fenced by the attempt number.

CREATE TABLE jobs (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind text NOT NULL,
    payload jsonb NOT NULL DEFAULT '{}',
    -- One job per key: schedule slots, notifications. NULL for ordinary jobs.
    dedupe_key text,
    status text NOT NULL DEFAULT 'queued'
        CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'dead')),
    attempts integer NOT NULL DEFAULT 0,       -- attempts started; the fencing token
    max_attempts integer NOT NULL DEFAULT 8 CHECK (max_attempts >= 1),
    run_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    locked_by text,
    locked_until timestamptz,
    last_error text,
    -- When the id was last put on the stream; the sweeper publishes again what is due and was
    -- not published lately (a lost publish, Redis restarted empty).
    published_at timestamptz,
    -- The API key whose request caused the job ("admin-token" for the bootstrap token; NULL
    -- for the scheduler): that key may read the job at GET /v1/jobs/{id}.
    requested_by text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    started_at timestamptz,
    finished_at timestamptz
);
CREATE UNIQUE INDEX jobs_dedupe_key ON jobs (dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX jobs_due ON jobs (run_at) WHERE status IN ('queued', 'failed');
CREATE INDEX jobs_leased ON jobs (locked_until) WHERE status = 'running';
CREATE INDEX jobs_finished ON jobs (finished_at) WHERE status IN ('succeeded', 'dead');
CREATE INDEX jobs_listing ON jobs (status, kind, created_at, id);

CREATE TYPE job_out AS (
    id uuid,
    kind text,
    status text,
    attempts integer,
    max_attempts integer,
    run_at text,
    last_error text,
    created_at text,
    finished_at text
);
CREATE FUNCTION job_json(j jobs) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(j.id, j.kind, j.status, j.attempts, j.max_attempts, spp_ts(j.run_at),
        j.last_error, spp_ts(j.created_at), spp_ts(j.finished_at))::job_out)
$$;

-- One row per schedule slot that has been expanded into jobs (the nightly digest fans out to
-- one job per partnership): inserted with ON CONFLICT DO NOTHING in the same statement as the
-- jobs, so however many workers tick at once, a slot is expanded once.
CREATE TABLE schedule_slots (
    slot_key text PRIMARY KEY,
    run_at timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- The instant of wall-clock time `at` on `day` in time zone `tz`: the nightly slot. On the day
-- the clocks go forward a time in the gap maps forward; on the day they go back a repeated
-- time maps to one of its two instants. Either way each day has exactly one slot.
CREATE FUNCTION spp_local_slot(day date, at time, tz text) RETURNS timestamptz
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT (day + at) AT TIME ZONE tz $$;
