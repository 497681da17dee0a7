/* DESIGN §3 conventions, exercised through schools: errors, validation, paging, If-Match,
 * Idempotency-Key. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "integration.h"
#include "xalloc.h"

static char *school_body(const char *urn)
{
    char *name = test_unique("School");
    char *b = test_fmt("{\"urn\":\"%s\",\"name\":\"%s\",\"phase_of_education\":\"secondary\","
                       "\"local_authority\":\"York\"}",
                       urn, name);
    return b;
}

START_TEST(unauthorized_without_token)
{
    struct http_resp *r = test_call("GET", "/v1/schools", NULL, NULL, 401, "unauthorized");
    ck_assert_ptr_nonnull(strstr(http_header(r, "Content-Type"), "application/problem+json"));
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "status")), 401);
    ck_assert_ptr_nonnull(json_object_get(r->json, "type"));
    ck_assert_ptr_nonnull(json_object_get(r->json, "title"));
    ck_assert_ptr_nonnull(json_object_get(r->json, "detail"));
    http_free(r);
    test_expect("GET", "/v1/schools", "spp_not-a-real-token-at-all", NULL, 401, NULL);
}
END_TEST

START_TEST(unknown_path_404_and_method_405)
{
    test_expect("GET", "/v1/nothing-here", test_admin(), NULL, 404, "not_found");
    struct http_resp *r =
        test_call("PUT", "/v1/schools", test_admin(), "{}", 405, "method_not_allowed");
    const char *allow = http_header(r, "Allow");
    ck_assert_ptr_nonnull(allow);
    ck_assert_ptr_nonnull(strstr(allow, "GET"));
    ck_assert_ptr_nonnull(strstr(allow, "POST"));
    http_free(r);
    test_expect("GET", "/v1/schools/not-a-uuid", test_admin(), NULL, 404, NULL);
    test_expect("GET", "/v1/schools/00000000-0000-0000-0000-000000000000", test_admin(), NULL, 404,
                "not_found");
}
END_TEST

START_TEST(malformed_json_400)
{
    struct http_resp *r =
        test_call("POST", "/v1/schools", test_admin(), "{\"urn\": ", 400, "malformed_json");
    http_free(r);
}
END_TEST

START_TEST(wrong_media_type_415)
{
    const char *h[] = {"Content-Type: text/plain", NULL};
    char *body = school_body(test_urn());
    test_expect_headers("POST", "/v1/schools", test_admin(), body, h, 415,
                        "unsupported_media_type");
}
END_TEST

START_TEST(body_too_large_413)
{
    size_t n = 1024 * 1024 + 100;
    char *body = xmalloc(n + 1);
    memset(body, ' ', n);
    memcpy(body, "{\"name\":\"", 9);
    memset(body + 9, 'a', n - 20);
    memcpy(body + n - 11, "\"}", 2);
    body[n] = '\0';
    test_expect("POST", "/v1/schools", test_admin(), body, 413, "payload_too_large");
    free(body);
}
END_TEST

/* Every problem is listed, not only the first. */
START_TEST(validation_lists_every_field)
{
    char *body = test_fmt("{\"urn\":\"12ab\",\"name\":\"%s\",\"phase_of_education\":\"college\","
                          "\"grade\":\"outstanding\",\"partnership_id\":42}",
                          test_repeat('x', 259));
    const char *want[] = {"/urn",   "/name",           "/phase_of_education",
                          "/grade", "/partnership_id", "/local_authority"};
    test_expect_invalid("/v1/schools", body, want, sizeof want / sizeof *want, 0);
}
END_TEST

START_TEST(invalid_utf8_422)
{
    const char body[] = "{\"urn\":\"1234567\",\"name\":\"Caf\xc3\x28\",\"phase_of_education\":"
                        "\"primary\",\"local_authority\":\"Leeds\"}";
    struct http_resp *r =
        test_call("POST", "/v1/schools", test_admin(), body, 422, "validation_failed");
    http_free(r);
}
END_TEST

START_TEST(body_must_be_object)
{
    struct http_resp *r = test_call("POST", "/v1/schools", test_admin(), "[1,2]", 422, NULL);
    http_free(r);
}
END_TEST

