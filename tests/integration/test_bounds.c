/* Issue 9's smaller defects over HTTP: query strings (parameters without '=', unknown ones on
 * every route, repeats), cursors past any row, bounded arrays and error lists, who may own an
 * action or be named champion without learning about people outside the caller's scope, one
 * queued champion assignment per review, and who clears a declared conflict. */
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cursor.h"
#include "fixtures.h"
#include "integration.h"
#include "validate.h"
#include "xalloc.h"

static struct http_resp *call(const char *method, const char *path, const char *token,
                              const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static struct http_resp *call(const char *method, const char *path, const char *token,
                              const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *body = test_vformat(fmt, ap);
    va_end(ap);
    struct http_resp *r = http_call(method, path, token, body, NULL);
    free(body);
    return r;
}

static void expect(const struct http_resp *r, long status, const char *what)
{
    ck_assert_msg(r->status == status, "%s: expected %ld, got %ld %s", what, status, r->status,
                  r->body);
}

/* The errors array of a problem, and its one item's member k ("" when absent). */
static size_t nerrors(const struct http_resp *r)
{
    return json_array_size(json_object_get(r->json, "errors"));
}

static const char *error_at(const struct http_resp *r, size_t i, const char *k)
{
    const char *v = json_string_value(
        json_object_get(json_array_get(json_object_get(r->json, "errors"), i), k));
    return v ? v : "";
}

/* ---- query strings ---- */

START_TEST(query_parameter_without_value)
{
    struct http_resp *r = call("GET", "/v1/schools?limit", test_admin(), NULL);
    expect(r, 422, "GET /v1/schools?limit");
    ck_assert_str_eq(test_code(r), "validation_failed");
    ck_assert_int_eq(nerrors(r), 1);
    ck_assert_str_eq(error_at(r, 0, "field"), "limit");
    ck_assert_str_eq(error_at(r, 0, "rule"), "missing_value");
    http_free(r);

    char *school = test_school(NULL);
    char *path = test_fmt("/v1/schools/%s?verbose", school);
    r = call("GET", path, test_admin(), NULL);
    expect(r, 422, path);
    ck_assert_str_eq(error_at(r, 0, "field"), "verbose");
    http_free(r);
    /* Several pieces, an empty one skipped, decoded names: each problem named once. */
    r = call("GET", "/v1/schools?q=a+b&&lim%69t=2&flag", test_admin(), NULL);
    expect(r, 422, "GET /v1/schools?q=a+b&&lim%69t=2&flag");
    ck_assert_int_eq(nerrors(r), 1);
    ck_assert_str_eq(error_at(r, 0, "field"), "flag");
    http_free(r);
    r = call("GET", "/v1/schools?q=a+b&&lim%69t=2", test_admin(), NULL);
    expect(r, 200, "GET /v1/schools?q=a+b&&lim%69t=2");
    http_free(r);
    r = call("GET", "/v1/schools?q=", test_admin(), NULL);
    expect(r, 422, "GET /v1/schools?q=");
    ck_assert_str_eq(error_at(r, 0, "field"), "q");
    ck_assert_str_eq(error_at(r, 0, "rule"), "missing_value");
    http_free(r);
    r = call("GET", "/v1/schools?q=%00", test_admin(), NULL);
    expect(r, 422, "GET /v1/schools?q=%00");
    ck_assert_str_eq(error_at(r, 0, "field"), "q");
    http_free(r);
}
END_TEST

START_TEST(unknown_query_parameter_on_every_route)
{
    char *hub = test_hub(), *part = test_partnership(hub), *school = test_school(part);
    char *person = test_person(school);
    char *review = test_create("/v1/reviews", test_admin(), "{\"school_id\":\"%s\"}", school);
    struct {
        const char *method, *path, *body;
    } cases[] = {
        {"GET", "/healthz", NULL},
        {"GET", "/v1/schools/%s", NULL},
        {"PATCH", "/v1/schools/%s", "{\"postcode\":\"LS1 1AA\"}"},
        {"DELETE", "/v1/schools/%s", NULL},
        {"POST", "/v1/schools", "{}"},
        {"GET", "/v1/hubs/%s", NULL},
        {"GET", "/v1/hubs/%s/summary", NULL},
        {"GET", "/v1/partnerships/%s", NULL},
        {"GET", "/v1/partnerships/%s/summary", NULL},
        {"GET", "/v1/people/%s", NULL},
        {"DELETE", "/v1/people/%s", NULL},
        {"GET", "/v1/reviews/%s", NULL},
        {"POST", "/v1/reviews/%s/champion-assignment", NULL},
        {"POST", "/v1/reviews/%s/transitions", "{\"to\":\"cancelled\",\"reason\":\"x\"}"},
        {"POST", "/v1/webhooks", "{}"},
        {"GET", "/v1/webhooks/%s", NULL},
        {"DELETE", "/v1/webhooks/%s", NULL},
    };
    const char *ids[] = {NULL,   school, school, school, NULL,   hub,  hub,    part,  part,
                         person, person, review, review, review, NULL, review, review};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *base = ids[i] ? test_fmt(cases[i].path, ids[i]) : test_fmt("%s", cases[i].path);
        char *path = test_fmt("%s?nope=1", base);
        struct http_resp *r = http_call(cases[i].method, path, test_admin(), cases[i].body, NULL);
        char *what = test_fmt("%s %s", cases[i].method, path);
        expect(r, 422, what);
        ck_assert_str_eq(test_code(r), "validation_failed");
        ck_assert_str_eq(error_at(r, 0, "field"), "nope");
        ck_assert_str_eq(error_at(r, 0, "rule"), "unknown_parameter");
        http_free(r);
    }
    /* Nothing changed: the school, the person and the review are as they were. */
    char *sp = test_fmt("/v1/schools/%s", school), *pp = test_fmt("/v1/people/%s", person);
    char *rp = test_fmt("/v1/reviews/%s", review);
    struct http_resp *r = call("GET", sp, test_admin(), NULL);
    expect(r, 200, sp);
    ck_assert_str_eq(http_header(r, "ETag"), "\"1\"");
    http_free(r);
    r = call("GET", pp, test_admin(), NULL);
    expect(r, 200, pp);
    http_free(r);
    r = call("GET", rp, test_admin(), NULL);
    expect(r, 200, rp);
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "status")), "planning");
    http_free(r);
}
END_TEST

