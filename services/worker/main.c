/* spp-worker: for now it connects to PostgreSQL and Redis, keeps both connections alive
 * (reconnecting by itself), and stops cleanly on SIGTERM or SIGINT. The job system builds on
 * this loop. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "db.h"
#include "log.h"
#include "redis.h"

static volatile sig_atomic_t worker_stop;

static void worker_on_signal(int sig)
{
    (void)sig;
    worker_stop = 1;
}

static const char *worker_getenv(const char *name)
{
    return getenv(name);
}

/* Checks both connections, logging only when a state changes. */
static void worker_check(struct db *db, struct redis *redis, int *pg_up, int *redis_up)
{
    char err[512];
    int ok = db_ensure(db, err, sizeof err) == 0;
    if (ok) {
        PGresult *res = db_exec_sql(db, "SELECT 1");
        ok = db_ok(res);
        if (res)
            PQclear(res);
    }
    if (ok != *pg_up) {
        if (ok)
            log_info("worker: connected to PostgreSQL");
        else
            log_warn("worker: PostgreSQL unavailable: %s", err);
        *pg_up = ok;
    }
    redisReply *rep = redis_command(redis, "PING");
    ok = rep && rep->type == REDIS_REPLY_STATUS;
    if (rep)
        freeReplyObject(rep);
    if (ok != *redis_up) {
        if (ok)
            log_info("worker: connected to Redis");
        else
            log_warn("worker: Redis unavailable");
        *redis_up = ok;
    }
}

int main(void)
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
    struct redis_addr raddr;
    if (redis_parse_url(cfg.redis_url, &raddr) != 0) {
        log_error("configuration: SPP_REDIS_URL: \"%s\" is not redis://host[:port][/db]",
                  cfg.redis_url);
        config_cleanup(&cfg);
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = worker_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct db *db = db_new(cfg.database_url, NULL);
    struct redis *redis = redis_new(&raddr, 2000);
    int pg_up = -1, redis_up = -1;
    log_info("worker started");
    while (!worker_stop) {
        worker_check(db, redis, &pg_up, &redis_up);
        /* Sleep in short steps so that a signal is acted on at once. */
        for (int i = 0; i < 10 && !worker_stop; i++) {
            struct timespec ts = {0, 100 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    log_info("worker stopping");
    redis_free(redis);
    db_free(db);
    config_cleanup(&cfg);
    log_info("worker stopped");
    return 0;
}
