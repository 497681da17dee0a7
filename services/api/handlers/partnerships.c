/* /v1/partnerships: clusters of schools, and POST /v1/partnerships/{id}/phase, which moves one
 * forward through build → embed → sustain. A partnership's chain is its hub and itself. */
#include "handlers.h"
#include "phase.h"
#include "plain.h"

/* The columns of partnership_json_fields (below) from partnerships p: a GET, a create's, an
 * update's and a phase change's answer and a list's items are written in C from them. */
#define PARTNERSHIP_COLS                                                                           \
    "p.id, p.name, p.kind, p.hub_id, p.phase, "                                                    \
    "to_char(p.phase_started_on, 'YYYY-MM-DD') AS phase_started_on, p.digest_enabled, "            \
    "p.timezone, p.lead_contact_id, p.version, spp_micros(p.created_at) AS micros, "               \
    "spp_micros(p.updated_at) AS updated_at"

/* A single partnership: its columns (version and phase among them), then its owner chain. */
#define PARTNERSHIP_ROW                                                                            \
    "SELECT " PARTNERSHIP_COLS ", p.id AS partnership_id, NULL::uuid AS school_id, "               \
    "NULL::uuid AS person_id FROM partnerships p WHERE p.id = $id"

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
const struct db_stmt partnerships_statements[] = {
    /* The partnership at a glance, today in its time zone (DESIGN §2 /summary). */
    [PARTNERSHIP_SUMMARY_ONE] = {"partnership_summary",
                                 PARTNERSHIP_SUMMARY("id = $id") "SELECT f.j::text AS json FROM f"},
    /* Every partnership of hub $hub_id at a glance, and the hub's totals (GET
     * /v1/hubs/{id}/summary), in this one statement: the figures are the partnership summary's,
     * grouped by partnership. A person is at one school, so the per-partnership counts of people
     * add up without counting anyone twice. */
    [PARTNERSHIP_HUB_SUMMARY] =
        {"partnership_hub_summary",
         PARTNERSHIP_SUMMARY(
             "hub_id = $hub_id") "SELECT json_build_object('hub_id', $hub_id::uuid, "
                                 "'partnerships', COALESCE(json_agg(f.j ORDER BY f.name, f.id), "
                                 "'[]'), "
                                 "'totals', json_build_object('partnerships', count(f.id), "
                                 "'reviews_by_status', "
                                 "(SELECT json_object_agg(st.s, COALESCE((SELECT sum(rc.n) FROM rc "
                                 "WHERE "
                                 "rc.status = st.s), "
                                 "0)::bigint ORDER BY st.i) FROM unnest(" SUMMARY_STATUSES
                                 ") WITH ORDINALITY st (s, i)), "
                                 "'schools_without_review_12_months', COALESCE(sum(f.without_n), "
                                 "0)::bigint, "
                                 "'accredited', json_build_object('peer_reviewer', "
                                 "COALESCE(sum(f.peer_n), "
                                 "0)::bigint, "
                                 "'improvement_champion', COALESCE(sum(f.champion_n), 0)::bigint), "
                                 "'overdue_actions', COALESCE(sum(f.overdue_n), 0)::bigint, "
                                 "'expiring_accreditations', COALESCE(sum(f.expiring_n), "
                                 "0)::bigint))::text AS json "
                                 "FROM f"},
    [PARTNERSHIP_GET] = {"partnership_get", PARTNERSHIP_ROW},
    [PARTNERSHIP_LOCK] = {"partnership_lock", PARTNERSHIP_ROW " FOR UPDATE"},
    [PARTNERSHIP_INSERT] =
        {"partnership_insert",
         "INSERT INTO partnerships AS p (name, kind, hub_id, digest_enabled, timezone, "
         "lead_contact_id, "
         "phase_started_on) VALUES ($name, $kind, $hub_id, COALESCE($digest_enabled::boolean, "
         "true), COALESCE($timezone, 'Europe/London'), $lead_contact_id, "
         "(now() AT TIME ZONE COALESCE($timezone, 'Europe/London'))::date) "
         "RETURNING " PARTNERSHIP_COLS},
    [PARTNERSHIP_UPDATE] =
        {"partnership_update",
         "UPDATE partnerships p SET name = $name, kind = $kind, hub_id = $hub_id, "
         "digest_enabled = $digest_enabled, timezone = $timezone, "
         "lead_contact_id = $lead_contact_id, version = version + 1, "
         "updated_at = clock_timestamp() WHERE id = $id "
         "RETURNING " PARTNERSHIP_COLS},
    [PARTNERSHIP_PHASE] = {"partnership_phase",
                           "UPDATE partnerships p SET phase = $phase, phase_started_on = (now() AT "
                           "TIME ZONE timezone)::date, "
                           "version = version + 1, updated_at = clock_timestamp() WHERE id = $id "
                           "RETURNING " PARTNERSHIP_COLS},
    [PARTNERSHIP_DELETE] = {"partnership_delete", "DELETE FROM partnerships WHERE id = $id"},
    [PARTNERSHIP_STATEMENTS] = {NULL, NULL},
};

static const char *const partnership_kinds[] = {"mat", "teaching_school_alliance",
                                                "local_authority", "informal", NULL};

/* The writable fields are partnership_insert's and partnership_update's $<field> values. phase
 * and phase_started_on change only through /phase. */
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

