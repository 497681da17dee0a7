/* /v1/people and a person's conflicts and unavailability: create, read, list filters, merge
 * patch (preferences key by key), unique email, deletes that would orphan records, 412 and
 * scope by key role. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "integration.h"
#include "xalloc.h"

static const char *person_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* The first error's member key of a problem answer ("" when none). */
static const char *person_error(const struct http_resp *r, const char *key)
{
    const json_t *e = json_array_get(json_object_get(r->json, "errors"), 0);
    const char *v = person_str(e, key);
    return v ? v : "";
}

/* The number of items of a list answer. */
static size_t person_count(const struct http_resp *r)
{
    return json_array_size(json_object_get(r->json, "items"));
}

/* The value of kind in the answer's notification_preferences (-1 when absent). */
static int person_pref(const struct http_resp *r, const char *kind)
{
    const json_t *v = json_object_get(json_object_get(r->json, "notification_preferences"), kind);
    return json_is_boolean(v) ? json_is_true(v) : -1;
}

START_TEST(person_create_read_list_update_delete)
{
    char *partnership = test_partnership(NULL);
    char *school = test_school(partnership), *other_school = test_school(NULL);
    char *name = test_unique("Amara Okafor");
    char *email = test_email("Staff");
    char *body = test_fmt("{\"school_id\":\"%s\",\"full_name\":\"%s\",\"email\":\"%s\","
                          "\"job_title\":\"Deputy Head\","
                          "\"notification_preferences\":{\"training_2d\":false}}",
                          school, name, email);
    char *id, *path;
    struct http_resp *r = test_expect_created("/v1/people", body, &id, &path);
    ck_assert_str_eq(person_str(r->json, "email"), email);
    ck_assert(json_is_true(json_object_get(r->json, "digest_opt_in")));
    /* Every reminder kind is stored, on unless the body said otherwise. */
    ck_assert_int_eq(json_object_size(json_object_get(r->json, "notification_preferences")), 8);
    ck_assert_int_eq(person_pref(r, "training_2d"), 0);
    ck_assert_int_eq(person_pref(r, "review_visit_7d"), 1);
    ck_assert_int_eq(person_pref(r, "review_planning_6w"), 1);
    http_free(r);

    test_person(other_school);
    r = test_call("GET", path, test_admin(), NULL, 200, NULL);
    ck_assert_str_eq(person_str(r->json, "job_title"), "Deputy Head");
    http_free(r);

    /* Filters: school_id, partnership_id, q (case-insensitive, on the name). */
    char *q = test_fmt("/v1/people?school_id=%s", school);
    r = test_call("GET", q, test_admin(), NULL, 200, NULL);
    ck_assert_int_eq(person_count(r), 1);
    ck_assert_str_eq(person_str(json_array_get(json_object_get(r->json, "items"), 0), "id"), id);
    http_free(r);
    q = test_fmt("/v1/people?partnership_id=%s", partnership);
    r = http_call("GET", q, test_admin(), NULL, NULL);
    ck_assert_int_eq(person_count(r), 1);
    http_free(r);
    q = test_fmt("/v1/people?school_id=%s&q=AMARA%%20okafor", school);
    r = http_call("GET", q, test_admin(), NULL, NULL);
    ck_assert_int_eq(person_count(r), 1);
    http_free(r);
    q = test_fmt("/v1/people?school_id=%s&q=Someone%%20Else", school);
    r = http_call("GET", q, test_admin(), NULL, NULL);
    ck_assert_int_eq(person_count(r), 0);
    http_free(r);

    /* Merge patch: preferences merge key by key; null clears job_title; the rest stays. */
    const char *mp[] = {"Content-Type: application/merge-patch+json", NULL};
    r = http_call("PATCH", path, test_admin(),
                  "{\"notification_preferences\":{\"workshop_3d\":false},\"job_title\":null,"
                  "\"digest_opt_in\":false}",
                  mp);
    ck_assert_int_eq(r->status, 200);
    ck_assert_int_eq(person_pref(r, "workshop_3d"), 0);
    ck_assert_int_eq(person_pref(r, "training_2d"), 0);
    ck_assert_int_eq(person_pref(r, "action_overdue"), 1);
    ck_assert(json_is_null(json_object_get(r->json, "job_title")));
    ck_assert(json_is_false(json_object_get(r->json, "digest_opt_in")));
    ck_assert_str_eq(person_str(r->json, "full_name"), name);
    ck_assert_str_eq(http_header(r, "ETag"), "\"2\"");
    http_free(r);
    r = test_call("PATCH", path, test_admin(),
                  "{\"notification_preferences\":{\"training_2d\":true}}", 200, NULL);
    ck_assert_int_eq(person_pref(r, "training_2d"), 1);
    ck_assert_int_eq(person_pref(r, "workshop_3d"), 0);
    http_free(r);

    /* Preferences cannot be nulled, and only known kinds with boolean values are taken. */
    test_expect_errors("PATCH", path, test_admin(),
                       "{\"notification_preferences\":null,\"digest_opt_in\":null}", 422, NULL, 2);
    test_expect_errors(
        "PATCH", path, test_admin(),
        "{\"notification_preferences\":{\"ofsted_alert\":true,\"workshop_3d\":\"on\"}}", 422, NULL,
        2);

    /* Moving a person to another school. */
    char *move = test_fmt("{\"school_id\":\"%s\"}", other_school);
    r = test_call("PATCH", path, test_admin(), move, 200, NULL);
    ck_assert_str_eq(person_str(r->json, "school_id"), other_school);
    http_free(r);

    test_expect("DELETE", path, test_admin(), NULL, 204, NULL);
    test_expect("GET", path, test_admin(), NULL, 404, NULL);
}
END_TEST

