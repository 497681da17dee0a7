#include "jobs.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "redis.h"
#include "xalloc.h"

/* The statements on one job (by id) test its state as what it is not, which the CHECK on
 * status makes the same set: written "status = 'running'" or "status IN ('queued', 'failed')",
 * the planner could answer them from an index on the state instead of the primary key (before
 * sql/0018, jobs_listing, jobs_leased and jobs_due). Statistics taken while the queue was empty
 * (its normal state) make those look empty, and then every claim or completion scans the whole
 * backlog of a burst, or every index entry left by the jobs run since the last vacuum
 * (bench/jobs.sh: 10 times slower, worse as it grows). Since sql/0018 no index names the state
 * (so that a claim is a HOT update: see there), and these statements never name finished_at,
 * the predicate of the one partial index on what is unfinished. */
#define JOBS_WAITING "status NOT IN ('running', 'succeeded', 'dead')" /* queued or failed */
#define JOBS_RUNNING "status NOT IN ('queued', 'failed', 'succeeded', 'dead')" /* running */

/* Claiming takes the lease and counts the attempt; only what is due, of a kind this worker runs,
 * in the lane of the runner ($webhook_lane). A started job gives up its pending_key: a new one
 * with that key may wait behind it. A runner claims every id it read from the stream at once
 * ($ids, up to SPP_JOB_BATCH): one statement and one WAL flush for the lot. Rows are locked in
 * index order, so two claims that overlap (an id published twice) cannot deadlock. */
#define JOBS_CLAIM_SQL                                                                             \
    "UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = $worker, "           \
    "pending_key = NULL, "                                                                         \
    "locked_until = clock_timestamp() + make_interval(secs => $lease_s::int), "                    \
    "started_at = clock_timestamp() "                                                              \
    "WHERE id = ANY($ids::uuid[]) AND " JOBS_WAITING " AND run_at <= clock_timestamp() "           \
    "AND kind = ANY($kinds::text[]) AND " JOBS_WEBHOOK_LANE_SQL " = $webhook_lane::boolean "       \
    "RETURNING id, kind, payload::text AS payload, attempts, max_attempts, "                       \
    "spp_micros(clock_timestamp()) - spp_micros(GREATEST(run_at, created_at)) AS waited_us"
/* The completions of jobs without database effects, each (id, attempt) fenced on its own; the
 * ids (sorted by the caller: the renewer's lock order) of those recorded come back. The rows are
 * found by primary key from the ids as an array built once (an init plan, whose length the
 * planner does not know): joined to the unnest alone, a custom plan made with statistics of an
 * idle queue (nothing running) scans the table once and compares every row with every pair,
 * 5.2 s for 500 completions on a ledger of 20,000 jobs, against 7 ms this way (bench/RESULTS.md,
 * p10-jobs3). */
#define JOBS_COMPLETE_MANY_SQL                                                                     \
    "UPDATE jobs SET status = 'succeeded', finished_at = clock_timestamp(), locked_by = NULL, "    \
    "locked_until = NULL, last_error = NULL "                                                      \
    "FROM unnest($done_ids::uuid[], $done_attempts::int[]) AS d(id, attempt) "                     \
    "WHERE jobs.id = ANY(ARRAY(SELECT unnest($done_ids::uuid[]))) AND jobs.id = d.id "             \
    "AND jobs.attempts = d.attempt AND " JOBS_RUNNING " RETURNING jobs.id AS id"

