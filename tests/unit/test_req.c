/* The request's parts that need no connection (services/api/req.c): the query string's
 * decoding, the query check against a route's parameters and the problem it answers with,
 * If-Match against the current version, and the page a list is asked for. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "cursor.h"
#include "req.h"
#include "unit.h"

/* The errors of r's answer, which must be a 422 validation problem; borrowed from *doc, which
 * the caller frees. */
static json_t *req_test_errors(const struct req *r, json_t **doc)
{
    ck_assert_int_eq(r->status, 422);
    ck_assert_str_eq(r->content_type_out, "application/problem+json");
    *doc = json_loadb(r->resp_body, r->resp_len, 0, NULL);
    ck_assert_ptr_nonnull(*doc);
    ck_assert_str_eq(json_string_value(json_object_get(*doc, "code")), "validation_failed");
    ck_assert_int_eq(json_integer_value(json_object_get(*doc, "status")), 422);
    return json_object_get(*doc, "errors");
}

START_TEST(req_query_decoding)
{
    struct req *r = req_new();
    req_parse_query(r, "a=1&b=hello+world&c=%41%62%2f&&d=&e&f=%zz%4&g=x%00y&h=a=b&%6b%65%79=v");
    ck_assert_uint_eq(r->nquery, 9);
    ck_assert_str_eq(req_query_get(r, "a"), "1");
    ck_assert_str_eq(req_query_get(r, "b"), "hello world");
    ck_assert_str_eq(req_query_get(r, "c"), "Ab/");
    /* name= and a bare name have no value: kept, and marked for the check to refuse. */
    ck_assert_str_eq(req_query_get(r, "d"), "");
    ck_assert_str_eq(r->query[3].rule, "missing_value");
    ck_assert_str_eq(req_query_get(r, "e"), "");
    ck_assert_str_eq(r->query[4].rule, "missing_value");
    /* A '%' without two hex digits stays as it is. */
    ck_assert_str_eq(req_query_get(r, "f"), "%zz%4");
    ck_assert_ptr_null(r->query[5].rule);
    /* A NUL byte is refused, never cut at. */
    ck_assert_str_eq(r->query[6].rule, "format");
    /* The value runs from the first '='. */
    ck_assert_str_eq(req_query_get(r, "h"), "a=b");
    ck_assert_str_eq(req_query_get(r, "key"), "v");
    ck_assert_ptr_null(req_query_get(r, "z"));
    req_free(r);

    r = req_new();
    req_parse_query(r, "");
    ck_assert_uint_eq(r->nquery, 0);
    req_parse_query(r, "&&&");
    ck_assert_uint_eq(r->nquery, 0);
    req_free(r);
}
END_TEST

