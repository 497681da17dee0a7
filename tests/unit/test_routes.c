/* The API's tables (services/api/routes.c): the routes, and the statement tables every handler
 * connection prepares at start-up. A broken entry would otherwise show only when PostgreSQL
 * refuses to prepare it, or when two routes claim one path. */
#include <string.h>

#include "db.h"
#include "router.h"
#include "unit.h"

extern const struct db_stmt *const routes_statements[];

/* Every statement is named and has SQL, no two share a name (PREPARE would refuse the second,
 * and a handler asking for the name would run the other one's SQL), and parameters are named
 * ($name), never numbered, so that a call gives its values by name. */
START_TEST(routes_statements_well_formed)
{
    ck_assert_uint_gt(unit_statements_check(routes_statements), 100);
}
END_TEST

START_TEST(routes_table_well_formed)
{
    ck_assert_uint_gt(routes_count, 50);
    for (size_t i = 0; i < routes_count; i++) {
        const struct route *a = &routes[i];
        ck_assert_msg(a->method != HTTP_HEAD && a->method != HTTP_OTHER, "%s", a->pattern);
        /* A path that stands for a secret is public: the secret is its authorisation. */
        if (a->flags & ROUTE_SECRET)
            ck_assert_msg(a->flags & ROUTE_PUBLIC, "%s", a->pattern);
        for (size_t j = i + 1; j < routes_count; j++) {
            const struct route *b = &routes[j];
            ck_assert_msg(a->method != b->method || strcmp(a->pattern, b->pattern) != 0,
                          "%s %s is routed twice", router_method_name(a->method), a->pattern);
        }
    }
}
END_TEST

Suite *routes_suite(void)
{
    Suite *s = suite_create("routes");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, routes_statements_well_formed);
    tcase_add_test(tc, routes_table_well_formed);
    suite_add_tcase(s, tc);
    return s;
}
