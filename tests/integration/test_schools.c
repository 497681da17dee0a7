#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "integration.h"
#include "xalloc.h"

START_TEST(school_create_read_list_update_delete)
{
    char *name = test_unique("Greenfield Primary");
    const char *urn = test_urn();
    char urn_copy[8];
    snprintf(urn_copy, sizeof urn_copy, "%s", urn);
    char *body = test_fmt("{\"urn\":\"%s\",\"name\":\"%s\",\"phase_of_education\":\"primary\","
                          "\"local_authority\":\"Leeds\",\"postcode\":\"LS1 4AP\"}",
                          urn_copy, name);
    char *id, *path;
    struct http_resp *r = test_expect_created("/v1/schools", body, &id, &path);
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "urn")), urn_copy);
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "name")), name);
    ck_assert(json_is_null(json_object_get(r->json, "partnership_id")));
    ck_assert_int_eq(strlen(json_string_value(json_object_get(r->json, "created_at"))), 20);
    http_free(r);

    r = test_call("GET", path, test_admin(), NULL, 200, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "postcode")), "LS1 4AP");
    http_free(r);

    /* q is a case-insensitive name search. */
    char *q = test_fmt("/v1/schools?q=%s", "greenfield%20PRIMARY");
    r = test_call("GET", q, test_admin(), NULL, 200, NULL);
    int found = 0;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(r->json, "items"), i, it)
    {
        if (!strcmp(json_string_value(json_object_get(it, "id")), strrchr(path, '/') + 1))
            found = 1;
    }
    ck_assert(found);
    http_free(r);

    /* merge patch: null clears an optional field, fields left out stay. */
    const char *mp[] = {"Content-Type: application/merge-patch+json", NULL};
    r = http_call("PATCH", path, test_admin(), "{\"postcode\":null,\"name\":\"Renamed\"}", mp);
    ck_assert_int_eq(r->status, 200);
    ck_assert(json_is_null(json_object_get(r->json, "postcode")));
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "name")), "Renamed");
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "urn")), urn_copy);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "version")), 2);
    http_free(r);

    /* null on a required field is refused and changes nothing. */
    test_expect("PATCH", path, test_admin(), "{\"name\":null}", 422, NULL);
    test_expect("PATCH", path, test_admin(), "{\"version\":7}", 422, NULL);
    r = http_call("GET", path, test_admin(), NULL, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "name")), "Renamed");
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "version")), 2);
    http_free(r);

    r = test_call("DELETE", path, test_admin(), NULL, 204, NULL);
    ck_assert_int_eq(r->body_len, 0);
    http_free(r);
    test_expect("GET", path, test_admin(), NULL, 404, NULL);
    test_expect("DELETE", path, test_admin(), NULL, 404, NULL);
}
END_TEST

START_TEST(school_duplicate_urn_409)
{
    char *id = test_school(NULL);
    char *path = test_fmt("/v1/schools/%s", id);
    struct http_resp *r = http_call("GET", path, test_admin(), NULL, NULL);
    char *body = test_fmt("{\"urn\":\"%s\",\"name\":\"Copy\",\"phase_of_education\":\"primary\","
                          "\"local_authority\":\"Leeds\"}",
                          json_string_value(json_object_get(r->json, "urn")));
    http_free(r);
    test_expect("POST", "/v1/schools", test_admin(), body, 409, "conflict");
}
END_TEST

START_TEST(school_unknown_partnership_422)
{
    struct http_resp *r =
        test_call("POST", "/v1/schools", test_admin(),
                  "{\"urn\":\"7654321\",\"name\":\"X\",\"phase_of_education\":\"primary\","
                  "\"local_authority\":\"Leeds\",\"partnership_id\":\"00000000-0000-0000-0000-"
                  "000000000000\"}",
                  422, NULL);
    ck_assert_str_eq(json_string_value(json_object_get(
                         json_array_get(json_object_get(r->json, "errors"), 0), "field")),
                     "/partnership_id");
    http_free(r);
}
END_TEST

Suite *schools_suite(void)
{
    Suite *s = suite_create("schools");
    TCase *tc = tcase_create("schools");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, school_create_read_list_update_delete);
    tcase_add_test(tc, school_duplicate_urn_409);
    tcase_add_test(tc, school_unknown_partnership_422);
    suite_add_tcase(s, tc);
    return s;
}
