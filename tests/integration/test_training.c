/* Training sessions and bookings over HTTP: seats under concurrency, the waiting list,
 * attendance and the scope rules. */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "integration.h"
#include "xalloc.h"

/* A session of course with capacity seats; past starts it yesterday, else next month. */
static char *training_session(const char *course, int capacity, int past, const char *hub_id)
{
    char hub[64] = "null";
    if (hub_id)
        snprintf(hub, sizeof hub, "\"%s\"", hub_id);
    return test_create("/v1/training-sessions", test_admin(),
                       "{\"course\":\"%s\",\"starts_at\":\"%s\",\"ends_at\":\"%s\","
                       "\"location\":\"Leeds Civic Hall\",\"capacity\":%d,\"hub_id\":%s}",
                       course, past ? "2026-01-10T09:00:00Z" : "2030-03-02T09:00:00Z",
                       past ? "2026-01-10T15:30:00Z" : "2030-03-02T15:30:00Z", capacity, hub);
}

static struct http_resp *training_book(const char *session, const char *person, const char *tok)
{
    char *path = test_fmt("/v1/training-sessions/%s/bookings", session);
    char *body = test_fmt("{\"person_id\":\"%s\"}", person);
    struct http_resp *r = http_call("POST", path, tok ? tok : test_admin(), body, NULL);
    return r;
}

static struct http_resp *training_set(const char *booking, const char *status, const char *tok)
{
    char *path = test_fmt("/v1/bookings/%s", booking);
    char *body = test_fmt("{\"status\":\"%s\"}", status);
    struct http_resp *r = http_call("PATCH", path, tok ? tok : test_admin(), body, NULL);
    return r;
}

static const char *str(const struct http_resp *r, const char *k)
{
    const char *v = json_string_value(json_object_get(r->json, k));
    return v ? v : "";
}

static long num(const struct http_resp *r, const char *k)
{
    return (long)json_integer_value(json_object_get(r->json, k));
}

START_TEST(session_crud_and_rules)
{
    char *id = training_session("improvement_champion", 12, 0, NULL);
    char *path = test_fmt("/v1/training-sessions/%s", id);
    struct http_resp *r = test_call("GET", path, test_admin(), NULL, 200, NULL);
    ck_assert_int_eq(num(r, "booked_count"), 0);
    ck_assert_int_eq(num(r, "seats_left"), 12);
    ck_assert_str_eq(str(r, "starts_at"), "2030-03-02T09:00:00Z");
    http_free(r);

    r = test_call("GET",
                  "/v1/"
                  "training-sessions?course=improvement_champion&from=2030-03-01&to=2030-03-02&has_"
                  "seats=true&limit=200",
                  test_admin(), NULL, 200, NULL);
    int seen = 0;
    size_t i;
    json_t *it;
    json_array_foreach(json_object_get(r->json, "items"), i, it)
    {
        seen += !strcmp(json_string_value(json_object_get(it, "id")), id);
        ck_assert_str_eq(json_string_value(json_object_get(it, "course")), "improvement_champion");
    }
    ck_assert_int_eq(seen, 1);
    http_free(r);
    r = http_call("GET", "/v1/training-sessions?from=2030-03-03&limit=200", test_admin(), NULL,
                  NULL);
    ck_assert_ptr_null(strstr(r->body, id));
    http_free(r);
    test_expect_errors("GET", "/v1/training-sessions?course=cooking&has_seats=maybe", test_admin(),
                       NULL, 422, NULL, 2);

    r = test_call("PATCH", path, test_admin(), "{\"ends_at\":\"2030-03-01T09:00:00Z\"}", 422, NULL);
    ck_assert_ptr_nonnull(strstr(r->body, "dates_reversed"));
    http_free(r);
    r = test_call("PATCH", path, test_admin(), "{\"location\":\"Bradford\",\"capacity\":20}", 200,
                  NULL);
    ck_assert_int_eq(num(r, "seats_left"), 20);
    ck_assert_int_eq(num(r, "version"), 2);
    http_free(r);
    test_expect("DELETE", path, test_admin(), NULL, 204, NULL);
    test_expect("GET", path, test_admin(), NULL, 404, NULL);
}
END_TEST

