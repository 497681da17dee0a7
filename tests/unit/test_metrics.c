/* The API's /metrics text (services/api/metrics.c) from the counters alone: requests by route
 * and status, the latency histogram (cumulative buckets, +Inf, sum and count), the unmatched
 * slot, and the gauges it reads from elsewhere. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "metrics.h"
#include "router.h"
#include "unit.h"

static int metrics_test_depth(void)
{
    return 7;
}

void unit_assert_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)); p++)
        if ((p == text || p[-1] == '\n') && p[n] == '\n')
            return;
    ck_abort_msg("no line \"%s\" in:\n%s", line, text);
}

START_TEST(metrics_render_counters)
{
    ck_assert_uint_gt(routes_count, 1);
    const char *method = router_method_name(routes[1].method), *pattern = routes[1].pattern;
    metrics_observe(1, 200, 500);     /* 0.5 ms */
    metrics_observe(1, 200, 800);     /* 0.8 ms */
    metrics_observe(1, 404, 3000);    /* 3 ms */
    metrics_observe(1, 418, 7000000); /* a status not counted by name; beyond the last bucket */
    metrics_observe(-1, 404, 100);
    metrics_observe(100000, 405, 100); /* no such route: counted as unmatched */
    metrics_queue_depth_from(metrics_test_depth);

    struct buf b;
    buf_init(&b);
    metrics_render(&b);
    char line[512];
#define ROUTE_LINE(fmt, ...)                                                                       \
    (snprintf(line, sizeof line, fmt, __VA_ARGS__), unit_assert_line(b.data, line))
    ROUTE_LINE("spp_http_requests_total{method=\"%s\",route=\"%s\",status=\"200\"} 2", method,
               pattern);
    ROUTE_LINE("spp_http_requests_total{method=\"%s\",route=\"%s\",status=\"404\"} 1", method,
               pattern);
    ROUTE_LINE("spp_http_requests_total{method=\"%s\",route=\"%s\",status=\"other\"} 1", method,
               pattern);
    unit_assert_line(b.data,
                     "spp_http_requests_total{method=\"\",route=\"unmatched\",status=\"404\"} 1");
    unit_assert_line(b.data,
                     "spp_http_requests_total{method=\"\",route=\"unmatched\",status=\"405\"} 1");
    /* Cumulative buckets: two requests within 1 ms, the third by 5 ms, the slow one only in
     * +Inf. */
    ROUTE_LINE(
        "spp_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"0.001\"} 2",
        method, pattern);
    ROUTE_LINE(
        "spp_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"0.0025\"} 2",
        method, pattern);
    ROUTE_LINE(
        "spp_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"0.005\"} 3",
        method, pattern);
    ROUTE_LINE("spp_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"5\"} 3",
               method, pattern);
    ROUTE_LINE("spp_http_request_duration_seconds_bucket{method=\"%s\",route=\"%s\",le=\"+Inf\"} 4",
               method, pattern);
    ROUTE_LINE("spp_http_request_duration_seconds_sum{method=\"%s\",route=\"%s\"} 7.004300", method,
               pattern);
    ROUTE_LINE("spp_http_request_duration_seconds_count{method=\"%s\",route=\"%s\"} 4", method,
               pattern);
#undef ROUTE_LINE
    unit_assert_line(b.data, "spp_http_request_duration_seconds_count{method=\"\","
                             "route=\"unmatched\"} 2");
    unit_assert_line(b.data, "# TYPE spp_http_requests_total counter");
    unit_assert_line(b.data, "# TYPE spp_http_request_duration_seconds histogram");
    unit_assert_line(b.data, "spp_http_queue_depth 7");
    unit_assert_line(b.data, "spp_rate_limit_bypassed_total 0");
    unit_assert_line(b.data, "spp_auth_fail_limited_total 0");
    /* A route nobody asked for has no line at all. */
    char other[256];
    snprintf(other, sizeof other, "route=\"%s\"", routes[0].pattern);
    if (strcmp(routes[0].pattern, pattern) != 0)
        ck_assert_ptr_null(strstr(b.data, other));
    buf_cleanup(&b);
}
END_TEST

Suite *metrics_suite(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, metrics_render_counters);
    suite_add_tcase(s, tc);
    return s;
}
