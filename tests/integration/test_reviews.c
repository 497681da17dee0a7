/* The review cycle over HTTP, driven by the keys of the right roles: planning to completed,
 * every guard, concurrent transitions, the champion rules, terminal states and scope. */
#include <libpq-fe.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fixtures.h"
#include "integration.h"
#include "xalloc.h"

static const char *str(const struct http_resp *r, const char *k)
{
    const char *v = json_string_value(json_object_get(r->json, k));
    return v ? v : "";
}

static long count_rows(const char *sql, const char *param)
{
    PGconn *db = PQconnectdb(getenv("SPP_TEST_DATABASE_URL"));
    ck_assert_int_eq(PQstatus(db), CONNECTION_OK);
    const char *p[] = {param};
    PGresult *res = PQexecParams(db, sql, 1, NULL, p, NULL, NULL, 0);
    ck_assert_int_eq(PQresultStatus(res), PGRES_TUPLES_OK);
    long n = atol(PQgetvalue(res, 0, 0));
    PQclear(res);
    PQfinish(db);
    return n;
}

/* Waits (up to 20 s) until the worker has finished the review's champion.assign job. */
static void wait_assignment(const char *review)
{
    for (int i = 0; i < 400; i++) {
        if (count_rows("SELECT count(*) FROM jobs WHERE kind = 'champion.assign' "
                       "AND payload->>'review_id' = $1 AND status = 'succeeded'",
                       review) > 0)
            return;
        usleep(50000);
    }
    ck_abort_msg("champion.assign for %s did not finish: is the worker running?", review);
}

static struct http_resp *move(const struct test_cycle *c, const char *tok, const char *to)
{
    char *path = test_fmt("%s/transitions", c->path);
    char *body = test_fmt("{\"to\":\"%s\"}", to);
    struct http_resp *r = http_call("POST", path, tok, body, NULL);
    return r;
}

/* The rules a 422 guard_failed names, as one string "a,b,c". */
static char *rules_of(const struct http_resp *r)
{
    char *out = xstrdup("");
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(r->json, "errors"), i, e)
    {
        char *next =
            xasprintf("%s%s%s", out, i ? "," : "", json_string_value(json_object_get(e, "rule")));
        free(out);
        out = next;
    }
    return out;
}

static void expect_guards(const struct test_cycle *c, const char *to, const char *rules)
{
    struct http_resp *r = move(c, c->host_tok, to);
    ck_assert_msg(r->status == 422, "-> %s: %ld %s", to, r->status, r->body);
    ck_assert_str_eq(test_code(r), "guard_failed");
    char *got = rules_of(r);
    ck_assert_str_eq(got, rules);
    free(got);
    http_free(r);
}

static void expect_move(const struct test_cycle *c, const char *to)
{
    struct http_resp *r = move(c, c->host_tok, to);
    ck_assert_msg(r->status == 200, "-> %s: %ld %s", to, r->status, r->body);
    ck_assert_str_eq(str(r, "status"), to);
    http_free(r);
}

