/* /v1/partnerships: clusters of schools, and POST /v1/partnerships/{id}/phase, which moves one
 * forward through build → embed → sustain. A partnership's chain is its hub and itself. */
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "phase.h"
#include "resource.h"

/* Columns of a single partnership: json, version, hub_id, partnership_id, school_id, person_id,
 * then its phase (for /phase). */
#define PARTNERSHIP_ROW                                                                            \
    "SELECT partnership_json(p)::text, p.version, p.hub_id, p.id, NULL::uuid, NULL::uuid, "        \
    "p.phase FROM partnerships p WHERE p.id = $1"

/* The review statuses in workflow order, the keys of reviews_by_status. */
#define SUMMARY_STATUSES                                                                           \
    "ARRAY['planning', 'scheduled', 'in_review', 'feedback', 'workshop', 'implementing', "         \
    "'reflecting', 'completed', 'cancelled']"

/* The summary's figures of every partnership WHERE sel, computed set-wise (each figure grouped
 * by partnership, never one query per partnership), each on "today" in the partnership's own
 * time zone. Ends in CTE f: one row per partnership with its summary object j, name, and the
 * counts the hub's totals add up (without_n, peer_n, champion_n, overdue_n, expiring_n); CTE rc
 * holds the review counts by partnership and status.
 *
 * pa holds who is accredited today in each role, with the last day of that accreditation (the
 * latest valid_until of the awards that count and cover today: a newer award or a refresher
 * carries it further). It is expiring when that day falls within SUMMARY_EXPIRING_DAYS. No
 * award lies in the future (the API refuses one), so every award that could carry it further
 * covers today and is in the max. */
#define SUMMARY_EXPIRING_DAYS "60"
#define PARTNERSHIP_SUMMARY(sel)                                                                   \
    "WITH p AS (SELECT id, name, (clock_timestamp() AT TIME ZONE timezone)::date AS today "        \
    "FROM partnerships WHERE " sel "), "                                                           \
    "rc AS (SELECT r.partnership_id AS pid, r.status, count(*) AS n FROM reviews r "               \
    "JOIN p ON p.id = r.partnership_id GROUP BY 1, 2), "                                           \
    "rs AS (SELECT p.id AS pid, json_object_agg(st.s, COALESCE(rc.n, 0) ORDER BY st.i) AS j "      \
    "FROM p CROSS JOIN unnest(" SUMMARY_STATUSES ") WITH ORDINALITY st (s, i) "                    \
    "LEFT JOIN rc ON rc.pid = p.id AND rc.status = st.s GROUP BY p.id), "                          \
    "nr AS (SELECT s.partnership_id AS pid, json_agg(json_build_object('id', s.id, 'name', "       \
    "s.name) ORDER BY s.name, s.id) AS j, count(*) AS n FROM schools s "                           \
    "JOIN p ON p.id = s.partnership_id WHERE NOT EXISTS (SELECT 1 FROM reviews r "                 \
    "WHERE r.school_id = s.id AND r.status <> 'cancelled' "                                        \
    "AND COALESCE(r.review_starts_on, r.created_at::date) > p.today - interval '12 months') "      \
    "GROUP BY 1), "                                                                                \
    "pa AS (SELECT p.id AS pid, p.today, pe.id AS person_id, pe.full_name, pe.school_id, a.role, " \
    "max(a.valid_until) AS until FROM p JOIN schools s ON s.partnership_id = p.id "                \
    "JOIN people pe ON pe.school_id = s.id JOIN accreditations a ON a.person_id = pe.id "          \
    "AND a.counts AND p.today BETWEEN a.awarded_on AND a.valid_until GROUP BY 1, 2, 3, 4, 5, 6), " \
    "ac AS (SELECT pid, count(*) FILTER (WHERE role = 'peer_reviewer') AS peer, "                  \
    "count(*) FILTER (WHERE role = 'improvement_champion') AS champion FROM pa GROUP BY pid), "    \
    "ex AS (SELECT pid, json_agg(json_build_object('person_id', person_id, 'full_name', "          \
    "full_name, 'school_id', school_id, 'role', role, 'valid_until', until) "                      \
    "ORDER BY until, full_name, person_id, role) AS j, count(*) AS n FROM pa "                     \
    "WHERE until <= today + " SUMMARY_EXPIRING_DAYS " GROUP BY pid), "                             \
    "od AS (SELECT r.partnership_id AS pid, json_agg(json_build_object('id', a.id, 'review_id', "  \
    "a.review_id, 'description', a.description, 'owner_id', a.owner_id, 'due_on', a.due_on) "      \
    "ORDER BY a.due_on, a.id) AS j, count(*) AS n FROM actions a "                                 \
    "JOIN reviews r ON r.id = a.review_id JOIN p ON p.id = r.partnership_id "                      \
    "WHERE r.status NOT IN ('completed', 'cancelled') AND a.status IN ('open', 'in_progress') "    \
    "AND a.due_on < p.today GROUP BY 1), "                                                         \
    "f AS (SELECT p.id, p.name, json_build_object('partnership_id', p.id, 'name', p.name, "        \
    "'as_of', p.today, 'reviews_by_status', rs.j, "                                                \
    "'schools_without_review_12_months', COALESCE(nr.j, '[]'), "                                   \
    "'accredited', json_build_object('peer_reviewer', COALESCE(ac.peer, 0), "                      \
    "'improvement_champion', COALESCE(ac.champion, 0)), "                                          \
    "'overdue_actions', COALESCE(od.j, '[]'), 'expiring_accreditations', COALESCE(ex.j, '[]')) "   \
    "AS j, COALESCE(nr.n, 0) AS without_n, COALESCE(ac.peer, 0) AS peer_n, "                       \
    "COALESCE(ac.champion, 0) AS champion_n, COALESCE(od.n, 0) AS overdue_n, "                     \
    "COALESCE(ex.n, 0) AS expiring_n FROM p JOIN rs ON rs.pid = p.id "                             \
    "LEFT JOIN nr ON nr.pid = p.id LEFT JOIN ac ON ac.pid = p.id "                                 \
    "LEFT JOIN ex ON ex.pid = p.id LEFT JOIN od ON od.pid = p.id) "

