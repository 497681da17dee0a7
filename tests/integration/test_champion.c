/* Automatic champion assignment by the running worker (champion.assign): never someone
 * involved, load spread over many reviews, and the unassignable case. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fixtures.h"
#include "integration.h"
#include "xalloc.h"

static char *review_at(const char *school, const char *workshop_on)
{
    return test_create("/v1/reviews", test_admin(),
                       "{\"school_id\":\"%s\",\"focus\":\"Writing\",\"workshop_on\":\"%s\"}",
                       school, workshop_on);
}

/* Asks for a champion and waits for the worker to finish the job; returns the review's
 * champion (caller frees) or NULL. */
static char *assign_and_wait(const char *review)
{
    char *path = test_fmt("/v1/reviews/%s/champion-assignment", review);
    struct http_resp *r = http_call("POST", path, test_admin(), NULL, NULL);
    ck_assert_msg(r->status == 202, "-> %ld %s", r->status, r->body);
    char *job = test_fmt("%s", http_header(r, "Location"));
    http_free(r);
    const char *status = "";
    for (int i = 0; i < 400; i++) {
        r = http_call("GET", job, test_admin(), NULL, NULL);
        status = json_string_value(json_object_get(r->json, "status"));
        int done = status && (!strcmp(status, "succeeded") || !strcmp(status, "dead"));
        int ok = status && !strcmp(status, "succeeded");
        http_free(r);
        if (done) {
            ck_assert_msg(ok, "champion.assign ended %s", status);
            break;
        }
        usleep(50000);
    }
    char *rp = test_fmt("/v1/reviews/%s", review);
    r = http_call("GET", rp, test_admin(), NULL, NULL);
    const char *c = json_string_value(json_object_get(r->json, "champion_id"));
    char *out = c ? xstrdup(c) : NULL;
    http_free(r);
    return out;
}

START_TEST(never_someone_involved)
{
    char *hub = test_hub(), *part = test_partnership(hub);
    char *host = test_school(part), *partner = test_school(part);
    char *host_person = test_person(host);
    char *team_a = test_person(partner), *team_b = test_person(partner);
    char *free_champion = test_person(partner);
    char *people[] = {host_person, team_a, team_b, free_champion};
    for (int i = 0; i < 4; i++)
        test_accredit(people[i], "improvement_champion");
    test_accredit(team_a, "peer_reviewer");
    test_accredit(team_b, "peer_reviewer");
    char *review = review_at(host, "2027-02-03");
    char *team = test_fmt("/v1/reviews/%s/team", review);
    char *body = test_fmt("{\"person_id\":\"%s\",\"role\":\"lead_reviewer\"}", team_a);
    test_expect("POST", team, test_admin(), body, 201, NULL);
    body = test_fmt("{\"person_id\":\"%s\",\"role\":\"peer_reviewer\"}", team_b);
    test_expect("POST", team, test_admin(), body, 201, NULL);
    /* A recorder of the review's evidence who has since left the team. */
    char *recorder = test_person(partner);
    test_accredit(recorder, "improvement_champion");
    test_accredit(recorder, "peer_reviewer");
    body = test_fmt("{\"person_id\":\"%s\",\"role\":\"peer_reviewer\"}", recorder);
    struct http_resp *m = http_call("POST", team, test_admin(), body, NULL);
    ck_assert_int_eq(m->status, 201);
    char *member = test_fmt("%s/%s", team, json_string_value(json_object_get(m->json, "id")));
    http_free(m);
    char *ev = test_fmt("/v1/reviews/%s/evidence", review);
    body =
        test_fmt("{\"kind\":\"document\",\"summary\":\"Plan\",\"recorded_by\":\"%s\"}", recorder);
    test_expect("POST", ev, test_admin(), body, 201, NULL);
    test_expect("DELETE", member, test_admin(), NULL, 204, NULL);
    char *champion = assign_and_wait(review);
    ck_assert_ptr_nonnull(champion);
    ck_assert_str_eq(champion, free_champion);
    char *events = test_fmt("/v1/reviews/%s/events", review);
    struct http_resp *r = http_call("GET", events, test_admin(), NULL, NULL);
    ck_assert_ptr_nonnull(strstr(r->body, "champion.assigned"));
    http_free(r);
    free(champion);
}
END_TEST

