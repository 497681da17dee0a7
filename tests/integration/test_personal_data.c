/* Personal data (DESIGN §1.4, issue 14): the access audit of people's records and GET /v1/audit,
 * the subject access export, and erasure with every effect it has. Side effects the API does
 * not show (rows deleted, feeds revoked, notifications skipped) are read from PostgreSQL. */
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "integration.h"
#include "xalloc.h"

static const char *pd_str(const json_t *obj, const char *key)
{
    return json_string_value(json_object_get(obj, key));
}

static PGconn *pd_db(void)
{
    PGconn *db = PQconnectdb(getenv("SPP_TEST_DATABASE_URL"));
    ck_assert_int_eq(PQstatus(db), CONNECTION_OK);
    return db;
}

/* One value of a one-row query with up to two text parameters (caller frees; NULL for SQL
 * NULL or no row). */
static char *pd_value(const char *sql, const char *a, const char *b)
{
    PGconn *db = pd_db();
    const char *p[] = {a, b};
    PGresult *res = PQexecParams(db, sql, b ? 2 : a ? 1 : 0, NULL, p, NULL, NULL, 0);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK || PQresultStatus(res) == PGRES_COMMAND_OK,
                  "%s", PQresultErrorMessage(res));
    char *v = PQntuples(res) && !PQgetisnull(res, 0, 0) ? xstrdup(PQgetvalue(res, 0, 0)) : NULL;
    PQclear(res);
    PQfinish(db);
    return v;
}

/* pd_value for a count: the number. */
static long pd_count(const char *sql, const char *a, const char *b)
{
    char *v = pd_value(sql, a, b);
    long n = v ? atol(v) : -1;
    free(v);
    return n;
}

/* Sends and asserts the status; returns the response (caller frees). */
static struct http_resp *pd_call(const char *method, const char *path, const char *token,
                                 const char *body, long want)
{
    struct http_resp *r = http_call(method, path, token, body, NULL);
    ck_assert_msg(r->status == want, "%s %s -> %ld (want %ld): %s", method, path, r->status, want,
                  r->body ? r->body : "");
    return r;
}

/* pd_call with a printf path, dropping the answer. */
static void pd_expect(const char *method, const char *token, const char *body, long want,
                      const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static void pd_expect(const char *method, const char *token, const char *body, long want,
                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *path = test_vformat(fmt, ap);
    va_end(ap);
    http_free(pd_call(method, path, token, body, want));
    free(path);
}

/* A key of role over scope_id: its token (caller frees), its id in id (37 bytes). */
static char *pd_key(const char *role, const char *scope_id, char *id)
{
    char *body =
        test_fmt("{\"name\":\"pd key\",\"role\":\"%s\",\"scope_id\":\"%s\"}", role, scope_id);
    struct http_resp *r = pd_call("POST", "/v1/api-keys", test_admin(), body, 201);
    snprintf(id, 37, "%s", pd_str(r->json, "id"));
    char *token = xstrdup(pd_str(r->json, "token"));
    http_free(r);
    return token;
}

/* YYYY-MM-DD of today plus days (UTC) into out. */
static void pd_day(int days, char out[16])
{
    time_t t = time(NULL) + (long)days * 86400;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 16, "%Y-%m-%d", &tm);
}

static void pd_accredit(const char *person, const char *role)
{
    char day[16];
    pd_day(-10, day);
    char *path = test_fmt("/v1/people/%s/accreditations", person);
    test_create(path, test_admin(), "{\"role\":\"%s\",\"awarded_on\":\"%s\"}", role, day);
}

/* A training session of capacity places starting at starts (RFC 3339, 09:00Z on its day). */
static char *pd_session(const char *day, int capacity)
{
    return test_create("/v1/training-sessions", test_admin(),
                       "{\"course\":\"peer_reviewer\",\"starts_at\":\"%sT09:00:00Z\",\"ends_at\":"
                       "\"%sT16:00:00Z\",\"location\":\"PD hall\",\"capacity\":%d}",
                       day, day, capacity);
}

static char *pd_book(const char *session, const char *person)
{
    char *path = test_fmt("/v1/training-sessions/%s/bookings", session);
    char *id = test_create(path, test_admin(), "{\"person_id\":\"%s\"}", person);
    return id;
}