START_TEST(whole_cycle_by_role)
{
    struct test_cycle c;
    test_cycle_setup(&c, 1);

    /* planning -> scheduled: every guard named at once, then met one by one. */
    expect_guards(&c, "scheduled",
                  "self_review_missing,dates_missing,team_too_small,lead_reviewer_count");
    test_expect("PATCH", c.path, c.host_tok,
                "{\"self_review_summary\":\"Phonics strong; reading for pleasure weaker.\","
                "\"review_starts_on\":\"2027-03-10\",\"review_ends_on\":\"2027-03-09\"}",
                200, NULL);
    expect_guards(&c, "scheduled", "dates_reversed,team_too_small,lead_reviewer_count");
    test_expect("PATCH", c.path, c.host_tok, "{\"review_ends_on\":\"2027-03-11\"}", 200, NULL);
    char *team = test_fmt("%s/team", c.path);
    test_item(c.path, "team", c.host_tok, "{\"person_id\":\"%s\",\"role\":\"peer_reviewer\"}",
              c.lead);
    expect_guards(&c, "scheduled", "team_too_small,lead_reviewer_count");
    test_item(c.path, "team", c.host_tok, "{\"person_id\":\"%s\",\"role\":\"lead_reviewer\"}",
              c.reviewer);
    /* planning <-> scheduled (reschedule), then on. */
    expect_move(&c, "scheduled");
    expect_move(&c, "planning");
    expect_move(&c, "scheduled");
    expect_move(&c, "in_review");

    /* Team members record evidence and findings; the host school may not. */
    test_expect("POST", team, c.lead_tok, "{}", 403, NULL);
    expect_guards(&c, "feedback", "evidence_missing,findings_missing");
    char *ev = test_item(c.path, "evidence", c.lead_tok,
                         "{\"kind\":\"lesson_observation\",\"summary\":\"Year 2 guided reading\"}");
    char *ev_path = test_fmt("%s/evidence", c.path);
    test_expect("POST", ev_path, c.host_tok,
                "{\"kind\":\"document\",\"summary\":\"Reading policy\"}", 403, NULL);
    expect_guards(&c, "feedback", "findings_missing");
    test_item(c.path, "findings", c.reviewer_tok,
              "{\"kind\":\"strength\",\"text\":\"Pupils decode confidently.\","
              "\"evidence_ids\":[\"%s\"]}",
              ev);
    /* Entering feedback without a champion asks the worker to find one. */
    expect_move(&c, "feedback");
    ck_assert_int_eq(count_rows("SELECT count(*) FROM jobs WHERE kind = 'champion.assign' "
                                "AND payload->>'review_id' = $1",
                                c.review),
                     1);

    /* The worker (running beside the suite) assigns the one eligible champion. */
    wait_assignment(c.review);
    struct http_resp *r = http_call("GET", c.path, c.host_tok, NULL, NULL);
    ck_assert_str_eq(str(r, "champion_id"), c.champion);
    http_free(r);
    expect_guards(&c, "workshop", "workshop_date_missing");
    /* The host school may choose by hand, by the same rules: a team member may not be it. */
    char *champ = test_fmt("%s/champion", c.path);
    char *body = test_fmt("{\"person_id\":\"%s\"}", c.lead);
    r = test_call("PUT", champ, c.host_tok, body, 422, "not_eligible");
    ck_assert_ptr_nonnull(strstr(r->body, "on_team"));
    http_free(r);
    body = test_fmt("{\"person_id\":\"%s\"}", c.champion);
    r = test_call("PUT", champ, c.host_tok, body, 200, NULL);
    ck_assert_str_eq(str(r, "champion_id"), c.champion);
    http_free(r);
    test_expect("PATCH", c.path, c.champion_tok, "{\"workshop_on\":\"2027-04-02\"}", 200, NULL);
    expect_move(&c, "workshop");

    /* The champion records the actions; implementation needs a due date too. */
    expect_guards(&c, "implementing", "actions_missing,implementation_due_missing");
    char *a1 = test_item(c.path, "actions", c.champion_tok,
                         "{\"description\":\"Reading-for-pleasure library hour\"}");
    expect_guards(&c, "implementing", "action_incomplete,implementation_due_missing");
    char *a_path = test_fmt("%s/actions/%s", c.path, a1);
    body = test_fmt("{\"owner_id\":\"%s\",\"due_on\":\"2027-07-01\"}", c.champion);
    test_expect("PATCH", a_path, c.champion_tok, body, 200, NULL);
    test_expect("POST", ev_path, c.champion_tok,
                "{\"kind\":\"document\",\"summary\":\"Not mine to add\"}", 403, NULL);
    test_expect("PATCH", c.path, c.host_tok, "{\"implementation_due_on\":\"2027-07-15\"}", 200,
                NULL);
    expect_move(&c, "implementing");
    expect_move(&c, "reflecting");

    /* Completing needs the reflection and publishes the best practices. */
    char *bp = test_item(c.path, "best-practices", c.host_tok,
                         "{\"title\":\"Library hour\",\"description\":\"A weekly hour of free "
                         "reading <script>alert(1)</script> raised borrowing.\"}");
    expect_guards(&c, "completed", "impact_summary_missing,lessons_learned_missing");
    test_expect("PATCH", c.path, c.host_tok,
                "{\"impact_summary\":\"Borrowing doubled.\",\"lessons_learned\":\"Protect the "
                "time.\"}",
                200, NULL);
    char *list = test_fmt("/v1/partnerships/%s/best-practices", c.partnership);
    r = test_call("GET", list, c.host_tok, NULL, 200, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 0);
    http_free(r);
    expect_move(&c, "completed");
    r = http_call("GET", list, c.host_tok, NULL, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
    ck_assert_ptr_nonnull(strstr(r->body, bp));
    http_free(r);

    /* Completed is terminal: no more moves and no more changes. */
    r = move(&c, c.host_tok, "cancelled");
    ck_assert_int_eq(r->status, 409);
    ck_assert_str_eq(test_code(r), "invalid_transition");
    http_free(r);
    test_expect("PATCH", c.path, c.host_tok, "{\"focus\":\"Something else\"}", 409, NULL);

    /* The audit trail, oldest first. */
    char *events = test_fmt("%s/events?limit=200", c.path);
    r = test_call("GET", events, c.lead_tok, NULL, 200, NULL);
    json_t *items = json_object_get(r->json, "items");
    ck_assert_int_eq(json_array_size(items),
                     11); /* 9 transitions, the worker's and the host's champion */
    json_t *first = json_array_get(items, 0);
    ck_assert_str_eq(json_string_value(json_object_get(first, "from")), "planning");
    ck_assert_str_eq(json_string_value(json_object_get(first, "to")), "scheduled");
    ck_assert_str_eq(json_string_value(json_object_get(first, "kind")), "transition");
    ck_assert_ptr_nonnull(json_object_get(first, "actor"));
    http_free(r);
    /* Every event announced to webhooks, in the same transaction. */
    ck_assert_int_eq(count_rows("SELECT count(*) FROM jobs WHERE kind = 'webhook.deliver' "
                                "AND dedupe_key LIKE 'event:%' "
                                "AND payload->'event'->'data'->>'id' = $1",
                                c.review),
                     11);
}
END_TEST

struct mover {
    const struct test_cycle *c;
    const char *etag;
    long status;
};

static void *move_once(void *arg)
{
    struct mover *m = arg;
    char *path = test_fmt("%s/transitions", m->c->path);
    char *im = m->etag ? test_fmt("If-Match: %s", m->etag) : NULL;
    const char *h[] = {im, NULL};
    struct http_resp *r = http_call("POST", path, m->c->host_tok,
                                    "{\"to\":\"cancelled\",\"reason\":\"closing\"}", im ? h : NULL);
    m->status = r->status;
    http_free(r);
    return NULL;
}

START_TEST(two_transitions_at_once)
{
    struct test_cycle c;
    test_cycle_setup(&c, 1);
    for (int with_etag = 0; with_etag < 2; with_etag++) {
        if (with_etag) {
            test_cycle_setup(&c, 1);
        }
        struct mover a = {&c, with_etag ? "\"1\"" : NULL, 0}, b = a;
        pthread_t ta, tb;
        pthread_create(&ta, NULL, move_once, &a);
        pthread_create(&tb, NULL, move_once, &b);
        pthread_join(ta, NULL);
        pthread_join(tb, NULL);
        long ok = (a.status == 200) + (b.status == 200);
        long refused = (a.status == 409 || a.status == 412) + (b.status == 409 || b.status == 412);
        ck_assert_msg(ok == 1 && refused == 1, "statuses %ld and %ld", a.status, b.status);
    }
    /* Cancelled is terminal. */
    struct http_resp *r = move(&c, c.host_tok, "planning");
    ck_assert_int_eq(r->status, 409);
    http_free(r);
}
END_TEST

START_TEST(roles_and_scope)
{
    struct test_cycle c;
    test_cycle_setup(&c, 1);
    /* A person not on the review does not see it; the team's people do. */
    test_expect("GET", c.path, c.lead_tok, NULL, 404, NULL);
    test_item(c.path, "team", c.host_tok, "{\"person_id\":\"%s\",\"role\":\"lead_reviewer\"}",
              c.lead);
    test_expect("GET", c.path, c.lead_tok, NULL, 200, NULL);
    struct http_resp *r = http_call("GET", "/v1/reviews?limit=200", c.lead_tok, NULL, NULL);
    ck_assert_ptr_nonnull(strstr(r->body, c.review));
    http_free(r);
    r = http_call("GET", "/v1/reviews?limit=200", c.reviewer_tok, NULL, NULL);
    ck_assert_ptr_null(strstr(r->body, c.review));
    http_free(r);
    /* Hub and partnership keys read but do not drive. */
    char *hub_tok = test_key("hub", c.hub), *part_tok = test_key("partnership", c.partnership);
    test_expect("GET", c.path, hub_tok, NULL, 200, NULL);
    r = move(&c, part_tok, "cancelled");
    ck_assert_int_eq(r->status, 403);
    http_free(r);
    test_expect("PATCH", c.path, hub_tok, "{\"focus\":\"x\"}", 403, NULL);
    /* A team member may not drive the review; another school may not see it. */
    r = move(&c, c.lead_tok, "cancelled");
    ck_assert_int_eq(r->status, 403);
    http_free(r);
    char *other_tok = test_key("school", c.partner_a);
    test_expect("GET", c.path, other_tok, NULL, 404, NULL);
    char *body = test_fmt("{\"school_id\":\"%s\"}", c.host);
    r = http_call("POST", "/v1/reviews", other_tok, body, NULL);
    ck_assert_int_eq(r->status, 422); /* the host school is not one it can see */
    http_free(r);
    test_expect("POST", "/v1/reviews", part_tok, body, 403, NULL);
    /* No grade, score or judgement can be written. */
    test_expect("PATCH", c.path, c.host_tok, "{\"grade\":\"outstanding\"}", 422, NULL);
    /* Cancelling needs a reason. */
    r = move(&c, c.host_tok, "cancelled");
    ck_assert_int_eq(r->status, 422);
    ck_assert_ptr_nonnull(strstr(r->body, "reason_missing"));
    http_free(r);
    r = move(&c, c.host_tok, "teleported");
    ck_assert_int_eq(r->status, 422);
    ck_assert_str_eq(test_code(r), "validation_failed");
    http_free(r);
}
END_TEST

/* Each champion rule alone, through PUT /champion; and moving the workshop date reports who no
 * longer qualifies. */
START_TEST(champion_rules)
{
    struct test_cycle c;
    test_cycle_setup(&c, 1);
    char *champ = test_fmt("%s/champion", c.path);
    struct {
        const char *rule;
        char *person;
    } cases[6];
    /* not_accredited: a partner-school person without the champion award. */
    cases[0].rule = "not_accredited";
    cases[0].person = test_person(c.partner_a);
    /* host_school */
    cases[1].rule = "host_school";
    cases[1].person = test_person(c.host);
    test_accredit(cases[1].person, "improvement_champion");
    /* other_partnership */
    char *elsewhere = test_school(NULL);
    cases[2].rule = "other_partnership";
    cases[2].person = test_person(elsewhere);
    test_accredit(cases[2].person, "improvement_champion");
    /* declared_conflict */
    cases[3].rule = "declared_conflict";
    cases[3].person = test_person(c.partner_a);
    test_accredit(cases[3].person, "improvement_champion");
    char *cpath = test_fmt("/v1/people/%s/conflicts", cases[3].person);
    char *cbody = test_fmt("{\"school_id\":\"%s\",\"reason\":\"Former governor\"}", c.host);
    test_expect("POST", cpath, test_admin(), cbody, 201, NULL);
    /* unavailable on the workshop date */
    test_expect("PATCH", c.path, c.host_tok, "{\"workshop_on\":\"2027-05-06\"}", 200, NULL);
    cases[4].rule = "unavailable";
    cases[4].person = test_person(c.partner_b);
    test_accredit(cases[4].person, "improvement_champion");
    char *upath = test_fmt("/v1/people/%s/unavailability", cases[4].person);
    test_expect("POST", upath, test_admin(),
                "{\"from_on\":\"2027-05-01\",\"to_on\":\"2027-05-06\"}", 201, NULL);
    /* recorded_evidence: needs a team member who recorded evidence. */
    cases[5].rule = "recorded_evidence";
    cases[5].person = test_person(c.partner_a);
    test_accredit(cases[5].person, "improvement_champion");
    test_accredit(cases[5].person, "peer_reviewer");
    test_item(c.path, "team", c.host_tok, "{\"person_id\":\"%s\",\"role\":\"peer_reviewer\"}",
              cases[5].person);
    char *tok = test_key("person", cases[5].person);
    test_item(c.path, "evidence", tok, "{\"kind\":\"pupil_interview\",\"summary\":\"Year 6\"}");
    for (size_t i = 0; i < 6; i++) {
        char *body = test_fmt("{\"person_id\":\"%s\"}", cases[i].person);
        /* Someone of another partnership is beyond the host school's sight: only admin (who
         * sees everyone) is told which rule they break. */
        const char *tok = i == 2 ? test_admin() : c.host_tok;
        struct http_resp *r = http_call("PUT", champ, tok, body, NULL);
        ck_assert_msg(r->status == 422, "%s: %ld %s", cases[i].rule, r->status, r->body);
        ck_assert_str_eq(test_code(r), "not_eligible");
        ck_assert_msg(strstr(r->body, cases[i].rule) != NULL, "%s not in %s", cases[i].rule,
                      r->body);
        http_free(r);
    }
    /* The eligible champion, then a workshop date they cannot make: reported, not refused. */
    char *body = test_fmt("{\"person_id\":\"%s\"}", c.champion);
    test_expect("PUT", champ, c.host_tok, body, 200, NULL);
    /* The champion may not join the team either. */
    test_accredit(c.champion, "peer_reviewer");
    char *team = test_fmt("%s/team", c.path);
    body = test_fmt("{\"person_id\":\"%s\",\"role\":\"peer_reviewer\"}", c.champion);
    struct http_resp *t = http_call("POST", team, c.host_tok, body, NULL);
    ck_assert_int_eq(t->status, 422);
    ck_assert_str_eq(test_code(t), "not_eligible");
    ck_assert_ptr_nonnull(strstr(t->body, "is_champion"));
    http_free(t);
    char *un = test_fmt("/v1/people/%s/unavailability", c.champion);
    test_expect("POST", un, test_admin(), "{\"from_on\":\"2027-06-01\",\"to_on\":\"2027-06-30\"}",
                201, NULL);
    struct http_resp *r =
        test_call("PATCH", c.path, c.host_tok, "{\"workshop_on\":\"2027-06-10\"}", 200, NULL);
    json_t *report = json_object_get(r->json, "no_longer_eligible");
    ck_assert_int_eq(json_array_size(report), 1);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(report, 0), "person_id")),
                     c.champion);
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(report, 0), "role")),
                     "champion");
    http_free(r);
}
END_TEST

