/* API keys, hashed storage, revocation, and the scope rules seen through schools. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fixtures.h"
#include "integration.h"
#include "token.h"
#include "xalloc.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(key_token_shown_once_and_stored_hashed)
{
    struct http_resp *r = test_call("POST", "/v1/api-keys", test_admin(),
                                    "{\"name\":\"integration\",\"role\":\"admin\"}", 201, NULL);
    const char *token = json_string_value(json_object_get(r->json, "token"));
    ck_assert_ptr_nonnull(token);
    ck_assert(strncmp(token, "spp_", 4) == 0);
    const char *prefix = json_string_value(json_object_get(r->json, "prefix"));
    ck_assert(strncmp(token, prefix, strlen(prefix)) == 0);
    char *tok = xstrdup(token);
    char *id = xstrdup(json_string_value(json_object_get(r->json, "id")));
    char *path = test_fmt("/v1/api-keys/%s", id);
    ck_assert_str_eq(http_header(r, "Location"), path);
    http_free(r);

    /* The new key works at once; reading it back never shows the token. */
    r = test_call("GET", path, tok, NULL, 200, NULL);
    ck_assert_ptr_null(json_object_get(r->json, "token"));
    ck_assert_ptr_null(strstr(r->body, tok));
    http_free(r);
    r = test_call("GET", "/v1/api-keys?limit=200", test_admin(), NULL, 200, NULL);
    ck_assert_ptr_null(strstr(r->body, tok));
    http_free(r);

    /* In the database: the SHA-256 of the token, never the token. */
    ck_assert_int_eq(test_sql_long("SELECT count(*) FROM api_keys WHERE id = $1", id), 1);
    char hash[TOKEN_HASH_HEX];
    token_hash(tok, strlen(tok), hash);
    char *stored = test_sql_value("SELECT token_hash FROM api_keys WHERE id = $1", id);
    ck_assert_str_eq(stored, hash);
    char *row = test_sql_value("SELECT row_to_json(k)::text FROM api_keys k WHERE id = $1", id);
    ck_assert_ptr_null(strstr(row, tok + 4));
    free(id);
    free(tok);
}
END_TEST

START_TEST(revoked_key_stops_within_five_seconds)
{
    char *tok = test_key("admin", NULL);
    /* Warm the cache so the revocation has to outlive it. */
    test_expect("GET", "/v1/schools?limit=1", tok, NULL, 200, NULL);
    /* Admin keys only: other suites (the scope matrix) make hundreds of keys of other roles, and
     * the oldest 200 of all of them need not hold this one. */
    struct http_resp *r =
        http_call("GET", "/v1/api-keys?role=admin&limit=200", test_admin(), NULL, NULL);
    const char *id = NULL;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(r->json, "items"), i, it)
    {
        if (!strncmp(tok, json_string_value(json_object_get(it, "prefix")), 12))
            id = json_string_value(json_object_get(it, "id"));
    }
    ck_assert_ptr_nonnull(id);
    char *path = test_fmt("/v1/api-keys/%s", id);
    http_free(r);
    test_expect("DELETE", path, test_admin(), NULL, 204, NULL);
    double start = now_s();
    long status = 200;
    while (status == 200 && now_s() - start < 10) {
        r = http_call("GET", "/v1/schools?limit=1", tok, NULL, NULL);
        status = r->status;
        http_free(r);
        if (status == 200)
            usleep(100000);
    }
    ck_assert_int_eq(status, 401);
    ck_assert_msg(now_s() - start <= 5.0, "revoked key worked for %.1f s", now_s() - start);
    r = http_call("GET", path, test_admin(), NULL, NULL);
    ck_assert_ptr_nonnull(json_string_value(json_object_get(r->json, "revoked_at")));
    http_free(r);
}
END_TEST

START_TEST(key_validation)
{
    test_expect("POST", "/v1/api-keys", test_admin(),
                "{\"name\":\"x\",\"role\":\"admin\",\"scope_id\":"
                "\"00000000-0000-0000-0000-000000000000\"}",
                422, NULL);
    test_expect("POST", "/v1/api-keys", test_admin(), "{\"name\":\"x\",\"role\":\"school\"}", 422,
                NULL);
    test_expect("POST", "/v1/api-keys", test_admin(),
                "{\"name\":\"x\",\"role\":\"school\",\"scope_id\":"
                "\"00000000-0000-0000-0000-000000000000\"}",
                422, NULL);
    test_expect_errors("POST", "/v1/api-keys", test_admin(), "{\"role\":\"root\",\"extra\":1}", 422,
                       NULL, 3);
}
END_TEST

START_TEST(replayed_key_creation_hides_the_token)
{
    char *key = test_unique("idem-key");
    for (char *c = key; *c; c++)
        if (*c == ' ')
            *c = '-';
    char *hk = test_fmt("Idempotency-Key: %s", key);
    const char *h[] = {hk, NULL};
    const char *body = "{\"name\":\"replayed\",\"role\":\"admin\"}";
    struct http_resp *a = http_call("POST", "/v1/api-keys", test_admin(), body, h);
    ck_assert_int_eq(a->status, 201);
    ck_assert_ptr_nonnull(json_object_get(a->json, "token"));
    struct http_resp *b = http_call("POST", "/v1/api-keys", test_admin(), body, h);
    ck_assert_int_eq(b->status, 201);
    ck_assert_ptr_null(json_object_get(b->json, "token"));
    ck_assert_str_eq(json_string_value(json_object_get(a->json, "id")),
                     json_string_value(json_object_get(b->json, "id")));
    http_free(a);
    http_free(b);
}
END_TEST

START_TEST(school_key_scope)
{
    char *mine = test_school(NULL), *other = test_school(NULL);
    char *tok = test_key("school", mine);
    char *mine_path = test_fmt("/v1/schools/%s", mine);
    char *other_path = test_fmt("/v1/schools/%s", other);
    test_expect("GET", mine_path, tok, NULL, 200, NULL);
    test_expect("GET", other_path, tok, NULL, 404, NULL);
    test_expect("PATCH", other_path, tok, "{\"name\":\"Mine now\"}", 404, NULL);
    test_expect("PATCH", mine_path, tok, "{\"postcode\":\"YO1 7HH\"}", 200, NULL);
    test_expect("DELETE", mine_path, tok, NULL, 403, "forbidden");
    struct http_resp *r = test_call("GET", "/v1/schools?limit=200", tok, NULL, 200, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
    http_free(r);
    test_expect("POST", "/v1/schools", tok,
                "{\"urn\":\"1000001\",\"name\":\"N\",\"phase_of_education\":\"primary\","
                "\"local_authority\":\"Leeds\"}",
                403, NULL);
    test_expect("GET", "/v1/api-keys", tok, NULL, 403, NULL);
}
END_TEST

Suite *auth_suite(void)
{
    Suite *s = suite_create("auth");
    TCase *tc = tcase_create("auth");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, key_token_shown_once_and_stored_hashed);
    tcase_add_test(tc, revoked_key_stops_within_five_seconds);
    tcase_add_test(tc, key_validation);
    tcase_add_test(tc, replayed_key_creation_hides_the_token);
    tcase_add_test(tc, school_key_scope);
    suite_add_tcase(s, tc);
    return s;
}
