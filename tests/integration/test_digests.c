/* The best-practice digest end to end (DESIGN §4), against the running API and a production
 * worker: a review completed by role publishes a best practice holding a script, a compile on
 * demand stores one digest with it, the HTML escapes it, compiling again changes nothing and
 * answers with the same job, every opted-in member gets one email (SPP_TEST_MAILDIR, the
 * maildir of the test's SMTP server) and an opted-out one none; a partnership with nothing new
 * gets an empty digest and no email; past dates, the nightly slot, paging and who may do what. */
#include <dirent.h>
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fixtures.h"
#include "integration.h"
#include "xalloc.h"

static const char *str(const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? v : "";
}

static void expect_move(const struct test_cycle *c, const char *to)
{
    char *path = test_fmt("%s/transitions", c->path);
    char *body = test_fmt("{\"to\":\"%s\"}", to);
    test_expect("POST", path, c->host_tok, body, 200, NULL);
}

/* planning to completed, each step by the role whose it is; the best practice is published on
 * completion. Returns the best practice's id. */
static char *cycle_complete(const struct test_cycle *c, const char *bp_body)
{
    test_expect("PATCH", c->path, c->host_tok,
                "{\"self_review_summary\":\"Phonics strong; reading for pleasure weaker.\","
                "\"review_starts_on\":\"2027-03-10\",\"review_ends_on\":\"2027-03-11\","
                "\"workshop_on\":\"2027-04-02\",\"implementation_due_on\":\"2027-07-15\"}",
                200, NULL);
    test_item(c->path, "team", c->host_tok, "{\"person_id\":\"%s\",\"role\":\"lead_reviewer\"}",
              c->lead);
    test_item(c->path, "team", c->host_tok, "{\"person_id\":\"%s\",\"role\":\"peer_reviewer\"}",
              c->reviewer);
    /* The champion chosen by hand before feedback, so that no assignment job races the test. */
    char *champ = test_fmt("%s/champion", c->path);
    char *body = test_fmt("{\"person_id\":\"%s\"}", c->champion);
    test_expect("PUT", champ, c->host_tok, body, 200, NULL);
    expect_move(c, "scheduled");
    expect_move(c, "in_review");
    char *ev = test_item(c->path, "evidence", c->lead_tok,
                         "{\"kind\":\"lesson_observation\",\"summary\":\"Year 2 guided reading\"}");
    test_item(c->path, "findings", c->reviewer_tok,
              "{\"kind\":\"strength\",\"text\":\"Pupils decode confidently.\","
              "\"evidence_ids\":[\"%s\"]}",
              ev);
    expect_move(c, "feedback");
    expect_move(c, "workshop");
    test_item(c->path, "actions", c->host_tok,
              "{\"description\":\"Reading-for-pleasure library hour\",\"owner_id\":\"%s\","
              "\"due_on\":\"2027-07-01\"}",
              c->champion);
    expect_move(c, "implementing");
    expect_move(c, "reflecting");
    char *bp = test_item(c->path, "best-practices", c->host_tok, "%s", bp_body);
    test_expect("PATCH", c->path, c->host_tok,
                "{\"impact_summary\":\"Borrowing doubled.\",\"lessons_learned\":\"Protect the "
                "time.\"}",
                200, NULL);
    expect_move(c, "completed");
    return bp;
}

/* Polls GET /v1/jobs/{id} (location) with tok until the job succeeded; fails the test when it
 * goes dead or takes more than 20 s. */
static void wait_succeeded(const char *location, const char *tok)
{
    const char *status = "";
    for (int i = 0; i < 400; i++) {
        struct http_resp *r = http_call("GET", location, tok, NULL, NULL);
        ck_assert_msg(r->status == 200, "GET %s -> %ld %s", location, r->status, r->body);
        status = str(r->json, "status");
        int ok = !strcmp(status, "succeeded");
        if (!strcmp(status, "dead"))
            ck_abort_msg("%s went dead: %s", location, r->body);
        http_free(r);
        if (ok)
            return;
        usleep(50000);
    }
    ck_abort_msg("%s did not succeed in 20 s (status %s)", location, status);
}