struct booker {
    const char *session;
    char *person;
    long status;
    char booking_status[16];
};

static void *book_one(void *arg)
{
    struct booker *b = arg;
    struct http_resp *r = training_book(b->session, b->person, NULL);
    b->status = r->status;
    snprintf(b->booking_status, sizeof b->booking_status, "%s", str(r, "status"));
    http_free(r);
    return NULL;
}

/* 40 people book 10 seats at once from separate connections: exactly 10 booked. */
START_TEST(forty_bookings_for_ten_seats)
{
    char *session = training_session("peer_reviewer", 10, 0, NULL);
    char *school = test_school(NULL);
    struct booker b[40];
    pthread_t th[40];
    for (int i = 0; i < 40; i++) {
        b[i].session = session;
        b[i].person = test_person(school);
    }
    for (int i = 0; i < 40; i++)
        pthread_create(&th[i], NULL, book_one, &b[i]);
    int booked = 0, waitlisted = 0;
    for (int i = 0; i < 40; i++) {
        pthread_join(th[i], NULL);
        ck_assert_int_eq(b[i].status, 201);
        booked += !strcmp(b[i].booking_status, "booked");
        waitlisted += !strcmp(b[i].booking_status, "waitlisted");
    }
    ck_assert_int_eq(booked, 10);
    ck_assert_int_eq(waitlisted, 30);
    char *path = test_fmt("/v1/training-sessions/%s", session);
    struct http_resp *r = http_call("GET", path, test_admin(), NULL, NULL);
    ck_assert_int_eq(num(r, "booked_count"), 10);
    ck_assert_int_eq(num(r, "seats_left"), 0);
    http_free(r);
    /* No deleting a session that has bookings, and no squeezing it below them. */
    test_expect("DELETE", path, test_admin(), NULL, 409, NULL);
    r = test_call("PATCH", path, test_admin(), "{\"capacity\":9}", 422, NULL);
    ck_assert_ptr_nonnull(strstr(r->body, "capacity_below_booked"));
    http_free(r);
    /* Two more seats: the two oldest waitlisted bookings move up. */
    r = test_call("PATCH", path, test_admin(), "{\"capacity\":12}", 200, NULL);
    ck_assert_int_eq(num(r, "booked_count"), 12);
    http_free(r);
}
END_TEST

/* The booking.changed notifications of a booking (spp_notify: one per booking and day). */
static long notification_rows(const char *booking_id)
{
    return test_sql_long("SELECT count(*) FROM notifications WHERE kind = 'booking.changed' "
                         "AND subject_id = $1::uuid",
                         booking_id);
}

