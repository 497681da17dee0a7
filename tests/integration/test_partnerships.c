/* /v1/partnerships: create with defaults, read, list filters, merge patch, the lead contact
 * rule, phase moves, delete (409 while schools remain), 412 and scope by key role. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "integration.h"
#include "xalloc.h"

static const char *pship_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

/* The ids of a list answer's items, as one comma-separated string (caller frees). */
static char *pship_ids(const struct http_resp *r)
{
    char *out = xstrdup("");
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(r->json, "items"), i, it)
    {
        char *next = xasprintf("%s%s,", out, pship_str(it, "id"));
        free(out);
        out = next;
    }
    return out;
}

/* The first error's member key of a problem answer ("" when none). */
static const char *pship_error(const struct http_resp *r, const char *key)
{
    const json_t *e = json_array_get(json_object_get(r->json, "errors"), 0);
    const char *v = pship_str(e, key);
    return v ? v : "";
}

/* POSTs {"to": to} to the partnership's /phase with optional extra headers. */
static struct http_resp *pship_phase(const char *id, const char *to, const char *const *headers)
{
    char *path = test_fmt("/v1/partnerships/%s/phase", id);
    char *body = test_fmt("{\"to\":\"%s\"}", to);
    struct http_resp *r = http_call("POST", path, test_admin(), body, headers);
    return r;
}

