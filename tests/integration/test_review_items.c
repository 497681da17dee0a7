/* A review's sub-collections over HTTP: the team (with every eligibility rule), evidence,
 * findings, actions and best practices, each by the key of the role that owns it, and the
 * partnership's published best practices. */
#include <libpq-fe.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fixtures.h"
#include "integration.h"
#include "xalloc.h"

/* The host's review in one partnership, and a second partnership of no hub. */
static const char rv_review[] =
    "\"focus\":\"How well do pupils read?\",\"focus_area\":\"looking_inward\"";

/* method on /v1/reviews/{review}/{sub} with a formatted body (fmt NULL: none) and, when
 * if_match is set, an If-Match header. */
static struct http_resp *rv_call(long status, const char *method, const char *path,
                                 const char *token, const char *if_match, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static struct http_resp *rv_call(long status, const char *method, const char *path,
                                 const char *token, const char *if_match, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *body = test_vformat(fmt, ap);
    va_end(ap);
    char *h = if_match ? test_fmt("If-Match: %s", if_match) : NULL;
    const char *headers[] = {h, NULL};
    struct http_resp *r = http_call(method, path, token, body, h ? headers : NULL);
    if (status)
        ck_assert_msg(r->status == status, "%s %s %s: expected %ld, got %ld %s", method, path,
                      body ? body : "", status, r->status, r->body);
    free(body);
    return r;
}

static const char *str(const struct http_resp *r, const char *k)
{
    const char *v = json_string_value(json_object_get(r->json, k));
    return v ? v : "";
}

/* Whether the problem lists an item with this field (NULL: any) and rule. */
static int has_error(const struct http_resp *r, const char *field, const char *rule)
{
    size_t i;
    json_t *e;
    json_array_foreach(json_object_get(r->json, "errors"), i, e)
    {
        const char *f = json_string_value(json_object_get(e, "field"));
        const char *ru = json_string_value(json_object_get(e, "rule"));
        if ((!field || (f && !strcmp(f, field))) && ru && !strcmp(ru, rule))
            return 1;
    }
    return 0;
}

/* Asserts has_error for each {field, rule} of want; RV_HAS_ERRORS(r, {"/kind", "enum"}, ...) lists
 * them inline. */
static void rv_has_errors(const struct http_resp *r, const char *const (*want)[2], size_t nwant)
{
    for (size_t i = 0; i < nwant; i++)
        ck_assert_msg(has_error(r, want[i][0], want[i][1]), "no %s error for %s in %s", want[i][1],
                      want[i][0] ? want[i][0] : "(any field)", r->body);
}
#define RV_HAS_ERRORS(r, ...)                                                                      \
    rv_has_errors((r), (const char *const[][2]){__VA_ARGS__},                                      \
                  sizeof((const char *const[][2]){__VA_ARGS__}) / sizeof(const char *[2]))

static size_t items(const struct http_resp *r)
{
    return json_array_size(json_object_get(r->json, "items"));
}

static void expect(struct http_resp *r, long status)
{
    ck_assert_msg(r->status == status, "expected %ld, got %ld %s", status, r->status, r->body);
}

/* Records an award earned elsewhere (admin), in role, on 2026-01-05: valid into 2028. */
static void rv_award(const char *person, const char *role)
{
    char *path = test_fmt("/v1/people/%s/accreditations", person);
    struct http_resp *r = rv_call(201, "POST", path, test_admin(), NULL,
                                  "{\"role\":\"%s\",\"awarded_on\":\"2026-01-05\"}", role);
    http_free(r);
}

/* A person at school accredited in role (NULL: none). */
static char *rv_person(const char *school, const char *role)
{
    char *id = test_person(school);
    if (role)
        rv_award(id, role);
    return id;
}

/* Adds person to the review's team as role with token; returns the response. */
static struct http_resp *rv_seat(const struct test_two *f, const char *token, const char *person,
                                 const char *role)
{
    char *path = test_fmt("/v1/reviews/%s/team", f->review);
    struct http_resp *r = rv_call(0, "POST", path, token, NULL,
                                  "{\"person_id\":\"%s\",\"role\":\"%s\"}", person, role);
    return r;
}

/* The id of a created item (asserting 201). */
static char *rv_created(struct http_resp *r)
{
    expect(r, 201);
    char *id = xstrdup(str(r, "id"));
    http_free(r);
    return id;
}

static void rv_sql(const char *sql, const char *a, const char *b)
{
    PGconn *db = PQconnectdb(getenv("SPP_TEST_DATABASE_URL"));
    ck_assert_int_eq(PQstatus(db), CONNECTION_OK);
    const char *p[] = {a, b};
    PGresult *res = PQexecParams(db, sql, b ? 2 : 1, NULL, p, NULL, NULL, 0);
    ck_assert_msg(PQresultStatus(res) == PGRES_COMMAND_OK, "%s", PQerrorMessage(db));
    PQclear(res);
    PQfinish(db);
}

START_TEST(team_by_the_host_school)
{
    struct test_two f;
    test_two_setup(&f, 0, rv_review);
    char *a = rv_person(f.partner, "peer_reviewer"), *b = rv_person(f.partner, "peer_reviewer");
    char *team = test_fmt("/v1/reviews/%s/team", f.review);

    struct http_resp *r = rv_seat(&f, f.host_key, a, "lead_reviewer");
    expect(r, 201);
    ck_assert_str_eq(str(r, "role"), "lead_reviewer");
    ck_assert_str_eq(str(r, "review_id"), f.review);
    ck_assert_str_eq(http_header(r, "ETag"), "\"1\"");
    char *loc = xstrdup(http_header(r, "Location"));
    char *lead = xstrdup(str(r, "id"));
    http_free(r);
    r = test_call("GET", loc, f.host_key, NULL, 200, NULL);
    ck_assert_str_eq(str(r, "person_id"), a);
    http_free(r);

    /* One lead reviewer, and a person sits on the team once. */
    r = rv_seat(&f, f.host_key, b, "lead_reviewer");
    expect(r, 422);
    ck_assert(has_error(r, "/role", "lead_reviewer_count"));
    http_free(r);
    char *peer = rv_created(rv_seat(&f, f.host_key, b, "peer_reviewer"));
    r = rv_seat(&f, f.host_key, a, "peer_reviewer");
    expect(r, 409);
    ck_assert_str_eq(test_code(r), "conflict");
    http_free(r);
    char *peer_path = test_fmt("%s/%s", team, peer);
    r = rv_call(422, "PATCH", peer_path, f.host_key, NULL, "{\"role\":\"lead_reviewer\"}");
    ck_assert(has_error(r, "/role", "lead_reviewer_count"));
    http_free(r);
    http_free(rv_call(409, "PATCH", peer_path, f.host_key, NULL, "{\"person_id\":\"%s\"}", a));

    /* Swap the roles, honouring If-Match. */
    http_free(rv_call(412, "PATCH", loc, f.host_key, "\"7\"", "{\"role\":\"peer_reviewer\"}"));
    r = rv_call(200, "PATCH", loc, f.host_key, "\"1\"", "{\"role\":\"peer_reviewer\"}");
    ck_assert_str_eq(http_header(r, "ETag"), "\"2\"");
    ck_assert_str_eq(str(r, "role"), "peer_reviewer");
    http_free(r);
    http_free(rv_call(200, "PATCH", peer_path, f.host_key, NULL, "{\"role\":\"lead_reviewer\"}"));

    /* Everyone who sees the review reads the team; only the host school (and admin) drive it. */
    r = test_call("GET", team, f.partnership_key, NULL, 200, NULL);
    ck_assert_uint_eq(items(r), 2);
    http_free(r);
    char *c = rv_person(f.partner, "peer_reviewer");
    r = rv_seat(&f, f.hub_key, c, "peer_reviewer");
    expect(r, 403);
    http_free(r);
    r = rv_seat(&f, f.partnership_key, c, "peer_reviewer");
    expect(r, 403);
    http_free(r);
    char *member_key = test_key("person", a);
    test_expect("GET", team, member_key, NULL, 200, NULL);
    r = rv_seat(&f, member_key, c, "peer_reviewer");
    expect(r, 403);
    http_free(r);
    /* A person not on the review does not see it. */
    char *stranger_key = test_key("person", c);
    test_expect("GET", team, stranger_key, NULL, 404, NULL);
    test_expect("GET", loc, stranger_key, NULL, 404, NULL);
    r = rv_call(422, "POST", team, f.host_key, NULL, "{\"person_id\":\"%s\",\"role\":\"chair\"}",
                c);
    ck_assert(has_error(r, "/role", "enum"));
    http_free(r);

    /* Removing a member: stale If-Match first. */
    http_free(rv_call(412, "DELETE", loc, f.host_key, "\"1\"", NULL));
    http_free(rv_call(204, "DELETE", loc, f.host_key, "\"2\"", NULL));
    test_expect("GET", loc, f.host_key, NULL, 404, NULL);

    /* A cancelled review's team no longer changes. */
    char *tr = test_fmt("/v1/reviews/%s/transitions", f.review);
    http_free(rv_call(200, "POST", tr, f.host_key, NULL,
                      "{\"to\":\"cancelled\",\"reason\":\"Closure\"}"));
    r = rv_seat(&f, f.host_key, c, "peer_reviewer");
    expect(r, 409);
    http_free(r);
    http_free(rv_call(409, "DELETE", peer_path, f.host_key, NULL, NULL));

    free(peer);
    free(lead);
    free(loc);
}
END_TEST

/* Adds person and expects 422 not_eligible naming rule at /person_id. */
static void rv_refused(const struct test_two *f, const char *person, const char *rule)
{
    struct http_resp *r = rv_seat(f, f->host_key, person, "peer_reviewer");
    expect(r, 422);
    ck_assert_str_eq(test_code(r), "not_eligible");
    ck_assert_msg(has_error(r, "/person_id", rule), "no %s in %s", rule, r->body);
    http_free(r);
}

START_TEST(team_eligibility_rules)
{
    struct test_two f;
    test_two_setup(&f, 0, rv_review);
    char *untrained = rv_person(f.partner, NULL);
    rv_refused(&f, untrained, "not_accredited");
    /* A champion's award is not a reviewer's. */
    rv_award(untrained, "improvement_champion");
    rv_refused(&f, untrained, "not_accredited");

    char *at_host = rv_person(f.host, "peer_reviewer");
    rv_refused(&f, at_host, "host_school");
    /* Someone of another partnership reads as nobody to the host school; admin, who sees
     * everyone, is told the rule. */
    char *elsewhere = rv_person(f.outsider_school, "peer_reviewer");
    rv_refused(&f, elsewhere, "not_found");
    struct http_resp *seen = rv_seat(&f, test_admin(), elsewhere, "peer_reviewer");
    expect(seen, 422);
    ck_assert(has_error(seen, "/person_id", "other_partnership"));
    http_free(seen);

    char *conflicted = rv_person(f.partner, "peer_reviewer");
    char *path = test_fmt("/v1/people/%s/conflicts", conflicted);
    struct http_resp *r = rv_call(201, "POST", path, test_admin(), NULL,
                                  "{\"school_id\":\"%s\",\"reason\":\"Governor there\"}", f.host);
    http_free(r);
    rv_refused(&f, conflicted, "declared_conflict");

    /* Unavailability counts once the visit has dates. */
    char *away = rv_person(f.partner, "peer_reviewer");
    path = test_fmt("/v1/people/%s/unavailability", away);
    http_free(rv_call(201, "POST", path, test_admin(), NULL,
                      "{\"from_on\":\"2027-02-26\",\"to_on\":\"2027-03-01\"}"));
    char *review = test_fmt("/v1/reviews/%s", f.review);
    http_free(rv_call(200, "PATCH", review, f.host_key, NULL,
                      "{\"review_starts_on\":\"2027-03-01\",\"review_ends_on\":\"2027-03-02\"}"));
    rv_refused(&f, away, "unavailable");

    /* Every broken rule is listed, not only the first. */
    char *both = rv_person(f.host, NULL);
    r = rv_seat(&f, f.host_key, both, "lead_reviewer");
    expect(r, 422);
    RV_HAS_ERRORS(r, {"/person_id", "not_accredited"}, {"/person_id", "host_school"});
    http_free(r);

    /* Nobody was seated, and replacing a member's person is checked the same way. */
    char *fine = rv_person(f.partner, "peer_reviewer");
    char *member = rv_created(rv_seat(&f, f.host_key, fine, "lead_reviewer"));
    char *member_path = test_fmt("/v1/reviews/%s/team/%s", f.review, member);
    r = rv_call(422, "PATCH", member_path, f.host_key, NULL, "{\"person_id\":\"%s\"}", away);
    ck_assert(has_error(r, "/person_id", "unavailable"));
    http_free(r);
    char *other = rv_person(f.partner, "peer_reviewer");
    r = rv_call(200, "PATCH", member_path, f.host_key, "\"1\"", "{\"person_id\":\"%s\"}", other);
    ck_assert_str_eq(str(r, "person_id"), other);
    http_free(r);
    char *team = test_fmt("/v1/reviews/%s/team", f.review);
    r = http_call("GET", team, f.host_key, NULL, NULL);
    ck_assert_uint_eq(items(r), 1);
    http_free(r);

    free(member);
}
END_TEST

START_TEST(evidence_and_findings_by_the_team)
{
    struct test_two f;
    test_two_setup(&f, 0, rv_review);
    char *a = rv_person(f.partner, "peer_reviewer"), *b = rv_person(f.partner, "peer_reviewer");
    http_free(rv_seat(&f, f.host_key, a, "lead_reviewer"));
    http_free(rv_seat(&f, f.host_key, b, "peer_reviewer"));
    char *ka = test_key("person", a), *kb = test_key("person", b);
    char *ev = test_fmt("/v1/reviews/%s/evidence", f.review);
    char *fi = test_fmt("/v1/reviews/%s/findings", f.review);

    /* A person key records as itself. */
    struct http_resp *r = rv_call(201, "POST", ev, ka, NULL,
                                  "{\"kind\":\"lesson_observation\",\"summary\":\"Year 3 "
                                  "phonics: pupils blend confidently\","
                                  "\"source_url\":\"https://example.org/notes/1\"}");
    ck_assert_str_eq(str(r, "recorded_by"), a);
    char *e1_path = test_fmt("%s", http_header(r, "Location"));
    char *e1 = rv_created(r);
    http_free(rv_call(
        403, "POST", ev, ka, NULL,
        "{\"kind\":\"document\",\"summary\":\"Reading policy\",\"recorded_by\":\"%s\"}", b));
    char *e2 = rv_created(rv_call(0, "POST", ev, kb, NULL,
                                  "{\"kind\":\"pupil_interview\",\"summary\":\"Year 6 readers\","
                                  "\"recorded_by\":\"%s\"}",
                                  b));
    /* Admin names a team member. */
    r = rv_call(422, "POST", ev, test_admin(), NULL, "{\"kind\":\"other\",\"summary\":\"Walk\"}");
    ck_assert(has_error(r, "/recorded_by", "required"));
    http_free(r);
    char *off_team = rv_person(f.partner, "peer_reviewer");
    r = rv_call(422, "POST", ev, test_admin(), NULL,
                "{\"kind\":\"other\",\"summary\":\"Walk\",\"recorded_by\":\"%s\"}", off_team);
    ck_assert(has_error(r, "/recorded_by", "not_on_team"));
    http_free(r);
    r = rv_call(201, "POST", ev, test_admin(), NULL,
                "{\"kind\":\"other\",\"summary\":\"Learning walk\",\"recorded_by\":\"%s\"}", b);
    ck_assert_str_eq(str(r, "recorded_by"), b);
    http_free(r);
    r = rv_call(422, "POST", ev, ka, NULL,
                "{\"kind\":\"gossip\",\"summary\":\"  \",\"source_url\":\"ftp://x\",\"grade\":1}");
    RV_HAS_ERRORS(r, {"/kind", "enum"}, {"/summary", "required"}, {"/source_url", "format"},
                  {"/grade", "unknown_field"});
    http_free(r);

    /* Wrong roles: the hub and the host school read but do not add; strangers see nothing. */
    http_free(rv_call(403, "POST", ev, f.hub_key, NULL, "{\"kind\":\"other\",\"summary\":\"x\"}"));
    http_free(rv_call(403, "POST", ev, f.host_key, NULL, "{\"kind\":\"other\",\"summary\":\"x\"}"));
    r = test_call("GET", ev, f.host_key, NULL, 200, NULL);
    ck_assert_uint_eq(items(r), 3);
    http_free(r);
    char *ko = test_key("person", off_team);
    test_expect("GET", ev, ko, NULL, 404, NULL);
    http_free(rv_call(404, "POST", ev, ko, NULL, "{\"kind\":\"other\",\"summary\":\"x\"}"));
    test_expect("GET", e1_path, ko, NULL, 404, NULL);

    /* Evidence of another review of the partnership. */
    char *host2 = test_school(f.partnership);
    char *host2_key = test_key("school", host2);
    char *review2 = test_create("/v1/reviews", host2_key, "{\"school_id\":\"%s\"}", host2);
    char *team2 = test_fmt("/v1/reviews/%s/team", review2);
    http_free(rv_call(201, "POST", team2, host2_key, NULL,
                      "{\"person_id\":\"%s\",\"role\":\"lead_reviewer\"}", a));
    char *ev2 = test_fmt("/v1/reviews/%s/evidence", review2);
    char *foreign =
        rv_created(rv_call(0, "POST", ev2, ka, NULL, "{\"kind\":\"other\",\"summary\":\"x\"}"));

    /* Findings cite evidence of their own review only, each bad id at its position. */
    r = rv_call(422, "POST", fi, kb, NULL,
                "{\"kind\":\"strength\",\"text\":\"Early reading is secure\","
                "\"evidence_ids\":[\"%s\",\"%s\",\"00000000-0000-4000-8000-000000000000\"]}",
                e1, foreign);
    RV_HAS_ERRORS(r, {"/evidence_ids/1", "not_found"}, {"/evidence_ids/2", "not_found"});
    ck_assert(!has_error(r, "/evidence_ids/0", "not_found"));
    http_free(r);
    r = rv_call(422, "POST", fi, kb, NULL,
                "{\"kind\":\"strength\",\"text\":\"x\",\"evidence_ids\":[\"nope\",\"%s\",\"%s\"]}",
                e1, e1);
    RV_HAS_ERRORS(r, {"/evidence_ids/0", "format"}, {"/evidence_ids/2", "duplicate"});
    http_free(r);
    r = rv_call(422, "POST", fi, kb, NULL, "{\"kind\":\"grade\",\"text\":\"Outstanding\"}");
    ck_assert(has_error(r, "/kind", "enum"));
    http_free(r);
    r = rv_call(201, "POST", fi, kb, NULL,
                "{\"kind\":\"strength\",\"text\":\"Early reading is secure\","
                "\"evidence_ids\":[\"%s\",\"%s\"]}",
                e1, e2);
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "evidence_ids")), 2);
    char *finding_path = xstrdup(http_header(r, "Location"));
    http_free(r);
    r = rv_call(201, "POST", fi, ka, NULL,
                "{\"kind\":\"question\",\"text\":\"How is fluency taught?\"}");
    ck_assert_uint_eq(json_array_size(json_object_get(r->json, "evidence_ids")), 0);
    http_free(r);
    http_free(rv_call(403, "POST", fi, f.host_key, NULL, "{\"kind\":\"question\",\"text\":\"x\"}"));

    /* Cited evidence stays until no finding cites it. */
    char *e2_path = test_fmt("%s/%s", ev, e2);
    test_expect("DELETE", e2_path, ka, NULL, 409, NULL);
    http_free(rv_call(412, "PATCH", finding_path, ka, "\"2\"", "{\"evidence_ids\":[\"%s\"]}", e1));
    r = rv_call(422, "PATCH", finding_path, ka, NULL, "{\"evidence_ids\":[\"%s\"]}", foreign);
    ck_assert(has_error(r, "/evidence_ids/0", "not_found"));
    http_free(r);
    http_free(rv_call(422, "PATCH", finding_path, ka, NULL, "{\"evidence_ids\":null}"));
    r = rv_call(200, "PATCH", finding_path, ka, "\"1\"",
                "{\"evidence_ids\":[\"%s\"],\"kind\":\"area_for_development\"}", e1);
    ck_assert_str_eq(http_header(r, "ETag"), "\"2\"");
    ck_assert_str_eq(str(r, "kind"), "area_for_development");
    ck_assert_str_eq(str(r, "text"), "Early reading is secure");
    http_free(r);
    test_expect("DELETE", e2_path, ka, NULL, 204, NULL);

    /* Evidence changes with If-Match; its recorder moves only under the create's rules. */
    http_free(rv_call(412, "PATCH", e1_path, kb, "\"9\"", "{\"summary\":\"Year 3 phonics\"}"));
    http_free(rv_call(403, "PATCH", e1_path, kb, NULL, "{\"recorded_by\":\"%s\"}", off_team));
    r = rv_call(200, "PATCH", e1_path, kb, "\"1\"",
                "{\"summary\":\"Year 3 phonics\",\"source_url\":null,\"recorded_by\":\"%s\"}", a);
    ck_assert_str_eq(str(r, "summary"), "Year 3 phonics");
    ck_assert(json_is_null(json_object_get(r->json, "source_url")));
    ck_assert_str_eq(str(r, "recorded_by"), a);
    http_free(r);

    /* Team members do not write the action plan. */
    char *ac = test_fmt("/v1/reviews/%s/actions", f.review);
    http_free(rv_call(403, "POST", ac, ka, NULL, "{\"description\":\"Phonics catch-up\"}"));

    r = test_call("GET", fi, f.partnership_key, NULL, 200, NULL);
    ck_assert_uint_eq(items(r), 2);
    http_free(r);
    test_expect("DELETE", finding_path, kb, NULL, 204, NULL);

    free(finding_path);
    free(foreign);
    free(e2);
    free(e1);
}
END_TEST

