/* reminders.scan {"as_of": RFC 3339 instant}: every reminder of DESIGN §4 that is due at as_of,
 * each one set-based statement that calls spp_notify for every (recipient, subject, due date).
 *
 * "Today" is as_of's date in each partnership's time zone (SPP_TZ for a school outside any
 * partnership). Each reminder fires while its target is inside a window and not yet past, and
 * its notification is keyed by the target date (the visit, the workshop, the action's due date,
 * the training day): a scan that runs late, or a second scan of the same day, finds the
 * notification there already (spp_notify: ON CONFLICT DO NOTHING), so each recipient hears once.
 * The overdue-action reminder is keyed by the Monday of today's week instead: once a week.
 *
 * The notifications and their notification.deliver jobs commit with this job; the runner
 * publishes those jobs as soon as it has committed (job_ctx's outbox), on the bulk stream
 * (JOBS_BULK_STREAM) as a digest's emails: a scan queues tens of thousands of emails at once, and
 * the jobs queued after it (the night's digests) do not wait behind them. Opt-outs are decided by
 * spp_notify (stored as skipped, no job). Each statement returns spp_notify's answers (job_ids,
 * uuid[], NULL for each notification that was there already or is switched off; NULL for no rows).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds.h"
#include "log.h"

/* The partnership's "today" at $as_of, $default_tz the default time zone; p is the partnership. */
#define RS_TODAY "(($as_of::timestamptz AT TIME ZONE COALESCE(p.timezone, $default_tz)))::date"
/* as_of's UTC date: a bound for the index, never a day of anyone's calendar. A local date is
 * within a day of it, so the windows below are widened by one day on each side. */
#define RS_UTC_DAY "($as_of::timestamptz AT TIME ZONE 'UTC')::date"
/* to_char formats of a date and of a local time as the messages show them: "Tuesday 8 June
 * 2027", "Tuesday 8 June 2027 at 09:30". */
#define RS_DAY  "'FMDay FMDD FMMonth YYYY'"
#define RS_TIME "'FMDay FMDD FMMonth YYYY \"at\" HH24:MI'"
/* A review with its host school and partnership. */
#define RS_REVIEWS                                                                                 \
    "FROM reviews r JOIN schools s ON s.id = r.school_id "                                         \
    "LEFT JOIN partnerships p ON p.id = r.partnership_id "

