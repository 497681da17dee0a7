/* GET /v1/people/{id}/calendar.ics: the person's review visits (on the team), improvement
 * workshops (as champion) and training sessions (booked or attended) as an iCalendar feed
 * (RFC 5545) that a calendar application subscribes to. Read like the person itself: a caller
 * who cannot see the person gets 404. The text is rendered by common/rules/ical.c.
 *
 * Calendar applications send no Authorization header, so a person's calendar also has a
 * subscription URL, <SPP_PUBLIC_URL>/feeds/calendar/<secret>.ics: POST
 * /v1/people/{id}/calendar-feed makes one (32 random bytes, shown once, kept as SHA-256; a new
 * POST replaces the old URL), DELETE revokes it. Both calendar routes answer through
 * calendar_reply, which records the read in the access audit in the same statement. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "handlers.h"
#include "ical.h"
#include "resource.h"
#include "token.h"
#include "xalloc.h"

#define CALENDAR_SECRET_BYTES 32
#define CALENDAR_SECRET_HEX   (2 * CALENDAR_SECRET_BYTES)

/* One row per event, after the person's name (a person with no events still gives one row,
 * its event columns NULL): kind, uid, summary, description, location, first day, last day
 * (all-day) or start and end in epoch seconds (timed). Cancelled reviews and bookings other
 * than booked or attended are left out. The person's row also writes the audit row ($actor,
 * $route, $request_id): a materialized CTE runs once, whatever the events' join. */
const struct db_stmt calendar_statements[] = {
    [CALENDAR_EVENTS] =
        {"calendar_events",
         "WITH pe AS MATERIALIZED (SELECT id, full_name, "
         "spp_audit($actor, 'read', ARRAY[id], $route, $request_id) FROM people WHERE id = $id) "
         "SELECT pe.full_name, ev.all_day, ev.uid, ev.summary, ev.description, ev.location, "
         "ev.first_day::text, ev.last_day::text, ev.starts_at, ev.ends_at "
         "FROM pe LEFT JOIN LATERAL ("
         /* (a) review visits: the whole visit, first to last day. */
         "SELECT true AS all_day, 'review-visit-' || r.id || '@spp' AS uid, "
         "'Peer review visit: ' || s.name AS summary, r.focus AS description, "
         "concat_ws(', ', s.name, s.postcode) AS location, r.review_starts_on AS first_day, "
         "r.review_ends_on AS last_day, NULL::bigint AS starts_at, NULL::bigint AS ends_at, "
         "r.review_starts_on::timestamp AS sort_at "
         "FROM review_team t JOIN reviews r ON r.id = t.review_id JOIN schools s ON s.id = "
         "r.school_id "
         "WHERE t.person_id = pe.id AND r.review_starts_on IS NOT NULL "
         "AND r.review_ends_on IS NOT NULL AND r.status <> 'cancelled' "
         /* (b) improvement workshops the person facilitates as champion. */
         "UNION ALL SELECT true, 'workshop-' || r.id || '@spp', 'Improvement workshop: ' || "
         "s.name, "
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
         ") ev ON true ORDER BY ev.sort_at, ev.uid"},
    /* One live feed per person: a new secret replaces the old one, under a new id (the audit
     * names the feed, so reads through the old and the new URL stay apart). A tombstone
     * (an erased person) gets none. */
    [CALENDAR_FEED_PUT] =
        {"calendar_feed_put",
         "INSERT INTO calendar_feeds (person_id, secret_hash) "
         "SELECT id, $secret_hash FROM people WHERE id = $person_id AND erased_at IS NULL "
         "ON CONFLICT (person_id) DO UPDATE SET id = gen_random_uuid(), "
         "secret_hash = EXCLUDED.secret_hash, created_at = clock_timestamp() RETURNING id"},
    [CALENDAR_FEED_DELETE] = {"calendar_feed_delete",
                              "DELETE FROM calendar_feeds WHERE person_id = $person_id "
                              "RETURNING id"},
    [CALENDAR_FEED_FIND] =
        {"calendar_feed_find",
         "SELECT f.id, f.person_id FROM calendar_feeds f JOIN people pe ON pe.id = f.person_id "
         "WHERE f.secret_hash = $secret_hash AND pe.erased_at IS NULL"},
    {NULL, NULL},
};

/* Answers 200 with the person's calendar and records the read as actor on route (both copied
 * into the statement's parameters); 404 when the person is gone. The one path behind both
 * calendar routes. */
static void calendar_reply(struct req *r, const char *id, const char *actor, const char *route)
{
    PGresult *res = req_db(
        r, &calendar_statements[CALENDAR_EVENTS],
        DB_ARGS({"id", id}, {"actor", actor}, {"route", route}, {"request_id", r->request_id}));
    if (!res)
        return;
    int rows = PQntuples(res);
    if (rows == 0) { /* deleted since it was looked up */
        req_problem(r, 404, "not_found", "No such person.");
        return;
    }
    struct ical_event *events = xcalloc((size_t)rows, sizeof *events);
    size_t n = 0;
    /* The columns by name, once for all rows. */
    int all_day = db_col(res, "all_day"), uid = db_col(res, "uid"),
        summary = db_col(res, "summary"), description = db_col(res, "description"),
        location = db_col(res, "location"), first_day = db_col(res, "first_day"),
        last_day = db_col(res, "last_day"), starts_at = db_col(res, "starts_at"),
        ends_at = db_col(res, "ends_at");
    for (int i = 0; i < rows; i++) {
        if (!req_col(res, i, uid))
            continue; /* the person's row without events */
        struct ical_event *e = &events[n];
        e->all_day = !strcmp(PQgetvalue(res, i, all_day), "t");
        e->uid = PQgetvalue(res, i, uid);
        e->summary = PQgetvalue(res, i, summary);
        e->description = req_col(res, i, description);
        e->location = req_col(res, i, location);
        if (e->all_day) {
            if (caldate_parse(PQgetvalue(res, i, first_day), &e->first_day) != 0 ||
                caldate_parse(PQgetvalue(res, i, last_day), &e->last_day) != 0)
                continue;
        } else {
            e->starts_at = (time_t)strtoll(PQgetvalue(res, i, starts_at), NULL, 10);
            e->ends_at = (time_t)strtoll(PQgetvalue(res, i, ends_at), NULL, 10);
        }
        n++;
    }
    char *name = xasprintf("SPP: %s", db_value(res, 0, "full_name"));
    char *text = ical_render(name, events, n, time(NULL));
    free(name);
    free(events);
    req_reply_raw(r, 200, "text/calendar; charset=utf-8", text, strlen(text));
}

