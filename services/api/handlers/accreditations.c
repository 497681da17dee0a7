/* Accreditations: the awards a person holds (attended courses and recorded awards) and what
 * they add up to. The rule is common/rules/accreditation.c; after any change to a person's awards
 * in a role, accreditations_refresh stores its outcome (valid_until, counts) on every award of that
 * person and role, so that "accredited as R on D" is a plain query.
 *
 * The HTTP side: /v1/people/{id}/accreditations (read by whoever sees the person; awards earned
 * elsewhere recorded by admin, hub and partnership keys) and /v1/accreditations/import, the
 * all-or-nothing bulk form of the same record for staff trained before they joined. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "accreditation.h"
#include "buf.h"
#include "config.h"
#include "handlers.h"
#include "list.h"
#include "resource.h"

/* The most items one import takes (DESIGN §3, bounded work); a bigger file is sent in several
 * requests (each is all or nothing, and re-sending one is safe). */
#define ACCR_IMPORT_MAX 10000

/* The columns of accreditation_json_fields (below) from accreditations a: a GET, a create's
 * answer and a list's items are written in C from them. */
#define ACCR_COLS                                                                                  \
    "a.id, a.person_id, a.role, a.source, a.refresher, "                                           \
    "to_char(a.awarded_on, 'YYYY-MM-DD') AS awarded_on, "                                          \
    "to_char(a.valid_until, 'YYYY-MM-DD') AS valid_until, a.counts, a.session_id, a.note, "        \
    "spp_micros(a.created_at) AS micros"

