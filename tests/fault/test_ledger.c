/* The ledger under load and with awkward jobs: many workers on many jobs, a poison job among
 * good ones, a delayed job (DESIGN §4.2, §4.4, §4.5). */
#include <stdio.h>
#include <string.h>

#include "fault.h"
#include "redis.h"

/* (c) Four workers on 2,000 jobs published as the API does: each runs exactly once. */
START_TEST(many_workers_many_jobs)
{
    char run[64];
    fault_tag(run, sizeof run, "many");
    struct fault_worker w[4];
    fault_workers_start(w, 4, "many", NULL);
    ck_assert_int_eq(fault_insert_jobs("test.record", run, 2000, "{\"ms\":0}", NULL, 0), 2000);
    ck_assert_int_eq(fault_publish_run(run), 2000);
    long done = fault_wait_run(2000, 90, run, "succeeded");
    ck_assert_msg(done == 2000, "%ld of 2000 jobs succeeded (see %s)", done, w[0].log);
    fault_workers_stop(w, 4);
    fault_assert_exactly_once(run, 2000);
}
END_TEST

/* (e) A job that always fails ends dead after its attempts, with its last error, while the
 * jobs enqueued with it all succeed. */
START_TEST(poison_job_dies_alone)
{
    char run[64], bad[64], id[37];
    fault_tag(run, sizeof run, "poison-good");
    fault_tag(bad, sizeof bad, "poison-bad");
    struct fault_worker w[2];
    fault_workers_start(w, 2, "poison", NULL);
    ck_assert_int_eq(fault_insert_jobs("test.fail", bad, 1, NULL, NULL, 3), 1);
    ck_assert_int_eq(fault_insert_jobs("test.record", run, 50, "{\"ms\":50}", NULL, 0), 50);
    fault_publish_run(bad);
    fault_publish_run(run);
    fault_job_id(bad, id);
    ck_assert_msg(fault_wait_job(id, "dead", 60) == 1, "the failing job is not dead (see %s)",
                  w[0].log);
    ck_assert_msg(fault_wait_run(50, 30, run, "succeeded") == 50,
                  "the good jobs did not all succeed (see %s)", w[0].log);
    fault_workers_stop(w, 2);
    PGresult *res = fault_sql("SELECT attempts, last_error, finished_at IS NOT NULL FROM jobs "
                              "WHERE id = '%s'",
                              id);
    ck_assert_str_eq(PQgetvalue(res, 0, 0), "3");
    ck_assert_str_eq(PQgetvalue(res, 0, 1), "boom (attempt 3)");
    ck_assert_str_eq(PQgetvalue(res, 0, 2), "t");
    PQclear(res);
    ck_assert_int_eq(fault_long("SELECT count(*) FROM test_job_effects WHERE job_id = '%s'", id),
                     0);
    fault_assert_exactly_once(run, 50);
}
END_TEST

/* (h) A job delayed by an hour is not run early, even with its id on the stream and several
 * sweeps passing; a job due now runs meanwhile. */
START_TEST(delayed_job_waits)
{
    char run[64], now_run[64], id[37];
    fault_tag(run, sizeof run, "delayed");
    fault_tag(now_run, sizeof now_run, "delayed-now");
    struct fault_worker w[2];
    fault_workers_start(w, 2, "delayed", NULL);
    ck_assert_int_eq(fault_insert_jobs("test.record", run, 1, "{\"ms\":0}",
                                       "clock_timestamp() + interval '1 hour'", 0),
                     1);
    ck_assert_int_eq(fault_insert_jobs("test.record", now_run, 1, "{\"ms\":0}", NULL, 0), 1);
    /* Published at once, as a careless client of the stream might: the claim must refuse. */
    ck_assert_int_eq(fault_publish_run(run), 1);
    fault_publish_run(now_run);
    fault_job_id(run, id);
    ck_assert_msg(fault_wait_run(1, 30, now_run, "succeeded") == 1,
                  "the workers ran nothing (see %s)", w[0].log);
    /* Several sweeps of both workers (one a second). */
    fault_sleep_ms(4000);
    fault_workers_stop(w, 2);
    PGresult *res = fault_sql("SELECT status, attempts, started_at IS NULL, "
                              "run_at > clock_timestamp() + interval '50 minutes' "
                              "FROM jobs WHERE id = '%s'",
                              id);
    ck_assert_str_eq(PQgetvalue(res, 0, 0), "queued");
    ck_assert_str_eq(PQgetvalue(res, 0, 1), "0");
    ck_assert_str_eq(PQgetvalue(res, 0, 2), "t");
    ck_assert_str_eq(PQgetvalue(res, 0, 3), "t");
    PQclear(res);
    ck_assert_int_eq(fault_long("SELECT count(*) FROM test_job_effects WHERE job_id = '%s'", id),
                     0);
    fault_assert_exactly_once(now_run, 1);
    /* Not left to run in a later scenario's workers an hour from now. */
    res = fault_sql("DELETE FROM jobs WHERE id = '%s'", id);
    PQclear(res);
}
END_TEST

/* A job enqueued by a job, through jobs_enqueue or spp_enqueue, is published as soon as that job
 * commits (the runner publishes its outbox): with the sweeper an hour apart, the follow-ups still
 * run within seconds. */
