#include "metrics.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "db.h"
#include "handlers/handlers.h"
#include "monotime.h"
#include "req.h"
#include "ratelimit.h"
#include "router.h"

#define METRICS_MAX_ROUTES 128

static const int metrics_statuses[] = {200, 201, 202, 204, 304, 400, 401, 403, 404, 405,
                                       409, 412, 413, 415, 422, 429, 500, 503, 0};
#define METRICS_NSTATUS (sizeof metrics_statuses / sizeof metrics_statuses[0])
static const double metrics_bounds[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                        0.1,   0.25,   0.5,   1,    2.5,   5};
#define METRICS_NBUCKETS (sizeof metrics_bounds / sizeof metrics_bounds[0])

struct metrics_route {
    atomic_ullong by_status[METRICS_NSTATUS];
    atomic_ullong buckets[METRICS_NBUCKETS];
    atomic_ullong count;
    atomic_ullong sum_us;
};

/* Slot METRICS_MAX_ROUTES is for requests that matched no route. */
static struct metrics_route metrics_routes[METRICS_MAX_ROUTES + 1];

void metrics_observe(int route, int status, int64_t duration_us)
{
    if (route < 0 || route >= METRICS_MAX_ROUTES)
        route = METRICS_MAX_ROUTES;
    struct metrics_route *m = &metrics_routes[route];
    size_t s = 0;
    while (metrics_statuses[s] && metrics_statuses[s] != status)
        s++;
    atomic_fetch_add_explicit(&m->by_status[s], 1, memory_order_relaxed);
    double secs = (double)duration_us / 1e6;
    for (size_t b = 0; b < METRICS_NBUCKETS; b++) {
        if (secs <= metrics_bounds[b]) {
            atomic_fetch_add_explicit(&m->buckets[b], 1, memory_order_relaxed);
            break;
        }
    }
    atomic_fetch_add_explicit(&m->count, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->sum_us, (unsigned long long)duration_us, memory_order_relaxed);
}

static const char *metrics_route_name(size_t i)
{
    return i < routes_count ? routes[i].pattern : "unmatched";
}

static const char *metrics_route_method(size_t i)
{
    return i < routes_count ? router_method_name(routes[i].method) : "";
}

static int (*_Atomic metrics_depth)(void); /* metrics_queue_depth_from */

void metrics_queue_depth_from(int (*depth)(void))
{
    metrics_depth = depth;
}

void metrics_render(struct buf *out)
{
    size_t n = routes_count < METRICS_MAX_ROUTES ? routes_count : METRICS_MAX_ROUTES;
    buf_puts(out, "# HELP spp_http_requests_total HTTP requests answered, by route and status.\n"
                  "# TYPE spp_http_requests_total counter\n");
    for (size_t i = 0; i <= n; i++) {
        size_t idx = i == n ? METRICS_MAX_ROUTES : i;
        struct metrics_route *m = &metrics_routes[idx];
        for (size_t s = 0; s < METRICS_NSTATUS; s++) {
            unsigned long long v = atomic_load(&m->by_status[s]);
            if (!v)
                continue;
            char status[8] = "other";
            if (metrics_statuses[s])
                snprintf(status, sizeof status, "%d", metrics_statuses[s]);
            buf_printf(out,
                       "spp_http_requests_total{method=\"%s\",route=\"%s\",status=\"%s\"} %llu\n",
                       metrics_route_method(idx), metrics_route_name(idx), status, v);
        }
    }
    buf_puts(out, "# HELP spp_http_request_duration_seconds Time from request read to answer.\n"
                  "# TYPE spp_http_request_duration_seconds histogram\n");
    for (size_t i = 0; i <= n; i++) {
        size_t idx = i == n ? METRICS_MAX_ROUTES : i;
        struct metrics_route *m = &metrics_routes[idx];
        unsigned long long count = atomic_load(&m->count);
        if (!count)
            continue;
        const char *name = metrics_route_name(idx), *method = metrics_route_method(idx);
        unsigned long long cum = 0;
        for (size_t b = 0; b < METRICS_NBUCKETS; b++) {
            cum += atomic_load(&m->buckets[b]);
            buf_printf(out,
                       "spp_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\","
                       "le=\"%g\"} %llu\n",
                       method, name, metrics_bounds[b], cum);
        }
        buf_printf(
            out,
            "spp_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"+Inf\"}"
            " %llu\n",
            method, name, count);
        buf_printf(out, "spp_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} %.6f\n",
                   method, name, (double)atomic_load(&m->sum_us) / 1e6);
        buf_printf(out,
                   "spp_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} %llu\n",
                   method, name, count);
    }
    int (*depth)(void) = metrics_depth;
    buf_printf(out,
               "# HELP spp_http_queue_depth Requests waiting for a PostgreSQL connection.\n"
               "# TYPE spp_http_queue_depth gauge\nspp_http_queue_depth %d\n",
               depth ? depth() : 0);
    buf_printf(out,
               "# HELP spp_rate_limit_bypassed_total Requests let through unchecked because Redis "
               "was unreachable.\n# TYPE spp_rate_limit_bypassed_total counter\n"
               "spp_rate_limit_bypassed_total %llu\n",
               ratelimit_bypassed());
    buf_printf(out,
               "# HELP spp_auth_fail_limited_total Requests refused (429) because their address "
               "sent too many without a valid key.\n# TYPE spp_auth_fail_limited_total counter\n"
               "spp_auth_fail_limited_total %llu\n",
               ratelimit_auth_refused());
}