START_TEST(query_parameter_repeated_is_reported_once)
{
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "/v1/schools?limit=1");
    for (int i = 0; i < 200; i++)
        buf_puts(&b, "&limit=2");
    struct http_resp *r = call("GET", b.data, test_admin(), NULL);
    expect(r, 422, "200 repeats of limit");
    ck_assert_int_eq(nerrors(r), 1);
    ck_assert_str_eq(error_at(r, 0, "rule"), "repeated");
    http_free(r);
    buf_cleanup(&b);
}
END_TEST

/* A cursor this service could have written, naming a position past any row. */
START_TEST(cursor_past_any_row)
{
    static const int64_t far[] = {INT64_MAX, INT64_MAX - 1, CURSOR_MICROS_MAX + 1};
    for (size_t i = 0; i < sizeof far / sizeof far[0]; i++) {
        struct cursor c = {far[i], "0b6f6a5e-6f1c-4c53-9f2e-4d8a1b2c3d4e"};
        char text[CURSOR_MAX];
        cursor_encode(&c, text);
        char *path = test_fmt("/v1/schools?cursor=%s", text);
        struct http_resp *r = call("GET", path, test_admin(), NULL);
        expect(r, 422, path);
        ck_assert_str_eq(test_code(r), "validation_failed");
        ck_assert_str_eq(error_at(r, 0, "field"), "cursor");
        http_free(r);
    }
}
END_TEST

/* ---- who may be named on a review ---- */

/* Records an award earned elsewhere (admin) in role, on 2026-01-05: valid into 2028. */
static void award(const char *person, const char *role)
{
    char *path = test_fmt("/v1/people/%s/accreditations", person);
    struct http_resp *r =
        call("POST", path, test_admin(), "{\"role\":\"%s\",\"awarded_on\":\"2026-01-05\"}", role);
    expect(r, 201, path);
    http_free(r);
}