START_TEST(actions_and_best_practices_by_the_workshop)
{
    struct test_two f;
    test_two_setup(&f, 0, rv_review);
    char *reviewer = rv_person(f.partner, "peer_reviewer");
    http_free(rv_seat(&f, f.host_key, reviewer, "lead_reviewer"));
    char *champion = rv_person(f.partner, "improvement_champion");
    char *path = test_fmt("/v1/reviews/%s/champion", f.review);
    struct http_resp *r =
        rv_call(200, "PUT", path, f.host_key, NULL, "{\"person_id\":\"%s\"}", champion);
    http_free(r);
    char *kc = test_key("person", champion), *kr = test_key("person", reviewer);
    char *head = test_person(f.host);
    char *ac = test_fmt("/v1/reviews/%s/actions", f.review);
    char *bp = test_fmt("/v1/reviews/%s/best-practices", f.review);

    /* The champion records the action plan. */
    r = rv_call(201, "POST", ac, kc, NULL,
                "{\"description\":\"Daily phonics catch-up in Year 4\",\"owner_id\":\"%s\","
                "\"due_on\":\"2027-06-30\"}",
                head);
    ck_assert_str_eq(str(r, "status"), "open");
    ck_assert_str_eq(str(r, "due_on"), "2027-06-30");
    ck_assert_str_eq(str(r, "owner_id"), head);
    char *action = xstrdup(http_header(r, "Location"));
    http_free(r);
    r = rv_call(422, "POST", ac, kc, NULL,
                "{\"description\":\"x\",\"owner_id\":\"00000000-0000-4000-8000-000000000000\","
                "\"due_on\":\"2027-02-30\",\"status\":\"started\"}");
    RV_HAS_ERRORS(r, {"/due_on", "format"}, {"/status", "enum"});
    http_free(r);
    r = rv_call(422, "POST", ac, kc, NULL,
                "{\"description\":\"x\",\"owner_id\":\"00000000-0000-4000-8000-000000000000\"}");
    ck_assert(has_error(r, "/owner_id", "not_found"));
    http_free(r);
    r = rv_call(201, "POST", ac, f.host_key, NULL,
                "{\"description\":\"Reading ambassadors\",\"status\":\"in_progress\"}");
    ck_assert_str_eq(str(r, "status"), "in_progress");
    ck_assert(json_is_null(json_object_get(r->json, "owner_id")));
    http_free(r);
    http_free(rv_call(403, "POST", ac, kr, NULL, "{\"description\":\"x\"}"));
    http_free(rv_call(403, "POST", ac, f.hub_key, NULL, "{\"description\":\"x\"}"));
    http_free(rv_call(412, "PATCH", action, f.host_key, "\"3\"", "{\"status\":\"done\"}"));
    r = rv_call(200, "PATCH", action, f.host_key, "\"1\"", "{\"status\":\"done\",\"due_on\":null}");
    ck_assert_str_eq(str(r, "status"), "done");
    ck_assert(json_is_null(json_object_get(r->json, "due_on")));
    ck_assert_str_eq(http_header(r, "ETag"), "\"2\"");
    http_free(r);
    http_free(rv_call(422, "PATCH", action, kc, NULL, "{\"status\":null}"));
    r = test_call("GET", ac, f.hub_key, NULL, 200, NULL);
    ck_assert_uint_eq(items(r), 2);
    http_free(r);
    test_expect("DELETE", action, kc, NULL, 204, NULL);

    /* Best practices: drafts until the review completes. */
    r = rv_call(201, "POST", bp, kc, NULL,
                "{\"title\":\"Phonics first\",\"description\":\"Teach decoding before "
                "comprehension strategies.\"}");
    ck_assert(json_is_null(json_object_get(r->json, "published_at")));
    char *practice = xstrdup(http_header(r, "Location"));
    http_free(r);
    r = rv_call(422, "POST", bp, kc, NULL,
                "{\"title\":\"\",\"published_at\":\"2026-01-01T00:00:00Z\"}");
    RV_HAS_ERRORS(r, {"/title", "required"}, {"/description", "required"},
                  {"/published_at", "read_only"});
    http_free(r);
    http_free(rv_call(403, "POST", bp, kr, NULL, "{\"title\":\"x\",\"description\":\"y\"}"));
    r = rv_call(200, "PATCH", practice, f.host_key, "\"1\"",
                "{\"title\":\"Phonics first, always\"}");
    ck_assert_str_eq(str(r, "title"), "Phonics first, always");
    http_free(r);
    r = test_call("GET", bp, kr, NULL, 200, NULL);
    ck_assert_uint_eq(items(r), 1);
    http_free(r);

    /* A completed review no longer changes: its published best practices stay as sent. */
    rv_sql("UPDATE reviews SET status = 'completed' WHERE id = $1", f.review, NULL);
    http_free(rv_call(409, "PATCH", practice, f.host_key, NULL, "{\"title\":\"Changed\"}"));
    test_expect("DELETE", practice, test_admin(), NULL, 409, NULL);

    free(practice);
    free(action);
}
END_TEST

