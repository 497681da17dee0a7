/* What the API's loop thread answers itself (services/api/dispatch.c, dispatch_prepare): 404 and
 * 405 from the route table, the CORS preflight, path parameters that are no UUID, a body over
 * the limit, an address refused for failed authentications, inline routes; everything else
 * goes to a handler (run on a fiber of the loop thread). And the request id every answer carries.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "cors.h"
#include "dispatch.h"
#include "monotime.h"
#include "ratelimit.h"
#include "unit.h"

static struct config dispatch_test_cfg;

static void dispatch_test_setup(void)
{
    memset(&dispatch_test_cfg, 0, sizeof dispatch_test_cfg);
    dispatch_test_cfg.max_body_bytes = 1000;
    dispatch_test_cfg.cors_origins = "https://app.example.org";
    dispatch_test_cfg.rate_limit_per_s = 50;
    dispatch_test_cfg.rate_limit_burst = 100;
    dispatch_test_cfg.auth_fail_per_min = 2;
    dispatch_configure(&dispatch_test_cfg);
}

static struct req *dispatch_test_req(enum http_method m, const char *path)
{
    struct req *r = req_new();
    r->method = m;
    r->path = arena_strdup(&r->arena, path);
    r->peer = arena_strdup(&r->arena, "192.0.2.77");
    return r;
}

/* The value of response header name, or NULL. */
static const char *dispatch_test_header(const struct req *r, const char *name)
{
    for (int i = 0; i < r->nresp_headers; i++)
        if (!strcmp(r->resp_headers[i][0], name))
            return r->resp_headers[i][1];
    return NULL;
}

/* Asserts a problem answer with status and code. */
static void dispatch_test_problem(const struct req *r, int status, const char *code)
{
    ck_assert_int_eq(r->status, status);
    json_t *doc = json_loadb(r->resp_body, r->resp_len, 0, NULL);
    ck_assert_ptr_nonnull(doc);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "code")), code);
    json_decref(doc);
}

/* A plain request (no body, no origin) for path: what dispatch_prepare does and the status it
 * answers with (0 when it leaves the answer to a handler). */
static void dispatch_test_step(enum http_method m, const char *path, enum dispatch_step step,
                               int status)
{
    struct req *r = dispatch_test_req(m, path);
    ck_assert_msg(dispatch_prepare(r) == step, "%s", path);
    ck_assert_msg(r->status == status, "%s: %d", path, r->status);
    req_free(r);
}

START_TEST(dispatch_answers_from_the_loop)
{
    struct req *r = dispatch_test_req(HTTP_GET, "/v1/nothing-here");
    ck_assert_int_eq(dispatch_prepare(r), DISPATCH_DONE);
    dispatch_test_problem(r, 404, "not_found");
    req_free(r);

    r = dispatch_test_req(HTTP_DELETE, "/v1/schools");
    ck_assert_int_eq(dispatch_prepare(r), DISPATCH_DONE);
    dispatch_test_problem(r, 405, "method_not_allowed");
    ck_assert_str_eq(dispatch_test_header(r, "Allow"), "GET, POST");
    req_free(r);

    /* Every path parameter but a secret is a UUID: anything else names nothing. */
    r = dispatch_test_req(HTTP_GET, "/v1/schools/not-a-uuid");
    ck_assert_int_eq(dispatch_prepare(r), DISPATCH_DONE);
    dispatch_test_problem(r, 404, "not_found");
    req_free(r);

    r = dispatch_test_req(HTTP_POST, "/v1/schools");
    r->body_len = 1001;
    ck_assert_int_eq(dispatch_prepare(r), DISPATCH_DONE);
    dispatch_test_problem(r, 413, "payload_too_large");
    req_free(r);

    /* Inline: answered on the loop thread, no handler, no database. */
    dispatch_test_step(HTTP_GET, "/healthz", DISPATCH_DONE, 200);

    /* Everything else is a handler's. */
    r = dispatch_test_req(HTTP_GET, "/v1/schools/4f1c2b3a-0000-4000-8000-000000000001");
    ck_assert_int_eq(dispatch_prepare(r), DISPATCH_QUEUE);
    ck_assert_int_eq(r->status, 0);
    ck_assert_str_eq(r->param_values[0], "4f1c2b3a-0000-4000-8000-000000000001");
    req_free(r);
    r = dispatch_test_req(HTTP_POST, "/v1/schools");
    r->body_len = 1000;
    ck_assert_int_eq(dispatch_prepare(r), DISPATCH_QUEUE);
    req_free(r);
}
END_TEST

