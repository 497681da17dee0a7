/* The sweeper, one per worker process (several may run at once: every step is safe to repeat
 * and to race). Each pass it takes back jobs whose lease expired, publishes what is due and was
 * not published since (a lost publish, Redis restarted empty, a retry or delayed job coming
 * due), takes over stream entries left pending by a dead consumer, ticks the schedules,
 * prunes finished jobs and access audit rows past retention, and refreshes the queue gauges. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jobs.h"
#include "log.h"
#include "wmetrics.h"
#include "worker.h"

const struct db_stmt sweeper_statements[] = {
    /* Running jobs whose lease ran out, found on jobs_unfinished (sql/0018) among the jobs that
     * came due at least a lease ($lease_s, SPP_JOB_LEASE_S) ago: a claim needs run_at <= its
     * instant and sets locked_until to that instant plus the lease, which renewals only push later,
     * so a lease that ran out belongs to a job due longer ago than a lease. A backlog of jobs that
     * came due since (a burst waiting for runners) is not scanned: the bound is a subquery, so
     * that it bounds the index scan (clock_timestamp() itself is volatile, a filter). (Workers
     * configured with a shorter lease than this one's have their expired jobs taken back by this
     * sweeper at most the difference later; by their own sweepers, at once.) */
    [SWEEP_EXPIRED] =
        {"sweep_expired",
         "UPDATE jobs SET status = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'failed' "
         "END, "
         "last_error = 'lease expired: its worker stopped answering', locked_by = NULL, "
         "locked_until = NULL, published_at = NULL, run_at = clock_timestamp(), "
         "finished_at = CASE WHEN attempts >= max_attempts THEN clock_timestamp() END "
         "WHERE id = ANY(ARRAY(SELECT id FROM jobs WHERE finished_at IS NULL "
         "AND run_at < (SELECT clock_timestamp() - make_interval(secs => $lease_s::int)) "
         "AND status = 'running' "
         "AND locked_until < clock_timestamp() LIMIT 500 FOR UPDATE SKIP LOCKED)) RETURNING id"},
    /* Due, of a kind this worker runs, and not on the stream since it came due ($trust_s: how
     * long a publish is trusted before it is repeated), with its lane: webhook delivery, email
     * (the bulk stream: a backlog of a fan-out's emails waiting past the trust window goes back
     * where it was, not ahead of every other job), or the rest. Those are the jobs never
     * published since they came due (on jobs_unpublished, sql/0018: a delayed job, a retry, a
     * lost publish) and those published longer ago than the trust window, which came due
     * before it (on jobs_unfinished, up to that bound, a subquery so that it bounds the index
     * scan): a backlog published lately (a burst waiting for runners) is not read. Like the
     * other batch statements here, the batch is chosen once, as an array (an init plan), then
     * locked and updated by primary key: written "id IN (subquery)", the planner, misled by
     * statistics of an empty queue, may rescan the subquery once per row of the table (a sweep
     * took 10 s on a backlog of 5,000 jobs). */
    [SWEEP_DUE] = {"sweep_due",
                   "UPDATE jobs SET published_at = clock_timestamp() WHERE id = ANY(ARRAY("
                   "SELECT id FROM jobs WHERE id = ANY(ARRAY("
                   "(SELECT id FROM jobs WHERE finished_at IS NULL "
                   "AND (published_at IS NULL OR published_at < run_at) "
                   "AND run_at <= clock_timestamp() AND status IN ('queued', 'failed') "
                   "AND kind = ANY($kinds::text[]) ORDER BY run_at LIMIT 1000) UNION ALL "
                   "(SELECT id FROM jobs WHERE finished_at IS NULL "
                   "AND run_at < (SELECT clock_timestamp() - make_interval(secs => $trust_s::int)) "
                   "AND published_at < clock_timestamp() - make_interval(secs => $trust_s::int) "
                   "AND status IN ('queued', 'failed') AND kind = ANY($kinds::text[]) "
                   "ORDER BY run_at LIMIT 1000))) "
                   "AND finished_at IS NULL AND status IN ('queued', 'failed') "
                   "AND run_at <= clock_timestamp() AND kind = ANY($kinds::text[]) "
                   "AND (published_at IS NULL OR published_at < run_at "
                   "OR published_at < clock_timestamp() - make_interval(secs => $trust_s::int)) "
                   "ORDER BY run_at LIMIT 1000 FOR UPDATE SKIP LOCKED)) RETURNING "
                   "id, " JOBS_WEBHOOK_LANE_SQL " AS webhook, " JOBS_BULK_LANE_SQL " AS bulk"},
    /* Finished jobs past retention, found kind by kind on jobs_listing (sql/0018: no index
     * names status or finished_at's non-NULL values, so that a claim writes no index entry):
     * the kinds come from a walk that descends the index once per kind, then each kind's rows
     * created before the cut-off (a job finished before it was created before it). */
    [SWEEP_PRUNE] =
        {"sweep_prune",
         "DELETE FROM jobs WHERE id = ANY(ARRAY(WITH RECURSIVE k(kind) AS ("
         "(SELECT kind FROM jobs ORDER BY kind LIMIT 1) UNION ALL "
         "SELECT (SELECT j.kind FROM jobs j WHERE j.kind > k.kind ORDER BY j.kind LIMIT 1) "
         "FROM k WHERE k.kind IS NOT NULL), "
         "c(at) AS (SELECT clock_timestamp() - make_interval(days => $days::int)) "
         "SELECT o.id FROM k, c, LATERAL (SELECT id FROM jobs WHERE jobs.kind = k.kind "
         "AND jobs.created_at < c.at AND jobs.finished_at < c.at LIMIT 1000) o LIMIT 1000))"},
    /* Access audit rows older than SPP_AUDIT_RETENTION_DAYS (DESIGN §1.4), a batch a pass. */
    [SWEEP_AUDIT_PRUNE] =
        {"sweep_audit_prune",
         "DELETE FROM audit_log WHERE id = ANY(ARRAY(SELECT id FROM audit_log "
         "WHERE at < clock_timestamp() - make_interval(days => $days::int) LIMIT 5000))"},
    [SWEEP_GAUGES] =
        {"sweep_gauges",
         "SELECT count(*) AS due, "
         "COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - min(run_at)), 0) AS oldest_s "
         "FROM jobs WHERE finished_at IS NULL AND status IN ('queued', 'failed') "
         "AND run_at <= clock_timestamp()"},
    {NULL, NULL},
};

