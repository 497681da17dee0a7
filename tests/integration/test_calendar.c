/* GET /v1/people/{id}/calendar.ics: a person's review visits, workshops and training as an
 * iCalendar feed, read by an admin and by the person, and hidden from anyone else; and its
 * subscription URL (POST/DELETE /v1/people/{id}/calendar-feed, GET /feeds/calendar/{secret}.ics)
 * that a calendar application opens without a header. */
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "integration.h"
#include "token.h"
#include "xalloc.h"

static const char *str(const struct http_resp *r, const char *k)
{
    const char *v = json_string_value(json_object_get(r->json, k));
    return v ? v : "";
}

static char *school_name(const char *school)
{
    char *path = test_fmt("/v1/schools/%s", school);
    struct http_resp *r = test_call("GET", path, test_admin(), NULL, 200, NULL);
    char *name = xstrdup(str(r, "name"));
    http_free(r);
    return name;
}

/* The feed with folded lines joined again (CRLF followed by a space). */
static char *unfold(const char *text)
{
    char *out = xmalloc(strlen(text) + 1), *w = out;
    for (const char *p = text; *p;) {
        if (p[0] == '\r' && p[1] == '\n' && p[2] == ' ') {
            p += 3;
            continue;
        }
        *w++ = *p++;
    }
    *w = '\0';
    return out;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p++)
        n++;
    return n;
}

static void expect_has(const char *feed, const char *fmt, const char *arg)
{
    char *want = test_fmt(fmt, arg);
    ck_assert_msg(strstr(feed, want), "missing %s in:\n%s", want, feed);
}

/* Checks one answer of the feed: three events with their UIDs and dates. */
static void expect_feed(struct http_resp *r, const char *visit, const char *workshop,
                        const char *booking, const char *visit_school, const char *workshop_school)
{
    ck_assert_msg(r->status == 200, "-> %ld %s", r->status, r->body);
    const char *ct = http_header(r, "Content-Type");
    ck_assert_ptr_nonnull(ct);
    ck_assert_str_eq(ct, "text/calendar; charset=utf-8");
    char *feed = unfold(r->body);
    ck_assert_ptr_nonnull(strstr(feed, "BEGIN:VCALENDAR\r\n"));
    ck_assert_ptr_nonnull(strstr(feed, "\r\nMETHOD:PUBLISH\r\n"));
    ck_assert_ptr_nonnull(strstr(feed, "\r\nPRODID:-//SPP//Schools Partnership Programme//EN\r\n"));
    ck_assert_int_eq(count(feed, "BEGIN:VEVENT\r\n"), 3);
    /* The visit, 10 to 11 March inclusive: DTEND is the day after. */
    expect_has(feed, "\r\nUID:review-visit-%s@spp\r\n", visit);
    ck_assert_ptr_nonnull(strstr(feed, "\r\nDTSTART;VALUE=DATE:20270310\r\n"));
    ck_assert_ptr_nonnull(strstr(feed, "\r\nDTEND;VALUE=DATE:20270312\r\n"));
    expect_has(feed, "\r\nSUMMARY:Peer review visit: %s\r\n", visit_school);
    ck_assert_ptr_nonnull(strstr(feed, "\r\nDESCRIPTION:How well do our pupils read?\r\n"));
    /* The workshop, one day. */
    expect_has(feed, "\r\nUID:workshop-%s@spp\r\n", workshop);
    ck_assert_ptr_nonnull(strstr(feed, "\r\nDTSTART;VALUE=DATE:20270402\r\n"));
    ck_assert_ptr_nonnull(strstr(feed, "\r\nDTEND;VALUE=DATE:20270403\r\n"));
    expect_has(feed, "\r\nSUMMARY:Improvement workshop: %s\r\n", workshop_school);
    /* The training session, timed in UTC. */
    expect_has(feed, "\r\nUID:booking-%s@spp\r\n", booking);
    ck_assert_ptr_nonnull(strstr(feed, "\r\nDTSTART:20270504T090000Z\r\n"));
    ck_assert_ptr_nonnull(strstr(feed, "\r\nDTEND:20270504T153000Z\r\n"));
    ck_assert_ptr_nonnull(strstr(feed, "\r\nSUMMARY:Training: Improvement champion\r\n"));
    ck_assert_ptr_nonnull(strstr(feed, "\r\nLOCATION:Leeds Civic Hall\\, Room 2\r\n"));
    /* In date order: visit, workshop, training. */
    ck_assert(strstr(feed, "UID:review-visit-") < strstr(feed, "UID:workshop-"));
    ck_assert(strstr(feed, "UID:workshop-") < strstr(feed, "UID:booking-"));
    free(feed);
}