/* POST …/digests with body as tok; asserts 202 and a Location, returns the job's id. */
static char *compile(const char *partnership, const char *tok, const char *body)
{
    char *path = test_fmt("/v1/partnerships/%s/digests", partnership);
    struct http_resp *r = http_call("POST", path, tok, body, NULL);
    ck_assert_msg(r->status == 202, "POST %s %s -> %ld %s", path, body ? body : "", r->status,
                  r->body);
    const char *loc = http_header(r, "Location");
    ck_assert_ptr_nonnull(loc);
    char *want = test_fmt("/v1/jobs/%s", str(r->json, "id"));
    ck_assert_str_eq(loc, want);
    ck_assert_str_eq(str(r->json, "kind"), "digest.compile");
    char *id = xstrdup(str(r->json, "id"));
    http_free(r);
    return id;
}

static char *compile_and_wait(const char *partnership, const char *body)
{
    char *job = compile(partnership, test_admin(), body);
    char *loc = test_fmt("/v1/jobs/%s", job);
    wait_succeeded(loc, test_admin());
    return job;
}

/* GET /v1/partnerships/{id}/digests[query] as tok; the response (caller frees). */
static struct http_resp *list(const char *partnership, const char *tok, const char *query)
{
    char *path = test_fmt("/v1/partnerships/%s/digests%s", partnership, query ? query : "");
    struct http_resp *r = http_call("GET", path, tok, NULL, NULL);
    return r;
}

/* The one item of the list answer r (asserted: exactly one). */
static json_t *only_item(const struct http_resp *r)
{
    json_t *items = json_object_get(r->json, "items");
    ck_assert_int_eq(json_array_size(items), 1);
    return json_array_get(items, 0);
}

/* The mails of the test's SMTP server holding needle, counted (0 without SPP_TEST_MAILDIR). */
static int mails_with(const char *needle)
{
    const char *dir = getenv("SPP_TEST_MAILDIR");
    if (!dir)
        return 0;
    char *path = test_fmt("%s/new", dir);
    DIR *d = opendir(path);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *text = test_file_text(path, e->d_name);
        if (text && strstr(text, needle))
            n++;
        free(text);
    }
    if (d)
        closedir(d);
    return n;
}

/* Polls the maildir up to 20 s until needle is in want mails; returns the last count. */
static int wait_mails(const char *needle, int want)
{
    int n = 0;
    for (int i = 0; i < 200 && (n = mails_with(needle)) < want; i++)
        usleep(100000);
    return n;
}

static char *email_of(const char *person)
{
    return test_sql_value("SELECT email FROM people WHERE id = $1", person);
}

