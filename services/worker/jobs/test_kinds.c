/* Kinds that only the test and benchmark build (spp-worker-test) registers, for the fault
 * suite and bench/jobs:
 *   test.record  {"ms": N}: waits N ms (releasing at shutdown), then records one row in
 *                test_job_effects inside the job's transaction: a row exists exactly for the
 *                attempt whose completion was accepted. With {"then": payload} it also enqueues
 *                a test.record job with that payload in its transaction, through jobs_enqueue,
 *                or with {"then_sql": payload} through spp_enqueue (the two doors).
 *   test.fail    always fails with "boom".
 *   bench.noop   does nothing, and says so (no_effects): its completions are batched. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kinds.h"

static enum job_result test_record_row(struct job_ctx *ctx)
{
    char attempt[16];
    snprintf(attempt, sizeof attempt, "%d", ctx->attempt);
    char *payload = json_dumps(ctx->payload, JSON_COMPACT);
    const char *p[] = {ctx->id, attempt, ctx->worker, ctx->kind, payload};
    PGresult *res =
        PQexecParams(db_conn(ctx->db),
                     "INSERT INTO test_job_effects (job_id, attempt, worker, kind, payload) "
                     "VALUES ($1, $2::int, $3, $4, $5::jsonb)",
                     5, NULL, p, NULL, NULL, 0);
    int ok = db_ok(res);
    if (!ok)
        worker_db_error(ctx, "recording the effect", res);
    PQclear(res);
    free(payload);
    return ok ? JOB_OK : JOB_RETRY;
}

static enum job_result test_record(struct job_ctx *ctx)
{
    json_int_t ms = json_integer_value(json_object_get(ctx->payload, "ms"));
    for (json_int_t waited = 0; waited < ms; waited += 10) {
        if (worker_must_release())
            return JOB_RELEASE;
        if (atomic_load(ctx->lost)) {
            snprintf(ctx->err, sizeof ctx->err, "lease lost");
            return JOB_RETRY;
        }
        struct timespec ts = {0, 10 * 1000000L};
        nanosleep(&ts, NULL);
    }
    enum job_result r = test_record_row(ctx);
    const json_t *then = json_object_get(ctx->payload, "then");
    const json_t *then_sql = json_object_get(ctx->payload, "then_sql");
    if (r != JOB_OK || (!then && !then_sql))
        return r;
    char *text = json_dumps(then ? then : then_sql, JSON_COMPACT);
    int ok;
    if (then) {
        struct jobs_new j = {"test.record", text, NULL, 0, 0, NULL};
        char id[37];
        ok = jobs_enqueue(ctx->db, ctx->outbox, &j, id, ctx->err, sizeof ctx->err) == 0;
    } else {
        const char *p[] = {text};
        PGresult *res =
            PQexecParams(db_conn(ctx->db), "SELECT spp_enqueue('test.record', $1::jsonb)", 1, NULL,
                         p, NULL, NULL, 0);
        ok = db_ok(res);
        if (ok)
            jobs_outbox_add_column(ctx->outbox, res, 0, JOBS_STREAM);
        else
            worker_db_error(ctx, "enqueueing the follow-up", res);
        PQclear(res);
    }
    free(text);
    return ok ? JOB_OK : JOB_RETRY;
}

static enum job_result test_fail(struct job_ctx *ctx)
{
    snprintf(ctx->err, sizeof ctx->err, "boom (attempt %d)", ctx->attempt);
    return JOB_RETRY;
}

static enum job_result bench_noop(struct job_ctx *ctx)
{
    (void)ctx;
    return JOB_OK;
}

const struct job_kind job_kinds[] = {
    JOB_KINDS_PRODUCT{"test.record", test_record, NULL, 0},
    {"test.fail", test_fail, NULL, 0},
    {"bench.noop", bench_noop, NULL, 1}, /* no effects: batched completion */
    {NULL, NULL, NULL, 0},
};

const struct db_stmt *const job_statement_sets[] = {JOB_STATEMENTS_PRODUCT NULL};
