/* A runner thread: reads job ids from the consumer group, claims each job in PostgreSQL under a
 * lease, runs it in a transaction that commits with its fenced completion, records the outcome,
 * then acknowledges and deletes the stream entry.
 *
 * Runners serve one of two lanes (jobs.h): the general lane reads JOBS_STREAM and claims every
 * job but webhook deliveries; the webhook lane (SPP_WEBHOOK_CONCURRENCY threads) reads
 * JOBS_WEBHOOK_STREAM and claims only those. However long receivers take, email and the other
 * kinds keep their SPP_WORKER_CONCURRENCY threads. An entry on the wrong stream (a delivery an
 * admin retried, which the API publishes on JOBS_STREAM) is passed on to the right one. */
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "jobs.h"
#include "log.h"
#include "monotime.h"
#include "wmetrics.h"
#include "worker.h"

const struct db_stmt runner_statements[] = {
    /* The lane of a job that is due and waiting (for an entry this runner could not claim). */
    {"runner_lane", "SELECT " JOBS_WEBHOOK_LANE_SQL " FROM jobs WHERE id = $1 "
                    "AND status IN ('queued', 'failed') AND run_at <= clock_timestamp() "
                    "AND kind = ANY($2::text[])"},
    {NULL, NULL},
};

struct runner {
    struct db *db;
    struct redis *redis;
    char consumer[128];
    int webhook_lane;          /* 1: serves the webhook lane */
    const char *stream;        /* the lane's stream */
    struct jobs_outbox outbox; /* what the running job enqueued (job_ctx) */
};

static void runner_ack(struct runner *rn, const char *entry)
{
    redisReply *rep = redis_command(rn->redis, "XACK %s %s %s", rn->stream, JOBS_GROUP, entry);
    if (rep)
        freeReplyObject(rep);
    rep = redis_command(rn->redis, "XDEL %s %s", rn->stream, entry);
    if (rep)
        freeReplyObject(rep);
}

static int runner_sql(struct runner *rn, const char *sql)
{
    PGresult *res = db_exec_sql(rn->db, sql);
    int ok = db_ok(res) && (strcmp(sql, "COMMIT") != 0 || !strcmp(PQcmdStatus(res), "COMMIT"));
    if (res)
        PQclear(res);
    return ok ? 0 : -1;
}

/* The fenced failure record: the job's status ("failed" or "dead") when this attempt still
 * held it, else NULL. The result is the caller's to clear. */
static PGresult *runner_fail_row(struct runner *rn, const char *id, const char *attempt_s,
                                 int attempt, const char *error)
{
    uint32_t rnd = 0;
    RAND_bytes((unsigned char *)&rnd, sizeof rnd);
    char delay[16];
    snprintf(delay, sizeof delay, "%d",
             jobs_backoff_s(attempt, worker_shared.cfg->retry_base_s, rnd));
    const char *p[] = {id, attempt_s, delay, error};
    PGresult *res = db_exec(rn->db, "jobs_fail", 4, p);
    if (db_ok(res) && PQntuples(res) == 1)
        return res;
    if (res)
        PQclear(res);
    return NULL;
}

/* Records a failed attempt (retried after a backoff, or dead after the last one) together with
 * the kind's own bookkeeping of it, in one transaction. */
static void runner_fail(struct runner *rn, const struct job_kind *k, struct job_ctx *ctx,
                        const char *attempt_s, const char *error, int64_t run_us)
{
    int tx = k && k->failed && runner_sql(rn, "BEGIN") == 0;
    PGresult *res = runner_fail_row(rn, ctx->id, attempt_s, ctx->attempt, error);
    int dead = res && !strcmp(PQgetvalue(res, 0, 0), "dead");
    if (tx && res && k->failed(ctx, dead) != 0) {
        /* The bookkeeping failed: the failure itself is still recorded. */
        PQclear(res);
        runner_sql(rn, "ROLLBACK");
        tx = 0;
        res = runner_fail_row(rn, ctx->id, attempt_s, ctx->attempt, error);
        dead = res && !strcmp(PQgetvalue(res, 0, 0), "dead");
    }
    if (tx && runner_sql(rn, res ? "COMMIT" : "ROLLBACK") != 0 && res) {
        PQclear(res);
        res = NULL;
    }
    if (res) {
        wmetrics_finished(dead ? WM_DEAD : WM_RETRIED, run_us);
        char extra[160];
        snprintf(extra, sizeof extra, "\"job\":\"%s\",\"attempt\":%d,\"dead\":%s", ctx->id,
                 ctx->attempt, dead ? "true" : "false");
        log_line(dead ? LOG_ERROR : LOG_WARN, "job failed", extra);
        PQclear(res);
    } else {
        wmetrics_finished(WM_FENCED, run_us);
        log_warn("job %s attempt %d: failure not recorded (lease lost or database gone)", ctx->id,
                 ctx->attempt);
    }
}