START_TEST(digest_on_demand_once_escaped_and_mailed)
{
    struct test_cycle c;
    test_cycle_setup(&c, 1);
    /* Two more members of the host school: one opted in, one not. */
    char *host_person = test_person(c.host);
    char *opted_out = test_create("/v1/people", test_admin(),
                                  "{\"school_id\":\"%s\",\"full_name\":\"No Digest\","
                                  "\"email\":\"no-digest-%s@example.org\","
                                  "\"digest_opt_in\":false}",
                                  c.host, c.host);
    /* Context: a visit in two days at a partner school, and training of this hub with seats. */
    char *soon = test_sql_value("SELECT (now() AT TIME ZONE 'Europe/London')::date + 2", NULL);
    char *later = test_sql_value("SELECT (now() AT TIME ZONE 'Europe/London')::date + 3", NULL);
    char *visit = test_create("/v1/reviews", test_admin(),
                              "{\"school_id\":\"%s\",\"focus\":\"Maths\","
                              "\"review_starts_on\":\"%s\",\"review_ends_on\":\"%s\"}",
                              c.partner_a, soon, later);
    char *starts = test_sql_value("SELECT to_char(now() + interval '2 hours', "
                                  "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') ",
                                  NULL);
    char *ends = test_sql_value("SELECT to_char(now() + interval '5 hours', "
                                "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') ",
                                NULL);
    char *session = test_create("/v1/training-sessions", test_admin(),
                                "{\"course\":\"peer_reviewer\",\"starts_at\":\"%s\","
                                "\"ends_at\":\"%s\",\"location\":\"Leeds <Town Hall>\","
                                "\"capacity\":5,\"hub_id\":\"%s\"}",
                                starts, ends, c.hub);
    char *other_hub = test_hub();
    char *other_session = test_create("/v1/training-sessions", test_admin(),
                                      "{\"course\":\"peer_reviewer\",\"starts_at\":\"%s\","
                                      "\"ends_at\":\"%s\",\"location\":\"Elsewhere\","
                                      "\"capacity\":5,\"hub_id\":\"%s\"}",
                                      starts, ends, other_hub);

    char *bp = cycle_complete(&c, "{\"title\":\"Library hour\",\"description\":\"A weekly hour "
                                  "of free reading <script>alert(1)</script> raised "
                                  "borrowing.\"}");

    /* Compile now: 202 and the job, which the worker runs. */
    char *job = compile_and_wait(c.partnership, "{}");

    struct http_resp *r = list(c.partnership, c.host_tok, NULL);
    ck_assert_int_eq(r->status, 200);
    json_t *d = only_item(r);
    char *digest = xstrdup(str(d, "id"));
    char *today = test_sql_value("SELECT (now() AT TIME ZONE 'Europe/London')::date", NULL);
    ck_assert_str_eq(str(d, "digest_date"), today);
    ck_assert_str_eq(str(d, "partnership_id"), c.partnership);
    ck_assert(json_is_false(json_object_get(d, "empty")));
    ck_assert_ptr_nonnull(json_string_value(json_object_get(d, "delivered_at")));
    json_t *content = json_object_get(d, "items");
    json_t *bps = json_object_get(content, "best_practices");
    ck_assert_int_eq(json_array_size(bps), 1);
    ck_assert_str_eq(str(json_array_get(bps, 0), "id"), bp);
    ck_assert_str_eq(str(json_array_get(bps, 0), "title"), "Library hour");
    ck_assert_ptr_nonnull(strstr(str(json_array_get(bps, 0), "description"), "<script>"));
    ck_assert_str_eq(str(json_array_get(bps, 0), "review_id"), c.review);
    /* The seven transitions of the cycle, oldest first. */
    json_t *changes = json_object_get(content, "status_changes");
    ck_assert_int_eq(json_array_size(changes), 7);
    ck_assert_str_eq(str(json_array_get(changes, 0), "from"), "planning");
    ck_assert_str_eq(str(json_array_get(changes, 6), "to"), "completed");
    /* The visit in two days is context; the 2027 dates are not in the next 14 days. */
    json_t *upcoming = json_object_get(content, "upcoming");
    ck_assert_int_eq(json_array_size(upcoming), 1);
    ck_assert_str_eq(str(json_array_get(upcoming, 0), "review_id"), visit);
    ck_assert_str_eq(str(json_array_get(upcoming, 0), "kind"), "visit");
    ck_assert_str_eq(str(json_array_get(upcoming, 0), "starts_on"), soon);
    /* This hub's session is offered, another hub's is not. */
    int mine = 0, theirs = 0;
    size_t i;
    json_t *t;
    json_array_foreach(json_object_get(content, "training"), i, t)
    {
        mine += !strcmp(str(t, "id"), session);
        theirs += !strcmp(str(t, "id"), other_session);
        if (!strcmp(str(t, "id"), session))
            ck_assert_int_eq(json_integer_value(json_object_get(t, "seats_left")), 5);
    }
    ck_assert_int_eq(mine, 1);
    ck_assert_int_eq(theirs, 0);
    http_free(r);

    /* JSON by default, the rendered HTML when asked for, every user string escaped. */
    char *dpath = test_fmt("/v1/digests/%s", digest);
    r = test_call("GET", dpath, c.host_tok, NULL, 200, NULL);
    ck_assert_str_eq(str(r->json, "id"), digest);
    http_free(r);
    const char *html_h[] = {"Accept: text/html", NULL};
    r = http_call("GET", dpath, c.host_tok, NULL, html_h);
    ck_assert_int_eq(r->status, 200);
    ck_assert_str_eq(http_header(r, "Content-Type"), "text/html; charset=utf-8");
    ck_assert_ptr_nonnull(strstr(r->body, "&lt;script&gt;alert(1)&lt;/script&gt;"));
    ck_assert_ptr_nonnull(strstr(r->body, "Leeds &lt;Town Hall&gt;"));
    ck_assert_ptr_null(strstr(r->body, "<script"));
    ck_assert_ptr_nonnull(strstr(r->body, ">New best practices</h2>"));
    /* The browser's copy is nobody's mail: links into the service, no unsubscribe link. */
    ck_assert_ptr_null(strstr(r->body, "/unsubscribe/"));
    http_free(r);
    const char *browser_h[] = {"Accept: text/html,application/xhtml+xml,*/*;q=0.8", NULL};
    r = http_call("GET", dpath, c.host_tok, NULL, browser_h);
    ck_assert_str_eq(http_header(r, "Content-Type"), "text/html; charset=utf-8");
    http_free(r);
    const char *text_h[] = {"Accept: text/plain", NULL};
    r = http_call("GET", dpath, c.host_tok, NULL, text_h);
    ck_assert_str_eq(http_header(r, "Content-Type"), "text/plain; charset=utf-8");
    ck_assert_ptr_nonnull(strstr(r->body, "<script>alert(1)</script>"));
    http_free(r);

    /* Compiling again for the date changes nothing and answers with the same job, whoever
     * asks (a partnership key here), with or without the date. */
    char *again = compile(c.partnership, test_admin(), NULL);
    ck_assert_str_eq(again, job);
    free(again);
    char *pkey = test_key("partnership", c.partnership);
    char *body = test_fmt("{\"date\":\"%s\"}", today);
    again = compile(c.partnership, pkey, body);
    ck_assert_str_eq(again, job);
    free(again);
    r = list(c.partnership, test_admin(), NULL);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
    http_free(r);
    ck_assert_int_eq(test_sql_long("SELECT count(*) FROM jobs WHERE kind = 'digest.compile' "
                                   "AND payload->>'partnership_id' = $1",
                                   c.partnership),
                     1);

    /* One notification per opted-in member, the webhook event, and one email each. */
    ck_assert_int_eq(test_sql_long("SELECT count(*) FROM notifications WHERE kind = 'digest' "
                                   "AND subject_id = $1",
                                   digest),
                     4);
    ck_assert_int_eq(test_sql_long("SELECT count(*) FROM jobs WHERE kind = 'webhook.deliver' "
                                   "AND payload->'event'->>'type' = 'digest.published' "
                                   "AND payload->'event'->'data'->>'id' = $1 "
                                   "AND dedupe_key = 'event:' || (payload->'event'->>'id')",
                                   digest),
                     1);
    const char *members[] = {c.lead, c.reviewer, c.champion, host_person};
    for (int m = 0; m < 4; m++) {
        char *email = email_of(members[m]);
        char *q = test_fmt("SELECT id FROM notifications WHERE kind = 'digest' AND "
                           "subject_id = '%s' AND recipient = lower($1)",
                           digest);
        char *nid = test_sql_value(q, email);
        ck_assert_msg(*nid, "no digest notification for %s", email);
        if (getenv("SPP_TEST_MAILDIR")) {
            char *mid = test_message_id(nid);
            ck_assert_msg(wait_mails(mid, 1) == 1, "%s: %d mails for %s", email, mails_with(mid),
                          mid);
            ck_assert_int_ge(mails_with(email), 1);
        }
    }
    char *out_email = email_of(opted_out);
    ck_assert_int_eq(
        test_sql_long("SELECT count(*) FROM notifications WHERE recipient = lower($1)", out_email),
        0);
    ck_assert_int_eq(mails_with(out_email), 0);

    free(digest);
    free(job);
}
END_TEST