/* Asserts that booking id has status want. */
static void pd_booking_is(const char *id, const char *want)
{
    char *status = pd_value("SELECT status FROM bookings WHERE id = $1", id, NULL);
    ck_assert_str_eq(status, want);
    free(status);
}

/* The audit rows about person (newest first), read by admin through GET /v1/audit. */
static struct http_resp *pd_audit(const char *query)
{
    char *path = test_fmt("/v1/audit?%s", query);
    struct http_resp *r = pd_call("GET", path, test_admin(), NULL, 200);
    return r;
}

/* A partnership with a host school and a sibling school, a review hosted by the first with
 * person (of the sibling school, accredited) leading its team, evidence they recorded, a finding
 * and an action they own. */
struct pd_world {
    char *partnership, *host, *sibling, *person, *review, *evidence, *finding, *action;
};

static void pd_world_init(struct pd_world *w)
{
    w->partnership = test_partnership(NULL);
    w->host = test_school(w->partnership);
    w->sibling = test_school(w->partnership);
    w->person = test_person(w->sibling);
    pd_accredit(w->person, "peer_reviewer");
    w->review = test_create("/v1/reviews", test_admin(),
                            "{\"school_id\":\"%s\",\"focus\":\"Maths\"}", w->host);
    char *path = test_fmt("/v1/reviews/%s/team", w->review);
    test_create(path, test_admin(), "{\"person_id\":\"%s\",\"role\":\"lead_reviewer\"}", w->person);
    path = test_fmt("/v1/reviews/%s/evidence", w->review);
    w->evidence = test_create(
        path, test_admin(),
        "{\"kind\":\"document\",\"summary\":\"Minutes\",\"recorded_by\":\"%s\"}", w->person);
    path = test_fmt("/v1/reviews/%s/findings", w->review);
    w->finding = test_create(path, test_admin(), "{\"kind\":\"strength\",\"text\":\"Fluent\"}");
    char due[16];
    pd_day(60, due);
    path = test_fmt("/v1/reviews/%s/actions", w->review);
    w->action = test_create(path, test_admin(),
                            "{\"description\":\"Coach\",\"owner_id\":\"%s\",\"due_on\":\"%s\"}",
                            w->person, due);
}

/* The person_id (or key) of item key of the review's sub-collection name. */
static char *pd_review_item(const char *review, const char *name, const char *item,
                            const char *field)
{
    char *path = test_fmt("/v1/reviews/%s/%s/%s", review, name, item);
    struct http_resp *r = pd_call("GET", path, test_admin(), NULL, 200);
    const char *v = pd_str(r->json, field);
    char *out = v ? xstrdup(v) : NULL;
    http_free(r);
    return out;
}

