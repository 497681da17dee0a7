/* /v1/reviews/{id}/team: the peer reviewers on a review (DESIGN §1, §1.2). The host school
 * drives its team (REVIEW_ACT_DRIVE). Every change runs with the review row locked
 * (reviews_load), so concurrent changes to one team queue there: the count of lead reviewers
 * and the duplicate check cannot race. A person joins, or a member's person is replaced, only
 * when the eligibility rules (common/eligibility.c) all hold: 422 not_eligible otherwise. */
#include <stdio.h>
#include <string.h>

#include "handlers.h"
#include "resource.h"

/* Columns of a single member: json, version. */
#define TEAM_ROW                                                                                   \
    "SELECT team_member_json(t)::text, t.version FROM review_team t "                              \
    "WHERE t.id = $1 AND t.review_id = $2"

const struct db_stmt review_team_statements[] = {
    {"rteam_get", TEAM_ROW},
    {"rteam_lock", TEAM_ROW " FOR UPDATE OF t"},
    {"rteam_list",
     "SELECT team_member_json(t)::text, spp_micros(t.created_at), t.id FROM review_team t "
     "WHERE t.review_id = $1 "
     "AND ($2::bigint IS NULL OR (t.created_at, t.id) > (spp_from_micros($2), $3::uuid)) "
     "ORDER BY t.created_at, t.id LIMIT $4"},
    /* Another member (not $3) of review $1 who is person $2. */
    {"rteam_seated", "SELECT 1 FROM review_team WHERE review_id = $1 AND person_id = $2 "
                     "AND id IS DISTINCT FROM $3::uuid"},
    /* Lead reviewers of review $1 other than member $2. */
    {"rteam_leads", "SELECT count(*) FROM review_team WHERE review_id = $1 "
                    "AND role = 'lead_reviewer' AND id IS DISTINCT FROM $2::uuid"},
    {"rteam_insert", "INSERT INTO review_team (review_id, person_id, role) VALUES ($1, $2, $3) "
                     "RETURNING team_member_json(review_team)::text, version, id"},
    {"rteam_update", "UPDATE review_team SET person_id = $3, role = $4, version = version + 1, "
                     "updated_at = clock_timestamp() WHERE id = $1 AND review_id = $2 "
                     "RETURNING team_member_json(review_team)::text, version"},
    {"rteam_delete", "DELETE FROM review_team WHERE id = $1 AND review_id = $2"},
    {NULL, NULL},
};

static const char *const review_team_roles[] = {"lead_reviewer", "peer_reviewer", NULL};

/* The writable fields in the order of rteam_insert's parameters after review_id. */
static const struct vfield review_team_fields[] = {
    {"id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"review_id", V_UUID, V_READONLY, 0, NULL, 0, 0},
    {"person_id", V_UUID, V_REQUIRED, 0, NULL, 0, 0},
    {"role", V_ENUM, V_REQUIRED, 0, review_team_roles, 0, 0},
    {"version", V_INT, V_READONLY, 0, NULL, 0, 0},
    {"created_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {"updated_at", V_TIMESTAMP, V_READONLY, 0, NULL, 0, 0},
    {NULL, V_TEXT, 0, 0, NULL, 0, 0},
};

/* The checks a member's person and role must pass, for a new member (member_id NULL) or a
 * change to one: not on the team already (409), at most one lead reviewer (422
 * lead_reviewer_count), and, when the person is new to the seat, every eligibility rule (422
 * not_eligible). Returns 0, or -1 after answering. */
static int review_team_check(struct req *r, const char *review_id, const char *member_id,
                             const char *person_id, const char *role, int person_is_new)
{
    if (person_is_new) {
        const char *s[] = {review_id, person_id, member_id};
        PGresult *res = req_db(r, "rteam_seated", 3, s);
        if (!res)
            return -1;
        if (PQntuples(res) > 0) {
            req_problem(r, 409, "conflict", "This person is already on the review's team.");
            return -1;
        }
    }
    if (!strcmp(role, "lead_reviewer")) {
        const char *l[] = {review_id, member_id};
        PGresult *res = req_db(r, "rteam_leads", 2, l);
        if (!res)
            return -1;
        if (strcmp(PQgetvalue(res, 0, 0), "0") != 0) {
            json_t *errors = json_array();
            validate_add(errors, "/role", "lead_reviewer_count",
                         "the review already has its lead reviewer");
            req_problem_errors(r, 422, "validation_failed",
                               "A review has exactly one lead reviewer.", errors);
            return -1;
        }
    }
    if (person_is_new && review_facts_require(r, review_id, person_id, 0, "/person_id") != 0)
        return -1;
    return 0;
}

void review_team_list(struct req *r)
{
    if (req_check_query(r, NULL, 1) != 0 ||
        !reviews_load(r, req_param(r, "id"), 0, REVIEW_ACT_READ))
        return;
    struct page pg;
    req_page(r, &pg);
    const char *p[] = {req_param(r, "id"), pg.cursor_micros, pg.cursor_id, pg.limit_plus_one};
    PGresult *res = req_db(r, "rteam_list", 4, p);
    if (res)
        req_reply_page(r, res, &pg, 0, 1, 2);
}

void review_team_create(struct req *r)
{
    const char *review_id = req_param(r, "id");
    if (!reviews_load(r, review_id, 1, REVIEW_ACT_DRIVE) ||
        req_check_body(r, review_team_fields, VALIDATE_CREATE) != 0)
        return;
    const char *p[3];
    p[0] = review_id;
    if (resource_params(r, review_team_fields, r->json, p + 1, sizeof p / sizeof *p - 1) < 0)
        return;
    if (review_team_check(r, review_id, NULL, p[1], p[2], 1) != 0)
        return;
    PGresult *res = req_db(r, "rteam_insert", 3, p);
    if (!res)
        return;
    resource_created(r, res);
}

void review_team_get(struct req *r)
{
    reviews_item_get(r, "rteam_get");
}

/* PATCH: the role, or the person in the seat (who must then be eligible). */
void review_team_update(struct req *r)
{
    const char *review_id = req_param(r, "id"), *member_id = req_param(r, "item_id");
    PGresult *cur = reviews_item_for_change(r, REVIEW_ACT_DRIVE, "rteam_lock");
    if (!cur || req_check_body(r, review_team_fields, VALIDATE_PATCH) != 0)
        return;
    json_t *merged = resource_merge(PQgetvalue(cur, 0, 0), r->json);
    const char *p[4];
    p[0] = member_id;
    p[1] = review_id;
    int nparams = resource_params(r, review_team_fields, merged, p + 2, sizeof p / sizeof *p - 2);
    json_decref(merged); /* the parameters are copies in the arena */
    if (nparams < 0)
        return;
    int person_is_new = resource_changes(PQgetvalue(cur, 0, 0), r->json, "person_id");
    if (review_team_check(r, review_id, member_id, p[2], p[3], person_is_new) != 0)
        return;
    PGresult *res = req_db(r, "rteam_update", 4, p);
    if (res)
        resource_reply(r, 200, res, 0);
}

void review_team_delete(struct req *r)
{
    reviews_item_delete(r, REVIEW_ACT_DRIVE, "rteam_lock", "rteam_delete");
}
