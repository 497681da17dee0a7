/* Annual review plans (DESIGN §1.3): POST /v1/partnerships/{id}/review-plans creates a plan in
 * `generating` and, in the same transaction, the plan.generate job that fills it
 * (services/worker/jobs/plan_generate.c), answering 202 with the job and review_plan_id;
 * GET /v1/partnerships/{id}/review-plans lists them newest first; GET /v1/review-plans/{id}
 * shows one.
 *
 * Who: scoped like the partnership. Admin, hub and partnership keys in scope create; school
 * keys of the partnership read (best_practices_readable); a school or person key is refused
 * (403) a create whatever the partnership, since its role may never; outside the scope 404. */
#include <stdlib.h>
#include <string.h>

#include "jobs.h"

#include "handlers.h"
#include "resource.h"

const struct db_stmt review_plan_statements[] = {
    {"rplan_list",
     "SELECT review_plan_json(p)::text, spp_micros(p.created_at), p.id FROM review_plans p "
     "WHERE p.partnership_id = $1 "
     "AND ($2::bigint IS NULL OR (p.created_at, p.id) < (spp_from_micros($2), $3::uuid)) "
     "ORDER BY p.created_at DESC, p.id DESC LIMIT $4"},
    {"rplan_get",
     "SELECT review_plan_json(p)::text, p.partnership_id FROM review_plans p WHERE p.id = $1"},
    {"rplan_insert",
     "INSERT INTO review_plans (partnership_id, year_starts_on, team_size, visit_days, "
     "requested_by) VALUES ($1, $2::date, $3::int, $4::int, $5) RETURNING id"},
    {NULL, NULL},
};

static const struct vfield review_plan_fields[] = {
    {"year_starts_on", V_DATE, V_REQUIRED, 0, NULL, 0, 0},
    {"team_size", V_INT, V_NOT_NULL, 0, NULL, 3, 4},
    {"visit_days", V_INT, V_NOT_NULL, 0, NULL, 1, 5},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

/* Answers 404 and returns -1 unless the caller may read partnership_id's plans. */
static int review_plans_readable(struct req *r, const char *partnership_id, const char *what)
{
    int readable = best_practices_readable(r, partnership_id);
    if (readable < 0)
        return -1;
    if (!readable) {
        req_problem(r, 404, "not_found", what);
        return -1;
    }
    return 0;
}

void review_plans_list(struct req *r)
{
    const char *id = req_param(r, "id");
    if (req_check_query(r, NULL, 1) != 0 ||
        review_plans_readable(r, id, "No such partnership.") != 0)
        return;
    struct page pg;
    req_page(r, &pg);
    const char *p[] = {id, pg.cursor_micros, pg.cursor_id, pg.limit_plus_one};
    PGresult *res = req_db(r, "rplan_list", 4, p);
    if (res)
        req_reply_page(r, res, &pg, 0, 1, 2);
}

void review_plans_create(struct req *r)
{
    if (req_check_query(r, NULL, 0) != 0)
        return;
    const char *id = req_param(r, "id");
    if (r->principal.role == ROLE_SCHOOL || r->principal.role == ROLE_PERSON) {
        req_problem(r, 403, "forbidden", "Only admin, hub and partnership keys plan reviews.");
        return;
    }
    struct scope_owner o;
    int seen = resource_chain(r, SCOPE_PARTNERSHIP, id, &o);
    if (seen < 0)
        return;
    if (!seen) {
        req_problem(r, 404, "not_found", "No such partnership.");
        return;
    }
    if (req_check_body(r, review_plan_fields, VALIDATE_CREATE) != 0)
        return;
    json_t *ts = json_object_get(r->json, "team_size");
    json_t *vd = json_object_get(r->json, "visit_days");
    const char *team_size = arena_printf(&r->arena, "%d", ts ? (int)json_integer_value(ts) : 3);
    const char *visit_days = arena_printf(&r->arena, "%d", vd ? (int)json_integer_value(vd) : 2);
    const char *by = r->principal.key_id[0] ? r->principal.key_id : "admin-token";
    const char *ip[] = {id, json_string_value(json_object_get(r->json, "year_starts_on")),
                        team_size, visit_days, by};
    PGresult *ins = req_db(r, "rplan_insert", 5, ip);
    if (!ins)
        return;
    const char *plan_id = PQgetvalue(ins, 0, 0);

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
    const char *jp[] = {job};
    PGresult *res = req_db(r, "job_get", 1, jp);
    if (!res)
        return;
    json_t *body = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
    json_object_set_new(body, "review_plan_id", json_string(plan_id));
    char *out = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    req_header(r, "Location", arena_printf(&r->arena, "/v1/jobs/%s", job));
    req_reply_text(r, 202, out);
    free(out);
}

void review_plans_get(struct req *r)
{
    if (req_check_query(r, NULL, 0) != 0)
        return;
    const char *p[] = {req_param(r, "id")};
    PGresult *res = req_db(r, "rplan_get", 1, p);
    if (!res)
        return;
    if (PQntuples(res) == 0) {
        req_problem(r, 404, "not_found", "No such review plan.");
        return;
    }
    if (review_plans_readable(r, PQgetvalue(res, 0, 1), "No such review plan.") != 0)
        return;
    req_reply_text(r, 200, PQgetvalue(res, 0, 0));
}