START_TEST(erase_has_every_effect_and_keeps_reviews)
{
    struct pd_world w;
    pd_world_init(&w);
    const char *pid = w.person;
    /* Their record and what hangs off it. */
    char *ppath = test_fmt("/v1/people/%s", pid);
    struct http_resp *r = pd_call("GET", ppath, test_admin(), NULL, 200);
    char *email = xstrdup(pd_str(r->json, "email"));
    http_free(r);
    char *elsewhere = test_school(NULL);
    char *cpath = test_fmt("/v1/people/%s/conflicts", pid);
    test_create(cpath, test_admin(), "{\"school_id\":\"%s\",\"reason\":\"governor\"}", elsewhere);
    char *upath = test_fmt("/v1/people/%s/unavailability", pid);
    test_create(upath, test_admin(), "{\"from_on\":\"2031-01-06\",\"to_on\":\"2031-01-07\"}");
    /* A future session of one place (theirs, someone waiting), a future waiting place, and a
     * past booking that stays. */
    char *future = pd_session("2031-03-03", 1), *full = pd_session("2031-04-04", 1);
    char *past = pd_session("2020-01-06", 5);
    char *waiter = test_person(w.host), *holder = test_person(w.host);
    char *booked = pd_book(future, pid), *waiting = pd_book(future, waiter);
    char *held = pd_book(full, holder), *queued = pd_book(full, pid);
    char *old = pd_book(past, pid);
    pd_booking_is(waiting, "waitlisted");
    pd_booking_is(queued, "waitlisted");
    /* Their key, a calendar feed, a notification not yet sent and one sent. */
    char person_key_id[37];
    char *person_token = pd_key("person", pid, person_key_id);
    pd_expect("GET", person_token, NULL, 200, "/v1/people/%s", pid);
    free(pd_value("INSERT INTO calendar_feeds (person_id, secret_hash) "
                  "VALUES ($1, encode(sha256(gen_random_uuid()::text::bytea), 'hex'))",
                  pid, NULL));
    char *pending = pd_value(
        "INSERT INTO notifications (kind, subject_id, person_id, recipient, due_on, data) "
        "VALUES ('action_due_7d', gen_random_uuid(), $1, $2, current_date, '{\"name\":\"x\"}') "
        "RETURNING id",
        pid, email);
    char *sent = pd_value("INSERT INTO notifications (kind, subject_id, person_id, recipient, "
                          "due_on, status, sent_at) VALUES ('training_2d', gen_random_uuid(), $1, "
                          "$2, current_date, 'sent', now()) RETURNING id",
                          pid, email);

    /* The sibling school's key erases its member of staff. */
    char school_key_id[37];
    char *school_token = pd_key("school", w.sibling, school_key_id);
    char *epath = test_fmt("/v1/people/%s/erase", pid);
    r = pd_call("POST", epath, school_token, "{\"reason\":\"Left in July\"}", 200);
    ck_assert_str_eq(pd_str(r->json, "full_name"), "Former member of staff");
    ck_assert(json_is_null(json_object_get(r->json, "email")));
    ck_assert(json_is_null(json_object_get(r->json, "job_title")));
    ck_assert(json_is_false(json_object_get(r->json, "digest_opt_in")));
    ck_assert_ptr_nonnull(pd_str(r->json, "erased_at"));
    char *erased_at = xstrdup(pd_str(r->json, "erased_at"));
    json_int_t version = json_integer_value(json_object_get(r->json, "version"));
    http_free(r);

    /* Conflicts and unavailability are gone. */
    ck_assert_int_eq(pd_count("SELECT count(*) FROM conflicts WHERE person_id = $1", pid, NULL), 0);
    ck_assert_int_eq(
        pd_count("SELECT count(*) FROM unavailability WHERE person_id = $1", pid, NULL), 0);
    /* Future bookings are cancelled, the freed place goes to the waiting list; the past stays. */
    pd_booking_is(booked, "cancelled");
    pd_booking_is(waiting, "booked");
    pd_booking_is(queued, "cancelled");
    pd_booking_is(held, "booked");
    pd_booking_is(old, "booked");
    ck_assert_int_eq(
        pd_count("SELECT booked_count FROM training_sessions WHERE id = $1", future, NULL), 1);
    ck_assert_int_eq(
        pd_count("SELECT booked_count FROM training_sessions WHERE id = $1", full, NULL), 1);
    /* The promoted person is told. */
    ck_assert_int_eq(pd_count("SELECT count(*) FROM notifications WHERE person_id = $1 "
                              "AND kind = 'booking.changed'",
                              waiter, NULL),
                     1);
    /* Their key no longer opens anything (after the key cache's short life), their feed is gone,
     * what was not sent is skipped, and no notification holds their address. */
    ck_assert_int_eq(pd_count("SELECT count(*) FROM api_keys WHERE id = $1 AND revoked_at IS NULL",
                              person_key_id, NULL),
                     0);
    long status = 0;
    for (int i = 0; i < 50 && status != 401; i++) {
        r = http_call("GET", ppath, person_token, NULL, NULL);
        status = r->status;
        http_free(r);
        if (status != 401)
            usleep(100000);
    }
    ck_assert_int_eq(status, 401);
    ck_assert_int_eq(
        pd_count("SELECT count(*) FROM calendar_feeds WHERE person_id = $1", pid, NULL), 0);
    /* Nothing new is recorded for a tombstone: a booking, a conflict, an unavailability. */
    char *bpath = test_fmt("/v1/training-sessions/%s/bookings", future);
    char *bbody = test_fmt("{\"person_id\":\"%s\"}", pid);
    r = pd_call("POST", bpath, test_admin(), bbody, 409);
    ck_assert_str_eq(pd_str(r->json, "code"), "conflict");
    http_free(r);
    r = pd_call("POST", upath, test_admin(),
                "{\"from_on\":\"2027-01-04\",\"to_on\":\"2027-01-05\"}", 409);
    http_free(r);
    ck_assert_int_eq(
        pd_count("SELECT count(*) FROM unavailability WHERE person_id = $1", pid, NULL), 0);
    char *st = pd_value("SELECT status FROM notifications WHERE id = $1", pending, NULL);
    ck_assert_str_eq(st, "skipped");
    free(st);
    st = pd_value("SELECT status FROM notifications WHERE id = $1", sent, NULL);
    ck_assert_str_eq(st, "sent");
    free(st);
    ck_assert_int_eq(
        pd_count("SELECT count(*) FROM notifications WHERE lower(recipient) = lower($1) "
                 "OR (person_id = $2 AND data <> '{}')",
                 email, pid),
        0);

    /* The review keeps its team place, evidence, finding and action, pointing at the tombstone. */
    char *tpath = test_fmt("/v1/reviews/%s/team", w.review);
    r = pd_call("GET", tpath, test_admin(), NULL, 200);
    json_t *items = json_object_get(r->json, "items");
    ck_assert_int_eq(json_array_size(items), 1);
    ck_assert_str_eq(pd_str(json_array_get(items, 0), "person_id"), pid);
    http_free(r);
    char *v = pd_review_item(w.review, "evidence", w.evidence, "recorded_by");
    ck_assert_str_eq(v, pid);
    free(v);
    v = pd_review_item(w.review, "actions", w.action, "owner_id");
    ck_assert_str_eq(v, pid);
    free(v);
    v = pd_review_item(w.review, "findings", w.finding, "text");
    ck_assert_str_eq(v, "Fluent");
    free(v);
    r = pd_call("GET", ppath, test_admin(), NULL, 200);
    ck_assert_str_eq(pd_str(r->json, "full_name"), "Former member of staff");
    http_free(r);

    /* Erasing again answers the tombstone unchanged and records nothing more. */
    r = pd_call("POST", epath, test_admin(), "{\"reason\":\"again\"}", 200);
    ck_assert_str_eq(pd_str(r->json, "erased_at"), erased_at);
    ck_assert_int_eq(json_integer_value(json_object_get(r->json, "version")), version);
    http_free(r);
    /* The reason is on the erase's audit row, with the school key as its actor. */
    char *q = test_fmt("person_id=%s", pid);
    r = pd_audit(q);
    int erases = 0;
    json_t *row;
    size_t i;
    json_array_foreach(json_object_get(r->json, "items"), i, row)
    {
        if (strcmp(pd_str(row, "action"), "erase") != 0)
            continue;
        erases++;
        ck_assert_str_eq(pd_str(row, "reason"), "Left in July");
        ck_assert_str_eq(pd_str(row, "actor"), school_key_id);
        ck_assert_str_eq(pd_str(row, "route"), "POST /v1/people/{id}/erase");
    }
    ck_assert_int_eq(erases, 1);
    http_free(r);

    /* A tombstone cannot be edited back. */
    r = pd_call("PATCH", ppath, test_admin(), "{\"full_name\":\"Back again\"}", 409);
    ck_assert_str_eq(test_code(r), "conflict");
    http_free(r);
    /* A tombstone is no one to place on a review: it stays where it was, but cannot be added. */
    char *another = test_create("/v1/reviews", test_admin(),
                                "{\"school_id\":\"%s\",\"focus\":\"Science\"}", w.host);
    char *apath = test_fmt("/v1/reviews/%s/team", another);
    char *abody = test_fmt("{\"person_id\":\"%s\",\"role\":\"peer_reviewer\"}", pid);
    r = pd_call("POST", apath, test_admin(), abody, 422);
    ck_assert_str_eq(test_code(r), "not_eligible");
    ck_assert_str_eq(pd_str(json_array_get(json_object_get(r->json, "errors"), 0), "rule"),
                     "not_found");
    http_free(r);
    /* Its address is free for a new person. */
    test_create("/v1/people", test_admin(),
                "{\"school_id\":\"%s\",\"full_name\":\"New Starter\",\"email\":\"%s\"}", w.host,
                email);

    free(erased_at);
    free(school_token);
    free(person_token);
    free(pending);
    free(sent);
    free(email);
}
END_TEST

