/* The route table (routes.c) and matching of a method and path against it. */
#ifndef SPP_ROUTER_H
#define SPP_ROUTER_H

#include "req.h"

#define ROUTE_PUBLIC 1u /* no Authorization needed */
#define ROUTE_INLINE 2u /* answered on the loop thread: touches neither PostgreSQL nor Redis */
#define ROUTE_NO_DB  4u /* the handler checks its dependencies itself (readiness) */
#define ROUTE_QUERY                                                                                \
    8u /* the handler checks its own query parameters; without it a route                          \
        * takes none, and the dispatcher refuses any (422) */
/* The path carries a secret in place of an Authorization header (with ROUTE_PUBLIC):
 * /feeds/calendar/{secret}.ics and /unsubscribe/{token}. Its parameter is not a UUID (the
 * handler checks it), the per-address failed-auth limiter applies and a 404 counts as a failed
 * attempt, so that secrets cannot be guessed; a body, if any, is not parsed (an RFC 8058 form
 * post is not JSON) and Idempotency-Key is ignored. */
#define ROUTE_SECRET 16u

struct route {
    enum http_method method;
    const char *pattern; /* "/v1/schools/{id}": the route's name in logs and metrics */
    void (*handler)(struct req *r);
    unsigned flags;
};

/* All routes, ended by an entry with a NULL pattern. */
extern const struct route routes[];
extern const size_t routes_count;

enum router_result { ROUTER_FOUND, ROUTER_NOT_FOUND, ROUTER_METHOD_NOT_ALLOWED };

/* Matches r->method and r->path: on ROUTER_FOUND sets r->route and the path parameters
 * (arena strings). On ROUTER_METHOD_NOT_ALLOWED writes the Allow list into allow. */
enum router_result router_match(struct req *r, char *allow, size_t allowlen);
const char *router_method_name(enum http_method m);
/* Index of a route in routes[] (for metrics). */
size_t router_index(const struct route *rt);

#endif
