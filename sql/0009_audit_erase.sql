-- Issue 14: what the access audit, the export and the erasure need beyond 0008.

-- An erasure's reason is kept on its audit row (action 'erase'), visible to admins only through
-- GET /v1/audit and pruned with the rest after SPP_AUDIT_RETENTION_DAYS; the tombstone itself
-- keeps nothing but erased_at. Other actions leave it null.
ALTER TABLE audit_log ADD COLUMN reason text;

CREATE TYPE audit_out AS (
    id uuid, at text, actor text, action text, person_ids uuid[], route text, request_id text,
    reason text
);
CREATE FUNCTION audit_json(a audit_log) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(a.id, spp_ts(a.at), a.actor, a.action, a.person_ids, a.route,
        a.request_id, a.reason)::audit_out)
$$;

-- A person's representation gains erased_at (null until the person is erased).
ALTER TYPE person_out ADD ATTRIBUTE erased_at text;
CREATE OR REPLACE FUNCTION person_json(p people) RETURNS json LANGUAGE sql STABLE AS $$
    SELECT row_to_json(ROW(p.id, p.school_id, p.full_name, p.email, p.job_title, p.digest_opt_in,
        p.notification_preferences, p.version, spp_ts(p.created_at), spp_ts(p.updated_at),
        spp_ts(p.erased_at))::person_out)
$$;