START_TEST(erase_scope_and_body)
{
    char *partnership = test_partnership(NULL);
    char *school = test_school(partnership), *other = test_school(partnership);
    char *pid = test_person(school), *colleague = test_person(school);
    char kid[37];
    char *own = pd_key("person", pid, kid);
    char *other_school = pd_key("school", other, kid);
    char *colleague_key = pd_key("person", colleague, kid);
    const char *body = "{\"reason\":\"Leaver\"}";
    /* A person key may not erase (itself: 403; anyone else it cannot see: 404); another
     * school's key sees nobody here: 404. */
    pd_expect("POST", own, body, 403, "/v1/people/%s/erase", pid);
    pd_expect("POST", colleague_key, body, 404, "/v1/people/%s/erase", pid);
    pd_expect("POST", other_school, body, 404, "/v1/people/%s/erase", pid);
    /* The reason is required and a string; unknown members are refused. */
    pd_expect("POST", test_admin(), "{}", 422, "/v1/people/%s/erase", pid);
    pd_expect("POST", test_admin(), "{\"reason\":\"\"}", 422, "/v1/people/%s/erase", pid);
    pd_expect("POST", test_admin(), "{\"reason\":7}", 422, "/v1/people/%s/erase", pid);
    pd_expect("POST", test_admin(), "{\"reason\":\"x\",\"why\":1}", 422, "/v1/people/%s/erase",
              pid);
    /* Nothing changed, nothing was recorded. */
    char *path = test_fmt("/v1/people/%s", pid);
    struct http_resp *r = pd_call("GET", path, test_admin(), NULL, 200);
    ck_assert(json_is_null(json_object_get(r->json, "erased_at")));
    ck_assert_ptr_nonnull(pd_str(r->json, "email"));
    http_free(r);
    ck_assert_int_eq(pd_count("SELECT count(*) FROM audit_log WHERE action = 'erase' "
                              "AND person_ids @> ARRAY[$1::uuid]",
                              pid, NULL),
                     0);
    /* The partnership's key may. */
    char *pkey = pd_key("partnership", partnership, kid);
    pd_expect("POST", pkey, body, 200, "/v1/people/%s/erase", pid);
    free(pkey);
    free(own);
    free(other_school);
    free(colleague_key);
}
END_TEST