/* Two partnerships of one hub: the review's (host and partner school) and another one. */
static const char two_review[] = "\"focus\":\"Reading\",\"workshop_on\":\"2027-05-05\"";

/* The problem body without the parts that name the id sent (there are none): two answers are
 * the same when their code and errors are equal. */
static void same_answer(const struct http_resp *a, const struct http_resp *b, const char *what)
{
    ck_assert_msg(a->status == b->status, "%s: %ld vs %ld", what, a->status, b->status);
    ck_assert_str_eq(test_code(a), test_code(b));
    ck_assert_msg(
        json_equal(json_object_get(a->json, "errors"), json_object_get(b->json, "errors")),
        "%s: %s vs %s", what, a->body, b->body);
}

START_TEST(action_owner_must_be_of_the_partnership)
{
    struct test_two t;
    test_two_setup(&t, 1, two_review);
    char *outsider = test_person(t.outsider_school);
    char *colleague = test_person(t.host), *partner_staff = test_person(t.partner);
    char *ac = test_fmt("/v1/reviews/%s/actions", t.review);
    /* The outsider exists: its own partnership's key reads it. */
    char *op = test_fmt("/v1/people/%s", outsider);
    struct http_resp *r = call("GET", op, t.other_partnership_key, NULL);
    expect(r, 200, op);
    http_free(r);

    /* The host school cannot tell it from nobody: the same one problem for both. */
    struct http_resp *a =
        call("POST", ac, t.host_key, "{\"description\":\"x\",\"owner_id\":\"%s\"}", outsider);
    struct http_resp *b = call("POST", ac, t.host_key,
                               "{\"description\":\"x\",\"owner_id\":"
                               "\"00000000-0000-4000-8000-00000000abcd\"}");
    expect(a, 422, "owner outside the partnership");
    ck_assert_int_eq(nerrors(a), 1);
    ck_assert_str_eq(error_at(a, 0, "field"), "/owner_id");
    ck_assert_str_eq(error_at(a, 0, "rule"), "not_found");
    ck_assert_str_eq(error_at(a, 0, "message"), "names no person you can see");
    same_answer(a, b, "outsider vs nobody");
    http_free(a);
    http_free(b);
    /* The partnership's own staff, at the host or a partner school, may own an action. */
    r = call("POST", ac, t.host_key, "{\"description\":\"x\",\"owner_id\":\"%s\"}", colleague);
    expect(r, 201, "owner at the host school");
    char *action = xstrdup(http_header(r, "Location"));
    http_free(r);
    r = call("POST", ac, t.host_key, "{\"description\":\"x\",\"owner_id\":\"%s\"}", partner_staff);
    expect(r, 201, "owner at a partner school");
    http_free(r);
    /* A PATCH that moves the action to the outsider is refused the same way. */
    r = call("PATCH", action, t.host_key, "{\"owner_id\":\"%s\"}", outsider);
    expect(r, 422, "PATCH owner outside");
    ck_assert_str_eq(error_at(r, 0, "message"), "names no person you can see");
    http_free(r);
    /* Admin sees everyone: it learns why. */
    r = call("POST", ac, test_admin(), "{\"description\":\"x\",\"owner_id\":\"%s\"}", outsider);
    expect(r, 422, "admin, owner outside");
    ck_assert_int_eq(nerrors(r), 1);
    ck_assert_str_eq(error_at(r, 0, "rule"), "other_partnership");
    http_free(r);
    /* The other partnership's key does not see the review at all. */
    r = call("POST", ac, t.other_partnership_key, "{\"description\":\"x\",\"owner_id\":\"%s\"}",
             outsider);
    expect(r, 404, "other partnership's key");
    http_free(r);
    free(action);
}
END_TEST

