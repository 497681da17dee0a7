/* Annual review plans (DESIGN §1.3) end to end through the running worker (plan.generate): a
 * small partnership planned with every rule kept, an infeasible one naming the schools it
 * blocks, accepting a plan (every rule re-checked, its reviews created), and the routes' scope and
 * validation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "integration.h"
#include "plan.h"
#include "xalloc.h"

static void ok_call(const char *method, const char *path, const char *body, long want)
{
    struct http_resp *r = http_call(method, path, test_admin(), body, NULL);
    ck_assert_msg(r->status == want, "%s %s -> %ld %s", method, path, r->status, r->body);
    http_free(r);
}

/* A peer reviewer at school, accredited until 2028-06-01 (24 months). */
static char *reviewer(const char *school)
{
    char *person = test_person(school);
    char *path = test_fmt("/v1/people/%s/accreditations", person);
    ok_call("POST", path, "{\"role\":\"peer_reviewer\",\"awarded_on\":\"2026-06-01\"}", 201);
    return person;
}

/* Asks for a plan of partnership (body given), checks the 202, waits until the worker has
 * generated it and returns the plan (caller frees with http_free). */
static struct http_resp *plan_and_wait(const char *partnership, const char *body)
{
    char *path = test_fmt("/v1/partnerships/%s/review-plans", partnership);
    struct http_resp *r = http_call("POST", path, test_admin(), body, NULL);
    ck_assert_msg(r->status == 202, "-> %ld %s", r->status, r->body);
    ck_assert_str_eq(json_string_value(json_object_get(r->json, "kind")), "plan.generate");
    char *location = test_fmt("/v1/jobs/%s", json_string_value(json_object_get(r->json, "id")));
    ck_assert_str_eq(http_header(r, "Location"), location);
    const char *id = json_string_value(json_object_get(r->json, "review_plan_id"));
    ck_assert_ptr_nonnull(id);
    char *plan = test_fmt("/v1/review-plans/%s", id);
    http_free(r);
    r = NULL;
    for (int i = 0; i < 400; i++) {
        r = test_call("GET", plan, test_admin(), NULL, 200, NULL);
        const char *status = json_string_value(json_object_get(r->json, "status"));
        if (strcmp(status, "generating") != 0)
            break;
        http_free(r);
        r = NULL;
        usleep(50000);
    }
    ck_assert_msg(r != NULL, "the plan was not generated within 20 s (is spp-worker running?)");
    return r;
}

static const char *str(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    ck_assert_msg(v != NULL, "no %s", k);
    return v;
}

static long day(const char *s)
{
    struct caldate c;
    ck_assert_int_eq(caldate_parse(s, &c), 0);
    return caldate_to_days(c);
}

/* The status of the review_plan.ready event queued for plan_id (its webhook.deliver job's
 * payload), read from the job ledger; caller frees; NULL when there is none or more than one. */
static char *ready_event_status(const char *plan_id)
{
    const char *url = getenv("SPP_TEST_DATABASE_URL");
    ck_assert_msg(url != NULL, "SPP_TEST_DATABASE_URL is not set");
    PGconn *db = PQconnectdb(url);
    ck_assert_msg(PQstatus(db) == CONNECTION_OK, "%s", PQerrorMessage(db));
    const char *p[] = {plan_id};
    PGresult *res = PQexecParams(db,
                                 "SELECT payload #>> '{event,data,status}' FROM jobs "
                                 "WHERE kind = 'webhook.deliver' "
                                 "AND payload #>> '{event,type}' = 'review_plan.ready' "
                                 "AND payload #>> '{event,data,id}' = $1",
                                 1, NULL, p, NULL, NULL, 0);
    ck_assert_msg(PQresultStatus(res) == PGRES_TUPLES_OK, "%s", PQresultErrorMessage(res));
    char *out = PQntuples(res) == 1 ? xstrdup(PQgetvalue(res, 0, 0)) : NULL;
    PQclear(res);
    PQfinish(db);
    return out;
}

