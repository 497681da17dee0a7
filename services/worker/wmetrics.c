#include "wmetrics.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/thread.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "log.h"

static const char *const wmetrics_outcome_names[] = {"succeeded", "retried", "dead", "fenced",
                                                     "released"};
static const double wmetrics_bounds[] = {0.001, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300};
#define WM_NB (sizeof wmetrics_bounds / sizeof wmetrics_bounds[0])

struct wmetrics_hist {
    atomic_ullong buckets[WM_NB];
    atomic_ullong count, sum_us;
};

static atomic_ullong wmetrics_started_total;
static atomic_ullong wmetrics_outcomes[WM_OUTCOMES];
static struct wmetrics_hist wmetrics_wait, wmetrics_run;
static atomic_long wmetrics_depth;
static _Atomic double wmetrics_oldest;
static atomic_int wmetrics_inflight_n;

static void wmetrics_observe(struct wmetrics_hist *h, int64_t us)
{
    if (us < 0)
        us = 0;
    double s = (double)us / 1e6;
    for (size_t i = 0; i < WM_NB; i++) {
        if (s <= wmetrics_bounds[i]) {
            atomic_fetch_add(&h->buckets[i], 1);
            break;
        }
    }
    atomic_fetch_add(&h->count, 1);
    atomic_fetch_add(&h->sum_us, (unsigned long long)us);
}

void wmetrics_started(int64_t wait_us)
{
    atomic_fetch_add(&wmetrics_started_total, 1);
    wmetrics_observe(&wmetrics_wait, wait_us);
}

void wmetrics_finished(enum wmetrics_outcome o, int64_t run_us)
{
    atomic_fetch_add(&wmetrics_outcomes[o], 1);
    wmetrics_observe(&wmetrics_run, run_us);
}

void wmetrics_set_queue(long depth, double oldest_due_s)
{
    atomic_store(&wmetrics_depth, depth);
    atomic_store(&wmetrics_oldest, oldest_due_s);
}

void wmetrics_inflight(int delta)
{
    atomic_fetch_add(&wmetrics_inflight_n, delta);
}

static void wmetrics_hist_render(struct buf *b, const char *name, const char *help,
                                 struct wmetrics_hist *h)
{
    buf_printf(b, "# HELP %s %s\n# TYPE %s histogram\n", name, help, name);
    unsigned long long cum = 0;
    for (size_t i = 0; i < WM_NB; i++) {
        cum += atomic_load(&h->buckets[i]);
        buf_printf(b, "%s_bucket{le=\"%g\"} %llu\n", name, wmetrics_bounds[i], cum);
    }
    buf_printf(b, "%s_bucket{le=\"+Inf\"} %llu\n%s_sum %.6f\n%s_count %llu\n", name,
               atomic_load(&h->count), name, (double)atomic_load(&h->sum_us) / 1e6, name,
               atomic_load(&h->count));
}

void wmetrics_render(struct buf *b)
{
    buf_printf(b,
               "# HELP spp_worker_jobs_started_total Jobs this worker claimed.\n"
               "# TYPE spp_worker_jobs_started_total counter\n"
               "spp_worker_jobs_started_total %llu\n"
               "# HELP spp_worker_jobs_total Job attempts this worker finished, by outcome.\n"
               "# TYPE spp_worker_jobs_total counter\n",
               atomic_load(&wmetrics_started_total));
    for (int i = 0; i < WM_OUTCOMES; i++)
        buf_printf(b, "spp_worker_jobs_total{outcome=\"%s\"} %llu\n", wmetrics_outcome_names[i],
                   atomic_load(&wmetrics_outcomes[i]));
    buf_printf(b,
               "# HELP spp_worker_jobs_in_flight Jobs running in this worker.\n"
               "# TYPE spp_worker_jobs_in_flight gauge\nspp_worker_jobs_in_flight %d\n"
               "# HELP spp_jobs_queue_depth Jobs due and waiting (all workers).\n"
               "# TYPE spp_jobs_queue_depth gauge\nspp_jobs_queue_depth %ld\n"
               "# HELP spp_jobs_oldest_due_seconds Age of the oldest due job not yet running.\n"
               "# TYPE spp_jobs_oldest_due_seconds gauge\nspp_jobs_oldest_due_seconds %.3f\n",
               atomic_load(&wmetrics_inflight_n), atomic_load(&wmetrics_depth),
               atomic_load(&wmetrics_oldest));
    wmetrics_hist_render(b, "spp_worker_job_wait_seconds",
                         "From a job being due to its start (enqueue to start).", &wmetrics_wait);
    wmetrics_hist_render(b, "spp_worker_job_run_seconds", "From a job's start to its outcome.",
                         &wmetrics_run);
}

static struct event_base *wmetrics_base;
static struct evhttp *wmetrics_http;
static pthread_t wmetrics_thread;
static int wmetrics_running;

static void wmetrics_on_request(struct evhttp_request *req, void *arg)
{
    (void)arg;
    const char *uri = evhttp_request_get_uri(req);
    if (strcmp(uri, "/metrics") != 0) {
        evhttp_send_error(req, 404, NULL);
        return;
    }
    struct buf b;
    buf_init(&b);
    wmetrics_render(&b);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
                      "text/plain; version=0.0.4; charset=utf-8");
    evbuffer_add(evhttp_request_get_output_buffer(req), b.data, b.len);
    buf_cleanup(&b);
    evhttp_send_reply(req, 200, "OK", NULL);
}

static void *wmetrics_main(void *arg)
{
    (void)arg;
    event_base_loop(wmetrics_base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

void wmetrics_serve(const char *listen)
{
    char host[256];
    int port;
    if (config_split_listen(listen, host, sizeof host, &port) != 0)
        return;
    evthread_use_pthreads();
    wmetrics_base = event_base_new();
    struct evhttp *http = evhttp_new(wmetrics_base);
    wmetrics_http = http;
    evhttp_set_timeout(http, 10);
    evhttp_set_gencb(http, wmetrics_on_request, NULL);
    if (evhttp_bind_socket(http, host, (ev_uint16_t)port) != 0) {
        log_warn("worker metrics: cannot listen on %s; running without /metrics", listen);
        evhttp_free(http);
        event_base_free(wmetrics_base);
        wmetrics_base = NULL;
        return;
    }
    wmetrics_running = 1;
    pthread_create(&wmetrics_thread, NULL, wmetrics_main, NULL);
    log_info("worker metrics on http://%s/metrics", listen);
}

void wmetrics_stop(void)
{
    if (!wmetrics_running)
        return;
    event_base_loopbreak(wmetrics_base);
    pthread_join(wmetrics_thread, NULL);
    evhttp_free(wmetrics_http);
    event_base_free(wmetrics_base);
    wmetrics_running = 0;
}
