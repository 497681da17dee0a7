/* /healthz, /readyz, /metrics and /openapi.yaml. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "db.h"
#include "handlers.h"
#include "log.h"
#include "metrics.h"
#include "redis.h"
#include "xalloc.h"

static const struct config *system_cfg;
static char *system_openapi_text;
static size_t system_openapi_len;

const struct config *system_config(void)
{
    return system_cfg;
}

int system_init(const struct config *cfg)
{
    system_cfg = cfg;
    FILE *f = fopen(cfg->openapi_file, "rb");
    if (!f) {
        log_error("SPP_OPENAPI_FILE: cannot open %s", cfg->openapi_file);
        return -1;
    }
    struct buf b;
    buf_init(&b);
    char chunk[8192];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
        buf_append(&b, chunk, n);
    fclose(f);
    system_openapi_text = buf_steal(&b, &system_openapi_len);
    return 0;
}

void system_cleanup(void)
{
    free(system_openapi_text);
    system_openapi_text = NULL;
}

void system_healthz(struct req *r)
{
    req_reply_text(r, 200, "{\"status\":\"ok\"}");
}

void system_readyz(struct req *r)
{
    char err[512];
    int pg_ok = db_ensure(r->hc->db, err, sizeof err) == 0;
    if (pg_ok) {
        PGresult *res = db_exec_sql(r->hc->db, "SELECT 1");
        pg_ok = db_ok(res);
        if (res)
            PQclear(res);
    }
    redisReply *rep = redis_command(r->hc->redis, "PING");
    int redis_ok = rep && rep->type == REDIS_REPLY_STATUS;
    if (rep)
        freeReplyObject(rep);
    if (pg_ok && redis_ok) {
        req_reply_text(r, 200, "{\"status\":\"ok\",\"postgres\":\"ok\",\"redis\":\"ok\"}");
        return;
    }
    char detail[128];
    snprintf(detail, sizeof detail, "Not ready: %s%s%s is down.", pg_ok ? "" : "postgres",
             !pg_ok && !redis_ok ? " and " : "", redis_ok ? "" : "redis");
    req_header(r, "Retry-After", "5");
    req_problem(r, 503, "unavailable", detail);
    /* The problem names the dependencies as members too, for machines. */
    json_t *p = json_loadb(r->resp_body, r->resp_len, 0, NULL);
    json_object_set_new(p, "postgres", json_string(pg_ok ? "ok" : "down"));
    json_object_set_new(p, "redis", json_string(redis_ok ? "ok" : "down"));
    char *text = json_dumps(p, JSON_COMPACT);
    json_decref(p);
    req_reply_raw(r, 503, "application/problem+json", text, strlen(text));
}

void system_metrics(struct req *r)
{
    struct buf b;
    buf_init(&b);
    metrics_render(&b);
    metrics_render_jobs(r->hc->db, &b); /* a cached sample: no count per scrape */
    size_t len;
    char *text = buf_steal(&b, &len);
    req_reply_raw(r, 200, "text/plain; version=0.0.4; charset=utf-8", text, len);
}

void system_openapi(struct req *r)
{
    req_reply_raw(r, 200, "application/yaml; charset=utf-8",
                  xstrndup(system_openapi_text, system_openapi_len), system_openapi_len);
}
