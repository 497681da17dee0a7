/* /v1/training-sessions: course dates. Readable by every key (a hub's own sessions by that hub's
 * keys and everything beneath it); created and changed by admin keys and by the session's hub.
 * Every item shows booked_count and seats_left. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "handlers.h"
#include "list.h"
#include "resource.h"

/* Columns of a single session, read by name: json, version, hub_id, booked_count, capacity,
 * started. */
#define TRAINING_ROW                                                                               \
    "SELECT training_session_json(t)::text AS json, t.version, t.hub_id, t.booked_count, "         \
    "t.capacity, t.starts_at <= clock_timestamp() AS started FROM training_sessions t "            \
    "WHERE t.id = $id"

const struct db_stmt training_sessions_statements[] = {
    [TRAINING_GET] = {"training_get", TRAINING_ROW},
    [TRAINING_LOCK] = {"training_lock", TRAINING_ROW " FOR UPDATE"},
    [TRAINING_INSERT] =
        {"training_insert",
         "INSERT INTO training_sessions (course, starts_at, ends_at, location, capacity, hub_id) "
         "VALUES ($course, $starts_at, $ends_at, $location, $capacity::int, $hub_id) RETURNING "
         "training_session_json(training_sessions)::text AS json, version, id"},
    [TRAINING_UPDATE] =
        {"training_update",
         "UPDATE training_sessions SET course = $course, starts_at = $starts_at, "
         "ends_at = $ends_at, location = $location, capacity = $capacity::int, hub_id = $hub_id, "
         "version = version + 1, updated_at = clock_timestamp() WHERE id = $id"},
    [TRAINING_DELETE] = {"training_delete", "DELETE FROM training_sessions WHERE id = $id"},
    {NULL, NULL},
};

static const char *const training_courses[] = {"peer_reviewer", "improvement_champion",
                                               "peer_reviewer_refresher",
                                               "improvement_champion_refresher", NULL};

