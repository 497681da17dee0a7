/* The fault suite (DESIGN §4): real spp-worker-test processes, killed, paused, stopped and
 * restarted, against a real PostgreSQL and Redis that tests/fault/ctl.sh stops and restarts.
 * Every scenario asserts on the ledger (jobs) and on test_job_effects, never on timings.
 *
 * Environment (exported by scripts/test.sh): SPP_TEST_WORKER (the spp-worker-test binary),
 * SPP_TEST_TMP (the folder holding pg/ and redis.pid; worker logs go there too),
 * SPP_TEST_PG_PORT, SPP_TEST_REDIS_PORT, SPP_TEST_DATABASE_URL (optional), and for the API
 * scenario SPP_TEST_URL and SPP_TEST_ADMIN_TOKEN. */
#ifndef SPP_FAULT_H
#define SPP_FAULT_H

#include <check.h>
#include <libpq-fe.h>
#include <sys/types.h>

struct redis;

/* The suites, one per kind of fault, listed in main.c. */
Suite *fault_worker_suite(void);       /* SIGKILL, SIGSTOP, SIGTERM of workers */
Suite *fault_dependencies_suite(void); /* Redis and PostgreSQL stopped or restarted */
Suite *fault_ledger_suite(void);       /* many jobs, poison jobs, delayed jobs */
Suite *fault_schedule_suite(void);     /* the nightly digest slot across restarts */
Suite *fault_webhook_lane_suite(void); /* webhook lane, delivery-time SSRF, SMTP TLS, logs */

/* A TCase of one scenario: its own timeout (Check kills the test process after it, and with it
 * the workers it started), and a teardown in the runner process that brings Redis and
 * PostgreSQL back when the scenario failed while one was stopped. */
TCase *fault_tcase(const char *name, const TTest *test, int timeout_s);

/* ---- processes (proc.c) ---- */

/* A spp-worker-test process started by this test. */
struct fault_worker {
    pid_t pid;
    char name[64]; /* a label for the log file name */
    char log[512]; /* its stdout and stderr */
};

/* Starts a worker with the suite's short settings (lease 2 s, sweep 1 s, retry base 1 s,
 * grace 3 s, a metrics port of its own), its output in
 * SPP_TEST_TMP/fault-<pid>-worker-<label>-N.log, and extra "NAME=value" settings (NULL-terminated,
 * or NULL) that override those. The worker is killed if this test process dies first. Asserts that
 * it could be started. */
void fault_worker_start(struct fault_worker *w, const char *label, const char *const *env);
/* The same for n workers w[0..n-1], with one label; and stopping them all. */
void fault_workers_start(struct fault_worker *w, int n, const char *label, const char *const *env);
void fault_workers_stop(struct fault_worker *w, int n);
/* Sends sig to the worker (no-op once it was reaped). */
void fault_worker_signal(struct fault_worker *w, int sig);
/* Waits up to timeout_ms for the worker to exit; returns its wait status, or -1 when it is still
 * running. */
int fault_worker_wait(struct fault_worker *w, int timeout_ms);
/* SIGCONT (in case it was paused) and SIGTERM, then waits up to 10 s; SIGKILL if it is still
 * running. Returns its wait status (-1 when it had to be killed). */
int fault_worker_stop(struct fault_worker *w);
/* SIGKILL (also after SIGSTOP) and reap. Safe on a worker already reaped or never started. */
void fault_worker_kill(struct fault_worker *w);
/* 1 when the worker's log contains text. */
int fault_worker_logged(const struct fault_worker *w, const char *text);
/* The name the worker gives itself in locked_by ("<host>-<pid>"). */
void fault_worker_id(const struct fault_worker *w, char *out, size_t len);

/* Runs tests/fault/ctl.sh (SPP_TEST_CTL overrides the path) with the arguments, e.g. "redis"
 * "stop", its output appended to SPP_TEST_TMP/fault-ctl.log; returns 0 when it succeeded.
 * fault_ctl asserts that it did. */
int fault_ctl_run(const char *what, const char *action);
void fault_ctl(const char *what, const char *action);
/* Brings Redis and PostgreSQL back if a failed test left them stopped (a TCase teardown). */
void fault_restore_dependencies(void);

/* Sleeps ms milliseconds. */
void fault_sleep_ms(int ms);
/* A tag unique to this test process, e.g. "kill-1234-567890-1", for the jobs' payload "run". */
void fault_tag(char *out, size_t len, const char *scenario);

/* ---- the ledger (ledger.c) ---- */

/* Runs SQL (formatted; only ever with values this suite made) on the suite's connection,
 * reconnecting and trying again for up to 30 s while PostgreSQL is away. Asserts success and
 * returns the result (caller clears). */
PGresult *fault_sql(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The first column of the first row as a long (0 for NULL or no row). */
long fault_long(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Polls the query once every 100 ms until its long value equals want or timeout_s passes;
 * returns the last value seen. */
long fault_wait_long(long want, int timeout_s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* How many jobs of run (their payload's "run") are in status; and the same polled as
 * fault_wait_long does until it is want. */
long fault_run_count(const char *run, const char *status);
long fault_wait_run(long want, int timeout_s, const char *run, const char *status);
void fault_db_close(void);

/* Inserts n jobs of kind with payload {"run": run, "n": i} merged with extra_json (a JSON
 * object text, or NULL), due at run_at_sql (an SQL expression; NULL: now), with max_attempts (0:
 * the default), marked published as jobs_enqueue does (the caller publishes them next, as the
 * API does after its commit). Returns how many rows went in. */
long fault_insert_jobs(const char *kind, const char *run, int n, const char *extra_json,
                       const char *run_at_sql, int max_attempts);
/* A connection to the suite's Redis (SPP_TEST_REDIS_PORT), the caller's to redis_free. */
struct redis *fault_redis(void);
/* XADD the ids of all the run's jobs to the stream (as the API does after commit); returns how
 * many were published. Asserts that Redis took them. */
long fault_publish_run(const char *run);
/* The id of the run's only (or first) job, into id (37 bytes). */
void fault_job_id(const char *run, char *id);
/* One job of kind for run (fault_insert_jobs with n 1 and due now, asserted), published, its id
 * into id (37 bytes). */
void fault_one_job(const char *kind, const char *run, const char *extra_json, int max_attempts,
                   char *id);
/* Polls, as fault_wait_long does, until job id is in status; 1 when it got there, else 0. */
long fault_wait_job(const char *id, const char *status, int timeout_s);

/* Asserts that every one of the run's n jobs succeeded with exactly one effect row, written by
 * the attempt whose completion was accepted, and that no effect row of the run lacks a job. */
void fault_assert_exactly_once(const char *run, long n);

/* Creates test_job_effects when missing (main.c calls it once, outside any test); 0 or -1. */
int fault_ledger_setup(void);

#endif