const struct db_stmt jobs_statements[] = {
    /* spp_enqueue (sql/0013) decides keys, defaults and published_at; the second column says
     * whether the job may run at once (then its caller publishes it after commit). */
    [JOBS_INSERT] = {"jobs_insert",
                     "SELECT spp_enqueue($kind, $payload::jsonb, $dedupe_key, $delay_s::int, "
                     "$max_attempts::int, $requested_by, $pending_key) AS id, "
                     "$delay_s::int <= 0 AS due_now"},
    [JOBS_BY_KEY] = {"jobs_by_key",
                     "SELECT id FROM jobs WHERE dedupe_key = $dedupe_key "
                     "UNION ALL SELECT id FROM jobs WHERE pending_key = $pending_key LIMIT 1"},
    /* JOBS_CLAIM_SQL above. */
    [JOBS_CLAIM_MANY] = {"jobs_claim_many", JOBS_CLAIM_SQL},
    /* Renewal of every lease a worker holds, each (id, attempt) pair fenced on its own; the
     * pairs not returned lost their lease. Callers pass the ids sorted (the lock order of the
     * batched completion too). The rows are found as the completions' are (above). */
    [JOBS_RENEW_MANY] =
        {"jobs_renew_many",
         "UPDATE jobs SET locked_until = clock_timestamp() + make_interval(secs => $lease_s::int) "
         "FROM unnest($ids::uuid[], $attempts::int[]) AS d(id, attempt) "
         "WHERE jobs.id = ANY(ARRAY(SELECT unnest($ids::uuid[]))) AND jobs.id = d.id "
         "AND jobs.attempts = d.attempt AND " JOBS_RUNNING " "
         "RETURNING jobs.id AS id, jobs.attempts AS attempt"},
    /* Finishing is fenced: only the attempt that holds the job may record its outcome. */
    [JOBS_COMPLETE] =
        {"jobs_complete",
         "UPDATE jobs SET status = 'succeeded', finished_at = clock_timestamp(), locked_by = NULL, "
         "locked_until = NULL, last_error = NULL "
         "WHERE id = $id AND attempts = $attempt AND " JOBS_RUNNING " RETURNING 1 AS mine"},
    /* The same for a batch of jobs without database effects, fenced per row; the ids not
     * returned were taken over. */
    [JOBS_COMPLETE_MANY] = {"jobs_complete_many", JOBS_COMPLETE_MANY_SQL},
    /* Both in one statement, so in one commit and one WAL flush: the completions a runner holds
     * from its last batch ($done_ids, $done_attempts) and the claim of its next one ($ids).
     * Rows "completed" are the completions recorded; the others are the jobs claimed. The two
     * sets never share a row: the claim takes only waiting jobs, the completion only running
     * ones, both as of the statement's one snapshot. */
    [JOBS_COMPLETE_CLAIM] =
        {"jobs_complete_claim",
         "WITH done AS (" JOBS_COMPLETE_MANY_SQL "), claimed AS (" JOBS_CLAIM_SQL ") "
         "SELECT id, true AS completed, NULL::text AS kind, NULL::text AS payload, "
         "NULL::int AS attempts, NULL::int AS max_attempts, NULL::bigint AS waited_us FROM done "
         "UNION ALL SELECT id, false, kind, payload, attempts, max_attempts, waited_us::bigint "
         "FROM claimed"},
    [JOBS_FAIL] =
        {"jobs_fail",
         "UPDATE jobs SET status = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE "
         "'failed' END, "
         "run_at = CASE WHEN attempts >= max_attempts THEN run_at "
         "ELSE clock_timestamp() + make_interval(secs => $delay_s::int) END, "
         "finished_at = CASE WHEN attempts >= max_attempts THEN clock_timestamp() END, "
         "last_error = $error, locked_by = NULL, locked_until = NULL, published_at = NULL "
         "WHERE id = $id AND attempts = $attempt AND " JOBS_RUNNING " RETURNING status"},
    /* Given back at shutdown: the attempt does not count against the job. */
    [JOBS_RELEASE] =
        {"jobs_release",
         "UPDATE jobs SET status = 'queued', run_at = clock_timestamp(), locked_by = NULL, "
         "locked_until = NULL, published_at = NULL, max_attempts = max_attempts + 1, "
         "last_error = 'released when its worker stopped' "
         "WHERE id = $id AND attempts = $attempt AND " JOBS_RUNNING " RETURNING 1 AS mine"},
    [JOBS_UNPUBLISH] = {"jobs_unpublish",
                        "UPDATE jobs SET published_at = NULL WHERE id = $id AND " JOBS_WAITING},
    {NULL, NULL},
};

