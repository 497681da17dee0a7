/* Accreditations over HTTP: recorded awards (dates, listing, scope, duplicates, validation),
 * refreshers through attended bookings, GET /v1/people?accredited_as=…&on=…, and the bulk
 * import (all or nothing, safe to re-run, people named by id or by email in any case). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "integration.h"
#include "xalloc.h"

static const char *accr_str(const json_t *obj, const char *key)
{
    const char *v = json_string_value(json_object_get(obj, key));
    return v ? v : "";
}

static size_t accr_count(const struct http_resp *r)
{
    return json_array_size(json_object_get(r->json, "items"));
}

/* Records an award for person through the API with token (admin when NULL); note may be NULL. */
static struct http_resp *accr_record(const char *person, const char *role, const char *on,
                                     const char *token)
{
    char *path = test_fmt("/v1/people/%s/accreditations", person);
    char *body = test_fmt("{\"role\":\"%s\",\"awarded_on\":\"%s\",\"note\":\"Trained by the "
                          "SPP team in 2019\"}",
                          role, on);
    struct http_resp *r = http_call("POST", path, token ? token : test_admin(), body, NULL);
    return r;
}

/* accr_record, asserting its status and, unless code is NULL, its problem's code. */
static void accr_expect(const char *person, const char *role, const char *on, const char *token,
                        long status, const char *code)
{
    struct http_resp *r = accr_record(person, role, on, token);
    ck_assert_int_eq(r->status, status);
    if (code)
        ck_assert_str_eq(test_code(r), code);
    http_free(r);
}

/* 1 when GET /v1/people?school_id=school&accredited_as=role[&on=on] lists person. */
static int accr_listed(const char *school, const char *person, const char *role, const char *on)
{
    char *q = on ? test_fmt("/v1/people?school_id=%s&accredited_as=%s&on=%s", school, role, on)
                 : test_fmt("/v1/people?school_id=%s&accredited_as=%s", school, role);
    struct http_resp *r = http_call("GET", q, test_admin(), NULL, NULL);
    ck_assert_msg(r->status == 200, "GET %s -> %ld %s", q, r->status, r->body);
    int found = 0;
    size_t i;
    json_t *item;
    json_array_foreach(json_object_get(r->json, "items"), i, item)
    {
        if (!strcmp(accr_str(item, "id"), person))
            found = 1;
    }
    http_free(r);
    return found;
}

/* The email in upper case, as a spreadsheet might hold it (caller frees). */
static char *accr_upper(const char *email)
{
    char *u = xstrdup(email);
    for (char *c = u; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 'a' + 'A');
    return u;
}

static char *accr_person_with(const char *school, const char *email)
{
    return test_create("/v1/people", test_admin(),
                       "{\"school_id\":\"%s\",\"full_name\":\"Trained Leader\",\"email\":\"%s\"}",
                       school, email);
}

/* The number of person's awards (every row) seen through the API. */
static size_t accr_awards(const char *person)
{
    char *path = test_fmt("/v1/people/%s/accreditations?limit=200", person);
    struct http_resp *r = test_call("GET", path, test_admin(), NULL, 200, NULL);
    size_t n = accr_count(r);
    http_free(r);
    return n;
}

/* A past session of course (it started on day at 09:00 UTC) with person attending it. */
static void accr_attend(const char *course, const char *day, const char *person)
{
    char *session =
        test_create("/v1/training-sessions", test_admin(),
                    "{\"course\":\"%s\",\"starts_at\":\"%sT09:00:00Z\",\"ends_at\":"
                    "\"%sT15:30:00Z\",\"location\":\"Leeds Civic Hall\",\"capacity\":5}",
                    course, day, day);
    char *path = test_fmt("/v1/training-sessions/%s/bookings", session);
    char *body = test_fmt("{\"person_id\":\"%s\"}", person);
    struct http_resp *r = http_call("POST", path, test_admin(), body, NULL);
    ck_assert_msg(r->status == 201, "booking -> %ld %s", r->status, r->body);
    char *booking = test_fmt("/v1/bookings/%s", accr_str(r->json, "id"));
    http_free(r);
    r = http_call("PATCH", booking, test_admin(), "{\"status\":\"attended\"}", NULL);
    ck_assert_msg(r->status == 200, "attended -> %ld %s", r->status, r->body);
    http_free(r);
}