/* Who reads a partnership's best practices, and their order: published ones only, newest
 * first, paged backwards without a skip or a repeat. Publishing is the completion transition's
 * (tested with the workflow); here published_at is set directly. */
START_TEST(partnership_best_practices_published_newest_first)
{
    struct test_two f;
    test_two_setup(&f, 0, rv_review);
    char *list = test_fmt("/v1/partnerships/%s/best-practices", f.partnership);
    struct http_resp *r = test_call("GET", list, f.host_key, NULL, 200, NULL);
    ck_assert_uint_eq(items(r), 0);
    ck_assert(json_is_null(json_object_get(r->json, "next_cursor")));
    http_free(r);

    char *bp = test_fmt("/v1/reviews/%s/best-practices", f.review);
    char *ids[4];
    for (int i = 0; i < 4; i++)
        ids[i] = rv_created(rv_call(0, "POST", bp, f.host_key, NULL,
                                    "{\"title\":\"Principle %d\",\"description\":\"d\"}", i));
    /* 0 and 2 share an instant (the id breaks the tie); 3 stays a draft. */
    rv_sql("UPDATE best_practices SET published_at = '2026-05-01T10:00:00Z' WHERE id = $1 "
           "OR id = $2",
           ids[0], ids[2]);
    rv_sql("UPDATE best_practices SET published_at = '2026-06-01T10:00:00Z' WHERE id = $1", ids[1],
           NULL);
    const char *tie_hi = strcmp(ids[0], ids[2]) > 0 ? ids[0] : ids[2];
    const char *tie_lo = tie_hi == ids[0] ? ids[2] : ids[0];
    const char *want[] = {ids[1], tie_hi, tie_lo};

    char *page = test_fmt("%s?limit=2", list);
    for (int seen = 0; seen < 3;) {
        r = test_call("GET", page, f.partnership_key, NULL, 200, NULL);
        size_t i;
        json_t *it;
        json_array_foreach(json_object_get(r->json, "items"), i, it)
        {
            ck_assert_int_lt(seen, 3);
            ck_assert_str_eq(json_string_value(json_object_get(it, "id")), want[seen++]);
            ck_assert(json_is_string(json_object_get(it, "published_at")));
        }
        const char *next = json_string_value(json_object_get(r->json, "next_cursor"));
        page = next ? test_fmt("%s?limit=2&cursor=%s", list, next) : NULL;
        ck_assert_int_eq(!!next, seen < 3);
        http_free(r);
        if (!page)
            break;
    }

    /* Readers: admin, the hub, the partnership, its member schools; not another partnership's
     * keys, nor person keys. */
    char *other_school_key = test_key("school", f.outsider_school);
    char *other_partnership_key = test_key("partnership", f.other_partnership);
    char *someone = test_person(f.host);
    char *person_key = test_key("person", someone);
    const char *ok[] = {test_admin(), f.hub_key, f.partnership_key, f.host_key};
    for (size_t i = 0; i < 4; i++) {
        r = test_call("GET", list, ok[i], NULL, 200, NULL);
        ck_assert_uint_eq(items(r), 3);
        http_free(r);
    }
    const char *no[] = {other_school_key, other_partnership_key, person_key};
    for (size_t i = 0; i < 3; i++) {
        test_expect("GET", list, no[i], NULL, 404, NULL);
    }
    test_expect("GET", "/v1/partnerships/00000000-0000-4000-8000-000000000000/best-practices",
                test_admin(), NULL, 404, NULL);
    char *bad = test_fmt("%s?limit=0&since=2026-01-01", list);
    test_expect("GET", bad, f.host_key, NULL, 422, NULL);

    for (int i = 0; i < 4; i++)
        free(ids[i]);
}
END_TEST

Suite *review_items_suite(void)
{
    Suite *s = suite_create("review_items");
    TCase *tc = tcase_create("review_items");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, team_by_the_host_school);
    tcase_add_test(tc, team_eligibility_rules);
    tcase_add_test(tc, evidence_and_findings_by_the_team);
    tcase_add_test(tc, actions_and_best_practices_by_the_workshop);
    tcase_add_test(tc, partnership_best_practices_published_newest_first);
    suite_add_tcase(s, tc);
    return s;
}