START_TEST(followup_published_at_commit)
{
    char run[64], next[64], next_sql[64];
    fault_tag(run, sizeof run, "followup");
    fault_tag(next, sizeof next, "followup-c");
    fault_tag(next_sql, sizeof next_sql, "followup-sql");
    static const char *const env[] = {"SPP_SWEEP_INTERVAL_S=3600", NULL};
    struct fault_worker w;
    fault_worker_start(&w, "followup", env);
    /* Let its first sweep pass, so that only the outbox can publish what comes next. */
    fault_sleep_ms(1500);
    char extra[2][256];
    snprintf(extra[0], sizeof extra[0], "{\"ms\":0,\"then\":{\"run\":\"%s\",\"ms\":0}}", next);
    snprintf(extra[1], sizeof extra[1], "{\"ms\":0,\"then_sql\":{\"run\":\"%s\",\"ms\":0}}",
             next_sql);
    ck_assert_int_eq(fault_insert_jobs("test.record", run, 1, extra[0], NULL, 0), 1);
    ck_assert_int_eq(fault_insert_jobs("test.record", run, 1, extra[1], NULL, 0), 1);
    ck_assert_int_eq(fault_publish_run(run), 2);
    const char *runs[] = {run, next, next_sql};
    long want[] = {2, 1, 1};
    for (int i = 0; i < 3; i++)
        ck_assert_msg(fault_wait_run(want[i], 10, runs[i], "succeeded") == want[i],
                      "run %s did not finish within 10 s (see %s)", runs[i], w.log);
    fault_worker_stop(&w);
    for (int i = 0; i < 3; i++)
        fault_assert_exactly_once(runs[i], want[i]);
}
END_TEST

/* How many entries of the jobs stream name a job of one of the runs (their ids in the ledger). */
static long stream_entries_of(const char *const *runs, int nruns)
{
    struct redis *r = fault_redis();
    redisReply *rep = redis_command(r, "XRANGE spp:jobs - +");
    ck_assert_msg(rep && rep->type == REDIS_REPLY_ARRAY, "XRANGE failed");
    long n = 0;
    for (int k = 0; k < nruns; k++) {
        PGresult *res = fault_sql("SELECT id FROM jobs WHERE payload->>'run' = '%s'", runs[k]);
        for (size_t e = 0; e < rep->elements; e++) {
            const redisReply *fields = rep->element[e]->element[1];
            for (size_t f = 0; f + 1 < fields->elements; f += 2)
                for (int i = 0; i < PQntuples(res); i++)
                    if (!strcmp(fields->element[f + 1]->str, PQgetvalue(res, i, 0)))
                        n++;
        }
        PQclear(res);
    }
    freeReplyObject(rep);
    redis_free(r);
    return n;
}

/* Jobs without database effects (bench.noop) among jobs with them (test.record), published in
 * turns: a runner writes a batch's last completions with its next claim, or alone when no entry
 * follows, and before any job with effects. Every job succeeds on its first attempt, each
 * test.record exactly once, and every entry is acknowledged and deleted while the workers run
 * on (none waits for a claim that never comes). */
START_TEST(no_effect_jobs_complete_with_the_next_claim)
{
    char runs[6][64];
    const char *names[6];
    for (int i = 0; i < 6; i++) {
        fault_tag(runs[i], sizeof runs[i], i % 2 ? "batched-record" : "batched-noop");
        names[i] = runs[i];
    }
    struct fault_worker w[2];
    fault_workers_start(w, 2, "batched", NULL);
    for (int i = 0; i < 6; i++) {
        int n = i % 2 ? 50 : 700;
        ck_assert_int_eq(fault_insert_jobs(i % 2 ? "test.record" : "bench.noop", runs[i], n,
                                           i % 2 ? "{\"ms\":0}" : NULL, NULL, 0),
                         n);
        ck_assert_int_eq(fault_publish_run(runs[i]), n);
    }
    for (int i = 0; i < 6; i++) {
        int n = i % 2 ? 50 : 700;
        ck_assert_msg(fault_wait_run(n, 60, runs[i], "succeeded") == n,
                      "run %s did not finish (see %s)", runs[i], w[0].log);
        ck_assert_int_eq(fault_long("SELECT count(*) FROM jobs WHERE payload->>'run' = '%s' "
                                    "AND attempts <> 1",
                                    runs[i]),
                         0);
    }
    long left = -1;
    for (int t = 0; t < 100 && left != 0; t++) {
        left = stream_entries_of(names, 6);
        if (left)
            fault_sleep_ms(100);
    }
    ck_assert_msg(left == 0, "%ld stream entries of finished jobs left (see %s)", left, w[0].log);
    fault_workers_stop(w, 2);
    for (int i = 1; i < 6; i += 2)
        fault_assert_exactly_once(runs[i], 50);
    ck_assert(!fault_worker_logged(&w[0], "completion") &&
              !fault_worker_logged(&w[1], "completion"));
}
END_TEST

Suite *fault_ledger_suite(void)
{
    Suite *s = suite_create("fault: the ledger");
    suite_add_tcase(s, fault_tcase("4 workers, 2000 jobs", many_workers_many_jobs, 120));
    suite_add_tcase(s, fault_tcase("no-effect jobs complete with the next claim",
                                   no_effect_jobs_complete_with_the_next_claim, 90));
    suite_add_tcase(s, fault_tcase("poison job", poison_job_dies_alone, 90));
    suite_add_tcase(s, fault_tcase("delayed job", delayed_job_waits, 60));
    suite_add_tcase(s,
                    fault_tcase("follow-up published at commit", followup_published_at_commit, 60));
    return s;
}