START_TEST(bad_query_parameters_422)
{
    test_expect_errors("GET", "/v1/schools?limit=0&colour=blue&partnership_id=nope&cursor=zzz",
                       test_admin(), NULL, 422, "validation_failed", 4);
    test_expect("GET", "/v1/schools?limit=201", test_admin(), NULL, 422, NULL);
}
END_TEST

START_TEST(idempotency_replay_and_reuse)
{
    char *key = test_unique("idem");
    for (char *c = key; *c; c++)
        if (*c == ' ')
            *c = '-';
    char *hk = test_fmt("Idempotency-Key: %s", key);
    const char *h[] = {hk, NULL};
    char *body = school_body(test_urn());
    struct http_resp *a = http_call("POST", "/v1/schools", test_admin(), body, h);
    ck_assert_int_eq(a->status, 201);
    struct http_resp *b = http_call("POST", "/v1/schools", test_admin(), body, h);
    ck_assert_int_eq(b->status, 201);
    ck_assert_str_eq(json_string_value(json_object_get(a->json, "id")),
                     json_string_value(json_object_get(b->json, "id")));
    ck_assert_str_eq(http_header(b, "Location"), http_header(a, "Location"));
    char *other = school_body(test_urn());
    struct http_resp *c = http_call("POST", "/v1/schools", test_admin(), other, h);
    ck_assert_int_eq(c->status, 422);
    ck_assert_str_eq(test_code(c), "idempotency_key_reused");
    http_free(a);
    http_free(b);
    http_free(c);
}
END_TEST

struct patcher {
    const char *path;
    const char *etag;
    long status;
};

static void *patch_once(void *arg)
{
    struct patcher *p = arg;
    char *im = test_fmt("If-Match: %s", p->etag);
    char *name = test_unique("Renamed");
    char *body = test_fmt("{\"name\":\"%s\"}", name);
    const char *h[] = {im, NULL};
    struct http_resp *r = http_call("PATCH", p->path, test_admin(), body, h);
    p->status = r->status;
    http_free(r);
    return NULL;
}

START_TEST(if_match_lets_one_of_eight_through)
{
    char *id = test_school(NULL);
    char *path = test_fmt("/v1/schools/%s", id);
    struct http_resp *g = http_call("GET", path, test_admin(), NULL, NULL);
    ck_assert_int_eq(g->status, 200);
    char etag[64];
    snprintf(etag, sizeof etag, "%s", http_header(g, "ETag"));
    ck_assert_str_eq(etag, "\"1\"");
    struct patcher ps[8];
    pthread_t th[8];
    for (int i = 0; i < 8; i++) {
        ps[i] = (struct patcher){path, etag, 0};
        pthread_create(&th[i], NULL, patch_once, &ps[i]);
    }
    int ok = 0, stale = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        ok += ps[i].status == 200;
        stale += ps[i].status == 412;
    }
    ck_assert_int_eq(ok, 1);
    ck_assert_int_eq(stale, 7);
    struct http_resp *after = http_call("GET", path, test_admin(), NULL, NULL);
    ck_assert_int_eq(json_integer_value(json_object_get(after->json, "version")), 2);
    http_free(after);
    http_free(g);
}
END_TEST

START_TEST(stale_if_match_412)
{
    char *id = test_school(NULL);
    char *path = test_fmt("/v1/schools/%s", id);
    const char *h[] = {"If-Match: \"99\"", NULL};
    test_expect_headers("PATCH", path, test_admin(), "{\"postcode\":\"LS1 1AA\"}", h, 412,
                        "precondition_failed");
    struct http_resp *r = http_call("DELETE", path, test_admin(), NULL, h);
    ck_assert_int_eq(r->status, 412);
    http_free(r);
    const char *ok[] = {"If-Match: \"1\"", NULL};
    r = http_call("PATCH", path, test_admin(), "{\"postcode\":\"LS1 1AA\"}", ok);
    ck_assert_int_eq(r->status, 200);
    ck_assert_str_eq(http_header(r, "ETag"), "\"2\"");
    http_free(r);
}
END_TEST

/* Paging while rows are inserted: every row that existed before is seen exactly once. */
struct inserter {
    const char *partnership;
    int stop;
};

static void *insert_schools(void *arg)
{
    struct inserter *in = arg;
    for (int i = 0; i < 15; i++)
        test_school(in->partnership);
    return NULL;
}

