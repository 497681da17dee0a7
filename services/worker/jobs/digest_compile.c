/* digest.compile {"partnership_id", "slot"?: RFC 3339, "date"?: YYYY-MM-DD}: compiles a
 * partnership's best-practice digest for one date and, when it has news, hands it to delivery
 * (DESIGN §4, "Digest, per partnership…").
 *
 * The cut-off. The nightly run (scheduler.c) passes its slot: the cut-off is the slot instant,
 * however late the job runs, so that a caught-up slot covers the same period it would have on
 * time. An on-demand compile (POST /v1/partnerships/{id}/digests) passes a date: for today (in
 * the partnership's time zone) or without a date the cut-off is the moment the job runs; for a
 * past date it is the end of that day (the midnight that begins the next one), so that a
 * backfilled day covers what happened up to its end; a future date compiles nothing (the API
 * refuses it). digest_date is the cut-off's date in the partnership's time zone (the slot's), or
 * the date asked for.
 *
 * The window. A digest covers (window_from, cut_off]: window_from is the cut-off of the
 * partnership's latest digest of an earlier date, or 24 hours before the cut-off for its first
 * digest (one night's worth: a partnership new to digests is not sent its whole history). A
 * backfilled date that lies before digests already compiled is clipped to end where the next one
 * began, so that no news is ever sent twice; its window may then be empty. Compiles of one
 * partnership are serialised by an advisory lock, and every statement after it sees what the
 * previous compile committed.
 *
 * Once per date: the digest is inserted with ON CONFLICT (partnership_id, digest_date) DO
 * NOTHING; a digest that exists is left exactly as it is, and nothing is sent again.
 *
 * Delivery. A digest with news (best practices published or reviews that changed status in the
 * window; upcoming visits and training are context) gets, in this job's transaction: one
 * notification per person of the partnership's schools with digest_opt_in, all made by one
 * spp_notify_many call (each becomes a notification.deliver job, which renders it with
 * digest_render), one webhook.deliver
 * job for the event digest.published, and delivered_at = the instant those were queued. So
 * delivered_at means "handed to delivery", not "in every inbox": each message's own fate is its
 * notification's status. A digest without news is stored with empty = true, delivered_at NULL,
 * and nothing is sent. The jobs queued here go into the job's outbox (job_ctx): the runner
 * publishes them as soon as this transaction has committed, the emails on the bulk stream
 * (JOBS_BULK_STREAM), so that the digests queued after this one do not wait behind them.
 *
 * Known limit: a best practice published by a transaction that began before the cut-off but
 * committed after this compile read the window is missed by both this digest and the next one
 * (the next window starts at this cut-off). The nightly cut-off lies in the small hours and
 * completing a review is a short transaction, so this is left as it is. */
#include <stdio.h>
#include <string.h>

#include "kinds.h"
#include "log.h"
#include "validate.h"

/* Training sessions listed in one digest: the soonest ones. */
#define DIGEST_TRAINING_MAX "20"

