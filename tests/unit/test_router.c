/* The API's router (services/api/router.c) against the real route table (routes.c): which route
 * a method and path reach, the path parameters it binds, HEAD answered by GET, and the 404 and
 * 405 (with its Allow list) a path that names no route, or not with this method, gets. */
#include <string.h>

#include "req.h"
#include "router.h"
#include "unit.h"

/* Matches method and path on a fresh request; the caller frees it. */
static struct req *router_try(enum http_method m, const char *path, enum router_result *rr,
                              char *allow, size_t allowlen)
{
    struct req *r = req_new();
    r->method = m;
    r->path = arena_strdup(&r->arena, path);
    *rr = router_match(r, allow, allowlen);
    return r;
}

/* Paths that reach a route: its pattern, and the parameters it binds in order and by name. */
static const struct {
    enum http_method method;
    const char *path, *pattern;
    int nparams;
    const char *name[2], *value[2];
    int secret; /* the route is flagged ROUTE_SECRET */
} router_found[] = {
    {HTTP_GET, "/v1/schools/4f1c", "/v1/schools/{id}", 1, {"id"}, {"4f1c"}, 0},
    /* Two parameters, bound in order and by name. */
    {HTTP_DELETE,
     "/v1/reviews/abc/best-practices/def",
     "/v1/reviews/{id}/best-practices/{item_id}",
     2,
     {"id", "item_id"},
     {"abc", "def"},
     0},
    /* A route without parameters binds none; the collection is not the item. */
    {HTTP_GET, "/v1/schools", "/v1/schools", 0, {NULL}, {NULL}, 0},
    {HTTP_POST, "/v1/jobs/j1/retry", "/v1/jobs/{id}/retry", 1, {"id"}, {"j1"}, 0},
    /* {name}.ext takes a segment that ends in .ext with something before it, and binds that
     * part. */
    {HTTP_GET,
     "/feeds/calendar/s3cr3t.ics",
     "/feeds/calendar/{secret}.ics",
     1,
     {"secret"},
     {"s3cr3t"},
     1},
    /* A literal segment ending in a suffix is matched as it is. */
    {HTTP_GET, "/v1/people/p1/calendar.ics", "/v1/people/{id}/calendar.ics", 1, {"id"}, {"p1"}, 0},
};

START_TEST(router_finds_route_and_binds_parameters)
{
    char allow[128];
    enum router_result rr;
    const char *path = router_found[_i].path;
    struct req *r = router_try(router_found[_i].method, path, &rr, allow, sizeof allow);
    ck_assert_msg(rr == ROUTER_FOUND, "%s: %d", path, rr);
    ck_assert_msg(!strcmp(r->route->pattern, router_found[_i].pattern), "%s: %s", path,
                  r->route->pattern);
    ck_assert_msg(r->route->method == router_found[_i].method, "%s: method", path);
    ck_assert_msg((int)r->nparams == router_found[_i].nparams, "%s: %d parameters", path,
                  (int)r->nparams);
    for (int k = 0; k < router_found[_i].nparams; k++) {
        const char *v = req_param(r, router_found[_i].name[k]);
        ck_assert_msg(v && !strcmp(v, router_found[_i].value[k]), "%s: %s = %s", path,
                      router_found[_i].name[k], v ? v : "(none)");
    }
    if (router_found[_i].nparams < 2)
        ck_assert_msg(req_param(r, "item_id") == NULL, "%s: item_id bound", path);
    ck_assert_msg(((r->route->flags & ROUTE_SECRET) != 0) == router_found[_i].secret,
                  "%s: secret flag", path);
    req_free(r);
}
END_TEST

/* A segment with the suffix but nothing before it, or another suffix, reaches no route. */
START_TEST(router_parameter_with_suffix)
{
    char allow[128];
    enum router_result rr;
    static const char *const missing[] = {
        "/feeds/calendar/.ics",      /* nothing before the suffix */
        "/feeds/calendar/s3cr3t",    /* no suffix */
        "/feeds/calendar/s3cr3t.ic", /* another suffix */
        "/feeds/calendar/a/b.ics",   /* a parameter is one segment */
        "/feeds/calendar/",
    };
    for (size_t i = 0; i < sizeof missing / sizeof *missing; i++) {
        struct req *r = router_try(HTTP_GET, missing[i], &rr, allow, sizeof allow);
        ck_assert_msg(rr == ROUTER_NOT_FOUND, "%s", missing[i]);
        req_free(r);
    }
}
END_TEST

START_TEST(router_unknown_paths)
{
    static const char *const paths[] = {
        "",
        "/",
        "/v1",
        "/v1/",
        "/v1/schools/",    /* an empty parameter */
        "/v1/schools//",   /* an empty parameter, then a segment too many */
        "/v1/schools/a/b", /* a segment too many */
        "/v1/school",      /* a literal differs */
        "/v1/schoolsx",    /* a literal is a whole segment */
        "/V1/schools",     /* case matters */
        "v1/schools",      /* no leading slash */
        "/v1/schools?x=1", /* the server splits the query off first */
        "/healthz/",
        "/v1/jobs/j1/retry/now",
    };
    char allow[128];
    enum router_result rr;
    for (size_t i = 0; i < sizeof paths / sizeof *paths; i++) {
        struct req *r = router_try(HTTP_GET, paths[i], &rr, allow, sizeof allow);
        ck_assert_msg(rr == ROUTER_NOT_FOUND, "%s", paths[i]);
        ck_assert_ptr_null(r->route);
        ck_assert_int_eq(r->nparams, 0);
        req_free(r);
    }
}
END_TEST