START_TEST(feed_of_visits_workshops_and_training)
{
    struct test_chain c; /* the hub, partnership, home school and person */
    test_chain_setup(&c);
    char *host1 = test_school(c.partnership);
    char *host2 = test_school(c.partnership);
    char *host1_tok = test_key("school", host1);
    char *host2_tok = test_key("school", host2);
    char *other = test_person(c.school);
    test_accredit(c.person, "peer_reviewer");
    test_accredit(c.person, "improvement_champion");
    char *person_tok = test_key("person", c.person);
    char *other_tok = test_key("person", other);

    /* (a) On the team of a review at host1, visiting 10-11 March 2027. */
    char *visit = test_create("/v1/reviews", host1_tok,
                              "{\"school_id\":\"%s\",\"focus\":\"How well do our pupils read?\","
                              "\"focus_area\":\"our_impact\"}",
                              host1);
    char *visit_path = test_fmt("/v1/reviews/%s", visit);
    test_expect("PATCH", visit_path, host1_tok,
                "{\"review_starts_on\":\"2027-03-10\",\"review_ends_on\":\"2027-03-11\"}", 200,
                NULL);
    char *team = test_fmt("%s/team", visit_path);
    char *body = test_fmt("{\"person_id\":\"%s\",\"role\":\"lead_reviewer\"}", c.person);
    test_expect("POST", team, host1_tok, body, 201, NULL);

    /* (b) Champion of a review at host2, its workshop on 2 April 2027. */
    char *workshop = test_create("/v1/reviews", host2_tok,
                                 "{\"school_id\":\"%s\",\"focus\":\"Attendance\","
                                 "\"focus_area\":\"looking_inward\"}",
                                 host2);
    char *workshop_path = test_fmt("/v1/reviews/%s", workshop);
    char *champ = test_fmt("%s/champion", workshop_path);
    body = test_fmt("{\"person_id\":\"%s\"}", c.person);
    test_expect("PUT", champ, host2_tok, body, 200, NULL);
    test_expect("PATCH", workshop_path, host2_tok, "{\"workshop_on\":\"2027-04-02\"}", 200, NULL);

    /* (c) Booked on a training session on 4 May 2027. */
    char *session = test_create("/v1/training-sessions", test_admin(),
                                "{\"course\":\"improvement_champion\","
                                "\"starts_at\":\"2027-05-04T09:00:00Z\","
                                "\"ends_at\":\"2027-05-04T15:30:00Z\","
                                "\"location\":\"Leeds Civic Hall, Room 2\",\"capacity\":5,"
                                "\"hub_id\":null}");
    char *bookings = test_fmt("/v1/training-sessions/%s/bookings", session);
    body = test_fmt("{\"person_id\":\"%s\"}", c.person);
    struct http_resp *r = http_call("POST", bookings, test_admin(), body, NULL);
    ck_assert_msg(r->status == 201, "-> %ld %s", r->status, r->body);
    char *booking = xstrdup(str(r, "id"));
    http_free(r);

    char *visit_school = school_name(host1);
    char *workshop_school = school_name(host2);
    char *feed = test_fmt("/v1/people/%s/calendar.ics", c.person);
    r = http_call("GET", feed, test_admin(), NULL, NULL);
    expect_feed(r, visit, workshop, booking, visit_school, workshop_school);
    http_free(r);
    r = http_call("GET", feed, person_tok, NULL, NULL);
    expect_feed(r, visit, workshop, booking, visit_school, workshop_school);
    http_free(r);

    /* Anyone else's person key sees no such person. */
    test_expect("GET", feed, other_tok, NULL, 404, "not_found");

    /* The other person's own feed is empty, but a calendar all the same. */
    char *other_feed = test_fmt("/v1/people/%s/calendar.ics", other);
    r = test_call("GET", other_feed, other_tok, NULL, 200, NULL);
    ck_assert_ptr_nonnull(strstr(r->body, "BEGIN:VCALENDAR\r\n"));
    ck_assert_ptr_null(strstr(r->body, "BEGIN:VEVENT"));
    http_free(r);

    /* No such person, and not an id at all. */
    test_expect("GET", "/v1/people/00000000-0000-4000-8000-000000000000/calendar.ics", test_admin(),
                NULL, 404, NULL);
    test_expect("GET", "/v1/people/nope/calendar.ics", test_admin(), NULL, 404, NULL);

    free(booking);
    free(visit_school);
    free(workshop_school);
}
END_TEST

