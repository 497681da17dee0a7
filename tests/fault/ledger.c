/* The suite's view of the ledger: one libpq connection per test process that rides out
 * PostgreSQL restarts, job insertion and publication as the API does them, and the
 * exactly-once assertion every scenario ends with. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "redis.h"

static PGconn *fault_conn;

static const char *fault_db_url(char *buf, size_t len)
{
    const char *url = getenv("SPP_TEST_DATABASE_URL");
    if (url && *url)
        return url;
    const char *port = getenv("SPP_TEST_PG_PORT");
    snprintf(buf, len, "postgresql://spp@127.0.0.1:%s/spp", port ? port : "5432");
    return buf;
}

void fault_db_close(void)
{
    if (fault_conn)
        PQfinish(fault_conn);
    fault_conn = NULL;
}

static int fault_db_ensure(void)
{
    if (fault_conn && PQstatus(fault_conn) == CONNECTION_OK)
        return 0;
    fault_db_close();
    char buf[256];
    const char *keys[] = {"dbname", "connect_timeout", NULL};
    const char *vals[] = {fault_db_url(buf, sizeof buf), "3", NULL};
    fault_conn = PQconnectdbParams(keys, vals, 1);
    if (PQstatus(fault_conn) != CONNECTION_OK) {
        fault_db_close();
        return -1;
    }
    PGresult *res = PQexec(fault_conn, "SET client_min_messages = warning; SET TimeZone = 'UTC'");
    PQclear(res);
    return 0;
}

static PGresult *fault_vsql(const char *fmt, va_list ap)
{
    char *sql = NULL;
    ck_assert_int_ge(vasprintf(&sql, fmt, ap), 0);
    char last[512] = "no connection";
    PGresult *res = NULL;
    for (int tries = 0; tries < 150; tries++) {
        if (fault_db_ensure() == 0) {
            res = PQexec(fault_conn, sql);
            ExecStatusType st = PQresultStatus(res);
            if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
                break;
            snprintf(last, sizeof last, "%s", PQresultErrorMessage(res));
            PQclear(res);
            res = NULL;
            /* A statement error is the test's fault; a lost connection is the fault under
             * test: connect again and repeat. */
            if (PQstatus(fault_conn) == CONNECTION_OK &&
                PQtransactionStatus(fault_conn) == PQTRANS_IDLE)
                ck_abort_msg("SQL failed: %s\n%s", last, sql);
            fault_db_close();
        }
        fault_sleep_ms(200);
    }
    ck_assert_msg(res != NULL, "SQL failed for 30 s: %s\n%s", last, sql);
    free(sql);
    return res;
}

PGresult *fault_sql(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    PGresult *res = fault_vsql(fmt, ap);
    va_end(ap);
    return res;
}

static long fault_first_long(PGresult *res)
{
    long v = PQntuples(res) > 0 && !PQgetisnull(res, 0, 0) ? atol(PQgetvalue(res, 0, 0)) : 0;
    PQclear(res);
    return v;
}

long fault_long(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    PGresult *res = fault_vsql(fmt, ap);
    va_end(ap);
    return fault_first_long(res);
}

long fault_wait_long(long want, int timeout_s, const char *fmt, ...)
{
    long v = 0;
    for (int waited = 0; waited <= timeout_s * 1000; waited += 100) {
        va_list ap;
        va_start(ap, fmt);
        v = fault_first_long(fault_vsql(fmt, ap));
        va_end(ap);
        if (v == want)
            break;
        fault_sleep_ms(100);
    }
    return v;
}

long fault_run_count(const char *run, const char *status)
{
    return fault_long("SELECT count(*) FROM jobs WHERE payload->>'run' = '%s' AND status = '%s'",
                      run, status);
}

long fault_wait_run(long want, int timeout_s, const char *run, const char *status)
{
    return fault_wait_long(
        want, timeout_s, "SELECT count(*) FROM jobs WHERE payload->>'run' = '%s' AND status = '%s'",
        run, status);
}

long fault_insert_jobs(const char *kind, const char *run, int n, const char *extra_json,
                       const char *run_at_sql, int max_attempts)
{
    PGresult *res = fault_sql(
        "INSERT INTO jobs (kind, payload, run_at, max_attempts) "
        "SELECT '%s', jsonb_build_object('run', '%s', 'n', g) || '%s'::jsonb, %s, %d "
        "FROM generate_series(1, %d) g",
        kind, run, extra_json ? extra_json : "{}", run_at_sql ? run_at_sql : "clock_timestamp()",
        max_attempts > 0 ? max_attempts : 8, n);
    long rows = atol(PQcmdTuples(res));
    PQclear(res);
    return rows;
}

struct redis *fault_redis(void)
{
    char url[128];
    const char *port = getenv("SPP_TEST_REDIS_PORT");
    snprintf(url, sizeof url, "redis://127.0.0.1:%s/0", port ? port : "6379");
    struct redis_addr addr;
    ck_assert_int_eq(redis_parse_url(url, &addr), 0);
    return redis_new(&addr, 5000);
}