START_TEST(plan_keeps_the_rules)
{
    char *hub = test_hub(), *part = test_partnership(hub);
    char *schools[4];
    char *people[4][3];
    for (int s = 0; s < 4; s++) {
        schools[s] = test_school(part);
        for (int k = 0; k < 3; k++)
            people[s][k] = reviewer(schools[s]);
    }
    /* School 1's second reviewer has a conflict with school 0; its third is away all year. */
    char *path = test_fmt("/v1/people/%s/conflicts", people[1][1]);
    char *body = test_fmt("{\"school_id\":\"%s\",\"reason\":\"Governor there\"}", schools[0]);
    ok_call("POST", path, body, 201);
    path = test_fmt("/v1/people/%s/unavailability", people[1][2]);
    ok_call("POST", path, "{\"from_on\":\"2027-01-01\",\"to_on\":\"2028-01-31\"}", 201);

    struct http_resp *r =
        plan_and_wait(part, "{\"year_starts_on\":\"2027-01-04\",\"team_size\":3,\"visit_days\":2}");
    json_t *plan = r->json;
    ck_assert_str_eq(str(plan, "status"), "proposed");
    ck_assert_str_eq(str(plan, "partnership_id"), part);
    ck_assert_str_eq(str(plan, "year_starts_on"), "2027-01-04");
    ck_assert_int_eq(json_integer_value(json_object_get(plan, "team_size")), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(plan, "visit_days")), 2);
    ck_assert_int_eq(json_array_size(json_object_get(plan, "blocked")), 0);
    ck_assert_int_eq(json_array_size(json_object_get(plan, "review_ids")), 0);
    ck_assert_int_eq(json_object_size(plan), 11); /* exactly DESIGN's fields */
    json_t *props = json_object_get(plan, "proposals");
    ck_assert_int_eq(json_array_size(props), 4);

    int load[4][3] = {{0}};
    int planned[4] = {0};
    long from[4], to[4];
    long year_start = day("2027-01-04"), year_end = day("2028-01-04");
    for (size_t i = 0; i < 4; i++) {
        json_t *p = json_array_get(props, i);
        int host = -1;
        for (int s = 0; s < 4; s++)
            if (!strcmp(str(p, "school_id"), schools[s]))
                host = s;
        ck_assert_int_ge(host, 0);
        planned[host]++;
        from[i] = day(str(p, "visit_starts_on"));
        to[i] = day(str(p, "visit_ends_on"));
        ck_assert_int_eq(to[i] - from[i], 1); /* visit_days consecutive days */
        ck_assert_int_ge(from[i], year_start);
        ck_assert_int_lt(to[i], year_end);
        for (long d = from[i]; d <= to[i]; d++) /* 1970-01-01 was a Thursday */
            ck_assert_msg((d + 3) % 7 < 5, "a visit day is a weekend day");
        json_t *team = json_object_get(p, "team");
        ck_assert_int_eq(json_array_size(team), 3);
        int leads = 0, from_school[4] = {0};
        for (size_t m = 0; m < 3; m++) {
            json_t *member = json_array_get(team, m);
            const char *role = str(member, "role");
            leads += !strcmp(role, "lead_reviewer");
            ck_assert(!strcmp(role, "lead_reviewer") || !strcmp(role, "peer_reviewer"));
            ck_assert_msg(strlen(str(member, "reason")) > 20, "a reason in words");
            ck_assert_ptr_nonnull(strstr(str(member, "reason"), "accredited until 2028-06-01"));
            int ps = -1, pk = -1;
            for (int s = 0; s < 4; s++)
                for (int k = 0; k < 3; k++)
                    if (!strcmp(str(member, "person_id"), people[s][k]))
                        ps = s, pk = k;
            ck_assert_int_ge(ps, 0);
            ck_assert_str_eq(str(member, "school_id"), schools[ps]);
            ck_assert_int_ne(ps, host);                    /* not the host school */
            ck_assert(!(ps == 1 && pk == 1 && host == 0)); /* the declared conflict */
            ck_assert(!(ps == 1 && pk == 2));              /* away all year */
            from_school[ps]++;
            ck_assert_int_le(from_school[ps], 1); /* one reviewer per school on a team */
            load[ps][pk]++;
        }
        ck_assert_int_eq(leads, 1);
    }
    for (int s = 0; s < 4; s++)
        ck_assert_int_eq(planned[s], 1);
    for (size_t i = 0; i < 4; i++) /* every school has its own window here */
        for (size_t j = i + 1; j < 4; j++)
            ck_assert(to[i] < from[j] || to[j] < from[i]);
    /* The spread: 12 seats over the 11 reviewers who can sit anywhere differ by at most one. */
    int lo = 99, hi = 0, total = 0;
    for (int s = 0; s < 4; s++)
        for (int k = 0; k < 3; k++) {
            if (s == 1 && k == 2)
                continue;
            lo = load[s][k] < lo ? load[s][k] : lo;
            hi = load[s][k] > hi ? load[s][k] : hi;
            total += load[s][k];
        }
    ck_assert_int_eq(total, 12);
    ck_assert_int_le(hi - lo, 1);

    /* Listed newest first. */
    char *plan_id = xstrdup(str(plan, "id"));
    char *event = ready_event_status(plan_id); /* announced once, as proposed */
    ck_assert_msg(event != NULL, "no review_plan.ready event");
    ck_assert_str_eq(event, "proposed");
    free(event);
    http_free(r);
    struct http_resp *second = plan_and_wait(part, "{\"year_starts_on\":\"2027-09-01\"}");
    ck_assert_int_eq(json_integer_value(json_object_get(second->json, "team_size")), 3);
    ck_assert_int_eq(json_integer_value(json_object_get(second->json, "visit_days")), 2);
    path = test_fmt("/v1/partnerships/%s/review-plans?limit=1", part);
    r = test_call("GET", path, test_admin(), NULL, 200, NULL);
    json_t *items = json_object_get(r->json, "items");
    ck_assert_int_eq(json_array_size(items), 1);
    ck_assert_str_eq(str(json_array_get(items, 0), "id"), str(second->json, "id"));
    const char *cursor = json_string_value(json_object_get(r->json, "next_cursor"));
    ck_assert_ptr_nonnull(cursor);
    char *next = test_fmt("/v1/partnerships/%s/review-plans?limit=1&cursor=%s", part, cursor);
    http_free(r);
    r = test_call("GET", next, test_admin(), NULL, 200, NULL);
    items = json_object_get(r->json, "items");
    ck_assert_int_eq(json_array_size(items), 1);
    ck_assert_str_eq(str(json_array_get(items, 0), "id"), plan_id);
    http_free(r);
    http_free(second);
    free(plan_id);
}
END_TEST