/* A partnership's phase_started_on is a day in its own time zone, not the server's. */
const struct db_stmt partnership_statements[] = {
    /* The partnership at a glance, today in its time zone (DESIGN §2 /summary). */
    {"partnership_summary", PARTNERSHIP_SUMMARY("id = $1") "SELECT f.j::text FROM f"},
    /* Every partnership of hub $1 at a glance, and the hub's totals (GET /v1/hubs/{id}/summary),
     * in this one statement: the figures are the partnership summary's, grouped by partnership.
     * A person is at one school, so the per-partnership counts of people add up without
     * counting anyone twice. */
    {"partnership_hub_summary",
     PARTNERSHIP_SUMMARY(
         "hub_id = $1") "SELECT json_build_object('hub_id', $1::uuid, "
                        "'partnerships', COALESCE(json_agg(f.j ORDER BY f.name, f.id), '[]'), "
                        "'totals', json_build_object('partnerships', count(f.id), "
                        "'reviews_by_status', "
                        "(SELECT json_object_agg(st.s, COALESCE((SELECT sum(rc.n) FROM rc WHERE "
                        "rc.status = st.s), "
                        "0)::bigint ORDER BY st.i) FROM unnest(" SUMMARY_STATUSES
                        ") WITH ORDINALITY st (s, i)), "
                        "'schools_without_review_12_months', COALESCE(sum(f.without_n), "
                        "0)::bigint, "
                        "'accredited', json_build_object('peer_reviewer', COALESCE(sum(f.peer_n), "
                        "0)::bigint, "
                        "'improvement_champion', COALESCE(sum(f.champion_n), 0)::bigint), "
                        "'overdue_actions', COALESCE(sum(f.overdue_n), 0)::bigint, "
                        "'expiring_accreditations', COALESCE(sum(f.expiring_n), 0)::bigint))::text "
                        "FROM f"},
    {"partnership_get", PARTNERSHIP_ROW},
    {"partnership_lock", PARTNERSHIP_ROW " FOR UPDATE"},
    /* School and person keys see no partnership (DESIGN §3: a school reads only its
     * partnership's best practices and digests). */
    {"partnership_list",
     "SELECT partnership_json(p)::text, spp_micros(p.created_at), p.id FROM partnerships p "
     "WHERE ($1::uuid IS NULL OR p.hub_id = $1) AND ($2::uuid IS NULL OR p.id = $2) "
     "AND $3::uuid IS NULL AND $4::uuid IS NULL AND ($5::uuid IS NULL OR p.hub_id = $5) "
     "AND ($6::text IS NULL OR strpos(lower(p.name), lower($6)) > 0) "
     "AND ($7::bigint IS NULL OR (p.created_at, p.id) > (spp_from_micros($7), $8::uuid)) "
     "ORDER BY p.created_at, p.id LIMIT $9"},
    {"partnership_insert",
     "INSERT INTO partnerships (name, kind, hub_id, digest_enabled, timezone, lead_contact_id, "
     "phase_started_on) VALUES ($1, $2, $3, COALESCE($4::boolean, true), "
     "COALESCE($5, 'Europe/London'), $6, "
     "(now() AT TIME ZONE COALESCE($5, 'Europe/London'))::date) "
     "RETURNING partnership_json(partnerships)::text, version, id"},
    {"partnership_update",
     "UPDATE partnerships SET name = $2, kind = $3, hub_id = $4, digest_enabled = $5, "
     "timezone = $6, lead_contact_id = $7, version = version + 1, "
     "updated_at = clock_timestamp() WHERE id = $1 "
     "RETURNING partnership_json(partnerships)::text, version"},
    {"partnership_phase",
     "UPDATE partnerships SET phase = $2, phase_started_on = (now() AT TIME ZONE timezone)::date, "
     "version = version + 1, updated_at = clock_timestamp() WHERE id = $1 "
     "RETURNING partnership_json(partnerships)::text, version"},
    {"partnership_delete", "DELETE FROM partnerships WHERE id = $1"},
    {NULL, NULL},
};