/* Runs one claimed job to its recorded outcome. */
static void runner_run(struct runner *rn, const char *id, PGresult *claim)
{
    const char *kind = PQgetvalue(claim, 0, 0);
    int attempt = atoi(PQgetvalue(claim, 0, 2));
    const char *attempt_s = PQgetvalue(claim, 0, 2);
    wmetrics_started(atoll(PQgetvalue(claim, 0, 4)));
    const struct job_kind *k = worker_kind(kind);
    atomic_int lost = 0;
    struct job_ctx ctx = {rn->db,
                          rn->redis,
                          worker_shared.cfg,
                          id,
                          kind,
                          NULL,
                          attempt,
                          atoi(PQgetvalue(claim, 0, 3)),
                          worker_shared.name,
                          &lost,
                          "",
                          &rn->outbox};
    /* jsonb always parses, but jansson refuses what PostgreSQL accepts (nesting past 2,048
     * levels, for one): such a job fails, like any other, without its code running. */
    ctx.payload = json_loads(PQgetvalue(claim, 0, 1), 0, NULL);
    inflight_add(id, attempt, &lost);
    wmetrics_inflight(1);
    int64_t start = monotime_now_us();

    enum job_result result = JOB_RETRY;
    int began = 0;
    if (!k) {
        snprintf(ctx.err, sizeof ctx.err, "this worker has no job kind %s", kind);
    } else if (!json_is_object(ctx.payload)) {
        snprintf(ctx.err, sizeof ctx.err, "the payload is not a JSON object this worker can read");
    } else if (runner_sql(rn, "BEGIN") != 0) {
        snprintf(ctx.err, sizeof ctx.err, "could not begin a transaction");
    } else {
        began = 1;
        result = k->run(&ctx);
        if (result == JOB_OK && atomic_load(&lost)) {
            result = JOB_RETRY;
            snprintf(ctx.err, sizeof ctx.err, "lease lost while running");
        }
    }
    int64_t run_us = monotime_now_us() - start;
    if (result == JOB_OK) {
        const char *p[] = {id, attempt_s};
        PGresult *res = db_exec(rn->db, "jobs_complete", 2, p);
        int mine = db_ok(res) && PQntuples(res) == 1;
        if (res)
            PQclear(res);
        if (mine && runner_sql(rn, "COMMIT") == 0) {
            jobs_outbox_publish(&rn->outbox, rn->redis, rn->db); /* what it enqueued, at once */
            wmetrics_finished(WM_SUCCEEDED, run_us);
        } else {
            /* Another attempt owns the job now (or the commit failed): nothing of this one
             * stays. */
            runner_sql(rn, "ROLLBACK");
            wmetrics_finished(WM_FENCED, run_us);
            log_warn("job %s attempt %d: completion refused (lease taken over)", id, attempt);
        }
    } else {
        if (began)
            runner_sql(rn, "ROLLBACK");
        if (result == JOB_RELEASE) {
            const char *p[] = {id, attempt_s};
            PGresult *res = db_exec(rn->db, "jobs_release", 2, p);
            if (res)
                PQclear(res);
            wmetrics_finished(WM_RELEASED, run_us);
            log_info("job %s released at shutdown", id);
        } else {
            runner_fail(rn, k, &ctx, attempt_s, ctx.err[0] ? ctx.err : "failed", run_us);
        }
    }
    jobs_outbox_clear(&rn->outbox); /* rolled back: those jobs do not exist */
    wmetrics_inflight(-1);
    inflight_remove(id);
    json_decref(ctx.payload);
}

/* An entry this runner could not claim may be a due job of the other lane: it goes on that
 * lane's stream (before this entry is acknowledged, so that it is never only in neither). */