/* Nothing new: stored empty and not sent. The partnership's own time zone decides the date; a
 * past date backfills without overlapping the digest after it; pages run newest first. */
START_TEST(digest_without_news_is_stored_not_sent)
{
    char *hub = test_hub();
    char *name = test_unique("Quiet Partnership");
    char *part = test_create("/v1/partnerships", test_admin(),
                             "{\"name\":\"%s\",\"kind\":\"mat\",\"hub_id\":\"%s\","
                             "\"timezone\":\"Pacific/Kiritimati\"}",
                             name, hub);
    char *school = test_school(part);
    char *person = test_person(school);
    char *email = email_of(person);

    char *job = compile_and_wait(part, NULL);
    struct http_resp *r = list(part, test_admin(), NULL);
    json_t *d = only_item(r);
    char *today = test_sql_value("SELECT (now() AT TIME ZONE 'Pacific/Kiritimati')::date", NULL);
    ck_assert_str_eq(str(d, "digest_date"), today);
    ck_assert(json_is_true(json_object_get(d, "empty")));
    ck_assert(json_is_null(json_object_get(d, "delivered_at")));
    char *first = xstrdup(str(d, "id"));
    char *first_from = xstrdup(str(json_object_get(d, "items"), "window_from"));
    http_free(r);
    ck_assert_int_eq(
        test_sql_long("SELECT count(*) FROM notifications WHERE subject_id = $1", first), 0);
    ck_assert_int_eq(test_sql_long("SELECT count(*) FROM jobs WHERE kind = 'webhook.deliver' AND "
                                   "payload->'event'->'data'->>'id' = $1",
                                   first),
                     0);

    /* Yesterday, compiled afterwards: it ends where today's began. */
    char *yesterday =
        test_sql_value("SELECT (now() AT TIME ZONE 'Pacific/Kiritimati')::date - 1", NULL);
    char *body = test_fmt("{\"date\":\"%s\"}", yesterday);
    char *job2 = compile_and_wait(part, body);
    ck_assert_str_ne(job2, job);
    r = list(part, test_admin(), "?limit=1");
    ck_assert_int_eq(r->status, 200);
    ck_assert_str_eq(str(only_item(r), "id"), first);
    const char *cursor = json_string_value(json_object_get(r->json, "next_cursor"));
    ck_assert_ptr_nonnull(cursor);
    ck_assert_ptr_nonnull(http_header(r, "Link"));
    char *q = test_fmt("?limit=1&cursor=%s", cursor);
    http_free(r);
    r = list(part, test_admin(), q);
    d = only_item(r);
    ck_assert_str_eq(str(d, "digest_date"), yesterday);
    ck_assert_str_eq(str(d, "cut_off"), first_from);
    ck_assert(json_is_null(json_object_get(r->json, "next_cursor")));
    http_free(r);

    /* Give any mail a moment: there must be none for this member. */
    if (getenv("SPP_TEST_MAILDIR")) {
        sleep(2);
        ck_assert_int_eq(mails_with(email), 0);
    }

    free(job2);
    free(first_from);
    free(first);
    free(job);
}
END_TEST