/* The actions of the audit rows about person, newest first, joined by commas. */
static char *pd_actions(const char *person, const char **routes, size_t nroutes)
{
    char *q = test_fmt("person_id=%s", person);
    struct http_resp *r = pd_audit(q);
    char *out = xstrdup("");
    json_t *row;
    size_t i;
    json_array_foreach(json_object_get(r->json, "items"), i, row)
    {
        char *next = xasprintf("%s%s%s", out, i ? "," : "", pd_str(row, "action"));
        free(out);
        out = next;
        if (i < nroutes)
            routes[i] = xstrdup(pd_str(row, "route"));
    }
    http_free(r);
    return out;
}

START_TEST(audit_records_reads_and_changes)
{
    char *partnership = test_partnership(NULL);
    char *school = test_school(partnership), *other = test_school(partnership);
    char kid[37], okid[37];
    char *token = pd_key("school", school, kid);
    char *outsider = pd_key("school", other, okid);
    char *email = test_unique("audit");
    for (char *c = email; *c; c++)
        if (*c == ' ')
            *c = '.';
    /* Created, read, listed, changed, exported and deleted by one school key. */
    char *pid = test_create(
        "/v1/people", token,
        "{\"school_id\":\"%s\",\"full_name\":\"Ada Audit\",\"email\":\"%s@example.org\"}", school,
        email);
    char *second = test_person(school);
    const char *rid[] = {"X-Request-Id: pd-read-4711", NULL};
    char *path = test_fmt("/v1/people/%s", pid);
    test_expect_headers("GET", path, token, NULL, rid, 200, NULL);
    /* Another school's key reads nothing, and nothing is recorded of it. */
    pd_expect("GET", outsider, NULL, 404, "/v1/people/%s", pid);
    /* A list is one row naming the people it answered: both, then only the first of a page. */
    char *lpath = test_fmt("/v1/people?school_id=%s", school);
    http_free(pd_call("GET", lpath, token, NULL, 200));
    char *l1 = test_fmt("/v1/people?school_id=%s&limit=1", school);
    http_free(pd_call("GET", l1, token, NULL, 200));
    /* A list that answers nobody records nothing. */
    pd_expect("GET", token, NULL, 200, "/v1/people?school_id=%s&q=nobody-by-that-name", school);
    pd_expect("PATCH", token, "{\"job_title\":\"Bursar\"}", 200, "/v1/people/%s", pid);
    pd_expect("GET", token, NULL, 200, "/v1/people/%s/export", pid);
    const char *routes[8] = {NULL};
    char *actions = pd_actions(pid, routes, 8);
    ck_assert_str_eq(actions, "export,change,read,read,read,change");
    ck_assert_str_eq(routes[0], "GET /v1/people/{id}/export");
    ck_assert_str_eq(routes[1], "PATCH /v1/people/{id}");
    ck_assert_str_eq(routes[2], "GET /v1/people");
    ck_assert_str_eq(routes[4], "GET /v1/people/{id}");
    ck_assert_str_eq(routes[5], "POST /v1/people");
    free(actions);
    for (int i = 0; i < 8; i++)
        free((char *)routes[i]);

    /* Row by row: the actor, the item read's request id, the people each list answered. */
    char *q = test_fmt("person_id=%s", pid);
    struct http_resp *r = pd_audit(q);
    json_t *items = json_object_get(r->json, "items");
    json_t *row;
    size_t i;
    json_array_foreach(items, i, row)
    {
        ck_assert_str_eq(pd_str(row, "actor"), kid);
        ck_assert(json_is_null(json_object_get(row, "reason")));
    }
    ck_assert_str_eq(pd_str(json_array_get(items, 4), "request_id"), "pd-read-4711");
    json_t *one = json_object_get(json_array_get(items, 2), "person_ids");
    json_t *both = json_object_get(json_array_get(items, 3), "person_ids");
    ck_assert_int_eq(json_array_size(one), 1);
    ck_assert_str_eq(json_string_value(json_array_get(one, 0)), pid);
    ck_assert_int_eq(json_array_size(both), 2);
    http_free(r);
    /* Nothing names the outsider, whose read was refused. */
    ck_assert_int_eq(pd_count("SELECT count(*) FROM audit_log WHERE actor = $1", okid, NULL), 0);

    /* Deleting is a change too; the bootstrap token's rows say "bootstrap". */
    pd_expect("DELETE", test_admin(), NULL, 204, "/v1/people/%s", second);
    char *del = test_fmt("person_id=%s&actor=bootstrap", second);
    r = pd_audit(del);
    items = json_object_get(r->json, "items");
    ck_assert_int_eq(json_array_size(items), 2); /* test_person's create, then the delete */
    ck_assert_str_eq(pd_str(json_array_get(items, 0), "action"), "change");
    ck_assert_str_eq(pd_str(json_array_get(items, 0), "route"), "DELETE /v1/people/{id}");
    http_free(r);

    free(token);
    free(outsider);
}
END_TEST