START_TEST(cancel_promotes_the_oldest_waitlisted)
{
    char *session = training_session("peer_reviewer", 1, 0, NULL);
    char *school = test_school(NULL);
    char *p1 = test_person(school), *p2 = test_person(school), *p3 = test_person(school);
    struct http_resp *a = training_book(session, p1, NULL);
    struct http_resp *b = training_book(session, p2, NULL);
    struct http_resp *c = training_book(session, p3, NULL);
    ck_assert_str_eq(str(a, "status"), "booked");
    ck_assert_str_eq(str(b, "status"), "waitlisted");
    ck_assert_str_eq(str(c, "status"), "waitlisted");
    /* One live booking per person and session. */
    struct http_resp *dup = training_book(session, p1, NULL);
    ck_assert_int_eq(dup->status, 409);
    http_free(dup);

    struct http_resp *x = training_set(str(a, "id"), "cancelled", NULL);
    ck_assert_int_eq(x->status, 200);
    ck_assert_str_eq(str(x, "status"), "cancelled");
    http_free(x);
    char *bpath = test_fmt("/v1/bookings/%s", str(b, "id"));
    x = http_call("GET", bpath, test_admin(), NULL, NULL);
    ck_assert_str_eq(str(x, "status"), "booked");
    http_free(x);
    char *cpath = test_fmt("/v1/bookings/%s", str(c, "id"));
    x = http_call("GET", cpath, test_admin(), NULL, NULL);
    ck_assert_str_eq(str(x, "status"), "waitlisted");
    http_free(x);
    /* A notification for each person whose booking changed. */
    ck_assert_int_eq(notification_rows(str(a, "id")), 1);
    ck_assert_int_eq(notification_rows(str(b, "id")), 1);
    ck_assert_int_eq(notification_rows(str(c, "id")), 0);
    /* Nothing comes back from cancelled; a new booking is allowed. */
    x = training_set(str(a, "id"), "attended", NULL);
    ck_assert_int_eq(x->status, 409);
    ck_assert_str_eq(test_code(x), "invalid_transition");
    http_free(x);
    x = training_book(session, p1, NULL);
    ck_assert_int_eq(x->status, 201);
    ck_assert_str_eq(str(x, "status"), "waitlisted");
    http_free(x);
    /* Attendance waits for the session to start. */
    x = training_set(str(b, "id"), "attended", NULL);
    ck_assert_int_eq(x->status, 422);
    ck_assert_ptr_nonnull(strstr(x->body, "session_not_started"));
    http_free(x);
    x = http_call("PATCH", bpath, test_admin(), "{\"status\":\"booked\"}", NULL);
    ck_assert_int_eq(x->status, 422);
    http_free(x);
    const char *stale[] = {"If-Match: \"1\"", NULL};
    x = http_call("PATCH", bpath, test_admin(), "{\"status\":\"cancelled\"}", stale);
    ck_assert_int_eq(x->status, 412);
    http_free(x);
    http_free(a);
    http_free(b);
    http_free(c);
}
END_TEST

static long accreditation_rows(const char *person, const char *role)
{
    PGconn *db = test_db();
    char *v = test_db_value(db,
                            "SELECT count(*) FROM accreditations WHERE person_id = $1 "
                            "AND role = $2 AND counts AND valid_until = '2028-01-10'",
                            person, role);
    PQfinish(db);
    long n = atol(v);
    return n;
}

START_TEST(attendance_accredits)
{
    char *session = training_session("improvement_champion", 5, 1, NULL);
    char *school = test_school(NULL);
    char *person = test_person(school);
    struct http_resp *b = training_book(session, person, NULL);
    ck_assert_int_eq(b->status, 201);
    struct http_resp *x = training_set(str(b, "id"), "attended", NULL);
    ck_assert_int_eq(x->status, 200);
    ck_assert_str_eq(str(x, "status"), "attended");
    http_free(x);
    ck_assert_int_eq(accreditation_rows(person, "improvement_champion"), 1);
    /* Corrected to a no-show: the accreditation goes with it. */
    x = training_set(str(b, "id"), "no_show", NULL);
    ck_assert_int_eq(x->status, 200);
    http_free(x);
    ck_assert_int_eq(accreditation_rows(person, "improvement_champion"), 0);
    http_free(b);
}
END_TEST