/* The nightly run: a digest.compile job with a slot, as the scheduler inserts it (the sweeper
 * publishes it), compiles the digest of the slot's date with the slot as its cut-off. */
START_TEST(digest_nightly_slot_is_the_cut_off)
{
    char *hub = test_hub();
    char *part = test_partnership(hub);
    char *slot = test_sql_value("SELECT to_char(((now() AT TIME ZONE 'Europe/London')::date - 3 "
                                "+ time '02:00') AT TIME ZONE 'Europe/London' AT TIME ZONE 'UTC', "
                                "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')",
                                NULL);
    char *sql = test_fmt("INSERT INTO jobs (kind, payload, dedupe_key) VALUES ('digest.compile', "
                         "jsonb_build_object('partnership_id', $1::text, 'slot', '%s'), "
                         "'digest.compile:' || $1 || ':test-slot') RETURNING id",
                         slot);
    char *job = test_sql_value(sql, part);
    ck_assert_int_eq(strlen(job), 36);
    char *loc = test_fmt("/v1/jobs/%s", job);
    wait_succeeded(loc, test_admin());
    struct http_resp *r = list(part, test_admin(), NULL);
    json_t *d = only_item(r);
    char *day = test_sql_value("SELECT (now() AT TIME ZONE 'Europe/London')::date - 3", NULL);
    ck_assert_str_eq(str(d, "digest_date"), day);
    ck_assert_str_eq(str(d, "cut_off"), slot);
    ck_assert(json_is_true(json_object_get(d, "empty")));
    http_free(r);
}
END_TEST

