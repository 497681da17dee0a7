/* The facts the review rules need (common/rules/workflow.c, common/rules/eligibility.c), loaded
 * from PostgreSQL in the request's transaction, and the eligibility checks built on them. Whether a
 * person may be named on a review at all (review_facts_nameable) lives here too, below both
 * reviews.c and actions.c, so that this file calls into no handler that calls back into it. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "eligibility.h"
#include "facts.h"
#include "handlers.h"
#include "resource.h"

const struct db_stmt review_facts_statements[] = {
    /* Person $person_id's owner chain, and whether they work at a school of review $review_id's
     * partnership. */
    [REVIEW_PERSON] =
        {"review_person",
         "SELECT p.hub_id, s.partnership_id, s.id AS school_id, pe.id AS person_id, "
         "COALESCE(s.partnership_id = (SELECT r.partnership_id FROM reviews r "
         "WHERE r.id = $review_id), "
         "false) AS member FROM people pe JOIN schools s ON s.id = pe.school_id "
         "LEFT JOIN partnerships p ON p.id = s.partnership_id WHERE pe.id = $person_id"},
    /* Everyone placed on the review: the team with their roles, then the champion. */
    [RFACTS_PLACED] = {"rfacts_placed",
                       "SELECT t.person_id, t.role FROM review_team t WHERE t.review_id = $id "
                       "UNION ALL SELECT r.champion_id, 'champion' FROM reviews r "
                       "WHERE r.id = $id AND r.champion_id IS NOT NULL"},
    {NULL, NULL},
};

/* A database error while loading facts: answered as every statement failure is. */
static void review_facts_failed(struct req *r)
{
    if (db_broken(r->hc->db)) {
        req_header(r, "Retry-After", "1");
        req_problem(r, 503, "unavailable", "The database is unavailable; try again shortly.");
    } else {
        req_problem(r, 500, "internal", "Something went wrong on our side.");
    }
}

int review_facts_review(struct req *r, const char *review_id, struct elig_review *out)
{
    int rc = facts_review(r->hc->db, &r->arena, review_id, system_config()->tz, out);
    if (rc == 0)
        return 0;
    if (rc > 0)
        req_problem(r, 404, "not_found", "No such review.");
    else
        review_facts_failed(r);
    return -1;
}

int review_facts_person(struct req *r, const char *review_id, const char *person_id,
                        const char *accreditation_role, struct elig_person *out)
{
    int rc = facts_person(r->hc->db, &r->arena, review_id, person_id, accreditation_role, out);
    if (rc < 0)
        review_facts_failed(r);
    return rc;
}

/* Adds the broken rules as items of errors, each with field and rule. */
static void review_facts_errors(json_t *errors, const char *field, const struct elig_problem *p,
                                size_t n)
{
    for (size_t i = 0; i < n; i++)
        validate_add(errors, field, p[i].rule, "%s", p[i].message);
}

int review_facts_nameable(struct req *r, const char *review_id, const char *person_id)
{
    if (!validate_uuid(person_id))
        return REVIEW_FACTS_UNSEEN;
    PGresult *res = req_db(r, &review_facts_statements[REVIEW_PERSON],
                           DB_ARGS({"person_id", person_id}, {"review_id", review_id}));
    if (!res)
        return -1;
    if (PQntuples(res) == 0)
        return REVIEW_FACTS_UNSEEN;
    if (db_value(res, 0, "member")[0] == 't')
        return REVIEW_FACTS_MEMBER;
    struct scope_owner o;
    req_owner_from_row(res, 0, &o);
    return scope_visible(&r->principal, &o) ? REVIEW_FACTS_OUTSIDER : REVIEW_FACTS_UNSEEN;
}

size_t review_facts_check(struct req *r, const struct elig_review *review, const char *person_id,
                          int champion, struct elig_problem *out)
{
    struct elig_person person;
    int rc = review_facts_person(r, review->id, person_id,
                                 champion ? "improvement_champion" : "peer_reviewer", &person);
    if (rc < 0)
        return (size_t)-1;
    if (rc > 0) {
        out[0].rule = "not_found";
        out[0].message = "There is no such person.";
        return 1;
    }
    return champion ? eligibility_champion(review, &person, out)
                    : eligibility_team_member(review, &person, out);
}

int review_facts_require(struct req *r, const char *review_id, const char *person_id, int champion,
                         const char *field)
{
    /* A person outside the caller's sight (not of the review's partnership, not seen by the
     * key) reads as no person at all: their rules are not the caller's business, and listing
     * them would tell which ids are people. */
    int seen = review_facts_nameable(r, review_id, person_id);
    if (seen < 0)
        return -1;
    if (seen == REVIEW_FACTS_UNSEEN) {
        json_t *errors = json_array();
        validate_add(errors, field, "not_found", "names no person you can see");
        req_problem_errors(r, 422, "not_eligible",
                           champion ? "This person cannot be the review's improvement champion."
                                    : "This person cannot sit on the review's team.",
                           errors);
        return -1;
    }
    struct elig_review review;
    if (review_facts_review(r, review_id, &review) != 0)
        return -1;
    struct elig_problem problems[ELIG_MAX_PROBLEMS];
    size_t n = review_facts_check(r, &review, person_id, champion, problems);
    if (n == (size_t)-1)
        return -1;
    if (n == 0)
        return 0;
    json_t *errors = json_array();
    review_facts_errors(errors, field, problems, n);
    req_problem_errors(r, 422, "not_eligible",
                       champion ? "This person cannot be the review's improvement champion."
                                : "This person cannot sit on the review's team.",
                       errors);
    return -1;
}

json_t *review_facts_recheck(struct req *r, const char *review_id)
{
    struct elig_review review;
    if (review_facts_review(r, review_id, &review) != 0)
        return NULL;
    PGresult *placed =
        req_db(r, &review_facts_statements[RFACTS_PLACED], DB_ARGS({"id", review_id}));
    if (!placed)
        return NULL;
    json_t *report = json_array();
    int person_col = db_col(placed, "person_id"), role_col = db_col(placed, "role");
    for (int i = 0; i < PQntuples(placed); i++) {
        const char *person = PQgetvalue(placed, i, person_col),
                   *role = PQgetvalue(placed, i, role_col);
        int champion = !strcmp(role, "champion");
        struct elig_problem problems[ELIG_MAX_PROBLEMS];
        size_t n = review_facts_check(r, &review, person, champion, problems);
        if (n == (size_t)-1) {
            json_decref(report);
            return NULL;
        }
        if (n == 0)
            continue;
        json_t *errors = json_array();
        review_facts_errors(errors, NULL, problems, n);
        json_array_append_new(report, json_pack("{s:s, s:s, s:o}", "person_id", person, "role",
                                                role, "errors", errors));
    }
    return report;
}