/* A preflight gets the methods the path takes; the CORS headers only for an allowed origin. */
START_TEST(dispatch_preflight)
{
    struct req *r = dispatch_test_req(HTTP_OPTIONS, "/v1/schools");
    r->origin = arena_strdup(&r->arena, "https://app.example.org");
    ck_assert_int_eq(dispatch_prepare(r), DISPATCH_DONE);
    ck_assert_int_eq(r->status, 204);
    ck_assert_str_eq(dispatch_test_header(r, "Allow"), "GET, POST, OPTIONS");
    ck_assert_str_eq(dispatch_test_header(r, "Access-Control-Allow-Methods"), "GET, POST, OPTIONS");
    ck_assert_str_eq(dispatch_test_header(r, "Access-Control-Allow-Headers"), CORS_ALLOW_HEADERS);
    ck_assert_str_eq(dispatch_test_header(r, "Access-Control-Max-Age"), "600");
    req_free(r);

    r = dispatch_test_req(HTTP_OPTIONS, "/v1/schools");
    r->origin = arena_strdup(&r->arena, "https://evil.example.org");
    ck_assert_int_eq(dispatch_prepare(r), DISPATCH_DONE);
    ck_assert_int_eq(r->status, 204);
    ck_assert_str_eq(dispatch_test_header(r, "Allow"), "GET, POST, OPTIONS");
    ck_assert_ptr_null(dispatch_test_header(r, "Access-Control-Allow-Methods"));
    req_free(r);
}
END_TEST

/* An address with too many failed authentications waits before it costs a handler;
 * public routes still answer it. */
START_TEST(dispatch_refuses_failing_address)
{
    ratelimit_auth_failed("192.0.2.77", monotime_now_us());
    ratelimit_auth_failed("192.0.2.77", monotime_now_us());
    struct req *r = dispatch_test_req(HTTP_GET, "/v1/schools");
    ck_assert_int_eq(dispatch_prepare(r), DISPATCH_DONE);
    dispatch_test_problem(r, 429, "rate_limited");
    const char *retry = dispatch_test_header(r, "Retry-After");
    ck_assert_ptr_nonnull(retry);
    ck_assert_int_ge(atoi(retry), 59);
    ck_assert_int_le(atoi(retry), 60);
    req_free(r);

    dispatch_test_step(HTTP_GET, "/healthz", DISPATCH_DONE, 200);

    /* Another address is not held back. */
    r = dispatch_test_req(HTTP_GET, "/v1/schools");
    r->peer = arena_strdup(&r->arena, "192.0.2.78");
    ck_assert_int_eq(dispatch_prepare(r), DISPATCH_QUEUE);
    req_free(r);
}
END_TEST

/* The client's X-Request-Id when it is 1 to 128 printable ASCII characters without quote or
 * backslash (it goes into a header and a JSON log line), else 16 hex digits made here, the same
 * on every call for one request. */
START_TEST(dispatch_request_ids)
{
    static const char *const kept[] = {"abc", "req-1:2/3", "~!#$%&'()*+,-./:;<=>?@[]^_`{|}"};
    for (size_t i = 0; i < sizeof kept / sizeof *kept; i++) {
        struct req *r = req_new();
        r->request_id = (char *)kept[i];
        ck_assert_str_eq(dispatch_request_id(r), kept[i]);
        req_free(r);
    }
    char longest[130];
    memset(longest, 'a', sizeof longest);
    longest[128] = '\0';
    struct req *r = req_new();
    r->request_id = longest;
    ck_assert_str_eq(dispatch_request_id(r), longest);
    req_free(r);
    longest[128] = 'a';
    longest[129] = '\0';
    const char *const replaced[] = {"",     "a b",   "a\"b", "a\\b", "caf\xc3\xa9",
                                    "a\tb", longest, NULL};
    char first[17] = "";
    for (size_t i = 0; i < sizeof replaced / sizeof *replaced; i++) {
        r = req_new();
        r->request_id = (char *)replaced[i];
        const char *id = dispatch_request_id(r);
        ck_assert_uint_eq(strlen(id), 16);
        ck_assert_uint_eq(strspn(id, "0123456789abcdef"), 16);
        ck_assert_ptr_eq(dispatch_request_id(r), id);
        ck_assert_str_ne(id, first);
        memcpy(first, id, sizeof first);
        req_free(r);
    }
}
END_TEST

Suite *dispatch_suite(void)
{
    TCase *tc = UNIT_TCASE("core", dispatch_answers_from_the_loop, dispatch_preflight,
                           dispatch_refuses_failing_address, dispatch_request_ids);
    tcase_add_checked_fixture(tc, dispatch_test_setup, NULL);
    return unit_suite("dispatch", tc);
}