START_TEST(recorded_award_valid_for_24_months)
{
    char *school = test_school(NULL);
    char *person = test_person(school);
    struct http_resp *r = accr_record(person, "improvement_champion", "2025-03-15", NULL);
    ck_assert_int_eq(r->status, 201);
    ck_assert_str_eq(accr_str(r->json, "source"), "recorded");
    ck_assert_str_eq(accr_str(r->json, "awarded_on"), "2025-03-15");
    ck_assert_str_eq(accr_str(r->json, "valid_until"), "2027-03-15");
    ck_assert(json_is_true(json_object_get(r->json, "counts")));
    ck_assert(json_is_false(json_object_get(r->json, "refresher")));
    ck_assert_str_eq(accr_str(r->json, "note"), "Trained by the SPP team in 2019");
    char *loc = test_fmt("/v1/people/%s/accreditations/%s", person, accr_str(r->json, "id"));
    ck_assert_str_eq(http_header(r, "Location"), loc);
    http_free(r);

    r = test_call("GET", loc, test_admin(), NULL, 200, NULL);
    ck_assert_str_eq(accr_str(r->json, "valid_until"), "2027-03-15");
    http_free(r);

    /* The list, with its role filter. */
    char *path = test_fmt("/v1/people/%s/accreditations", person);
    r = test_call("GET", path, test_admin(), NULL, 200, NULL);
    ck_assert_int_eq(accr_count(r), 1);
    ck_assert(json_is_null(json_object_get(r->json, "next_cursor")));
    http_free(r);
    char *q = test_fmt("%s?role=peer_reviewer", path);
    r = test_call("GET", q, test_admin(), NULL, 200, NULL);
    ck_assert_int_eq(accr_count(r), 0);
    http_free(r);
    q = test_fmt("%s?role=chief&colour=red", path);
    test_expect_errors("GET", q, test_admin(), NULL, 422, NULL, 2);

    /* Accredited up to and including the last valid day, not the day after nor before. */
    ck_assert(accr_listed(school, person, "improvement_champion", "2025-03-15"));
    ck_assert(accr_listed(school, person, "improvement_champion", "2027-03-15"));
    ck_assert(!accr_listed(school, person, "improvement_champion", "2027-03-16"));
    ck_assert(!accr_listed(school, person, "improvement_champion", "2025-03-14"));
    ck_assert(!accr_listed(school, person, "peer_reviewer", "2026-01-01"));

    /* Without on, the day is today: an award from yesterday (UTC, so never after today in
     * SPP_TZ) accredits now. */
    char yesterday[16];
    time_t t = time(NULL) - 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(yesterday, sizeof yesterday, "%Y-%m-%d", &tm);
    ck_assert(!accr_listed(school, person, "peer_reviewer", NULL));
    accr_expect(person, "peer_reviewer", yesterday, NULL, 201, NULL);
    ck_assert(accr_listed(school, person, "peer_reviewer", NULL));

    /* on needs accredited_as; both are checked like every filter. */
    r = test_call("GET", "/v1/people?on=2027-01-01", test_admin(), NULL, 422, NULL);
    ck_assert_str_eq(accr_str(json_array_get(json_object_get(r->json, "errors"), 0), "field"),
                     "on");
    http_free(r);
    test_expect_errors("GET", "/v1/people?accredited_as=chief&on=2027-02-30", test_admin(), NULL,
                       422, NULL, 2);
}
END_TEST