const struct db_stmt accreditations_statements[] = {
    /* The awards of every (person, role) pair of the aligned arrays $person_ids, $roles,
     * grouped by pair. */
    [ACCR_AWARDS] = {"accr_awards",
                     "SELECT a.id, a.source, a.refresher, a.awarded_on, a.person_id, a.role "
                     "FROM accreditations a JOIN unnest($person_ids::uuid[], $roles::text[]) "
                     "AS t (person_id, role) "
                     "ON a.person_id = t.person_id AND a.role = t.role "
                     "ORDER BY a.person_id, a.role, a.awarded_on, a.id FOR UPDATE OF a"},
    /* Every award of one refresh in one statement, from arrays aligned by award. */
    [ACCR_SET] = {"accr_set",
                  "UPDATE accreditations a SET valid_until = t.until, counts = t.counts "
                  "FROM unnest($ids::uuid[], $untils::date[], $counts::boolean[]) "
                  "AS t (id, until, counts) "
                  "WHERE a.id = t.id"},
    /* The award of attended booking $booking_id: its course decides role and refresher; the
     * date is the session's start in the schedules' time zone ($tz). */
    [ACCR_ATTENDED] =
        {"accr_attended",
         "INSERT INTO accreditations (person_id, role, source, refresher, awarded_on, valid_until, "
         "booking_id, session_id) SELECT b.person_id, regexp_replace(t.course, '_refresher$', ''), "
         "'training', t.course LIKE '%_refresher', (t.starts_at AT TIME ZONE $tz)::date, "
         "(t.starts_at AT TIME ZONE $tz)::date, b.id, t.id FROM bookings b "
         "JOIN training_sessions t ON t.id = b.session_id WHERE b.id = $booking_id "
         "ON CONFLICT (booking_id) DO NOTHING RETURNING person_id, role"},
    [ACCR_UNATTENDED] =
        {"accr_unattended",
         "DELETE FROM accreditations WHERE booking_id = $booking_id RETURNING person_id, role"},
    [ACCR_GET] = {"accr_get", "SELECT " ACCR_COLS " FROM accreditations a "
                              "WHERE a.id = $id AND a.person_id = $person_id"},
    /* Today in the schedules' time zone ($tz): an award cannot lie after it. */
    [ACCR_TODAY] = {"accr_today", "SELECT (now() AT TIME ZONE $tz)::date::text AS today"},
    /* Changes to one person's awards take turns, so that each refresh reads every award
     * committed before it (read committed: the statements after the lock see them). */
    [ACCR_PERSON_LOCK] = {"accr_person_lock",
                          "SELECT 1 FROM people WHERE id = $id FOR NO KEY UPDATE"},
    [ACCR_BOOKING_PERSON_LOCK] =
        {"accr_booking_person_lock",
         "SELECT 1 FROM people WHERE id = (SELECT person_id FROM bookings WHERE id = $booking_id) "
         "FOR NO KEY UPDATE"},
    /* valid_until starts as the award date and is set by the refresh that follows. */
    [ACCR_RECORD] =
        {"accr_record",
         "INSERT INTO accreditations (person_id, role, source, awarded_on, valid_until, note) "
         "VALUES ($person_id, $role, 'recorded', $awarded_on::date, $awarded_on::date, $note) "
         "RETURNING id"},
    /* The people an import names, in one query: $person_ids and $emails are aligned with the
     * items (one of the two set per item), and each row answers for item i (1-based) with that
     * person's owner chain for the visibility check. The people are locked like accr_person_lock
     * locks one, in id order so that concurrent imports cannot deadlock. Ids and emails are
     * matched apart (each by its index, or a hash join): one join on "id or email" compares
     * every item with every person. */
    [ACCR_IMPORT_PEOPLE] =
        {"accr_import_people",
         "WITH q AS (SELECT * FROM unnest($person_ids::uuid[], $emails::text[]) WITH ORDINALITY "
         "AS q (person_id, email, i)), "
         "m AS (SELECT q.i, pe.id FROM q JOIN people pe ON pe.id = q.person_id UNION ALL "
         "SELECT q.i, pe.id FROM q JOIN people pe ON lower(pe.email) = lower(q.email)) "
         "SELECT m.i, p.hub_id, s.partnership_id, s.id AS school_id, pe.id AS person_id FROM m "
         "JOIN people pe ON pe.id = m.id JOIN schools s ON s.id = pe.school_id "
         "LEFT JOIN partnerships p ON p.id = s.partnership_id "
         "ORDER BY pe.id FOR NO KEY UPDATE OF pe"},
    /* Every item of an import in one statement, from arrays aligned by item; an award already
     * recorded (or named twice) is skipped. Answers how many were added per person and role:
     * those are the ones to refresh. */
    [ACCR_IMPORT] =
        {"accr_import",
         "WITH added AS (INSERT INTO accreditations (person_id, role, source, awarded_on, "
         "valid_until, note) SELECT t.person_id, t.role, 'recorded', t.awarded_on, t.awarded_on, "
         "t.note FROM unnest($person_ids::uuid[], $roles::text[], $awarded_ons::date[], "
         "$notes::text[]) "
         "AS t (person_id, role, awarded_on, note) "
         "ON CONFLICT (person_id, role, awarded_on) WHERE source = 'recorded' DO NOTHING "
         "RETURNING person_id, role) "
         "SELECT person_id, role, count(*) AS added FROM added GROUP BY person_id, role"},
    {NULL, NULL},
};

static const char *const accreditation_roles[] = {"peer_reviewer", "improvement_champion", NULL};

/* The representation, and the writable fields: accr_record's $<field> values besides
 * $person_id. An award is recorded, never edited, so it has no version. */