/* The number of audit rows GET /v1/audit?<query> answers on its first page. */
static size_t pd_audit_count(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static size_t pd_audit_count(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *q = test_vformat(fmt, ap);
    va_end(ap);
    struct http_resp *r = pd_audit(q);
    size_t n = json_array_size(json_object_get(r->json, "items"));
    http_free(r);
    free(q);
    return n;
}

START_TEST(audit_list_filters_pages_and_admin_only)
{
    char *school = test_school(NULL);
    char *pid = test_person(school);
    char kid[37];
    char *token = pd_key("school", school, kid);
    for (int i = 0; i < 3; i++)
        pd_expect("GET", token, NULL, 200, "/v1/people/%s", pid);
    /* Filters: person and actor; a window that holds them and windows that do not. test_person
     * created the person with the bootstrap token: one change. */
    ck_assert_int_eq(pd_audit_count("person_id=%s&actor=%s", pid, kid), 3);
    ck_assert_int_eq(pd_audit_count("person_id=%s&actor=bootstrap", pid), 1);
    ck_assert_int_eq(
        pd_audit_count("person_id=%s&from=2000-01-01T00:00:00Z&to=2999-01-01T00:00:00Z", pid), 4);
    ck_assert_int_eq(pd_audit_count("person_id=%s&from=2999-01-01T00:00:00Z", pid), 0);
    ck_assert_int_eq(pd_audit_count("person_id=%s&to=2000-01-01T00:00:00Z", pid), 0);
    char *q;
    struct http_resp *r;
    /* Pages of one, newest first, each row once. */
    q = test_fmt("person_id=%s&limit=1", pid);
    char *seen = xstrdup("");
    char *prev_at = NULL;
    int pages = 0;
    while (q) {
        r = pd_audit(q);
        q = NULL;
        json_t *items = json_object_get(r->json, "items");
        ck_assert_int_eq(json_array_size(items), 1);
        const char *id = pd_str(json_array_get(items, 0), "id");
        const char *at = pd_str(json_array_get(items, 0), "at");
        ck_assert_ptr_null(strstr(seen, id));
        if (prev_at)
            ck_assert_int_le(strcmp(at, prev_at), 0);
        free(prev_at);
        prev_at = xstrdup(at);
        char *next = xasprintf("%s %s", seen, id);
        free(seen);
        seen = next;
        pages++;
        const char *cursor = pd_str(r->json, "next_cursor");
        if (cursor)
            q = test_fmt("person_id=%s&limit=1&cursor=%s", pid, cursor);
        http_free(r);
    }
    ck_assert_int_eq(pages, 4);
    free(prev_at);
    free(seen);
    /* Bad and unknown parameters: 422. */
    const char *bad[] = {"person_id=nope", "from=yesterday", "to=2020-13-01T00:00:00Z",
                         "limit=0",        "cursor=zzz",     "who=me",
                         "actor="};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char *path = test_fmt("/v1/audit?%s", bad[i]);
        r = pd_call("GET", path, test_admin(), NULL, 422);
        ck_assert_str_eq(test_code(r), "validation_failed");
        http_free(r);
    }
    /* Admin keys only: every other role is refused. */
    char *partnership = test_partnership(NULL);
    char *hub = test_hub();
    char *keys[] = {pd_key("hub", hub, kid), pd_key("partnership", partnership, kid),
                    xstrdup(token), pd_key("person", pid, kid)};
    for (int i = 0; i < 4; i++) {
        r = pd_call("GET", "/v1/audit", keys[i], NULL, 403);
        ck_assert_str_eq(test_code(r), "forbidden");
        http_free(r);
        free(keys[i]);
    }
    r = pd_call("GET", "/v1/audit", NULL, NULL, 401);
    http_free(r);
    free(token);
}
END_TEST

