/* spp-worker: runs the background jobs (DESIGN §4). SPP_WORKER_CONCURRENCY runner threads read
 * the consumer group, a renewer keeps their leases, a sweeper recovers what was lost and ticks
 * the schedules. On SIGTERM it takes no new work, lets in-flight jobs finish or release them
 * before SPP_SHUTDOWN_GRACE_S, and exits. */
#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "config.h"
#include "log.h"
#include "monotime.h"
#include "wmetrics.h"
#include "worker.h"
#include "xalloc.h"

static const char *worker_getenv(const char *name)
{
    return getenv(name);
}

/* `spp-worker check-statements`: prepares every statement of the worker on one connection and
 * exits, 0, or 1 naming the first that does not parse. At work a connection prepares a
 * statement only when it first runs it; this is the check the tests run on all of them. */
static int worker_check_statements(const struct config *cfg)
{
    char err[1024];
    struct db *db = db_new(cfg->database_url, worker_statement_sets);
    int rc = db_prepare_all(db, err, sizeof err);
    if (rc != 0)
        log_error("%s", err);
    db_free(db);
    return rc != 0;
}

int main(int argc, char **argv)
{
    struct config cfg;
    char err[512];
    if (config_load(&cfg, worker_getenv, err, sizeof err) != 0) {
        log_error("configuration: %s", err);
        return 2;
    }
    enum log_level lvl;
    log_level_parse(cfg.log_level, &lvl);
    log_set_level(lvl);
    worker_shared.cfg = &cfg;
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    snprintf(worker_shared.name, sizeof worker_shared.name, "%s-%d", host, (int)getpid());
    worker_kinds_array();
    worker_collect_statements();
    if (argc > 1 && !strcmp(argv[1], "check-statements")) {
        int rc = worker_check_statements(&cfg);
        config_cleanup(&cfg);
        return rc;
    }

    /* Threads inherit the blocked signals; the main thread waits for them. */
    sigset_t sigs;
    sigemptyset(&sigs);
    sigaddset(&sigs, SIGTERM);
    sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);
    signal(SIGPIPE, SIG_IGN);

    /* libcurl's global set-up, once, before any thread that sends (SMTP and webhooks). */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        log_error("libcurl could not be initialised");
        config_cleanup(&cfg);
        return 1;
    }
    wmetrics_serve(cfg.worker_metrics_listen);
    /* General runners first, then the webhook lane's (runner_main tells them by index). */
    int n = cfg.worker_concurrency + cfg.webhook_concurrency;
    pthread_t *runners = xcalloc((size_t)n, sizeof *runners);
    pthread_t sweeper, renewer;
    atomic_store(&worker_runners_left, n);
    for (int i = 0; i < n; i++)
        pthread_create(&runners[i], NULL, runner_main, (void *)(intptr_t)i);
    pthread_create(&sweeper, NULL, sweeper_main, NULL);
    pthread_create(&renewer, NULL, inflight_renewer_main, NULL);
    struct buf extra;
    buf_init(&extra);
    buf_puts(&extra, "\"worker\":");
    buf_json_string(&extra, worker_shared.name);
    buf_printf(&extra,
               ",\"concurrency\":%d,\"webhook_concurrency\":%d,\"kinds\":", cfg.worker_concurrency,
               cfg.webhook_concurrency);
    buf_json_string(&extra, worker_kinds_array());
    log_line(LOG_INFO, "worker started", extra.data);
    buf_cleanup(&extra);

    int sig = 0;
    sigwait(&sigs, &sig);
    /* Jobs still running a second before the grace period ends are released. */
    int64_t grace_us = (int64_t)cfg.shutdown_grace_s * 1000000;
    worker_stop(monotime_now_us() + (grace_us > 1000000 ? grace_us - 1000000 : 0));
    log_info("worker: signal %d, finishing in-flight jobs", sig);
    /* A job whose code does not come back in time (blocked on the network) is left to its
     * lease: the process exits at the end of the grace period regardless, and a sweeper takes
     * the job back when the lease runs out. */
    int64_t deadline = monotime_now_us() + grace_us;
    while (atomic_load(&worker_runners_left) > 0 && monotime_now_us() < deadline) {
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
    }
    int left = atomic_load(&worker_runners_left);
    if (left > 0) {
        log_warn("worker: grace period over with %d jobs still running; their leases will "
                 "expire and they will run again",
                 left);
        _exit(0);
    }
    for (int i = 0; i < n; i++)
        pthread_join(runners[i], NULL);
    pthread_join(sweeper, NULL);
    pthread_join(renewer, NULL);
    wmetrics_stop();
    free(runners);
    log_info("worker stopped");
    curl_global_cleanup();
    config_cleanup(&cfg);
    return 0;
}