struct sweeper {
    struct db *db;
    struct redis *redis;
    char consumer[128];
};

static PGresult *sweeper_exec(struct sweeper *sw, const struct db_stmt *stmt, int n,
                              const struct db_arg *args)
{
    PGresult *res = db_exec(sw->db, stmt, n, args);
    if (!db_ok(res)) {
        log_warn("sweeper: %s failed: %s", stmt->name,
                 res ? PQresultErrorMessage(res) : "no connection");
        if (res)
            PQclear(res);
        return NULL;
    }
    return res;
}

/* Publishes each job on the stream of its lane (webhook: the webhook lane; bulk: an email, on
 * the bulk stream). */
static void sweeper_publish_rows(struct sweeper *sw, PGresult *res)
{
    int id = db_col(res, "id"), webhook = db_col(res, "webhook"), bulk = db_col(res, "bulk");
    for (int i = 0; i < PQntuples(res); i++)
        jobs_publish_to(sw->redis, sw->db,
                        PQgetvalue(res, i, webhook)[0] == 't' ? JOBS_WEBHOOK_STREAM
                        : PQgetvalue(res, i, bulk)[0] == 't'  ? JOBS_BULK_STREAM
                                                              : JOBS_STREAM,
                        PQgetvalue(res, i, id));
}

/* Entries pending longer than a lease belong to a consumer that died (or to a job still
 * running, which its lease protects): acknowledge and delete them, and mark their jobs
 * unpublished so that the next step publishes whatever is still due. */
