/* Bookings: a person's place on a training session. Every change to a session's bookings runs
 * with the session's row locked (always taken before any booking row), so concurrent bookings
 * from any number of connections queue on it: the seat count is exact and never goes over
 * capacity. Cancelling a booked place hands it to the oldest waitlisted booking in the same
 * transaction (waitlist.c); each person whose booking changed is told (a booking.changed
 * notification, through spp_notify: at most one per booking and day in the person's time
 * zone). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "booking.h"
#include "handlers.h"
#include "list.h"
#include "jobs.h"
#include "resource.h"

/* The columns of booking_json_fields (below) from bookings b: a GET, a create's and an update's
 * answer and a list's items are written in C from them. */
#define BOOKING_COLS                                                                               \
    "b.id, b.session_id, b.person_id, b.status, b.version, spp_micros(b.created_at) AS micros, "   \
    "spp_micros(b.updated_at) AS updated_at"

/* Columns of a single booking, read by name: its columns (version, person_id, session_id and
 * status among them), then the rest of the owner chain (the booked person's: hub_id,
 * partnership_id, school_id) for resource_load. */
#define BOOKING_ROW                                                                                \
    "SELECT " BOOKING_COLS ", p.hub_id, s.partnership_id, s.id AS school_id FROM bookings b "      \
    "JOIN people pe ON pe.id = b.person_id JOIN schools s ON s.id = pe.school_id "                 \
    "LEFT JOIN partnerships p ON p.id = s.partnership_id WHERE b.id = $id"

const struct db_stmt bookings_statements[] = {
    [BOOKING_GET] = {"booking_get", BOOKING_ROW},
    [BOOKING_LOCK] = {"booking_lock", BOOKING_ROW " FOR UPDATE OF b"},
    [BOOKING_INSERT] = {"booking_insert",
                        "INSERT INTO bookings AS b (session_id, person_id, status) "
                        "VALUES ($session_id, $person_id, $status) RETURNING " BOOKING_COLS},
    /* json is for the booking.changed webhook (waitlist.c), which keeps the SQL function; the
     * answer is written from the columns. */
    [BOOKING_SET_STATUS] = {"booking_set_status",
                            "UPDATE bookings b SET status = $status, version = version + 1, "
                            "updated_at = clock_timestamp() WHERE id = $id "
                            "RETURNING booking_json(b)::text AS json, " BOOKING_COLS},
    /* $seats more (or, negative, fewer) seats taken on session $session_id. */
    [BOOKING_SEATS] = {"booking_seats",
                       "UPDATE training_sessions SET booked_count = booked_count + $seats::int "
                       "WHERE id = $session_id"},
    {NULL, NULL},
};

