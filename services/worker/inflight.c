/* The jobs running in this process and the thread that renews their leases, so that a long job
 * keeps its lease and a job whose lease was taken over learns it (its outcome would be refused:
 * it should stop). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "jobs.h"
#include "log.h"
#include "worker.h"
#include "xalloc.h"

/* A job may be in flight twice in one process: an attempt whose lease expired (the process was
 * paused) still running, and the next attempt that this process claimed since. Entries are
 * therefore told apart by attempt. */
struct inflight {
    char id[37];
    int attempt;
    int done; /* outcome recorded: not renewed any more */
    atomic_int lost;
};

/* One runner's jobs. Slots never move while the set holds them: the runner's jobs read their
 * lost flags through pointers. */
struct inflight_set {
    pthread_mutex_t mu;
    struct inflight *jobs;
    int n, cap;
    struct inflight_set *next;
};

static struct inflight_set *inflight_sets;
static pthread_mutex_t inflight_mu = PTHREAD_MUTEX_INITIALIZER; /* guards the list of sets */

struct inflight_set *inflight_set_new(int cap)
{
    struct inflight_set *s = xcalloc(1, sizeof *s);
    pthread_mutex_init(&s->mu, NULL);
    s->cap = cap > 0 ? cap : 1;
    s->jobs = xcalloc((size_t)s->cap, sizeof *s->jobs);
    pthread_mutex_lock(&inflight_mu);
    s->next = inflight_sets;
    inflight_sets = s;
    pthread_mutex_unlock(&inflight_mu);
    return s;
}

void inflight_set_free(struct inflight_set *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&inflight_mu);
    for (struct inflight_set **p = &inflight_sets; *p; p = &(*p)->next) {
        if (*p == s) {
            *p = s->next;
            break;
        }
    }
    pthread_mutex_unlock(&inflight_mu);
    pthread_mutex_destroy(&s->mu);
    free(s->jobs);
    free(s);
}

atomic_int *inflight_set_add(struct inflight_set *s, const char *id, int attempt)
{
    pthread_mutex_lock(&s->mu);
    if (s->n >= s->cap) {
        /* A runner claims at most cap jobs at once: this is a bug, not a load. */
        log_error("in-flight set full (%d jobs)", s->cap);
        abort();
    }
    struct inflight *f = &s->jobs[s->n++];
    snprintf(f->id, sizeof f->id, "%s", id);
    f->attempt = attempt;
    f->done = 0;
    atomic_store(&f->lost, 0);
    pthread_mutex_unlock(&s->mu);
    return &f->lost;
}

void inflight_set_done(struct inflight_set *s, const char *id, int attempt)
{
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->n; i++)
        if (s->jobs[i].attempt == attempt && !strcmp(s->jobs[i].id, id))
            s->jobs[i].done = 1;
    pthread_mutex_unlock(&s->mu);
}

void inflight_set_clear(struct inflight_set *s)
{
    pthread_mutex_lock(&s->mu);
    s->n = 0;
    pthread_mutex_unlock(&s->mu);
}

/* A job to renew, copied out of its set so that the database is never called with a lock held. */
struct inflight_copy {
    char id[37];
    int attempt;
    int renewed;
};

static int inflight_copy_cmp(const void *a, const void *b)
{
    return strcmp(((const struct inflight_copy *)a)->id, ((const struct inflight_copy *)b)->id);
}

/* Copies every job not yet done, sorted by id (the lock order of the batched statements);
 * returns how many, the array (xrealloc'd, the caller's) in *out. */
static int inflight_snapshot(struct inflight_copy **out, int *cap)
{
    int n = 0;
    pthread_mutex_lock(&inflight_mu);
    for (struct inflight_set *s = inflight_sets; s; s = s->next) {
        pthread_mutex_lock(&s->mu);
        for (int i = 0; i < s->n; i++) {
            if (s->jobs[i].done)
                continue;
            if (n == *cap) {
                *cap = *cap ? *cap * 2 : 64;
                *out = xrealloc(*out, (size_t)*cap * sizeof **out);
            }
            memcpy((*out)[n].id, s->jobs[i].id, sizeof s->jobs[i].id);
            (*out)[n].attempt = s->jobs[i].attempt;
            (*out)[n].renewed = 0;
            n++;
        }
        pthread_mutex_unlock(&s->mu);
    }
    pthread_mutex_unlock(&inflight_mu);
    if (n > 1)
        qsort(*out, (size_t)n, sizeof **out, inflight_copy_cmp);
    return n;
}

/* Sets the lost flag of the job's attempt, if a set still holds it: a newer attempt of the same
 * job in this process keeps running. */