const struct db_stmt reminders_scan_statements[] = {
    /* Visits $days_from < days <= $days_to away ($kind the kind: 7 days (1, 7], 1 day (0, 1]),
     * keyed by the visit's first day: the team and the host school's lead contact. */
    [RS_VISIT] =
        {"rs_visit",
         "WITH win AS (SELECT r.id, r.focus, r.review_starts_on, r.review_ends_on, "
         "  s.name AS school_name, s.lead_contact_id, r.review_starts_on - " RS_TODAY " AS days "
         "  " RS_REVIEWS "WHERE r.status IN ('planning', 'scheduled') "
         "  AND r.review_starts_on BETWEEN " RS_UTC_DAY " + $days_from::int - 1 AND " RS_UTC_DAY
         "  + $days_to::int + 1), "
         "who AS (SELECT w.*, t.person_id, 'team' AS role FROM win w "
         "  JOIN review_team t ON t.review_id = w.id WHERE w.days > $days_from::int AND w.days <= "
         "$days_to::int "
         "  UNION ALL SELECT w.*, w.lead_contact_id, 'host' FROM win w "
         "  WHERE w.lead_contact_id IS NOT NULL AND w.days > $days_from::int AND w.days <= "
         "$days_to::int) "
         "SELECT array_agg(spp_notify($kind, w.id, pe.id, pe.email, w.review_starts_on, w.id, "
         "  jsonb_build_object('name', pe.full_name, 'school_name', w.school_name, 'focus', "
         "w.focus, "
         "  'starts', to_char(w.review_starts_on, " RS_DAY
         "), 'ends', to_char(w.review_ends_on, " RS_DAY "), "
         "  'days', w.days, 'role', w.role))) AS job_ids "
         "FROM who w JOIN people pe ON pe.id = w.person_id"},
    /* Workshops in (0, 3] days, keyed by the workshop day: the champion and the host. */
    [RS_WORKSHOP] =
        {"rs_workshop",
         "WITH win AS (SELECT r.id, r.focus, r.workshop_on, r.champion_id, s.name AS school_name, "
         "  s.lead_contact_id, r.workshop_on - " RS_TODAY " AS days "
         "  " RS_REVIEWS "WHERE r.status IN ('scheduled', 'in_review', 'feedback', 'workshop') "
         "  AND r.workshop_on BETWEEN " RS_UTC_DAY " - 1 AND " RS_UTC_DAY " + 4), "
         "who AS (SELECT w.*, w.champion_id AS person_id, 'champion' AS role FROM win w "
         "  WHERE w.champion_id IS NOT NULL AND w.days > 0 AND w.days <= 3 "
         "  UNION ALL SELECT w.*, w.lead_contact_id, 'host' FROM win w "
         "  WHERE w.lead_contact_id IS NOT NULL AND w.days > 0 AND w.days <= 3) "
         "SELECT array_agg(spp_notify('workshop_3d', w.id, pe.id, pe.email, w.workshop_on, w.id, "
         "  jsonb_build_object('name', pe.full_name, 'school_name', w.school_name, 'focus', "
         "w.focus, "
         "  'workshop_on', to_char(w.workshop_on, " RS_DAY
         "), 'days', w.days, 'role', w.role))) AS job_ids "
         "FROM who w JOIN people pe ON pe.id = w.person_id"},
    /* Open actions due in (0, 7] days, keyed by their due date: the owner. */
    [RS_ACTION_DUE] =
        {"rs_action_due",
         "WITH win AS (SELECT a.id, a.review_id, a.description, a.owner_id, a.due_on, "
         "  s.name AS school_name, a.due_on - " RS_TODAY " AS days "
         "  FROM actions a JOIN reviews r ON r.id = a.review_id JOIN schools s ON s.id = "
         "r.school_id "
         "  LEFT JOIN partnerships p ON p.id = r.partnership_id "
         "  WHERE a.status IN ('open', 'in_progress') AND r.status NOT IN ('completed', "
         "'cancelled') "
         "  AND a.due_on BETWEEN " RS_UTC_DAY " - 1 AND " RS_UTC_DAY " + 8) "
         "SELECT array_agg(spp_notify('action_due_7d', w.id, pe.id, pe.email, w.due_on, "
         "w.review_id, "
         "  jsonb_build_object('name', pe.full_name, 'school_name', w.school_name, "
         "  'action', w.description, 'due_on', to_char(w.due_on, " RS_DAY
         "), 'days', w.days))) AS job_ids "
         "FROM win w JOIN people pe ON pe.id = w.owner_id WHERE w.days > 0 AND w.days "
         "<= 7"},
    /* Open actions past their due date, keyed by the Monday of today's week: the owner, once a
     * week. */
    [RS_ACTION_OVERDUE] =
        {"rs_action_overdue",
         "WITH win AS (SELECT a.id, a.review_id, a.description, a.owner_id, a.due_on, "
         "  s.name AS school_name, " RS_TODAY " AS today "
         "  FROM actions a JOIN reviews r ON r.id = a.review_id JOIN schools s ON s.id = "
         "r.school_id "
         "  LEFT JOIN partnerships p ON p.id = r.partnership_id "
         "  WHERE a.status IN ('open', 'in_progress') AND r.status NOT IN ('completed', "
         "'cancelled') "
         "  AND a.due_on <= " RS_UTC_DAY " + 1) "
         "SELECT array_agg(spp_notify('action_overdue', w.id, pe.id, pe.email, "
         "  date_trunc('week', w.today)::date, w.review_id, "
         "  jsonb_build_object('name', pe.full_name, 'school_name', w.school_name, "
         "  'action', w.description, 'due_on', to_char(w.due_on, " RS_DAY
         "), 'days', w.today - w.due_on))) AS job_ids "
         "FROM win w JOIN people pe ON pe.id = w.owner_id WHERE w.due_on < w.today"},
    /* Implementation due (or past) and the review still implementing, keyed by the
     * implementation due date: the host, for the impact reflection. */
    [RS_IMPACT] =
        {"rs_impact",
         "WITH win AS (SELECT r.id, r.focus, r.implementation_due_on, s.name AS school_name, "
         "  s.lead_contact_id, " RS_TODAY " AS today " RS_REVIEWS
         "  WHERE r.status = 'implementing' AND r.implementation_due_on <= " RS_UTC_DAY " + 1) "
         "SELECT array_agg(spp_notify('impact_reflection_due', w.id, pe.id, pe.email, "
         "  w.implementation_due_on, w.id, jsonb_build_object('name', pe.full_name, "
         "  'school_name', w.school_name, 'focus', w.focus, "
         "  'due_on', to_char(w.implementation_due_on, " RS_DAY ")))) AS job_ids "
         "FROM win w JOIN people pe ON pe.id = w.lead_contact_id "
         "WHERE w.implementation_due_on <= w.today"},
    /* Training in (0, 2] days, in each booked person's time zone, keyed by the session's day
     * there: the people booked. */
    [RS_TRAINING] =
        {"rs_training",
         "WITH win AS (SELECT ts.id, ts.course, ts.location, pe.id AS person_id, pe.email, "
         "  pe.full_name, (ts.starts_at AT TIME ZONE COALESCE(p.timezone, $default_tz)) AS "
         "local_start, "
         "  " RS_TODAY " AS today FROM training_sessions ts "
         "  JOIN bookings b ON b.session_id = ts.id AND b.status = 'booked' "
         "  JOIN people pe ON pe.id = b.person_id JOIN schools s ON s.id = pe.school_id "
         "  LEFT JOIN partnerships p ON p.id = s.partnership_id "
         "  WHERE ts.starts_at BETWEEN $as_of::timestamptz - interval '1 day' "
         "  AND $as_of::timestamptz + interval '4 days') "
         "SELECT array_agg(spp_notify('training_2d', w.id, w.person_id, w.email, "
         "w.local_start::date, "
         "  NULL, jsonb_build_object('name', w.full_name, 'course', replace(w.course, '_', ' '), "
         "  'starts', to_char(w.local_start, " RS_TIME "), 'location', w.location, "
         "  'days', w.local_start::date - w.today))) AS job_ids "
         "FROM win w WHERE w.local_start::date - w.today > 0 "
         "AND w.local_start::date - w.today <= 2"},
    /* A review still in planning at most six weeks before its visit, keyed by the visit's first
     * day: the partnership lead. */
    [RS_PLANNING] =
        {"rs_planning",
         "WITH win AS (SELECT r.id, r.focus, r.review_starts_on, s.name AS school_name, "
         "  p.lead_contact_id, r.review_starts_on - " RS_TODAY " AS days " RS_REVIEWS
         "  WHERE r.status = 'planning' AND r.review_starts_on BETWEEN " RS_UTC_DAY " - 1 "
         "  AND " RS_UTC_DAY " + 43) "
         "SELECT array_agg(spp_notify('review_planning_6w', w.id, pe.id, pe.email, "
         "w.review_starts_on, "
         "  w.id, jsonb_build_object('name', pe.full_name, 'school_name', w.school_name, "
         "  'focus', w.focus, 'starts', to_char(w.review_starts_on, " RS_DAY
         "), 'days', w.days))) AS job_ids "
         "FROM win w JOIN people pe ON pe.id = w.lead_contact_id WHERE "
         "w.days >= 0 AND w.days <= 42"},
    {NULL, NULL},
};