int jobs_enqueue(struct db *db, struct jobs_outbox *out, const struct jobs_new *j, char *id,
                 char *err, size_t errlen)
{
    return jobs_enqueue_once(db, out, j, NULL, id, err, errlen);
}

/* Writes why a statement of an enqueue of kind failed into err and clears res; returns -1. */
static int jobs_enqueue_failed(PGresult *res, const char *kind, char *err, size_t errlen)
{
    snprintf(err, errlen, "enqueue %s: %s", kind,
             res ? PQresultErrorMessage(res) : "no connection");
    if (res)
        PQclear(res);
    return -1;
}

int jobs_enqueue_once(struct db *db, struct jobs_outbox *out, const struct jobs_new *j,
                      const char *pending_key, char *id, char *err, size_t errlen)
{
    char delay[16], max[16];
    snprintf(delay, sizeof delay, "%d", j->delay_s);
    snprintf(max, sizeof max, "%d",
             j->max_attempts > 0 ? j->max_attempts : JOBS_DEFAULT_MAX_ATTEMPTS);
    /* The job holding a pending key may start (and give the key up) between the insert that
     * met it and the look-up: then the insert is tried again, and succeeds. */
    for (int attempt = 0; attempt < 3; attempt++) {
        PGresult *res = db_exec(db, &jobs_statements[JOBS_INSERT],
                                DB_ARGS({"kind", j->kind}, {"payload", j->payload},
                                        {"dedupe_key", j->dedupe_key}, {"delay_s", delay},
                                        {"max_attempts", max}, {"requested_by", j->requested_by},
                                        {"pending_key", pending_key}));
        if (!db_ok(res))
            return jobs_enqueue_failed(res, j->kind, err, errlen);
        if (!db_is_null(res, 0, "id")) {
            snprintf(id, 37, "%s", db_value(res, 0, "id"));
            if (db_value(res, 0, "due_now")[0] == 't')
                jobs_outbox_add(out, id, JOBS_STREAM);
            PQclear(res);
            return 0;
        }
        PQclear(res);
        res = db_exec(db, &jobs_statements[JOBS_BY_KEY],
                      DB_ARGS({"dedupe_key", j->dedupe_key}, {"pending_key", pending_key}));
        if (!db_ok(res))
            return jobs_enqueue_failed(res, j->kind, err, errlen);
        int found = PQntuples(res) == 1;
        if (found)
            snprintf(id, 37, "%s", db_value(res, 0, "id"));
        PQclear(res);
        if (found)
            return 1;
    }
    snprintf(err, errlen, "enqueue %s: the job with this key vanished", j->kind);
    return -1;
}

void jobs_outbox_add(struct jobs_outbox *o, const char *id, const char *stream)
{
    if (!id || !id[0])
        return;
    if (o->n == o->cap) {
        o->cap = o->cap ? 2 * o->cap : 8;
        o->v = xrealloc(o->v, o->cap * sizeof *o->v);
    }
    snprintf(o->v[o->n].id, sizeof o->v[o->n].id, "%s", id);
    o->v[o->n++].stream = stream;
}

int jobs_outbox_add_column(struct jobs_outbox *o, const PGresult *res, int col, const char *stream)
{
    int n = 0;
    for (int i = 0; i < PQntuples(res); i++)
        if (!PQgetisnull(res, i, col)) {
            jobs_outbox_add(o, PQgetvalue(res, i, col), stream);
            n++;
        }
    return n;
}

