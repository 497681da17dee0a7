-- The review cycle (DESIGN §1, §1.1, §1.2): one school's peer review, its team, the evidence and
-- findings, the action plan, the best practices it shares, and an audit trail of events. There
-- is no grade, score or judgement anywhere, by design.

CREATE TABLE reviews (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    school_id uuid NOT NULL REFERENCES schools (id) ON DELETE RESTRICT,
    -- Copied from the school at creation: a review stays with the partnership it began in.
    partnership_id uuid REFERENCES partnerships (id) ON DELETE RESTRICT,
    focus text,
    focus_area text CHECK (focus_area IN ('our_impact', 'looking_forward', 'looking_inward',
        'looking_outward')),
    status text NOT NULL DEFAULT 'planning' CHECK (status IN ('planning', 'scheduled',
        'in_review', 'feedback', 'workshop', 'implementing', 'reflecting', 'completed',
        'cancelled')),
    self_review_summary text,
    review_starts_on date,
    review_ends_on date,
    workshop_on date,
    implementation_due_on date,
    impact_summary text,
    lessons_learned text,
    champion_id uuid REFERENCES people (id) ON DELETE RESTRICT,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX reviews_created ON reviews (created_at, id);
CREATE INDEX reviews_school ON reviews (school_id, created_at, id);
CREATE INDEX reviews_partnership ON reviews (partnership_id, created_at, id);
CREATE INDEX reviews_champion ON reviews (champion_id, workshop_on);
CREATE INDEX reviews_visit ON reviews (review_starts_on, review_ends_on);

CREATE TABLE review_team (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    review_id uuid NOT NULL REFERENCES reviews (id) ON DELETE RESTRICT,
    person_id uuid NOT NULL REFERENCES people (id) ON DELETE RESTRICT,
    role text NOT NULL CHECK (role IN ('lead_reviewer', 'peer_reviewer')),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    CONSTRAINT review_team_member_key UNIQUE (review_id, person_id)
);
CREATE INDEX review_team_person ON review_team (person_id);
CREATE INDEX review_team_review ON review_team (review_id, created_at, id);

CREATE TABLE evidence (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    review_id uuid NOT NULL REFERENCES reviews (id) ON DELETE RESTRICT,
    kind text NOT NULL CHECK (kind IN ('lesson_observation', 'work_scrutiny', 'staff_interview',
        'pupil_interview', 'external_source', 'document', 'other')),
    summary text NOT NULL,
    source_url text,
    recorded_by uuid NOT NULL REFERENCES people (id) ON DELETE RESTRICT,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX evidence_review ON evidence (review_id, created_at, id);
CREATE INDEX evidence_recorder ON evidence (recorded_by);

CREATE TABLE findings (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    review_id uuid NOT NULL REFERENCES reviews (id) ON DELETE RESTRICT,
    kind text NOT NULL CHECK (kind IN ('strength', 'area_for_development', 'question')),
    text text NOT NULL,
    evidence_ids uuid[] NOT NULL DEFAULT '{}',
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX findings_review ON findings (review_id, created_at, id);

CREATE TABLE actions (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    review_id uuid NOT NULL REFERENCES reviews (id) ON DELETE RESTRICT,
    description text NOT NULL,
    owner_id uuid REFERENCES people (id) ON DELETE RESTRICT,
    due_on date,
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'in_progress', 'done', 'dropped')),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX actions_review ON actions (review_id, created_at, id);
CREATE INDEX actions_owner_due ON actions (owner_id, due_on) WHERE status IN ('open', 'in_progress');

-- Principles learned; shared with the partnership (published_at set) when the review completes.
CREATE TABLE best_practices (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    review_id uuid NOT NULL REFERENCES reviews (id) ON DELETE RESTRICT,
    title text NOT NULL,
    description text NOT NULL,
    published_at timestamptz,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX best_practices_review ON best_practices (review_id, created_at, id);
CREATE INDEX best_practices_published ON best_practices (published_at DESC, id DESC)
    WHERE published_at IS NOT NULL;

-- The audit trail: every transition and assignment, oldest first. The id doubles as the
-- webhook event id.
CREATE TABLE review_events (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    review_id uuid NOT NULL REFERENCES reviews (id) ON DELETE RESTRICT,
    kind text NOT NULL,
    from_status text,
    to_status text,
    actor text,
    reason text,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX review_events_review ON review_events (review_id, created_at, id);

CREATE TYPE review_out AS (
    id uuid, school_id uuid, partnership_id uuid, focus text, focus_area text, status text,
    self_review_summary text, review_starts_on date, review_ends_on date, workshop_on date,
    implementation_due_on date, impact_summary text, lessons_learned text, champion_id uuid,
    version integer, created_at text, updated_at text
);
CREATE FUNCTION review_json(r reviews) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(r.id, r.school_id, r.partnership_id, r.focus, r.focus_area, r.status,
        r.self_review_summary, r.review_starts_on, r.review_ends_on, r.workshop_on,
        r.implementation_due_on, r.impact_summary, r.lessons_learned, r.champion_id, r.version,
        spp_ts(r.created_at), spp_ts(r.updated_at))::review_out)
$$;

CREATE TYPE team_member_out AS (
    id uuid, review_id uuid, person_id uuid, role text, version integer, created_at text,
    updated_at text
);
CREATE FUNCTION team_member_json(t review_team) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(t.id, t.review_id, t.person_id, t.role, t.version,
        spp_ts(t.created_at), spp_ts(t.updated_at))::team_member_out)
$$;

CREATE TYPE evidence_out AS (
    id uuid, review_id uuid, kind text, summary text, source_url text, recorded_by uuid,
    version integer, created_at text, updated_at text
);
CREATE FUNCTION evidence_json(e evidence) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(e.id, e.review_id, e.kind, e.summary, e.source_url, e.recorded_by,
        e.version, spp_ts(e.created_at), spp_ts(e.updated_at))::evidence_out)
$$;

CREATE TYPE finding_out AS (
    id uuid, review_id uuid, kind text, text text, evidence_ids uuid[], version integer,
    created_at text, updated_at text
);
CREATE FUNCTION finding_json(f findings) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(f.id, f.review_id, f.kind, f.text, f.evidence_ids, f.version,
        spp_ts(f.created_at), spp_ts(f.updated_at))::finding_out)
$$;

CREATE TYPE action_out AS (
    id uuid, review_id uuid, description text, owner_id uuid, due_on date, status text,
    version integer, created_at text, updated_at text
);
CREATE FUNCTION action_json(a actions) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(a.id, a.review_id, a.description, a.owner_id, a.due_on, a.status,
        a.version, spp_ts(a.created_at), spp_ts(a.updated_at))::action_out)
$$;

CREATE TYPE best_practice_out AS (
    id uuid, review_id uuid, title text, description text, published_at text, version integer,
    created_at text, updated_at text
);
CREATE FUNCTION best_practice_json(b best_practices) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(b.id, b.review_id, b.title, b.description, spp_ts(b.published_at),
        b.version, spp_ts(b.created_at), spp_ts(b.updated_at))::best_practice_out)
$$;

CREATE TYPE review_event_out AS (
    id uuid, kind text, "from" text, "to" text, actor text, reason text, created_at text
);
CREATE FUNCTION review_event_json(e review_events) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(e.id, e.kind, e.from_status, e.to_status, e.actor, e.reason,
        spp_ts(e.created_at))::review_event_out)
$$;