START_TEST(partnership_create_read_list_update_delete)
{
    char *hub = test_hub(), *other_hub = test_hub();
    char *name = test_unique("Riverside Learning Trust");
    char *body = test_fmt("{\"name\":\"%s\",\"kind\":\"mat\",\"hub_id\":\"%s\"}", name, hub);
    char *id, *path;
    struct http_resp *r = test_expect_created("/v1/partnerships", body, &id, &path);
    /* Defaults: build phase started today, digests on, London time. */
    ck_assert_str_eq(pship_str(r->json, "phase"), "build");
    ck_assert_int_eq(strlen(pship_str(r->json, "phase_started_on")), 10);
    ck_assert(json_is_true(json_object_get(r->json, "digest_enabled")));
    ck_assert_str_eq(pship_str(r->json, "timezone"), "Europe/London");
    ck_assert(json_is_null(json_object_get(r->json, "lead_contact_id")));
    ck_assert_str_eq(pship_str(r->json, "hub_id"), hub);
    http_free(r);

    test_partnership(other_hub);
    r = test_call("GET", path, test_admin(), NULL, 200, NULL);
    ck_assert_str_eq(pship_str(r->json, "name"), name);
    http_free(r);

    /* hub_id filter, and q (case-insensitive) within it. */
    char *q = test_fmt("/v1/partnerships?hub_id=%s", hub);
    r = test_call("GET", q, test_admin(), NULL, 200, NULL);
    char *ids = pship_ids(r);
    char *want = test_fmt("%s,", id);
    ck_assert_str_eq(ids, want);
    http_free(r);
    free(ids);
    q = test_fmt("/v1/partnerships?hub_id=%s&q=RIVERSIDE%%20learning", hub);
    r = http_call("GET", q, test_admin(), NULL, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
    http_free(r);
    q = test_fmt("/v1/partnerships?hub_id=%s&q=nothing-like-it", hub);
    r = http_call("GET", q, test_admin(), NULL, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 0);
    http_free(r);

    /* Merge patch keeps what is left out; null clears an optional field. */
    r = test_call("PATCH", path, test_admin(),
                  "{\"digest_enabled\":false,\"timezone\":\"Europe/Dublin\",\"kind\":\"informal\"}",
                  200, NULL);
    ck_assert(json_is_false(json_object_get(r->json, "digest_enabled")));
    ck_assert_str_eq(pship_str(r->json, "timezone"), "Europe/Dublin");
    ck_assert_str_eq(pship_str(r->json, "kind"), "informal");
    ck_assert_str_eq(pship_str(r->json, "name"), name);
    ck_assert_str_eq(pship_str(r->json, "hub_id"), hub);
    ck_assert_str_eq(http_header(r, "ETag"), "\"2\"");
    http_free(r);
    r = test_call("PATCH", path, test_admin(), "{\"hub_id\":null}", 200, NULL);
    ck_assert(json_is_null(json_object_get(r->json, "hub_id")));
    http_free(r);

    /* Fields that always hold a value cannot be nulled; phase changes only through /phase. */
    test_expect_errors(
        "PATCH", path, test_admin(),
        "{\"digest_enabled\":null,\"timezone\":null,\"phase\":\"embed\",\"name\":null}", 422, NULL,
        4);

    test_expect("DELETE", path, test_admin(), NULL, 204, NULL);
    test_expect("GET", path, test_admin(), NULL, 404, NULL);
}
END_TEST

START_TEST(partnership_invalid_fields_422_lists_each)
{
    test_expect_errors(
        "POST", "/v1/partnerships", test_admin(),
        "{\"name\":\"  \",\"kind\":\"federation\",\"digest_enabled\":\"yes\","
        "\"timezone\":\"Mars/Olympus\",\"hub_id\":\"not-a-uuid\",\"phase\":\"embed\"}",
        422, "validation_failed", 6);
    test_expect_errors("GET", "/v1/partnerships?hub_id=42&colour=red", test_admin(), NULL, 422,
                       NULL, 2);
    /* A hub that does not exist is a field error. */
    test_expect_field("POST", "/v1/partnerships", test_admin(),
                      "{\"name\":\"P\",\"kind\":\"mat\",\"hub_id\":"
                      "\"00000000-0000-0000-0000-000000000000\"}",
                      422, "/hub_id");
}
END_TEST

START_TEST(partnership_phase_moves_forward_one_step)
{
    char *id = test_partnership(NULL);
    struct http_resp *r = pship_phase(id, "embed", NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert_str_eq(pship_str(r->json, "phase"), "embed");
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "version")), 2);
    ck_assert_str_eq(http_header(r, "ETag"), "\"2\"");
    ck_assert_int_eq(strlen(pship_str(r->json, "phase_started_on")), 10);
    http_free(r);

    r = pship_phase(id, "build", NULL);
    ck_assert_int_eq(r->status, 409);
    ck_assert_str_eq(test_code(r), "invalid_transition");
    http_free(r);
    r = pship_phase(id, "embed", NULL);
    ck_assert_int_eq(r->status, 409);
    ck_assert_str_eq(test_code(r), "invalid_transition");
    http_free(r);
    r = pship_phase(id, "graduated", NULL);
    ck_assert_int_eq(r->status, 422);
    ck_assert_str_eq(test_code(r), "validation_failed");
    ck_assert_str_eq(pship_error(r, "field"), "/to");
    http_free(r);

    /* If-Match: a stale version is refused, the current one goes through. */
    const char *stale[] = {"If-Match: \"1\"", NULL};
    r = pship_phase(id, "sustain", stale);
    ck_assert_int_eq(r->status, 412);
    http_free(r);
    const char *fresh[] = {"If-Match: \"2\"", NULL};
    r = pship_phase(id, "sustain", fresh);
    ck_assert_int_eq(r->status, 200);
    ck_assert_str_eq(pship_str(r->json, "phase"), "sustain");
    http_free(r);
    r = pship_phase(id, "sustain", NULL);
    ck_assert_int_eq(r->status, 409);
    http_free(r);

    /* Skipping a phase is not a step. */
    char *fresh_id = test_partnership(NULL);
    r = pship_phase(fresh_id, "sustain", NULL);
    ck_assert_int_eq(r->status, 409);
    ck_assert_str_eq(test_code(r), "invalid_transition");
    http_free(r);
    char *path = test_fmt("/v1/partnerships/%s", fresh_id);
    r = http_call("GET", path, test_admin(), NULL, NULL);
    ck_assert_str_eq(pship_str(r->json, "phase"), "build");
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "version")), 1);
    http_free(r);
}
END_TEST

START_TEST(partnership_with_school_delete_409)
{
    char *id = test_partnership(NULL);
    test_school(id);
    test_expect_in_use("partnerships", id);
}
END_TEST

START_TEST(partnership_lead_contact_must_be_member)
{
    char *id = test_partnership(NULL), *elsewhere = test_partnership(NULL);
    char *school = test_school(id), *other_school = test_school(elsewhere);
    char *member = test_person(school), *outsider = test_person(other_school);

    /* A new partnership has no schools yet, so no one can lead it. */
    char *body =
        test_fmt("{\"name\":\"New\",\"kind\":\"informal\",\"lead_contact_id\":\"%s\"}", member);
    struct http_resp *r = test_call("POST", "/v1/partnerships", test_admin(), body, 422, NULL);
    ck_assert_str_eq(pship_error(r, "rule"), "not_member");
    http_free(r);

    char *path = test_fmt("/v1/partnerships/%s", id);
    body = test_fmt("{\"lead_contact_id\":\"%s\"}", outsider);
    r = test_call("PATCH", path, test_admin(), body, 422, NULL);
    ck_assert_str_eq(pship_error(r, "field"), "/lead_contact_id");
    ck_assert_str_eq(pship_error(r, "rule"), "not_member");
    http_free(r);
    body = test_fmt("{\"lead_contact_id\":\"%s\"}", member);
    r = test_call("PATCH", path, test_admin(), body, 200, NULL);
    ck_assert_str_eq(pship_str(r->json, "lead_contact_id"), member);
    http_free(r);
}
END_TEST