/* The audit's actor for a key: its id, or "bootstrap" for SPP_ADMIN_TOKEN (which has none). */
static const char *calendar_actor(const struct req *r)
{
    return r->principal.key_id[0] ? r->principal.key_id : "bootstrap";
}

/* The prologue of every /v1 calendar route: the path's person exists and the caller sees it
 * (else 404, as if absent) and may take op on it (else 403: no role sees a person it may not
 * change, so the feed routes, which take SCOPE_UPDATE like PATCH, answer 404 or go on). Returns
 * 0 to go on, -1 after answering. */
static int calendar_person(struct req *r, const char *id, enum scope_op op)
{
    struct scope_owner o;
    int found = resource_chain(r, SCOPE_PERSON, id, &o);
    if (found < 0)
        return -1;
    if (!found) {
        req_problem(r, 404, "not_found", "No such person.");
        return -1;
    }
    return req_allow(r, SCOPE_PERSON, op, &o);
}

void calendar_get(struct req *r)
{
    const char *id = req_param(r, "id");
    if (calendar_person(r, id, SCOPE_READ) != 0)
        return;
    calendar_reply(r, id, calendar_actor(r), "/v1/people/{id}/calendar.ics");
}

/* POST takes no fields: an empty body or {}; anything named in it is refused (422). */
static const struct vfield calendar_feed_fields[] = {
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

void calendar_feed_create(struct req *r)
{
    const char *id = req_param(r, "id");
    if (calendar_person(r, id, SCOPE_UPDATE) != 0 ||
        req_check_body(r, calendar_feed_fields, VALIDATE_CREATE) != 0)
        return;
    char secret[CALENDAR_SECRET_HEX + 1], hash[TOKEN_HASH_HEX];
    if (token_generate_hex(secret, CALENDAR_SECRET_BYTES) != 0) {
        req_problem(r, 500, "internal", "No random secret could be made.");
        return;
    }
    token_hash(secret, CALENDAR_SECRET_HEX, hash);
    PGresult *res = req_db(r, &calendar_statements[CALENDAR_FEED_PUT],
                           DB_ARGS({"person_id", id}, {"secret_hash", hash}));
    if (!res)
        return;
    if (PQntuples(res) == 0) {
        req_problem(r, 409, "conflict", "This person has been erased and has no calendar.");
        return;
    }
    /* SPP_PUBLIC_URL with or without its trailing slash. */
    const char *base = system_config()->public_url;
    size_t n = strlen(base);
    while (n > 0 && base[n - 1] == '/')
        n--;
    char *url = xasprintf("%.*s/feeds/calendar/%s.ics", (int)n, base, secret);
    json_t *body = json_pack("{s:s}", "url", url);
    free(url);
    /* The secret is shown this once: no cache may keep it. */
    req_header(r, "Cache-Control", "no-store");
    req_reply_json(r, 201, body);
}

void calendar_feed_delete(struct req *r)
{
    const char *id = req_param(r, "id");
    if (calendar_person(r, id, SCOPE_UPDATE) != 0)
        return;
    PGresult *res =
        req_db(r, &calendar_statements[CALENDAR_FEED_DELETE], DB_ARGS({"person_id", id}));
    if (!res)
        return;
    if (PQntuples(res) == 0) {
        req_problem(r, 404, "not_found", "This person has no calendar feed.");
        return;
    }
    req_reply_empty(r, 204);
}

/* No Authorization header: the secret is the credential. Anything but a live feed's secret
 * answers the same 404, which the dispatcher counts against the address (ROUTE_SECRET). */
void calendar_feed_get(struct req *r)
{
    const char *secret = req_param(r, "secret");
    if (!token_is_hex(secret, CALENDAR_SECRET_HEX)) {
        req_problem(r, 404, "not_found", "No such calendar feed.");
        return;
    }
    char hash[TOKEN_HASH_HEX];
    token_hash(secret, CALENDAR_SECRET_HEX, hash);
    PGresult *res =
        req_db(r, &calendar_statements[CALENDAR_FEED_FIND], DB_ARGS({"secret_hash", hash}));
    if (!res)
        return;
    if (PQntuples(res) == 0) {
        req_problem(r, 404, "not_found", "No such calendar feed.");
        return;
    }
    const char *actor = arena_printf(&r->arena, "calendar-feed:%s", db_value(res, 0, "id"));
    req_header(r, "Cache-Control", "private, no-cache");
    calendar_reply(r, db_value(res, 0, "person_id"), actor, "/feeds/calendar");
}
