/* CORS, against an API started with SPP_CORS_ORIGINS=https://app.example.org. */
#include <string.h>

#include "integration.h"

START_TEST(preflight_answered)
{
    const char *h[] = {"Origin: https://app.example.org", "Access-Control-Request-Method: PATCH",
                       "Access-Control-Request-Headers: authorization, if-match", NULL};
    struct http_resp *r =
        http_call("OPTIONS", "/v1/schools/00000000-0000-0000-0000-000000000001", NULL, NULL, h);
    ck_assert_int_eq(r->status, 204);
    ck_assert_str_eq(http_header(r, "Access-Control-Allow-Origin"), "https://app.example.org");
    ck_assert_ptr_nonnull(strstr(http_header(r, "Access-Control-Allow-Methods"), "PATCH"));
    ck_assert_ptr_nonnull(strstr(http_header(r, "Access-Control-Allow-Headers"), "If-Match"));
    http_free(r);
}
END_TEST

START_TEST(simple_request_gets_origin_and_exposed_headers)
{
    const char *h[] = {"Origin: https://app.example.org", NULL};
    struct http_resp *r = http_call("GET", "/v1/schools?limit=1", test_admin(), NULL, h);
    ck_assert_int_eq(r->status, 200);
    ck_assert_str_eq(http_header(r, "Access-Control-Allow-Origin"), "https://app.example.org");
    ck_assert_ptr_nonnull(strstr(http_header(r, "Access-Control-Expose-Headers"), "ETag"));
    http_free(r);
    const char *evil[] = {"Origin: https://evil.example", NULL};
    r = http_call("GET", "/v1/schools?limit=1", test_admin(), NULL, evil);
    ck_assert_int_eq(r->status, 200);
    ck_assert_ptr_null(http_header(r, "Access-Control-Allow-Origin"));
    http_free(r);
}
END_TEST

Suite *cors_suite(void)
{
    Suite *s = suite_create("cors");
    TCase *tc = tcase_create("cors");
    tcase_add_test(tc, preflight_answered);
    tcase_add_test(tc, simple_request_gets_origin_and_exposed_headers);
    suite_add_tcase(s, tc);
    return s;
}