/* One reminder: a statement and its extra parameters besides $as_of and $default_tz. */
struct rs_reminder {
    const struct db_stmt *stmt;
    const char *kind, *days_from, *days_to; /* rs_visit only: $kind, $days_from, $days_to */
};

static const struct rs_reminder rs_reminders[] = {
    {&reminders_scan_statements[RS_VISIT], "review_visit_7d", "1", "7"},
    {&reminders_scan_statements[RS_VISIT], "review_visit_1d", "0", "1"},
    {&reminders_scan_statements[RS_WORKSHOP], NULL, NULL, NULL},
    {&reminders_scan_statements[RS_ACTION_DUE], NULL, NULL, NULL},
    {&reminders_scan_statements[RS_ACTION_OVERDUE], NULL, NULL, NULL},
    {&reminders_scan_statements[RS_IMPACT], NULL, NULL, NULL},
    {&reminders_scan_statements[RS_TRAINING], NULL, NULL, NULL},
    {&reminders_scan_statements[RS_PLANNING], NULL, NULL, NULL},
};

enum job_result reminders_scan_run(struct job_ctx *ctx)
{
    const char *as_of = json_string_value(json_object_get(ctx->payload, "as_of"));
    if (!as_of) {
        snprintf(ctx->err, sizeof ctx->err, "payload without as_of");
        return JOB_RETRY;
    }
    long created = 0;
    for (size_t i = 0; i < sizeof rs_reminders / sizeof *rs_reminders; i++) {
        const struct rs_reminder *rm = &rs_reminders[i];
        struct db_arg args[5] = {{"as_of", as_of}, {"default_tz", ctx->cfg->tz}};
        int n = 2;
        if (rm->kind) {
            args[n++] = (struct db_arg){"kind", rm->kind};
            args[n++] = (struct db_arg){"days_from", rm->days_from};
            args[n++] = (struct db_arg){"days_to", rm->days_to};
        }
        PGresult *res = db_exec(ctx->db, rm->stmt, n, args);
        if (!db_ok(res)) {
            worker_db_error(ctx, rm->stmt->name, res);
            if (res)
                PQclear(res);
            return JOB_RETRY;
        }
        if (!db_is_null(res, 0, "job_ids"))
            created +=
                jobs_outbox_add_array(ctx->outbox, db_value(res, 0, "job_ids"), JOBS_BULK_STREAM);
        PQclear(res);
        if (atomic_load(ctx->lost)) {
            snprintf(ctx->err, sizeof ctx->err, "lease lost");
            return JOB_RETRY;
        }
    }
    if (created > 0)
        log_info("reminders.scan %s: %ld notifications to deliver", as_of, created);
    return JOB_OK;
}