int jobs_outbox_add_array(struct jobs_outbox *o, const char *text, const char *stream)
{
    size_t len = text ? strlen(text) : 0;
    if (len < 2 || text[0] != '{' || text[len - 1] != '}')
        return -1;
    const char *end = text + len - 1;
    /* Checked whole first, so that a malformed literal adds nothing. */
    for (int add = 0; add < 2; add++) {
        int n = 0;
        for (const char *s = text + 1; s < end;) {
            const char *comma = memchr(s, ',', (size_t)(end - s));
            size_t k = (size_t)((comma ? comma : end) - s);
            if (k == 36) {
                if (add) {
                    char id[37];
                    memcpy(id, s, 36);
                    id[36] = '\0';
                    jobs_outbox_add(o, id, stream);
                }
                n++;
            } else if (k != 4 || memcmp(s, "NULL", 4) != 0) {
                return -1;
            }
            s += k + (comma ? 1 : 0);
        }
        if (add)
            return n;
    }
    return -1;
}

void jobs_outbox_publish(struct jobs_outbox *o, struct redis *r, struct db *db)
{
    for (size_t i = 0; i < o->n; i++)
        jobs_publish_to(r, db, o->v[i].stream, o->v[i].id);
    o->n = 0;
}

void jobs_outbox_clear(struct jobs_outbox *o)
{
    o->n = 0;
}

void jobs_outbox_free(struct jobs_outbox *o)
{
    free(o->v);
    *o = (struct jobs_outbox){0};
}

int jobs_publish(struct redis *r, struct db *db, const char *id)
{
    return jobs_publish_to(r, db, JOBS_STREAM, id);
}

int jobs_publish_to(struct redis *r, struct db *db, const char *stream, const char *id)
{
    redisReply *rep = redis_command(r, "XADD %s * id %s", stream, id);
    int ok = rep && rep->type == REDIS_REPLY_STRING;
    if (!ok) {
        log_warn("publishing job %s failed (%s); the sweeper will publish it", id,
                 rep && rep->type == REDIS_REPLY_ERROR ? rep->str : "Redis unreachable");
        PGresult *res = db_exec(db, &jobs_statements[JOBS_UNPUBLISH], DB_ARGS({"id", id}));
        if (res)
            PQclear(res);
    }
    if (rep)
        freeReplyObject(rep);
    return ok ? 0 : -1;
}

static atomic_int jobs_lost_flag;

void jobs_stream_lost(void)
{
    atomic_store(&jobs_lost_flag, 1);
}

int jobs_take_stream_lost(void)
{
    return atomic_exchange(&jobs_lost_flag, 0);
}

int jobs_backoff_s(int attempt, int base_s, uint32_t rnd)
{
    if (attempt < 1)
        attempt = 1;
    int64_t d = base_s;
    for (int i = 1; i < attempt && d < JOBS_BACKOFF_CAP_S; i++)
        d *= 2;
    if (d > JOBS_BACKOFF_CAP_S)
        d = JOBS_BACKOFF_CAP_S;
    int64_t half = d / 2;
    return (int)(d - half + (half > 0 ? rnd % (uint32_t)(half + 1) : 0));
}

int64_t jobs_slot_start(int64_t now_s, int interval_s)
{
    int64_t r = now_s % interval_s;
    if (r < 0)
        r += interval_s;
    return now_s - r;
}

int jobs_uuid_valid(const char *s)
{
    static const char hex[] = "0123456789abcdefABCDEF";
    size_t i = 0;
    for (; s[i]; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-')
                return 0;
        } else if (i >= 36 || !strchr(hex, s[i])) {
            return 0;
        }
    }
    return i == 36;
}

int jobs_batch_count(int64_t avg_job_us, int batch, int flush_ms)
{
    if (batch < 1)
        return 1;
    if (avg_job_us < 1)
        avg_job_us = 1;
    int64_t n = (int64_t)flush_ms * 1000 / avg_job_us;
    if (n < 1)
        return 1;
    return n > batch ? batch : (int)n;
}

int64_t jobs_avg_us(int64_t avg_us, int64_t sample_us)
{
    if (sample_us < 0)
        sample_us = 0;
    if (sample_us >= avg_us)
        return sample_us;
    return sample_us > avg_us / 8 ? sample_us : avg_us / 8;
}