const struct db_stmt digest_compile_statements[] = {
    /* One compile per partnership at a time, until this transaction ends. */
    [DIGEST_LOCK] =
        {"digest_lock",
         "SELECT pg_advisory_xact_lock(hashtextextended('digest.compile:' || $partnership_id, 0))"},
    /* The date, cut-off and window of a compile ($slot, $date; either may be NULL). Columns:
     * digest_date, future, digest_enabled, has_digest, window_from, cut_off. No row when the
     * partnership is gone. */
    [DIGEST_BOUNDS] =
        {"digest_bounds",
         "WITH p AS (SELECT id, timezone, digest_enabled, clock_timestamp() AS now, "
         "  (clock_timestamp() AT TIME ZONE timezone)::date AS today "
         "  FROM partnerships WHERE id = $partnership_id::uuid), "
         "a AS (SELECT p.*, CASE WHEN $slot::timestamptz IS NOT NULL "
         "    THEN ($slot::timestamptz AT TIME ZONE p.timezone)::date "
         "    ELSE COALESCE($date::date, p.today) END AS day FROM p), "
         "b AS (SELECT a.*, LEAST(CASE WHEN $slot::timestamptz IS NOT NULL THEN $slot::timestamptz "
         "    WHEN a.day >= a.today THEN a.now "
         "    ELSE (a.day + 1)::timestamp AT TIME ZONE a.timezone END, "
         "  (SELECT min(d.window_from) FROM digests d WHERE d.partnership_id = a.id "
         "    AND d.digest_date > a.day)) AS cut FROM a) "
         "SELECT b.day AS digest_date, b.day > b.today AS future, b.digest_enabled, "
         "  EXISTS (SELECT 1 FROM digests d WHERE d.partnership_id = b.id AND d.digest_date = "
         "b.day) AS has_digest, "
         "  LEAST(COALESCE((SELECT d.cut_off FROM digests d WHERE d.partnership_id = b.id "
         "    AND d.digest_date < b.day ORDER BY d.digest_date DESC LIMIT 1), "
         "    b.cut - interval '24 hours'), b.cut) AS window_from, b.cut AS cut_off FROM b"},
    /* Compiles the items of partnership $partnership_id for date $digest_date over the window
     * ($window_from, $cut_off] and stores the digest, compiled by job $job_id, unless that date
     * has one. Returns id, empty; no row when the date had a digest already. The items are
     * MATERIALIZED: the INSERT reads i.items three times (the items and the two news counts),
     * and an inlined CTE would compute every subquery of the items once per read (bench/RESULTS.md,
     * p10-digest3: three times the statement's time). */
    [DIGEST_INSERT] =
        {"digest_insert",
         "WITH p AS (SELECT id, name, hub_id, timezone FROM partnerships WHERE id = "
         "$partnership_id::uuid), "
         "i AS MATERIALIZED (SELECT jsonb_build_object("
         "  'partnership_name', p.name, 'timezone', p.timezone, "
         "  'window_from', spp_ts($window_from::timestamptz), "
         "  'window_from_local', to_char($window_from::timestamptz AT TIME ZONE p.timezone, "
         "    'YYYY-MM-DD HH24:MI'), "
         "  'cut_off_local', to_char($cut_off::timestamptz AT TIME ZONE p.timezone, 'YYYY-MM-DD "
         "HH24:MI'), "
         /* News: best practices published in the window, from the reviews of this partnership. */
         "  'best_practices', COALESCE((SELECT jsonb_agg(jsonb_build_object('id', b.id, "
         "    'title', b.title, 'description', b.description, 'school_name', s.name, "
         "    'review_id', r.id, 'published_at', spp_ts(b.published_at)) "
         "    ORDER BY b.published_at, b.id) "
         "    FROM reviews r JOIN best_practices b ON b.review_id = r.id "
         "    JOIN schools s ON s.id = r.school_id WHERE r.partnership_id = p.id "
         "    AND b.published_at > $window_from::timestamptz AND b.published_at <= "
         "$cut_off::timestamptz), "
         "    '[]'::jsonb), "
         /* News: every status change in the window, oldest first. */
         "  'status_changes', COALESCE((SELECT jsonb_agg(jsonb_build_object('review_id', r.id, "
         "    'school_name', s.name, 'from', e.from_status, 'to', e.to_status, "
         "    'at', spp_ts(e.created_at), "
         "    'at_local', to_char(e.created_at AT TIME ZONE p.timezone, 'YYYY-MM-DD HH24:MI')) "
         "    ORDER BY e.created_at, e.id) "
         "    FROM reviews r JOIN review_events e ON e.review_id = r.id "
         "    JOIN schools s ON s.id = r.school_id WHERE r.partnership_id = p.id "
         "    AND e.kind = 'transition' "
         "    AND e.created_at > $window_from::timestamptz AND e.created_at <= "
         "$cut_off::timestamptz), "
         "    '[]'::jsonb), "
         /* Context: visits and workshops of live reviews on any of the 14 days from digest_date. */
         "  'upcoming', COALESCE((SELECT jsonb_agg(u.item ORDER BY u.starts_on, u.kind DESC, "
         "    u.school_name, u.review_id) FROM ("
         "    SELECT jsonb_build_object('kind', 'visit', 'review_id', r.id, 'school_name', s.name, "
         "      'starts_on', r.review_starts_on, "
         "      'ends_on', COALESCE(r.review_ends_on, r.review_starts_on)) AS item, "
         "      r.review_starts_on AS starts_on, 'visit' AS kind, s.name AS school_name, "
         "      r.id AS review_id "
         "    FROM reviews r JOIN schools s ON s.id = r.school_id WHERE r.partnership_id = p.id "
         "    AND r.status NOT IN ('completed', 'cancelled') AND r.review_starts_on < "
         "$digest_date::date + "
         "14 "
         "    AND COALESCE(r.review_ends_on, r.review_starts_on) >= $digest_date::date "
         "    UNION ALL "
         "    SELECT jsonb_build_object('kind', 'workshop', 'review_id', r.id, 'school_name', "
         "s.name, "
         "      'starts_on', r.workshop_on, 'ends_on', r.workshop_on), "
         "      r.workshop_on, 'workshop', s.name, r.id "
         "    FROM reviews r JOIN schools s ON s.id = r.school_id WHERE r.partnership_id = p.id "
         "    AND r.status NOT IN ('completed', 'cancelled') "
         "    AND r.workshop_on >= $digest_date::date AND r.workshop_on < $digest_date::date + 14) "
         "u), '[]'::jsonb), "
         /* Context: the soonest sessions after the cut-off with seats left that the partnership
          * may book (no hub, or its own hub's). */
         "  'training', COALESCE((SELECT jsonb_agg(t.item ORDER BY t.starts_at, t.id) FROM ("
         "    SELECT jsonb_build_object('id', ts.id, 'course', ts.course, "
         "      'starts_at', spp_ts(ts.starts_at), "
         "      'starts_local', to_char(ts.starts_at AT TIME ZONE p.timezone, "
         "        'YYYY-MM-DD HH24:MI'), "
         "      'location', ts.location, 'seats_left', ts.capacity - ts.booked_count) AS item, "
         "      ts.starts_at, ts.id FROM training_sessions ts "
         "    WHERE ts.starts_at > $cut_off::timestamptz AND ts.booked_count < ts.capacity "
         "    AND (ts.hub_id IS NULL OR ts.hub_id = p.hub_id) "
         "    ORDER BY ts.starts_at, ts.id LIMIT " DIGEST_TRAINING_MAX ") t), '[]'::jsonb)"
         ") AS items FROM p) "
         "INSERT INTO digests (partnership_id, digest_date, window_from, cut_off, items, empty, "
         "  job_id) "
         "SELECT $partnership_id::uuid, $digest_date::date, $window_from::timestamptz, "
         "$cut_off::timestamptz, i.items, "
         "  jsonb_array_length(i.items -> 'best_practices') "
         "  + jsonb_array_length(i.items -> 'status_changes') = 0, $job_id::uuid FROM i "
         "ON CONFLICT ON CONSTRAINT digests_once_key DO NOTHING RETURNING id, empty"},
    /* One notification per opted-in person of the partnership's schools for digest $digest_id of
     * partnership $partnership_id and date $digest_date, all in one spp_notify_many call (which
     * decides "once" and the per-kind opt-out). Returns the jobs queued (job_ids, uuid[]) and how
     * many people there were (people). */
    [DIGEST_NOTIFY] =
        {"digest_notify",
         "SELECT COALESCE(spp_notify_many('digest', $digest_id::uuid, array_agg(pe.id ORDER BY "
         "pe.id), "
         "  array_agg(pe.email ORDER BY pe.id), $digest_date::date, NULL, "
         "  jsonb_build_object('digest_id', $digest_id::uuid)), '{}')::text AS job_ids, "
         "  count(*) AS people "
         "FROM people pe JOIN schools s ON s.id = pe.school_id "
         "WHERE s.partnership_id = $partnership_id::uuid AND pe.digest_opt_in"},
    /* Marks digest $digest_id handed to delivery and announces it as a digest.published webhook
     * event (spp_announce: a fresh event id, which stays in the payload through every retry);
     * returns the job (job_id). */
    [DIGEST_PUBLISH] = {"digest_publish",
                        "WITH d AS (UPDATE digests SET delivered_at = clock_timestamp() WHERE id = "
                        "$digest_id::uuid "
                        "  RETURNING digest_json(digests)::jsonb AS data) "
                        "SELECT spp_announce('digest.published', d.data) AS job_id FROM d"},
    {NULL, NULL},
};