/* With nobody to be champion the worker leaves the review unassigned: champion_missing. */
START_TEST(champion_missing_guard)
{
    struct test_cycle c;
    test_cycle_setup(&c, 0);
    test_expect("PATCH", c.path, c.host_tok,
                "{\"self_review_summary\":\"Ready.\",\"review_starts_on\":\"2027-03-10\","
                "\"review_ends_on\":\"2027-03-11\"}",
                200, NULL);
    test_item(c.path, "team", c.host_tok, "{\"person_id\":\"%s\",\"role\":\"lead_reviewer\"}",
              c.lead);
    test_item(c.path, "team", c.host_tok, "{\"person_id\":\"%s\",\"role\":\"peer_reviewer\"}",
              c.reviewer);
    expect_move(&c, "scheduled");
    expect_move(&c, "in_review");
    char *ev =
        test_item(c.path, "evidence", c.lead_tok, "{\"kind\":\"document\",\"summary\":\"Plan\"}");
    test_item(c.path, "findings", c.lead_tok,
              "{\"kind\":\"question\",\"text\":\"Why?\",\"evidence_ids\":[\"%s\"]}", ev);
    expect_move(&c, "feedback");
    wait_assignment(c.review);
    expect_guards(&c, "workshop", "champion_missing,workshop_date_missing");
}
END_TEST