START_TEST(export_holds_everything_about_the_person)
{
    struct pd_world w;
    pd_world_init(&w);
    const char *pid = w.person;
    /* A champion place on a second review, a conflict, unavailability, a booking, a
     * notification. */
    pd_accredit(pid, "improvement_champion");
    char *second = test_create("/v1/reviews", test_admin(),
                               "{\"school_id\":\"%s\",\"focus\":\"Reading\"}", w.host);
    char *body = test_fmt("{\"person_id\":\"%s\"}", pid);
    pd_expect("PUT", test_admin(), body, 200, "/v1/reviews/%s/champion", second);
    char *elsewhere = test_school(NULL);
    char *path = test_fmt("/v1/people/%s/conflicts", pid);
    test_create(path, test_admin(), "{\"school_id\":\"%s\",\"reason\":\"governor\"}", elsewhere);
    path = test_fmt("/v1/people/%s/unavailability", pid);
    test_create(path, test_admin(), "{\"from_on\":\"2031-02-02\",\"to_on\":\"2031-02-03\"}");
    char *session = pd_session("2031-05-05", 3);
    pd_book(session, pid);
    free(pd_value("INSERT INTO notifications (kind, subject_id, person_id, recipient, due_on) "
                  "VALUES ('training_2d', gen_random_uuid(), $1, 'x@example.org', current_date)",
                  pid, NULL));
    pd_expect("GET", test_admin(), NULL, 200, "/v1/people/%s", pid);

    /* Scope: the person itself and its school may; another school may not see it. */
    char kid[37], okid[37];
    char *own = pd_key("person", pid, kid);
    char *outsider = pd_key("school", w.host, okid);
    pd_expect("GET", outsider, NULL, 404, "/v1/people/%s/export", pid);
    path = test_fmt("/v1/people/%s/export", pid);
    struct http_resp *r = pd_call("GET", path, own, NULL, 200);
    const json_t *doc = r->json;
    ck_assert_str_eq(pd_str(json_object_get(doc, "person"), "id"), pid);
    ck_assert_ptr_nonnull(pd_str(doc, "exported_at"));
    ck_assert_int_eq(json_array_size(json_object_get(doc, "bookings")), 1);
    ck_assert_int_eq(json_array_size(json_object_get(doc, "accreditations")), 2);
    ck_assert_int_eq(json_array_size(json_object_get(doc, "conflicts")), 1);
    ck_assert_int_eq(json_array_size(json_object_get(doc, "unavailability")), 1);
    const json_t *roles = json_object_get(doc, "review_roles");
    const json_t *team = json_object_get(roles, "team");
    ck_assert_int_eq(json_array_size(team), 1);
    ck_assert_str_eq(pd_str(json_array_get(team, 0), "review_id"), w.review);
    const json_t *champ = json_object_get(roles, "champion");
    ck_assert_int_eq(json_array_size(champ), 1);
    ck_assert_str_eq(pd_str(json_array_get(champ, 0), "id"), second);
    ck_assert_int_eq(json_array_size(json_object_get(roles, "action_owner")), 1);
    ck_assert_str_eq(pd_str(json_array_get(json_object_get(roles, "action_owner"), 0), "id"),
                     w.action);
    ck_assert_int_eq(json_array_size(json_object_get(roles, "evidence_recorder")), 1);
    ck_assert_int_eq(json_array_size(json_object_get(doc, "notifications")), 1);
    /* The audit rows before this export: the create, the admin's read (the 404 recorded
     * nothing). */
    const json_t *audit = json_object_get(doc, "audit");
    ck_assert_int_eq(json_array_size(audit), 2);
    ck_assert_str_eq(pd_str(json_array_get(audit, 0), "action"), "change");
    ck_assert_str_eq(pd_str(json_array_get(audit, 1), "action"), "read");
    http_free(r);
    /* This export is audited as one, with the person's key as its actor. */
    ck_assert_int_eq(pd_count("SELECT count(*) FROM audit_log WHERE action = 'export' "
                              "AND person_ids = ARRAY[$1::uuid] AND actor = $2",
                              pid, kid),
                     1);
    ck_assert_int_eq(pd_count("SELECT count(*) FROM audit_log WHERE actor = $1", okid, NULL), 0);
    free(own);
    free(outsider);
}
END_TEST

