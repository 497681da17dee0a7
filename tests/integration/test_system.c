#include <string.h>

#include "integration.h"

START_TEST(healthz_ok)
{
    struct http_resp *r = test_call("GET", "/healthz", NULL, NULL, 200, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "status")), "ok");
    ck_assert_ptr_nonnull(http_header(r, "X-Request-Id"));
    http_free(r);
}
END_TEST

START_TEST(readyz_ok)
{
    struct http_resp *r = test_call("GET", "/readyz", NULL, NULL, 200, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "postgres")), "ok");
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "redis")), "ok");
    http_free(r);
}
END_TEST

START_TEST(metrics_prometheus)
{
    struct http_resp *h = http_call("GET", "/healthz", NULL, NULL, NULL);
    http_free(h);
    struct http_resp *r = test_call("GET", "/metrics", NULL, NULL, 200, NULL);
    ck_assert_ptr_nonnull(strstr(http_header(r, "Content-Type"), "text/plain"));
    ck_assert_ptr_nonnull(strstr(r->body, "# TYPE spp_http_requests_total counter"));
    ck_assert_ptr_nonnull(strstr(
        r->body, "spp_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}"));
    ck_assert_ptr_nonnull(strstr(r->body, "spp_http_request_duration_seconds_bucket"));
    ck_assert_ptr_nonnull(strstr(r->body, "spp_http_queue_depth"));
    http_free(r);
}
END_TEST

START_TEST(openapi_served)
{
    struct http_resp *r = test_call("GET", "/openapi.yaml", NULL, NULL, 200, NULL);
    ck_assert_ptr_nonnull(strstr(r->body, "openapi: 3.1"));
    http_free(r);
}
END_TEST

START_TEST(request_id_echoed)
{
    const char *h[] = {"X-Request-Id: trace-abc-123", NULL};
    struct http_resp *r = http_call("GET", "/healthz", NULL, NULL, h);
    ck_assert_str_eq(http_header(r, "X-Request-Id"), "trace-abc-123");
    http_free(r);
}
END_TEST

Suite *system_suite(void)
{
    Suite *s = suite_create("system");
    TCase *tc = tcase_create("system");
    tcase_add_test(tc, healthz_ok);
    tcase_add_test(tc, readyz_ok);
    tcase_add_test(tc, metrics_prometheus);
    tcase_add_test(tc, openapi_served);
    tcase_add_test(tc, request_id_echoed);
    suite_add_tcase(s, tc);
    return s;
}
