/* A person's rights over their record (DESIGN §1.4): GET /v1/people/{id}/export, everything held
 * about them as one JSON document, and POST /v1/people/{id}/erase, which leaves a tombstone.
 * Both are audited (audit.c) in the statement or transaction that does the work. */
#include <stdlib.h>
#include <string.h>

#include "booking.h"
#include "handlers.h"
#include "resource.h"

/* The tombstone's name; its other personal fields become null (digest_opt_in false). */
#define PRIVACY_TOMBSTONE_NAME "Former member of staff"

const struct db_stmt privacy_statements[] = {
    /* The whole export in one statement: the person if the caller's scope sees it, and the
     * audit row of this export (people_read_audited). The audit rows listed are those written
     * before this export. */
    [PRIVACY_EXPORT] =
        {"privacy_export",
         "WITH seen AS (" PEOPLE_SEEN_SQL "), "
         "audit AS (SELECT spp_audit($actor, 'export', ARRAY(SELECT id FROM seen), $route, "
         "$request_id), " AUDIT_READ_COMMIT ") "
         "SELECT json_build_object('exported_at', spp_ts(clock_timestamp()), "
         "'person', person_json(pe), "
         "'bookings', (SELECT COALESCE(json_agg(booking_json(b) ORDER BY b.created_at, b.id), "
         "'[]') "
         "FROM bookings b WHERE b.person_id = pe.id), "
         "'accreditations', (SELECT COALESCE(json_agg(accreditation_json(a) ORDER BY a.awarded_on, "
         "a.id), '[]') FROM accreditations a WHERE a.person_id = pe.id), "
         "'conflicts', (SELECT COALESCE(json_agg(conflict_json(c) ORDER BY c.created_at, c.id), "
         "'[]') "
         "FROM conflicts c WHERE c.person_id = pe.id), "
         "'unavailability', (SELECT COALESCE(json_agg(unavailability_json(u) ORDER BY u.from_on, "
         "u.id), '[]') FROM unavailability u WHERE u.person_id = pe.id), "
         "'review_roles', json_build_object("
         "'team', (SELECT COALESCE(json_agg(team_member_json(t) ORDER BY t.created_at, t.id), "
         "'[]') "
         "FROM review_team t WHERE t.person_id = pe.id), "
         "'champion', (SELECT COALESCE(json_agg(review_json(rv) ORDER BY rv.created_at, rv.id), "
         "'[]') FROM reviews rv WHERE rv.champion_id = pe.id), "
         "'action_owner', (SELECT COALESCE(json_agg(action_json(ac) ORDER BY ac.created_at, "
         "ac.id), "
         "'[]') FROM actions ac WHERE ac.owner_id = pe.id), "
         "'evidence_recorder', (SELECT COALESCE(json_agg(evidence_json(e) ORDER BY e.created_at, "
         "e.id), '[]') FROM evidence e WHERE e.recorded_by = pe.id)), "
         "'notifications', (SELECT COALESCE(json_agg(notification_json(n) ORDER BY n.created_at, "
         "n.id), '[]') FROM notifications n WHERE n.person_id = pe.id), "
         "'audit', (SELECT COALESCE(json_agg(audit_json(l) ORDER BY l.at, l.id), '[]') "
         "FROM audit_log l WHERE l.person_ids @> ARRAY[pe.id]))::text AS json "
         "FROM seen JOIN people pe ON pe.id = seen.id CROSS JOIN audit"},
    /* The person's bookings that still hold or wait for a place on a session not yet started,
     * with their sessions, in the order their sessions are locked. */
    [PRIVACY_FUTURE_BOOKINGS] =
        {"privacy_future_bookings",
         "SELECT b.id, b.session_id, b.status FROM bookings b "
         "JOIN training_sessions ts ON ts.id = b.session_id WHERE b.person_id = $person_id "
         "AND b.status IN ('booked', 'waitlisted') AND ts.starts_at > clock_timestamp() "
         "ORDER BY b.session_id"},
    /* Everything else of an erasure in one statement ($id the person, $actor, $route and
     * $request_id from resource_audit_args, $reason): conflicts and unavailability go, keys and the
     * calendar feed are revoked, notifications not yet sent are skipped and every notification
     * loses the address and the text it held, and the record becomes the tombstone. */
    [PRIVACY_ERASE] =
        {"privacy_erase",
         "WITH c AS (DELETE FROM conflicts WHERE person_id = $id), "
         "u AS (DELETE FROM unavailability WHERE person_id = $id), "
         "k AS (UPDATE api_keys SET revoked_at = clock_timestamp() WHERE person_id = $id "
         "AND revoked_at IS NULL), "
         "f AS (DELETE FROM calendar_feeds WHERE person_id = $id), "
         "n AS (UPDATE notifications SET status = CASE WHEN status IN ('pending', 'failed') "
         "THEN 'skipped' ELSE status END, recipient = 'erased:' || id, data = '{}', "
         "updated_at = clock_timestamp() WHERE person_id = $id), "
         "a AS (INSERT INTO audit_log (actor, action, person_ids, route, request_id, reason) "
         "VALUES ($actor, 'erase', ARRAY[$id::uuid], $route, $request_id, $reason)) "
         "UPDATE people SET full_name = '" PRIVACY_TOMBSTONE_NAME
         "', email = NULL, job_title = NULL, "
         "digest_opt_in = false, erased_at = clock_timestamp(), version = version + 1, "
         "updated_at = clock_timestamp() WHERE id = $id RETURNING person_json(people)::text AS "
         "json, "
         "version"},
    {NULL, NULL},
};