/* The writable fields are training_insert's and training_update's $<field> values. */
static const struct vfield training_fields[] = {
    {"id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"course", V_ENUM, V_REQUIRED, 0, training_courses, 0, 0},
    {"starts_at", V_TIMESTAMP, V_REQUIRED, 0, NULL, 0, 0},
    {"ends_at", V_TIMESTAMP, V_REQUIRED, 0, NULL, 0, 0},
    {"location", V_NAME, V_REQUIRED, 0, NULL, 0, 0},
    {"capacity", V_INT, V_REQUIRED, 0, NULL, 1, 10000},
    {"hub_id", V_UUID, 0, 0, NULL, 0, 0},
    {"booked_count", V_INT, V_READONLY, 0, NULL, 0, 0},
    {"seats_left", V_INT, V_READONLY, 0, NULL, 0, 0},
    {"version", V_INT, V_READONLY, 0, NULL, 0, 0},
    {"created_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {"updated_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

static const struct vfield training_filters[] = {
    {"course", V_ENUM, 0, 0, training_courses, 0, 0},
    {"hub_id", V_UUID, 0, 0, NULL, 0, 0},
    {"from", V_DATE, 0, 0, NULL, 0, 0},
    {"to", V_DATE, 0, 0, NULL, 0, 0},
    {"has_seats", V_BOOL, 0, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

/* Dates are days in the schedules' time zone. */
static const char *const training_list_filters[] = {
    "t.course = $course",
    "t.hub_id = $hub_id",
    /* Written value first: a filter is present when its first name's value is (list.h). */
    "$from::date <= (t.starts_at AT TIME ZONE $tz)::date",
    "$to::date >= (t.starts_at AT TIME ZONE $tz)::date",
    "(t.booked_count < t.capacity) = $has_seats::boolean",
    NULL,
};

static struct list_variants training_list_variants;

/* Every key but admin sees the sessions of no hub and those of the hub above it. */
#define TRAINING_VISIBLE "t.hub_id IS NULL OR t.hub_id = $hub"

static const struct list_desc training_list = {
    .name = "training_list",
    .select = "SELECT training_session_json(t)::text AS json, spp_micros(t.created_at) AS micros, "
              "t.id FROM training_sessions t",
    .scope = {LIST_ALL, TRAINING_VISIBLE, TRAINING_VISIBLE, TRAINING_VISIBLE, TRAINING_VISIBLE},
    .query = training_filters,
    .filters = training_list_filters,
    .after = "(t.created_at, t.id) > (spp_from_micros($micros), $after::uuid)",
    .tail = "ORDER BY t.created_at, t.id LIMIT $limit",
    .variants = &training_list_variants,
};

void training_sessions_list(struct req *r)
{
    list_page(r, &training_list);
}

/* The owner of a session for scope decisions: only its hub. */
static void training_owner(const char *hub_id, struct scope_owner *o)
{
    memset(o, 0, sizeof *o);
    snprintf(o->hub_id, sizeof o->hub_id, "%s", hub_id ? hub_id : "");
}

void training_sessions_create(struct req *r)
{
    if (resource_role_may(r, SCOPE_TRAINING, SCOPE_CREATE) != 0 ||
        req_check_body(r, training_fields, VALIDATE_CREATE) != 0)
        return;
    json_t *errors = json_array();
    if (resource_ref(r, r->json, "hub_id", SCOPE_HUB, NULL, errors) != 0) {
        json_decref(errors);
        return;
    }
    if (resource_errors(r, errors) != 0)
        return;
    struct scope_owner o;
    training_owner(json_string_value(json_object_get(r->json, "hub_id")), &o);
    if (req_allow(r, SCOPE_TRAINING, SCOPE_CREATE, &o) != 0)
        return;
    struct db_arg a[6];
    int n = resource_args(r, training_fields, r->json, a, sizeof a / sizeof *a);
    if (n < 0)
        return;
    /* A CHECK the row breaks is answered as the rule it is (req_db_answer: reversed dates at
     * /ends_at, seats below those taken at /capacity, …), not always as reversed dates. */
    PGresult *res = req_db(r, &training_sessions_statements[TRAINING_INSERT], n, a);
    if (!res)
        return;
    resource_created(r, res, NULL);
}

/* Loads a session (locked for a change) and checks op. Returns NULL after answering. */
PGresult *training_sessions_load(struct req *r, const char *id, int lock, enum scope_op op)
{
    PGresult *res = req_db(r,
                           lock ? &training_sessions_statements[TRAINING_LOCK]
                                : &training_sessions_statements[TRAINING_GET],
                           DB_ARGS({"id", id}));
    if (!res)
        return NULL;
    struct scope_owner o;
    training_owner(PQntuples(res) ? db_value_or_null(res, 0, "hub_id") : NULL, &o);
    if (PQntuples(res) == 0 || req_allow(r, SCOPE_TRAINING, op, &o) != 0) {
        /* The words req_allow uses for a session out of scope: absent and hidden read alike. */
        if (PQntuples(res) == 0)
            req_problem(r, 404, "not_found", "No such resource.");
        return NULL;
    }
    return res;
}

void training_sessions_get(struct req *r)
{
    PGresult *res = training_sessions_load(r, req_param(r, "id"), 0, SCOPE_READ);
    if (res)
        resource_reply(r, 200, res, 0, NULL);
}

void training_sessions_update(struct req *r)
{
    const char *id = req_param(r, "id");
    PGresult *cur = training_sessions_load(r, id, 1, SCOPE_UPDATE);
    if (!cur || req_if_match(r, db_value(cur, 0, "version")) != 0 ||
        req_check_body(r, training_fields, VALIDATE_PATCH) != 0)
        return;
    json_t *merged = resource_merge(db_value(cur, 0, "json"), r->json);
    json_t *errors = json_array();
    int booked = atoi(db_value(cur, 0, "booked_count"));
    json_int_t capacity = json_integer_value(json_object_get(merged, "capacity"));
    if (capacity < booked)
        validate_add(errors, "/capacity", "capacity_below_booked",
                     "cannot be lower than the %d places already taken", booked);
    int rc = 0;
    struct scope_owner to;
    if (resource_changes(db_value(cur, 0, "json"), r->json, "hub_id"))
        rc = resource_ref(r, merged, "hub_id", SCOPE_HUB, NULL, errors);
    training_owner(json_string_value(json_object_get(merged, "hub_id")), &to);
    if (rc != 0 || resource_errors(r, errors) != 0 ||
        req_allow(r, SCOPE_TRAINING, SCOPE_UPDATE, &to) != 0) {
        if (rc != 0)
            json_decref(errors);
        json_decref(merged);
        return;
    }
    struct db_arg a[7] = {{"id", id}};
    int nfields = resource_args(r, training_fields, merged, a + 1, sizeof a / sizeof *a - 1);
    json_decref(merged); /* the values are copies in the arena */
    if (nfields < 0)
        return;
    PGresult *res = req_db(r, &training_sessions_statements[TRAINING_UPDATE], 1 + nfields, a);
    if (!res)
        return;
    /* More capacity: the waiting list moves up into the new seats, oldest first. */
    if (capacity > booked && waitlist_promote(r, id, (int)(capacity - booked)) != 0)
        return;
    PGresult *now = training_sessions_load(r, id, 0, SCOPE_READ);
    if (now)
        resource_reply(r, 200, now, 0, NULL);
}

/* A session with bookings (even cancelled ones) is refused by the foreign key: 409. */
void training_sessions_delete(struct req *r)
{
    const char *id = req_param(r, "id");
    PGresult *cur = training_sessions_load(r, id, 1, SCOPE_DELETE);
    if (!cur || req_if_match(r, db_value(cur, 0, "version")) != 0)
        return;
    if (req_db(r, &training_sessions_statements[TRAINING_DELETE], DB_ARGS({"id", id})))
        req_reply_empty(r, 204);
}