START_TEST(refresher_extends_through_attendance)
{
    char *school = test_school(NULL);
    char *person = test_person(school);
    /* Recorded 2025-01-10 (valid to 2027-01-10), refreshed on a course on 2026-01-12. */
    accr_expect(person, "peer_reviewer", "2025-01-10", NULL, 201, NULL);
    accr_attend("peer_reviewer_refresher", "2026-01-12", person);
    char *path = test_fmt("/v1/people/%s/accreditations?role=peer_reviewer", person);
    struct http_resp *r = http_call("GET", path, test_admin(), NULL, NULL);
    ck_assert_int_eq(accr_count(r), 2);
    const json_t *refresher = json_array_get(json_object_get(r->json, "items"), 1);
    ck_assert_str_eq(accr_str(refresher, "source"), "training");
    ck_assert(json_is_true(json_object_get(refresher, "refresher")));
    ck_assert(json_is_true(json_object_get(refresher, "counts")));
    ck_assert_str_eq(accr_str(refresher, "valid_until"), "2028-01-12");
    http_free(r);
    ck_assert(accr_listed(school, person, "peer_reviewer", "2028-01-12"));
    ck_assert(!accr_listed(school, person, "peer_reviewer", "2028-01-13"));

    /* A refresher with nothing before it accredits no one, until an earlier award is
     * recorded: the record refreshes every award of the person in that role. */
    char *other = test_person(school);
    accr_attend("improvement_champion_refresher", "2026-01-12", other);
    ck_assert(!accr_listed(school, other, "improvement_champion", "2026-06-01"));
    accr_expect(other, "improvement_champion", "2025-06-01", NULL, 201, NULL);
    ck_assert(accr_listed(school, other, "improvement_champion", "2028-01-12"));
    ck_assert(!accr_listed(school, other, "improvement_champion", "2028-01-13"));
}
END_TEST

START_TEST(record_scope_by_key_role)
{
    char *hub = test_hub(), *other_hub = test_hub();
    char *part = test_partnership(hub), *other_part = test_partnership(other_hub);
    char *school = test_school(part), *other_school = test_school(other_part);
    char *person = test_person(school), *outsider = test_person(other_school);
    char *school_tok = test_key("school", school);
    char *person_tok = test_key("person", person);
    char *hub_tok = test_key("hub", hub);
    char *part_tok = test_key("partnership", part);

    /* School and person keys never record (403), even for what they see. */
    accr_expect(person, "peer_reviewer", "2025-05-01", school_tok, 403, "forbidden");
    accr_expect(person, "peer_reviewer", "2025-05-01", person_tok, 403, NULL);
    test_expect("POST", "/v1/accreditations/import", school_tok, "{\"items\":[]}", 403, NULL);

    /* A person outside the caller's scope does not exist for it. */
    accr_expect(outsider, "peer_reviewer", "2025-05-01", hub_tok, 404, NULL);
    accr_expect(outsider, "peer_reviewer", "2025-05-01", part_tok, 404, NULL);

    /* Hub and partnership keys record within their scope. */
    struct http_resp *r = accr_record(person, "peer_reviewer", "2025-05-01", part_tok);
    ck_assert_int_eq(r->status, 201);
    char *award = test_fmt("/v1/people/%s/accreditations/%s", person, accr_str(r->json, "id"));
    http_free(r);
    accr_expect(person, "improvement_champion", "2025-05-01", hub_tok, 201, NULL);

    /* Whoever sees the person reads its awards; others get 404. */
    char *path = test_fmt("/v1/people/%s/accreditations", person);
    const char *readers[] = {school_tok, person_tok, hub_tok, part_tok};
    for (int i = 0; i < 4; i++) {
        r = test_call("GET", path, readers[i], NULL, 200, NULL);
        ck_assert_int_eq(accr_count(r), 2);
        http_free(r);
        test_expect("GET", award, readers[i], NULL, 200, NULL);
    }
    char *theirs = test_fmt("/v1/people/%s/accreditations", outsider);
    test_expect("GET", theirs, hub_tok, NULL, 404, NULL);
    test_expect("GET", theirs, school_tok, NULL, 404, NULL);

    /* An import naming an outsider names no one the key can see. */
    char *body = test_fmt("{\"items\":[{\"person_id\":\"%s\",\"role\":\"peer_reviewer\","
                          "\"awarded_on\":\"2025-05-01\"}]}",
                          outsider);
    r = test_call("POST", "/v1/accreditations/import", hub_tok, body, 422, NULL);
    const json_t *e = json_array_get(json_object_get(r->json, "errors"), 0);
    ck_assert_str_eq(accr_str(e, "field"), "/items/0/person_id");
    ck_assert_str_eq(accr_str(e, "rule"), "not_found");
    http_free(r);
    ck_assert_int_eq(accr_awards(outsider), 0);
}
END_TEST