static const struct vfield privacy_erase_fields[] = {
    {"reason", V_NAME, V_REQUIRED, 1000, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

void privacy_export(struct req *r)
{
    PGresult *res = people_read_audited(r, &privacy_statements[PRIVACY_EXPORT]);
    if (res)
        req_reply_text(r, 200, db_value(res, 0, "json"));
}

/* Cancels booking (of status from, on session_id) as the erasure's part of DESIGN §1's booking
 * rules: the session is locked first, as every booking change does, and waitlist_move frees the
 * seat for the next in line (who is told) and announces the cancellation to the integrations;
 * the erased person is not written to. Returns 0 or -1 after answering. */
static int privacy_cancel_booking(struct req *r, const char *booking_id, const char *session_id,
                                  enum booking_status from)
{
    if (!req_db(r, &training_sessions_statements[TRAINING_LOCK], DB_ARGS({"id", session_id})))
        return -1;
    return waitlist_move(r, booking_id, session_id, from, BOOKING_CANCELLED, 0) ? 0 : -1;
}

/* Erasure (DESIGN §1.4), in the request's one transaction: the person is locked, so that two
 * erasures queue and the second finds the tombstone (200, unchanged, nothing recorded). Who may
 * erase is who may delete the person: admin, and hub, partnership and school keys over them. */
void privacy_erase(struct req *r)
{
    const char *id = req_param(r, "id");
    PGresult *cur = resource_load(r, &people_statements[PERSON_LOCK], SCOPE_PERSON, SCOPE_DELETE);
    if (!cur || req_check_body(r, privacy_erase_fields, VALIDATE_CREATE) != 0)
        return;
    if (db_value(cur, 0, "erased")[0] == 't') {
        resource_reply(r, 200, cur, 0, people_json_fields);
        return;
    }
    PGresult *bookings =
        req_db(r, &privacy_statements[PRIVACY_FUTURE_BOOKINGS], DB_ARGS({"person_id", id}));
    if (!bookings)
        return;
    int id_col = db_col(bookings, "id"), session_col = db_col(bookings, "session_id"),
        status_col = db_col(bookings, "status");
    for (int i = 0; i < PQntuples(bookings); i++) {
        enum booking_status from = booking_status_parse(PQgetvalue(bookings, i, status_col));
        if (privacy_cancel_booking(r, PQgetvalue(bookings, i, id_col),
                                   PQgetvalue(bookings, i, session_col), from) != 0)
            return;
    }
    struct db_arg args[5] = {{"id", id},
                             {"reason", json_string_value(json_object_get(r->json, "reason"))}};
    int n = 2 + resource_audit_args(r, args + 2);
    PGresult *res = req_db(r, &privacy_statements[PRIVACY_ERASE], n, args);
    if (res)
        resource_reply(r, 200, res, 0, NULL);
}