/* The calendar without its DTSTAMP lines (the instant of rendering), to compare two answers. */
static char *without_dtstamp(const char *text)
{
    char *out = xstrdup(text), *w = out;
    for (const char *p = text; *p;) {
        const char *eol = strstr(p, "\r\n");
        size_t n = eol ? (size_t)(eol - p) + 2 : strlen(p);
        if (strncmp(p, "DTSTAMP:", 8) != 0) {
            memcpy(w, p, n);
            w += n;
        }
        p += n;
    }
    *w = '\0';
    return out;
}

/* POSTs for a subscription URL as tok; returns the URL's path ("/feeds/calendar/<hex>.ics"). */
static char *feed_create(const char *person, const char *tok)
{
    char *path = test_fmt("/v1/people/%s/calendar-feed", person);
    struct http_resp *r = http_call("POST", path, tok, NULL, NULL);
    ck_assert_msg(r->status == 201, "POST %s -> %ld %s", path, r->status, r->body);
    const char *cc = http_header(r, "Cache-Control");
    ck_assert_ptr_nonnull(cc);
    ck_assert_str_eq(cc, "no-store");
    const char *url = str(r, "url");
    const char *at = strstr(url, "/feeds/calendar/");
    ck_assert_msg(at != NULL, "url %s", url);
    /* 32 random bytes as 64 lowercase hex characters, then .ics. */
    const char *secret = at + strlen("/feeds/calendar/");
    ck_assert_uint_eq(strlen(secret), 64 + 4);
    ck_assert_uint_eq(strspn(secret, "0123456789abcdef"), 64);
    ck_assert_str_eq(secret + 64, ".ics");
    ck_assert_uint_eq(json_object_size(r->json), 1);
    char *feed = xstrdup(at);
    http_free(r);
    return feed;
}

static void expect_status(const char *method, const char *path, const char *tok, long want,
                          const char *code)
{
    struct http_resp *r = http_call(method, path, tok, NULL, NULL);
    ck_assert_msg(r->status == want, "%s %s -> %ld %s", method, path, r->status, r->body);
    if (code)
        ck_assert_str_eq(test_code(r), code);
    http_free(r);
}

static PGresult *sql(PGconn *db, const char *q, const char *a, const char *b)
{
    const char *p[] = {a, b};
    PGresult *res = PQexecParams(db, q, b ? 2 : 1, NULL, p, NULL, NULL, 0);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK || PQresultStatus(res) == PGRES_COMMAND_OK,
                  "%s: %s", q, PQerrorMessage(db));
    return res;
}

