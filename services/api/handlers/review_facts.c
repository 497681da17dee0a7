/* The facts the review rules need (common/workflow.c, common/eligibility.c), loaded from
 * PostgreSQL in the request's transaction, and the eligibility checks built on them. */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "eligibility.h"
#include "handlers.h"
#include "resource.h"

const struct db_stmt review_fact_statements[] = {
    /* The review's side: host school, dates, team and evidence recorders, today in $2. */
    {"rfacts_review",
     "SELECT json_build_object('school_id', r.school_id, 'partnership_id', r.partnership_id, "
     "'starts', r.review_starts_on, 'ends', r.review_ends_on, 'workshop', r.workshop_on, "
     "'today', (clock_timestamp() AT TIME ZONE $2)::date, "
     "'team', COALESCE((SELECT json_agg(t.person_id) FROM review_team t "
     "WHERE t.review_id = r.id), '[]'), "
     "'recorders', COALESCE((SELECT json_agg(DISTINCT e.recorded_by) FROM evidence e "
     "WHERE e.review_id = r.id), '[]'))::text FROM reviews r WHERE r.id = $1"},
    /* The person's side for role $2, leaving out review $3 itself. */
    {"rfacts_person",
     "SELECT json_build_object('school_id', pe.school_id, 'partnership_id', s.partnership_id, "
     "'awards', COALESCE((SELECT json_agg(json_build_object('on', a.awarded_on, 'until', "
     "a.valid_until, 'counts', a.counts)) FROM accreditations a WHERE a.person_id = pe.id "
     "AND a.role = $2), '[]'), "
     "'conflicts', COALESCE((SELECT json_agg(c.school_id) FROM conflicts c "
     "WHERE c.person_id = pe.id), '[]'), "
     "'unavailable', COALESCE((SELECT json_agg(json_build_object('from', u.from_on, 'to', "
     "u.to_on)) FROM unavailability u WHERE u.person_id = pe.id), '[]'), "
     "'visits', COALESCE((SELECT json_agg(json_build_object('from', r.review_starts_on, 'to', "
     "r.review_ends_on)) FROM review_team t JOIN reviews r ON r.id = t.review_id "
     "WHERE t.person_id = pe.id AND r.id <> $3 AND r.status <> 'cancelled' "
     "AND r.review_starts_on IS NOT NULL AND r.review_ends_on IS NOT NULL), '[]'), "
     "'workshops', COALESCE((SELECT json_agg(r.workshop_on) FROM reviews r "
     "WHERE r.champion_id = pe.id AND r.id <> $3 AND r.status <> 'cancelled' "
     "AND r.workshop_on IS NOT NULL), '[]'))::text "
     "FROM people pe JOIN schools s ON s.id = pe.school_id WHERE pe.id = $1"},
    /* Everyone placed on the review: the team with their roles, then the champion. */
    {"rfacts_placed", "SELECT t.person_id, t.role FROM review_team t WHERE t.review_id = $1 "
                      "UNION ALL SELECT r.champion_id, 'champion' FROM reviews r "
                      "WHERE r.id = $1 AND r.champion_id IS NOT NULL"},
    {NULL, NULL},
};

/* A string member copied into the arena, or NULL. */
static const char *rf_str(struct req *r, const json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v ? arena_strdup(&r->arena, v) : NULL;
}

static int rf_date(const json_t *o, const char *k, struct caldate *out)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v && caldate_parse(v, out) == 0;
}

static const char *const *rf_ids(struct req *r, const json_t *arr, size_t *n)
{
    *n = json_array_size(arr);
    const char **ids = arena_alloc(&r->arena, (*n ? *n : 1) * sizeof *ids);
    for (size_t i = 0; i < *n; i++)
        ids[i] = arena_strdup(&r->arena, json_string_value(json_array_get(arr, i)));
    return ids;
}

static struct elig_range *rf_ranges(struct req *r, const json_t *arr, size_t *n)
{
    *n = json_array_size(arr);
    struct elig_range *out = arena_alloc(&r->arena, (*n ? *n : 1) * sizeof *out);
    for (size_t i = 0; i < *n; i++) {
        rf_date(json_array_get(arr, i), "from", &out[i].from);
        rf_date(json_array_get(arr, i), "to", &out[i].to);
    }
    return out;
}