static const char *const req_test_states[] = {"queued", "dead", NULL};
static const struct vfield req_test_filters[] = {
    {"status", V_ENUM, 0, 0, req_test_states, 0, 0},
    {"kind", V_NAME, 0, 0, NULL, 0, 0},
    {"flag", V_BOOL, 0, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

START_TEST(req_query_check_passes)
{
    struct cursor c = {1700000000000000LL, "4f1c2b3a-0000-4000-8000-000000000001"};
    char text[CURSOR_MAX], query[256];
    cursor_encode(&c, text);
    snprintf(query, sizeof query, "status=dead&kind=digest.compile&flag=true&limit=200&cursor=%s",
             text);
    struct req *r = req_new();
    req_parse_query(r, query);
    ck_assert_int_eq(req_check_query(r, req_test_filters, 1), 0);
    ck_assert_int_eq(r->status, 0);
    struct page pg;
    req_page(r, &pg);
    ck_assert_int_eq(pg.limit, 200);
    ck_assert_str_eq(pg.limit_plus_one, "201");
    ck_assert_str_eq(pg.cursor_micros, "1700000000000000");
    ck_assert_str_eq(pg.cursor_id, c.id);
    req_free(r);

    /* No parameters at all; a page of 50 from the start. */
    r = req_new();
    req_parse_query(r, "");
    ck_assert_int_eq(req_check_query(r, NULL, 0), 0);
    req_page(r, &pg);
    ck_assert_int_eq(pg.limit, 50);
    ck_assert_str_eq(pg.limit_plus_one, "51");
    ck_assert_ptr_null(pg.cursor_micros);
    ck_assert_ptr_null(pg.cursor_id);
    req_free(r);
}
END_TEST

/* Parses query, asserts that req_check_query (paging or not) refuses it with one error for each
 * {field, rule} of want and, unless total is 0, exactly total errors. */
static void query_refused(const char *query, int paging, const char *const (*want)[2], size_t nwant,
                          size_t total)
{
    struct req *r = req_new();
    req_parse_query(r, query);
    ck_assert_int_eq(req_check_query(r, req_test_filters, paging), -1);
    json_t *doc;
    const json_t *errors = req_test_errors(r, &doc);
    ck_assert_msg(unit_errors_has(errors, want[0][0], want[0][1]), "%s", r->resp_body);
    unit_assert_errors(errors, want + 1, nwant - 1);
    if (total)
        ck_assert_uint_eq(json_array_size(errors), total);
    json_decref(doc);
    req_free(r);
}

/* Every problem of the query is listed in one 422, each repeat once, and paging parameters are
 * unknown on a route that does not page. */
START_TEST(req_query_check_refuses)
{
    static const char *const every[][2] = {
        {"status", "enum"},
        {"flag", "type"},
        {"limit", "range"},
        {"cursor", "format"},
        {"colour", "unknown_parameter"},
        {"kind", "repeated"},
        {"status", "missing_value"},
        {"x", "unknown_parameter"},
    };
    query_refused("status=alive&flag=yes&limit=0&cursor=nope&colour=red&kind=a&kind=b&"
                  "kind=c&status&x=%00",
                  1, every, 8, 8);
    static const char *const paging[][2] = {{"limit", "unknown_parameter"}};
    query_refused("limit=10", 0, paging, 1, 1);
    /* Not UTF-8. */
    static const char *const utf8[][2] = {{"kind", "format"}};
    query_refused("kind=%ff%fe", 0, utf8, 1, 0);
}
END_TEST

/* If-Match (RFC 9110 §13.1.1): any of a list of tags, strong or weak, quoted or not, or '*';
 * without the header there is nothing to check. A mismatch is answered 412. */
START_TEST(req_if_match_tags)
{
    static const char *const match[] = {
        "\"v7\"", "W/\"v7\"", "*", "\"v6\", \"v7\"", "\"v1\",\"v7\"", "v7", " , \"v7\"",
    };
    for (size_t i = 0; i < sizeof match / sizeof *match; i++) {
        struct req *r = req_new();
        r->if_match = (char *)match[i];
        ck_assert_msg(req_if_match(r, "v7") == 0, "%s", match[i]);
        ck_assert_int_eq(r->status, 0);
        req_free(r);
    }
    static const char *const differ[] = {
        "\"v8\"", "\"v\"", "\"v77\"", "W/\"v\"", "\"v6\", \"v8\"", "", " , ", "\"V7\"",
    };
    for (size_t i = 0; i < sizeof differ / sizeof *differ; i++) {
        struct req *r = req_new();
        r->if_match = (char *)differ[i];
        ck_assert_msg(req_if_match(r, "v7") == -1, "%s", differ[i]);
        ck_assert_int_eq(r->status, 412);
        json_t *doc = json_loadb(r->resp_body, r->resp_len, 0, NULL);
        ck_assert_str_eq(json_string_value(json_object_get(doc, "code")), "precondition_failed");
        ck_assert_str_eq(json_string_value(json_object_get(doc, "type")),
                         "urn:spp:problem:precondition_failed");
        json_decref(doc);
        req_free(r);
    }
    struct req *r = req_new();
    ck_assert_int_eq(req_if_match(r, "v7"), 0);
    req_free(r);
}
END_TEST

/* The ETag is the version quoted; headers beyond the table's room are dropped, not overrun. */
START_TEST(req_headers_out)
{
    struct req *r = req_new();
    req_etag(r, "42");
    ck_assert_int_eq(r->nresp_headers, 1);
    ck_assert_str_eq(r->resp_headers[0][0], "ETag");
    ck_assert_str_eq(r->resp_headers[0][1], "\"42\"");
    for (int i = 0; i < REQ_MAX_HEADERS + 5; i++)
        req_header(r, "X-Test", "1");
    ck_assert_int_eq(r->nresp_headers, REQ_MAX_HEADERS);
    req_free(r);
}
END_TEST

Suite *req_suite(void)
{
    Suite *s = suite_create("req");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, req_query_decoding);
    tcase_add_test(tc, req_query_check_passes);
    tcase_add_test(tc, req_query_check_refuses);
    tcase_add_test(tc, req_if_match_tags);
    tcase_add_test(tc, req_headers_out);
    suite_add_tcase(s, tc);
    return s;
}
