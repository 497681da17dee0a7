#include "dispatch.h"

#include <openssl/rand.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "auth.h"
#include "config.h"
#include "cors.h"
#include "ratelimit.h"
#include "buf.h"
#include "db.h"
#include "idem.h"
#include "jobs.h"
#include "log.h"
#include "metrics.h"
#include "monotime.h"
#include "router.h"

static long dispatch_max_body = 1048576;
static const char *dispatch_cors_origins = "";

extern const struct db_stmt *const routes_statements[];

const struct db_stmt *const *dispatch_statements(void)
{
    return routes_statements;
}

void dispatch_configure(const struct config *cfg)
{
    dispatch_max_body = cfg->max_body_bytes;
    dispatch_cors_origins = cfg->cors_origins;
    ratelimit_configure(cfg->rate_limit_per_s, cfg->rate_limit_burst);
    ratelimit_auth_configure(cfg->auth_fail_per_min);
}

static int dispatch_has_body(const struct req *r)
{
    return r->method == HTTP_POST || r->method == HTTP_PUT || r->method == HTTP_PATCH;
}

/* A secret in the path (ROUTE_SECRET) that named nothing counts as a failed authentication of
 * the address, whatever the method, so that secrets cannot be guessed. */
static void dispatch_count_secret_miss(const struct req *r)
{
    if ((r->route->flags & ROUTE_SECRET) && r->status == 404)
        ratelimit_auth_failed(r->peer, monotime_now_us());
}

/* A route takes no query parameters unless its handler checks its own (ROUTE_QUERY): any
 * other answers 422 here, once for every such route. Returns 0 to go on. */
static int dispatch_query_none(struct req *r)
{
    return (r->route->flags & ROUTE_QUERY) ? 0 : req_check_query(r, NULL, 0);
}

enum dispatch_step dispatch_prepare(struct req *r)
{
    char allow[128];
    dispatch_request_id(r); /* settled before any handler: the access audit records it */
    switch (router_match(r, allow, sizeof allow)) {
    case ROUTER_NOT_FOUND:
        req_problem(r, 404, "not_found", "There is no such path.");
        return DISPATCH_DONE;
    case ROUTER_METHOD_NOT_ALLOWED:
        if (r->method == HTTP_OPTIONS) {
            /* A CORS preflight (or a plain OPTIONS): what this path takes. */
            char *methods = arena_printf(&r->arena, "%s, OPTIONS", allow);
            req_header(r, "Allow", methods);
            if (cors_origin_allowed(dispatch_cors_origins, r->origin)) {
                req_header(r, "Access-Control-Allow-Methods", methods);
                req_header(r, "Access-Control-Allow-Headers", CORS_ALLOW_HEADERS);
                req_header(r, "Access-Control-Max-Age", "600");
            }
            req_reply_empty(r, 204);
            return DISPATCH_DONE;
        }
        req_header(r, "Allow", allow);
        req_problem(r, 405, "method_not_allowed", "This path does not take that method.");
        return DISPATCH_DONE;
    case ROUTER_FOUND:
        break;
    }
    /* Every path parameter of this API is a UUID (but a secret): anything else names nothing. */
    for (int i = 0; i < r->nparams && !(r->route->flags & ROUTE_SECRET); i++) {
        if (!validate_uuid(r->param_values[i])) {
            req_problem(r, 404, "not_found", "No such resource.");
            return DISPATCH_DONE;
        }
    }
    /* Any method: a body on one that takes none is not read, but it is not let through
     * either when it is over the limit. */
    if (r->body_len > (size_t)dispatch_max_body) {
        req_problem(r, 413, "payload_too_large", "The request body is larger than 1 MiB.");
        return DISPATCH_DONE;
    }
    /* An address that sent too many requests without a valid key waits, before its token
     * costs a hash, a connection or a PostgreSQL query. */
    int retry_s;
    if ((!(r->route->flags & ROUTE_PUBLIC) || (r->route->flags & ROUTE_SECRET)) &&
        ratelimit_auth_blocked(r->peer, monotime_now_us(), &retry_s)) {
        char retry[16];
        snprintf(retry, sizeof retry, "%d", retry_s);
        req_header(r, "Retry-After", retry);
        req_problem(r, 429, "rate_limited",
                    "Too many requests without a valid key from this address; slow down.");
        return DISPATCH_DONE;
    }
    if (r->route->flags & ROUTE_INLINE) {
        if (dispatch_query_none(r) == 0)
            r->route->handler(r);
        return DISPATCH_DONE;
    }
    return DISPATCH_QUEUE;
}