START_TEST(record_duplicate_and_validation)
{
    char *school = test_school(NULL);
    char *person = test_person(school), *other = test_person(school);
    struct http_resp *r = accr_record(person, "peer_reviewer", "2024-09-02", NULL);
    ck_assert_int_eq(r->status, 201);
    char *foreign = test_fmt("/v1/people/%s/accreditations/%s", other, accr_str(r->json, "id"));
    http_free(r);
    accr_expect(person, "peer_reviewer", "2024-09-02", NULL, 409, "conflict");
    /* The same date in the other role is another award. */
    accr_expect(person, "improvement_champion", "2024-09-02", NULL, 201, NULL);

    /* A future date and a bad role: both listed. */
    char *path = test_fmt("/v1/people/%s/accreditations", person);
    r = test_call("POST", path, test_admin(),
                  "{\"role\":\"ofsted_inspector\",\"awarded_on\":\"2999-01-01\"}", 422,
                  "validation_failed");
    const json_t *errors = json_object_get(r->json, "errors");
    ck_assert_int_eq(json_array_size(errors), 2);
    int role = 0, future = 0;
    size_t i;
    json_t *e;
    json_array_foreach(errors, i, e)
    {
        role |= !strcmp(accr_str(e, "field"), "/role") && !strcmp(accr_str(e, "rule"), "enum");
        future |= !strcmp(accr_str(e, "field"), "/awarded_on") &&
                  !strcmp(accr_str(e, "rule"), "future_date");
    }
    ck_assert(role && future);
    http_free(r);
    /* Missing fields, read-only and unknown ones, a date that is no day. */
    test_expect_errors("POST", path, test_admin(), "{\"valid_until\":\"2030-01-01\",\"grade\":1}",
                       422, NULL, 4);
    test_expect("POST", path, test_admin(),
                "{\"role\":\"peer_reviewer\",\"awarded_on\":\"2025-02-29\"}", 422, NULL);
    ck_assert_int_eq(accr_awards(person), 2);

    /* An award is found only under its own person. */
    test_expect("GET", foreign, test_admin(), NULL, 404, NULL);
    char *none = test_fmt("%s/00000000-0000-4000-8000-000000000000", path);
    test_expect("GET", none, test_admin(), NULL, 404, NULL);
    test_expect("GET", "/v1/people/00000000-0000-4000-8000-000000000000/accreditations",
                test_admin(), NULL, 404, NULL);
}
END_TEST