START_TEST(person_duplicate_email_409_ignores_case)
{
    char *school = test_school(NULL);
    char *u = test_unique("dup");
    for (char *c = u; *c; c++)
        if (*c == ' ')
            *c = '-';
    char *body =
        test_fmt("{\"school_id\":\"%s\",\"full_name\":\"A\",\"email\":\"A%s@x.org\"}", school, u);
    struct http_resp *r = test_call("POST", "/v1/people", test_admin(), body, 201, NULL);
    char *first = xstrdup(person_str(r->json, "id"));
    http_free(r);
    body =
        test_fmt("{\"school_id\":\"%s\",\"full_name\":\"B\",\"email\":\"a%s@x.org\"}", school, u);
    test_expect("POST", "/v1/people", test_admin(), body, 409, "conflict");

    /* The same through a PATCH of someone else. */
    char *second = test_person(school);
    char *path = test_fmt("/v1/people/%s", second);
    body = test_fmt("{\"email\":\"a%s@X.ORG\"}", u);
    test_expect("PATCH", path, test_admin(), body, 409, NULL);
    free(first);
}
END_TEST

START_TEST(school_with_person_delete_409)
{
    char *school = test_school(NULL), *person = test_person(school);
    test_expect_in_use("schools", school);

    /* A person with a declared conflict cannot be deleted either. */
    char *other = test_school(NULL);
    char *path = test_fmt("/v1/people/%s/conflicts", person);
    char *body = test_fmt("{\"school_id\":\"%s\",\"reason\":\"Governor there\"}", other);
    test_expect("POST", path, test_admin(), body, 201, NULL);
    path = test_fmt("/v1/people/%s", person);
    test_expect("DELETE", path, test_admin(), NULL, 409, NULL);
    test_expect("GET", path, test_admin(), NULL, 200, NULL);
}
END_TEST

START_TEST(person_invalid_fields_422_lists_each)
{
    test_expect_errors("POST", "/v1/people", test_admin(),
                       "{\"school_id\":\"nope\",\"full_name\":\"\",\"email\":\"not-an-email\","
                       "\"digest_opt_in\":1,\"notification_preferences\":[],\"grade\":2}",
                       422, "validation_failed", 6);
    test_expect_errors("POST", "/v1/people", test_admin(), "{}", 422, NULL, 3);
    test_expect_field("POST", "/v1/people", test_admin(),
                      "{\"school_id\":\"00000000-0000-0000-0000-000000000000\",\"full_name\":\"N\","
                      "\"email\":\"n@example.org\"}",
                      422, "/school_id");
    test_expect_errors("GET", "/v1/people?school_id=x&partnership_id=y&limit=0", test_admin(), NULL,
                       422, NULL, 3);
}
END_TEST

START_TEST(person_stale_if_match_412)
{
    char *school = test_school(NULL);
    char *person = test_person(school);
    char *path = test_fmt("/v1/people/%s", person);
    test_expect_stale_if_match(path, "{\"job_title\":\"SENCo\"}", "{\"job_title\":\"Head\"}");
    const char *v2[] = {"If-Match: \"2\"", NULL};
    test_expect_headers("DELETE", path, test_admin(), NULL, v2, 204, NULL);
}
END_TEST