/* An audit row of days ago, written straight to the table; its id (caller frees). */
static char *pd_audit_row(const char *days)
{
    return pd_value("INSERT INTO audit_log (at, actor, action, person_ids, route, request_id) "
                    "VALUES (now() - make_interval(days => $1::int), 'pd-retention', 'read', "
                    "ARRAY[gen_random_uuid()], 'GET /v1/people/{id}', 'pd') RETURNING id",
                    days, NULL);
}

/* The worker's sweeper prunes audit rows past SPP_AUDIT_RETENTION_DAYS (730 by default). */
START_TEST(audit_rows_past_retention_are_pruned)
{
    char *old = pd_audit_row("800"), *recent = pd_audit_row("700");
    long left = 1;
    for (int i = 0; i < 100 && left; i++) {
        left = pd_count("SELECT count(*) FROM audit_log WHERE id = $1", old, NULL);
        if (left)
            usleep(200000);
    }
    ck_assert_int_eq(left, 0);
    ck_assert_int_eq(pd_count("SELECT count(*) FROM audit_log WHERE id = $1", recent, NULL), 1);
    free(old);
    free(recent);
}
END_TEST

Suite *personal_data_suite(void)
{
    Suite *s = suite_create("personal_data");
    TCase *tc = tcase_create("personal_data");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, erase_has_every_effect_and_keeps_reviews);
    tcase_add_test(tc, erase_scope_and_body);
    tcase_add_test(tc, audit_records_reads_and_changes);
    tcase_add_test(tc, audit_list_filters_pages_and_admin_only);
    tcase_add_test(tc, export_holds_everything_about_the_person);
    tcase_add_test(tc, audit_rows_past_retention_are_pruned);
    suite_add_tcase(s, tc);
    return s;
}
