#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "redis.h"
#include "xalloc.h"

#ifndef SPP_SQL_DIR
#define SPP_SQL_DIR "sql"
#endif
#ifndef SPP_OPENAPI_FILE
#define SPP_OPENAPI_FILE "openapi.yaml"
#endif

#define C(field) offsetof(struct config, field)

/* name, type, field, default, min, max, help */
const struct config_entry config_table[] = {
    {"SPP_DATABASE_URL", CONFIG_STRING, C(database_url), "postgresql:///spp", 0, 0,
     "libpq connection string or URL"},
    {"SPP_REDIS_URL", CONFIG_REDIS_URL, C(redis_url), "redis://127.0.0.1:6379/0", 0, 0,
     "redis://[:password@]host[:port][/db]"},
    {"SPP_LISTEN", CONFIG_LISTEN, C(listen), "127.0.0.1:8080", 0, 0, "API address, host:port"},
    {"SPP_API_THREADS", CONFIG_INT, C(api_threads), "0", 0, 256,
     "PostgreSQL connections of the process, split evenly across the loop threads (at least one "
     "each); a write holds one alone while its handler runs, reads share them "
     "(SPP_PIPELINE_DEPTH); 0 = 16"},
    {"SPP_LOOP_THREADS", CONFIG_INT, C(loop_threads), "0", 0, 16,
     "libevent loop threads sharing the port (SO_REUSEPORT); each runs its requests' handlers on "
     "fibers; 0 = one a core (at most 16)"},
    {"SPP_PIPELINE_DEPTH", CONFIG_INT, C(pipeline_depth), "4", 1, 256,
     "GET and HEAD requests whose statements share one PostgreSQL connection at once (libpq "
     "pipeline mode, one Sync a batch); 1 = every request holds a connection alone"},
    {"SPP_QUEUE_MAX", CONFIG_INT, C(queue_max), "1024", 1, 1000000,
     "requests waiting for a PostgreSQL connection before 503 + Retry-After"},
    {"SPP_HTTP_TIMEOUT_S", CONFIG_INT, C(http_timeout_s), "30", 1, 3600,
     "read/write timeout of a connection"},
    {"SPP_MAX_BODY_BYTES", CONFIG_INT, C(max_body_bytes), "1048576", 1024, 67108864,
     "largest request body; larger answers 413"},
    {"SPP_SHUTDOWN_GRACE_S", CONFIG_INT, C(shutdown_grace_s), "20", 0, 3600,
     "time in-flight work gets after SIGTERM"},
    {"SPP_ADMIN_TOKEN", CONFIG_SECRET, C(admin_token), NULL, 0, 0,
     "bootstrap admin bearer token (at least 16 characters); unset = none"},
    {"SPP_AUTH_CACHE_MS", CONFIG_INT, C(auth_cache_ms), "2000", 0, 5000,
     "how long a token check is cached; a revoked key stops working within this"},
    {"SPP_LOG_LEVEL", CONFIG_LOG_LEVEL, C(log_level), "info", 0, 0, "debug, info, warn, error"},
    {"SPP_MIGRATIONS_DIR", CONFIG_STRING, C(migrations_dir), SPP_SQL_DIR, 0, 0,
     "directory of NNNN_name.sql migrations"},
    {"SPP_OPENAPI_FILE", CONFIG_STRING, C(openapi_file), SPP_OPENAPI_FILE, 0, 0,
     "the OpenAPI document served at /openapi.yaml"},
    {"SPP_CORS_ORIGINS", CONFIG_STRING, C(cors_origins), "", 0, 0,
     "comma-separated origins allowed by CORS, or *"},
    {"SPP_RATE_LIMIT_PER_S", CONFIG_INT, C(rate_limit_per_s), "50", 1, 100000,
     "requests per second per key"},
    {"SPP_RATE_LIMIT_BURST", CONFIG_INT, C(rate_limit_burst), "100", 1, 1000000,
     "token bucket size per key"},
    {"SPP_ACCREDITATION_MONTHS", CONFIG_INT, C(accreditation_months), "24", 1, 120,
     "how long training accredits"},
    {"SPP_WORKER_CONCURRENCY", CONFIG_INT, C(worker_concurrency), "4", 1, 256,
     "jobs a worker runs at once"},
    {"SPP_WORKER_METRICS_LISTEN", CONFIG_LISTEN, C(worker_metrics_listen), "127.0.0.1:9090", 0, 0,
     "worker /metrics address"},
    {"SPP_JOB_LEASE_S", CONFIG_INT, C(job_lease_s), "60", 1, 86400, "job lease"},
    {"SPP_JOB_BATCH", CONFIG_INT, C(job_batch), "100", 1, 1000,
     "most stream entries a runner claims at once, and completions written in one statement"},
    {"SPP_JOB_FLUSH_MS", CONFIG_INT, C(job_flush_ms), "50", 1, 10000,
     "longest a finished job without database effects waits for its completion to be written"},
    {"SPP_SWEEP_INTERVAL_S", CONFIG_INT, C(sweep_interval_s), "5", 1, 3600, "sweeper period"},
    {"SPP_RETRY_BASE_S", CONFIG_INT, C(retry_base_s), "2", 1, 3600, "first retry delay"},
    {"SPP_JOB_RETENTION_DAYS", CONFIG_INT, C(job_retention_days), "14", 1, 3650,
     "finished jobs kept this long"},
    {"SPP_REMINDER_INTERVAL_S", CONFIG_INT, C(reminder_interval_s), "300", 10, 86400,
     "reminder scan period"},
    {"SPP_DIGEST_AT", CONFIG_HHMM, C(digest_at), "02:00", 0, 0, "nightly digest time, HH:MM"},
    {"SPP_TZ", CONFIG_STRING, C(tz), "Europe/London", 0, 0, "time zone of the schedules"},
    {"SPP_SMTP_URL", CONFIG_STRING, C(smtp_url), "smtp://127.0.0.1:1025", 0, 0, "mail relay"},
    {"SPP_MAIL_FROM", CONFIG_STRING, C(mail_from), "spp@localhost", 0, 0, "sender address"},
    {"SPP_PUBLIC_URL", CONFIG_STRING, C(public_url), "http://127.0.0.1:8080", 0, 0,
     "the origin that links in emails and calendar feed URLs use"},
    {"SPP_AUDIT_RETENTION_DAYS", CONFIG_INT, C(audit_retention_days), "730", 1, 36500,
     "access audit rows kept this long (DESIGN 1.4)"},
    {"SPP_WEBHOOK_ALLOW_PRIVATE", CONFIG_BOOL, C(webhook_allow_private), "false", 0, 0,
     "allow webhook targets on loopback/private addresses"},
    {"SPP_WEBHOOK_KEY", CONFIG_KEY256, C(webhook_key), NULL, 0, 0,
     "64 hex characters: the key that encrypts webhook signing secrets at rest; unset = no "
     "webhooks"},
    {"SPP_WEBHOOK_CONCURRENCY", CONFIG_INT, C(webhook_concurrency), "2", 1, 256,
     "webhook deliveries a worker runs at once, on runner threads of their own (beside "
     "SPP_WORKER_CONCURRENCY, which they never take)"},
    {"SPP_AUTH_FAIL_PER_MIN", CONFIG_INT, C(auth_fail_per_min), "60", 1, 1000000,
     "requests without a valid key a client address may send a minute before 429"},
    {"SPP_METRICS_LISTEN", CONFIG_LISTEN, C(metrics_listen), NULL, 0, 0,
     "API /metrics address, host:port; unset = /metrics on SPP_LISTEN"},
    {NULL, CONFIG_STRING, 0, NULL, 0, 0, NULL},
};

