/* /v1/people: members of staff. A person's chain is its school's hub, partnership, school and
 * itself. The accredited_as + on filters read the accreditation rule's stored outcome
 * (handlers/accreditations.c). */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "handlers.h"
#include "notify.h"
#include "resource.h"

/* Columns of a single person: json, version, hub_id, partnership_id, school_id, person_id,
 * erased ("t" for a tombstone). */
#define PERSON_ROW                                                                                 \
    "SELECT person_json(pe)::text AS json, pe.version, p.hub_id, s.partnership_id, "               \
    "s.id AS school_id, pe.id AS person_id, pe.erased_at IS NOT NULL AS erased "                   \
    "FROM people pe JOIN schools s ON s.id = pe.school_id "                                        \
    "LEFT JOIN partnerships p ON p.id = s.partnership_id WHERE pe.id = $1"

/* The access audit (DESIGN §1.4) rides on the statement that reads or changes: its "audit"
 * CTE calls spp_audit once over the ids the statement returned (none: nothing recorded), with
 * the actor, route and request id of audit_who in the last three parameters. No extra round
 * trip, one row per request. */
const struct db_stmt person_statements[] = {
    [PERSON_LOCK] = {"person_lock", PERSON_ROW " FOR UPDATE OF pe"},
    /* GET of one person: the caller's scope ($2..$5: hub, partnership, school, person) is
     * applied here rather than after the read, so that only a read that answers is audited. */
    [PERSON_READ] =
        {"person_read",
         "WITH seen AS (" PEOPLE_SEEN_SQL "), "
         "audit AS (SELECT spp_audit($6, 'read', ARRAY(SELECT id FROM seen), $7, "
         "$8), " AUDIT_READ_COMMIT ") "
         "SELECT person_json(pe)::text, pe.version FROM seen JOIN people pe ON pe.id = seen.id "
         "CROSS JOIN audit"},
    /* A page of people; the audit names the ones answered ($10 is the limit plus one). */
    [PERSON_LIST] =
        {"person_list",
         "WITH page AS (SELECT person_json(pe)::text AS j, spp_micros(pe.created_at) AS m, pe.id, "
         "pe.created_at FROM people pe JOIN schools s ON s.id = pe.school_id "
         "LEFT JOIN partnerships p ON p.id = s.partnership_id "
         "WHERE ($1::uuid IS NULL OR p.hub_id = $1) AND ($2::uuid IS NULL OR s.partnership_id = "
         "$2) "
         "AND ($3::uuid IS NULL OR pe.school_id = $3) AND ($4::uuid IS NULL OR pe.id = $4) "
         "AND ($5::uuid IS NULL OR pe.school_id = $5) AND ($6::uuid IS NULL OR s.partnership_id = "
         "$6) "
         "AND ($7::text IS NULL OR strpos(lower(pe.full_name), lower($7)) > 0) "
         "AND ($8::bigint IS NULL OR (pe.created_at, pe.id) > (spp_from_micros($8), $9::uuid)) "
         /* accredited_as ($11) on $12, today in the schedules' time zone ($13) when not given: an
          * award that counts and whose interval holds the day (accreditations_refresh keeps them).
          */
         "AND ($11::text IS NULL OR EXISTS (SELECT 1 FROM accreditations a WHERE a.person_id = "
         "pe.id "
         "AND a.role = $11 AND a.counts AND COALESCE($12::date, (now() AT TIME ZONE $13)::date) "
         "BETWEEN a.awarded_on AND a.valid_until)) "
         "ORDER BY pe.created_at, pe.id LIMIT $10), "
         "shown AS (SELECT id FROM page ORDER BY created_at, id LIMIT $10 - 1), "
         "audit AS (SELECT spp_audit($14, 'read', ARRAY(SELECT id FROM shown), $15, "
         "$16), " AUDIT_READ_COMMIT ") "
         "SELECT j, m, id FROM page CROSS JOIN audit ORDER BY created_at, id"},
    [PERSON_INSERT] =
        {"person_insert",
         "WITH ins AS (INSERT INTO people (school_id, full_name, email, job_title, digest_opt_in, "
         "notification_preferences) VALUES ($1, $2, $3, $4, COALESCE($5::boolean, true), "
         "$6::jsonb) "
         "RETURNING person_json(people)::text AS j, version, id), "
         "audit AS (SELECT spp_audit($7, 'change', ARRAY(SELECT id FROM ins), $8, $9)) "
         "SELECT j, version, id FROM ins CROSS JOIN audit"},
    [PERSON_UPDATE] =
        {"person_update",
         "WITH up AS (UPDATE people SET school_id = $2, full_name = $3, email = $4, job_title = "
         "$5, "
         "digest_opt_in = $6, notification_preferences = $7::jsonb, version = version + 1, "
         "updated_at = clock_timestamp() WHERE id = $1 "
         "RETURNING person_json(people)::text AS j, version, id), "
         "audit AS (SELECT spp_audit($8, 'change', ARRAY(SELECT id FROM up), $9, $10)) "
         "SELECT j, version FROM up CROSS JOIN audit"},
    /* How many leads person $1 would stop being entitled to at school $2: a school's lead is
     * one of its people, a partnership's lead a person at one of its schools. */
    [PERSON_LEADS_ELSEWHERE] =
        {"person_leads_elsewhere",
         "SELECT (SELECT count(*) FROM schools s WHERE s.lead_contact_id = $1 AND s.id <> $2) + "
         "(SELECT count(*) FROM partnerships p WHERE p.lead_contact_id = $1 AND p.id IS DISTINCT "
         "FROM "
         "(SELECT partnership_id FROM schools WHERE id = $2))"},
    [PERSON_DELETE] =
        {"person_delete",
         "WITH del AS (DELETE FROM people WHERE id = $1 RETURNING id), "
         "audit AS (SELECT spp_audit($2, 'change', ARRAY(SELECT id FROM del), $3, $4)) "
         "SELECT 1 FROM del CROSS JOIN audit"},
    {NULL, NULL},
};