START_TEST(subscription_url_without_a_header)
{
    struct test_chain c; /* the hub, partnership, home school and person */
    test_chain_setup(&c);
    char *far_partnership = test_partnership(c.hub);
    char *far_school = test_school(far_partnership);
    char *other = test_person(c.school);
    char *person_tok = test_key("person", c.person);
    char *other_tok = test_key("person", other);
    char *school_tok = test_key("school", c.school);
    char *far_tok = test_key("school", far_school);
    /* Something in the calendar: a training session the person is booked on. */
    char *session = test_create("/v1/training-sessions", test_admin(),
                                "{\"course\":\"peer_reviewer\","
                                "\"starts_at\":\"2027-06-01T09:00:00Z\","
                                "\"ends_at\":\"2027-06-01T12:00:00Z\","
                                "\"location\":\"Hall, Room 1\",\"capacity\":5,\"hub_id\":null}");
    char *bookings = test_fmt("/v1/training-sessions/%s/bookings", session);
    char *body = test_fmt("{\"person_id\":\"%s\"}", c.person);
    test_expect("POST", bookings, test_admin(), body, 201, NULL);

    /* The person's own key makes the URL; it opens with no header at all, answering exactly
     * what GET /v1/people/{id}/calendar.ics answers (but the instant it was rendered). */
    char *feed = feed_create(c.person, person_tok);
    char *ics = test_fmt("/v1/people/%s/calendar.ics", c.person);
    struct http_resp *a = http_call("GET", ics, test_admin(), NULL, NULL);
    ck_assert_int_eq(a->status, 200);
    char *read_id = test_unique("feed-read");
    for (char *c = read_id; *c; c++)
        if (*c == ' ')
            *c = '-';
    char *hdr = test_fmt("X-Request-Id: %s", read_id);
    const char *headers[] = {hdr, NULL};
    struct http_resp *f = http_call("GET", feed, NULL, NULL, headers);
    ck_assert_msg(f->status == 200, "GET %s -> %ld %s", feed, f->status, f->body);
    ck_assert_str_eq(http_header(f, "Content-Type"), "text/calendar; charset=utf-8");
    ck_assert_ptr_nonnull(strstr(f->body, "\r\nLOCATION:Hall\\, Room 1\r\n"));
    char *fa = without_dtstamp(a->body), *ff = without_dtstamp(f->body);
    ck_assert_str_eq(ff, fa);
    free(fa);
    free(ff);
    http_free(a);
    http_free(f);
    /* HEAD answers the same status and type without the calendar. */
    f = http_call("HEAD", feed, NULL, NULL, NULL);
    ck_assert_int_eq(f->status, 200);
    ck_assert_str_eq(http_header(f, "Content-Type"), "text/calendar; charset=utf-8");
    ck_assert_uint_eq(f->body_len, 0);
    http_free(f);

    /* The read is in the access audit: the feed as actor, the person, the request's id. And
     * the database holds the secret's SHA-256, never the secret. */
    PGconn *db = PQconnectdb(getenv("SPP_TEST_DATABASE_URL"));
    ck_assert_int_eq(PQstatus(db), CONNECTION_OK);
    PGresult *res =
        sql(db, "SELECT id, secret_hash FROM calendar_feeds WHERE person_id = $1", c.person, NULL);
    ck_assert_int_eq(PQntuples(res), 1);
    char *feed_id = xstrdup(PQgetvalue(res, 0, 0));
    char hash[TOKEN_HASH_HEX];
    token_hash(feed + strlen("/feeds/calendar/"), 64, hash);
    ck_assert_str_eq(PQgetvalue(res, 0, 1), hash);
    PQclear(res);
    char *actor = test_fmt("calendar-feed:%s", feed_id);
    res = sql(db,
              "SELECT action, person_ids::text, route, request_id FROM audit_log "
              "WHERE actor = $1 AND $2::uuid = ANY (person_ids) ORDER BY at",
              actor, c.person);
    ck_assert_int_eq(PQntuples(res), 2); /* the GET and the HEAD */
    ck_assert_str_eq(PQgetvalue(res, 0, 0), "read");
    char *people = test_fmt("{%s}", c.person);
    ck_assert_str_eq(PQgetvalue(res, 0, 1), people);
    ck_assert_str_eq(PQgetvalue(res, 0, 2), "/feeds/calendar");
    ck_assert_str_eq(PQgetvalue(res, 0, 3), read_id);
    PQclear(res);
    /* Reading through the API is audited too, with the key as actor. */
    res = sql(db,
              "SELECT count(*) FROM audit_log WHERE actor = 'bootstrap' AND $1::uuid = ANY "
              "(person_ids) AND route = '/v1/people/{id}/calendar.ics' AND action = 'read'",
              c.person, NULL);
    ck_assert_str_eq(PQgetvalue(res, 0, 0), "1");
    PQclear(res);

    /* A second POST (here by the person's school) replaces the URL: the old one is gone. */
    char *feed2 = feed_create(c.person, school_tok);
    ck_assert_str_ne(feed2, feed);
    expect_status("GET", feed, NULL, 404, "not_found");
    expect_status("GET", feed2, NULL, 200, NULL);

    /* Who may not: another person's key, a school of another partnership (both see no such
     * person: 404), and a body with fields (there are none to send). */
    char *feed_path = test_fmt("/v1/people/%s/calendar-feed", c.person);
    expect_status("POST", feed_path, other_tok, 404, "not_found");
    expect_status("POST", feed_path, far_tok, 404, "not_found");
    expect_status("DELETE", feed_path, other_tok, 404, "not_found");
    expect_status("DELETE", feed_path, far_tok, 404, "not_found");
    test_expect("POST", feed_path, person_tok, "{\"name\":\"x\"}", 422, NULL);
    expect_status("POST", "/v1/people/00000000-0000-4000-8000-000000000000/calendar-feed",
                  test_admin(), 404, "not_found");
    expect_status("GET", feed2, NULL, 200, NULL); /* none of that touched the live URL */

    /* Secrets that name nothing: unknown, upper case, too short, not hex, without .ics. */
    expect_status(
        "GET",
        "/feeds/calendar/0000000000000000000000000000000000000000000000000000000000000000.ics",
        NULL, 404, "not_found");
    char *upper = xstrdup(feed2);
    for (char *c = upper + strlen("/feeds/calendar/"); *c != '.'; c++)
        if (*c >= 'a' && *c <= 'f')
            *c = (char)(*c - 'a' + 'A');
    if (strcmp(upper, feed2) != 0)
        expect_status("GET", upper, NULL, 404, "not_found");
    expect_status("GET", "/feeds/calendar/abc.ics", NULL, 404, "not_found");
    expect_status("GET", "/feeds/calendar/zz.ics", NULL, 404, "not_found");
    char *bare = xstrndup(feed2, strlen(feed2) - 4);
    expect_status("GET", bare, NULL, 404, "not_found");
    expect_status("POST", feed2, NULL, 405, "method_not_allowed");

    /* DELETE revokes; a second DELETE finds nothing to revoke. */
    expect_status("DELETE", feed_path, person_tok, 204, NULL);
    expect_status("GET", feed2, NULL, 404, "not_found");
    expect_status("DELETE", feed_path, person_tok, 404, "not_found");

    /* An erased person (a tombstone) gets no URL, and a URL made before stops answering. */
    char *feed3 = feed_create(c.person, test_admin());
    PQclear(sql(db, "UPDATE people SET erased_at = now() WHERE id = $1", c.person, NULL));
    expect_status("GET", feed3, NULL, 404, "not_found");
    expect_status("POST", feed_path, test_admin(), 409, "conflict");
    PQclear(sql(db, "UPDATE people SET erased_at = NULL WHERE id = $1", c.person, NULL));
    PQfinish(db);

    char *all[] = {feed, feed_id, feed2, upper, bare, feed3};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++)
        free(all[i]);
}
END_TEST

Suite *calendar_suite(void)
{
    Suite *s = suite_create("calendar");
    TCase *tc = tcase_create("feed");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, feed_of_visits_workshops_and_training);
    tcase_add_test(tc, subscription_url_without_a_header);
    suite_add_tcase(s, tc);
    return s;
}
