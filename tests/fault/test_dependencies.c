/* Faults of the stores: Redis down while the API commits and then back empty, PostgreSQL
 * restarted under load (DESIGN §4.1, §4.4, §4.9). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fault.h"
#include "http.h"

/* (b) With Redis stopped, the API still accepts 100 retries (their commits stand, their
 * publishes fail); Redis comes back empty (no stream, no group) with a worker running, and the
 * sweeper delivers all 100. */
START_TEST(redis_down_then_empty)
{
    char run[64];
    fault_tag(run, sizeof run, "redis");
    ck_assert_msg(getenv("SPP_TEST_URL") != NULL, "SPP_TEST_URL is not set (the API under test)");
    PGresult *res = fault_sql(
        "INSERT INTO jobs (kind, payload, status, attempts, max_attempts, finished_at, last_error) "
        "SELECT 'test.record', jsonb_build_object('run', '%s', 'n', g, 'ms', 0), 'dead', 3, 3, "
        "clock_timestamp(), 'boom' FROM generate_series(1, 100) g RETURNING id",
        run);
    ck_assert_int_eq(PQntuples(res), 100);

    fault_ctl("redis", "stop");
    int accepted = 0;
    long other = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        char path[128];
        snprintf(path, sizeof path, "/v1/jobs/%s/retry", PQgetvalue(res, i, 0));
        struct http_resp *r = http_call("POST", path, test_admin(), NULL, NULL);
        if (r->status == 202)
            accepted++;
        else
            other = r->status;
        http_free(r);
    }
    PQclear(res);
    ck_assert_msg(accepted == 100, "%d of 100 retries answered 202 with Redis down (another: %ld)",
                  accepted, other);
    ck_assert_int_eq(fault_run_count(run, "queued"), 100);

    /* The worker starts while Redis is still down, then Redis returns with nothing. */
    struct fault_worker w;
    fault_worker_start(&w, "redis", NULL);
    fault_ctl("redis", "start-empty");
    long done = fault_wait_run(100, 60, run, "succeeded");
    ck_assert_msg(done == 100, "%ld of 100 jobs succeeded after Redis came back empty (see %s)",
                  done, w.log);
    fault_worker_stop(&w);
    fault_assert_exactly_once(run, 100);
}
END_TEST

/* (f) PostgreSQL restarted while two workers run 300 jobs: they resume by themselves. */
START_TEST(postgres_restart_under_load)
{
    char run[64];
    fault_tag(run, sizeof run, "pgrestart");
    const char *env[] = {"SPP_WORKER_CONCURRENCY=2", NULL};
    struct fault_worker w[2];
    fault_workers_start(w, 2, "pgrestart", env);
    ck_assert_int_eq(fault_insert_jobs("test.record", run, 300, "{\"ms\":30}", NULL, 0), 300);
    fault_publish_run(run);
    ck_assert_msg(fault_wait_long(1, 30,
                                  "SELECT (count(*) >= 10)::int FROM jobs "
                                  "WHERE payload->>'run' = '%s' AND status = 'succeeded'",
                                  run) == 1,
                  "the workers did not start on the jobs (see %s)", w[0].log);
    long before = fault_run_count(run, "succeeded");
    fault_db_close();
    fault_ctl("postgres", "restart");
    /* The restart must have hit work in progress for the scenario to mean anything. */
    ck_assert_msg(before < 300, "all jobs were done before the restart");

    long done = fault_wait_run(300, 90, run, "succeeded");
    ck_assert_msg(done == 300, "%ld of 300 jobs succeeded after the restart (see %s)", done,
                  w[0].log);
    for (int i = 0; i < 2; i++) {
        ck_assert_msg(fault_worker_wait(&w[i], 0) == -1, "worker %d died (see %s)", i, w[i].log);
        int st = fault_worker_stop(&w[i]);
        ck_assert_msg(st == 0, "worker %d did not stop cleanly: %d (see %s)", i, st, w[i].log);
    }
    fault_assert_exactly_once(run, 300);
}
END_TEST

Suite *fault_dependencies_suite(void)
{
    Suite *s = suite_create("fault: Redis and PostgreSQL");
    suite_add_tcase(s, fault_tcase("Redis down, back empty", redis_down_then_empty, 120));
    suite_add_tcase(
        s, fault_tcase("PostgreSQL restarted under load", postgres_restart_under_load, 120));
    return s;
}