START_TEST(booking_scope_rules)
{
    char *hub = test_hub(), *other_hub = test_hub();
    char *part = test_partnership(hub);
    char *school = test_school(part);
    char *me = test_person(school), *colleague = test_person(school);
    char *me_tok = test_key("person", me);
    char *school_tok = test_key("school", school);
    char *hub_tok = test_key("hub", hub);
    char *future = training_session("peer_reviewer", 5, 0, hub);
    char *past = training_session("peer_reviewer", 5, 1, NULL);
    char *elsewhere = training_session("peer_reviewer", 5, 0, other_hub);

    struct http_resp *r = training_book(future, colleague, me_tok);
    ck_assert_int_eq(r->status, 403);
    http_free(r);
    r = training_book(future, me, me_tok);
    ck_assert_int_eq(r->status, 201);
    char *mine = xstrdup(str(r, "id"));
    http_free(r);
    r = training_set(mine, "attended", me_tok);
    ck_assert_int_eq(r->status, 403);
    http_free(r);
    r = training_set(mine, "cancelled", me_tok);
    ck_assert_int_eq(r->status, 200);
    http_free(r);
    /* A started session takes bookings only from admin, hub and partnership keys. */
    r = training_book(past, colleague, school_tok);
    ck_assert_int_eq(r->status, 403);
    http_free(r);
    r = training_book(past, colleague, hub_tok);
    ck_assert_int_eq(r->status, 201);
    http_free(r);
    /* Another hub's session is invisible to this hub's keys and to the person's. */
    char *path = test_fmt("/v1/training-sessions/%s", elsewhere);
    test_expect("GET", path, hub_tok, NULL, 404, NULL);
    test_expect("GET", path, me_tok, NULL, 404, NULL);
    char *own = test_fmt("/v1/training-sessions/%s", future);
    test_expect("GET", own, me_tok, NULL, 200, NULL);
    test_expect("PATCH", own, school_tok, "{\"capacity\":6}", 403, NULL);
    test_expect("PATCH", own, hub_tok, "{\"capacity\":6}", 200, NULL);
    r = http_call("GET", "/v1/training-sessions?limit=200", hub_tok, NULL, NULL);
    ck_assert_ptr_nonnull(strstr(r->body, future));
    ck_assert_ptr_nonnull(strstr(r->body, past));
    ck_assert_ptr_null(strstr(r->body, elsewhere));
    http_free(r);
    test_expect("POST", "/v1/training-sessions", school_tok,
                "{\"course\":\"peer_reviewer\",\"starts_at\":\"2030-01-01T09:00:00Z\","
                "\"ends_at\":\"2030-01-01T10:00:00Z\",\"location\":\"x\",\"capacity\":3}",
                403, NULL);
    free(mine);
}
END_TEST

/* Timestamps PostgreSQL's timestamptz input refuses were valid to us and answered 500: an
 * offset past 15:59, a leap second with a fraction, a long fraction. Each is a 422 naming the
 * field now, and no session is made. */
START_TEST(timestamps_postgresql_refuses_answer_422)
{
    static const char *const bad[] = {
        "2030-03-02T09:00:00+16:00",
        "2030-03-02T09:00:00-23:59",
        "2030-12-31T23:59:60.5Z",
        "2030-03-02T09:00:00."
        "11111111111111111111111111111111111111111111111111111111111111111111111111111111111111111"
        "11111111111111111111111111111111111111111111111111111111111111111111111111111111111111111"
        "1111111111111111111111111111111111111111111111111111111111111111Z",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *body = test_fmt("{\"course\":\"peer_reviewer\",\"starts_at\":\"%s\",\"ends_at\":"
                              "\"2030-03-04T15:30:00Z\",\"location\":\"Leeds\",\"capacity\":5}",
                              bad[i]);
        struct http_resp *r = http_call("POST", "/v1/training-sessions", test_admin(), body, NULL);
        ck_assert_msg(r->status == 422, "%s answered %ld", bad[i], (long)r->status);
        ck_assert_ptr_nonnull(strstr(r->body, "\"/starts_at\""));
        http_free(r);
    }
    char *id = training_session("peer_reviewer", 5, 0, NULL);
    char *path = test_fmt("/v1/training-sessions/%s", id);
    struct http_resp *r = test_call("PATCH", path, test_admin(),
                                    "{\"ends_at\":\"2030-03-02T15:30:00-16:00\"}", 422, NULL);
    ck_assert_ptr_nonnull(strstr(r->body, "\"/ends_at\""));
    http_free(r);
}
END_TEST

Suite *training_suite(void)
{
    Suite *s = suite_create("training");
    TCase *tc = tcase_create("training");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, session_crud_and_rules);
    tcase_add_test(tc, forty_bookings_for_ten_seats);
    tcase_add_test(tc, cancel_promotes_the_oldest_waitlisted);
    tcase_add_test(tc, attendance_accredits);
    tcase_add_test(tc, booking_scope_rules);
    tcase_add_test(tc, timestamps_postgresql_refuses_answer_422);
    suite_add_tcase(s, tc);
    return s;
}