START_TEST(infeasible_plan_names_blocked_schools)
{
    char *hub = test_hub(), *part = test_partnership(hub);
    char *schools[4];
    for (int s = 0; s < 4; s++)
        schools[s] = test_school(part);
    for (int s = 0; s < 3; s++) /* school 3 has no reviewer */
        reviewer(schools[s]);
    struct http_resp *r = plan_and_wait(part, "{\"year_starts_on\":\"2027-01-04\"}");
    ck_assert_str_eq(str(r->json, "status"), "infeasible");
    /* Schools 0 to 2 have only two other schools with a reviewer: blocked. */
    json_t *blocked = json_object_get(r->json, "blocked");
    ck_assert_int_eq(json_array_size(blocked), 3);
    int seen[4] = {0};
    for (size_t i = 0; i < 3; i++) {
        json_t *b = json_array_get(blocked, i);
        ck_assert_str_eq(str(b, "rule"), "too_few_partner_schools");
        ck_assert_msg(strlen(str(b, "message")) > 10, "a message");
        for (int s = 0; s < 4; s++)
            if (!strcmp(str(b, "school_id"), schools[s]))
                seen[s]++;
    }
    ck_assert(seen[0] == 1 && seen[1] == 1 && seen[2] == 1 && seen[3] == 0);
    /* School 3 is still proposed, staffed by the other three. */
    json_t *props = json_object_get(r->json, "proposals");
    ck_assert_int_eq(json_array_size(props), 1);
    ck_assert_str_eq(str(json_array_get(props, 0), "school_id"), schools[3]);
    ck_assert_int_eq(json_array_size(json_object_get(json_array_get(props, 0), "team")), 3);
    char *accept = test_fmt("/v1/review-plans/%s/accept", str(r->json, "id"));
    char *event = ready_event_status(str(r->json, "id")); /* announced once, as infeasible */
    ck_assert_msg(event != NULL, "no review_plan.ready event");
    ck_assert_str_eq(event, "infeasible");
    free(event);
    http_free(r);
    r = http_call("POST", accept, test_admin(), NULL, NULL); /* not proposed: 409 */
    ck_assert_int_eq(r->status, 409);
    ck_assert_str_eq(test_code(r), "conflict");
    http_free(r);
}
END_TEST

