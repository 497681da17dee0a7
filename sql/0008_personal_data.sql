-- Issue 14: personal data (DESIGN §1.4). The tables that the access audit, erasure and the
-- calendar subscriptions share; the handlers that fill them are in services/api/handlers.

-- One row per read or change of people's records (a list read is one row naming everyone it
-- returned), written in the same transaction as what it records (spp_audit below).
-- actor: the API key's id; 'bootstrap' for the bootstrap admin token (SPP_ADMIN_TOKEN);
-- 'calendar-feed:<feed id>' for a calendar app reading a subscription URL.
CREATE TABLE audit_log (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    at timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor text NOT NULL,
    action text NOT NULL CHECK (action IN ('read', 'change', 'export', 'erase')),
    person_ids uuid[] NOT NULL,
    route text NOT NULL,
    request_id text NOT NULL
);
CREATE INDEX audit_log_at ON audit_log (at DESC, id DESC);
CREATE INDEX audit_log_actor ON audit_log (actor, at DESC, id DESC);
CREATE INDEX audit_log_people ON audit_log USING gin (person_ids);

-- Records one audit row; a read that returned nobody records nothing. Callable in the same
-- statement as the read (a data-modifying CTE or SELECT spp_audit(...) over the rows).
CREATE FUNCTION spp_audit(p_actor text, p_action text, p_people uuid[], p_route text,
                          p_request_id text) RETURNS void LANGUAGE sql AS $$
    INSERT INTO audit_log (actor, action, person_ids, route, request_id)
    SELECT p_actor, p_action, p_people, p_route, COALESCE(p_request_id, '')
    WHERE cardinality(p_people) > 0
$$;

-- Erasure leaves a tombstone: the row stays (reviews point at it), its personal fields go.
ALTER TABLE people ADD COLUMN erased_at timestamptz;
ALTER TABLE people ALTER COLUMN email DROP NOT NULL;
ALTER TABLE people ADD CONSTRAINT people_email_unless_erased
    CHECK (email IS NOT NULL OR erased_at IS NOT NULL);

-- Calendar subscription URLs (GET /feeds/calendar/{secret}.ics): one live feed per person, the
-- secret stored as its SHA-256 (hex), as API key tokens are.
CREATE TABLE calendar_feeds (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    person_id uuid NOT NULL UNIQUE REFERENCES people (id) ON DELETE CASCADE,
    secret_hash text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