static void sweeper_autoclaim(struct sweeper *sw, const char *stream)
{
    char idle[24];
    snprintf(idle, sizeof idle, "%d", worker_shared.cfg->job_lease_s * 1000);
    redisReply *rep = redis_command(sw->redis, "XAUTOCLAIM %s %s %s %s 0-0 COUNT 100", stream,
                                    JOBS_GROUP, sw->consumer, idle);
    if (!rep || rep->type != REDIS_REPLY_ARRAY || rep->elements < 2) {
        if (rep)
            freeReplyObject(rep);
        return;
    }
    redisReply *entries = rep->element[1];
    for (size_t i = 0; i < entries->elements; i++) {
        redisReply *e = entries->element[i];
        if (e->type != REDIS_REPLY_ARRAY || e->elements != 2)
            continue;
        redisReply *fields = e->element[1];
        for (size_t f = 0; fields->type == REDIS_REPLY_ARRAY && f + 1 < fields->elements; f += 2) {
            if (!strcmp(fields->element[f]->str, "id")) {
                PGresult *res = sweeper_exec(sw, &jobs_statements[JOBS_UNPUBLISH],
                                             DB_ARGS({"id", fields->element[f + 1]->str}));
                if (res)
                    PQclear(res);
            }
        }
        redisReply *ack =
            redis_command(sw->redis, "XACK %s %s %s", stream, JOBS_GROUP, e->element[0]->str);
        if (ack)
            freeReplyObject(ack);
        ack = redis_command(sw->redis, "XDEL %s %s", stream, e->element[0]->str);
        if (ack)
            freeReplyObject(ack);
    }
    /* Entries whose message was deleted already come back as ids only: acknowledge them. */
    if (rep->elements >= 3 && rep->element[2]->type == REDIS_REPLY_ARRAY) {
        for (size_t i = 0; i < rep->element[2]->elements; i++) {
            redisReply *ack = redis_command(sw->redis, "XACK %s %s %s", stream, JOBS_GROUP,
                                            rep->element[2]->element[i]->str);
            if (ack)
                freeReplyObject(ack);
        }
    }
    freeReplyObject(rep);
}

static void sweeper_pass(struct sweeper *sw)
{
    const struct config *cfg = worker_shared.cfg;
    char lease[16];
    snprintf(lease, sizeof lease, "%d", cfg->job_lease_s);
    PGresult *res =
        sweeper_exec(sw, &sweeper_statements[SWEEP_EXPIRED], DB_ARGS({"lease_s", lease}));
    if (res) {
        if (PQntuples(res) > 0)
            log_warn("sweeper: took back %d jobs whose lease expired", PQntuples(res));
        PQclear(res);
    }
    sweeper_autoclaim(sw, JOBS_STREAM);
    sweeper_autoclaim(sw, JOBS_BULK_STREAM);
    sweeper_autoclaim(sw, JOBS_WEBHOOK_STREAM);
    scheduler_tick(sw->db, sw->redis, cfg);
    /* A publish is trusted for two sweeps or a lease, whichever is longer: an entry can wait
     * that long behind others before anyone should suspect it lost. */
    char trust[16];
    int t =
        cfg->sweep_interval_s * 2 > cfg->job_lease_s ? cfg->sweep_interval_s * 2 : cfg->job_lease_s;
    /* After Redis lost the stream nothing published before can be trusted. */
    snprintf(trust, sizeof trust, "%d", jobs_take_stream_lost() ? 0 : t);
    res = sweeper_exec(sw, &sweeper_statements[SWEEP_DUE],
                       DB_ARGS({"kinds", worker_kinds_array()}, {"trust_s", trust}));
    if (res) {
        sweeper_publish_rows(sw, res);
        PQclear(res);
    }
    char days[16];
    snprintf(days, sizeof days, "%d", cfg->job_retention_days);
    res = sweeper_exec(sw, &sweeper_statements[SWEEP_PRUNE], DB_ARGS({"days", days}));
    if (res)
        PQclear(res);
    snprintf(days, sizeof days, "%d", cfg->audit_retention_days);
    res = sweeper_exec(sw, &sweeper_statements[SWEEP_AUDIT_PRUNE], DB_ARGS({"days", days}));
    if (res)
        PQclear(res);
    res = sweeper_exec(sw, &sweeper_statements[SWEEP_GAUGES], DB_NO_ARGS);
    if (res) {
        wmetrics_set_queue(atol(db_value(res, 0, "due")), atof(db_value(res, 0, "oldest_s")));
        PQclear(res);
    }
}

void *sweeper_main(void *arg)
{
    (void)arg;
    const struct config *cfg = worker_shared.cfg;
    struct sweeper sw;
    struct redis_addr addr;
    redis_parse_url(cfg->redis_url, &addr);
    sw.db = db_new(cfg->database_url, worker_statement_sets);
    sw.redis = redis_new(&addr, 2000);
    snprintf(sw.consumer, sizeof sw.consumer, "%s-sweeper", worker_shared.name);
    while (!worker_stopping()) {
        char err[512];
        if (db_ensure(sw.db, err, sizeof err) == 0)
            sweeper_pass(&sw);
        worker_sleep_ms(cfg->sweep_interval_s * 1000);
    }
    redis_free(sw.redis);
    db_free(sw.db);
    return NULL;
}
