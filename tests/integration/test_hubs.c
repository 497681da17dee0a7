/* /v1/hubs: create, read, list, merge patch, delete; 409 on a hub still in use; 412; scope. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "integration.h"
#include "xalloc.h"

static const char *hub_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* name lower-cased and URL-encoded for a query string (caller frees): a search for it in
 * another case must still find it. */
static char *hub_query_text(const char *name)
{
    char *q = xmalloc(strlen(name) * 3 + 1), *o = q;
    for (const char *c = name; *c; c++) {
        if (*c == ' ')
            o += sprintf(o, "%%20");
        else
            *o++ = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
    }
    *o = '\0';
    return q;
}

/* 1 when the list answer's items hold id. */
static int hub_listed(const struct http_resp *r, const char *id)
{
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(r->json, "items"), i, it)
    {
        if (!strcmp(hub_str(it, "id"), id))
            return 1;
    }
    return 0;
}

START_TEST(hub_create_read_list_update_delete)
{
    char *name = test_unique("Pennine Hub");
    char *body = test_fmt("{\"name\":\"%s\",\"region\":\"Yorkshire\","
                          "\"contact_email\":\"hub@pennine.example.org\"}",
                          name);
    char *id, *path;
    struct http_resp *r = test_expect_created("/v1/hubs", body, &id, &path);
    ck_assert_str_eq(hub_str(r->json, "name"), name);
    ck_assert_str_eq(hub_str(r->json, "region"), "Yorkshire");
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "version")), 1);
    http_free(r);

    r = test_call("GET", path, test_admin(), NULL, 200, NULL);
    ck_assert_str_eq(http_header(r, "ETag"), "\"1\"");
    ck_assert_str_eq(hub_str(r->json, "contact_email"), "hub@pennine.example.org");
    http_free(r);

    /* q is a case-insensitive name search; another hub does not match. */
    char *other = test_hub();
    char *q = hub_query_text(name);
    char *search = test_fmt("/v1/hubs?q=%s", q);
    r = test_call("GET", search, test_admin(), NULL, 200, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
    ck_assert(hub_listed(r, id));
    ck_assert(!hub_listed(r, other));
    http_free(r);
    free(q);

    /* Merge patch: null clears an optional field, fields left out stay. */
    const char *mp[] = {"Content-Type: application/merge-patch+json", NULL};
    r = http_call("PATCH", path, test_admin(), "{\"contact_email\":null,\"region\":\"North East\"}",
                  mp);
    ck_assert_int_eq(r->status, 200);
    ck_assert(json_is_null(json_object_get(r->json, "contact_email")));
    ck_assert_str_eq(hub_str(r->json, "region"), "North East");
    ck_assert_str_eq(hub_str(r->json, "name"), name);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "version")), 2);
    ck_assert_str_eq(http_header(r, "ETag"), "\"2\"");
    http_free(r);

    test_expect("PATCH", path, test_admin(), "{\"name\":null}", 422, "validation_failed");
    test_expect("PATCH", path, test_admin(), "{\"contact_email\":\"not an email\"}", 422, NULL);

    r = test_call("DELETE", path, test_admin(), NULL, 204, NULL);
    ck_assert_int_eq(r->body_len, 0);
    http_free(r);
    test_expect("GET", path, test_admin(), NULL, 404, "not_found");
}
END_TEST

START_TEST(hub_with_partnership_delete_409)
{
    char *hub = test_hub();
    test_partnership(hub);
    test_expect_in_use("hubs", hub);
}
END_TEST

START_TEST(hub_invalid_fields_422_lists_each)
{
    char *body = test_fmt("{\"name\":\"%s\",\"region\":7,\"contact_email\":\"nope\","
                          "\"grade\":\"outstanding\",\"version\":3}",
                          test_repeat('x', 201));
    const char *want[] = {"/name", "/region", "/contact_email", "/grade", "/version"};
    test_expect_invalid("/v1/hubs", body, want, 5, 5);
    /* A missing required field is named too. */
    test_expect_errors("POST", "/v1/hubs", test_admin(), "{}", 422, NULL, 2);
}
END_TEST

START_TEST(hub_stale_if_match_412)
{
    char *hub = test_hub();
    char *path = test_fmt("/v1/hubs/%s", hub);
    test_expect_stale_if_match(path, "{\"region\":\"Tees\"}", "{\"region\":\"Wear\"}");
    struct http_resp *r = http_call("GET", path, test_admin(), NULL, NULL);
    ck_assert_str_eq(hub_str(r->json, "region"), "Tees");
    http_free(r);
    const char *v2[] = {"If-Match: \"2\"", NULL};
    test_expect_headers("DELETE", path, test_admin(), NULL, v2, 204, NULL);
}
END_TEST

START_TEST(hub_key_scope)
{
    char *mine = test_hub(), *theirs = test_hub();
    char *key = test_key("hub", mine);
    char *my_path = test_fmt("/v1/hubs/%s", mine), *their_path = test_fmt("/v1/hubs/%s", theirs);

    test_expect("GET", my_path, key, NULL, 200, NULL);
    test_expect("GET", their_path, key, NULL, 404, NULL);
    struct http_resp *r = test_call("GET", "/v1/hubs?limit=200", key, NULL, 200, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
    ck_assert(hub_listed(r, mine));
    http_free(r);

    /* A hub key edits its hub but neither creates nor deletes hubs. */
    test_expect("PATCH", my_path, key, "{\"region\":\"Humber\"}", 200, NULL);
    test_expect("PATCH", their_path, key, "{\"region\":\"Humber\"}", 404, NULL);
    test_expect("DELETE", my_path, key, NULL, 403, "forbidden");
    test_expect("POST", "/v1/hubs", key, "{\"name\":\"Mine too\",\"region\":\"X\"}", 403, NULL);

    /* Keys bound lower down see no hub. */
    char *partnership = test_partnership(mine);
    char *pkey = test_key("partnership", partnership);
    test_expect("GET", my_path, pkey, NULL, 404, NULL);
    r = test_call("GET", "/v1/hubs", pkey, NULL, 200, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 0);
    http_free(r);
}
END_TEST

Suite *hubs_suite(void)
{
    Suite *s = suite_create("hubs");
    TCase *tc = tcase_create("hubs");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, hub_create_read_list_update_delete);
    tcase_add_test(tc, hub_with_partnership_delete_409);
    tcase_add_test(tc, hub_invalid_fields_422_lists_each);
    tcase_add_test(tc, hub_stale_if_match_412);
    tcase_add_test(tc, hub_key_scope);
    suite_add_tcase(s, tc);
    return s;
}
