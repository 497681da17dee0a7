/* The server's edge (issue 9, DESIGN §3 "Before authentication"): bodies on methods that take
 * none, and /metrics that does not count the jobs table on every scrape. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "integration.h"
#include "xalloc.h"

#define EDGE_LIMIT (1024 * 1024)

static char *edge_body(size_t n)
{
    char *body = xmalloc(n + 1);
    memset(body, ' ', n);
    body[0] = '{';
    body[n - 1] = '}';
    body[n] = '\0';
    return body;
}

START_TEST(body_on_get_over_limit_413)
{
    char *big = edge_body(EDGE_LIMIT + 100);
    const char *methods[] = {"GET", "DELETE", "OPTIONS"};
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++) {
        struct http_resp *r = http_call(methods[i], "/v1/schools?limit=1", test_admin(), big, NULL);
        ck_assert_msg(r->status == 413, "%s with a body over 1 MiB answered %ld", methods[i],
                      r->status);
        http_free(r);
    }
    /* HEAD: libevent reads no body there, so the declared length decides. */
    const char *h[] = {"Content-Length: 1048676", NULL};
    test_expect_headers("HEAD", "/v1/schools?limit=1", test_admin(), NULL, h, 413, NULL);
    free(big);
    /* A small body on a method that takes none is not read and changes nothing. */
    char *small = edge_body(100);
    test_expect("GET", "/v1/schools?limit=1", test_admin(), small, 200, NULL);
    free(small);
}
END_TEST

/* The value of a metric line "name value" in a /metrics text, or -1 when absent. */
static double edge_metric(const char *text, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (!strncmp(p, name, n) && p[n] == ' ')
            return atof(p + n + 1);
    }
    return -1;
}

static char *edge_scrape(void)
{
    struct http_resp *r = test_call("GET", "/metrics", NULL, NULL, 200, NULL);
    char *text = xstrdup(r->body);
    http_free(r);
    return text;
}

START_TEST(metrics_jobs_sampled_not_counted_per_scrape)
{
    PGconn *db = PQconnectdb(getenv("SPP_TEST_DATABASE_URL"));
    ck_assert_int_eq(PQstatus(db), CONNECTION_OK);
    /* Wait for a fresh sample, so that the next scrapes fall inside its lifetime. */
    char *before = NULL;
    for (int i = 0; i < 80; i++) {
        free(before);
        before = edge_scrape();
        double age = edge_metric(before, "spp_jobs_sample_age_seconds");
        ck_assert_msg(age >= 0, "no spp_jobs_sample_age_seconds in /metrics");
        if (age < 0.5)
            break;
        usleep(100000);
    }
    double dead = edge_metric(before, "spp_jobs{status=\"dead\"}");
    ck_assert(dead >= 0);
    PGresult *res = PQexec(db, "INSERT INTO jobs (kind, status, finished_at) "
                               "VALUES ('edge.metrics', 'dead', now())");
    ck_assert_int_eq(PQresultStatus(res), PGRES_COMMAND_OK);
    PQclear(res);
    /* Scrapes right after: served from the same sample (its age only grows), so none counts
     * the table again and none sees the new row. */
    double prev_age = edge_metric(before, "spp_jobs_sample_age_seconds");
    int same = 0;
    for (int i = 0; i < 10; i++) {
        char *now = edge_scrape();
        double age = edge_metric(now, "spp_jobs_sample_age_seconds");
        if (age < prev_age) {
            free(now);
            break; /* a new sample */
        }
        ck_assert_msg(edge_metric(now, "spp_jobs{status=\"dead\"}") == dead,
                      "a scrape %.3f s into the sample counted the jobs table again", age);
        prev_age = age;
        same++;
        free(now);
    }
    ck_assert_int_ge(same, 5);
    /* A later sample sees the new row. */
    double later = -1;
    for (int i = 0; i < 80 && later < dead + 1; i++) {
        usleep(100000);
        char *now = edge_scrape();
        later = edge_metric(now, "spp_jobs{status=\"dead\"}");
        free(now);
    }
    ck_assert(later >= dead + 1);
    res = PQexec(db, "DELETE FROM jobs WHERE kind = 'edge.metrics'");
    PQclear(res);
    PQfinish(db);
    free(before);
}
END_TEST

Suite *edge_suite(void)
{
    Suite *s = suite_create("edge");
    TCase *tc = tcase_create("edge");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, body_on_get_over_limit_413);
    tcase_add_test(tc, metrics_jobs_sampled_not_counted_per_scrape);
    suite_add_tcase(s, tc);
    return s;
}
