#include "router.h"

#include <stdio.h>
#include <string.h>

const char *router_method_name(enum http_method m)
{
    static const char *const names[] = {"GET",    "POST",    "PUT",  "PATCH",
                                        "DELETE", "OPTIONS", "HEAD", "OTHER"};
    return names[m];
}

size_t router_index(const struct route *rt)
{
    return (size_t)(rt - routes);
}

/* Matches path against pattern segment by segment; {name} takes one non-empty segment, and
 * {name}.ext one that ends in .ext with something before it (the parameter is that part). */
static int router_match_one(const struct route *rt, const char *path, struct req *r, int bind)
{
    const char *p = rt->pattern, *q = path;
    int np = 0;
    while (*p && *q) {
        if (*p != '/' || *q != '/')
            return 0;
        p++;
        q++;
        size_t plen = strcspn(p, "/"), qlen = strcspn(q, "/");
        const char *close = plen > 2 && p[0] == '{' ? memchr(p, '}', plen) : NULL;
        if (close) {
            size_t name = (size_t)(close - p) - 1, suffix = plen - name - 2;
            if (qlen <= suffix || np >= REQ_MAX_PARAMS ||
                memcmp(q + qlen - suffix, close + 1, suffix) != 0)
                return 0;
            if (bind) {
                r->param_names[np] = arena_strndup(&r->arena, p + 1, name);
                r->param_values[np] = arena_strndup(&r->arena, q, qlen - suffix);
            }
            np++;
        } else if (plen != qlen || memcmp(p, q, plen) != 0) {
            return 0;
        }
        p += plen;
        q += qlen;
    }
    if (*p || *q)
        return 0;
    if (bind)
        r->nparams = np;
    return 1;
}

enum router_result router_match(struct req *r, char *allow, size_t allowlen)
{
    int path_known = 0;
    allow[0] = '\0';
    for (const struct route *rt = routes; rt->pattern; rt++) {
        if (!router_match_one(rt, r->path, r, 0))
            continue;
        path_known = 1;
        if (rt->method == r->method || (r->method == HTTP_HEAD && rt->method == HTTP_GET)) {
            router_match_one(rt, r->path, r, 1);
            r->route = rt;
            return ROUTER_FOUND;
        }
        size_t used = strlen(allow);
        const char *name = router_method_name(rt->method);
        if (!strstr(allow, name) && used + strlen(name) + 3 < allowlen)
            snprintf(allow + used, allowlen - used, "%s%s", used ? ", " : "", name);
    }
    return path_known ? ROUTER_METHOD_NOT_ALLOWED : ROUTER_NOT_FOUND;
}