/* GET /v1/partnerships/{id}/summary over a partnership with one review in planning. */
START_TEST(partnership_summary)
{
    struct test_cycle c;
    test_cycle_setup(&c, 1);
    char *hub_tok = test_key("hub", c.hub);
    char *path = test_fmt("/v1/partnerships/%s/summary", c.partnership);
    struct http_resp *r = test_call("GET", path, hub_tok, NULL, 200, NULL);
    json_t *by = json_object_get(r->json, "reviews_by_status");
    ck_assert_int_eq(json_integer_value(json_object_get(by, "planning")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(by, "completed")), 0);
    json_t *acc = json_object_get(r->json, "accredited");
    ck_assert_int_eq(json_integer_value(json_object_get(acc, "peer_reviewer")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(acc, "improvement_champion")), 1);
    char *without =
        json_dumps(json_object_get(r->json, "schools_without_review_12_months"), JSON_COMPACT);
    ck_assert_ptr_nonnull(without);
    ck_assert_ptr_null(strstr(without, c.host));
    ck_assert_ptr_nonnull(strstr(without, c.partner_a));
    free(without);
    ck_assert(json_is_array(json_object_get(r->json, "overdue_actions")));
    http_free(r);
    r = http_call("GET", path, c.host_tok, NULL, NULL);
    ck_assert_int_eq(r->status, 404); /* a school key does not read its partnership */
    http_free(r);
}
END_TEST