/* The optional string member k of the payload: 0 with *out set (NULL when absent or null), -1
 * when it is there but not a string that ok accepts. */
static int digest_payload_str(const json_t *payload, const char *k, int (*ok)(const char *),
                              const char **out)
{
    const json_t *v = json_object_get(payload, k);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v) || !ok(json_string_value(v)))
        return -1;
    *out = json_string_value(v);
    return 0;
}

enum job_result digest_compile_run(struct job_ctx *ctx)
{
    const char *pid, *slot, *date;
    if (digest_payload_str(ctx->payload, "partnership_id", validate_uuid, &pid) != 0 || !pid ||
        digest_payload_str(ctx->payload, "slot", validate_timestamp, &slot) != 0 ||
        digest_payload_str(ctx->payload, "date", validate_date, &date) != 0) {
        /* Retrying cannot help; the job goes dead with this message for an admin to see. */
        snprintf(ctx->err, sizeof ctx->err,
                 "bad payload: want partnership_id (uuid), slot? (RFC 3339), date? (YYYY-MM-DD)");
        return JOB_RETRY;
    }
    enum job_result rc = JOB_RETRY;
    PGresult *res = NULL;
    if (!(res = worker_exec(ctx, &digest_compile_statements[DIGEST_LOCK],
                            DB_ARGS({"partnership_id", pid}))))
        goto done;
    PQclear(res);

