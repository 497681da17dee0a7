/* GET /v1/people/{id}/calendar.ics: the person's review visits (on the team), improvement
 * workshops (as champion) and training sessions (booked or attended) as an iCalendar feed
 * (RFC 5545) that a calendar application subscribes to. Read like the person itself: a caller
 * who cannot see the person gets 404. The text is rendered by common/ical.c. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "handlers.h"
#include "ical.h"
#include "resource.h"
#include "xalloc.h"

/* One row per event, after the person's name (a person with no events still gives one row,
 * its event columns NULL): kind, uid, summary, description, location, first day, last day
 * (all-day) or start and end in epoch seconds (timed). Cancelled reviews and bookings other
 * than booked or attended are left out. */
const struct db_stmt calendar_statements[] = {
    {"calendar_events",
     "SELECT pe.full_name, ev.all_day, ev.uid, ev.summary, ev.description, ev.location, "
     "ev.first_day::text, ev.last_day::text, ev.starts_at, ev.ends_at "
     "FROM people pe LEFT JOIN LATERAL ("
     /* (a) review visits: the whole visit, first to last day. */
     "SELECT true AS all_day, 'review-visit-' || r.id || '@spp' AS uid, "
     "'Peer review visit: ' || s.name AS summary, r.focus AS description, "
     "concat_ws(', ', s.name, s.postcode) AS location, r.review_starts_on AS first_day, "
     "r.review_ends_on AS last_day, NULL::bigint AS starts_at, NULL::bigint AS ends_at, "
     "r.review_starts_on::timestamp AS sort_at "
     "FROM review_team t JOIN reviews r ON r.id = t.review_id JOIN schools s ON s.id = r.school_id "
     "WHERE t.person_id = pe.id AND r.review_starts_on IS NOT NULL "
     "AND r.review_ends_on IS NOT NULL AND r.status <> 'cancelled' "
     /* (b) improvement workshops the person facilitates as champion. */
     "UNION ALL SELECT true, 'workshop-' || r.id || '@spp', 'Improvement workshop: ' || s.name, "
     "r.focus, concat_ws(', ', s.name, s.postcode), r.workshop_on, r.workshop_on, NULL, NULL, "
     "r.workshop_on::timestamp "
     "FROM reviews r JOIN schools s ON s.id = r.school_id "
     "WHERE r.champion_id = pe.id AND r.workshop_on IS NOT NULL AND r.status <> 'cancelled' "
     /* (c) training sessions, timed; the course named as people say it. */
     "UNION ALL SELECT false, 'booking-' || b.id || '@spp', "
     "'Training: ' || upper(left(ts.course, 1)) || replace(substr(ts.course, 2), '_', ' '), "
     "NULL, ts.location, NULL, NULL, extract(epoch FROM ts.starts_at)::bigint, "
     "extract(epoch FROM ts.ends_at)::bigint, ts.starts_at AT TIME ZONE 'UTC' "
     "FROM bookings b JOIN training_sessions ts ON ts.id = b.session_id "
     "WHERE b.person_id = pe.id AND b.status IN ('booked', 'attended')"
     ") ev ON true WHERE pe.id = $1 ORDER BY ev.sort_at, ev.uid"},
    {NULL, NULL},
};

void calendar_get(struct req *r)
{
    const char *id = req_param(r, "id");
    struct scope_owner o;
    int found = resource_chain(r, SCOPE_PERSON, id, &o);
    if (found < 0)
        return;
    if (!found) {
        req_problem(r, 404, "not_found", "No such person.");
        return;
    }
    const char *p[] = {id};
    PGresult *res = req_db(r, "calendar_events", 1, p);
    if (!res)
        return;
    int rows = PQntuples(res);
    if (rows == 0) { /* deleted since the chain was read */
        req_problem(r, 404, "not_found", "No such person.");
        return;
    }
    struct ical_event *events = xcalloc((size_t)rows, sizeof *events);
    size_t n = 0;
    for (int i = 0; i < rows; i++) {
        if (!req_col(res, i, 2))
            continue; /* the person's row without events */
        struct ical_event *e = &events[n];
        e->all_day = !strcmp(PQgetvalue(res, i, 1), "t");
        e->uid = PQgetvalue(res, i, 2);
        e->summary = PQgetvalue(res, i, 3);
        e->description = req_col(res, i, 4);
        e->location = req_col(res, i, 5);
        if (e->all_day) {
            if (caldate_parse(PQgetvalue(res, i, 6), &e->first_day) != 0 ||
                caldate_parse(PQgetvalue(res, i, 7), &e->last_day) != 0)
                continue;
        } else {
            e->starts_at = (time_t)strtoll(PQgetvalue(res, i, 8), NULL, 10);
            e->ends_at = (time_t)strtoll(PQgetvalue(res, i, 9), NULL, 10);
        }
        n++;
    }
    char *name = xasprintf("SPP: %s", PQgetvalue(res, 0, 0));
    char *text = ical_render(name, events, n, time(NULL));
    free(name);
    free(events);
    req_reply_raw(r, 200, "text/calendar; charset=utf-8", text, strlen(text));
}
