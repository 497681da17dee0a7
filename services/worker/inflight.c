/* The jobs running in this process and the thread that renews their leases, so that a long job
 * keeps its lease and a job whose lease was taken over learns it (its outcome would be refused:
 * it should stop). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "jobs.h"
#include "log.h"
#include "worker.h"
#include "xalloc.h"

#define INFLIGHT_MAX 256

/* A job may be in flight twice in one process: an attempt whose lease expired (the process was
 * paused) still running, and the next attempt that this process claimed since. Entries are
 * therefore told apart by attempt, and removed by the runner thread that added them. */
struct inflight {
    char id[37];
    int attempt;
    atomic_int *lost; /* in the runner's stack frame: valid until that runner removes it */
    pthread_t owner;
};

static struct inflight inflight_jobs[INFLIGHT_MAX];
static int inflight_n;
static pthread_mutex_t inflight_mu = PTHREAD_MUTEX_INITIALIZER;

void inflight_add(const char *id, int attempt, atomic_int *lost)
{
    pthread_mutex_lock(&inflight_mu);
    if (inflight_n < INFLIGHT_MAX) {
        struct inflight *f = &inflight_jobs[inflight_n++];
        snprintf(f->id, sizeof f->id, "%s", id);
        f->attempt = attempt;
        f->lost = lost;
        f->owner = pthread_self();
    }
    pthread_mutex_unlock(&inflight_mu);
}

void inflight_remove(const char *id)
{
    pthread_mutex_lock(&inflight_mu);
    for (int i = 0; i < inflight_n; i++) {
        if (!strcmp(inflight_jobs[i].id, id) &&
            pthread_equal(inflight_jobs[i].owner, pthread_self())) {
            inflight_jobs[i] = inflight_jobs[--inflight_n];
            break;
        }
    }
    pthread_mutex_unlock(&inflight_mu);
}

/* Renews every lease a third of the way through it. The renewal list is copied so that the
 * database is never called with the lock held. */
void *inflight_renewer_main(void *arg)
{
    (void)arg;
    const struct config *cfg = worker_shared.cfg;
    struct db *db = db_new(cfg->database_url, worker_statement_sets);
    int period_ms = cfg->job_lease_s * 1000 / 3;
    if (period_ms < 200)
        period_ms = 200;
    char lease[16];
    snprintf(lease, sizeof lease, "%d", cfg->job_lease_s);
    struct inflight copy[INFLIGHT_MAX];
    for (;;) {
        /* Renewal goes on while jobs finish after SIGTERM; it stops with the last of them. */
        pthread_mutex_lock(&inflight_mu);
        int n = inflight_n;
        memcpy(copy, inflight_jobs, (size_t)n * sizeof *copy);
        pthread_mutex_unlock(&inflight_mu);
        if (n == 0 && worker_stopping())
            break;
        char err[512];
        if (n > 0 && db_ensure(db, err, sizeof err) != 0) {
            log_warn("lease renewer: %s", err);
        } else {
            for (int i = 0; i < n; i++) {
                char attempt[16];
                snprintf(attempt, sizeof attempt, "%d", copy[i].attempt);
                const char *p[] = {copy[i].id, attempt, lease};
                PGresult *res = db_exec(db, "jobs_renew", 3, p);
                if (db_ok(res) && PQntuples(res) == 0) {
                    log_warn("job %s attempt %d lost its lease", copy[i].id, copy[i].attempt);
                    /* Only set through the registry entry if that attempt is still here: a
                     * newer attempt of the same job in this process keeps running. */
                    pthread_mutex_lock(&inflight_mu);
                    for (int j = 0; j < inflight_n; j++)
                        if (!strcmp(inflight_jobs[j].id, copy[i].id) &&
                            inflight_jobs[j].attempt == copy[i].attempt)
                            atomic_store(inflight_jobs[j].lost, 1);
                    pthread_mutex_unlock(&inflight_mu);
                }
                if (res)
                    PQclear(res);
            }
        }
        /* Short steps, so that the end of the last job is noticed quickly at shutdown. */
        for (int waited = 0; waited < period_ms; waited += 100) {
            struct timespec ts = {0, 100 * 1000000L};
            nanosleep(&ts, NULL);
            if (worker_stopping()) {
                pthread_mutex_lock(&inflight_mu);
                int left = inflight_n;
                pthread_mutex_unlock(&inflight_mu);
                if (left == 0)
                    break;
            }
        }
    }
    db_free(db);
    return NULL;
}