START_TEST(plan_scope_and_validation)
{
    char *hub = test_hub(), *part = test_partnership(hub), *other = test_partnership(hub);
    char *school = test_school(part);
    char *school_tok = test_key("school", school);
    char *part_tok = test_key("partnership", part);
    char *other_tok = test_key("partnership", other);
    char *path = test_fmt("/v1/partnerships/%s/review-plans", part);

    struct http_resp *r =
        test_call("POST", path, part_tok, "{\"year_starts_on\":\"2027-01-04\"}", 202, NULL);
    char *plan = test_fmt("/v1/review-plans/%s", str(r->json, "review_plan_id"));
    http_free(r);

    r = http_call("GET", plan, school_tok, NULL, NULL); /* a school of the partnership reads */
    ck_assert_int_eq(r->status, 200);
    http_free(r);
    r = test_call("GET", path, school_tok, NULL, 200, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 1);
    http_free(r);
    test_expect("POST", path, school_tok, "{\"year_starts_on\":\"2027-01-04\"}", 403, NULL);
    r = http_call("GET", plan, other_tok, NULL, NULL); /* outside the scope: as if absent */
    ck_assert_int_eq(r->status, 404);
    http_free(r);
    test_expect("POST", path, other_tok, "{\"year_starts_on\":\"2027-01-04\"}", 404, NULL);

    r = test_call("POST", path, part_tok, "{\"team_size\":5,\"visit_days\":6}", 422,
                  "validation_failed");
    json_t *errors = json_object_get(r->json, "errors");
    ck_assert_int_eq(json_array_size(errors), 3);
    int missing = 0;
    for (size_t i = 0; i < json_array_size(errors); i++)
        missing += !strcmp(str(json_array_get(errors, i), "field"), "/year_starts_on");
    ck_assert_int_eq(missing, 1);
    http_free(r);
    char *bad = test_fmt("%s?status=proposed", path);
    test_expect("GET", bad, part_tok, NULL, 422, NULL);
    bad = test_fmt("%s?x=1", plan);
    test_expect("GET", bad, part_tok, NULL, 422, NULL);
    test_expect("GET", "/v1/review-plans/00000000-0000-4000-8000-000000000000", test_admin(), NULL,
                404, NULL);
}
END_TEST