    if (!(res = worker_exec(ctx, &digest_compile_statements[DIGEST_BOUNDS],
                            DB_ARGS({"partnership_id", pid}, {"slot", slot}, {"date", date}))))
        goto done;
    if (PQntuples(res) == 0) {
        log_info("digest.compile %s: partnership %s is gone; nothing to do", ctx->id, pid);
        rc = JOB_OK;
        goto done;
    }
    char day[16], from[64], cut[64];
    snprintf(day, sizeof day, "%s", db_value(res, 0, "digest_date"));
    int future = !strcmp(db_value(res, 0, "future"), "t");
    int enabled = !strcmp(db_value(res, 0, "digest_enabled"), "t");
    int exists = !strcmp(db_value(res, 0, "has_digest"), "t");
    snprintf(from, sizeof from, "%s", db_value(res, 0, "window_from"));
    snprintf(cut, sizeof cut, "%s", db_value(res, 0, "cut_off"));
    PQclear(res);
    res = NULL;
    if (future || !enabled || exists) {
        /* A date that has its digest stays as it is; a future date or a partnership that
         * switched digests off since the job was queued gets none. */
        if (future || !enabled)
            log_warn("digest.compile %s: partnership %s, %s: %s; nothing compiled", ctx->id, pid,
                     day, future ? "the date is in the future" : "digests are switched off");
        rc = JOB_OK;
        goto done;
    }

    if (!(res = worker_exec(ctx, &digest_compile_statements[DIGEST_INSERT],
                            DB_ARGS({"partnership_id", pid}, {"digest_date", day},
                                    {"window_from", from}, {"cut_off", cut}, {"job_id", ctx->id}))))
        goto done;
    if (PQntuples(res) == 0 || !strcmp(db_value(res, 0, "empty"), "t")) {
        rc = JOB_OK; /* compiled by someone else meanwhile, or nothing new: stored, not sent */
        goto done;
    }
    char digest_id[37];
    snprintf(digest_id, sizeof digest_id, "%s", db_value(res, 0, "id"));
    PQclear(res);

    if (!(res = worker_exec(
              ctx, &digest_compile_statements[DIGEST_NOTIFY],
              DB_ARGS({"digest_id", digest_id}, {"partnership_id", pid}, {"digest_date", day}))))
        goto done;
    log_info("digest.compile %s: digest %s of partnership %s for %s: %d of %s people notified",
             ctx->id, digest_id, pid, day,
             jobs_outbox_add_array(ctx->outbox, db_value(res, 0, "job_ids"), JOBS_BULK_STREAM),
             db_value(res, 0, "people"));
    PQclear(res);

    if (!(res = worker_exec(ctx, &digest_compile_statements[DIGEST_PUBLISH],
                            DB_ARGS({"digest_id", digest_id}))))
        goto done;
    jobs_outbox_add_column(ctx->outbox, res, db_col(res, "job_id"), JOBS_STREAM);
    rc = JOB_OK;
done:
    if (res)
        PQclear(res);
    return rc;
}