START_TEST(person_scope_by_key)
{
    char *school = test_school(NULL), *other_school = test_school(NULL);
    char *me = test_person(school), *colleague = test_person(school);
    char *stranger = test_person(other_school);
    char *key = test_key("person", me);
    char *my_path = test_fmt("/v1/people/%s", me);
    char *colleague_path = test_fmt("/v1/people/%s", colleague);

    test_expect("GET", my_path, key, NULL, 200, NULL);
    test_expect("GET", colleague_path, key, NULL, 404, "not_found");
    struct http_resp *r = http_call("GET", "/v1/people", key, NULL, NULL);
    ck_assert_int_eq(person_count(r), 1);
    http_free(r);

    /* A person edits itself but does not move itself, delete itself or create people. */
    r = test_call("PATCH", my_path, key,
                  "{\"job_title\":\"Maths lead\",\"notification_preferences\":"
                  "{\"action_overdue\":false}}",
                  200, NULL);
    ck_assert_int_eq(person_pref(r, "action_overdue"), 0);
    http_free(r);
    char *move = test_fmt("{\"school_id\":\"%s\"}", other_school);
    test_expect("PATCH", my_path, key, move, 403, "forbidden");
    char *stay = test_fmt("{\"school_id\":\"%s\",\"full_name\":\"Same school\"}", school);
    r = http_call("PATCH", my_path, key, stay, NULL); /* unchanged: not a move */
    ck_assert_int_eq(r->status, 200);
    http_free(r);
    test_expect("DELETE", my_path, key, NULL, 403, NULL);
    char *body =
        test_fmt("{\"school_id\":\"%s\",\"full_name\":\"X\",\"email\":\"x@example.org\"}", school);
    test_expect("POST", "/v1/people", key, body, 403, NULL);

    /* A school key sees its own people only and cannot move them out of its sight. */
    char *skey = test_key("school", school);
    r = http_call("GET", "/v1/people", skey, NULL, NULL);
    ck_assert_int_eq(person_count(r), 2);
    http_free(r);
    char *stranger_path = test_fmt("/v1/people/%s", stranger);
    test_expect("GET", stranger_path, skey, NULL, 404, NULL);
    test_expect_field("PATCH", colleague_path, skey, move, 422, "/school_id");
    body = test_fmt("{\"school_id\":\"%s\",\"full_name\":\"X\",\"email\":\"x@example.org\"}",
                    other_school);
    test_expect("POST", "/v1/people", skey, body, 422, NULL);
    test_expect("DELETE", colleague_path, skey, NULL, 204, NULL);
}
END_TEST

START_TEST(person_who_leads_cannot_move_away)
{
    char *partnership = test_partnership(NULL);
    char *school = test_school(partnership), *other = test_school(NULL);
    char *person = test_person(school);
    char *school_path = test_fmt("/v1/schools/%s", school);
    char *body = test_fmt("{\"lead_contact_id\":\"%s\"}", person);
    test_expect("PATCH", school_path, test_admin(), body, 200, NULL);
    char *path = test_fmt("/v1/people/%s", person);
    body = test_fmt("{\"school_id\":\"%s\"}", other);
    test_expect("PATCH", path, test_admin(), body, 409, "conflict");
    struct http_resp *r = http_call("GET", path, test_admin(), NULL, NULL);
    ck_assert_str_eq(person_str(r->json, "school_id"), school);
    http_free(r);
}
END_TEST

START_TEST(conflicts_declare_list_delete)
{
    char *school = test_school(NULL), *former = test_school(NULL);
    char *person = test_person(school);
    char *list = test_fmt("/v1/people/%s/conflicts", person);
    char *body = test_fmt("{\"school_id\":\"%s\",\"reason\":\"Worked there until 2024\"}", former);
    struct http_resp *r = test_call("POST", list, test_admin(), body, 201, NULL);
    const char *cid = person_str(r->json, "id");
    char *item = test_fmt("%s/%s", list, cid);
    ck_assert_str_eq(http_header(r, "Location"), item);
    ck_assert_str_eq(person_str(r->json, "person_id"), person);
    ck_assert_str_eq(person_str(r->json, "school_id"), former);
    ck_assert_str_eq(person_str(r->json, "reason"), "Worked there until 2024");
    http_free(r);

    test_expect("GET", item, test_admin(), NULL, 200, NULL);
    r = test_call("GET", list, test_admin(), NULL, 200, NULL);
    ck_assert_int_eq(person_count(r), 1);
    ck_assert(json_is_null(json_object_get(r->json, "next_cursor")));
    http_free(r);

    /* Declared twice, for no school, without a reason. */
    test_expect("POST", list, test_admin(), body, 409, "conflict");
    test_expect_field("POST", list, test_admin(),
                      "{\"school_id\":\"00000000-0000-0000-0000-000000000000\",\"reason\":\"x\"}",
                      422, "/school_id");
    test_expect_errors("POST", list, test_admin(), "{\"reason\":\" \",\"colour\":1}", 422, NULL, 3);

    test_expect("DELETE", item, test_admin(), NULL, 204, NULL);
    test_expect("DELETE", item, test_admin(), NULL, 404, NULL);
    r = http_call("GET", list, test_admin(), NULL, NULL);
    ck_assert_int_eq(person_count(r), 0);
    http_free(r);
}
END_TEST

