/* The router: a method and a path matched against the route table (routes.c) by router_match,
 * then the checks dispatch_prepare makes before a request is queued (path parameters must be
 * UUIDs; OPTIONS answers what the path takes). Routes answered on the loop thread (health and
 * the OpenAPI document) are matched but not run.
 *
 * Input: "<METHOD> <path>", e.g. "GET /v1/schools/{uuid}"; an unknown method is HTTP_OTHER.
 *
 * Beyond crashes and sanitizer reports it aborts when a match binds more parameters than the
 * request holds, an empty or '/'-holding parameter, a route of another method, or an Allow list
 * that is not a comma-separated list of method names. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "dispatch.h"
#include "req.h"
#include "request.h"
#include "router.h"

static void fuzz_check_allow(const char *allow)
{
    const char *p = allow;
    while (*p) {
        size_t n = strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
        if (n == 0 || fuzz_method(p, n) == HTTP_OTHER)
            abort();
        p += n;
        if (*p && strncmp(p, ", ", 2) != 0)
            abort();
        if (*p)
            p += 2;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct req *r = req_new();
    char *text = arena_strndup(&r->arena, (const char *)data, size);
    char *sp = strchr(text, ' ');
    r->method = fuzz_method(text, sp ? (size_t)(sp - text) : 0);
    r->path = sp ? sp + 1 : text;

    char allow[128];
    enum router_result rr = router_match(r, allow, sizeof allow);
    if (rr == ROUTER_FOUND) {
        const struct route *rt = r->route;
        if (!rt || rt < routes || rt >= routes + routes_count)
            abort();
        if (rt->method != r->method && !(r->method == HTTP_HEAD && rt->method == HTTP_GET))
            abort();
        if (r->nparams < 0 || r->nparams > REQ_MAX_PARAMS)
            abort();
        for (int i = 0; i < r->nparams; i++)
            if (!r->param_values[i][0] || strchr(r->param_values[i], '/') ||
                !req_param(r, r->param_names[i]))
                abort();
    } else if (rr == ROUTER_METHOD_NOT_ALLOWED) {
        if (!allow[0] || strlen(allow) >= sizeof allow)
            abort();
        fuzz_check_allow(allow);
    }

    /* What dispatch_prepare decides before queueing, on a request of its own. */
    if (rr != ROUTER_FOUND || !(r->route->flags & ROUTE_INLINE)) {
        struct req *d = req_new();
        d->method = r->method;
        d->path = arena_strdup(&d->arena, r->path);
        enum dispatch_step step = dispatch_prepare(d);
        if (step == DISPATCH_DONE && d->status == 0)
            abort();
        if (step == DISPATCH_QUEUE && (d->status != 0 || !d->route))
            abort();
        req_free(d);
    }
    req_free(r);
    return 0;
}