/* application/json or, for PATCH, application/merge-patch+json, with any parameters. */
static int dispatch_json_type(const struct req *r)
{
    const char *ct = r->content_type;
    if (!ct)
        return 0;
    size_t n = strcspn(ct, "; \t");
    if (n == 16 && !strncasecmp(ct, "application/json", n))
        return 1;
    return r->method == HTTP_PATCH && n == 28 &&
           !strncasecmp(ct, "application/merge-patch+json", n);
}

/* Parses the body into r->json; answers and returns -1 when it is not a JSON object. */
static int dispatch_parse_body(struct req *r)
{
    if (r->body_len == 0) {
        r->json = json_object(); /* no body at all: validation lists what is missing */
        return 0;
    }
    if (!dispatch_json_type(r)) {
        req_problem(r, 415, "unsupported_media_type",
                    r->method == HTTP_PATCH
                        ? "Send application/json or application/merge-patch+json."
                        : "Send application/json.");
        return -1;
    }
    if (!validate_utf8(r->body, r->body_len)) {
        req_invalid_field(r, "", "utf8", "The body is not valid UTF-8.");
        return -1;
    }
    json_error_t jerr;
    /* Any JSON value parses (RFC 8259): a string or null is well-formed JSON of the wrong type,
     * so it is refused below as 422, not as malformed. */
    r->json = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
    if (!r->json) {
        char detail[256];
        snprintf(detail, sizeof detail, "The body is not valid JSON: %s (line %d, column %d).",
                 jerr.text, jerr.line, jerr.column);
        req_problem(r, 400, "malformed_json", detail);
        return -1;
    }
    if (!json_is_object(r->json)) {
        req_invalid_field(r, "", "type", "The body must be a JSON object.");
        return -1;
    }
    return 0;
}

void dispatch_run(struct req *r)
{
    char err[512];
    if (r->route->flags & ROUTE_NO_DB) {
        if (dispatch_query_none(r) == 0)
            r->route->handler(r);
        return;
    }
    if (db_ensure(r->hc->db, err, sizeof err) != 0) {
        log_warn("handler %d: %s", r->hc->index, err);
        req_header(r, "Retry-After", "1");
        req_problem(r, 503, "unavailable", "The database is unavailable; try again shortly.");
        return;
    }
    if (!(r->route->flags & ROUTE_PUBLIC)) {
        if (auth_check(r) != 0) {
            if (r->status == 401)
                ratelimit_auth_failed(r->peer, monotime_now_us());
            return;
        }
        if (ratelimit_take(r) != 0)
            return;
    }
    if ((dispatch_has_body(r) && !(r->route->flags & ROUTE_SECRET) &&
         dispatch_parse_body(r) != 0) ||
        dispatch_query_none(r) != 0)
        return;
    if (r->method == HTTP_GET || r->method == HTTP_HEAD) {
        r->route->handler(r);
        dispatch_count_secret_miss(r);
        return;
    }
    /* BEGIN goes with the first statement, in the same round trip. */
    db_begin(r->hc->db);
    r->in_tx = 1;
    /* Not for a secret's route: it has no key to file the answer under, and is idempotent. */
    int idem = r->method == HTTP_POST && r->idempotency_key && !(r->route->flags & ROUTE_SECRET);
    r->tx_keep_open = idem; /* the record commits with the write */
    if (idem && idem_begin(r) != 0)
        goto rollback; /* answered: a replay, a reuse or a duplicate still running */
    r->route->handler(r);
    /* COMMIT went with the handler's last statement (req_db_commit), or goes now. */
    if (r->tx_end == REQ_TX_OPEN && r->status >= 400)
        goto rollback;
    if (r->tx_end == REQ_TX_OPEN && idem)
        idem_store(r);
    if (r->tx_end == REQ_TX_COMMIT_FAILED ||
        (r->tx_end == REQ_TX_OPEN && db_end(r->hc->db, 1) != 0)) {
        log_error("commit failed on %s", r->route->pattern);
        req_header(r, "Retry-After", "1");
        req_problem(r, 503, "unavailable", "The change could not be saved; try again.");
        r->in_tx = 0;
        return;
    }
    r->in_tx = 0;
    /* Only now may workers see the jobs; a failed publish never fails the request. */
    jobs_outbox_publish(&r->outbox, r->hc->redis, r->hc->db);
    return;
rollback:
    db_end(r->hc->db, 0);
    r->in_tx = 0;
    dispatch_count_secret_miss(r);
}

