/* /v1/people: members of staff. A person's chain is its school's hub, partnership, school and
 * itself. The accredited_as + on filters read the accreditation rule's stored outcome
 * (handlers/accreditations.c). */
#include <string.h>

#include "config.h"
#include "handlers.h"
#include "list.h"
#include "notify.h"
#include "plain.h"
#include "resource.h"

/* The columns of people_json_fields (below) from people pe: a GET, a create's and an update's
 * answer and a list's items are written in C from them. */
#define PERSON_COLS                                                                                \
    "pe.id, pe.school_id, pe.full_name, pe.email, pe.job_title, pe.digest_opt_in, "                \
    "pe.notification_preferences, pe.version, spp_micros(pe.created_at) AS micros, "               \
    "spp_micros(pe.updated_at) AS updated_at, spp_micros(pe.erased_at) AS erased_at"

/* A single person: its columns (version among them), the owner chain (hub_id, partnership_id,
 * school_id, person_id), erased ("t" for a tombstone). */
#define PERSON_ROW                                                                                 \
    "SELECT " PERSON_COLS ", p.hub_id, s.partnership_id, "                                         \
    "s.id AS school_id, pe.id AS person_id, pe.erased_at IS NOT NULL AS erased "                   \
    "FROM people pe JOIN schools s ON s.id = pe.school_id "                                        \
    "LEFT JOIN partnerships p ON p.id = s.partnership_id WHERE pe.id = $id"

/* The access audit (DESIGN §1.4) rides on the statement that reads or changes: its "audit"
 * CTE calls spp_audit once over the ids the statement returned (none: nothing recorded), with
 * the actor, route and request id of resource_audit_args ($actor, $route, $request_id). No
 * extra round trip, one row per request. */
const struct db_stmt people_statements[] = {
    [PERSON_LOCK] = {"person_lock", PERSON_ROW " FOR UPDATE OF pe"},
    /* GET of one person: the caller's scope (PEOPLE_SEEN_SQL, handlers.h) is applied here
     * rather than after the read, so that only a read that answers is audited;
     * people_read_audited runs it, and privacy's export. */
    [PERSON_READ] = {"person_read",
                     "WITH seen AS (" PEOPLE_SEEN_SQL "), "
                     "audit AS (SELECT spp_audit($actor, 'read', ARRAY(SELECT id FROM seen), "
                     "$route, $request_id), " AUDIT_READ_COMMIT ") "
                     "SELECT " PERSON_COLS " FROM seen "
                     "JOIN people pe ON pe.id = seen.id "
                     "CROSS JOIN audit"},
    [PERSON_INSERT] =
        {"person_insert",
         "WITH ins AS (INSERT INTO people AS pe (school_id, full_name, email, job_title, "
         "digest_opt_in, "
         "notification_preferences) VALUES ($school_id, $full_name, $email, $job_title, "
         "COALESCE($digest_opt_in::boolean, true), $notification_preferences::jsonb) "
         "RETURNING " PERSON_COLS "), "
         "audit AS (SELECT spp_audit($actor, 'change', ARRAY(SELECT id FROM ins), $route, "
         "$request_id)) "
         "SELECT ins.* FROM ins CROSS JOIN audit"},
    [PERSON_UPDATE] =
        {"person_update",
         "WITH up AS (UPDATE people pe SET school_id = $school_id, full_name = $full_name, "
         "email = $email, job_title = $job_title, digest_opt_in = $digest_opt_in, "
         "notification_preferences = $notification_preferences::jsonb, version = version + 1, "
         "updated_at = clock_timestamp() WHERE id = $id "
         "RETURNING " PERSON_COLS "), "
         "audit AS (SELECT spp_audit($actor, 'change', ARRAY(SELECT id FROM up), $route, "
         "$request_id)) "
         "SELECT up.* FROM up CROSS JOIN audit"},
    /* How many leads person $id would stop being entitled to at school $school_id: a school's
     * lead is one of its people, a partnership's lead a person at one of its schools. */
    [PERSON_LEADS_ELSEWHERE] =
        {"person_leads_elsewhere",
         "SELECT (SELECT count(*) FROM schools s WHERE s.lead_contact_id = $id "
         "AND s.id <> $school_id) + (SELECT count(*) FROM partnerships p "
         "WHERE p.lead_contact_id = $id AND p.id IS DISTINCT FROM "
         "(SELECT partnership_id FROM schools WHERE id = $school_id)) AS leads"},
    [PERSON_DELETE] =
        {"person_delete",
         "WITH del AS (DELETE FROM people WHERE id = $id RETURNING id), "
         "audit AS (SELECT spp_audit($actor, 'change', ARRAY(SELECT id FROM del), $route, "
         "$request_id)) "
         "SELECT 1 FROM del CROSS JOIN audit"},
    {NULL, NULL},
};

/* The writable fields are person_insert's and person_update's $<field> values. */
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

static const char *const person_list_filters[] = {
    "pe.school_id = $school_id",
    "s.partnership_id = $partnership_id",
    "strpos(lower(pe.full_name), lower($q)) > 0",
    /* accredited_as on the date `on`, today in the schedules' time zone when not given: an
     * award that counts and whose interval holds the day (accreditations_refresh keeps them). */
    "EXISTS (SELECT 1 FROM accreditations a WHERE a.person_id = pe.id AND a.role = $accredited_as "
    "AND a.counts AND COALESCE($on::date, (now() AT TIME ZONE $tz)::date) "
    "BETWEEN a.awarded_on AND a.valid_until)",
    NULL,
};

static struct list_variants person_list_variants;

/* person_json (sql/0009_audit_erase.sql) written in C: the same members in the same order, from
 * PERSON_COLS. */