START_TEST(router_head_is_answered_by_get)
{
    char allow[128];
    enum router_result rr;
    struct req *r = router_try(HTTP_HEAD, "/v1/schools/s1", &rr, allow, sizeof allow);
    ck_assert_int_eq(rr, ROUTER_FOUND);
    ck_assert_int_eq(r->route->method, HTTP_GET);
    ck_assert_str_eq(req_param(r, "id"), "s1");
    req_free(r);
    /* Only GET: HEAD of a POST-only route is not allowed. */
    r = router_try(HTTP_HEAD, "/v1/jobs/j1/retry", &rr, allow, sizeof allow);
    ck_assert_int_eq(rr, ROUTER_METHOD_NOT_ALLOWED);
    ck_assert_str_eq(allow, "POST");
    req_free(r);
}
END_TEST

START_TEST(router_method_not_allowed_lists_methods)
{
    char allow[128];
    enum router_result rr;
    struct req *r = router_try(HTTP_PUT, "/v1/schools/s1", &rr, allow, sizeof allow);
    ck_assert_int_eq(rr, ROUTER_METHOD_NOT_ALLOWED);
    ck_assert_ptr_null(r->route);
    ck_assert_str_eq(allow, "GET, PATCH, DELETE");
    req_free(r);

    r = router_try(HTTP_DELETE, "/v1/schools", &rr, allow, sizeof allow);
    ck_assert_int_eq(rr, ROUTER_METHOD_NOT_ALLOWED);
    ck_assert_str_eq(allow, "GET, POST");
    req_free(r);

    r = router_try(HTTP_OTHER, "/healthz", &rr, allow, sizeof allow);
    ck_assert_int_eq(rr, ROUTER_METHOD_NOT_ALLOWED);
    ck_assert_str_eq(allow, "GET");
    req_free(r);

    /* A short buffer holds the methods that fit, whole, and stays terminated. */
    char small[8];
    r = router_try(HTTP_PUT, "/v1/schools/s1", &rr, small, sizeof small);
    ck_assert_int_eq(rr, ROUTER_METHOD_NOT_ALLOWED);
    ck_assert_str_eq(small, "GET");
    req_free(r);
}
END_TEST

START_TEST(router_method_names_and_index)
{
    ck_assert_str_eq(router_method_name(HTTP_GET), "GET");
    ck_assert_str_eq(router_method_name(HTTP_POST), "POST");
    ck_assert_str_eq(router_method_name(HTTP_PUT), "PUT");
    ck_assert_str_eq(router_method_name(HTTP_PATCH), "PATCH");
    ck_assert_str_eq(router_method_name(HTTP_DELETE), "DELETE");
    ck_assert_str_eq(router_method_name(HTTP_OPTIONS), "OPTIONS");
    ck_assert_str_eq(router_method_name(HTTP_HEAD), "HEAD");
    ck_assert_str_eq(router_method_name(HTTP_OTHER), "OTHER");
    for (size_t i = 0; i < routes_count; i++)
        ck_assert_uint_eq(router_index(&routes[i]), i);
    ck_assert_ptr_null(routes[routes_count].pattern);
}
END_TEST

/* The table itself: every route reachable, none shadowed by an earlier one of the same method,
 * and each matched to itself when its parameters are filled in. */
START_TEST(router_every_route_reaches_itself)
{
    char allow[128];
    for (size_t i = 0; i < routes_count; i++) {
        const struct route *rt = &routes[i];
        ck_assert_ptr_nonnull(rt->handler);
        ck_assert_msg(rt->pattern[0] == '/', "%s", rt->pattern);
        /* The path: each {name} replaced by "x1". */
        char path[256];
        size_t n = 0;
        for (const char *p = rt->pattern; *p && n + 3 < sizeof path;) {
            if (*p == '{') {
                path[n++] = 'x';
                path[n++] = '1';
                p = strchr(p, '}') + 1;
            } else {
                path[n++] = *p++;
            }
        }
        path[n] = '\0';
        enum router_result rr;
        struct req *r = router_try(rt->method, path, &rr, allow, sizeof allow);
        ck_assert_msg(rr == ROUTER_FOUND && r->route == rt, "%s %s reaches %s",
                      router_method_name(rt->method), rt->pattern,
                      r->route ? r->route->pattern : "nothing");
        for (int k = 0; k < r->nparams; k++)
            ck_assert_str_eq(r->param_values[k], "x1");
        req_free(r);
    }
}
END_TEST

Suite *router_suite(void)
{
    Suite *s = suite_create("router");
    TCase *tc = tcase_create("core");
    tcase_add_loop_test(tc, router_finds_route_and_binds_parameters, 0,
                        (int)(sizeof router_found / sizeof *router_found));
    tcase_add_test(tc, router_parameter_with_suffix);
    tcase_add_test(tc, router_unknown_paths);
    tcase_add_test(tc, router_head_is_answered_by_get);
    tcase_add_test(tc, router_method_not_allowed_lists_methods);
    tcase_add_test(tc, router_method_names_and_index);
    tcase_add_test(tc, router_every_route_reaches_itself);
    suite_add_tcase(s, tc);
    return s;
}