long fault_publish_run(const char *run)
{
    PGresult *res = fault_sql("SELECT id FROM jobs WHERE payload->>'run' = '%s'", run);
    struct redis *r = fault_redis();
    long n = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        redisReply *rep = redis_command(r, "XADD spp:jobs * id %s", PQgetvalue(res, i, 0));
        ck_assert_msg(rep && rep->type == REDIS_REPLY_STRING, "XADD failed");
        freeReplyObject(rep);
        n++;
    }
    redis_free(r);
    PQclear(res);
    return n;
}

void fault_job_id(const char *run, char *id)
{
    PGresult *res = fault_sql(
        "SELECT id FROM jobs WHERE payload->>'run' = '%s' ORDER BY created_at LIMIT 1", run);
    ck_assert_int_eq(PQntuples(res), 1);
    snprintf(id, 37, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
}

void fault_one_job(const char *kind, const char *run, const char *extra_json, int max_attempts,
                   char *id)
{
    ck_assert_int_eq(fault_insert_jobs(kind, run, 1, extra_json, NULL, max_attempts), 1);
    fault_publish_run(run);
    fault_job_id(run, id);
}

long fault_wait_job(const char *id, const char *status, int timeout_s)
{
    return fault_wait_long(
        1, timeout_s, "SELECT count(*) FROM jobs WHERE id = '%s' AND status = '%s'", id, status);
}

void fault_assert_exactly_once(const char *run, long n)
{
    PGresult *res = fault_sql(
        "SELECT (SELECT count(*) FROM jobs WHERE payload->>'run' = '%1$s'), "
        "(SELECT count(*) FROM jobs WHERE payload->>'run' = '%1$s' AND status = 'succeeded'), "
        "(SELECT count(*) FROM test_job_effects WHERE payload->>'run' = '%1$s'), "
        "(SELECT count(DISTINCT job_id) FROM test_job_effects WHERE payload->>'run' = '%1$s'), "
        "(SELECT count(*) FROM jobs j WHERE j.payload->>'run' = '%1$s' AND NOT EXISTS "
        "  (SELECT 1 FROM test_job_effects e WHERE e.job_id = j.id AND e.attempt = j.attempts)), "
        "(SELECT count(*) FROM test_job_effects e WHERE e.payload->>'run' = '%1$s' AND NOT "
        "  EXISTS (SELECT 1 FROM jobs j WHERE j.id = e.job_id)), "
        "(SELECT string_agg(DISTINCT status, ',') FROM jobs WHERE payload->>'run' = '%1$s')",
        run);
    long jobs = atol(PQgetvalue(res, 0, 0)), ok = atol(PQgetvalue(res, 0, 1));
    long effects = atol(PQgetvalue(res, 0, 2)), distinct = atol(PQgetvalue(res, 0, 3));
    long unaccepted = atol(PQgetvalue(res, 0, 4)), orphans = atol(PQgetvalue(res, 0, 5));
    char states[128];
    snprintf(states, sizeof states, "%s", PQgetvalue(res, 0, 6));
    PQclear(res);
    ck_assert_msg(jobs == n, "run %s: %ld jobs, expected %ld", run, jobs, n);
    ck_assert_msg(ok == n, "run %s: %ld of %ld jobs succeeded (states: %s)", run, ok, n, states);
    ck_assert_msg(effects == n, "run %s: %ld effect rows for %ld jobs", run, effects, n);
    ck_assert_msg(distinct == n, "run %s: effects for %ld distinct jobs of %ld", run, distinct, n);
    ck_assert_msg(unaccepted == 0,
                  "run %s: %ld jobs have no effect from their accepted (last) attempt", run,
                  unaccepted);
    ck_assert_msg(orphans == 0, "run %s: %ld effect rows without a job", run, orphans);
}

int fault_ledger_setup(void)
{
    /* Outside any test: no Check assertions here. */
    int ok = 0;
    for (int tries = 0; tries < 50 && fault_db_ensure() != 0; tries++)
        fault_sleep_ms(200);
    if (fault_conn) {
        PGresult *res =
            PQexec(fault_conn,
                   "CREATE TABLE IF NOT EXISTS test_job_effects (job_id uuid NOT NULL, "
                   "attempt int NOT NULL, worker text NOT NULL, kind text NOT NULL, payload jsonb, "
                   "created_at timestamptz NOT NULL DEFAULT clock_timestamp()); "
                   "CREATE INDEX IF NOT EXISTS test_job_effects_job ON test_job_effects (job_id)");
        ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        if (!ok)
            fprintf(stderr, "creating test_job_effects: %s", PQresultErrorMessage(res));
        PQclear(res);
    } else {
        fprintf(stderr, "fault suite: cannot connect to PostgreSQL\n");
    }
    /* Each forked test opens its own connection. */
    fault_db_close();
    return ok ? 0 : -1;
}
