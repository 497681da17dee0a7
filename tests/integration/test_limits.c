/* Rate limiting, run against an API started with SPP_RATE_LIMIT_PER_S=1 and
 * SPP_RATE_LIMIT_BURST=3 (the test command starts one for this suite alone). */
#include <stdlib.h>
#include <string.h>

#include "integration.h"

START_TEST(burst_then_429_per_key)
{
    char *a = test_key("admin", NULL);
    char *b = test_key("admin", NULL);
    int ok = 0;
    for (int i = 0; i < 3; i++) {
        struct http_resp *r = http_call("GET", "/v1/schools?limit=1", a, NULL, NULL);
        ok += r->status == 200;
        http_free(r);
    }
    ck_assert_int_eq(ok, 3);
    struct http_resp *r = http_call("GET", "/v1/schools?limit=1", a, NULL, NULL);
    ck_assert_int_eq(r->status, 429);
    ck_assert_str_eq(test_code(r), "rate_limited");
    const char *retry = http_header(r, "Retry-After");
    ck_assert_ptr_nonnull(retry);
    ck_assert_int_ge(atoi(retry), 1);
    http_free(r);
    /* Another key has its own bucket. */
    r = http_call("GET", "/v1/schools?limit=1", b, NULL, NULL);
    ck_assert_int_eq(r->status, 200);
    http_free(r);
    /* Health checks are not limited. */
    for (int i = 0; i < 5; i++) {
        r = http_call("GET", "/healthz", NULL, NULL, NULL);
        ck_assert_int_eq(r->status, 200);
        http_free(r);
    }
    free(a);
    free(b);
}
END_TEST

Suite *limits_suite(void)
{
    Suite *s = suite_create("limits");
    TCase *tc = tcase_create("limits");
    tcase_add_test(tc, burst_then_429_per_key);
    suite_add_tcase(s, tc);
    return s;
}