START_TEST(champion_outside_scope_lists_no_rules)
{
    struct test_two t;
    test_two_setup(&t, 1, two_review);
    /* An accredited champion of the other partnership: breaks other_partnership only. */
    char *outsider = test_person(t.outsider_school);
    award(outsider, "improvement_champion");
    char *unaccredited_outsider = test_person(t.outsider_school);
    char *cp = test_fmt("/v1/reviews/%s/champion", t.review);
    char *tp = test_fmt("/v1/reviews/%s/team", t.review);
    struct http_resp *nobody =
        call("PUT", cp, t.host_key, "{\"person_id\":\"00000000-0000-4000-8000-00000000abcd\"}");
    expect(nobody, 422, "champion nobody");
    ck_assert_int_eq(nerrors(nobody), 1);
    ck_assert_str_eq(error_at(nobody, 0, "rule"), "not_found");
    ck_assert_str_eq(error_at(nobody, 0, "message"), "names no person you can see");
    const char *who[] = {outsider, unaccredited_outsider};
    for (int i = 0; i < 2; i++) {
        struct http_resp *r = call("PUT", cp, t.host_key, "{\"person_id\":\"%s\"}", who[i]);
        same_answer(r, nobody, "champion outside vs nobody");
        http_free(r);
        r = call("POST", tp, t.host_key, "{\"person_id\":\"%s\",\"role\":\"peer_reviewer\"}",
                 who[i]);
        same_answer(r, nobody, "team member outside vs nobody");
        http_free(r);
    }
    /* Admin sees everyone: it is told which rules. */
    struct http_resp *r = call("PUT", cp, test_admin(), "{\"person_id\":\"%s\"}", outsider);
    expect(r, 422, "admin, champion outside");
    ck_assert_str_eq(test_code(r), "not_eligible");
    ck_assert_int_eq(nerrors(r), 1);
    ck_assert_str_eq(error_at(r, 0, "rule"), "other_partnership");
    http_free(r);
    /* A partner school's unaccredited staff: inside the partnership, so the rules are listed. */
    char *partner_staff = test_person(t.partner);
    r = call("PUT", cp, t.host_key, "{\"person_id\":\"%s\"}", partner_staff);
    expect(r, 422, "champion partner staff");
    ck_assert_str_eq(test_code(r), "not_eligible");
    ck_assert_str_eq(error_at(r, 0, "rule"), "not_accredited");
    http_free(r);
    http_free(nobody);
}
END_TEST

/* ---- one queued champion assignment per review ---- */

START_TEST(champion_assignment_once_while_queued)
{
    struct test_two t;
    test_two_setup(&t, 1, two_review);
    PGconn *db = test_db();
    char *path = test_fmt("/v1/reviews/%s/champion-assignment", t.review);
    /* An assignment that waits (due in an hour, so the running worker leaves it alone), as a
     * backlog would leave one: every request meanwhile answers with it. */
    char *waiting = test_db_value(
        db,
        "INSERT INTO jobs (kind, payload, pending_key, run_at) VALUES ('champion.assign', "
        "json_build_object('review_id', $1::text)::jsonb, 'champion.assign:' || $1, "
        "now() + interval '1 hour') RETURNING id",
        t.review, NULL);
    for (int i = 0; i < 3; i++) {
        struct http_resp *r = call("POST", path, t.host_key, NULL);
        expect(r, 202, "assignment while one waits");
        ck_assert_str_eq(json_string_value(json_object_get(r->json, "id")), waiting);
        char *loc = test_fmt("/v1/jobs/%s", waiting);
        ck_assert_str_eq(http_header(r, "Location"), loc);
        http_free(r);
    }
    char *queued = test_db_value(db,
                                 "SELECT count(*) FROM jobs WHERE kind = 'champion.assign' "
                                 "AND payload->>'review_id' = $1",
                                 t.review, NULL);
    ck_assert_str_eq(queued, "1");
    /* Claiming a job clears its key (here it ends at once): the next request queues anew. */
    test_db_value(db,
                  "UPDATE jobs SET status = 'dead', pending_key = NULL, finished_at = now() "
                  "WHERE id = $1",
                  waiting, NULL);
    struct http_resp *r = call("POST", path, t.host_key, NULL);
    expect(r, 202, "assignment after the last one ended");
    ck_assert_str_ne(json_string_value(json_object_get(r->json, "id")), waiting);
    http_free(r);
    PQfinish(db);
}
END_TEST

/* ---- who clears a declared conflict ---- */