START_TEST(conflicts_person_key_manages_its_own)
{
    char *school = test_school(NULL), *outside = test_school(NULL);
    char *me = test_person(school), *colleague = test_person(school);
    char *key = test_key("person", me);

    /* The conflict's school may lie outside what the key can see. */
    char *mine = test_fmt("/v1/people/%s/conflicts", me);
    char *body = test_fmt("{\"school_id\":\"%s\",\"reason\":\"My sister teaches there\"}", outside);
    struct http_resp *r = test_call("POST", mine, key, body, 201, NULL);
    char *item = test_fmt("%s/%s", mine, person_str(r->json, "id"));
    http_free(r);
    r = http_call("GET", mine, key, NULL, NULL);
    ck_assert_int_eq(person_count(r), 1);
    http_free(r);

    char *theirs = test_fmt("/v1/people/%s/conflicts", colleague);
    test_expect("POST", theirs, key, body, 404, NULL);
    test_expect("GET", theirs, key, NULL, 404, NULL);

    /* The school key sees its person's conflicts too. */
    char *skey = test_key("school", school);
    r = test_call("GET", mine, skey, NULL, 200, NULL);
    ck_assert_int_eq(person_count(r), 1);
    http_free(r);

    /* A conflict is never cleared by the person concerned (DESIGN §1): their school clears it. */
    test_expect("DELETE", item, key, NULL, 403, NULL);
    test_expect("DELETE", item, skey, NULL, 204, NULL);
}
END_TEST

START_TEST(unavailability_add_list_delete)
{
    char *school = test_school(NULL);
    char *person = test_person(school), *colleague = test_person(school);
    char *list = test_fmt("/v1/people/%s/unavailability", person);
    struct http_resp *r =
        test_call("POST", list, test_admin(),
                  "{\"from_on\":\"2027-02-15\",\"to_on\":\"2027-02-19\",\"reason\":\"Half term\"}",
                  201, NULL);
    char *item = test_fmt("%s/%s", list, person_str(r->json, "id"));
    ck_assert_str_eq(http_header(r, "Location"), item);
    ck_assert_str_eq(person_str(r->json, "from_on"), "2027-02-15");
    ck_assert_str_eq(person_str(r->json, "to_on"), "2027-02-19");
    http_free(r);
    /* One day is a period too. */
    r = test_call("POST", list, test_admin(),
                  "{\"from_on\":\"2027-03-01\",\"to_on\":\"2027-03-01\"}", 201, NULL);
    ck_assert(json_is_null(json_object_get(r->json, "reason")));
    http_free(r);

    r = test_call("POST", list, test_admin(),
                  "{\"from_on\":\"2027-02-19\",\"to_on\":\"2027-02-15\"}", 422,
                  "validation_failed");
    ck_assert_str_eq(person_error(r, "rule"), "dates_reversed");
    http_free(r);
    test_expect_errors("POST", list, test_admin(), "{\"from_on\":\"2027-02-30\",\"to_on\":7}", 422,
                       NULL, 2);

    r = http_call("GET", list, test_admin(), NULL, NULL);
    ck_assert_int_eq(person_count(r), 2);
    http_free(r);
    char *paged = test_fmt("%s?limit=1", list);
    r = http_call("GET", paged, test_admin(), NULL, NULL);
    ck_assert_int_eq(person_count(r), 1);
    ck_assert(json_is_string(json_object_get(r->json, "next_cursor")));
    ck_assert_ptr_nonnull(http_header(r, "Link"));
    http_free(r);

    /* A person with unavailability cannot be deleted while it stands. */
    char *person_path = test_fmt("/v1/people/%s", person);
    test_expect("DELETE", person_path, test_admin(), NULL, 409, NULL);

    /* Another person's key sees none of it. */
    char *ckey = test_key("person", colleague);
    test_expect("GET", list, ckey, NULL, 404, NULL);
    test_expect("DELETE", item, ckey, NULL, 404, NULL);

    char *key = test_key("person", person);
    test_expect("DELETE", item, key, NULL, 204, NULL);
    test_expect("GET", item, key, NULL, 404, NULL);
}
END_TEST

Suite *people_suite(void)
{
    Suite *s = suite_create("people");
    TCase *tc = tcase_create("people");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, person_create_read_list_update_delete);
    tcase_add_test(tc, person_duplicate_email_409_ignores_case);
    tcase_add_test(tc, school_with_person_delete_409);
    tcase_add_test(tc, person_invalid_fields_422_lists_each);
    tcase_add_test(tc, person_stale_if_match_412);
    tcase_add_test(tc, person_scope_by_key);
    tcase_add_test(tc, person_who_leads_cannot_move_away);
    tcase_add_test(tc, conflicts_declare_list_delete);
    tcase_add_test(tc, conflicts_person_key_manages_its_own);
    tcase_add_test(tc, unavailability_add_list_delete);
    suite_add_tcase(s, tc);
    return s;
}