const struct rowjson_field people_json_fields[] = {
    {"id", ROWJSON_STRING, NULL},
    {"school_id", ROWJSON_STRING, NULL},
    {"full_name", ROWJSON_STRING, NULL},
    {"email", ROWJSON_STRING, NULL},
    {"job_title", ROWJSON_STRING, NULL},
    {"digest_opt_in", ROWJSON_BOOL, NULL},
    {"notification_preferences", ROWJSON_RAW, NULL},
    {"version", ROWJSON_RAW, NULL},
    {"created_at", ROWJSON_TIME, "micros"},
    {"updated_at", ROWJSON_TIME, NULL},
    {"erased_at", ROWJSON_TIME, NULL},
    {NULL, ROWJSON_RAW, NULL},
};

/* A page of people; the audit CTE names the ones answered (the page without its extra row). */
static const struct list_desc person_list = {
    .name = "person_list",
    .select = "WITH page AS (SELECT " PERSON_COLS ", pe.created_at "
              "FROM people pe JOIN schools s ON s.id = pe.school_id "
              "LEFT JOIN partnerships p ON p.id = s.partnership_id",
    .fields = people_json_fields,
    .scope = LIST_CHAIN("p.hub_id", "s.partnership_id", "pe.school_id", "pe.id"),
    .query = person_filters,
    .filters = person_list_filters,
    .after = "(pe.created_at, pe.id) > (spp_from_micros($micros), $after::uuid)",
    .tail = "ORDER BY pe.created_at, pe.id LIMIT $limit), "
            "shown AS (SELECT id FROM page ORDER BY created_at, id LIMIT $limit - 1), "
            "audit AS (SELECT spp_audit($audit_actor, 'read', ARRAY(SELECT id FROM shown), "
            "$audit_route, "
            "$audit_request), " AUDIT_READ_COMMIT ") "
            "SELECT page.* FROM page CROSS JOIN audit ORDER BY created_at, id",
    .variants = &person_list_variants,
};

void people_list(struct req *r)
{
    if (list_check(r, &person_list) != 0)
        return;
    if (req_query_get(r, "on") && !req_query_get(r, "accredited_as")) {
        req_invalid_field(r, "on", "requires", "is a date for accredited_as, which is missing");
        return;
    }
    list_answer(r, &person_list);
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

PGresult *people_read_audited(struct req *r, const struct db_stmt *stmt)
{
    const char *scope[4];
    scope_list_filter(&r->principal, scope);
    struct db_arg args[8] = {{"id", req_param(r, "id")},
                             {"scope_hub", scope[0]},
                             {"scope_partnership", scope[1]},
                             {"scope_school", scope[2]},
                             {"scope_person", scope[3]}};
    int n = 5 + resource_audit_args(r, args + 5);
    PGresult *res = req_db(r, stmt, n, args);
    if (res && PQntuples(res) == 0) {
        req_problem(r, 404, "not_found", "No such resource.");
        return NULL;
    }
    return res;
}

void people_get(struct req *r)
{
    PGresult *res = people_read_audited(r, &people_statements[PERSON_READ]);
    if (res)
        resource_reply(r, 200, res, 0, people_json_fields);
}

/* What a person adds to the plain write: the full preferences map (merged key by key into
 * what is stored, unlike the rest of a merge patch, where an object member replaces the whole
 * value), and on a move, which plain_update has already allowed (a person key may not move
 * itself: 403; a school key sees no other school: 422), a person who leads their school, or a
 * partnership the new school is not in, must hand that over first (409). */
static int person_before_write(struct req *r, const PGresult *cur, json_t *obj)
{
    const char *current = cur ? resource_json(r, cur, 0, people_json_fields) : NULL;
    if (cur && !current)
        return -1;
    json_t *was = current ? json_loads(current, 0, NULL) : NULL;
    json_object_set_new(obj, "notification_preferences",
                        person_prefs(json_object_get(was, "notification_preferences"),
                                     json_object_get(r->json, "notification_preferences")));
    json_decref(was);
    if (!cur || !resource_changes(current, r->json, "school_id"))
        return 0;
    PGresult *res =
        req_db(r, &people_statements[PERSON_LEADS_ELSEWHERE],
               DB_ARGS({"id", req_param(r, "id")},
                       {"school_id", json_string_value(json_object_get(obj, "school_id"))}));
    if (!res)
        return -1;
    if (strcmp(db_value(res, 0, "leads"), "0") != 0) {
        req_problem(r, 409, "conflict",
                    "This person is the lead contact of their school or partnership; name "
                    "another lead before moving them.");
        return -1;
    }
    return 0;
}

/* Admin and keys able to create at a school make people; a person moves between schools with
 * the rights to leave one and join the other. Every change is audited; an erased person's
 * tombstone cannot be edited back. GET and the list are audited reads of their own. */
static const struct resource_desc person_resource = {
    .kind = SCOPE_PERSON,
    .fields = person_fields,
    .list = &person_list,
    .json = people_json_fields,
    .lock = &people_statements[PERSON_LOCK],
    .insert = &people_statements[PERSON_INSERT],
    .update = &people_statements[PERSON_UPDATE],
    .remove = &people_statements[PERSON_DELETE],
    .role_gate = 1,
    .parent_field = "school_id",
    .parent_kind = SCOPE_SCHOOL,
    .audited = 1,
    .frozen_column = "erased",
    .frozen_detail = "This person has been erased; the record cannot change.",
    .before_write = person_before_write,
};

void people_create(struct req *r)
{
    plain_create(r, &person_resource);
}

void people_update(struct req *r)
{
    plain_update(r, &person_resource);
}

/* A person still referred to (conflicts, unavailability, a lead contact, a live key) is
 * refused by the foreign keys: 409. */
void people_delete(struct req *r)
{
    plain_delete(r, &person_resource);
}
