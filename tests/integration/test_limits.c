/* Rate limiting, run against an API started with SPP_RATE_LIMIT_PER_S=1,
 * SPP_RATE_LIMIT_BURST=3, SPP_AUTH_FAIL_PER_MIN=5 and /metrics on SPP_METRICS_LISTEN
 * (SPP_TEST_METRICS_URL): the test command starts one for this suite alone. */
#include <stdio.h>
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
    struct http_resp *r = test_call("GET", "/v1/schools?limit=1", a, NULL, 429, "rate_limited");
    const char *retry = http_header(r, "Retry-After");
    ck_assert_ptr_nonnull(retry);
    ck_assert_int_ge(atoi(retry), 1);
    http_free(r);
    /* Another key has its own bucket. */
    test_expect("GET", "/v1/schools?limit=1", b, NULL, 200, NULL);
    /* Health checks are not limited. */
    for (int i = 0; i < 5; i++) {
        test_expect("GET", "/healthz", NULL, NULL, 200, NULL);
    }
}
END_TEST

/* /metrics is served on the metrics listener, and only there. */
START_TEST(metrics_on_their_own_listener)
{
    const char *main_url = getenv("SPP_TEST_URL"), *metrics_url = getenv("SPP_TEST_METRICS_URL");
    ck_assert_ptr_nonnull(metrics_url);
    test_expect("GET", "/metrics", NULL, NULL, 404, "not_found");
    setenv("SPP_TEST_URL", metrics_url, 1); /* this test runs in its own process */
    struct http_resp *r = test_call("GET", "/metrics", NULL, NULL, 200, NULL);
    ck_assert_ptr_nonnull(strstr(r->body, "spp_http_requests_total"));
    ck_assert_ptr_nonnull(strstr(r->body, "spp_jobs{status=\"dead\"}"));
    http_free(r);
    test_expect("GET", "/v1/schools", test_admin(), NULL, 404, NULL);
    test_expect("GET", "/healthz", NULL, NULL, 404, NULL);
    setenv("SPP_TEST_URL", main_url, 1);
}
END_TEST

static double limits_metric(const char *name)
{
    const char *main_url = getenv("SPP_TEST_URL"), *metrics_url = getenv("SPP_TEST_METRICS_URL");
    setenv("SPP_TEST_URL", metrics_url, 1);
    struct http_resp *r = http_call("GET", "/metrics", NULL, NULL, NULL);
    setenv("SPP_TEST_URL", main_url, 1);
    ck_assert_int_eq(r->status, 200);
    const char *p = strstr(r->body, name);
    ck_assert_ptr_nonnull(p);
    double v = atof(p + strlen(name));
    http_free(r);
    return v;
}

/* Five requests without a valid key a minute from one address, then 429 before the token is
 * even hashed: a stream of made-up tokens never reaches PostgreSQL at request rate. A calendar
 * subscription URL with a made-up secret and a forged unsubscribe token (GET or POST) are such
 * requests too (404), so that secrets cannot be guessed either. Runs last: the address stays
 * refused for the rest of the minute, whatever key or secret it sends. */
#define LIMITS_FORGED_UNSUBSCRIBE "/unsubscribe/AQBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"
START_TEST(auth_failures_limited_per_address)
{
    static const char guess[] =
        "/feeds/calendar/00000000000000000000000000000000000000000000000000000000000000%02d.ics";
    int unauthorized = 0;
    struct http_resp *r = NULL;
    for (int i = 0; i < 10; i++) {
        char token[64], feed[128];
        snprintf(token, sizeof token, "made-up-token-%d", i);
        snprintf(feed, sizeof feed, guess, i);
        int secret = i == 2 || i == 4; /* a calendar feed (GET), an unsubscribe link (POST) */
        if (i == 2)
            r = http_call("GET", feed, NULL, NULL, NULL);
        else if (i == 4)
            r = http_call("POST", LIMITS_FORGED_UNSUBSCRIBE, NULL, "List-Unsubscribe=One-Click",
                          NULL);
        else
            r = http_call("GET", "/v1/schools?limit=1", i % 2 ? token : NULL, NULL, NULL);
        if (r->status != (secret ? 404 : 401))
            break;
        unauthorized++;
        http_free(r);
        r = NULL;
    }
    ck_assert_int_eq(unauthorized, 5);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->status, 429);
    ck_assert_str_eq(test_code(r), "rate_limited");
    const char *retry = http_header(r, "Retry-After");
    ck_assert_ptr_nonnull(retry);
    ck_assert_int_ge(atoi(retry), 1);
    ck_assert_int_le(atoi(retry), 60);
    http_free(r);
    double before = limits_metric("\nspp_auth_fail_limited_total ");
    for (int i = 0; i < 50; i++) {
        test_expect("GET", "/v1/people", "another-made-up-token", NULL, 429, NULL);
    }
    ck_assert(limits_metric("\nspp_auth_fail_limited_total ") - before >= 50);
    /* Guessing a calendar secret or an unsubscribe token is refused as well, before any lookup. */
    char feed[128];
    snprintf(feed, sizeof feed, guess, 99);
    test_expect("GET", feed, NULL, NULL, 429, "rate_limited");
    test_expect("GET", LIMITS_FORGED_UNSUBSCRIBE, NULL, NULL, 429, NULL);
    /* Unauthenticated routes stay open. */
    test_expect("GET", "/healthz", NULL, NULL, 200, NULL);
}
END_TEST

Suite *limits_suite(void)
{
    Suite *s = suite_create("limits");
    TCase *tc = tcase_create("limits");
    tcase_add_test(tc, burst_then_429_per_key);
    tcase_add_test(tc, metrics_on_their_own_listener);
    tcase_add_test(tc, auth_failures_limited_per_address); /* last: it blocks the address */
    suite_add_tcase(s, tc);
    return s;
}