/* The writable fields in the order of person_insert's parameters. */
static const struct vfield person_fields[] = {
    {"id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"school_id", V_UUID, V_REQUIRED, 0, NULL, 0, 0},
    {"full_name", V_NAME, V_REQUIRED, 0, NULL, 0, 0},
    {"email", V_EMAIL, V_REQUIRED, 0, NULL, 0, 0},
    {"job_title", V_NAME, 0, 0, NULL, 0, 0},
    {"digest_opt_in", V_BOOL, V_NOT_NULL, 0, NULL, 0, 0},
    {"notification_preferences", V_BOOL_MAP, V_NOT_NULL, 0, notify_reminder_kinds, 0, 0},
    {"version", V_INT, V_READONLY, 0, NULL, 0, 0},
    {"created_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {"updated_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

static const char *const person_accreditation_roles[] = {"peer_reviewer", "improvement_champion",
                                                         NULL};

static const struct vfield person_filters[] = {
    {"school_id", V_UUID, 0, 0, NULL, 0, 0},
    {"partnership_id", V_UUID, 0, 0, NULL, 0, 0},
    {"q", V_NAME, 0, 0, NULL, 0, 0},
    {"accredited_as", V_ENUM, 0, 0, person_accreditation_roles, 0, 0},
    {"on", V_DATE, 0, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

void people_list(struct req *r)
{
    if (req_check_query(r, person_filters, 1) != 0)
        return;
    if (req_query_get(r, "on") && !req_query_get(r, "accredited_as")) {
        req_invalid_field(r, "on", "requires", "is a date for accredited_as, which is missing");
        return;
    }
    struct page pg;
    req_page(r, &pg);
    const char *scope[4];
    scope_list_filter(&r->principal, scope);
    const char *p[] = {scope[0],
                       scope[1],
                       scope[2],
                       scope[3],
                       req_query_get(r, "school_id"),
                       req_query_get(r, "partnership_id"),
                       req_query_get(r, "q"),
                       pg.cursor_micros,
                       pg.cursor_id,
                       pg.limit_plus_one,
                       req_query_get(r, "accredited_as"),
                       req_query_get(r, "on"),
                       handlers_config()->tz,
                       NULL,
                       NULL,
                       NULL};
    audit_who(r, p + 13);
    PGresult *res = req_db(r, &person_statements[PERSON_LIST], 16, p);
    if (res)
        req_reply_page(r, res, &pg, 0, 1, 2);
}

/* The full preferences map (a new reference): every reminder kind on, overlaid by the stored
 * map and then by the given one (each may be NULL or null). Storing the whole map keeps the
 * representation explicit; a kind added later is filled in on the next write. */
static json_t *person_prefs(const json_t *stored, const json_t *given)
{
    json_t *prefs = json_object();
    for (int i = 0; notify_reminder_kinds[i]; i++)
        json_object_set_new(prefs, notify_reminder_kinds[i], json_true());
    if (json_is_object(stored))
        json_object_update(prefs, (json_t *)stored);
    if (json_is_object(given))
        json_object_update(prefs, (json_t *)given);
    return prefs;
}

void people_create(struct req *r)
{
    if (resource_role_may(r, SCOPE_PERSON, SCOPE_CREATE) != 0)
        return;
    if (req_check_body(r, person_fields, VALIDATE_CREATE) != 0)
        return;
    json_t *errors = json_array();
    struct scope_owner o;
    if (resource_ref(r, r->json, "school_id", SCOPE_SCHOOL, &o, errors) != 0) {
        json_decref(errors);
        return;
    }
    if (resource_errors(r, errors) != 0)
        return;
    if (req_allow(r, SCOPE_PERSON, SCOPE_CREATE, &o) != 0)
        return;
    /* A shallow copy carries the full preferences map, leaving the body as the client sent it. */
    json_t *body = json_copy(r->json);
    json_object_set_new(body, "notification_preferences",
                        person_prefs(NULL, json_object_get(r->json, "notification_preferences")));
    const char *p[9];
    int n = resource_params(r, person_fields, body, p, 6);
    json_decref(body);
    if (n < 0)
        return;
    audit_who(r, p + n);
    PGresult *res = req_db(r, &person_statements[PERSON_INSERT], n + 3, p);
    if (!res)
        return;
    resource_created(r, res);
}

/* Loads the person locked for a change and checks op; answers and returns NULL when it may not
 * go on (409 for a tombstone, which cannot be edited back). */
static PGresult *person_load(struct req *r, enum scope_op op)
{
    PGresult *res = resource_load(r, &person_statements[PERSON_LOCK], SCOPE_PERSON, op);
    if (res && op == SCOPE_UPDATE && db_value(res, 0, "erased")[0] == 't') {
        req_problem(r, 409, "conflict", "This person has been erased; the record cannot change.");
        return NULL;
    }
    return res;
}

PGresult *people_read_audited(struct req *r, const struct db_stmt *stmt)
{
    const char *p[8] = {req_param(r, "id")};
    scope_list_filter(&r->principal, p + 1);
    audit_who(r, p + 5);
    PGresult *res = req_db(r, stmt, 8, p);
    if (res && PQntuples(res) == 0) {
        req_problem(r, 404, "not_found", "No such resource.");
        return NULL;
    }
    return res;
}

void people_get(struct req *r)
{
    PGresult *res = people_read_audited(r, &person_statements[PERSON_READ]);
    if (res)
        resource_reply(r, 200, res, 0);
}

/* Moving a person to another school takes the rights to remove it from where it is and to
 * create it where it lands: a person key may not move itself (403); a school key sees no other
 * school (422). A person who leads their school, or a partnership the new school is not in,
 * must hand that over first (409). Returns -1 after answering. */
static int person_check_move(struct req *r, const PGresult *cur, const json_t *merged)
{
    struct scope_owner from, to;
    req_owner_from_row(cur, 0, 2, &from);
    if (req_allow(r, SCOPE_PERSON, SCOPE_DELETE, &from) != 0)
        return -1;
    json_t *errors = json_array();
    if (resource_ref(r, merged, "school_id", SCOPE_SCHOOL, &to, errors) != 0) {
        json_decref(errors);
        return -1;
    }
    if (resource_errors(r, errors) != 0)
        return -1;
    snprintf(to.person_id, sizeof to.person_id, "%s", req_param(r, "id"));
    if (req_allow(r, SCOPE_PERSON, SCOPE_CREATE, &to) != 0)
        return -1;
    const char *p[] = {req_param(r, "id"), to.school_id};
    PGresult *res = req_db(r, &person_statements[PERSON_LEADS_ELSEWHERE], 2, p);
    if (!res)
        return -1;
    if (strcmp(PQgetvalue(res, 0, 0), "0") != 0) {
        req_problem(r, 409, "conflict",
                    "This person is the lead contact of their school or partnership; name "
                    "another lead before moving them.");
        return -1;
    }
    return 0;
}

void people_update(struct req *r)
{
    PGresult *cur = person_load(r, SCOPE_UPDATE);
    if (!cur || req_if_match(r, PQgetvalue(cur, 0, 1)) != 0)
        return;
    if (req_check_body(r, person_fields, VALIDATE_PATCH) != 0)
        return;
    int moving = resource_changes(PQgetvalue(cur, 0, 0), r->json, "school_id");
    json_t *was = json_loads(PQgetvalue(cur, 0, 0), 0, NULL);
    /* Preferences merge key by key into what is stored, unlike the rest of a merge patch,
     * where an object member replaces the whole value. */
    json_t *merged = resource_merge(PQgetvalue(cur, 0, 0), r->json);
    json_object_set_new(merged, "notification_preferences",
                        person_prefs(json_object_get(was, "notification_preferences"),
                                     json_object_get(r->json, "notification_preferences")));
    json_decref(was);
    if (moving && person_check_move(r, cur, merged) != 0) {
        json_decref(merged);
        return;
    }
    const char *p[10];
    p[0] = req_param(r, "id");
    int nparams = resource_params(r, person_fields, merged, p + 1, 6);
    json_decref(merged); /* the parameters are copies in the arena */
    if (nparams < 0)
        return;
    audit_who(r, p + 7);
    PGresult *res = req_db(r, &person_statements[PERSON_UPDATE], 10, p);
    if (res)
        resource_reply(r, 200, res, 0);
}

/* A person still referred to (conflicts, unavailability, a lead contact, a live key) is
 * refused by the foreign keys: 409. */
void people_delete(struct req *r)
{
    PGresult *cur = person_load(r, SCOPE_DELETE);
    if (!cur || req_if_match(r, PQgetvalue(cur, 0, 1)) != 0)
        return;
    const char *p[4] = {req_param(r, "id")};
    audit_who(r, p + 1);
    if (req_db(r, &person_statements[PERSON_DELETE], 4, p))
        req_reply_empty(r, 204);
}