const char *dispatch_request_id(struct req *r)
{
    const char *id = r->request_id;
    if (id) {
        size_t n = strlen(id);
        int ok = n > 0 && n <= 128;
        for (size_t i = 0; ok && i < n; i++)
            ok = id[i] > ' ' && id[i] < 0x7F && id[i] != '"' && id[i] != '\\';
        if (ok)
            return id;
    }
    /* 64 bits from a per-thread generator (splitmix64) seeded once from RAND_bytes: a request
     * id names a request in the logs, it guards nothing, and RAND_bytes with eight snprintf
     * calls cost about an eighth of a small request's CPU. */
    static _Thread_local uint64_t state;
    static _Thread_local int seeded;
    if (!seeded) {
        RAND_bytes((unsigned char *)&state, sizeof state);
        seeded = 1;
    }
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    static const char digits[] = "0123456789abcdef";
    char *hex = arena_alloc(&r->arena, 17);
    for (int i = 0; i < 16; i++)
        hex[i] = digits[(z >> (60 - 4 * i)) & 15];
    hex[16] = '\0';
    r->request_id = hex;
    return hex;
}

void dispatch_finish(struct req *r)
{
    if (!r->status)
        req_problem(r, 500, "internal", "Something went wrong on our side.");
    const char *id = dispatch_request_id(r);
    req_header(r, "X-Request-Id", id);
    if (cors_origin_allowed(dispatch_cors_origins, r->origin)) {
        req_header(r, "Access-Control-Allow-Origin", r->origin);
        req_header(r, "Access-Control-Expose-Headers", CORS_EXPOSE_HEADERS);
        req_header(r, "Vary", "Origin");
    }
    int64_t dur = monotime_now_us() - r->start_us;
    const char *route = r->route ? r->route->pattern : "unmatched";
    metrics_observe(r->route ? (int)router_index(r->route) : -1, r->status, dur);
    enum log_level lvl = r->status >= 500 ? LOG_ERROR : LOG_INFO;
    if (!log_enabled(lvl))
        return;
    struct buf b;
    buf_init(&b);
    buf_printf(&b, "\"method\":\"%s\",\"route\":", router_method_name(r->method));
    buf_json_string(&b, route);
    buf_printf(&b, ",\"status\":%d,\"duration_us\":%lld,\"request_id\":", r->status,
               (long long)dur);
    buf_json_string(&b, id);
    if (r->principal.key_id[0])
        buf_printf(&b, ",\"key_id\":\"%s\"", r->principal.key_id);
    log_line(lvl, "request", b.data);
    buf_cleanup(&b);
}