static const char *const partnership_list_filters[] = {
    "p.hub_id = $hub_id",
    "strpos(lower(p.name), lower($q)) > 0",
    NULL,
};

static struct list_variants partnership_list_variants;

/* partnership_json (sql/0001_foundation.sql) written in C: the same members in the same order,
 * from PARTNERSHIP_COLS (the date as row_to_json writes one, whatever the session's
 * DateStyle). */
static const struct rowjson_field partnership_json_fields[] = {
    {"id", ROWJSON_STRING, NULL},
    {"name", ROWJSON_STRING, NULL},
    {"kind", ROWJSON_STRING, NULL},
    {"hub_id", ROWJSON_STRING, NULL},
    {"phase", ROWJSON_STRING, NULL},
    {"phase_started_on", ROWJSON_STRING, NULL},
    {"digest_enabled", ROWJSON_BOOL, NULL},
    {"timezone", ROWJSON_STRING, NULL},
    {"lead_contact_id", ROWJSON_STRING, NULL},
    {"version", ROWJSON_RAW, NULL},
    {"created_at", ROWJSON_TIME, "micros"},
    {"updated_at", ROWJSON_TIME, NULL},
    {NULL, ROWJSON_RAW, NULL},
};

/* School and person keys see no partnership (DESIGN §3: a school reads only its partnership's
 * best practices and digests). */
static const struct list_desc partnership_list = {
    .name = "partnership_list",
    .select = "SELECT " PARTNERSHIP_COLS " FROM partnerships p",
    .fields = partnership_json_fields,
    .scope = {LIST_ALL, LIST_ON("p.hub_id"), LIST_ON("p.id"), LIST_NONE, LIST_NONE},
    .query = partnership_filters,
    .filters = partnership_list_filters,
    .after = "(p.created_at, p.id) > (spp_from_micros($micros), $after::uuid)",
    .tail = "ORDER BY p.created_at, p.id LIMIT $limit",
    .variants = &partnership_list_variants,
};

static const struct vfield partnership_phase_fields[] = {
    {"to", V_ENUM, V_REQUIRED, 0, phase_names, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

/* A partnership sits under a hub: it moves between hubs with the rights to leave one and join
 * the other (a partnership key may not re-home itself, a hub key places it only under its own
 * hub); its lead contact is a person at one of its schools. */
static const struct resource_desc partnership_resource = {
    .kind = SCOPE_PARTNERSHIP,
    .fields = partnership_fields,
    .list = &partnership_list,
    .json = partnership_json_fields,
    .get = &partnerships_statements[PARTNERSHIP_GET],
    .lock = &partnerships_statements[PARTNERSHIP_LOCK],
    .insert = &partnerships_statements[PARTNERSHIP_INSERT],
    .update = &partnerships_statements[PARTNERSHIP_UPDATE],
    .remove = &partnerships_statements[PARTNERSHIP_DELETE],
    .role_gate = 1,
    .parent_field = "hub_id",
    .parent_kind = SCOPE_HUB,
    .member_field = "lead_contact_id",
    .member_detail = "must be a person at a school of this partnership",
};

void partnerships_list(struct req *r)
{
    plain_list(r, &partnership_resource);
}

void partnerships_create(struct req *r)
{
    plain_create(r, &partnership_resource);
}

void partnerships_get(struct req *r)
{
    plain_get(r, &partnership_resource);
}

void partnerships_update(struct req *r)
{
    plain_update(r, &partnership_resource);
}

/* POST /v1/partnerships/{id}/phase {"to": …}: exactly one step forward, else 409
 * invalid_transition. Starts the new phase today in the partnership's time zone. */
void partnerships_phase(struct req *r)
{
    PGresult *cur = plain_load(r, &partnership_resource, 1, SCOPE_UPDATE);
    if (!cur || req_if_match(r, db_value(cur, 0, "version")) != 0)
        return;
    if (req_check_body(r, partnership_phase_fields, VALIDATE_CREATE) != 0)
        return;
    const char *from = db_value(cur, 0, "phase");
    const char *to = json_string_value(json_object_get(r->json, "to"));
    if (phase_next_ok(from, to) != 0) {
        req_problem(r, 409, "invalid_transition",
                    arena_printf(&r->arena,
                                 "A partnership moves forward one phase at a time (build, embed, "
                                 "sustain); it is in %s and cannot move to %s.",
                                 from, to));
        return;
    }
    PGresult *res = req_db_commit(r, &partnerships_statements[PARTNERSHIP_PHASE],
                                  DB_ARGS({"id", req_param(r, "id")}, {"phase", to}));
    if (res)
        plain_reply(r, &partnership_resource, res);
}

/* A partnership that still has schools (or live keys) is refused by the foreign keys: 409. */
void partnerships_delete(struct req *r)
{
    plain_delete(r, &partnership_resource);
}

/* GET /v1/partnerships/{id}/summary: reviews by status, schools with no review in 12 months,
 * people accredited today in each role, overdue actions. Readable by whoever reads the
 * partnership. */
void partnerships_summary(struct req *r)
{
    if (!plain_load(r, &partnership_resource, 0, SCOPE_READ))
        return;
    PGresult *res = req_db(r, &partnerships_statements[PARTNERSHIP_SUMMARY_ONE],
                           DB_ARGS({"id", req_param(r, "id")}));
    if (res)
        req_reply_text(r, 200, db_value(res, 0, "json"));
}