static void runner_pass_on(struct runner *rn, const char *id)
{
    const char *p[] = {id, worker_kinds_array()};
    PGresult *res = db_exec(rn->db, "runner_lane", 2, p);
    if (db_ok(res) && PQntuples(res) == 1 && (PQgetvalue(res, 0, 0)[0] == 't') != rn->webhook_lane)
        jobs_publish_to(rn->redis, rn->db, rn->webhook_lane ? JOBS_STREAM : JOBS_WEBHOOK_STREAM,
                        id);
    if (res)
        PQclear(res);
}

/* Handles one stream entry. A job that is not claimable (not due, already done, running
 * elsewhere, of a kind this worker does not run) only has its entry removed: the ledger says
 * what happens to it. An entry left unacknowledged (PostgreSQL down) is taken over by a
 * sweeper later. */
static void runner_process(struct runner *rn, const char *entry, const char *id)
{
    char lease[16];
    snprintf(lease, sizeof lease, "%d", worker_shared.cfg->job_lease_s);
    const char *p[] = {id, worker_shared.name, lease, worker_kinds_array(),
                       rn->webhook_lane ? "true" : "false"};
    PGresult *claim = db_exec(rn->db, "jobs_claim", 5, p);
    if (!db_ok(claim)) {
        if (claim)
            PQclear(claim);
        return;
    }
    if (PQntuples(claim) == 1)
        runner_run(rn, id, claim);
    else
        runner_pass_on(rn, id);
    PQclear(claim);
    runner_ack(rn, entry);
}

static void runner_create_group(struct runner *rn)
{
    redisReply *rep =
        redis_command(rn->redis, "XGROUP CREATE %s %s 0 MKSTREAM", rn->stream, JOBS_GROUP);
    if (rep)
        freeReplyObject(rep); /* BUSYGROUP: another worker made it first */
}

/* One XREADGROUP: blocks on the server for at most two seconds (shorter than the client's
 * timeout), so that a stop is noticed quickly. */
static void runner_read(struct runner *rn)
{
    redisReply *rep =
        redis_command(rn->redis, "XREADGROUP GROUP %s %s COUNT 1 BLOCK 2000 STREAMS %s >",
                      JOBS_GROUP, rn->consumer, rn->stream);
    if (!rep) {
        worker_sleep_ms(1000); /* Redis unreachable: the connection is rebuilt next time */
        return;
    }
    if (rep->type == REDIS_REPLY_ERROR) {
        if (!strncmp(rep->str, "NOGROUP", 7)) {
            /* The stream is gone (Redis restarted empty): everything due must go out again. */
            jobs_stream_lost();
            runner_create_group(rn);
        } else
            log_warn("XREADGROUP: %s", rep->str);
        freeReplyObject(rep);
        return;
    }
    if (rep->type == REDIS_REPLY_ARRAY && rep->elements == 1) {
        redisReply *entries = rep->element[0]->element[1];
        for (size_t i = 0; i < entries->elements; i++) {
            redisReply *e = entries->element[i];
            if (e->elements != 2 || e->element[1]->type != REDIS_REPLY_ARRAY)
                continue;
            redisReply *fields = e->element[1];
            const char *id = NULL;
            for (size_t f = 0; f + 1 < fields->elements; f += 2)
                if (!strcmp(fields->element[f]->str, "id"))
                    id = fields->element[f + 1]->str;
            if (id)
                runner_process(rn, e->element[0]->str, id);
            else
                runner_ack(rn, e->element[0]->str);
        }
    }
    freeReplyObject(rep);
}

void *runner_main(void *arg)
{
    int index = (int)(intptr_t)arg;
    const struct config *cfg = worker_shared.cfg;
    struct runner rn = {0};
    struct redis_addr addr;
    redis_parse_url(cfg->redis_url, &addr);
    rn.db = db_new(cfg->database_url, worker_statement_sets);
    rn.redis = redis_new(&addr, 5000);
    rn.webhook_lane = index >= cfg->worker_concurrency;
    rn.stream = rn.webhook_lane ? JOBS_WEBHOOK_STREAM : JOBS_STREAM;
    snprintf(rn.consumer, sizeof rn.consumer, "%s-%d", worker_shared.name, index);
    runner_create_group(&rn);
    while (!worker_stopping()) {
        char err[512];
        if (db_ensure(rn.db, err, sizeof err) != 0) {
            log_warn("runner %d: %s", index, err);
            worker_sleep_ms(1000);
            continue;
        }
        runner_read(&rn);
    }
    jobs_outbox_free(&rn.outbox);
    redis_free(rn.redis);
    db_free(rn.db);
    atomic_fetch_sub(&worker_runners_left, 1);
    return NULL;
}
