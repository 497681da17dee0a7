/* Annual review plans (DESIGN §1.3): POST /v1/partnerships/{id}/review-plans creates a plan in
 * `generating` and, in the same transaction, the plan.generate job that fills it
 * (services/worker/jobs/plan_generate.c), answering 202 with the job and review_plan_id;
 * GET /v1/partnerships/{id}/review-plans lists them newest first; GET /v1/review-plans/{id}
 * shows one; POST /v1/review-plans/{id}/accept creates its reviews.
 *
 * Who: scoped like the partnership. Admin, hub and partnership keys in scope create; school
 * keys of the partnership read (best_practices_readable); a school or person key is refused
 * (403) a create or an accept whatever the partnership, since its role may never; outside the
 * scope 404. Accept re-checks every rule in the request's one transaction and creates nothing
 * (422 not_eligible, naming school, person and rule) when anything changed. */
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "eligibility.h"
#include "jobs.h"

#include "handlers.h"
#include "list.h"
#include "resource.h"

const struct db_stmt review_plans_statements[] = {
    [RPLAN_GET] = {"rplan_get",
                   "SELECT review_plan_json(p)::text AS json, p.partnership_id FROM review_plans p "
                   "WHERE p.id = $id"},
    [RPLAN_INSERT] =
        {"rplan_insert",
         "INSERT INTO review_plans (partnership_id, year_starts_on, team_size, visit_days, "
         "requested_by) VALUES ($partnership_id, $year_starts_on::date, $team_size::int, "
         "$visit_days::int, $requested_by) RETURNING id"},
    [RPLAN_LOCK] = {"rplan_lock",
                    "SELECT status, partnership_id, proposals::text AS proposals FROM "
                    "review_plans WHERE id = $id FOR UPDATE"},
    /* A review of the plan, in planning with its dates, while the school is still one of the
     * plan's partnership (no row otherwise). */
    [RPLAN_REVIEW] =
        {"rplan_review",
         "INSERT INTO reviews (school_id, partnership_id, review_starts_on, review_ends_on) "
         "SELECT s.id, s.partnership_id, $review_starts_on::date, $review_ends_on::date "
         "FROM schools s WHERE s.id = $school_id AND s.partnership_id = $partnership_id "
         "RETURNING id"},
    [RPLAN_MEMBER] = {"rplan_member", "INSERT INTO review_team (review_id, person_id, role) "
                                      "VALUES ($review_id, $person_id, $role)"},
    [RPLAN_ACCEPTED] =
        {"rplan_accepted",
         "UPDATE review_plans SET status = 'accepted', review_ids = $review_ids::uuid[], "
         "version = version + 1, updated_at = clock_timestamp() WHERE id = $id "
         "RETURNING review_plan_json(review_plans)::text AS json"},
    {NULL, NULL},
};