static const struct vfield accreditation_fields[] = {
    {"id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"person_id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"role", V_ENUM, V_REQUIRED, 0, accreditation_roles, 0, 0},
    {"source", V_TEXT, V_READONLY, 0, NULL, 0, 0},
    {"refresher", V_BOOL, V_READONLY, 0, NULL, 0, 0},
    {"awarded_on", V_DATE, V_REQUIRED, 0, NULL, 0, 0},
    {"valid_until", V_DATE, V_READONLY, 0, NULL, 0, 0},
    {"counts", V_BOOL, V_READONLY, 0, NULL, 0, 0},
    {"session_id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"note", V_TEXT, 0, 0, NULL, 0, 0},
    {"created_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

/* One item of an import: the award's fields, its person named by exactly one of person_id and
 * email (checked apart, as validate_object knows no "one of"). */
static const struct vfield accreditation_import_fields[] = {
    {"person_id", V_UUID, 0, 0, NULL, 0, 0},
    {"email", V_EMAIL, 0, 0, NULL, 0, 0},
    {"role", V_ENUM, V_REQUIRED, 0, accreditation_roles, 0, 0},
    {"awarded_on", V_DATE, V_REQUIRED, 0, NULL, 0, 0},
    {"note", V_TEXT, 0, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

static const struct vfield accreditation_filters[] = {
    {"role", V_ENUM, 0, 0, accreditation_roles, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

static const char *const accreditation_list_filters[] = {
    "a.person_id = $id",
    "a.role = $role",
    NULL,
};

static struct list_variants accreditation_list_variants;

/* A person's awards, every row (those that do not count too), in the order of every list:
 * (created_at, id), oldest first, so that paging skips nothing under inserts. The scope goes
 * through the person's chain as in every other list, although the handler has checked the
 * person already. */
/* accreditation_json (sql/0003_training.sql) written in C: the same members in the same order,
 * from ACCR_COLS (dates as row_to_json writes those of years 1 to 9999, whatever the session's
 * DateStyle). */
static const struct rowjson_field accreditation_json_fields[] = {
    {"id", ROWJSON_STRING, NULL},           {"person_id", ROWJSON_STRING, NULL},
    {"role", ROWJSON_STRING, NULL},         {"source", ROWJSON_STRING, NULL},
    {"refresher", ROWJSON_BOOL, NULL},      {"awarded_on", ROWJSON_STRING, NULL},
    {"valid_until", ROWJSON_STRING, NULL},  {"counts", ROWJSON_BOOL, NULL},
    {"session_id", ROWJSON_STRING, NULL},   {"note", ROWJSON_STRING, NULL},
    {"created_at", ROWJSON_TIME, "micros"}, {NULL, ROWJSON_RAW, NULL},
};

static const struct list_desc accreditation_list = {
    .name = "accr_list",
    .select = "SELECT " ACCR_COLS " FROM accreditations a JOIN people pe ON pe.id = a.person_id "
              "JOIN schools s ON s.id = pe.school_id "
              "LEFT JOIN partnerships p ON p.id = s.partnership_id",
    .fields = accreditation_json_fields,
    .scope = LIST_CHAIN("p.hub_id", "s.partnership_id", "pe.school_id", "pe.id"),
    .query = accreditation_filters,
    .filters = accreditation_list_filters,
    .after = "(a.created_at, a.id) > (spp_from_micros($micros), $after::uuid)",
    .tail = "ORDER BY a.created_at, a.id LIMIT $limit",
    .variants = &accreditation_list_variants,
};

/* A PostgreSQL array literal built element by element: {"a","b",NULL}. */
struct accr_array {
    struct buf b;
    int n;
};

static void accr_array_init(struct accr_array *a)
{
    buf_init(&a->b);
    buf_putc(&a->b, '{');
    a->n = 0;
}

/* Appends s (NULL for SQL NULL), quoted with " and \ escaped so that any text survives. */
static void accr_array_add(struct accr_array *a, const char *s)
{
    if (a->n++)
        buf_putc(&a->b, ',');
    if (!s) {
        buf_puts(&a->b, "NULL");
        return;
    }
    buf_putc(&a->b, '"');
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            buf_putc(&a->b, '\\');
        buf_putc(&a->b, *s);
    }
    buf_putc(&a->b, '"');
}

/* Ends the literal: a copy in the request's arena; the builder is cleaned up. */
static const char *accr_array_finish(struct req *r, struct accr_array *a)
{
    buf_putc(&a->b, '}');
    const char *text = arena_strdup(&r->arena, a->b.data);
    buf_cleanup(&a->b);
    return text;
}

/* Refreshes every (person, role) pair named by the array literals people and roles (aligned)
 * with two statements, however many pairs and awards: one read, grouped by pair, and one
 * write. Returns 0 or -1 after answering. */
static int accreditations_refresh_many(struct req *r, const char *people, const char *roles)
{
    PGresult *res = req_db(r, &accreditations_statements[ACCR_AWARDS],
                           DB_ARGS({"person_ids", people}, {"roles", roles}));
    if (!res)
        return -1;
    int n = PQntuples(res);
    if (n == 0)
        return 0;
    int id = db_col(res, "id"), source = db_col(res, "source"),
        refresher = db_col(res, "refresher"), awarded_on = db_col(res, "awarded_on"),
        person = db_col(res, "person_id"), role = db_col(res, "role");
    struct accreditation_award *awards = arena_alloc(&r->arena, (size_t)n * sizeof *awards);
    for (int i = 0; i < n; i++) {
        int recorded = !strcmp(PQgetvalue(res, i, source), "recorded");
        int refreshes = PQgetvalue(res, i, refresher)[0] == 't';
        awards[i].kind = recorded ? ACCR_RECORDED : refreshes ? ACCR_REFRESHER : ACCR_INITIAL;
        caldate_parse(PQgetvalue(res, i, awarded_on), &awards[i].on);
    }
    /* Rows come grouped by (person, role): evaluate each group on its own. */
    for (int from = 0, to; from < n; from = to) {
        for (to = from + 1;
             to < n && !strcmp(PQgetvalue(res, to, person), PQgetvalue(res, from, person)) &&
             !strcmp(PQgetvalue(res, to, role), PQgetvalue(res, from, role));
             to++)
            ;
        accreditation_evaluate(awards + from, (size_t)(to - from),
                               system_config()->accreditation_months);
    }
    struct accr_array ids, untils, counts;
    accr_array_init(&ids);
    accr_array_init(&untils);
    accr_array_init(&counts);
    for (int i = 0; i < n; i++) {
        char until[11];
        caldate_format(awards[i].valid_until, until);
        accr_array_add(&ids, PQgetvalue(res, i, id));
        accr_array_add(&untils, until);
        accr_array_add(&counts, awards[i].counts ? "true" : "false");
    }
    const char *ids_text = accr_array_finish(r, &ids), *untils_text = accr_array_finish(r, &untils),
               *counts_text = accr_array_finish(r, &counts);
    return req_db(r, &accreditations_statements[ACCR_SET],
                  DB_ARGS({"ids", ids_text}, {"untils", untils_text}, {"counts", counts_text}))
               ? 0
               : -1;
}

int accreditations_refresh(struct req *r, const char *person_id, const char *role)
{
    struct accr_array people, roles;
    accr_array_init(&people);
    accr_array_init(&roles);
    accr_array_add(&people, person_id);
    accr_array_add(&roles, role);
    const char *pp = accr_array_finish(r, &people), *rr = accr_array_finish(r, &roles);
    return accreditations_refresh_many(r, pp, rr);
}

/* Runs one of the attendance statements and refreshes the person's awards in its role. */
static int accreditations_attendance(struct req *r, const struct db_stmt *stmt,
                                     const char *booking_id)
{
    /* Changes to one person's awards take turns on the person's row (as recording does), so
     * that each refresh sees every award committed before it. */
    if (!req_db(r, &accreditations_statements[ACCR_BOOKING_PERSON_LOCK],
                DB_ARGS({"booking_id", booking_id})))
        return -1;
    /* Both take $booking_id; only the award (ACCR_ATTENDED) dates it, in $tz. */
    const struct db_arg a[] = {{"booking_id", booking_id}, {"tz", system_config()->tz}};
    PGresult *res = req_db(r, stmt, stmt == &accreditations_statements[ACCR_ATTENDED] ? 2 : 1, a);
    if (!res)
        return -1;
    if (PQntuples(res) == 0)
        return 0;
    return accreditations_refresh(r, db_value(res, 0, "person_id"), db_value(res, 0, "role"));
}

int accreditations_attended(struct req *r, const char *booking_id)
{
    return accreditations_attendance(r, &accreditations_statements[ACCR_ATTENDED], booking_id);
}

int accreditations_unattended(struct req *r, const char *booking_id)
{
    return accreditations_attendance(r, &accreditations_statements[ACCR_UNATTENDED], booking_id);
}

/* ---- HTTP ---- */

/* Recording awards is for the keys that run the programme (DESIGN §2: admin, hub, partnership);
 * a school or person key is refused whatever it names (403), before anything is read. */
static int accreditations_may_record(struct req *r)
{
    if (r->principal.role <= ROLE_PARTNERSHIP)
        return 0;
    req_problem(r, 403, "forbidden", "Only admin, hub and partnership keys record awards.");
    return -1;
}

/* Today's date (YYYY-MM-DD, in the request's arena) in SPP_TZ, or NULL after answering. */
static const char *accreditations_today(struct req *r)
{
    PGresult *res =
        req_db(r, &accreditations_statements[ACCR_TODAY], DB_ARGS({"tz", system_config()->tz}));
    return res ? db_value(res, 0, "today") : NULL;
}

/* Adds a future_date problem at pointer when obj's awarded_on is a well-formed date after
 * today (a malformed one has its own problem already). Dates compare as text. */
static void accreditations_check_date(const json_t *obj, const char *today, const char *pointer,
                                      json_t *errors)
{
    const char *on = json_string_value(json_object_get(obj, "awarded_on"));
    if (on && validate_date(on) && strcmp(on, today) > 0)
        validate_add(errors, pointer, "future_date", "must not be after today (%s)", today);
}

void accreditations_list(struct req *r)
{
    if (list_check(r, &accreditation_list) == 0 && resource_person(r, NULL) == 0)
        list_answer(r, &accreditation_list);
}

/* Seeing the path's person (resource_person) is all it takes to read its awards, and all a
 * recording key needs besides its role. */
void accreditations_get(struct req *r)
{
    if (resource_person(r, NULL) != 0)
        return;
    PGresult *res = resource_row(
        r, &accreditations_statements[ACCR_GET],
        DB_ARGS({"id", req_param(r, "accreditation_id")}, {"person_id", req_param(r, "id")}),
        "No such accreditation.");
    if (res)
        resource_reply(r, 200, res, 0, accreditation_json_fields);
}

/* Records an award earned elsewhere: 201 with the award as the rule leaves it (valid_until and
 * counts refreshed); the same person, role and date again answers 409. */
void accreditations_create(struct req *r)
{
    if (accreditations_may_record(r) != 0 || resource_person(r, NULL) != 0)
        return;
    const char *today = accreditations_today(r);
    if (!today)
        return;
    json_t *errors = json_array();
    validate_object(accreditation_fields, r->json, VALIDATE_CREATE, req_validate_ctx(), errors);
    accreditations_check_date(r->json, today, "/awarded_on", errors);
    if (resource_errors(r, errors) != 0)
        return;
    const char *person_id = req_param(r, "id");
    if (!req_db(r, &accreditations_statements[ACCR_PERSON_LOCK], DB_ARGS({"id", person_id})))
        return;
    struct db_arg a[4] = {{"person_id", person_id}};
    int nfields = resource_args(r, accreditation_fields, r->json, a + 1, sizeof a / sizeof *a - 1);
    if (nfields < 0)
        return;
    PGresult *res = req_db(r, &accreditations_statements[ACCR_RECORD], 1 + nfields, a);
    if (!res)
        return;
    const char *id = db_value(res, 0, "id");
    if (accreditations_refresh(r, person_id, json_string_value(json_object_get(r->json, "role"))) !=
        0)
        return;
    res = req_db(r, &accreditations_statements[ACCR_GET],
                 DB_ARGS({"id", id}, {"person_id", person_id}));
    if (!res)
        return;
    req_header(r, "Location",
               arena_printf(&r->arena, "/v1/people/%s/accreditations/%s", person_id, id));
    resource_reply(r, 201, res, 0, accreditation_json_fields);
}

/* ---- import ---- */

/* Moves the problems of item (an array validate_object filled, freed here) into errors, their
 * pointers made relative to prefix ("/items/3"). */
static void accreditations_rebase(json_t *errors, json_t *item, const char *prefix)
{
    size_t i;
    json_t *e;
    json_array_foreach(item, i, e)
    {
        const char *field = json_string_value(json_object_get(e, "field"));
        const char *rule = json_string_value(json_object_get(e, "rule"));
        const char *message = json_string_value(json_object_get(e, "message"));
        char ptr[256];
        snprintf(ptr, sizeof ptr, "%s%s", prefix, field ? field : "");
        validate_add(errors, ptr, rule, "%s", message ? message : "");
    }
    json_decref(item);
}

/* The member (person_id or email) by which item names its person when it names it by exactly
 * one, well formed; NULL otherwise (the item has a problem of its own then). */
static const char *accreditations_ref(const json_t *item, const char **value)
{
    static const char *const keys[] = {"person_id", "email"};
    const char *key = NULL;
    for (int k = 0; k < 2; k++) {
        const json_t *v = json_object_get(item, keys[k]);
        if (!v || json_is_null(v))
            continue;
        if (key)
            return NULL;
        key = keys[k];
        *value = json_string_value(v);
    }
    if (!key || !*value)
        return NULL;
    int ok = strcmp(key, "email") ? validate_uuid(*value) : validate_email(*value);
    return ok ? key : NULL;
}

/* Checks the envelope {"items": [1..ACCR_IMPORT_MAX]}, adding its problems to errors. Returns
 * the array (borrowed) when its items can be checked, else NULL. */
static json_t *accreditations_items(const json_t *body, json_t *errors)
{
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)body, key, v)
    {
        if (strcmp(key, "items") != 0) {
            char ptr[256];
            snprintf(ptr, sizeof ptr, "/%s", key);
            validate_add(errors, ptr, "unknown_field", "is not a field of an import");
        }
    }
    json_t *items = json_object_get(body, "items");
    if (!items)
        validate_add(errors, "/items", "required", "is required");
    else if (!json_is_array(items))
        validate_add(errors, "/items", "type", "must be an array");
    else if (json_array_size(items) < 1)
        validate_add(errors, "/items", "min_items", "must hold at least one item");
    else if (json_array_size(items) > ACCR_IMPORT_MAX)
        validate_add(errors, "/items", "max_items", "must have at most %d items", ACCR_IMPORT_MAX);
    else
        return items;
    return NULL;
}

/* Finds the person each item names, in one query, and writes into person_ids[i] the id of a
 * person the caller sees (NULL when the item names none, or none it may see). Returns 0, or -1
 * after answering a database error. */
static int accreditations_resolve(struct req *r, const json_t *items, const char **person_ids)
{
    size_t n = json_array_size(items);
    struct accr_array ids, emails;
    accr_array_init(&ids);
    accr_array_init(&emails);
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        const char *value = NULL;
        const char *key = accreditations_ref(json_array_get(items, i), &value);
        int by_id = key && !strcmp(key, "person_id");
        accr_array_add(&ids, by_id ? value : NULL);
        accr_array_add(&emails, key && !by_id ? value : NULL);
        any |= key != NULL;
        person_ids[i] = NULL;
    }
    const char *ids_text = accr_array_finish(r, &ids), *emails_text = accr_array_finish(r, &emails);
    if (!any)
        return 0;
    PGresult *res = req_db(r, &accreditations_statements[ACCR_IMPORT_PEOPLE],
                           DB_ARGS({"person_ids", ids_text}, {"emails", emails_text}));
    if (!res)
        return -1;
    int item = db_col(res, "i"), person = db_col(res, "person_id");
    for (int row = 0; row < PQntuples(res); row++) {
        long i = strtol(PQgetvalue(res, row, item), NULL, 10) - 1;
        struct scope_owner o;
        req_owner_from_row(res, row, &o);
        if (i >= 0 && (size_t)i < n && scope_visible(&r->principal, &o))
            person_ids[i] = PQgetvalue(res, row, person);
    }
    return 0;
}

/* Adds every problem of every item to errors, with pointers /items/N/... */
static void accreditations_check_items(const json_t *items, const char *today,
                                       const char **person_ids, json_t *errors)
{
    /* Once the answer is full and says so (too_many_errors), the rest is not looked at. */
    for (size_t i = 0; i < json_array_size(items) && json_array_size(errors) <= VALIDATE_ERRORS_MAX;
         i++) {
        const json_t *item = json_array_get(items, i);
        char prefix[32];
        snprintf(prefix, sizeof prefix, "/items/%zu", i);
        if (!json_is_object(item)) {
            validate_add(errors, prefix, "type", "must be an object");
            continue;
        }
        json_t *own = json_array();
        validate_object(accreditation_import_fields, item, VALIDATE_CREATE, req_validate_ctx(),
                        own);
        accreditations_rebase(errors, own, prefix);
        char ptr[64];
        snprintf(ptr, sizeof ptr, "%s/awarded_on", prefix);
        accreditations_check_date(item, today, ptr, errors);
        const json_t *by_id = json_object_get(item, "person_id");
        const json_t *by_email = json_object_get(item, "email");
        int named = (by_id && !json_is_null(by_id)) + (by_email && !json_is_null(by_email));
        if (named != 1) {
            validate_add(errors, prefix, "one_of",
                         "must name its person by exactly one of person_id and email");
            continue;
        }
        const char *value = NULL;
        const char *key = accreditations_ref(item, &value);
        if (key && !person_ids[i]) {
            snprintf(ptr, sizeof ptr, "%s/%s", prefix, key);
            validate_add(errors, ptr, "not_found", "names no person you can see");
        }
    }
}

/* POST /v1/accreditations/import: records many awards earned elsewhere, all or nothing. Every
 * item is checked before anything is written; an award already recorded is skipped, so that
 * running the same import again changes nothing. Answers 200 {"imported", "skipped"}. */
void accreditations_import(struct req *r)
{
    if (accreditations_may_record(r) != 0)
        return;
    const char *today = accreditations_today(r);
    if (!today)
        return;
    json_t *errors = json_array();
    json_t *items = accreditations_items(r->json, errors);
    size_t n = json_array_size(items);
    const char **person_ids = arena_alloc(&r->arena, (n ? n : 1) * sizeof *person_ids);
    if (items) {
        if (accreditations_resolve(r, items, person_ids) != 0) {
            json_decref(errors);
            return;
        }
        accreditations_check_items(items, today, person_ids, errors);
    }
    if (json_array_size(errors) > 0) {
        req_problem_errors(r, 422, "validation_failed",
                           "The import is not valid; nothing was recorded.", errors);
        return;
    }
    json_decref(errors);

    struct accr_array people, roles, dates, notes;
    accr_array_init(&people);
    accr_array_init(&roles);
    accr_array_init(&dates);
    accr_array_init(&notes);
    for (size_t i = 0; i < n; i++) {
        const json_t *item = json_array_get(items, i);
        accr_array_add(&people, person_ids[i]);
        accr_array_add(&roles, json_string_value(json_object_get(item, "role")));
        accr_array_add(&dates, json_string_value(json_object_get(item, "awarded_on")));
        accr_array_add(&notes, json_string_value(json_object_get(item, "note")));
    }
    const char *people_text = accr_array_finish(r, &people),
               *roles_text = accr_array_finish(r, &roles),
               *dates_text = accr_array_finish(r, &dates),
               *notes_text = accr_array_finish(r, &notes);
    PGresult *res = req_db(r, &accreditations_statements[ACCR_IMPORT],
                           DB_ARGS({"person_ids", people_text}, {"roles", roles_text},
                                   {"awarded_ons", dates_text}, {"notes", notes_text}));
    if (!res)
        return;
    long imported = 0;
    struct accr_array added_people, added_roles;
    accr_array_init(&added_people);
    accr_array_init(&added_roles);
    int person = db_col(res, "person_id"), role = db_col(res, "role"), added = db_col(res, "added");
    for (int row = 0; row < PQntuples(res); row++) {
        imported += strtol(PQgetvalue(res, row, added), NULL, 10);
        accr_array_add(&added_people, PQgetvalue(res, row, person));
        accr_array_add(&added_roles, PQgetvalue(res, row, role));
    }
    const char *ap = accr_array_finish(r, &added_people), *ar = accr_array_finish(r, &added_roles);
    if (PQntuples(res) > 0 && accreditations_refresh_many(r, ap, ar) != 0)
        return;
    json_t *out = json_object();
    json_object_set_new(out, "imported", json_integer(imported));
    json_object_set_new(out, "skipped", json_integer((json_int_t)n - imported));
    req_reply_json(r, 200, out);
}
