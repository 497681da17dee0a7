/* The worker's shared parts (services/worker/worker.c) that need no connection: the stop and
 * release flags that runners and job code poll, the interruptible sleep, and the stable text
 * that worker_db_error leaves as a job's last_error. */
#include <string.h>

#include "log.h"
#include "monotime.h"
#include "worker.h"
#include "unit.h"

/* Stopping is one way and in two steps: no new work at once, then, from the release time, jobs
 * still running give their work back. worker_sleep_ms wakes early once stopping. One test, in
 * order: the flags are the process's. */
START_TEST(worker_stop_then_release)
{
    ck_assert_int_eq(worker_stopping(), 0);
    ck_assert_int_eq(worker_must_release(), 0);
    int64_t t0 = monotime_now_us();
    ck_assert_int_eq(worker_sleep_ms(60), 0);
    ck_assert_int_ge(monotime_now_us() - t0, 50000);

    worker_stop(monotime_now_us() + 3600 * (int64_t)1000000);
    ck_assert_int_eq(worker_stopping(), 1);
    ck_assert_int_eq(worker_must_release(), 0);
    t0 = monotime_now_us();
    ck_assert_int_eq(worker_sleep_ms(60000), 1);
    ck_assert_int_lt(monotime_now_us() - t0, 1000000);

    worker_stop(monotime_now_us());
    ck_assert_int_eq(worker_stopping(), 1);
    ck_assert_int_eq(worker_must_release(), 1);
}
END_TEST

/* ctx->err becomes the job's last_error, which keys read: a stable text naming the step, not
 * PostgreSQL's message (that goes to the log only). Without a result, the connection is gone. */
START_TEST(worker_db_error_text)
{
    log_set_level(LOG_ERROR); /* the log lines are not what is tested here */
    struct job_ctx ctx = {0};
    ctx.id = "00000000-0000-4000-8000-000000000001";
    ctx.kind = "digest.compile";
    worker_db_error(&ctx, "loading the partnership", NULL);
    ck_assert_str_eq(ctx.err, "loading the partnership: no connection to PostgreSQL");

    /* A result that carries no SQLSTATE reads as no connection as well. */
    PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_FATAL_ERROR);
    ck_assert_ptr_nonnull(res);
    worker_db_error(&ctx, "digest_bounds", res);
    ck_assert_str_eq(ctx.err, "digest_bounds: no connection to PostgreSQL");
    PQclear(res);

    /* A step too long for the buffer is cut, never overrun. */
    char what[600];
    memset(what, 'x', sizeof what - 1);
    what[sizeof what - 1] = '\0';
    worker_db_error(&ctx, what, NULL);
    ck_assert_uint_eq(strlen(ctx.err), sizeof ctx.err - 1);
    ck_assert_int_eq(strncmp(ctx.err, what, sizeof ctx.err - 1), 0);
}
END_TEST

Suite *worker_suite(void)
{
    Suite *s = suite_create("worker");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, worker_stop_then_release);
    tcase_add_test(tc, worker_db_error_text);
    suite_add_tcase(s, tc);
    return s;
}
