/* /v1/jobs over HTTP, and the schedule slot function across daylight-saving days. Jobs are
 * written straight into the ledger here: the worker's side has its own fault suite. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "integration.h"
#include "xalloc.h"

/* Inserts a job in the given state and returns its id (caller frees). */
static char *jobs_insert(PGconn *db, const char *kind, const char *status, const char *by)
{
    const char *p[] = {kind, status, by};
    PGresult *res = PQexecParams(db,
                                 "INSERT INTO jobs (kind, status, attempts, max_attempts, "
                                 "last_error, finished_at, requested_by) VALUES ($1, $2, 3, 3, "
                                 "'boom', CASE WHEN $2 = 'dead' THEN now() END, $3) RETURNING id",
                                 3, NULL, p, NULL, NULL, 0);
    ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    char *id = xstrdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    return id;
}

START_TEST(job_read_and_retry)
{
    PGconn *db = test_db();
    char *kind = test_unique("itest.kind");
    for (char *c = kind; *c; c++)
        if (*c == ' ')
            *c = '-';
    char *id = jobs_insert(db, kind, "dead", NULL);
    char *path = test_fmt("/v1/jobs/%s", id);
    struct http_resp *r = test_call("GET", path, test_admin(), NULL, 200, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "status")), "dead");
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "last_error")), "boom");
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "attempts")), 3);
    const char *fields[] = {"id",     "kind",       "status",     "attempts",   "max_attempts",
                            "run_at", "last_error", "created_at", "finished_at"};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++)
        ck_assert_msg(json_object_get(r->json, fields[i]) != NULL, "no %s", fields[i]);
    http_free(r);

    char *list = test_fmt("/v1/jobs?status=dead&kind=%s", kind);
    r = test_call("GET", list, test_admin(), NULL, 200, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
    http_free(r);

    char *retry = test_fmt("/v1/jobs/%s/retry", id);
    r = test_call("POST", retry, test_admin(), NULL, 202, NULL);
    ck_assert_str_eq(http_header(r, "Location"), path);
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "status")), "queued");
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "max_attempts")), 3 + 8);
    http_free(r);
    /* Queued now: not retryable again. */
    test_expect("POST", retry, test_admin(), NULL, 409, "conflict");
    test_expect("POST", "/v1/jobs/00000000-0000-0000-0000-000000000000/retry", test_admin(), NULL,
                404, NULL);
    /* Nothing runs kinds nobody registered: leave the row as the test found it. */
    PGresult *res = PQexec(db, "DELETE FROM jobs WHERE kind LIKE 'itest.kind%'");
    PQclear(res);
    free(id);
    PQfinish(db);
}
END_TEST

START_TEST(job_visibility)
{
    PGconn *db = test_db();
    char *school = test_school(NULL);
    char *token = test_key("school", school);
    /* The key's id, found by its prefix in the database: the oldest 200 school keys of the list
     * need not hold it once other suites (the scope matrix) have made theirs. */
    char prefix[13];
    snprintf(prefix, sizeof prefix, "%s", token);
    const char *pp[] = {prefix};
    PGresult *key =
        PQexecParams(db, "SELECT id FROM api_keys WHERE prefix = $1", 1, NULL, pp, NULL, NULL, 0);
    ck_assert_int_eq(PQntuples(key), 1);
    char *mine = jobs_insert(db, "itest.visibility", "failed", PQgetvalue(key, 0, 0));
    char *theirs = jobs_insert(db, "itest.visibility", "failed", NULL);
    PQclear(key);
    char *p1 = test_fmt("/v1/jobs/%s", mine), *p2 = test_fmt("/v1/jobs/%s", theirs);
    test_expect("GET", p1, token, NULL, 200, NULL);
    test_expect("GET", p2, token, NULL, 404, NULL);
    test_expect("GET", "/v1/jobs", token, NULL, 403, NULL);
    char *retry = test_fmt("/v1/jobs/%s/retry", mine);
    test_expect("POST", retry, token, NULL, 403, NULL);
    test_expect("GET", "/v1/jobs?status=lost", test_admin(), NULL, 422, NULL);
    PGresult *res = PQexec(db, "DELETE FROM jobs WHERE kind = 'itest.visibility'");
    PQclear(res);
    free(mine);
    free(theirs);
    PQfinish(db);
}
END_TEST

/* The nightly slot keeps its wall-clock time in Europe/London across both changes of 2026
 * (29 March, 25 October): one slot a day, 23 and 25 hours apart on those days. */
START_TEST(digest_slot_across_dst)
{
    PGconn *db = test_db();
    PGresult *res = PQexec(
        db, "SELECT to_char(spp_local_slot(d::date, '02:00', 'Europe/London') AT TIME ZONE 'UTC', "
            "'YYYY-MM-DD HH24:MI'), EXTRACT(EPOCH FROM spp_local_slot(d::date + 1, '02:00', "
            "'Europe/London') - spp_local_slot(d::date, '02:00', 'Europe/London'))::int / 3600 "
            "FROM unnest(ARRAY['2026-03-28', '2026-03-29', '2026-10-24', '2026-10-25']) d");
    ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    ck_assert_str_eq(PQgetvalue(res, 0, 0), "2026-03-28 02:00"); /* GMT */
    ck_assert_str_eq(PQgetvalue(res, 0, 1), "23");               /* the night the clocks go on */
    ck_assert_str_eq(PQgetvalue(res, 1, 0), "2026-03-29 01:00"); /* BST */
    ck_assert_str_eq(PQgetvalue(res, 1, 1), "24");
    ck_assert_str_eq(PQgetvalue(res, 2, 0), "2026-10-24 01:00"); /* BST */
    ck_assert_str_eq(PQgetvalue(res, 2, 1), "25");               /* the night they go back */
    ck_assert_str_eq(PQgetvalue(res, 3, 0), "2026-10-25 02:00"); /* GMT */
    PQclear(res);
    /* A time in the spring gap and a repeated autumn time still give one instant a day. */
    res = PQexec(db, "SELECT count(DISTINCT spp_local_slot(d::date, '01:30', 'Europe/London')) "
                     "FROM unnest(ARRAY['2026-03-29', '2026-10-25']) d");
    ck_assert_str_eq(PQgetvalue(res, 0, 0), "2");
    PQclear(res);
    PQfinish(db);
}
END_TEST

START_TEST(metrics_summarise_jobs)
{
    struct http_resp *r = test_call("GET", "/metrics", NULL, NULL, 200, NULL);
    ck_assert_ptr_nonnull(strstr(r->body, "spp_jobs{status=\"dead\"}"));
    ck_assert_ptr_nonnull(strstr(r->body, "spp_jobs_oldest_due_seconds"));
    http_free(r);
}
END_TEST

Suite *jobs_suite(void)
{
    Suite *s = suite_create("jobs");
    TCase *tc = tcase_create("jobs");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, job_read_and_retry);
    tcase_add_test(tc, job_visibility);
    tcase_add_test(tc, digest_slot_across_dst);
    tcase_add_test(tc, metrics_summarise_jobs);
    suite_add_tcase(s, tc);
    return s;
}