static void inflight_mark_lost(const char *id, int attempt)
{
    pthread_mutex_lock(&inflight_mu);
    for (struct inflight_set *s = inflight_sets; s; s = s->next) {
        pthread_mutex_lock(&s->mu);
        for (int i = 0; i < s->n; i++)
            if (!s->jobs[i].done && s->jobs[i].attempt == attempt && !strcmp(s->jobs[i].id, id))
                atomic_store(&s->jobs[i].lost, 1);
        pthread_mutex_unlock(&s->mu);
    }
    pthread_mutex_unlock(&inflight_mu);
}

/* Renews the leases of the n jobs (sorted) in one statement; each one not renewed lost its
 * lease. A failed statement (database gone) changes nothing: the next period tries again. */
static void inflight_renew(struct db *db, struct inflight_copy *jobs, int n, const char *lease)
{
    struct buf ids, attempts;
    buf_init(&ids);
    buf_init(&attempts);
    buf_puts(&ids, "{");
    buf_puts(&attempts, "{");
    for (int i = 0; i < n; i++) {
        buf_printf(&ids, "%s%s", i ? "," : "", jobs[i].id);
        buf_printf(&attempts, "%s%d", i ? "," : "", jobs[i].attempt);
    }
    buf_puts(&ids, "}");
    buf_puts(&attempts, "}");
    PGresult *res =
        db_exec(db, &jobs_statements[JOBS_RENEW_MANY],
                DB_ARGS({"ids", ids.data}, {"attempts", attempts.data}, {"lease_s", lease}));
    if (db_ok(res)) {
        int id_col = db_col(res, "id"), attempt_col = db_col(res, "attempt");
        for (int r = 0; r < PQntuples(res); r++) {
            struct inflight_copy key;
            snprintf(key.id, sizeof key.id, "%s", PQgetvalue(res, r, id_col));
            int attempt = atoi(PQgetvalue(res, r, attempt_col));
            struct inflight_copy *hit =
                bsearch(&key, jobs, (size_t)n, sizeof *jobs, inflight_copy_cmp);
            /* The same id may be there twice (two attempts): look at its neighbours. */
            for (struct inflight_copy *c = hit; c && c >= jobs && !strcmp(c->id, key.id); c--)
                if (c->attempt == attempt)
                    c->renewed = 1;
            for (struct inflight_copy *c = hit; c && c < jobs + n && !strcmp(c->id, key.id); c++)
                if (c->attempt == attempt)
                    c->renewed = 1;
        }
        for (int i = 0; i < n; i++) {
            if (!jobs[i].renewed) {
                log_warn("job %s attempt %d lost its lease", jobs[i].id, jobs[i].attempt);
                inflight_mark_lost(jobs[i].id, jobs[i].attempt);
            }
        }
    } else {
        log_warn("lease renewer: %s", res ? PQresultErrorMessage(res) : "no connection");
    }
    if (res)
        PQclear(res);
    buf_cleanup(&attempts);
    buf_cleanup(&ids);
}

/* 1 while any runner holds a job whose outcome is not recorded. */
static int inflight_any(void)
{
    int any = 0;
    pthread_mutex_lock(&inflight_mu);
    for (struct inflight_set *s = inflight_sets; s && !any; s = s->next) {
        pthread_mutex_lock(&s->mu);
        for (int i = 0; i < s->n && !any; i++)
            any = !s->jobs[i].done;
        pthread_mutex_unlock(&s->mu);
    }
    pthread_mutex_unlock(&inflight_mu);
    return any;
}

/* Renews every lease a third of the way through it. */
void *inflight_renewer_main(void *arg)
{
    (void)arg;
    const struct config *cfg = worker_shared.cfg;
    /* Only the job library's statements: a connection prepares every statement of its sets
     * when it opens, and the kinds' would be wasted here. */
    static const struct db_stmt *const sets[] = {jobs_statements, NULL};
    struct db *db = db_new(cfg->database_url, sets);
    int period_ms = cfg->job_lease_s * 1000 / 3;
    if (period_ms < 200)
        period_ms = 200;
    char lease[16];
    snprintf(lease, sizeof lease, "%d", cfg->job_lease_s);
    struct inflight_copy *copy = NULL;
    int cap = 0;
    for (;;) {
        /* Renewal goes on while jobs finish after SIGTERM; it stops with the last of them. */
        int n = inflight_snapshot(&copy, &cap);
        if (n == 0 && worker_stopping())
            break;
        char err[512];
        if (n > 0 && db_ensure(db, err, sizeof err) != 0)
            log_warn("lease renewer: %s", err);
        else if (n > 0)
            inflight_renew(db, copy, n, lease);
        /* Short steps, so that the end of the last job is noticed quickly at shutdown. */
        for (int waited = 0; waited < period_ms; waited += 100) {
            struct timespec ts = {0, 100 * 1000000L};
            nanosleep(&ts, NULL);
            if (worker_stopping() && !inflight_any())
                break;
        }
    }
    free(copy);
    db_free(db);
    return NULL;
}