START_TEST(paging_under_inserts)
{
    char *hub = test_hub();
    char *part = test_partnership(hub);
    char *ids[25];
    for (int i = 0; i < 25; i++)
        ids[i] = test_school(part);
    struct inserter in = {part, 0};
    pthread_t th;
    pthread_create(&th, NULL, insert_schools, &in);
    int seen[25] = {0};
    int total = 0;
    char *path = xasprintf("/v1/schools?partnership_id=%s&limit=4", part);
    json_t *all = json_object();
    while (path) {
        struct http_resp *r = test_call("GET", path, test_admin(), NULL, 200, NULL);
        json_t *items = json_object_get(r->json, "items");
        size_t i;
        json_t *it;
        json_array_foreach(items, i, it)
        {
            const char *id = json_string_value(json_object_get(it, "id"));
            ck_assert_msg(json_object_get(all, id) == NULL, "item %s repeated", id);
            json_object_set_new(all, id, json_true());
            for (int k = 0; k < 25; k++)
                if (!strcmp(ids[k], id))
                    seen[k]++;
            total++;
        }
        free(path);
        path = NULL;
        json_t *next = json_object_get(r->json, "next_cursor");
        if (json_is_string(next)) {
            const char *link = http_header(r, "Link");
            ck_assert_ptr_nonnull(link);
            ck_assert_ptr_nonnull(strstr(link, "rel=\"next\""));
            ck_assert(link[0] == '<' && link[1] == '/');
            const char *end = strchr(link, '>');
            path = xstrndup(link + 1, (size_t)(end - link - 1));
            ck_assert_ptr_nonnull(strstr(path, json_string_value(next)));
        } else {
            ck_assert_ptr_null(http_header(r, "Link"));
        }
        http_free(r);
    }
    pthread_join(th, NULL);
    for (int k = 0; k < 25; k++)
        ck_assert_msg(seen[k] == 1, "school %d seen %d times", k, seen[k]);
    ck_assert_int_ge(total, 25);
    json_decref(all);
}
END_TEST

/* The representation of the hubs, partnerships, schools, people, reviews, bookings,
 * accreditations, jobs, API keys and notifications is written in C from their columns
 * (common/rowjson.c) for a GET, a list's items and the answers to a create and an update; the
 * *_json functions of sql/ stay for the privacy export and webhooks and are the reference: each
 * answer is byte for byte what the function writes, read from PostgreSQL directly. Text that
 * needs every kind of escape (set in SQL: the API's validation keeps control characters out of
 * names), nulls, dates before the year 1000 and fractions of a second. */
static const char *sql_json(PGconn *db, const char *fn, const char *table, const char *id)
{
    char *sql = xasprintf("SELECT %s(x)::text FROM %s x WHERE x.id = $1", fn, table);
    const char *v = test_db_value(db, sql, id, NULL);
    free(sql);
    ck_assert_msg(*v, "%s has no row %s", table, id);
    return v;
}

/* The answer r is byte for byte want. */
static void answer_is(const struct http_resp *r, const char *what, const char *want)
{
    ck_assert_msg(r->body_len == strlen(want) && !memcmp(r->body, want, r->body_len),
                  "%s answered %s\nexpected %s", what, r->body, want);
}

/* The GET of path answers want byte for byte. */
static void get_is(const char *path, const char *want)
{
    struct http_resp *g = test_call("GET", path, test_admin(), NULL, 200, NULL);
    answer_is(g, path, want);
    http_free(g);
}

/* The same for a list that holds other items too: a page of list_path (a query string; the
 * cursor followed) holds the item whose id is id, and it is byte for byte want. */
static void list_holds(const char *list_path, const char *id, const char *want)
{
    char *key = xasprintf("{\"id\":\"%s\"", id), *path = xstrdup(list_path);
    const char *at = NULL;
    while (path && !at) {
        struct http_resp *l = test_call("GET", path, test_admin(), NULL, 200, NULL);
        at = strstr(l->body, key);
        size_t n = strlen(want);
        ck_assert_msg(!at || ((at[-1] == '[' || at[-1] == ',') && !strncmp(at, want, n) &&
                              (at[n] == ',' || at[n] == ']')),
                      "%s answered %s\nexpected the item %s", path, l->body, want);
        const char *next = json_string_value(json_object_get(l->json, "next_cursor"));
        free(path);
        path = next && !at ? xasprintf("%s&cursor=%s", list_path, next) : NULL;
        http_free(l);
    }
    ck_assert_msg(at, "%s has no item %s", list_path, id);
    free(key);
}

