/* Faults of the worker process itself: killed mid-job, paused past its lease, stopped with
 * SIGTERM while jobs run (DESIGN §4.2, §4.3, §4.4, §4.8). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#include "fault.h"

static long fault_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until the job runs on worker w (its lease taken under w's name). */
static void fault_wait_running_on(const char *id, const struct fault_worker *w)
{
    char wid[96];
    fault_worker_id(w, wid, sizeof wid);
    ck_assert_msg(fault_wait_long(1, 20,
                                  "SELECT count(*) FROM jobs WHERE id = '%s' "
                                  "AND status = 'running' AND locked_by = '%s'",
                                  id, wid) == 1,
                  "job %s never ran on %s (see %s)", id, wid, w->log);
}

/* (a) A worker SIGKILLed in the middle of a job: a new worker takes the job over once the lease
 * expires and completes it; the killed attempt left nothing. */
START_TEST(killed_mid_job)
{
    char run[64], id[37];
    fault_tag(run, sizeof run, "kill");
    struct fault_worker w1, w2;
    fault_worker_start(&w1, "kill-first", NULL);
    fault_one_job("test.record", run, "{\"ms\":3000}", 0, id);
    fault_wait_running_on(id, &w1);
    fault_worker_kill(&w1);

    fault_worker_start(&w2, "kill-second", NULL);
    ck_assert_msg(fault_wait_job(id, "succeeded", 40) == 1,
                  "the job did not complete after its worker was killed (see %s)", w2.log);
    fault_worker_stop(&w2);
    fault_assert_exactly_once(run, 1);
    ck_assert_int_ge(fault_long("SELECT attempts FROM jobs WHERE id = '%s'", id), 2);
}
END_TEST

/* (g) A worker paused (SIGSTOP) past its lease: another worker reclaims the job and completes
 * it; the paused one, continued, finds its outcome refused by the attempt fence. */
START_TEST(paused_past_lease)
{
    char run[64], id[37], bid[96];
    fault_tag(run, sizeof run, "pause");
    struct fault_worker a, b;
    fault_worker_start(&a, "pause-a", NULL);
    fault_one_job("test.record", run, "{\"ms\":3000}", 0, id);
    fault_wait_running_on(id, &a);
    fault_worker_signal(&a, SIGSTOP);

    fault_worker_start(&b, "pause-b", NULL);
    fault_worker_id(&b, bid, sizeof bid);
    ck_assert_msg(fault_wait_job(id, "succeeded", 40) == 1,
                  "no other worker completed the paused worker's job (see %s)", b.log);
    ck_assert_int_ge(fault_long("SELECT attempts FROM jobs WHERE id = '%s'", id), 2);

    /* Continued, the paused worker reaches its outcome for attempt 1 (completion or failure,
     * depending on whether its renewer or its job noticed first) and is refused. */
    fault_worker_signal(&a, SIGCONT);
    char refused[128], failed[128];
    snprintf(refused, sizeof refused, "job %s attempt 1: completion refused", id);
    snprintf(failed, sizeof failed, "job %s attempt 1: failure not recorded", id);
    int seen = 0;
    for (int i = 0; i < 150 && !seen; i++) {
        seen = fault_worker_logged(&a, refused) || fault_worker_logged(&a, failed);
        if (!seen)
            fault_sleep_ms(100);
    }
    ck_assert_msg(seen, "the paused worker never reported its late outcome refused (see %s)",
                  a.log);
    ck_assert_int_eq(WEXITSTATUS(fault_worker_stop(&a)), 0);
    fault_worker_stop(&b);

    fault_assert_exactly_once(run, 1);
    ck_assert_int_eq(fault_long("SELECT count(*) FROM test_job_effects WHERE job_id = '%s' "
                                "AND attempt >= 2 AND worker = '%s'",
                                id, bid),
                     1);
}
END_TEST

/* (g) again with one worker: paused past its lease, its job is taken back (by another worker's
 * sweeper: done here by hand, so that no other worker can claim it) and published; continued,
 * the worker claims the job again as attempt 2 while attempt 1 still runs in it. Attempt 1's lost
 * lease must stop attempt 1 only: the job, allowed two attempts, succeeds. */
