/* The schedules (DESIGN §4.6): slots become jobs under a unique key per slot, so that any number
 * of workers, restarts at the tick and clock skew still give one run per slot. Only kinds this
 * worker runs are scheduled. Slot times are computed by PostgreSQL in SPP_TZ, which keeps the
 * nightly digest at its wall-clock time across daylight-saving changes. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "jobs.h"
#include "log.h"
#include "worker.h"

const struct db_stmt scheduler_statements[] = {
    /* The digest slot of today and yesterday in time zone $tz ($digest_at = HH:MM), when due at
     * $now and no older than the catch-up window: expanded once into one digest.compile job per
     * partnership (job_id). */
    [SCHEDULE_DIGEST] =
        {"schedule_digest",
         "WITH days AS (SELECT d::date AS day, spp_local_slot(d::date, $digest_at::time, $tz) "
         "  AS at "
         "  FROM generate_series((($now::timestamptz AT TIME ZONE $tz)::date - 1)::timestamp, "
         "                       ($now::timestamptz AT TIME ZONE $tz)::date::timestamp, "
         "                       interval '1 day') d), "
         "slots AS (INSERT INTO schedule_slots (slot_key, run_at) "
         "  SELECT 'digest:' || day, at FROM days "
         "  WHERE at <= $now::timestamptz AND at > $now::timestamptz - interval '36 hours' "
         "  ON CONFLICT DO NOTHING RETURNING slot_key, run_at) "
         "SELECT spp_enqueue('digest.compile', jsonb_build_object('partnership_id', p.id, "
         "  'slot', spp_ts(s.run_at)), 'digest.compile:' || p.id || ':' || substr(s.slot_key, 8), "
         "  p_run_at => s.run_at) AS job_id "
         "FROM slots s CROSS JOIN partnerships p WHERE p.digest_enabled"},
    {NULL, NULL},
};

static int scheduler_reminders(struct db *db, struct redis *redis, const struct config *cfg)
{
    int64_t slot = jobs_slot_start((int64_t)time(NULL), cfg->reminder_interval_s);
    char key[64], payload[96], stamp[32];
    struct tm tm;
    time_t t = (time_t)slot;
    gmtime_r(&t, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(key, sizeof key, "reminders.scan:%s", stamp);
    snprintf(payload, sizeof payload, "{\"as_of\":\"%s\"}", stamp);
    struct jobs_new j = {"reminders.scan", payload, key, 0, 0, NULL};
    char id[37], err[512];
    struct jobs_outbox out = {0};
    int rc = jobs_enqueue(db, &out, &j, id, err, sizeof err);
    if (rc < 0)
        log_warn("scheduler: %s", err);
    jobs_outbox_publish(&out, redis, db); /* autocommit: the insert has committed */
    jobs_outbox_free(&out);
    return rc == 0;
}

static int scheduler_digest(struct db *db, struct redis *redis, const struct config *cfg)
{
    char now[32];
    struct tm tm;
    time_t t = time(NULL);
    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    PGresult *res = db_exec(db, &scheduler_statements[SCHEDULE_DIGEST],
                            DB_ARGS({"now", now}, {"digest_at", cfg->digest_at}, {"tz", cfg->tz}));
    int n = 0;
    if (!db_ok(res)) {
        log_warn("scheduler: digest slot: %s", res ? PQresultErrorMessage(res) : "no connection");
    } else {
        struct jobs_outbox out = {0};
        n = jobs_outbox_add_column(&out, res, db_col(res, "job_id"), JOBS_STREAM);
        jobs_outbox_publish(&out, redis, db); /* autocommit: the inserts have committed */
        jobs_outbox_free(&out);
        if (n > 0)
            log_info("scheduler: %d digest jobs for the nightly slot", n);
    }
    if (res)
        PQclear(res);
    return n;
}

int scheduler_tick(struct db *db, struct redis *redis, const struct config *cfg)
{
    int n = 0;
    if (worker_kind("reminders.scan"))
        n += scheduler_reminders(db, redis, cfg);
    if (worker_kind("digest.compile"))
        n += scheduler_digest(db, redis, cfg);
    return n;
}
