-- Issue 13: annual review plans (DESIGN §1.3). A plan is created as `generating` with the
-- plan.generate job that fills it (services/worker/jobs/plan_generate.c): `proposed` when every
-- school got a window and a team, `infeasible` when some are blocked (the others are still
-- proposed), `accepted` once its reviews exist.

CREATE TABLE review_plans (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    partnership_id uuid NOT NULL REFERENCES partnerships (id) ON DELETE RESTRICT,
    year_starts_on date NOT NULL,
    team_size integer NOT NULL DEFAULT 3 CHECK (team_size IN (3, 4)),
    visit_days integer NOT NULL DEFAULT 2 CHECK (visit_days BETWEEN 1 AND 5),
    status text NOT NULL DEFAULT 'generating'
        CHECK (status IN ('generating', 'proposed', 'infeasible', 'accepted')),
    -- [{school_id, visit_starts_on, visit_ends_on, team: [{person_id, school_id, role, reason}]}]
    proposals jsonb NOT NULL DEFAULT '[]',
    -- [{school_id, rule, message}]
    blocked jsonb NOT NULL DEFAULT '[]',
    review_ids uuid[] NOT NULL DEFAULT '{}',
    requested_by text,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX review_plans_partnership ON review_plans (partnership_id, created_at DESC, id DESC);

-- The plan as the API shows it, exactly DESIGN §1.3's fields.
CREATE FUNCTION review_plan_json(p review_plans) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT json_build_object('id', p.id, 'partnership_id', p.partnership_id,
        'year_starts_on', p.year_starts_on, 'team_size', p.team_size,
        'visit_days', p.visit_days, 'status', p.status, 'proposals', p.proposals,
        'blocked', p.blocked, 'review_ids', to_json(p.review_ids),
        'created_at', spp_ts(p.created_at), 'updated_at', spp_ts(p.updated_at))
$$;