/* 50 reviews on 50 days: the five eligible champions take ten each. */
START_TEST(load_spreads_over_fifty_reviews)
{
    char *hub = test_hub(), *part = test_partnership(hub);
    char *host = test_school(part), *partner = test_school(part);
    char *champions[5];
    for (int i = 0; i < 5; i++) {
        champions[i] = test_person(partner);
        test_accredit(champions[i], "improvement_champion");
    }
    int load[5] = {0};
    for (int i = 0; i < 50; i++) {
        char day[11];
        snprintf(day, sizeof day, "2027-%02d-%02d", 3 + i / 25, 1 + i % 25);
        char *review = review_at(host, day);
        char *c = assign_and_wait(review);
        ck_assert_ptr_nonnull(c);
        int found = 0;
        for (int k = 0; k < 5; k++)
            if (!strcmp(c, champions[k])) {
                load[k]++;
                found = 1;
            }
        ck_assert_msg(found, "champion %s is not one of the partnership's", c);
        free(c);
    }
    for (int k = 0; k < 5; k++)
        ck_assert_msg(load[k] == 10, "champion %d took %d of 50", k, load[k]);
}
END_TEST

START_TEST(nobody_eligible)
{
    char *hub = test_hub(), *part = test_partnership(hub);
    char *host = test_school(part), *partner = test_school(part);
    char *lead = test_person(partner); /* not accredited */
    char *pp = test_fmt("/v1/partnerships/%s", part);
    char *body = test_fmt("{\"lead_contact_id\":\"%s\"}", lead);
    test_expect("PATCH", pp, test_admin(), body, 200, NULL);
    char *review = review_at(host, "2027-05-05");
    char *c = assign_and_wait(review);
    ck_assert_ptr_null(c);
    /* Asking again once that job has run queues a new one (someone may have been accredited
     * meanwhile); asking once more answers with it while it waits, or queues another once it
     * has started (bounds suite: champion_assignment_once_while_queued pins the first case). */
    char *again = test_fmt("/v1/reviews/%s/champion-assignment", review);
    struct http_resp *a1 = http_call("POST", again, test_admin(), NULL, NULL);
    struct http_resp *a2 = http_call("POST", again, test_admin(), NULL, NULL);
    ck_assert_int_eq(a1->status, 202);
    ck_assert_int_eq(a2->status, 202);
    ck_assert_str_eq(json_string_value(json_object_get(a1->json, "status")), "queued");
    const char *id1 = json_string_value(json_object_get(a1->json, "id"));
    if (strcmp(id1, json_string_value(json_object_get(a2->json, "id"))) != 0) {
        char *jp = test_fmt("/v1/jobs/%s", id1);
        struct http_resp *j1 = http_call("GET", jp, test_admin(), NULL, NULL);
        ck_assert_str_ne(json_string_value(json_object_get(j1->json, "status")), "queued");
        http_free(j1);
    }
    http_free(a1);
    http_free(a2);
    char *events = test_fmt("/v1/reviews/%s/events", review);
    struct http_resp *r = http_call("GET", events, test_admin(), NULL, NULL);
    ck_assert_ptr_nonnull(strstr(r->body, "champion.unassignable"));
    http_free(r);
    char *notes = test_fmt("/v1/notifications?review_id=%s", review);
    r = test_call("GET", notes, test_admin(), NULL, 200, NULL);
    ck_assert_ptr_nonnull(strstr(r->body, lead)); /* the partnership lead is told */
    ck_assert_ptr_nonnull(strstr(r->body, "champion.unassignable"));
    http_free(r);
}
END_TEST

Suite *champion_suite(void)
{
    Suite *s = suite_create("champion");
    TCase *tc = tcase_create("champion");
    tcase_set_timeout(tc, 180);
    tcase_add_test(tc, never_someone_involved);
    tcase_add_test(tc, load_spreads_over_fifty_reviews);
    tcase_add_test(tc, nobody_eligible);
    suite_add_tcase(s, tc);
    return s;
}