START_TEST(partnership_scope_by_key)
{
    char *hub = test_hub(), *other_hub = test_hub();
    char *mine = test_partnership(hub), *sibling = test_partnership(hub);
    char *theirs = test_partnership(other_hub);

    /* A partnership key lists only its own partnership. */
    char *pkey = test_key("partnership", mine);
    struct http_resp *r = test_call("GET", "/v1/partnerships", pkey, NULL, 200, NULL);
    char *ids = pship_ids(r), *want = test_fmt("%s,", mine);
    ck_assert_str_eq(ids, want);
    http_free(r);
    free(ids);

    /* A partnership key edits its partnership but may not re-home it or delete it. */
    char *my_path = test_fmt("/v1/partnerships/%s", mine);
    test_expect("PATCH", my_path, pkey, "{\"name\":\"Renamed by its lead\"}", 200, NULL);
    test_expect("PATCH", my_path, pkey, "{\"hub_id\":null}", 403, NULL);
    char *same_hub = test_fmt("{\"hub_id\":\"%s\",\"kind\":\"mat\"}", hub);
    r = http_call("PATCH", my_path, pkey, same_hub, NULL); /* unchanged: not a move */
    ck_assert_int_eq(r->status, 200);
    http_free(r);
    test_expect("DELETE", my_path, pkey, NULL, 403, NULL);

    /* A hub key sees its hub's partnerships, not another hub's. */
    char *hkey = test_key("hub", hub);
    test_expect("GET", my_path, hkey, NULL, 200, NULL);
    char *their_path = test_fmt("/v1/partnerships/%s", theirs);
    test_expect("GET", their_path, hkey, NULL, 404, "not_found");
    r = http_call("GET", "/v1/partnerships?limit=200", hkey, NULL, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 2);
    http_free(r);

    /* A hub key creates under its own hub only. */
    char *body =
        test_fmt("{\"name\":\"Hub made\",\"kind\":\"local_authority\",\"hub_id\":\"%s\"}", hub);
    test_expect("POST", "/v1/partnerships", hkey, body, 201, NULL);
    test_expect("POST", "/v1/partnerships", hkey, "{\"name\":\"Hubless\",\"kind\":\"mat\"}", 403,
                NULL);
    body = test_fmt("{\"name\":\"Elsewhere\",\"kind\":\"mat\",\"hub_id\":\"%s\"}", other_hub);
    test_expect_field("POST", "/v1/partnerships", hkey, body, 422, "/hub_id");
    /* ... and may move one between hubs only into its own. */
    char *sibling_path = test_fmt("/v1/partnerships/%s", sibling);
    test_expect("PATCH", sibling_path, hkey, "{\"hub_id\":null}", 403, NULL);
    test_expect("DELETE", sibling_path, hkey, NULL, 204, NULL);
}
END_TEST

START_TEST(school_key_scope)
{
    char *partnership = test_partnership(NULL);
    char *my_path = test_fmt("/v1/partnerships/%s", partnership);
    char *school = test_school(partnership);
    char *skey = test_key("school", school);

    /* A school may never create a partnership; it edits its school but may not delete it. */
    test_expect("POST", "/v1/partnerships", skey, "{\"name\":\"Mine\",\"kind\":\"informal\"}", 403,
                "forbidden");
    test_expect("GET", my_path, skey, NULL, 404, NULL);
    char *school_path = test_fmt("/v1/schools/%s", school);
    test_expect("PATCH", school_path, skey, "{\"postcode\":\"LS2 9JT\"}", 200, NULL);
    test_expect("DELETE", school_path, skey, NULL, 403, NULL);
}
END_TEST

Suite *partnerships_suite(void)
{
    Suite *s = suite_create("partnerships");
    TCase *tc = tcase_create("partnerships");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, partnership_create_read_list_update_delete);
    tcase_add_test(tc, partnership_invalid_fields_422_lists_each);
    tcase_add_test(tc, partnership_phase_moves_forward_one_step);
    tcase_add_test(tc, partnership_with_school_delete_409);
    tcase_add_test(tc, partnership_lead_contact_must_be_member);
    tcase_add_test(tc, partnership_scope_by_key);
    tcase_add_test(tc, school_key_scope);
    suite_add_tcase(s, tc);
    return s;
}