START_TEST(list_items_are_the_representation)
{
    struct test_cycle c;
    test_cycle_setup(&c, 1);
    PGconn *db = test_db();
    const char *odd = "odd \"q\" \\ \b\f\x01\x1f\t\n\r caf\xc3\xa9 \xe5\xad\xa6 </b> ";
    static const char *const sets[] = {
        "UPDATE hubs SET name = $1 || id, contact_email = NULL, "
        "updated_at = updated_at + interval '0.7 s' WHERE id = $2 RETURNING id",
        "UPDATE partnerships SET name = $1 || id, digest_enabled = false, "
        "phase_started_on = '0999-01-31', updated_at = updated_at + interval '0.3 s' "
        "WHERE id = $2 RETURNING id",
        "UPDATE schools SET name = $1 || id, postcode = NULL, "
        "created_at = created_at - interval '0.9 s' WHERE id = $2 RETURNING id",
        "UPDATE people SET full_name = $1 || id, job_title = NULL, "
        "notification_preferences = '{\"b\": [1, 2.50, \"x\\\"y\"], \"a\": null}' "
        "WHERE id = $2 RETURNING id",
        "UPDATE reviews SET focus = $1 || id, workshop_on = '2026-02-28', "
        "implementation_due_on = '0999-12-31', self_review_summary = NULL WHERE id = $2 "
        "RETURNING id",
    };
    const char *ids[] = {c.hub, c.partnership, c.host, c.lead, c.review};
    for (size_t i = 0; i < 5; i++)
        test_db_value(db, sets[i], odd, ids[i]);
    /* A booking of the lead's, the lead's accreditation, a dead job, the lead's key and a
     * notification of the review, each among other items of its list. */
    char *session = test_create("/v1/training-sessions", test_admin(),
                                "{\"course\":\"peer_reviewer\",\"starts_at\":"
                                "\"2030-03-02T09:00:00Z\",\"ends_at\":\"2030-03-02T15:30:00Z\","
                                "\"location\":\"Leeds\",\"capacity\":3,\"hub_id\":null}");
    char *path = xasprintf("/v1/training-sessions/%s/bookings", session);
    char *booking = test_create(path, test_admin(), "{\"person_id\":\"%s\"}", c.lead);
    free(path);
    test_db_value(db,
                  "UPDATE bookings SET updated_at = updated_at + interval '0.25 s' "
                  "WHERE id = $1 RETURNING id",
                  booking, NULL);
    char *accr = test_db_value(db,
                               "UPDATE accreditations SET note = $1 || id, "
                               "created_at = created_at - interval '0.1 s' WHERE person_id = $2 "
                               "AND role = 'peer_reviewer' RETURNING id",
                               odd, c.lead);
    char *job =
        test_db_value(db,
                      "INSERT INTO jobs (kind, status, attempts, max_attempts, last_error, "
                      "finished_at) VALUES ('conventions.representation', 'dead', 3, 3, $1, "
                      "clock_timestamp() + interval '0.5 s') RETURNING id",
                      odd, NULL);
    char *key =
        test_db_value(db,
                      "UPDATE api_keys SET name = $1 || id, revoked_at = created_at + "
                      "interval '1.5 s' WHERE role = 'person' AND scope_id = $2 RETURNING id",
                      odd, c.lead);
    char *note = test_db_value(db,
                               "INSERT INTO notifications (kind, subject_id, recipient, due_on, "
                               "review_id, status, attempts, last_error, sent_at) VALUES "
                               "('conventions.representation', $2, 'lead@example.org', "
                               "'0999-01-31', $2, 'sent', 2, $1, clock_timestamp() + "
                               "interval '0.75 s') RETURNING id",
                               odd, c.review);
    /* Each record: its function and table, its id, its GET (none for a notification) and a
     * list holding it. */
    const char *records[][5] = {
        {"hub_json", "hubs", c.hub, "/v1/hubs/%s", test_fmt("/v1/hubs?q=%s", c.hub)},
        {"partnership_json", "partnerships", c.partnership, "/v1/partnerships/%s",
         test_fmt("/v1/partnerships?q=%s", c.partnership)},
        {"school_json", "schools", c.host, "/v1/schools/%s", test_fmt("/v1/schools?q=%s", c.host)},
        {"person_json", "people", c.lead, "/v1/people/%s", test_fmt("/v1/people?q=%s", c.lead)},
        {"review_json", "reviews", c.review, "/v1/reviews/%s",
         test_fmt("/v1/reviews?school_id=%s", c.host)},
        {"booking_json", "bookings", booking, "/v1/bookings/%s",
         test_fmt("/v1/training-sessions/%s/bookings?status=booked", session)},
        {"accreditation_json", "accreditations", accr,
         test_fmt("/v1/people/%s/accreditations/%%s", c.lead),
         test_fmt("/v1/people/%s/accreditations?role=peer_reviewer", c.lead)},
        {"job_json", "jobs", job, "/v1/jobs/%s",
         "/v1/jobs?status=dead&kind=conventions.representation&limit=200"},
        {"api_key_json", "api_keys", key, "/v1/api-keys/%s", "/v1/api-keys?role=person&limit=200"},
        {"notification_json", "notifications", note, NULL,
         test_fmt("/v1/notifications?review_id=%s", c.review)},
    };
    for (size_t i = 0; i < sizeof records / sizeof *records; i++) {
        const char *want = sql_json(db, records[i][0], records[i][1], records[i][2]);
        if (records[i][3]) {
            char *get = xasprintf(records[i][3], records[i][2]);
            get_is(get, want);
            free(get);
        }
        list_holds(records[i][4], records[i][2], want);
    }

    /* A create's and an update's answers: 201 with Location and ETag "1", then 200 with ETag
     * "2", each the function's text (what validation lets into a name: quotes, backslashes,
     * UTF-8, markup). */
    char *id, *at;
    struct http_resp *r =
        test_expect_created("/v1/hubs",
                            "{\"name\":\"odd \\\"q\\\" \\\\ caf\xc3\xa9 \xe5\xad\xa6 </b>\","
                            "\"region\":\"North\",\"contact_email\":null}",
                            &id, &at);
    answer_is(r, at, sql_json(db, "hub_json", "hubs", id));
    http_free(r);
    r = test_call("PATCH", at, test_admin(), "{\"region\":\"x\\\\\\\"y\"}", 200, NULL);
    ck_assert_str_eq(http_header(r, "ETag"), "\"2\"");
    answer_is(r, at, sql_json(db, "hub_json", "hubs", id));
    http_free(r);
    r = test_expect_created(
        "/v1/schools",
        test_fmt("{\"urn\":\"%s\",\"name\":\"\\\"Quoted\\\" \\\\ school\",\"phase_of_education\":"
                 "\"primary\",\"local_authority\":\"Leeds\",\"partnership_id\":\"%s\"}",
                 test_urn(), c.partnership),
        &id, &at);
    answer_is(r, at, sql_json(db, "school_json", "schools", id));
    http_free(r);
    r = test_call("PATCH", at, test_admin(), "{\"postcode\":\"LS1 1AA\"}", 200, NULL);
    answer_is(r, at, sql_json(db, "school_json", "schools", id));
    http_free(r);
    PQfinish(db);
}
END_TEST

Suite *conventions_suite(void)
{
    Suite *s = suite_create("conventions");
    TCase *tc = tcase_create("conventions");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, unauthorized_without_token);
    tcase_add_test(tc, unknown_path_404_and_method_405);
    tcase_add_test(tc, malformed_json_400);
    tcase_add_test(tc, wrong_media_type_415);
    tcase_add_test(tc, body_too_large_413);
    tcase_add_test(tc, validation_lists_every_field);
    tcase_add_test(tc, invalid_utf8_422);
    tcase_add_test(tc, body_must_be_object);
    tcase_add_test(tc, bad_query_parameters_422);
    tcase_add_test(tc, idempotency_replay_and_reuse);
    tcase_add_test(tc, if_match_lets_one_of_eight_through);
    tcase_add_test(tc, stale_if_match_412);
    tcase_add_test(tc, paging_under_inserts);
    tcase_add_test(tc, list_items_are_the_representation);
    suite_add_tcase(s, tc);
    return s;
}
