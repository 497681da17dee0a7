/* The worker's shared parts (worker.h): its name and configuration, the stop and release flags
 * that the runners and the job code poll, the kinds this build runs and the statement tables
 * every connection prepares, and the job code's database-error helpers. main.c is the
 * program's start-up only (configuration, threads, signals), so that these parts and the job
 * kinds link into spp-worker, spp-worker-test and the unit tests alike. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "facts.h"
#include "jobs.h"
#include "log.h"
#include "monotime.h"
#include "worker.h"

struct worker_shared worker_shared;
static atomic_int worker_stop_flag;
static atomic_llong worker_release_at_us;
/* Runner threads still going; each counts itself out as it ends (runner.c). */
atomic_int worker_runners_left;

static const struct db_stmt *worker_sets[64] = {
    jobs_statements, sweeper_statements, scheduler_statements, facts_statements, runner_statements};
const struct db_stmt *const *worker_statement_sets = worker_sets;

void worker_collect_statements(void)
{
    size_t n = 0;
    while (worker_sets[n])
        n++;
    for (size_t i = 0; job_statement_sets[i] && n + 1 < sizeof worker_sets / sizeof *worker_sets;
         i++)
        worker_sets[n++] = job_statement_sets[i];
}

void worker_stop(int64_t release_at_us)
{
    atomic_store(&worker_release_at_us, (long long)release_at_us);
    atomic_store(&worker_stop_flag, 1);
}

int worker_stopping(void)
{
    return atomic_load(&worker_stop_flag);
}

int worker_must_release(void)
{
    long long at = atomic_load(&worker_release_at_us);
    return at && monotime_now_us() >= at;
}

int worker_sleep_ms(int ms)
{
    for (int waited = 0; waited < ms && !worker_stopping(); waited += 50) {
        struct timespec ts = {0, 50 * 1000000L};
        nanosleep(&ts, NULL);
    }
    return worker_stopping();
}

const struct job_kind *worker_kind(const char *kind)
{
    for (const struct job_kind *k = job_kinds; k->kind; k++)
        if (!strcmp(k->kind, kind))
            return k;
    return NULL;
}

void worker_db_error(struct job_ctx *ctx, const char *what, const PGresult *res)
{
    const char *state = res ? db_sqlstate(res) : "";
    struct buf extra;
    buf_init(&extra);
    buf_puts(&extra, "\"job\":");
    buf_json_string(&extra, ctx->id);
    buf_puts(&extra, ",\"kind\":");
    buf_json_string(&extra, ctx->kind);
    buf_puts(&extra, ",\"step\":");
    buf_json_string(&extra, what);
    buf_puts(&extra, ",\"sqlstate\":");
    buf_json_string(&extra, state);
    buf_puts(&extra, ",\"error\":");
    buf_json_string(&extra, res ? PQresultErrorMessage(res) : "no connection to PostgreSQL");
    log_line(LOG_WARN, "job database error", extra.data);
    buf_cleanup(&extra);
    if (state[0])
        snprintf(ctx->err, sizeof ctx->err, "%s: database error (SQLSTATE %s)", what, state);
    else
        snprintf(ctx->err, sizeof ctx->err, "%s: no connection to PostgreSQL", what);
}

/* A statement's result when it succeeded; otherwise the failure reported and NULL. */
static PGresult *worker_result(struct job_ctx *ctx, const struct db_stmt *stmt, PGresult *res)
{
    if (db_ok(res))
        return res;
    worker_db_error(ctx, stmt->name, res);
    if (res)
        PQclear(res);
    return NULL;
}

PGresult *worker_exec(struct job_ctx *ctx, const struct db_stmt *stmt, int n,
                      const struct db_arg *args)
{
    return worker_result(ctx, stmt, db_exec(ctx->db, stmt, n, args));
}

const char *worker_kinds_array(void)
{
    static char text[1024];
    if (!text[0]) {
        size_t n = (size_t)snprintf(text, sizeof text, "{");
        for (const struct job_kind *k = job_kinds; k->kind && n < sizeof text; k++)
            n += (size_t)snprintf(text + n, sizeof text - n, "%s\"%s\"", k == job_kinds ? "" : ",",
                                  k->kind);
        snprintf(text + n, sizeof text - n, "}");
    }
    return text;
}
