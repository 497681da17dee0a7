/* The whole configuration: one table of SPP_* environment variables (config.c), read and
 * validated once at start-up. */
#ifndef SPP_CONFIG_H
#define SPP_CONFIG_H

#include <stddef.h>

struct config {
    char *database_url;
    char *redis_url;
    char *listen;    /* host:port */
    int api_threads; /* 0 = 2 x online cores */
    int loop_threads;
    int queue_max;      /* bound of the loop -> handler hand-off queue */
    int pipeline_depth; /* reading requests sharing one PostgreSQL connection at once */
    int http_timeout_s;
    int max_body_bytes;
    int shutdown_grace_s;
    char *admin_token; /* a secret: never logged */
    int auth_cache_ms;
    char *log_level;
    char *migrations_dir;
    char *openapi_file;
    char *cors_origins;
    int rate_limit_per_s;
    int rate_limit_burst;
    int accreditation_months;
    int worker_concurrency;
    char *worker_metrics_listen;
    int job_lease_s;
    int job_batch;    /* entries claimed at once, completions per statement */
    int job_flush_ms; /* how long a batched completion may wait */
    int sweep_interval_s;
    int retry_base_s;
    int job_retention_days;
    int reminder_interval_s;
    char *digest_at; /* HH:MM */
    char *tz;
    char *smtp_url;
    char *mail_from;
    char *public_url;
    int audit_retention_days;
    int webhook_allow_private;
    char *webhook_key;       /* a secret: 64 hex characters, or NULL */
    int webhook_concurrency; /* worker runner threads for webhook deliveries only */
    int auth_fail_per_min;
    char *metrics_listen; /* host:port, or NULL: /metrics on the main listener */
};

enum config_type {
    CONFIG_STRING,
    CONFIG_SECRET,
    CONFIG_INT,
    CONFIG_BOOL,
    CONFIG_LISTEN,
    CONFIG_HHMM,
    CONFIG_LOG_LEVEL,
    CONFIG_KEY256,    /* 64 hex characters (a 256-bit key), a secret; empty = unset */
    CONFIG_REDIS_URL, /* redis://[:password@]host[:port][/db]: may hold a secret, never echoed */
};

struct config_entry {
    const char *name;
    enum config_type type;
    size_t offset;
    const char *def; /* textual default, parsed like the variable itself; NULL = unset */
    long min, max;   /* for CONFIG_INT */
    const char *help;
};

/* The table, terminated by an entry with a NULL name. */
extern const struct config_entry config_table[];

/* Fills c from lookup (getenv in the services, a fake in the tests). Returns 0, or -1 with a
 * message naming the variable in err. On success the caller owns c and frees it with
 * config_cleanup. */
int config_load(struct config *c, const char *(*lookup)(const char *name), char *err,
                size_t errlen);
void config_cleanup(struct config *c);
/* Splits "host:port"; returns 0 or -1. host is written NUL-terminated into hostbuf. */
int config_split_listen(const char *s, char *hostbuf, size_t hostlen, int *port);

#endif