START_TEST(import_all_or_nothing_and_rerun)
{
    char *school = test_school(NULL);
    char *e1 = test_email("Trained"), *e2 = test_email("Trained"), *e3 = test_email("Trained");
    char *p1 = accr_person_with(school, e1), *p2 = accr_person_with(school, e2),
         *p3 = accr_person_with(school, e3);
    char *u2 = accr_upper(e2);
    /* One by id, one by the email in upper case, one by the email as stored. */
    char *body = test_fmt(
        "{\"items\":["
        "{\"person_id\":\"%s\",\"role\":\"peer_reviewer\",\"awarded_on\":\"2024-11-04\","
        "\"note\":\"Cohort 7, \\\"Leeds\\\" {hub}\"},"
        "{\"email\":\"%s\",\"role\":\"improvement_champion\",\"awarded_on\":\"2025-02-28\"},"
        "{\"email\":\"%s\",\"role\":\"peer_reviewer\",\"awarded_on\":\"2023-06-30\",\"note\":null}"
        "]}",
        p1, u2, e3);
    struct http_resp *r = http_call("POST", "/v1/accreditations/import", test_admin(), body, NULL);
    ck_assert_msg(r->status == 200, "import -> %ld %s", r->status, r->body);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "imported")), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "skipped")), 0);
    http_free(r);
    /* Run again: everything is there already. */
    r = test_call("POST", "/v1/accreditations/import", test_admin(), body, 200, NULL);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "imported")), 0);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "skipped")), 3);
    http_free(r);

    /* Imported awards went through the rule, the note intact. */
    char *path = test_fmt("/v1/people/%s/accreditations", p1);
    r = http_call("GET", path, test_admin(), NULL, NULL);
    ck_assert_int_eq(accr_count(r), 1);
    const json_t *a = json_array_get(json_object_get(r->json, "items"), 0);
    ck_assert_str_eq(accr_str(a, "valid_until"), "2026-11-04");
    ck_assert_str_eq(accr_str(a, "source"), "recorded");
    ck_assert_str_eq(accr_str(a, "note"), "Cohort 7, \"Leeds\" {hub}");
    http_free(r);
    ck_assert(accr_listed(school, p2, "improvement_champion", "2027-02-28"));
    ck_assert(!accr_listed(school, p2, "improvement_champion", "2027-03-01"));
    ck_assert(accr_listed(school, p3, "peer_reviewer", "2025-06-30"));

    /* One good item and bad ones: nothing is recorded, every problem is listed. */
    body = test_fmt(
        "{\"items\":["
        "{\"email\":\"%s\",\"role\":\"peer_reviewer\",\"awarded_on\":\"2025-01-01\"},"
        "{\"email\":\"nobody-%s\",\"role\":\"peer_reviewer\",\"awarded_on\":\"2025-01-01\"},"
        "{\"person_id\":\"%s\",\"role\":\"peer_reviewer\",\"awarded_on\":\"2999-01-01\"},"
        "{\"person_id\":\"%s\",\"email\":\"%s\",\"role\":\"peer_reviewer\","
        "\"awarded_on\":\"2025-01-01\"}"
        "]}",
        e1, e1, p2, p3, e3);
    r = test_call("POST", "/v1/accreditations/import", test_admin(), body, 422,
                  "validation_failed");
    const json_t *errors = json_object_get(r->json, "errors");
    ck_assert_int_eq(json_array_size(errors), 3);
    ck_assert_str_eq(accr_str(json_array_get(errors, 0), "field"), "/items/1/email");
    ck_assert_str_eq(accr_str(json_array_get(errors, 0), "rule"), "not_found");
    ck_assert_str_eq(accr_str(json_array_get(errors, 1), "field"), "/items/2/awarded_on");
    ck_assert_str_eq(accr_str(json_array_get(errors, 1), "rule"), "future_date");
    ck_assert_str_eq(accr_str(json_array_get(errors, 2), "field"), "/items/3");
    ck_assert_str_eq(accr_str(json_array_get(errors, 2), "rule"), "one_of");
    http_free(r);
    ck_assert_int_eq(accr_awards(p1), 1);
    ck_assert_int_eq(accr_awards(p2), 1);
    ck_assert_int_eq(accr_awards(p3), 1);

    /* The envelope: items required, 1..10,000 of them, nothing else. */
    test_expect_errors("POST", "/v1/accreditations/import", test_admin(), "{\"items\":[],\"x\":1}",
                       422, NULL, 2);

    free(u2);
}
END_TEST

Suite *accreditations_suite(void)
{
    Suite *s = suite_create("accreditations");
    TCase *tc = tcase_create("accreditations");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, recorded_award_valid_for_24_months);
    tcase_add_test(tc, refresher_extends_through_attendance);
    tcase_add_test(tc, record_scope_by_key_role);
    tcase_add_test(tc, record_duplicate_and_validation);
    tcase_add_test(tc, import_all_or_nothing_and_rerun);
    suite_add_tcase(s, tc);
    return s;
}