START_TEST(conflict_not_cleared_by_the_person_concerned)
{
    struct test_two t;
    test_two_setup(&t, 1, two_review);
    char *person = test_person(t.partner);
    char *own_key = test_key("person", person);
    char *school_key = test_key("school", t.partner);
    char *cp = test_fmt("/v1/people/%s/conflicts", person);
    /* The person declares it (a declaration only ever narrows where they may sit). */
    struct http_resp *r =
        call("POST", cp, own_key, "{\"school_id\":\"%s\",\"reason\":\"Governor\"}", t.host);
    expect(r, 201, "person declares");
    char *conflict = xstrdup(http_header(r, "Location"));
    http_free(r);
    r = call("DELETE", conflict, own_key, NULL);
    expect(r, 403, "person clears its own conflict");
    ck_assert_str_eq(test_code(r), "forbidden");
    http_free(r);
    r = call("GET", conflict, own_key, NULL);
    expect(r, 200, "still declared");
    http_free(r);
    r = call("DELETE", conflict, school_key, NULL);
    expect(r, 204, "the person's school clears it");
    http_free(r);
    r = call("GET", conflict, test_admin(), NULL);
    expect(r, 404, "gone");
    http_free(r);
    free(conflict);
}
END_TEST

/* ---- bounded arrays and error lists ---- */

/* An import body of n items for person, one award a day back from 2026-01-01 (all in the past,
 * all distinct). bad: every item names no person and carries an unknown member. Caller frees. */
static char *import_body(const char *person, int n, int bad)
{
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "{\"items\":[");
    time_t day = 1767225600; /* 2026-01-01T00:00:00Z */
    for (int i = 0; i < n; i++) {
        char date[11];
        time_t t = day - (time_t)i * 86400;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(date, sizeof date, "%Y-%m-%d", &tm);
        if (bad)
            buf_printf(&b, "%s{\"x\":1,\"role\":\"peer_reviewer\",\"awarded_on\":\"%s\"}",
                       i ? "," : "", date);
        else
            buf_printf(&b,
                       "%s{\"person_id\":\"%s\",\"role\":\"peer_reviewer\","
                       "\"awarded_on\":\"%s\"}",
                       i ? "," : "", person, date);
    }
    buf_puts(&b, "]}");
    size_t len;
    return buf_steal(&b, &len);
}

START_TEST(import_takes_ten_thousand_items)
{
    char *school = test_school(NULL), *person = test_person(school);
    /* One past the maximum: one problem, not one per item. */
    char *body = import_body(person, 10001, 0);
    struct http_resp *r = http_call("POST", "/v1/accreditations/import", test_admin(), body, NULL);
    expect(r, 422, "10,001 items");
    ck_assert_int_eq(nerrors(r), 1);
    ck_assert_str_eq(error_at(r, 0, "field"), "/items");
    ck_assert_str_eq(error_at(r, 0, "rule"), "max_items");
    http_free(r);
    free(body);
    /* 10,000 items with a problem each: the first 100 problems and one saying there are more. */
    body = import_body(person, 10000, 1);
    r = http_call("POST", "/v1/accreditations/import", test_admin(), body, NULL);
    expect(r, 422, "10,000 bad items");
    ck_assert_int_eq(nerrors(r), 101);
    ck_assert_str_eq(error_at(r, 0, "field"), "/items/0/x");
    ck_assert_str_eq(error_at(r, 100, "rule"), "too_many_errors");
    ck_assert_msg(r->body_len < 20000, "answer of %zu bytes", r->body_len);
    http_free(r);
    free(body);
    /* The maximum is taken, all or nothing. */
    body = import_body(person, 10000, 0);
    r = http_call("POST", "/v1/accreditations/import", test_admin(), body, NULL);
    expect(r, 200, "10,000 items");
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "imported")), 10000);
    http_free(r);
    free(body);
}
END_TEST

