/* The handlers themselves, up to their first database call: a request routed as the server
 * routes it (dispatch_prepare), its body parsed as dispatch_parse_body parses it, then the
 * route's handler run for a caller of some role, with a database connection that is never
 * made (every statement answers 503). This reaches what a handler checks before it reads or
 * writes anything: role rules, query and body validation, and its own checks of the body.
 * The webhook routes are left out: a valid URL makes their handler resolve its host (DNS).
 *
 * Input: "<role digit 0-4> <METHOD> <path>[?query]\n<body>", e.g.
 * "0 POST /v1/schools\n{\"urn\":\"123456\"}" (0 admin, 1 hub, 2 partnership, 3 school,
 * 4 person).
 *
 * Beyond crashes and sanitizer reports it aborts when a request goes unanswered or answers 500,
 * when an answer that has a body is not JSON (problem or resource), or when a problem's status
 * and code disagree with its HTTP status. */
#include <event2/http.h>
#include <sys/queue.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "config.h"
#include "db.h"
#include "dispatch.h"
#include "handlers.h"
#include "log.h"
#include "req.h"
#include "request.h"
#include "router.h"

static struct handler_ctx fuzz_hc;

static const char *fuzz_lookup(const char *name)
{
    static const char *const env[][2] = {
        {"SPP_DATABASE_URL", "postgresql://fuzz@127.0.0.1:1/never"},
        {"SPP_REDIS_URL", "redis://127.0.0.1:1/0"},
        {"SPP_ADMIN_TOKEN", "fuzz-admin-token-not-used-anywhere"},
        {"SPP_OPENAPI_FILE", "/dev/null"},
    };
    for (size_t i = 0; i < sizeof env / sizeof *env; i++)
        if (!strcmp(env[i][0], name))
            return env[i][1];
    return NULL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    static struct config cfg;
    char err[256];
    if (config_load(&cfg, fuzz_lookup, err, sizeof err) != 0 || system_init(&cfg) != 0)
        abort();
    dispatch_configure(&cfg);
    /* Quiet: every statement fails here ("PostgreSQL unreachable"), which is no news. */
    log_set_level((enum log_level)(LOG_ERROR + 1));
    fuzz_hc.db = db_new(cfg.database_url, NULL); /* never connected: db_ensure is not called */
    return 0;
}

/* dispatch_parse_body for an application/json body: 0, or -1 when it was refused. */
static int fuzz_parse_body(struct req *r)
{
    if (r->body_len == 0) {
        r->json = json_object();
        return 0;
    }
    if (!validate_utf8(r->body, r->body_len))
        return -1;
    r->json = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, NULL);
    return json_is_object(r->json) ? 0 : -1;
}

static void fuzz_check_answer(const struct req *r)
{
    /* 500 is for what goes wrong on our side; before its first statement a handler has only
     * the request to go on, so anything wrong there is the client's (4xx). */
    if (r->status < 200 || r->status > 599 || r->status == 500)
        abort();
    if (!r->resp_body)
        return;
    json_t *j = json_loadb(r->resp_body, r->resp_len, JSON_DECODE_ANY, NULL);
    if (!j)
        abort();
    if (r->content_type_out && !strcmp(r->content_type_out, "application/problem+json") &&
        (json_integer_value(json_object_get(j, "status")) != r->status ||
         !json_is_string(json_object_get(j, "code"))))
        abort();
    json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2 || data[0] < '0' || data[0] > '4' || data[1] != ' ')
        return 0;
    struct req *r = req_new();
    char *text = arena_strndup(&r->arena, (const char *)data + 2, size - 2);
    char *nl = strchr(text, '\n');
    if (nl) {
        *nl = '\0';
        r->body = nl + 1;
        r->body_len = size - 2 - (size_t)(nl + 1 - text);
    } else {
        r->body = "";
    }
    char *sp = strchr(text, ' ');
    r->method = fuzz_method(text, sp ? (size_t)(sp - text) : 0);
    r->path = sp ? sp + 1 : text;
    char *q = strchr(r->path, '?');
    if (q) {
        *q++ = '\0';
        if (*q && fuzz_read_query(r, q) != 0)
            goto done;
    }
    if (!r->path[0] || memchr(r->body, '\0', r->body_len))
        goto done; /* the server never sees either */

    if (dispatch_prepare(r) == DISPATCH_DONE) {
        fuzz_check_answer(r);
        goto done;
    }
    if ((r->route->flags & ROUTE_NO_DB) || !strncmp(r->route->pattern, "/v1/webhooks", 12))
        goto done;
    r->hc = &fuzz_hc;
    r->principal.role = (enum scope_role)(data[0] - '0');
    if (r->principal.role != ROLE_ADMIN) {
        strcpy(r->principal.key_id, "11111111-1111-4111-8111-111111111111");
        strcpy(r->principal.scope_id, "22222222-2222-4222-8222-222222222222");
        strcpy(r->principal.hub_id, "33333333-3333-4333-8333-333333333333");
    }
    if ((r->method == HTTP_POST || r->method == HTTP_PUT || r->method == HTTP_PATCH) &&
        fuzz_parse_body(r) != 0)
        goto done;
    r->route->handler(r);
    fuzz_check_answer(r);
done:
    req_free(r);
    return 0;
}