static const struct vfield review_plan_fields[] = {
    {"year_starts_on", V_DATE, V_REQUIRED, 0, NULL, 0, 0},
    {"team_size", V_INT, V_NOT_NULL, 0, NULL, 3, 4},
    {"visit_days", V_INT, V_NOT_NULL, 0, NULL, 1, 5},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

static struct list_variants review_plan_list_variants;

/* Newest first. */
static const struct list_desc review_plan_list = {
    .name = "rplan_list",
    .select = "SELECT review_plan_json(p)::text AS json, spp_micros(p.created_at) AS micros, p.id "
              "FROM review_plans p",
    .scope = LIST_SCOPE_ANY,
    .filters = (const char *const[]){"p.partnership_id = $id", NULL},
    .after = "(p.created_at, p.id) < (spp_from_micros($micros), $after::uuid)",
    .tail = "ORDER BY p.created_at DESC, p.id DESC LIMIT $limit",
    .variants = &review_plan_list_variants,
};

void review_plans_list(struct req *r)
{
    best_practices_page(r, &review_plan_list);
}

void review_plans_create(struct req *r)
{
    const char *id = req_param(r, "id");
    if (resource_partnership_work(r, id, "Only admin, hub and partnership keys plan reviews.") != 0)
        return;
    if (req_check_body(r, review_plan_fields, VALIDATE_CREATE) != 0)
        return;
    json_t *ts = json_object_get(r->json, "team_size");
    json_t *vd = json_object_get(r->json, "visit_days");
    const char *team_size = arena_printf(&r->arena, "%d", ts ? (int)json_integer_value(ts) : 3);
    const char *visit_days = arena_printf(&r->arena, "%d", vd ? (int)json_integer_value(vd) : 2);
    const char *by = r->principal.key_id[0] ? r->principal.key_id : "admin-token";
    PGresult *ins = req_db(
        r, &review_plans_statements[RPLAN_INSERT],
        DB_ARGS({"partnership_id", id},
                {"year_starts_on", json_string_value(json_object_get(r->json, "year_starts_on"))},
                {"team_size", team_size}, {"visit_days", visit_days}, {"requested_by", by}));
    if (!ins)
        return;
    const char *plan_id = db_value(ins, 0, "id");

    json_t *payload = json_pack("{s:s}", "review_plan_id", plan_id);
    char *text = json_dumps(payload, JSON_COMPACT);
    json_decref(payload);
    struct jobs_new j = {"plan.generate", text, NULL, 0, 0, NULL};
    char job[37];
    int rc = req_enqueue(r, &j, job);
    free(text);
    if (rc != 0)
        return;
    /* As every 202: Location and the job in the body, here with the plan it fills. */
    PGresult *res = req_db(r, &job_routes_statements[JOB_ROUTES_GET], DB_ARGS({"id", job}));
    if (!res)
        return;
    const char *job_text = resource_json(r, res, 0, job_routes_json_fields);
    if (!job_text)
        return;
    json_t *body = json_loads(job_text, 0, NULL);
    json_object_set_new(body, "review_plan_id", json_string(plan_id));
    char *out = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    req_header(r, "Location", arena_printf(&r->arena, "/v1/jobs/%s", job));
    req_reply_text(r, 202, out);
    free(out);
}

void review_plans_get(struct req *r)
{
    PGresult *res =
        req_db(r, &review_plans_statements[RPLAN_GET], DB_ARGS({"id", req_param(r, "id")}));
    if (!res)
        return;
    if (PQntuples(res) == 0) {
        req_problem(r, 404, "not_found", "No such review plan.");
        return;
    }
    if (best_practices_require(r, db_value(res, 0, "partnership_id"), "No such review plan.") != 0)
        return;
    req_reply_text(r, 200, db_value(res, 0, "json"));
}

/* Adds a broken rule of the plan to errors: the field in the plan, its rule and message, and
 * the school and person (NULL for a school's own problem) it concerns. */
static void review_plans_broken(json_t *errors, const char *field, const char *rule,
                                const char *message, const char *school, const char *person)
{
    json_t *e = json_pack("{s:s, s:s, s:s, s:s}", "field", field, "rule", rule, "message", message,
                          "school_id", school);
    if (person)
        json_object_set_new(e, "person_id", json_string(person));
    json_array_append_new(errors, e);
}

/* Creates proposal i's review and team, every member checked first against the rules of
 * §1.2 on the proposal's dates, with the plan's earlier reviews already in place (so that
 * anything new on the calendar counts). Adds what is broken to errors; writes the review's id
 * into review_id. Returns -1 only after answering a database error. */
static int review_plans_create_review(struct req *r, const char *partnership, size_t i,
                                      json_t *proposal, json_t *errors, char *review_id)
{
    const char *school = json_string_value(json_object_get(proposal, "school_id"));
    const char *from = json_string_value(json_object_get(proposal, "visit_starts_on"));
    const char *to = json_string_value(json_object_get(proposal, "visit_ends_on"));
    PGresult *res = req_db(r, &review_plans_statements[RPLAN_REVIEW],
                           DB_ARGS({"school_id", school}, {"review_starts_on", from},
                                   {"review_ends_on", to}, {"partnership_id", partnership}));
    if (!res)
        return -1;
    review_id[0] = '\0';
    if (PQntuples(res) == 0) {
        review_plans_broken(errors, arena_printf(&r->arena, "/proposals/%zu/school_id", i),
                            "other_partnership", "The school is no longer in the partnership.",
                            school ? school : "", NULL);
        return 0;
    }
    snprintf(review_id, 37, "%s", db_value(res, 0, "id"));
    struct elig_review review;
    if (review_facts_review(r, review_id, &review) != 0)
        return -1;
    json_t *team = json_object_get(proposal, "team");
    for (size_t k = 0; k < json_array_size(team); k++) {
        json_t *m = json_array_get(team, k);
        const char *person = json_string_value(json_object_get(m, "person_id"));
        const char *role = json_string_value(json_object_get(m, "role"));
        struct elig_problem problems[ELIG_MAX_PROBLEMS];
        size_t n = review_facts_check(r, &review, person, 0, problems);
        if (n == (size_t)-1)
            return -1;
        const char *field = arena_printf(&r->arena, "/proposals/%zu/team/%zu/person_id", i, k);
        for (size_t e = 0; e < n; e++)
            review_plans_broken(errors, field, problems[e].rule, problems[e].message, school,
                                person);
        if (n > 0)
            continue;
        if (!req_db(r, &review_plans_statements[RPLAN_MEMBER],
                    DB_ARGS({"review_id", review_id}, {"person_id", person}, {"role", role})))
            return -1;
    }
    return 0;
}

void review_plans_accept(struct req *r)
{
    if (r->principal.role == ROLE_SCHOOL || r->principal.role == ROLE_PERSON) {
        req_problem(r, 403, "forbidden", "Only admin, hub and partnership keys accept plans.");
        return;
    }
    const char *id = req_param(r, "id");
    PGresult *plan = req_db(r, &review_plans_statements[RPLAN_LOCK], DB_ARGS({"id", id}));
    if (!plan)
        return;
    if (PQntuples(plan) == 0) {
        req_problem(r, 404, "not_found", "No such review plan.");
        return;
    }
    const char *partnership = db_value(plan, 0, "partnership_id");
    if (best_practices_require(r, partnership, "No such review plan.") != 0)
        return;
    const char *status = db_value(plan, 0, "status");
    if (strcmp(status, "proposed") != 0) {
        req_problem(r, 409, "conflict",
                    arena_printf(&r->arena, "Only a proposed plan can be accepted; this one is %s.",
                                 status));
        return;
    }
    json_t *proposals = json_loads(db_value(plan, 0, "proposals"), 0, NULL);
    json_t *errors = json_array();
    size_t n = json_array_size(proposals);
    struct buf ids;
    buf_init(&ids);
    buf_puts(&ids, "{");
    int failed = 0;
    for (size_t i = 0; i < n && !failed; i++) {
        char review_id[37];
        failed = review_plans_create_review(r, partnership, i, json_array_get(proposals, i), errors,
                                            review_id) != 0;
        if (!failed && review_id[0])
            buf_printf(&ids, "%s%s", i ? "," : "", review_id);
    }
    buf_puts(&ids, "}");
    json_decref(proposals);
    if (!failed && json_array_size(errors) > 0) {
        /* Nothing is created: the dispatcher rolls the transaction back on a 4xx. */
        req_problem_errors(r, 422, "not_eligible",
                           "Something changed since the plan was proposed; nothing was created.",
                           errors);
        errors = NULL;
    }
    if (errors)
        json_decref(errors);
    if (!failed && r->status < 400) {
        PGresult *res = req_db(r, &review_plans_statements[RPLAN_ACCEPTED],
                               DB_ARGS({"id", id}, {"review_ids", ids.data}));
        if (res)
            req_reply_text(r, 200, db_value(res, 0, "json"));
    }
    buf_cleanup(&ids);
}
