/* The waiting list of a training session: waitlisted bookings moving up into free seats, oldest
 * first, and the news of a booking change to its person and to the integrations. Both
 * bookings.c (a cancelled place goes to the next in line) and training_sessions.c (more
 * capacity) move the list, so it sits below both of them: neither includes the other's work.
 * The caller holds the session's row lock, as every change to a session's bookings does. */
#include <stdio.h>

#include "booking.h"
#include "config.h"
#include "handlers.h"

/* The statements, by handle. */
enum { WAITLIST_PROMOTE, WAITLIST_NOTIFY, WAITLIST_BOOKING, WAITLIST_STATEMENTS };

const struct db_stmt waitlist_statements[] = {
    /* The oldest waitlisted bookings of session $session_id take up to $seats free seats. */
    [WAITLIST_PROMOTE] =
        {"booking_promote",
         "WITH up AS (UPDATE bookings SET status = 'booked', version = version + 1, "
         "updated_at = clock_timestamp() WHERE id IN (SELECT id FROM bookings WHERE session_id = "
         "$session_id AND status = 'waitlisted' ORDER BY created_at, id LIMIT $seats::int) "
         "RETURNING id, person_id, version), "
         "seats AS (UPDATE training_sessions SET booked_count = booked_count + "
         "(SELECT count(*) FROM up) WHERE id = $session_id) SELECT id, person_id, version FROM up"},
    /* The booking.changed notification of booking $id as it is now, dated and shown in its
     * person's partnership's time zone ($tz when none). Returns the job to publish, or NULL. */
    [WAITLIST_NOTIFY] =
        {"booking_notify",
         "SELECT spp_notify('booking.changed', b.id, pe.id, pe.email, "
         "(clock_timestamp() AT TIME ZONE z.tz)::date, NULL, jsonb_build_object('name', "
         "pe.full_name, 'course', replace(ts.course, '_', ' '), 'starts', "
         "to_char(ts.starts_at AT TIME ZONE z.tz, 'FMDay FMDD FMMonth YYYY \"at\" HH24:MI'), "
         "'location', ts.location, 'status', b.status)) AS job "
         "FROM bookings b JOIN people pe ON pe.id = b.person_id "
         "JOIN schools s ON s.id = pe.school_id LEFT JOIN partnerships p ON p.id = "
         "s.partnership_id "
         "JOIN training_sessions ts ON ts.id = b.session_id "
         "CROSS JOIN LATERAL (SELECT COALESCE(p.timezone, $tz) AS tz) z WHERE b.id = $id"},
    [WAITLIST_BOOKING] = {"booking_json",
                          "SELECT booking_json(b)::text AS json FROM bookings b WHERE b.id = $id"},
    [WAITLIST_STATEMENTS] = {NULL, NULL},
};

int waitlist_announce(struct req *r, const char *booking_id)
{
    PGresult *res = req_db(r, &waitlist_statements[WAITLIST_NOTIFY],
                           DB_ARGS({"id", booking_id}, {"tz", system_config()->tz}));
    if (!res)
        return -1;
    if (!db_is_null(res, 0, "job"))
        req_publish_after_commit(r, db_value(res, 0, "job"));
    /* And the integrations hear of it as a booking.changed webhook event. */
    PGresult *booking =
        req_db(r, &waitlist_statements[WAITLIST_BOOKING], DB_ARGS({"id", booking_id}));
    if (!booking)
        return -1;
    return req_announce(r, "booking.changed", db_value(booking, 0, "json"));
}

int waitlist_promote(struct req *r, const char *session_id, int seats)
{
    char n[16];
    snprintf(n, sizeof n, "%d", seats);
    PGresult *res = req_db(r, &waitlist_statements[WAITLIST_PROMOTE],
                           DB_ARGS({"session_id", session_id}, {"seats", n}));
    if (!res)
        return -1;
    int id = db_col(res, "id");
    for (int i = 0; i < PQntuples(res); i++)
        if (waitlist_announce(r, PQgetvalue(res, i, id)) != 0)
            return -1;
    return 0;
}

PGresult *waitlist_move(struct req *r, const char *booking_id, const char *session_id,
                        enum booking_status from, enum booking_status to, int tell)
{
    PGresult *res = req_db(r, &bookings_statements[BOOKING_SET_STATUS],
                           DB_ARGS({"id", booking_id}, {"status", booking_status_names[to]}));
    if (!res || (tell ? waitlist_announce(r, booking_id)
                      : req_announce(r, "booking.changed", db_value(res, 0, "json"))) != 0)
        return NULL;
    if (booking_frees_seat(from, to)) {
        if (!req_db(r, &bookings_statements[BOOKING_SEATS],
                    DB_ARGS({"session_id", session_id}, {"seats", "-1"})) ||
            waitlist_promote(r, session_id, 1) != 0)
            return NULL;
    }
    return res;
}