START_TEST(paused_alone_past_lease)
{
    char run[64], id[37];
    fault_tag(run, sizeof run, "pause-alone");
    struct fault_worker w;
    fault_worker_start(&w, "pause-alone", NULL);
    fault_one_job("test.record", run, "{\"ms\":3000}", 2, id);
    fault_wait_running_on(id, &w);
    fault_worker_signal(&w, SIGSTOP);
    ck_assert_msg(fault_wait_long(1, 20,
                                  "SELECT count(*) FROM jobs WHERE id = '%s' "
                                  "AND locked_until < clock_timestamp()",
                                  id) == 1,
                  "the lease of the paused worker did not run out");
    /* What sweep_expired does, then a publish. */
    ck_assert_int_eq(fault_long("WITH t AS (UPDATE jobs SET status = 'failed', "
                                "last_error = 'lease expired', locked_by = NULL, "
                                "locked_until = NULL, run_at = clock_timestamp() "
                                "WHERE id = '%s' AND status = 'running' "
                                "AND locked_until < clock_timestamp() RETURNING 1) "
                                "SELECT count(*) FROM t",
                                id),
                     1);
    fault_publish_run(run);
    fault_worker_signal(&w, SIGCONT);
    ck_assert_msg(fault_wait_long(1, 40,
                                  "SELECT count(*) FROM jobs WHERE id = '%s' "
                                  "AND status IN ('succeeded', 'dead')",
                                  id) == 1,
                  "the job did not finish (see %s)", w.log);
    fault_worker_stop(&w);
    fault_assert_exactly_once(run, 1);
    ck_assert_int_eq(fault_long("SELECT attempts FROM jobs WHERE id = '%s'", id), 2);
}
END_TEST

/* (i) SIGTERM with jobs in flight: the worker fetches nothing more, releases what cannot finish
 * before the grace period ends, and exits 0 within it; nothing stays running; another worker
 * completes them all. */
START_TEST(sigterm_releases_in_flight)
{
    char run[64];
    fault_tag(run, sizeof run, "term");
    const int grace_s = 3;
    const char *env[] = {"SPP_WORKER_CONCURRENCY=8", "SPP_SHUTDOWN_GRACE_S=3", NULL};
    struct fault_worker w, next;
    fault_worker_start(&w, "term", env);
    ck_assert_int_eq(fault_insert_jobs("test.record", run, 8, "{\"ms\":8000}", NULL, 0), 8);
    fault_publish_run(run);
    ck_assert_msg(fault_wait_run(8, 20, run, "running") == 8,
                  "the 8 jobs were never all in flight (see %s)", w.log);

    long start = fault_now_ms();
    fault_worker_signal(&w, SIGTERM);
    /* A second of slack over the grace period for a loaded machine. */
    int st = fault_worker_wait(&w, grace_s * 1000 + 1000);
    long took = fault_now_ms() - start;
    if (st == -1)
        fault_worker_kill(&w);
    ck_assert_msg(st != -1, "the worker was still running %ld ms after SIGTERM (see %s)", took,
                  w.log);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the worker exited with status %d (%s)",
                  st, w.log);
    ck_assert_int_eq(fault_run_count(run, "running"), 0);
    /* Released (queued, attempt not counted against it), not left to the lease sweep. */
    ck_assert_int_eq(fault_long("SELECT count(*) FROM jobs WHERE payload->>'run' = '%s' "
                                "AND status = 'queued' AND max_attempts = attempts + 8",
                                run),
                     8);
    ck_assert_int_eq(fault_long("SELECT count(*) FROM test_job_effects WHERE payload->>'run' = "
                                "'%s'",
                                run),
                     0);

    fault_worker_start(&next, "term-next", env);
    ck_assert_msg(fault_wait_run(8, 40, run, "succeeded") == 8,
                  "the released jobs were not all completed (see %s)", next.log);
    fault_worker_stop(&next);
    fault_assert_exactly_once(run, 8);
}
END_TEST

Suite *fault_worker_suite(void)
{
    Suite *s = suite_create("fault: worker processes");
    suite_add_tcase(s, fault_tcase("killed mid-job", killed_mid_job, 60));
    suite_add_tcase(s, fault_tcase("paused past its lease", paused_past_lease, 60));
    suite_add_tcase(s, fault_tcase("paused alone past its lease", paused_alone_past_lease, 60));
    suite_add_tcase(s, fault_tcase("SIGTERM with jobs in flight", sigterm_releases_in_flight, 60));
    return s;
}