/* Loads one row of JSON text from stmt; NULL (after answering) on a database error or when
 * there is no row (then nothing is answered and *missing is set). */
static json_t *rf_load(struct req *r, const char *stmt, int n, const char **p, int *missing)
{
    *missing = 0;
    PGresult *res = req_db(r, stmt, n, p);
    if (!res)
        return NULL;
    if (PQntuples(res) == 0) {
        *missing = 1;
        return NULL;
    }
    return json_loads(PQgetvalue(res, 0, 0), 0, NULL);
}

int review_facts_review(struct req *r, const char *review_id, struct elig_review *out)
{
    const char *p[] = {review_id, handlers_config()->tz};
    int missing;
    json_t *j = rf_load(r, "rfacts_review", 2, p, &missing);
    if (!j)
        return -1;
    memset(out, 0, sizeof *out);
    out->id = arena_strdup(&r->arena, review_id);
    out->school_id = rf_str(r, j, "school_id");
    out->partnership_id = rf_str(r, j, "partnership_id");
    out->has_dates = rf_date(j, "starts", &out->visit.from) && rf_date(j, "ends", &out->visit.to);
    out->has_workshop = rf_date(j, "workshop", &out->workshop_on);
    rf_date(j, "today", &out->today);
    out->team = rf_ids(r, json_object_get(j, "team"), &out->nteam);
    out->recorders = rf_ids(r, json_object_get(j, "recorders"), &out->nrecorders);
    json_decref(j);
    return 0;
}

int review_facts_person(struct req *r, const char *review_id, const char *person_id,
                        const char *accreditation_role, struct elig_person *out)
{
    const char *p[] = {person_id, accreditation_role, review_id};
    int missing;
    json_t *j = rf_load(r, "rfacts_person", 3, p, &missing);
    if (!j)
        return missing ? 1 : -1;
    memset(out, 0, sizeof *out);
    out->id = arena_strdup(&r->arena, person_id);
    out->school_id = rf_str(r, j, "school_id");
    out->partnership_id = rf_str(r, j, "partnership_id");
    /* The stored awards carry the rule's outcome already (accreditations.c). */
    const json_t *awards = json_object_get(j, "awards");
    out->nawards = json_array_size(awards);
    struct accreditation_award *a =
        arena_alloc(&r->arena, (out->nawards ? out->nawards : 1) * sizeof *a);
    for (size_t i = 0; i < out->nawards; i++) {
        const json_t *w = json_array_get(awards, i);
        rf_date(w, "on", &a[i].on);
        rf_date(w, "until", &a[i].valid_until);
        a[i].counts = json_is_true(json_object_get(w, "counts"));
    }
    out->awards = a;
    out->conflict_schools = rf_ids(r, json_object_get(j, "conflicts"), &out->nconflicts);
    out->unavailable = rf_ranges(r, json_object_get(j, "unavailable"), &out->nunavailable);
    out->other_visits = rf_ranges(r, json_object_get(j, "visits"), &out->nother_visits);
    const json_t *ws = json_object_get(j, "workshops");
    out->nother_workshops = json_array_size(ws);
    struct caldate *w =
        arena_alloc(&r->arena, (out->nother_workshops ? out->nother_workshops : 1) * sizeof *w);
    for (size_t i = 0; i < out->nother_workshops; i++)
        caldate_parse(json_string_value(json_array_get(ws, i)), &w[i]);
    out->other_workshops = w;
    json_decref(j);
    return 0;
}

/* Adds the broken rules as items of errors, each with field and rule. */
static void review_facts_errors(json_t *errors, const char *field, const struct elig_problem *p,
                                size_t n)
{
    for (size_t i = 0; i < n; i++)
        validate_add(errors, field, p[i].rule, "%s", p[i].message);
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
    const char *p[] = {review_id};
    PGresult *placed = req_db(r, "rfacts_placed", 1, p);
    if (!placed)
        return NULL;
    json_t *report = json_array();
    for (int i = 0; i < PQntuples(placed); i++) {
        const char *person = PQgetvalue(placed, i, 0), *role = PQgetvalue(placed, i, 1);
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