START_TEST(evidence_ids_capped_at_one_hundred)
{
    struct test_two t;
    test_two_setup(&t, 1, two_review);
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "{\"kind\":\"strength\",\"text\":\"Reading\",\"evidence_ids\":[");
    for (int i = 0; i < 5000; i++)
        buf_printf(&b, "%s\"00000000-0000-4000-8000-%012d\"", i ? "," : "", i);
    buf_puts(&b, "]}");
    char *path = test_fmt("/v1/reviews/%s/findings", t.review);
    struct http_resp *r = http_call("POST", path, test_admin(), b.data, NULL);
    expect(r, 422, "5,000 evidence ids");
    ck_assert_int_eq(nerrors(r), 1);
    ck_assert_str_eq(error_at(r, 0, "field"), "/evidence_ids");
    ck_assert_str_eq(error_at(r, 0, "rule"), "max_items");
    http_free(r);
    buf_cleanup(&b);
}
END_TEST

/* A body of many unknown members answers a bounded list, and changes nothing. */
START_TEST(error_list_is_bounded)
{
    struct buf b;
    buf_init(&b);
    buf_puts(&b, "{");
    for (int i = 0; i < 20000; i++)
        buf_printf(&b, "%s\"k%d\":0", i ? "," : "", i);
    buf_puts(&b, "}");
    struct http_resp *r = http_call("POST", "/v1/schools", test_admin(), b.data, NULL);
    expect(r, 422, "20,000 unknown members");
    ck_assert_int_eq(nerrors(r), 101);
    ck_assert_str_eq(error_at(r, 100, "rule"), "too_many_errors");
    ck_assert_msg(r->body_len < 20000, "answer of %zu bytes", r->body_len);
    http_free(r);
    buf_cleanup(&b);
}
END_TEST

/* ---- CHECK constraints ---- */

/* Every CHECK on training sessions has its own words (field and rule), and reversed dates
 * still answer at /ends_at. */
START_TEST(training_checks_report_their_own_rule)
{
    PGconn *db = test_db();
    PGresult *res = PQexec(db, "SELECT conname FROM pg_constraint WHERE contype = 'c' "
                               "AND conrelid = 'training_sessions'::regclass ORDER BY conname");
    ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    ck_assert_int_ge(PQntuples(res), 4);
    int dates = 0;
    for (int i = 0; i < PQntuples(res); i++) {
        const struct vcheck *c = validate_check_constraint(PQgetvalue(res, i, 0));
        ck_assert_msg(c != NULL, "CHECK %s has no words", PQgetvalue(res, i, 0));
        dates += !strcmp(c->rule, "dates_reversed");
    }
    ck_assert_int_eq(dates, 1); /* only the dates rule reads as reversed dates */
    PQclear(res);
    PQfinish(db);
    struct http_resp *r = call("POST", "/v1/training-sessions", test_admin(),
                               "{\"course\":\"peer_reviewer\",\"starts_at\":"
                               "\"2027-03-01T10:00:00Z\",\"ends_at\":\"2027-03-01T09:00:00Z\","
                               "\"location\":\"Leeds\",\"capacity\":10}");
    expect(r, 422, "reversed dates");
    ck_assert_int_eq(nerrors(r), 1);
    ck_assert_str_eq(error_at(r, 0, "field"), "/ends_at");
    ck_assert_str_eq(error_at(r, 0, "rule"), "dates_reversed");
    http_free(r);
}
END_TEST

Suite *bounds_suite(void)
{
    Suite *s = suite_create("bounds");
    TCase *tc = tcase_create("query");
    tcase_add_test(tc, query_parameter_without_value);
    tcase_add_test(tc, unknown_query_parameter_on_every_route);
    tcase_add_test(tc, query_parameter_repeated_is_reported_once);
    tcase_add_test(tc, cursor_past_any_row);
    suite_add_tcase(s, tc);
    tc = tcase_create("scope");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, action_owner_must_be_of_the_partnership);
    tcase_add_test(tc, champion_outside_scope_lists_no_rules);
    tcase_add_test(tc, champion_assignment_once_while_queued);
    tcase_add_test(tc, conflict_not_cleared_by_the_person_concerned);
    suite_add_tcase(s, tc);
    tc = tcase_create("arrays");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, import_takes_ten_thousand_items);
    tcase_add_test(tc, evidence_ids_capped_at_one_hundred);
    tcase_add_test(tc, error_list_is_bounded);
    tcase_add_test(tc, training_checks_report_their_own_rule);
    suite_add_tcase(s, tc);
    return s;
}