START_TEST(accept_rechecks_then_creates_reviews)
{
    char *hub = test_hub(), *part = test_partnership(hub);
    char *schools[4], *people[4];
    for (int s = 0; s < 4; s++) {
        schools[s] = test_school(part);
        people[s] = reviewer(schools[s]);
    }
    struct http_resp *r = plan_and_wait(part, "{\"year_starts_on\":\"2027-01-04\"}");
    ck_assert_str_eq(str(r->json, "status"), "proposed");
    char *accept = test_fmt("/v1/review-plans/%s/accept", str(r->json, "id"));
    char *plan_path = test_fmt("/v1/review-plans/%s", str(r->json, "id"));
    json_t *proposals = json_incref(json_object_get(r->json, "proposals"));
    http_free(r);

    char *school_tok = test_key("school", schools[0]);
    test_expect("POST", accept, school_tok, NULL, 403, NULL);

    /* Something changed: school 1's reviewer now declares a conflict with school 0. */
    char *conflicts = test_fmt("/v1/people/%s/conflicts", people[1]);
    char *body = test_fmt("{\"school_id\":\"%s\",\"reason\":\"Governor\"}", schools[0]);
    r = test_call("POST", conflicts, test_admin(), body, 201, NULL);
    char *conflict = test_fmt("%s/%s", conflicts, str(r->json, "id"));
    http_free(r);
    r = http_call("POST", accept, test_admin(), NULL, NULL);
    ck_assert_msg(r->status == 422, "-> %ld %s", r->status, r->body);
    ck_assert_str_eq(test_code(r), "not_eligible");
    json_t *errors = json_object_get(r->json, "errors");
    ck_assert_int_eq(json_array_size(errors), 1);
    json_t *e = json_array_get(errors, 0);
    ck_assert_str_eq(str(e, "rule"), "declared_conflict");
    ck_assert_str_eq(str(e, "school_id"), schools[0]);
    ck_assert_str_eq(str(e, "person_id"), people[1]);
    http_free(r);
    /* Nothing was created and the plan is still proposed. */
    char *reviews = test_fmt("/v1/reviews?partnership_id=%s", part);
    r = test_call("GET", reviews, test_admin(), NULL, 200, NULL);
    ck_assert_int_eq(json_array_size(json_object_get(r->json, "items")), 0);
    http_free(r);
    r = http_call("GET", plan_path, test_admin(), NULL, NULL);
    ck_assert_str_eq(str(r->json, "status"), "proposed");
    http_free(r);

    /* The conflict withdrawn, the plan is accepted: one review per proposal, in planning, with
     * its dates and team. */
    ok_call("DELETE", conflict, NULL, 204);
    r = http_call("POST", accept, test_admin(), NULL, NULL);
    ck_assert_msg(r->status == 200, "-> %ld %s", r->status, r->body);
    ck_assert_str_eq(str(r->json, "status"), "accepted");
    json_t *ids = json_object_get(r->json, "review_ids");
    ck_assert_int_eq(json_array_size(ids), 4);
    for (size_t i = 0; i < 4; i++) {
        json_t *p = json_array_get(proposals, i);
        char *rp = test_fmt("/v1/reviews/%s", json_string_value(json_array_get(ids, i)));
        struct http_resp *rv = http_call("GET", rp, test_admin(), NULL, NULL);
        ck_assert_int_eq(rv->status, 200);
        ck_assert_str_eq(str(rv->json, "status"), "planning");
        ck_assert_str_eq(str(rv->json, "school_id"), str(p, "school_id"));
        ck_assert_str_eq(str(rv->json, "review_starts_on"), str(p, "visit_starts_on"));
        ck_assert_str_eq(str(rv->json, "review_ends_on"), str(p, "visit_ends_on"));
        http_free(rv);
        char *tp = test_fmt("%s/team", rp);
        rv = http_call("GET", tp, test_admin(), NULL, NULL);
        json_t *items = json_object_get(rv->json, "items");
        json_t *team = json_object_get(p, "team");
        ck_assert_int_eq(json_array_size(items), 3);
        for (size_t k = 0; k < 3; k++) {
            int found = 0;
            for (size_t m = 0; m < 3; m++) {
                json_t *it = json_array_get(items, m), *want = json_array_get(team, k);
                found += !strcmp(str(it, "person_id"), str(want, "person_id")) &&
                         !strcmp(str(it, "role"), str(want, "role"));
            }
            ck_assert_int_eq(found, 1);
        }
        http_free(rv);
    }
    http_free(r);
    r = http_call("POST", accept, test_admin(), NULL, NULL); /* twice: 409 */
    ck_assert_int_eq(r->status, 409);
    ck_assert_str_eq(test_code(r), "conflict");
    http_free(r);

    json_decref(proposals);
}
END_TEST

Suite *review_plans_suite(void)
{
    Suite *s = suite_create("review_plans");
    TCase *tc = tcase_create("review_plans");
    tcase_set_timeout(tc, 90);
    tcase_add_test(tc, plan_keeps_the_rules);
    tcase_add_test(tc, infeasible_plan_names_blocked_schools);
    tcase_add_test(tc, plan_scope_and_validation);
    tcase_add_test(tc, accept_rechecks_then_creates_reviews);
    suite_add_tcase(s, tc);
    return s;
}