/* The job ledger in summary, counted at most once every METRICS_JOBS_TTL_US whatever the
 * scrape rate: a scrape in between is served the last sample, so that scrapes never cost a
 * count of the jobs table each. One handler refreshes while the others serve the old text. */
#define METRICS_JOBS_TTL_US 5000000LL

static pthread_mutex_t metrics_jobs_mu = PTHREAD_MUTEX_INITIALIZER;
static char *metrics_jobs_text; /* NULL while there is no sample */
static int64_t metrics_jobs_at_us;
static int metrics_jobs_refreshing;

/* Counts the ledger into out; 0, or -1 while PostgreSQL is down (out then unusable). */
static int metrics_jobs_count(struct db *db, struct buf *out)
{
    char err[512];
    if (db_ensure(db, err, sizeof err) != 0)
        return -1;
    PGresult *res = db_exec(db, &job_routes_statements[JOB_ROUTES_COUNTS], DB_NO_ARGS);
    int ok = db_ok(res);
    if (ok) {
        buf_puts(out, "# HELP spp_jobs Jobs in the ledger by status.\n# TYPE spp_jobs gauge\n");
        int status = db_col(res, "status"), jobs = db_col(res, "jobs");
        for (int i = 0; i < PQntuples(res); i++)
            buf_printf(out, "spp_jobs{status=\"%s\"} %s\n", PQgetvalue(res, i, status),
                       PQgetvalue(res, i, jobs));
    }
    if (res)
        PQclear(res);
    res = ok ? db_exec(db, &job_routes_statements[JOB_ROUTES_OLDEST_DUE], DB_NO_ARGS) : NULL;
    ok = ok && db_ok(res);
    if (ok)
        buf_printf(out,
                   "# HELP spp_jobs_oldest_due_seconds Age of the oldest due job not yet "
                   "running.\n# TYPE spp_jobs_oldest_due_seconds gauge\n"
                   "spp_jobs_oldest_due_seconds %s\n",
                   db_value(res, 0, "seconds"));
    if (res)
        PQclear(res);
    return ok ? 0 : -1;
}

void metrics_render_jobs(struct db *db, struct buf *out)
{
    int64_t now = monotime_now_us();
    int refresh = 0;
    pthread_mutex_lock(&metrics_jobs_mu);
    if ((!metrics_jobs_text || now - metrics_jobs_at_us >= METRICS_JOBS_TTL_US) &&
        !metrics_jobs_refreshing)
        refresh = metrics_jobs_refreshing = 1;
    pthread_mutex_unlock(&metrics_jobs_mu);
    if (refresh) {
        struct buf b;
        buf_init(&b);
        int ok = metrics_jobs_count(db, &b) == 0;
        size_t len;
        char *text = ok ? buf_steal(&b, &len) : NULL;
        if (!ok)
            buf_cleanup(&b);
        pthread_mutex_lock(&metrics_jobs_mu);
        /* PostgreSQL down: the figures are left out rather than shown stale. */
        free(metrics_jobs_text);
        metrics_jobs_text = text;
        metrics_jobs_at_us = now;
        metrics_jobs_refreshing = 0;
        pthread_mutex_unlock(&metrics_jobs_mu);
    }
    pthread_mutex_lock(&metrics_jobs_mu);
    if (metrics_jobs_text) {
        buf_puts(out, metrics_jobs_text);
        buf_printf(out,
                   "# HELP spp_jobs_sample_age_seconds Age of the job figures above (counted at "
                   "most every %lld s).\n# TYPE spp_jobs_sample_age_seconds gauge\n"
                   "spp_jobs_sample_age_seconds %.3f\n",
                   METRICS_JOBS_TTL_US / 1000000, (double)(now - metrics_jobs_at_us) / 1e6);
    }
    pthread_mutex_unlock(&metrics_jobs_mu);
}

void metrics_cleanup(void)
{
    free(metrics_jobs_text);
    metrics_jobs_text = NULL;
}