/* Who may read and compile, and what the POST accepts. */
START_TEST(digest_scope_and_validation)
{
    struct test_chain t;
    test_chain_setup(&t);
    char *school_tok = test_key("school", t.school);
    char *person_tok = test_key("person", t.person);
    char *hub_tok = test_key("hub", t.hub);
    char *other_hub = test_hub();
    char *other_tok = test_key("hub", other_hub);
    char *other_part = test_partnership(other_hub);
    char *outsider = test_school(other_part);
    char *outsider_tok = test_key("school", outsider);

    /* Reading: the member school and the hub, not a person or another hub. */
    struct http_resp *r = list(t.partnership, school_tok, NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert(json_is_null(json_object_get(r->json, "next_cursor")));
    http_free(r);
    r = list(t.partnership, hub_tok, NULL);
    ck_assert_int_eq(r->status, 200);
    http_free(r);
    const char *nobody[] = {person_tok, other_tok, outsider_tok};
    for (int i = 0; i < 3; i++) {
        r = list(t.partnership, nobody[i], NULL);
        ck_assert_msg(r->status == 404, "-> %ld %s", r->status, r->body);
        http_free(r);
    }
    r = list(t.partnership, test_admin(), "?limit=0");
    ck_assert_int_eq(r->status, 422);
    http_free(r);
    r = list(t.partnership, test_admin(), "?cursor=nonsense");
    ck_assert_int_eq(r->status, 422);
    http_free(r);

    /* Compiling: schools and people never (403); another hub does not see it (404). */
    char *path = test_fmt("/v1/partnerships/%s/digests", t.partnership);
    test_expect("POST", path, school_tok, "{}", 403, NULL);
    test_expect("POST", path, person_tok, "{}", 403, NULL);
    test_expect("POST", path, outsider_tok, "{}", 403, NULL);
    test_expect("POST", path, other_tok, "{}", 404, NULL);
    test_expect("POST", "/v1/partnerships/00000000-0000-4000-8000-000000000000/digests",
                test_admin(), "{}", 404, NULL);
    /* The body: a real date, not after today in the partnership's zone, nothing else. */
    const char *bad[] = {"{\"date\":\"2026-02-30\"}", "{\"date\":7}", "{\"when\":\"2026-01-01\"}",
                         "{\"date\":\"2999-01-01\"}", "[]"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        r = http_call("POST", path, hub_tok, bad[i], NULL);
        ck_assert_msg(r->status == 422, "%s -> %ld %s", bad[i], r->status, r->body);
        http_free(r);
    }
    char *job = compile(t.partnership, hub_tok, "{}");
    /* The hub's key may follow its own job. */
    char *loc = test_fmt("/v1/jobs/%s", job);
    wait_succeeded(loc, hub_tok);

    /* A digest is read like the list: member school yes, person and other hub no. */
    r = list(t.partnership, hub_tok, NULL);
    char *dpath =
        test_fmt("/v1/digests/%s", str(json_array_get(json_object_get(r->json, "items"), 0), "id"));
    http_free(r);
    test_expect("GET", dpath, school_tok, NULL, 200, NULL);
    test_expect("GET", dpath, person_tok, NULL, 404, NULL);
    test_expect("GET", dpath, other_tok, NULL, 404, NULL);
    test_expect("GET", "/v1/digests/00000000-0000-4000-8000-000000000000", test_admin(), NULL, 404,
                NULL);

    /* Switched off: no compile. */
    char *ppath = test_fmt("/v1/partnerships/%s", t.partnership);
    test_expect("PATCH", ppath, test_admin(), "{\"digest_enabled\":false}", 200, NULL);
    test_expect("POST", path, test_admin(), "{}", 409, "conflict");

    free(job);
}
END_TEST

Suite *digests_suite(void)
{
    Suite *s = suite_create("digests");
    TCase *tc = tcase_create("digests");
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, digest_on_demand_once_escaped_and_mailed);
    tcase_add_test(tc, digest_without_news_is_stored_not_sent);
    tcase_add_test(tc, digest_nightly_slot_is_the_cut_off);
    tcase_add_test(tc, digest_scope_and_validation);
    suite_add_tcase(s, tc);
    return s;
}
