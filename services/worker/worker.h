/* The worker process: runner threads that take jobs from the stream, a lease renewer, a
 * sweeper that also ticks the schedules, and a small /metrics server. */
#ifndef SPP_WORKER_H
#define SPP_WORKER_H

#include <jansson.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "config.h"
#include "db.h"
#include "jobs.h"
#include "redis.h"

/* What a job's code gets. It runs inside a transaction on db that commits together with the
 * job's completion, so its database effects happen exactly when the job succeeds. */
struct job_ctx {
    struct db *db;
    struct redis *redis;
    const struct config *cfg;
    const char *id;
    const char *kind;
    json_t *payload; /* borrowed */
    int attempt;
    int max_attempts;
    const char *worker; /* this worker's name */
    atomic_int *lost;   /* set when the lease was lost: stop, the outcome will be refused */
    char err[512];      /* why, for JOB_RETRY */
    /* The jobs this job enqueued (jobs_enqueue adds its own; add the ids that SQL handed back
     * from spp_enqueue, spp_notify or spp_announce): the runner publishes them as soon as the
     * job's completion commits, and forgets them when it rolls back. */
    struct jobs_outbox *outbox;
};

enum job_result {
    JOB_OK,      /* commit the effects with the completion */
    JOB_RETRY,   /* roll back; try again after a backoff (dead after max_attempts) */
    JOB_RELEASE, /* roll back; give the job back untouched (the worker is stopping) */
};

struct job_kind {
    const char *kind;
    enum job_result (*run)(struct job_ctx *ctx);
    /* Optional: what a failed attempt must leave behind although its own transaction was
     * rolled back (attempts, last error). Runs in the transaction that records the failure,
     * only for the attempt that still holds the job; dead says it had no attempts left.
     * Returns 0, or -1 to have the failure recorded without it. */
    int (*failed)(struct job_ctx *ctx, int dead);
    /* 1 when the kind's code writes nothing to the database: it runs without a transaction of
     * its own, and its completion is written with others' in one statement, at most
     * SPP_JOB_FLUSH_MS later (runner.c). Every kind with a database effect leaves it 0, so that
     * the effect commits with its own completion. */
    int no_effects;
};

/* The kinds this build runs (jobs/registry.c), ended by a NULL kind. */
extern const struct job_kind job_kinds[];
const struct job_kind *worker_kind(const char *kind);
/* The kinds as a PostgreSQL text[] literal, for claiming only what this worker can run. */
const char *worker_kinds_array(void);

/* Records a failed statement of a job: the full detail (PostgreSQL's message) goes to the log
 * with the job's id, and ctx->err gets a stable text, "<what>: database error (SQLSTATE xxxxx)",
 * because ctx->err becomes the job's last_error, which keys read (GET /v1/jobs/{id}). res may
 * be NULL (no connection). */
void worker_db_error(struct job_ctx *ctx, const char *what, const PGresult *res);
/* Runs stmt in the job's transaction with its n values args (DB_ARGS); on failure records it
 * (worker_db_error, the statement's name as what), clears the result and returns NULL. */
PGresult *worker_exec(struct job_ctx *ctx, const struct db_stmt *stmt, int n,
                      const struct db_arg *args);

/* Stops the worker (main.c, on SIGTERM): from now on worker_stopping() is 1, and from
 * release_at_us (monotime_now_us) worker_must_release() too. */
void worker_stop(int64_t release_at_us);
/* 1 once the worker must stop taking work; job code polls it during long waits. */
int worker_stopping(void);
/* 1 once the grace period is over: in-flight jobs must be released now. */
int worker_must_release(void);
/* Sleeps up to ms, waking early when the worker is stopping; returns worker_stopping(). */
int worker_sleep_ms(int ms);

/* The statements every worker connection prepares: the job system's and every kind's. */
extern const struct db_stmt *const *worker_statement_sets;
/* Appends the kinds' statement tables to the job system's (main.c, before any thread starts). */
void worker_collect_statements(void);
/* The statement tables of the registered kinds (jobs/registry.c), NULL-terminated. */
extern const struct db_stmt *const job_statement_sets[];

/* In-flight jobs, for the lease renewer: each runner registers a set of as many slots as it
 * claims at once (SPP_JOB_BATCH), fills it with the jobs it claimed, and empties it once their
 * outcomes are recorded. A job is in flight from its claim (it may wait behind others of the
 * batch) to its recorded outcome. The renewer renews them all in one statement and sets the
 * lost flag of each one whose lease was taken over. */
struct inflight_set;
struct inflight_set *inflight_set_new(int cap);
void inflight_set_free(struct inflight_set *s);
/* Adds a claimed job to the set (at most cap of them); returns its lost flag, owned by the set
 * and valid until inflight_set_clear. */
atomic_int *inflight_set_add(struct inflight_set *s, const char *id, int attempt);
/* The job's outcome is recorded: no more renewals. */
void inflight_set_done(struct inflight_set *s, const char *id, int attempt);
/* Forgets every job of the set. */
void inflight_set_clear(struct inflight_set *s);
void *inflight_renewer_main(void *arg);

/* A runner thread; arg is its index: below SPP_WORKER_CONCURRENCY it serves the general lane
 * (JOBS_STREAM), from there on the webhook lane (JOBS_WEBHOOK_STREAM). */
void *runner_main(void *arg);
enum { RUNNER_LANE };
extern const struct db_stmt runner_statements[];
extern atomic_int worker_runners_left;
void *sweeper_main(void *arg);

/* scheduler.c: inserts the jobs of the schedule slots that are due; returns how many. */
int scheduler_tick(struct db *db, struct redis *redis, const struct config *cfg);
enum { SCHEDULE_DIGEST };
extern const struct db_stmt scheduler_statements[];
enum { SWEEP_EXPIRED, SWEEP_DUE, SWEEP_PRUNE, SWEEP_AUDIT_PRUNE, SWEEP_GAUGES };
extern const struct db_stmt sweeper_statements[];

struct worker_shared {
    const struct config *cfg;
    char name[96];
};
extern struct worker_shared worker_shared;

#endif