static const struct vfield booking_create_fields[] = {
    {"person_id", V_UUID, V_REQUIRED, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

static const char *const booking_targets[] = {"cancelled", "attended", "no_show", NULL};

static const struct vfield booking_patch_fields[] = {
    {"status", V_ENUM, V_REQUIRED, 0, booking_targets, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

static const struct vfield booking_filters[] = {
    {"status", V_ENUM, 0, 0, booking_status_names, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

static const char *const booking_list_filters[] = {
    "b.session_id = $id",
    "b.status = $status",
    NULL,
};

static struct list_variants booking_list_variants;

/* The session's bookings that the caller may see, through the booked person's chain. */
/* booking_json (sql/0003_training.sql) written in C: the same members in the same order, from
 * BOOKING_COLS. */
static const struct rowjson_field booking_json_fields[] = {
    {"id", ROWJSON_STRING, NULL},        {"session_id", ROWJSON_STRING, NULL},
    {"person_id", ROWJSON_STRING, NULL}, {"status", ROWJSON_STRING, NULL},
    {"version", ROWJSON_RAW, NULL},      {"created_at", ROWJSON_TIME, "micros"},
    {"updated_at", ROWJSON_TIME, NULL},  {NULL, ROWJSON_RAW, NULL},
};

static const struct list_desc booking_list = {
    .name = "booking_list",
    .select = "SELECT " BOOKING_COLS " FROM bookings b JOIN people pe ON pe.id = b.person_id "
              "JOIN schools s ON s.id = pe.school_id "
              "LEFT JOIN partnerships p ON p.id = s.partnership_id",
    .fields = booking_json_fields,
    .scope = LIST_CHAIN("p.hub_id", "s.partnership_id", "s.id", "pe.id"),
    .query = booking_filters,
    .filters = booking_list_filters,
    .after = "(b.created_at, b.id) > (spp_from_micros($micros), $after::uuid)",
    .tail = "ORDER BY b.created_at, b.id LIMIT $limit",
    .variants = &booking_list_variants,
};

void bookings_list(struct req *r)
{
    if (list_check(r, &booking_list) == 0 &&
        training_sessions_load(r, req_param(r, "id"), 0, SCOPE_READ))
        list_answer(r, &booking_list);
}

/* Who may book for whom: a person key only for itself (403 otherwise, DESIGN §3); other keys
 * for the people they see. A session that has started takes bookings only from admin, hub and
 * partnership keys, recording who came. */
void bookings_create(struct req *r)
{
    const char *session_id = req_param(r, "id");
    PGresult *session = training_sessions_load(r, session_id, 1, SCOPE_READ);
    if (!session || req_check_body(r, booking_create_fields, VALIDATE_CREATE) != 0)
        return;
    const char *person_id = json_string_value(json_object_get(r->json, "person_id"));
    if (!scope_may_book_for(&r->principal, person_id)) {
        req_problem(r, 403, "forbidden", "A person key books only for itself.");
        return;
    }
    json_t *errors = json_array();
    struct scope_owner o;
    if (resource_ref(r, r->json, "person_id", SCOPE_PERSON, &o, errors) != 0) {
        json_decref(errors);
        return;
    }
    if (resource_errors(r, errors) != 0 || req_allow(r, SCOPE_BOOKING, SCOPE_CREATE, &o) != 0 ||
        resource_person_live(r, person_id) != 0)
        return;
    int started = db_value(session, 0, "started")[0] == 't';
    if (started && !scope_records_attendance(&r->principal)) {
        req_problem(r, 403, "forbidden",
                    "This session has started: only admin, hub and partnership keys record "
                    "bookings on it.");
        return;
    }
    enum booking_status status = booking_initial(atoi(db_value(session, 0, "booked_count")),
                                                 atoi(db_value(session, 0, "capacity")));
    /* COMMIT goes with the last statement: the seat count, or the booking on the waitlist. */
    int seat_held = booking_holds_seat(status);
    PGresult *res = (seat_held ? req_db : req_db_commit)(
        r, &bookings_statements[BOOKING_INSERT],
        DB_ARGS({"session_id", session_id}, {"person_id", person_id},
                {"status", booking_status_names[status]}));
    if (!res)
        return;
    if (seat_held && !req_db_commit(r, &bookings_statements[BOOKING_SEATS],
                                    DB_ARGS({"session_id", session_id}, {"seats", "1"})))
        return;
    /* Location names the booking itself, not the session's collection posted to. */
    req_header(r, "Location", arena_printf(&r->arena, "/v1/bookings/%s", db_value(res, 0, "id")));
    resource_reply(r, 201, res, 0, booking_json_fields);
}

void bookings_get(struct req *r)
{
    PGresult *res = resource_load(r, &bookings_statements[BOOKING_GET], SCOPE_BOOKING, SCOPE_READ);
    if (res)
        resource_reply(r, 200, res, 0, booking_json_fields);
}

/* PATCH /v1/bookings/{id} {"status": cancelled | attended | no_show}. */
void bookings_update(struct req *r)
{
    const char *id = req_param(r, "id");
    PGresult *first =
        resource_load(r, &bookings_statements[BOOKING_GET], SCOPE_BOOKING, SCOPE_UPDATE);
    if (!first || req_check_body(r, booking_patch_fields, VALIDATE_PATCH) != 0)
        return;
    const char *to_s = json_string_value(json_object_get(r->json, "status"));
    if (!to_s) {
        req_invalid_field(r, "/status", "required", "is required");
        return;
    }
    enum booking_status to = booking_status_parse(to_s);
    if (to != BOOKING_CANCELLED && !scope_records_attendance(&r->principal)) {
        req_problem(r, 403, "forbidden",
                    "Attendance is recorded by admin, hub and partnership keys.");
        return;
    }
    /* Lock order: the session, then the booking (as every booking change does). The booking's
     * person decided who may change it: the session itself may lie outside the caller's view
     * (a hub's person on another hub's course). */
    const char *session_id = db_value(first, 0, "session_id");
    PGresult *session =
        req_db(r, &training_sessions_statements[TRAINING_LOCK], DB_ARGS({"id", session_id}));
    if (!session)
        return;
    PGresult *cur = req_db(r, &bookings_statements[BOOKING_LOCK], DB_ARGS({"id", id}));
    if (!cur || req_if_match(r, db_value(cur, 0, "version")) != 0)
        return;
    enum booking_status from = booking_status_parse(db_value(cur, 0, "status"));
    switch (booking_change(from, to, db_value(session, 0, "started")[0] == 't')) {
    case BOOKING_UNCHANGED:
        resource_reply(r, 200, cur, 0, booking_json_fields);
        return;
    case BOOKING_INVALID:
        req_problem(r, 409, "invalid_transition",
                    arena_printf(&r->arena, "A %s booking cannot become %s.",
                                 db_value(cur, 0, "status"), to_s));
        return;
    case BOOKING_NOT_STARTED:
        req_invalid_field(r, "/status", "session_not_started",
                          "attendance can be recorded once the session has started");
        return;
    case BOOKING_OK:
        break;
    }
    PGresult *res = waitlist_move(r, id, session_id, from, to, 1);
    if (!res)
        return;
    if (to == BOOKING_ATTENDED && accreditations_attended(r, id) != 0)
        return;
    if (from == BOOKING_ATTENDED && accreditations_unattended(r, id) != 0)
        return;
    resource_reply(r, 200, res, 0, booking_json_fields);
}