/* Records an award of role on the day `days` after as_of (YYYY-MM-DD) two years back, so that
 * with the default 24 months it runs out about `days` days after as_of; returns its valid_until
 * as the server set it (caller frees). */
static char *accredit_ending(const char *person, const char *role, const char *as_of, int days)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    ck_assert_ptr_nonnull(strptime(as_of, "%Y-%m-%d", &tm));
    tm.tm_year -= 2;
    tm.tm_mday += days;
    time_t t = timegm(&tm);
    gmtime_r(&t, &tm);
    char on[16];
    strftime(on, sizeof on, "%Y-%m-%d", &tm);
    char *path = test_fmt("/v1/people/%s/accreditations", person);
    char *body = test_fmt("{\"role\":\"%s\",\"awarded_on\":\"%s\"}", role, on);
    struct http_resp *r = http_call("POST", path, test_admin(), body, NULL);
    ck_assert_msg(r->status == 201, "%s -> %ld %s", body, r->status, r->body);
    char *until = xstrdup(str(r, "valid_until"));
    http_free(r);
    return until;
}

/* The count a summary object holds at key (in a sub-object sub when not NULL). */
static json_int_t figure(const json_t *o, const char *sub, const char *key)
{
    if (sub)
        o = json_object_get(o, sub);
    const json_t *v = json_object_get(o, key);
    ck_assert_msg(json_is_integer(v), "%s.%s is not an integer", sub ? sub : "", key);
    return json_integer_value(v);
}