int config_split_listen(const char *s, char *hostbuf, size_t hostlen, int *port)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || (size_t)(colon - s) >= hostlen)
        return -1;
    char *end;
    errno = 0;
    long p = strtol(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || p < 1 || p > 65535)
        return -1;
    memcpy(hostbuf, s, (size_t)(colon - s));
    hostbuf[colon - s] = '\0';
    *port = (int)p;
    return 0;
}

static int config_parse_entry(const struct config_entry *e, const char *v, void *field, char *err,
                              size_t errlen)
{
    switch (e->type) {
    case CONFIG_STRING:
    case CONFIG_SECRET:
        if (e->type == CONFIG_SECRET && *v && strlen(v) < 16) {
            snprintf(err, errlen, "%s: must be at least 16 characters", e->name);
            return -1;
        }
        *(char **)field = *v || e->type == CONFIG_STRING ? xstrdup(v) : NULL;
        return 0;
    case CONFIG_INT: {
        char *end;
        errno = 0;
        long n = strtol(v, &end, 10);
        if (errno || end == v || *end) {
            snprintf(err, errlen, "%s: \"%s\" is not a whole number", e->name, v);
            return -1;
        }
        if (n < e->min || n > e->max) {
            snprintf(err, errlen, "%s: %ld is outside %ld..%ld", e->name, n, e->min, e->max);
            return -1;
        }
        *(int *)field = (int)n;
        return 0;
    }
    case CONFIG_BOOL:
        if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes")) {
            *(int *)field = 1;
        } else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no")) {
            *(int *)field = 0;
        } else {
            snprintf(err, errlen, "%s: \"%s\" is not true or false", e->name, v);
            return -1;
        }
        return 0;
    case CONFIG_LISTEN: {
        char host[256];
        int port;
        if (!*v && !e->def) {
            *(char **)field = NULL; /* an optional address set empty: unset */
            return 0;
        }
        if (config_split_listen(v, host, sizeof host, &port) != 0) {
            snprintf(err, errlen, "%s: \"%s\" is not host:port with a port 1..65535", e->name, v);
            return -1;
        }
        *(char **)field = xstrdup(v);
        return 0;
    }
    case CONFIG_HHMM: {
        int ok = strlen(v) == 5 && v[0] >= '0' && v[0] <= '2' && v[1] >= '0' && v[1] <= '9' &&
                 v[2] == ':' && v[3] >= '0' && v[3] <= '5' && v[4] >= '0' && v[4] <= '9' &&
                 (v[0] - '0') * 10 + (v[1] - '0') < 24;
        if (!ok) {
            snprintf(err, errlen, "%s: \"%s\" is not a time HH:MM", e->name, v);
            return -1;
        }
        *(char **)field = xstrdup(v);
        return 0;
    }
    case CONFIG_KEY256: {
        /* A secret too: the message never repeats the value. */
        size_t n = strlen(v);
        int ok = n == 0 || n == 64;
        for (size_t i = 0; ok && i < n; i++)
            ok = (v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f') ||
                 (v[i] >= 'A' && v[i] <= 'F');
        if (!ok) {
            snprintf(err, errlen, "%s: must be 64 hexadecimal characters (32 bytes)", e->name);
            return -1;
        }
        *(char **)field = n ? xstrdup(v) : NULL;
        return 0;
    }
    case CONFIG_REDIS_URL: {
        /* The password it may hold stays out of the message (and so out of every log). */
        struct redis_addr addr;
        if (redis_parse_url(v, &addr) != 0) {
            snprintf(err, errlen,
                     "%s: is not redis://[:password@]host[:port][/db] (value not shown)", e->name);
            return -1;
        }
        *(char **)field = xstrdup(v);
        return 0;
    }
    case CONFIG_LOG_LEVEL: {
        enum log_level lvl;
        if (log_level_parse(v, &lvl) != 0) {
            snprintf(err, errlen, "%s: \"%s\" is not one of debug, info, warn, error", e->name, v);
            return -1;
        }
        *(char **)field = xstrdup(v);
        return 0;
    }
    }
    return -1;
}

int config_load(struct config *c, const char *(*lookup)(const char *name), char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    for (const struct config_entry *e = config_table; e->name; e++) {
        const char *v = lookup(e->name);
        if (!v)
            v = e->def;
        if (!v)
            continue;
        if (config_parse_entry(e, v, (char *)c + e->offset, err, errlen) != 0) {
            config_cleanup(c);
            return -1;
        }
    }
    return 0;
}

void config_cleanup(struct config *c)
{
    for (const struct config_entry *e = config_table; e->name; e++) {
        if (e->type != CONFIG_INT && e->type != CONFIG_BOOL) {
            char **p = (char **)((char *)c + e->offset);
            free(*p);
            *p = NULL;
        }
    }
}