static const char *const partnership_kinds[] = {"mat", "teaching_school_alliance",
                                                "local_authority", "informal", NULL};

/* The writable fields in the order of partnership_insert's parameters. phase and
 * phase_started_on change only through /phase. */
static const struct vfield partnership_fields[] = {
    {"id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"name", V_NAME, V_REQUIRED, 0, NULL, 0, 0},
    {"kind", V_ENUM, V_REQUIRED, 0, partnership_kinds, 0, 0},
    {"hub_id", V_UUID, 0, 0, NULL, 0, 0},
    {"phase", V_ENUM, V_READONLY, 0, phase_names, 0, 0},
    {"phase_started_on", V_DATE, V_READONLY, 0, NULL, 0, 0},
    {"digest_enabled", V_BOOL, V_NOT_NULL, 0, NULL, 0, 0},
    {"timezone", V_TIMEZONE, V_NOT_NULL, 0, NULL, 0, 0},
    {"lead_contact_id", V_UUID, 0, 0, NULL, 0, 0},
    {"version", V_INT, V_READONLY, 0, NULL, 0, 0},
    {"created_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {"updated_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

static const struct vfield partnership_filters[] = {
    {"hub_id", V_UUID, 0, 0, NULL, 0, 0},
    {"q", V_NAME, 0, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

static const struct vfield partnership_phase_fields[] = {
    {"to", V_ENUM, V_REQUIRED, 0, phase_names, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

void partnerships_list(struct req *r)
{
    if (req_check_query(r, partnership_filters, 1) != 0)
        return;
    struct page pg;
    req_page(r, &pg);
    const char *scope[4];
    scope_list_filter(&r->principal, scope);
    const char *p[] = {scope[0],
                       scope[1],
                       scope[2],
                       scope[3],
                       req_query_get(r, "hub_id"),
                       req_query_get(r, "q"),
                       pg.cursor_micros,
                       pg.cursor_id,
                       pg.limit_plus_one};
    PGresult *res = req_db(r, "partnership_list", 9, p);
    if (res)
        req_reply_page(r, res, &pg, 0, 1, 2);
}

/* The lead contact must be a person at a school of this partnership (partnership_id NULL on
 * create: a new partnership has no schools, so any lead is refused). Adds to errors. */
static int partnership_check_lead(struct req *r, const char *partnership_id, const json_t *obj,
                                  json_t *errors)
{
    const json_t *lead = json_object_get(obj, "lead_contact_id");
    if (!json_is_string(lead))
        return 0;
    struct scope_owner o;
    int found = resource_chain(r, SCOPE_PERSON, json_string_value(lead), &o);
    if (found < 0)
        return -1;
    if (!found || !partnership_id || strcmp(o.partnership_id, partnership_id) != 0)
        validate_add(errors, "/lead_contact_id", "not_member",
                     "must be a person at a school of this partnership");
    return 0;
}

void partnerships_create(struct req *r)
{
    if (resource_role_may(r, SCOPE_PARTNERSHIP, SCOPE_CREATE) != 0)
        return;
    if (req_check_body(r, partnership_fields, VALIDATE_CREATE) != 0)
        return;
    json_t *errors = json_array();
    struct scope_owner o;
    if (resource_ref(r, r->json, "hub_id", SCOPE_HUB, &o, errors) != 0 ||
        partnership_check_lead(r, NULL, r->json, errors) != 0) {
        json_decref(errors);
        return;
    }
    if (resource_errors(r, errors) != 0)
        return;
    /* A hub key creates only under its own hub (without hub_id the chain is not its own). */
    if (req_allow(r, SCOPE_PARTNERSHIP, SCOPE_CREATE, &o) != 0)
        return;
    const char *p[6];
    int n = resource_params(r, partnership_fields, r->json, p, sizeof p / sizeof *p);
    if (n < 0)
        return;
    PGresult *res = req_db(r, "partnership_insert", n, p);
    if (!res)
        return;
    resource_created(r, res);
}

/* Loads the partnership (locked when lock is set) and checks op; answers and returns NULL when
 * it may not go on. */
static PGresult *partnership_load(struct req *r, int lock, enum scope_op op)
{
    return resource_load(r, lock ? "partnership_lock" : "partnership_get", SCOPE_PARTNERSHIP, op);
}

void partnerships_get(struct req *r)
{
    PGresult *res = partnership_load(r, 0, SCOPE_READ);
    if (res)
        resource_reply(r, 200, res, 0);
}

/* Checks the references a PATCH changes (an unchanged one is not re-checked, so a client may
 * send back what it read). Moving to another hub takes the rights to remove the partnership
 * from where it is and to create it where it lands: a partnership key may not re-home itself
 * (403), a hub key may place it only under its own hub. Returns -1 after answering. */
static int partnership_check_refs(struct req *r, const PGresult *cur, const json_t *merged)
{
    int moving = resource_changes(PQgetvalue(cur, 0, 0), r->json, "hub_id");
    int new_lead = resource_changes(PQgetvalue(cur, 0, 0), r->json, "lead_contact_id");
    struct scope_owner from, to;
    memset(&to, 0, sizeof to);
    req_owner_from_row(cur, 0, 2, &from);
    if (moving && req_allow(r, SCOPE_PARTNERSHIP, SCOPE_DELETE, &from) != 0)
        return -1;
    json_t *errors = json_array();
    int rc = moving ? resource_ref(r, merged, "hub_id", SCOPE_HUB, &to, errors) : 0;
    if (rc == 0 && new_lead)
        rc = partnership_check_lead(r, req_param(r, "id"), merged, errors);
    if (rc != 0) {
        json_decref(errors);
        return -1;
    }
    if (resource_errors(r, errors) != 0)
        return -1;
    snprintf(to.partnership_id, sizeof to.partnership_id, "%s", req_param(r, "id"));
    if (moving && req_allow(r, SCOPE_PARTNERSHIP, SCOPE_CREATE, &to) != 0)
        return -1;
    return 0;
}

void partnerships_update(struct req *r)
{
    PGresult *cur = partnership_load(r, 1, SCOPE_UPDATE);
    if (!cur || req_if_match(r, PQgetvalue(cur, 0, 1)) != 0)
        return;
    if (req_check_body(r, partnership_fields, VALIDATE_PATCH) != 0)
        return;
    json_t *merged = resource_merge(PQgetvalue(cur, 0, 0), r->json);
    if (partnership_check_refs(r, cur, merged) != 0) {
        json_decref(merged);
        return;
    }
    const char *p[7];
    p[0] = req_param(r, "id");
    int nparams = resource_params(r, partnership_fields, merged, p + 1, sizeof p / sizeof *p - 1);
    json_decref(merged); /* the parameters are copies in the arena */
    if (nparams < 0)
        return;
    PGresult *res = req_db(r, "partnership_update", 7, p);
    if (res)
        resource_reply(r, 200, res, 0);
}

/* POST /v1/partnerships/{id}/phase {"to": …}: exactly one step forward, else 409
 * invalid_transition. Starts the new phase today in the partnership's time zone. */
void partnerships_phase(struct req *r)
{
    PGresult *cur = partnership_load(r, 1, SCOPE_UPDATE);
    if (!cur || req_if_match(r, PQgetvalue(cur, 0, 1)) != 0)
        return;
    if (req_check_body(r, partnership_phase_fields, VALIDATE_CREATE) != 0)
        return;
    const char *from = PQgetvalue(cur, 0, 6);
    const char *to = json_string_value(json_object_get(r->json, "to"));
    if (phase_next_ok(from, to) != 0) {
        req_problem(r, 409, "invalid_transition",
                    arena_printf(&r->arena,
                                 "A partnership moves forward one phase at a time (build, embed, "
                                 "sustain); it is in %s and cannot move to %s.",
                                 from, to));
        return;
    }
    const char *p[] = {req_param(r, "id"), to};
    PGresult *res = req_db(r, "partnership_phase", 2, p);
    if (res)
        resource_reply(r, 200, res, 0);
}

/* A partnership that still has schools (or live keys) is refused by the foreign keys: 409. */
void partnerships_delete(struct req *r)
{
    PGresult *cur = partnership_load(r, 1, SCOPE_DELETE);
    if (!cur || req_if_match(r, PQgetvalue(cur, 0, 1)) != 0)
        return;
    const char *p[] = {req_param(r, "id")};
    if (req_db(r, "partnership_delete", 1, p))
        req_reply_empty(r, 204);
}

/* GET /v1/partnerships/{id}/summary: reviews by status, schools with no review in 12 months,
 * people accredited today in each role, overdue actions. Readable by whoever reads the
 * partnership. */
void partnerships_summary(struct req *r)
{
    if (!partnership_load(r, 0, SCOPE_READ))
        return;
    const char *p[] = {req_param(r, "id")};
    PGresult *res = req_db(r, "partnership_summary", 1, p);
    if (res)
        req_reply_text(r, 200, PQgetvalue(res, 0, 0));
}