/* GET /v1/hubs/{id}/summary: the cycle's partnership (one review in planning, three people
 * accredited until 2028) and a second partnership of the same hub (one review, accreditations
 * running out in ~30 days, in ~90 days and ~30 days ago); a partnership of another hub with a
 * review must not count; a fourth person's award running out in ~20 days is carried on by a
 * newer one. Each entry equals its partnership's own summary; the totals add up; the
 * accreditation running out within 60 days is listed, the others are not. */
START_TEST(hub_summary)
{
    struct test_cycle c;
    test_cycle_setup(&c, 1);
    char *p2 = test_partnership(c.hub);
    char *s2 = test_school(p2);
    char *soon = test_person(s2), *later = test_person(s2), *gone = test_person(s2);
    char *renewed = test_person(s2);
    char *other_hub = test_hub();
    char *other_p = test_partnership(other_hub);
    char *other_s = test_school(other_p);
    const char *review_fmt = "{\"school_id\":\"%s\",\"focus\":\"Do pupils read for pleasure?\","
                             "\"focus_area\":\"our_impact\"}";
    test_create("/v1/reviews", test_admin(), review_fmt, s2);
    test_create("/v1/reviews", test_admin(), review_fmt, other_s);

    char *p2_path = test_fmt("/v1/partnerships/%s/summary", p2);
    struct http_resp *r = test_call("GET", p2_path, test_admin(), NULL, 200, NULL);
    char *as_of = xstrdup(str(r, "as_of"));
    ck_assert(json_is_array(json_object_get(r->json, "expiring_accreditations")));
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "expiring_accreditations")), 0);
    http_free(r);
    char *soon_until = accredit_ending(soon, "peer_reviewer", as_of, 30);
    free(accredit_ending(later, "improvement_champion", as_of, 90));
    free(accredit_ending(gone, "peer_reviewer", as_of, -30));
    /* An award running out in ~20 days, carried on by a newer one: not expiring. */
    free(accredit_ending(renewed, "peer_reviewer", as_of, 20));
    free(accredit_ending(renewed, "peer_reviewer", as_of, 200));

    /* The partnership summary lists the one running out within 60 days. */
    r = test_call("GET", p2_path, test_admin(), NULL, 200, NULL);
    json_t *exp = json_object_get(r->json, "expiring_accreditations");
    ck_assert_msg(json_array_size(exp) == 1, "%s", r->body);
    json_t *e = json_array_get(exp, 0);
    ck_assert_str_eq(json_string_value(json_object_get(e, "person_id")), soon);
    ck_assert_str_eq(json_string_value(json_object_get(e, "school_id")), s2);
    ck_assert_str_eq(json_string_value(json_object_get(e, "role")), "peer_reviewer");
    ck_assert_str_eq(json_string_value(json_object_get(e, "valid_until")), soon_until);
    ck_assert(json_is_string(json_object_get(e, "full_name")));
    ck_assert_int_eq(figure(r->json, "accredited", "peer_reviewer"), 2);
    ck_assert_int_eq(figure(r->json, "accredited", "improvement_champion"), 1);
    http_free(r);

    char *hub_path = test_fmt("/v1/hubs/%s/summary", c.hub);
    char *hub_tok = test_key("hub", c.hub);
    r = http_call("GET", hub_path, hub_tok, NULL, NULL);
    ck_assert_msg(r->status == 200, "%ld %s", r->status, r->body);
    ck_assert_str_eq(str(r, "hub_id"), c.hub);
    json_t *list = json_object_get(r->json, "partnerships");
    ck_assert_int_eq(json_array_size(list), 2);
    /* Each entry is exactly what its partnership's own summary answers. */
    size_t i;
    json_t *entry;
    json_array_foreach(list, i, entry)
    {
        const char *pid = json_string_value(json_object_get(entry, "partnership_id"));
        ck_assert(strcmp(pid, c.partnership) == 0 || strcmp(pid, p2) == 0);
        char *own_path = test_fmt("/v1/partnerships/%s/summary", pid);
        struct http_resp *own = http_call("GET", own_path, hub_tok, NULL, NULL);
        ck_assert_int_eq(own->status, 200);
        ck_assert_msg(json_equal(own->json, entry), "%s\nvs\n%s", own->body, r->body);
        http_free(own);
    }
    /* Ordered by name: the first's name sorts before (or equals) the second's. */
    ck_assert(strcmp(json_string_value(json_object_get(json_array_get(list, 0), "name")),
                     json_string_value(json_object_get(json_array_get(list, 1), "name"))) <= 0);
    json_t *t = json_object_get(r->json, "totals");
    ck_assert_int_eq(figure(t, NULL, "partnerships"), 2);
    ck_assert_int_eq(figure(t, "reviews_by_status", "planning"), 2); /* not the other hub's */
    ck_assert_int_eq(figure(t, "reviews_by_status", "completed"), 0);
    ck_assert_int_eq(json_object_size(json_object_get(t, "reviews_by_status")), 9);
    ck_assert_int_eq(figure(t, NULL, "schools_without_review_12_months"), 2);
    ck_assert_int_eq(figure(t, "accredited", "peer_reviewer"), 4);
    ck_assert_int_eq(figure(t, "accredited", "improvement_champion"), 2);
    ck_assert_int_eq(figure(t, NULL, "overdue_actions"), 0);
    ck_assert_int_eq(figure(t, NULL, "expiring_accreditations"), 1);
    http_free(r);

    /* Scope: admin reads it; keys below the hub, and another hub's key, find no such hub. */
    test_expect("GET", hub_path, test_admin(), NULL, 200, NULL);
    char *p_tok = test_key("partnership", c.partnership);
    char *other_tok = test_key("hub", other_hub);
    const char *refused[] = {p_tok, c.host_tok, c.lead_tok, other_tok};
    for (size_t k = 0; k < sizeof refused / sizeof *refused; k++) {
        r = http_call("GET", hub_path, refused[k], NULL, NULL);
        ck_assert_msg(r->status == 404, "key %zu -> %ld", k, r->status);
        ck_assert_str_eq(test_code(r), "not_found");
        http_free(r);
    }
    /* Unknown query parameters answer 422; a hub that does not exist 404. */
    char *bad = test_fmt("%s?partnership_id=%s", hub_path, c.partnership);
    test_expect("GET", bad, hub_tok, NULL, 422, "validation_failed");
    test_expect("GET", "/v1/hubs/00000000-0000-4000-8000-000000000000/summary", test_admin(), NULL,
                404, NULL);

    /* A hub with no partnerships answers an empty list and zero totals. */
    char *empty_hub = test_hub();
    char *empty_path = test_fmt("/v1/hubs/%s/summary", empty_hub);
    r = test_call("GET", empty_path, test_admin(), NULL, 200, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "partnerships")), 0);
    t = json_object_get(r->json, "totals");
    ck_assert_int_eq(figure(t, NULL, "partnerships"), 0);
    ck_assert_int_eq(figure(t, "reviews_by_status", "planning"), 0);
    ck_assert_int_eq(figure(t, "accredited", "peer_reviewer"), 0);
    http_free(r);

    free(as_of);
    free(soon_until);
}
END_TEST

Suite *reviews_suite(void)
{
    Suite *s = suite_create("reviews");
    TCase *tc = tcase_create("reviews");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, whole_cycle_by_role);
    tcase_add_test(tc, two_transitions_at_once);
    tcase_add_test(tc, roles_and_scope);
    tcase_add_test(tc, champion_rules);
    tcase_add_test(tc, champion_missing_guard);
    tcase_add_test(tc, partnership_summary);
    tcase_add_test(tc, hub_summary);
    suite_add_tcase(s, tc);
    return s;
}
