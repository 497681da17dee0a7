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
    /* The oldest waitlisted bookings take up to $2 free seats. */
    [WAITLIST_PROMOTE] =
        {"booking_promote",
         "WITH up AS (UPDATE bookings SET status = 'booked', version = version + 1, "
         "updated_at = clock_timestamp() WHERE id IN (SELECT id FROM bookings WHERE session_id = "
         "$1 AND status = 'waitlisted' ORDER BY created_at, id LIMIT $2::int) "
         "RETURNING id, person_id, version), "
         "seats AS (UPDATE training_sessions SET booked_count = booked_count + "
         "(SELECT count(*) FROM up) WHERE id = $1) SELECT id, person_id, version FROM up"},
    /* The booking.changed notification of booking $1 as it is now, dated and shown in its
     * person's partnership's time zone ($2 when none). Returns the job to publish, or NULL. */
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
         "CROSS JOIN LATERAL (SELECT COALESCE(p.timezone, $2) AS tz) z WHERE b.id = $1"},
    [WAITLIST_BOOKING] = {"booking_json",
                          "SELECT booking_json(b)::text AS json FROM bookings b WHERE b.id = $1"},
    [WAITLIST_STATEMENTS] = {NULL, NULL},
};

static PGresult *waitlist_db(struct req *r, int stmt, int n, const char *const *params)
{
    return req_db(r, &waitlist_statements[stmt], n, params);
}

int waitlist_announce(struct req *r, const char *booking_id)
{
    const char *p[] = {booking_id, handlers_config()->tz};
    PGresult *res = waitlist_db(r, WAITLIST_NOTIFY, 2, p);
    if (!res)
        return -1;
    int job = PQfnumber(res, "job");
    if (!PQgetisnull(res, 0, job))
        req_publish_after_commit(r, PQgetvalue(res, 0, job));
    /* And the integrations hear of it as a booking.changed webhook event. */
    const char *b[] = {booking_id};
    PGresult *booking = waitlist_db(r, WAITLIST_BOOKING, 1, b);
    if (!booking)
        return -1;
    return req_announce(r, "booking.changed", PQgetvalue(booking, 0, PQfnumber(booking, "json")));
}

int waitlist_promote(struct req *r, const char *session_id, int seats)
{
    char n[16];
    snprintf(n, sizeof n, "%d", seats);
    const char *p[] = {session_id, n};
    PGresult *res = waitlist_db(r, WAITLIST_PROMOTE, 2, p);
    if (!res)
        return -1;
    int id = PQfnumber(res, "id");
    for (int i = 0; i < PQntuples(res); i++)
        if (waitlist_announce(r, PQgetvalue(res, i, id)) != 0)
            return -1;
    return 0;
}

PGresult *waitlist_move(struct req *r, const char *booking_id, const char *session_id,
                        enum booking_status from, enum booking_status to, int tell)
{
    const char *u[] = {booking_id, booking_status_names[to]};
    PGresult *res = req_db(r, &bookings_statements[BOOKING_SET_STATUS], 2, u);
    if (!res || (tell ? waitlist_announce(r, booking_id)
                      : req_announce(r, "booking.changed", PQgetvalue(res, 0, 0))) != 0)
        return NULL;
    if (booking_frees_seat(from, to)) {
        const char *seat[] = {session_id, "-1"};
        if (!req_db(r, &bookings_statements[BOOKING_SEATS], 2, seat) ||
            waitlist_promote(r, session_id, 1) != 0)
            return NULL;
    }
    return res;
}
